package awssim

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/vaultlink/vaultlink/services/sandbox/awssim/sigv4"
)

// These tests send raw requests signed by the Go SDK's signer, an implementation independent
// of the simulator's verifier, so that what is refused is refused for the stated reason and
// not because the two disagree on signing.

func startSim(t *testing.T) *Server {
	t.Helper()
	s := New(Options{})
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type rawCall struct {
	service, target, body string
	keyID, secret         string
	signedAt              time.Time
	tamper                func(*http.Request) // after signing
}

// send signs and sends one call, and returns the HTTP status and the error code (XML Code or
// JSON __type) if there is one.
func send(t *testing.T, s *Server, c rawCall) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL()+"/", strings.NewReader(c.body))
	if c.target != "" {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", c.target)
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if c.signedAt.IsZero() {
		c.signedAt = time.Now()
	}
	creds := aws.Credentials{AccessKeyID: c.keyID, SecretAccessKey: c.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha(c.body), c.service, "us-east-1", c.signedAt); err != nil {
		t.Fatal(err)
	}
	if c.tamper != nil {
		c.tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		return 200, "", ""
	}
	if c.target != "" {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		json.Unmarshal(data, &e)
		return resp.StatusCode, e.Type, e.Message
	}
	var e struct {
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
	xml.Unmarshal(data, &e)
	return resp.StatusCode, e.Code, e.Message
}

func sha(body string) string { return sigv4.HashHex([]byte(body)) }

const callerIdentity = "Action=GetCallerIdentity&Version=2011-06-15"

func TestSignatureChecks(t *testing.T) {
	s := startSim(t)
	id, secret := s.AdminCredentials()
	ok := rawCall{service: "sts", body: callerIdentity, keyID: id, secret: secret}
	if code, typ, _ := send(t, s, ok); code != 200 {
		t.Fatalf("a correctly signed call: %d %s", code, typ)
	}
	cases := []struct {
		name         string
		call         rawCall
		status       int
		code, detail string
	}{
		{"wrong secret", rawCall{service: "sts", body: callerIdentity, keyID: id, secret: "not-the-secret"},
			403, "SignatureDoesNotMatch", "does not match"},
		{"tampered query body", rawCall{service: "iam", body: "Action=CreateUser&UserName=alice&Version=2010-05-08", keyID: id, secret: secret,
			tamper: func(r *http.Request) { swapBody(r, "Action=CreateUser&UserName=mallo&Version=2010-05-08") }},
			403, "SignatureDoesNotMatch", "does not match"},
		{"tampered JSON body", rawCall{service: "secretsmanager", target: "secretsmanager.CreateSecret", body: `{"Name":"a","SecretString":"x"}`, keyID: id, secret: secret,
			tamper: func(r *http.Request) { swapBody(r, `{"Name":"b","SecretString":"x"}`) }},
			400, "InvalidSignatureException", "does not match"},
		{"signed 20 minutes ago (query)", rawCall{service: "sts", body: callerIdentity, keyID: id, secret: secret, signedAt: time.Now().Add(-20 * time.Minute)},
			403, "SignatureDoesNotMatch", "Signature expired"},
		{"signed 20 minutes ago (JSON)", rawCall{service: "secretsmanager", target: "secretsmanager.ListSecrets", body: `{}`, keyID: id, secret: secret, signedAt: time.Now().Add(-20 * time.Minute)},
			400, "InvalidSignatureException", "Signature expired"},
		{"unknown key", rawCall{service: "sts", body: callerIdentity, keyID: "AKIAUNKNOWN000000000", secret: secret},
			403, "InvalidClientTokenId", "security token"},
		{"scope names another service", rawCall{service: "iam", target: "secretsmanager.ListSecrets", body: `{}`, keyID: id, secret: secret},
			400, "InvalidSignatureException", "correct service"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code, msg := send(t, s, c.call)
			if status != c.status || code != c.code || !strings.Contains(msg, c.detail) {
				t.Fatalf("got %d %s %q, want %d %s with %q", status, code, msg, c.status, c.code, c.detail)
			}
		})
	}
	// The tampered calls changed nothing.
	if len(s.db.Users) != 0 || len(s.db.Secrets["us-east-1"]) != 0 {
		t.Fatalf("a refused call left something behind: %d users, %d secrets", len(s.db.Users), len(s.db.Secrets["us-east-1"]))
	}
}

func swapBody(r *http.Request, body string) {
	r.Body = io.NopCloser(strings.NewReader(body))
	r.ContentLength = int64(len(body))
}

// An access key made inactive is refused as AWS refuses it: InvalidClientTokenId on the query
// services, UnrecognizedClientException on Secrets Manager; active again, it works again.
func TestInactiveKeyIsRefused(t *testing.T) {
	s := startSim(t)
	admin, adminSecret := s.AdminCredentials()
	iamCall := func(body string) (int, string) {
		st, code, _ := send(t, s, rawCall{service: "iam", body: body + "&Version=2010-05-08", keyID: admin, secret: adminSecret})
		return st, code
	}
	iamCall("Action=CreateUser&UserName=u")
	s.mu.Lock()
	k := &accessKey{ID: "AKIATESTKEY000000001", Secret: "key-secret", User: "u", Status: "Active", Created: time.Now()}
	s.db.Keys[k.ID] = k
	s.mu.Unlock()
	asKey := func(target, body string) (int, string) {
		c := rawCall{service: "sts", body: callerIdentity, keyID: k.ID, secret: k.Secret}
		if target != "" {
			c = rawCall{service: "secretsmanager", target: target, body: body, keyID: k.ID, secret: k.Secret}
		}
		st, code, _ := send(t, s, c)
		return st, code
	}
	if st, code := asKey("", ""); st != 200 {
		t.Fatalf("an active key: %d %s", st, code)
	}
	if st, code := iamCall("Action=UpdateAccessKey&UserName=u&AccessKeyId=" + k.ID + "&Status=Inactive"); st != 200 {
		t.Fatalf("deactivate: %d %s", st, code)
	}
	if st, code := asKey("", ""); st != 403 || code != "InvalidClientTokenId" {
		t.Fatalf("an inactive key on STS: %d %s", st, code)
	}
	if st, code := asKey("secretsmanager.ListSecrets", "{}"); st != 400 || code != "UnrecognizedClientException" {
		t.Fatalf("an inactive key on Secrets Manager: %d %s", st, code)
	}
	iamCall("Action=UpdateAccessKey&UserName=u&AccessKeyId=" + k.ID + "&Status=Active")
	if st, code := asKey("", ""); st != 200 {
		t.Fatalf("reactivated: %d %s", st, code)
	}
}

func TestPresignedRequestsAreRefusedClearly(t *testing.T) {
	s := startSim(t)
	resp, err := http.Get(s.URL() + "/?Action=ListUsers&Version=2010-05-08&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAX%2F20261130%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Signature=00")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(data), "does not accept presigned") {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
}
