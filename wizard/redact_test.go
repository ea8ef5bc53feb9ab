package wizard

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactHidesKeysAndTokens(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE12"
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	for _, in := range []string{
		"The security token included in the request is invalid: " + secret,
		`{"message":"bad secret key ` + secret + `"}`,
		"SecretAccessKey=" + secret,
		`password: "Sup3r-s3cret!"`,
		"Authorization: Bearer " + jwt,
		`"access_token":"` + jwt + `"`,
		"token " + jwt + " has expired",
	} {
		out := Redact(in)
		for _, leak := range []string{secret, jwt, "Sup3r-s3cret!"} {
			if strings.Contains(out, leak) {
				t.Errorf("Redact(%q) = %q still holds a secret", in, out)
			}
		}
		if !strings.Contains(out, redactMark) {
			t.Errorf("Redact(%q) = %q marks nothing", in, out)
		}
	}
	// What admins need to read stays.
	for _, keep := range []string{
		"AWS denied iam:CreateUser (AccessDenied): User: arn:aws:iam::123456789012:user/operator is not authorized",
		"policy arn:aws:iam::123456789012:policy/DelineaSecretsManagerLeastPrivilege",
		"GET /Documents/restapi/TokenAuth/swagger.json: secret server answered 404",
		"access key AKIA••••••••••••VGUN of delinea-secrets-sync",
		"request id 52fc4b5c-0f4e-4c8e-9c7a-9e2d2a6f1b3d",
	} {
		if got := Redact(keep); got != keep {
			t.Errorf("Redact(%q) = %q changed a harmless message", keep, got)
		}
	}
	base := errors.New("boom")
	err := RedactError(&wrap{"SecretAccessKey=" + secret, base})
	if strings.Contains(err.Error(), secret) || !errors.Is(err, base) {
		t.Fatalf("RedactError: %v (keeps the original: %v)", err, errors.Is(err, base))
	}
}

type wrap struct {
	msg string
	err error
}

func (w *wrap) Error() string { return w.msg }
func (w *wrap) Unwrap() error { return w.err }
