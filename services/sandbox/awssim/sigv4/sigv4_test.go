package sigv4

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The credentials and time of AWS's published Signature Version 4 examples (the IAM ListUsers
// walk-through in the AWS General Reference and the aws-sig-v4-test-suite).
const (
	exampleKeyID  = "AKIDEXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	exampleDate   = "20150830T123600Z"
)

var exampleTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

func request(t *testing.T, method, rawURL, body string, headers ...string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func authFor(service string, signed, sig string) Authorization {
	a, err := ParseAuthorization(Algorithm + " Credential=" + exampleKeyID + "/20150830/us-east-1/" + service + "/aws4_request, SignedHeaders=" + signed + ", Signature=" + sig)
	if err != nil {
		panic(err)
	}
	return a
}

// AWS's documented example: GET ListUsers on IAM, with the intermediate values the
// documentation lists for each step.
func TestDocumentedIAMListUsersExample(t *testing.T) {
	r := request(t, "GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", "",
		"Content-Type", "application/x-www-form-urlencoded; charset=utf-8", "X-Amz-Date", exampleDate)
	signed := []string{"content-type", "host", "x-amz-date"}
	creq := CanonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, CanonicalHeaders(r, signed), signed, HashHex(nil))
	if got := HashHex([]byte(creq)); got != "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59" {
		t.Fatalf("canonical request hash %s\n%s", got, creq)
	}
	if got := hex.EncodeToString(SigningKey(exampleSecret, "20150830", "us-east-1", "iam")); got != "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9" {
		t.Fatalf("signing key %s", got)
	}
	const documented = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	if err := Verify(r, nil, authFor("iam", "content-type;host;x-amz-date", documented), exampleSecret, exampleTime); err != nil {
		t.Fatalf("the documented signature must verify: %v", err)
	}
	if err := Verify(r, nil, authFor("iam", "content-type;host;x-amz-date", documented), "another-secret", exampleTime); err == nil || err.Kind != Mismatch {
		t.Fatalf("another secret must not verify: %v", err)
	}
}

// Two vectors of AWS's SigV4 test suite: get-vanilla, and get-vanilla-query-order-key-case
// (the query is sorted before signing).
func TestSuiteVectors(t *testing.T) {
	for _, c := range []struct{ url, sig string }{
		{"https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"https://example.amazonaws.com/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	} {
		r := request(t, "GET", c.url, "", "X-Amz-Date", exampleDate)
		if err := Verify(r, nil, authFor("service", "host;x-amz-date", c.sig), exampleSecret, exampleTime); err != nil {
			t.Errorf("%s: %v", c.url, err)
		}
		bad := strings.Replace(c.sig, c.sig[:1], "0", 1)
		if err := Verify(r, nil, authFor("service", "host;x-amz-date", bad), exampleSecret, exampleTime); err == nil {
			t.Errorf("%s: a changed signature verified", c.url)
		}
	}
}

// sign signs r the way a client would, with this package's own steps (the vectors above
// prove them), so the negative cases below start from a request that verifies.
func sign(r *http.Request, body []byte, signed []string, when time.Time) Authorization {
	date := when.UTC().Format(TimeFormat)
	r.Header.Set("X-Amz-Date", date)
	a := Authorization{KeyID: exampleKeyID, Date: date[:8], Region: "eu-west-1", Service: "secretsmanager", SignedHeaders: signed}
	creq := CanonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, CanonicalHeaders(r, signed), signed, HashHex(body))
	a.Signature = Signature(SigningKey(exampleSecret, a.Date, a.Region, a.Service), StringToSign(date, a.Scope(), creq))
	return a
}

