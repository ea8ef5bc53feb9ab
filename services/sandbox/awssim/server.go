// Package awssim is VaultLink's practice AWS: IAM, STS and Secrets Manager on loopback, speaking
// the real wire protocols (IAM and STS query/XML, Secrets Manager JSON 1.1) so unmodified
// aws-sdk-go-v2 clients work against it. It checks the SigV4 signature of every request and,
// for IAM users it created, evaluates their policies, so a user without permission is denied
// as in AWS. State is in memory; Snapshot/Restore let practice mode persist it.
package awssim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/vaultlink/vaultlink/services/sandbox/awssim/sigv4"
)

// Options configure a simulator.
type Options struct {
	Account string // default 123456789012
	// AdminKeyID and AdminSecret are the operator's credentials: they act like an account
	// administrator. PracticeAdminKeyID/PracticeAdminSecret when empty.
	AdminKeyID, AdminSecret string
	// KeyDelay makes new access keys fail authentication for this long after creation, as IAM's
	// propagation delay does in AWS.
	KeyDelay time.Duration
	// NewSecretKey, when set, makes the secret half of new access keys (tests plant a known
	// value with it to prove it never leaks).
	NewSecretKey func() string
	// Now is the simulator's clock; signatures are checked against it too (15 minutes either
	// way), so a clock far from the clients' makes every request "Signature expired".
	Now func() time.Time
	// Throttle makes the next N requests fail with Throttling (tests of the retry and its message).
	Throttle int
}

// Server is one simulated AWS account.
type Server struct {
	opts     Options
	mu       sync.Mutex
	db       *database
	sessions map[string]*session // temporary credentials; not persisted

	ln  net.Listener
	srv *http.Server
}

// The practice operator's credentials are fixed and public, like a local emulator's: they
// open only this simulator on loopback, and a fixed pair lets `vaultlink sandbox` be shared
// by several commands without passing a secret around.
const (
	PracticeAdminKeyID  = "AKIAVAULTLINKPRACTIC"
	PracticeAdminSecret = "practice-operator-secret-for-loopback-only"
)

// New makes a simulator with an empty account.
func New(opts Options) *Server {
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.AdminKeyID == "" {
		opts.AdminKeyID, opts.AdminSecret = PracticeAdminKeyID, PracticeAdminSecret
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewSecretKey == nil {
		opts.NewSecretKey = func() string { return randToken(40) }
	}
	return &Server{opts: opts, db: newDatabase(), sessions: map[string]*session{}}
}

// Account returns the simulated account id.
func (s *Server) Account() string { return s.opts.Account }

// AdminCredentials returns the practice operator's access key id and secret.
func (s *Server) AdminCredentials() (string, string) { return s.opts.AdminKeyID, s.opts.AdminSecret }

// Start listens on a random loopback port and serves until Close.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("practice AWS: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s.URL(), nil
}

// URL is the endpoint clients use for every service.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops serving.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// apiError is an AWS error as the wire protocols carry it.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// caller is who signed a request.
type caller struct {
	admin bool
	user  *user // nil for the admin
	// session is set for temporary credentials from sts:GetSessionToken.
	session *session
}

