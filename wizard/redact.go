package wizard

import (
	"regexp"
	"strings"
)

// Servers sometimes quote what they were sent: an AWS error that repeats a credential, a
// Secret Server message that echoes a field or a token. Every message that quotes a server
// passes through Redact before it reaches the screen, the logs, the progress file or the
// report, so a secret cannot leak through an error.

const redactMark = "[redacted]"

var (
	// name=value, "name": "value" and name: value where the name says secret.
	secretAssignment = regexp.MustCompile(`(?i)(\b(?:secret[_-]?access[_-]?key|secretaccesskey|secret[_-]?key|aws_secret_access_key|password|passwd|client[_-]?secret|access[_-]?token|refresh[_-]?token|session[_-]?token|x-amz-security-token|token|authorization)\b["']?\s*[:=]\s*["']?\s*(?:bearer\s+)?|\bbearer\s+)([^\s"',;&}<]{6,})`)
	// A bare AWS secret access key: 40 characters of base64 with no neighbours of the same kind.
	awsSecret = regexp.MustCompile(`(^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})($|[^A-Za-z0-9/+=])`)
	// Long token-like runs (JWTs, OAuth tokens, base64 blobs).
	tokenLike = regexp.MustCompile(`[A-Za-z0-9_\-.~+/]{32,}={0,2}`)
)

// Redact replaces anything in s that looks like a secret access key or a token.
func Redact(s string) string {
	s = secretAssignment.ReplaceAllString(s, "${1}"+redactMark)
	s = awsSecret.ReplaceAllStringFunc(s, func(m string) string {
		sub := awsSecret.FindStringSubmatch(m)
		if !mixed(sub[2]) {
			return m
		}
		return sub[1] + redactMark + sub[3]
	})
	return tokenLike.ReplaceAllStringFunc(s, func(m string) string {
		if !mixed(m) || strings.Count(m, "/") > 2 {
			return m // a path or a long plain name, not a token
		}
		return redactMark
	})
}

// mixed says whether s has upper and lower case letters and digits, as random keys and
// tokens do and names and paths rarely do.
func mixed(s string) bool {
	var up, low, digit bool
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			up = true
		case r >= 'a' && r <= 'z':
			low = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	return up && low && digit
}

// redactedErr shows a redactMark message but keeps the original for errors.Is and errors.As.
type redactedErr struct {
	msg string
	err error
}

func (e *redactedErr) Error() string { return e.msg }
func (e *redactedErr) Unwrap() error { return e.err }

// RedactError returns err with a redactMark message (nil stays nil; a clean message is kept as
// it is).
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := Redact(msg); r != msg {
		return &redactedErr{msg: r, err: err}
	}
	return err
}