func TestWhatARequestMustNotChange(t *testing.T) {
	now := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	body := []byte(`{"SecretId":"team/db","SecretString":"v2"}`)
	signed := []string{"content-type", "host", "x-amz-date", "x-amz-target"}
	fresh := func() (*http.Request, Authorization) {
		r := request(t, "POST", "http://127.0.0.1:4566/", string(body), "Content-Type", "application/x-amz-json-1.1", "X-Amz-Target", "secretsmanager.PutSecretValue")
		return r, sign(r, body, signed, now)
	}
	r, a := fresh()
	if err := Verify(r, body, a, exampleSecret, now); err != nil {
		t.Fatalf("an untouched request must verify: %v", err)
	}
	// Header values are compared trimmed, with runs of spaces collapsed.
	r.Header.Set("Content-Type", "  application/x-amz-json-1.1  ")
	if err := Verify(r, body, a, exampleSecret, now); err != nil {
		t.Fatalf("surrounding spaces are not part of the value: %v", err)
	}

	cases := []struct {
		name   string
		change func(r *http.Request, a *Authorization) []byte
		kind   Kind
		msg    string
	}{
		{"tampered body", func(r *http.Request, a *Authorization) []byte {
			return []byte(strings.Replace(string(body), "v2", "v3", 1))
		}, Mismatch, "does not match"},
		{"declared payload hash disagrees with the body", func(r *http.Request, a *Authorization) []byte {
			r.Header.Set("X-Amz-Content-Sha256", HashHex([]byte("something else")))
			return body
		}, Mismatch, "x-amz-content-sha256"},
		{"signed header changed", func(r *http.Request, a *Authorization) []byte {
			r.Header.Set("X-Amz-Target", "secretsmanager.DeleteSecret")
			return body
		}, Mismatch, "does not match"},
		{"another host", func(r *http.Request, a *Authorization) []byte { r.Host = "127.0.0.1:9999"; return body }, Mismatch, "does not match"},
		{"a query added", func(r *http.Request, a *Authorization) []byte { r.URL.RawQuery = "x=1"; return body }, Mismatch, "does not match"},
		{"scope date is not the request's date", func(r *http.Request, a *Authorization) []byte { a.Date = "20261129"; return body }, Mismatch, "Date in Credential scope"},
		{"scope names no region", func(r *http.Request, a *Authorization) []byte { a.Region = "nowhere"; return body }, Mismatch, "valid region"},
		{"host not signed", func(r *http.Request, a *Authorization) []byte {
			a.SignedHeaders = []string{"content-type", "x-amz-date", "x-amz-target"}
			return body
		}, Mismatch, "'Host' must be"},
		{"no date", func(r *http.Request, a *Authorization) []byte { r.Header.Del("X-Amz-Date"); return body }, Incomplete, "X-Amz-Date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, a := fresh()
			b := c.change(r, &a)
			err := Verify(r, b, a, exampleSecret, now)
			if err == nil || err.Kind != c.kind || !strings.Contains(err.Message, c.msg) {
				t.Fatalf("want kind %d with %q, got %v", c.kind, c.msg, err)
			}
		})
	}
}

// A request signed 20 minutes ago (or ahead) is refused even though its signature is right,
// with AWS's wording; within 15 minutes it is accepted.
func TestClockSkew(t *testing.T) {
	now := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		offset time.Duration
		ok     bool
		msg    string
	}{
		{-20 * time.Minute, false, "Signature expired: 20261130T164000Z is now earlier than 20261130T164500Z (20261130T170000Z - 15 min.)"},
		{20 * time.Minute, false, "Signature not yet current: 20261130T172000Z is still later than 20261130T171500Z (20261130T170000Z + 15 min.)"},
		{-14 * time.Minute, true, ""},
		{14 * time.Minute, true, ""},
	} {
		r := request(t, "POST", "http://127.0.0.1:4566/", "Action=GetCallerIdentity&Version=2011-06-15")
		body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
		a := sign(r, body, []string{"host", "x-amz-date"}, now.Add(c.offset))
		err := Verify(r, body, a, exampleSecret, now)
		switch {
		case c.ok && err != nil:
			t.Errorf("%v off: %v", c.offset, err)
		case !c.ok && (err == nil || err.Kind != Skewed || err.Message != c.msg):
			t.Errorf("%v off: got %v, want %q", c.offset, err, c.msg)
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	a, err := ParseAuthorization("AWS4-HMAC-SHA256 Credential=AKIAX/20261130/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	if err != nil || a.KeyID != "AKIAX" || a.Region != "us-east-1" || a.Service != "sts" || a.Scope() != "20261130/us-east-1/sts/aws4_request" ||
		strings.Join(a.SignedHeaders, ";") != "host;x-amz-date" || a.Signature != "abc" {
		t.Fatalf("%+v %v", a, err)
	}
	for _, bad := range []string{
		"",
		"AWS4-HMAC-SHA1 Credential=AKIAX/20261130/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc",
		"AWS4-HMAC-SHA256 Credential=AKIAX/20261130/us-east-1/sts, SignedHeaders=host, Signature=abc",
		"AWS4-HMAC-SHA256 Credential=AKIAX/2026-11-30/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc",
		"AWS4-HMAC-SHA256 Credential=AKIAX/20261130/us-east-1/sts/aws4_request, Signature=abc",
	} {
		if _, err := ParseAuthorization(bad); err == nil || err.Kind != Incomplete {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestPresignedRequestsAreRecognised(t *testing.T) {
	if !IsPresigned(request(t, "GET", "http://h/?Action=ListUsers&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab", "")) {
		t.Fatal("a query-string signature must be recognised")
	}
	if IsPresigned(request(t, "GET", "http://h/?Action=ListUsers", "")) {
		t.Fatal("an ordinary query is not a presigned one")
	}
}

func TestCanonicalForms(t *testing.T) {
	if got := CanonicalQuery("b=2&a=x y&a=1&c"); got != "a=1&a=x%20y&b=2&c=" {
		t.Errorf("query %q", got)
	}
	if got := CanonicalURI("/a%20b/c"); got != "/a%2520b/c" {
		t.Errorf("non-S3 paths are encoded twice: %q", got)
	}
	if got := CanonicalURI(""); got != "/" {
		t.Errorf("empty path %q", got)
	}
}
