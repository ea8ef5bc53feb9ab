// Package sigv4 verifies AWS Signature Version 4 on incoming requests the way an AWS service
// does: from the client's own list of signed headers and credential scope, not by re-signing
// with an SDK. Practice mode's simulator relies on it so that any correct SigV4 client (the Go
// SDK, botocore, the AWS CLI) is accepted, and a signing bug in one of them is not hidden by
// sharing its code.
//
// The steps follow AWS's "Create a signed AWS API request" (Signature Version 4):
// canonical request → string to sign → derived signing key → HMAC-SHA256 signature.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far X-Amz-Date may be from the server's clock: AWS's window for requests
// signed in the Authorization header.
const MaxSkew = 15 * time.Minute

// TimeFormat is X-Amz-Date's layout (ISO 8601 basic, UTC).
const TimeFormat = "20060102T150405Z"

// Kind says why a request failed verification, so the caller can answer with the code its
// wire protocol uses.
type Kind int

const (
	// Incomplete: the Authorization header or the date is missing or malformed.
	Incomplete Kind = iota
	// Mismatch: the signature, the scope or the payload hash does not match the request.
	Mismatch
	// Skewed: X-Amz-Date is more than MaxSkew away from now.
	Skewed
	// Presigned: the signature is in the query string, which this verifier does not accept.
	Presigned
)

// Error is a verification failure with the message AWS would give.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

func fail(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Authorization is the parsed Authorization header.
type Authorization struct {
	KeyID   string
	Date    string // scope date, YYYYMMDD
	Region  string
	Service string
	// SignedHeaders are lower-case, in the order the client listed them.
	SignedHeaders []string
	Signature     string
}

// Scope is the credential scope the signature is bound to.
func (a Authorization) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
}

// IsPresigned reports whether the request carries a query-string signature.
func IsPresigned(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("X-Amz-Signature") || q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential")
}

var scopeDate = regexp.MustCompile(`^\d{8}$`)

// ParseAuthorization reads "AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func ParseAuthorization(h string) (Authorization, *Error) {
	var a Authorization
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != Algorithm {
		return a, fail(Incomplete, "Authorization header requires the %s algorithm.", Algorithm)
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return a, fail(Incomplete, "Authorization header requires each component to be of the form key=value.")
		}
		parts[k] = v
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if parts[k] == "" {
			return a, fail(Incomplete, "Authorization header requires '%s' parameter.", k)
		}
	}
	cred := strings.Split(parts["Credential"], "/")
	if len(cred) != 5 || cred[4] != "aws4_request" || cred[0] == "" || !scopeDate.MatchString(cred[1]) || cred[2] == "" || cred[3] == "" {
		return a, fail(Incomplete, "Credential should be of the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, got '%s'.", parts["Credential"])
	}
	a.KeyID, a.Date, a.Region, a.Service = cred[0], cred[1], cred[2], cred[3]
	a.SignedHeaders = strings.Split(parts["SignedHeaders"], ";")
	a.Signature = parts["Signature"]
	return a, nil
}

// regionPattern is the shape of every AWS region name (us-east-1, eu-central-2,
// us-gov-west-1, cn-north-1, ap-southeast-5).
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// Verify checks a request signed in its Authorization header: the scope's date against
// X-Amz-Date, the region's form, the clock skew, the payload hash, and finally the signature,
// compared in constant time. body is the request body as received.
func Verify(r *http.Request, body []byte, a Authorization, secret string, now time.Time) *Error {
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return fail(Incomplete, "Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	when, err := time.Parse(TimeFormat, amzDate)
	if err != nil {
		return fail(Incomplete, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '%s'.", amzDate)
	}
	if a.Date != amzDate[:8] {
		return fail(Mismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.Date, amzDate[:8], amzDate)
	}
	if !regionPattern.MatchString(a.Region) {
		return fail(Mismatch, "Credential should be scoped to a valid region, not '%s'.", a.Region)
	}
	now = now.UTC()
	if when.Before(now.Add(-MaxSkew)) {
		return fail(Skewed, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.Add(-MaxSkew).Format(TimeFormat), now.Format(TimeFormat))
	}
	if when.After(now.Add(MaxSkew)) {
		return fail(Skewed, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, now.Add(MaxSkew).Format(TimeFormat), now.Format(TimeFormat))
	}
	if !contains(a.SignedHeaders, "host") {
		return fail(Mismatch, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if r.Header.Get("X-Amz-Date") != "" && !contains(a.SignedHeaders, "x-amz-date") {
		return fail(Mismatch, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
	}
	// The payload hash is always computed from the body received; a client's
	// X-Amz-Content-Sha256 must agree with it, so a body changed in transit cannot hide behind
	// the hash the client declared.
	payload := HashHex(body)
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" && declared != payload {
		return fail(Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	creq := CanonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, CanonicalHeaders(r, a.SignedHeaders), a.SignedHeaders, payload)
	sts := StringToSign(amzDate, a.Scope(), creq)
	want := Signature(SigningKey(secret, a.Date, a.Region, a.Service), sts)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(a.Signature))) != 1 {
		return fail(Mismatch, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// HashHex is the lower-case hex SHA-256 of b.
func HashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CanonicalRequest joins method, canonical URI, canonical query, canonical headers (each
// "name:value\n"), the signed header list and the payload hash, one per line.
func CanonicalRequest(method, escapedPath, rawQuery, canonicalHeaders string, signed []string, payloadHash string) string {
	return strings.Join([]string{method, CanonicalURI(escapedPath), CanonicalQuery(rawQuery), canonicalHeaders, strings.Join(signed, ";"), payloadHash}, "\n")
}

// CanonicalURI is the path as sent, with each segment URI-encoded once more: every service
// but S3 double-encodes, and the path on the wire is already encoded once.
func CanonicalURI(escapedPath string) string {
	if escapedPath == "" {
		return "/"
	}
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		segs[i] = Escape(s)
	}
	return strings.Join(segs, "/")
}

// CanonicalQuery sorts the parameters by name, then value, each name and value URI-encoded
// (RFC 3986: only A-Z a-z 0-9 - _ . ~ unescaped, spaces as %20).
func CanonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		pairs = append(pairs, kv{Escape(unescape(k)), Escape(unescape(v))})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// Escape is SigV4's URI encoding: every byte except the unreserved characters as %XY, upper
// case hex.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// CanonicalHeaders renders the listed headers as "name:value\n" lines: names lower case,
// values trimmed with inner runs of spaces collapsed, repeated headers joined by commas. Go's
// server moves Host and Content-Length out of the header map, so they are read from the
// request itself.
func CanonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var values []string // a copy: the header map's own slices must stay as received
		switch name {
		case "host":
			values = []string{r.Host}
		case "content-length":
			if r.ContentLength >= 0 {
				values = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		default:
			values = append(values, r.Header.Values(name)...)
		}
		for i, v := range values {
			values[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(name + ":" + strings.Join(values, ",") + "\n")
	}
	return b.String()
}

// StringToSign binds the canonical request to the algorithm, the time and the scope.
func StringToSign(amzDate, scope, canonicalRequest string) string {
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + HashHex([]byte(canonicalRequest))
}

// SigningKey derives the key for one day, region and service from the secret access key.
func SigningKey(secret, date, region, service string) []byte {
	k := mac([]byte("AWS4"+secret), date)
	k = mac(k, region)
	k = mac(k, service)
	return mac(k, "aws4_request")
}

// Signature is the hex HMAC-SHA256 of the string to sign under the signing key.
func Signature(signingKey []byte, stringToSign string) string {
	return hex.EncodeToString(mac(signingKey, stringToSign))
}

func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