// session is a set of temporary credentials.
type session struct {
	KeyID, Secret, Token string
	User                 string // "" for the operator
	MFA                  bool
	Expires              time.Time
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	// A JSON-protocol request names its service in X-Amz-Target; errors before the signature is
	// read must still answer in that service's dialect.
	service := ""
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.") {
		service = "secretsmanager"
	}
	if sigv4.IsPresigned(r) {
		s.fail(w, r, service, errf(403, "AccessDenied", "practice AWS does not accept presigned (query-string) signatures: sign the request in its Authorization header, as the AWS CLI and SDKs do for these services"))
		return
	}
	if r.Header.Get("Authorization") == "" {
		s.fail(w, r, service, errf(403, "MissingAuthenticationToken", "Request is missing Authentication Token"))
		return
	}
	auth, verr := sigv4.ParseAuthorization(r.Header.Get("Authorization"))
	if verr != nil {
		s.fail(w, r, service, errf(403, "IncompleteSignature", "%s", verr.Message))
		return
	}
	if service != "" && auth.Service != service {
		s.fail(w, r, service, errf(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: '%s'.", service))
		return
	}
	service = auth.Service
	if s.throttled() {
		s.fail(w, r, service, errf(400, "Throttling", "Rate exceeded"))
		return
	}
	c, secret, aerr := s.authenticate(auth.KeyID, r.Header.Get("X-Amz-Security-Token"))
	if aerr == nil {
		aerr = s.verifySignature(r, body, auth, secret)
	}
	if aerr != nil {
		s.fail(w, r, service, aerr)
		return
	}
	s.recordUse(auth.KeyID, service, auth.Region)
	switch service {
	case "iam", "sts":
		s.serveQuery(w, r, body, c, service, auth.Region)
	case "secretsmanager":
		s.serveSecretsManager(w, r, body, c, auth.Region)
	default:
		s.fail(w, r, service, errf(400, "UnknownService", "practice AWS does not simulate %s", service))
	}
}

// recordUse notes an authentic request made with a user's access key.
func (s *Server) recordUse(keyID, service, region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.db.Keys[keyID]; k != nil {
		k.LastUsed, k.LastService, k.LastRegion = s.opts.Now(), service, region
	}
}

func (s *Server) throttled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Throttle > 0 {
		s.opts.Throttle--
		return true
	}
	return false
}

func (s *Server) authenticate(keyID, token string) (caller, string, *apiError) {
	if keyID == s.opts.AdminKeyID {
		return caller{admin: true}, s.opts.AdminSecret, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[keyID]; ok {
		switch {
		case token != sess.Token:
			return caller{}, "", errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
		case s.opts.Now().After(sess.Expires):
			return caller{}, "", errf(403, "ExpiredToken", "The security token included in the request is expired")
		}
		c := caller{admin: sess.User == "", session: sess}
		if !c.admin {
			if c.user = s.db.Users[lower(sess.User)]; c.user == nil {
				return caller{}, "", errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
			}
		}
		return c, sess.Secret, nil
	}
	k, ok := s.db.Keys[keyID]
	if !ok {
		return caller{}, "", errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if s.opts.Now().Before(k.Created.Add(s.opts.KeyDelay)) {
		// A new key is not usable until IAM has propagated it.
		return caller{}, "", errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if k.Status != "Active" {
		// AWS refuses a deactivated key exactly as an unknown one.
		return caller{}, "", errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	u := s.db.Users[lower(k.User)]
	if u == nil {
		return caller{}, "", errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	return caller{user: u}, k.Secret, nil
}

// verifySignature checks the request's SigV4 signature with the key's secret and answers
// failures in AWS's words. AWS's query services (IAM, STS) report a stale or future
// X-Amz-Date as SignatureDoesNotMatch ("Signature expired: …"), which the JSON services turn
// into InvalidSignatureException (see jsonErrorFor).
func (s *Server) verifySignature(r *http.Request, body []byte, auth sigv4.Authorization, secret string) *apiError {
	err := sigv4.Verify(r, body, auth, secret, s.opts.Now())
	if err == nil {
		return nil
	}
	if err.Kind == sigv4.Incomplete {
		return errf(403, "IncompleteSignature", "%s", err.Message)
	}
	return errf(403, "SignatureDoesNotMatch", "%s", err.Message)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, service string, e *apiError) {
	if service == "secretsmanager" || strings.HasPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.") {
		writeJSONError(w, jsonErrorFor(e))
		return
	}
	writeXMLError(w, e)
}

// ---- helpers ----

func lower(s string) string { return strings.ToLower(s) }

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func randUpper(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = upperAlnum[int(b[i])%len(upperAlnum)]
	}
	return string(b)
}

const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func randToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = tokenChars[int(b[i])%len(tokenChars)]
	}
	return string(b)
}

func requestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func regexpMust(p string) *regexp.Regexp { return regexp.MustCompile(p) }
