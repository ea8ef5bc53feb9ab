// Package sssim is VaultLink's practice Delinea Secret Server: the REST API of
// shared/reference/secret-server.md on loopback (token grant, healthcheck, templates including
// Amazon IAM Key, folders, secret stub/create/read/search, external vaults, external vault
// secrets, Push/Pull/Sync) and its own swagger.json describing that shape. Its sync really
// calls AWS (practice awssim, or any endpoint given) with the credential stored in the linked
// secret, so what practice mode shows is what happened.
package sssim

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a simulator.
type Options struct {
	Username, Password string // the practice admin; "practice-admin"/PracticePassword when empty
	// AWSEndpoint is where vault syncs send AWS calls ("" for AWS itself).
	AWSEndpoint string
	TokenTTL    time.Duration // default 20 minutes, as Secret Server's web-services timeout
	Now         func() time.Time

	// OTP, when set, is the one-time code two-factor sign-in requires (OTP header on the grant).
	OTP string
	// APITokens are pre-issued tokens accepted without a grant (API token sign-in).
	APITokens []string
	// NoExternalVaultAPI serves a server whose API has no external-vault operations (an older
	// or restricted Secret Server): they answer 404 and are absent from swagger.json.
	NoExternalVaultAPI bool
	// EmptySearch404 answers a search that matches nothing with 404, as Secret Server Cloud does.
	EmptySearch404 bool
	// HTMLErrorPaths answer with an HTML error page and status 200, as Secret Server sometimes
	// does behind a misconfigured front end.
	HTMLErrorPaths []string

	// Dialect chooses how the external-vault operations are named and shaped (dialect.go);
	// "" is the practice dialect.
	Dialect string
	// Version is what GET /api/v1/version answers (a default per dialect when empty).
	Version string
	// PageSize caps how many records one page of a search holds, so tests cross pages
	// (0: as many as asked for).
	PageSize int
	// SilentSync answers Push, Pull and Sync with success but moves nothing, as a server
	// whose sync silently does not run would.
	SilentSync bool
}

// Server is one simulated Secret Server.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu     sync.Mutex
	db     *database
	grants int
	// requests counts every request served by method and path, signing in and probes
	// included (what reaches the server, not what the client chose to record).
	requests map[string]int

	ln  net.Listener
	srv *http.Server
	tls bool
}

// PracticePassword is the practice admin's password: fixed and public, like the practice AWS
// operator's key, because it opens only this simulator on loopback.
const (
	PracticeUser     = "practice-admin"
	PracticePassword = "practice"
)

// New makes a server with the built-in templates, a practice folder and one practice secret.
func New(opts Options) *Server {
	if opts.Username == "" {
		opts.Username = PracticeUser
	}
	if opts.Password == "" {
		opts.Password = PracticePassword
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = 20 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, db: newDatabase()}
	s.routes()
	return s
}

// Credentials returns the practice admin's user name and password.
func (s *Server) Credentials() (string, string) { return s.opts.Username, s.opts.Password }

// Start listens on a random loopback port.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("practice Secret Server: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s.URL(), nil
}

// URL is the server's base URL (what an admin would type).
func (s *Server) URL() string {
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	return scheme + "://" + s.ln.Addr().String() + "/SecretServer"
}

// Close stops serving.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// ServeHTTP lets tests mount the server on their own listener (a TLS one, say).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.requests == nil {
		s.requests = map[string]int{}
	}
	s.requests[r.Method+" "+strings.TrimPrefix(r.URL.Path, base)]++
	s.mu.Unlock()
	s.mux.ServeHTTP(w, r)
}

// Requests returns how many requests the server has answered, by "METHOD /path" (the path
// after /SecretServer, without the query).
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.requests))
	for k, v := range s.requests {
		out[k] = v
	}
	return out
}

// StartTLS listens on a random loopback port with the given certificate.
func (s *Server) StartTLS(cert tls.Certificate) (string, error) {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return "", fmt.Errorf("practice Secret Server: listen: %w", err)
	}
	s.ln, s.tls = ln, true
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go s.srv.Serve(ln)
	return s.URL(), nil
}

// SetVersion changes what the server says its version is, as an upgrade would.
func (s *Server) SetVersion(v string) {
	s.mu.Lock()
	s.opts.Version = v
	s.mu.Unlock()
}

// Grants counts password grants attempted (a wrong password must be tried once, not retried).
func (s *Server) Grants() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants
}

const base = "/SecretServer"

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST "+base+"/oauth2/token", s.token)
	m.HandleFunc("GET "+base+"/api/v1/healthcheck", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"healthy": true, "databaseHealthy": true, "serviceBusHealthy": true})
	})
	m.HandleFunc("GET "+base+"/Documents/restapi/TokenAuth/swagger.json", s.htmlErrors(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.swaggerFor())
	}))
	api := func(pattern string, h func(w http.ResponseWriter, r *http.Request)) {
		method, path, _ := strings.Cut(pattern, " ")
		m.HandleFunc(method+" "+base+"/api/v1"+path, s.htmlErrors(s.authed(h)))
	}
	api("GET /version", s.getVersion)
	api("GET /users/current", s.currentUser)
	api("POST /oauth-expiration", s.expireToken)
	api("GET /secret-templates", s.searchTemplates)
	api("GET /secret-templates/{id}", s.getTemplate)
	api("GET /folders", s.searchFolders)
	api("GET /folders/{id}", s.getFolder)
	api("GET /secrets/stub", s.secretStub)
	api("GET /secrets", s.searchSecrets)
	api("POST /secrets", s.createSecret)
	api("POST /secrets/{$}", s.createSecret) // the SDK posts to "secrets/"
	api("GET /secrets/{id}", s.getSecret)
	api("PUT /secrets/{id}", s.updateSecret)
	api("DELETE /secrets/{id}", s.deleteSecret)
	api("GET /secrets/{id}/fields/{slug}", s.getSecretField)
	// The external-vault operations, in the chosen dialect; a server without them answers
	// 404, as one without these operations does.
	if !s.opts.NoExternalVaultAPI {
		handlers := s.practiceHandlers()
		for _, op := range dialectOps(s.opts.Dialect) {
			m.HandleFunc(op.method+" "+base+"/api"+muxPattern(op.path), s.htmlErrors(s.authed(s.translated(op, handlers[op.key]))))
		}
	}
	s.mux = m
}

// htmlErrors answers the configured paths with an HTML error page and status 200.
func (s *Server) htmlErrors(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, p := range s.opts.HTMLErrorPaths {
			if strings.HasPrefix(strings.TrimPrefix(r.URL.Path, base), p) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(200)
				fmt.Fprint(w, "<html><head><title>Runtime Error</title></head><body><h1>Server Error in '/SecretServer' Application.</h1></body></html>")
				return
			}
		}
		h(w, r)
	}
}

// ---- helpers ----

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apiError writes Secret Server's error body: a message and an API_ code.
func apiError(w http.ResponseWriter, status int, code, format string, args ...any) {
	writeJSON(w, status, map[string]string{"message": fmt.Sprintf(format, args...), "errorCode": code})
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func pathID(r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	return id, err == nil
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	return dec.Decode(v)
}

// page is Secret Server's paging envelope (PagingOf<Model>).
type page struct {
	Records     []any  `json:"records"`
	Total       int    `json:"total"`
	Skip        int    `json:"skip"`
	Take        int    `json:"take"`
	HasNext     bool   `json:"hasNext"`
	HasPrev     bool   `json:"hasPrev"`
	NextSkip    int    `json:"nextSkip"`
	PrevSkip    int    `json:"prevSkip"`
	PageCount   int    `json:"pageCount"`
	CurrentPage int    `json:"currentPage"`
	BatchCount  int    `json:"batchCount"`
	SortBy      []any  `json:"sortBy"`
	Success     bool   `json:"success"`
	Severity    string `json:"severity"`
}

// paged cuts records by skip/take (both the filter. and paging. query forms); PageSize caps
// take, as a server's own limit does.
func (s *Server) paged(r *http.Request, all []any) page {
	q := r.URL.Query()
	skip, _ := strconv.Atoi(first(q.Get("skip"), q.Get("paging.skip")))
	take, _ := strconv.Atoi(first(q.Get("take"), q.Get("paging.take")))
	if take <= 0 {
		take = 10
	}
	if s.opts.PageSize > 0 {
		take = min(take, s.opts.PageSize)
	}
	skip = max(skip, 0)
	p := page{Total: len(all), Skip: skip, Take: take, Records: []any{}, SortBy: []any{}, Success: true, Severity: "None",
		PageCount: (len(all) + take - 1) / take, CurrentPage: skip/take + 1, HasPrev: skip > 0, PrevSkip: max(skip-take, 0)}
	if skip < len(all) {
		end := min(skip+take, len(all))
		p.Records = all[skip:end]
		p.HasNext = end < len(all)
		p.BatchCount = len(p.Records)
		if p.HasNext {
			p.NextSkip = end
		}
	}
	return p
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// filter reads a filter value in either query form.
func filter(r *http.Request, name string) string {
	q := r.URL.Query()
	return first(q.Get("filter."+name), q.Get("paging.filter."+name))
}

// swaggerJSON is the practice server's own OpenAPI document, served where Secret Server serves
// its own, so VaultLink's capability probe runs against practice mode too.
//
//go:embed swagger.json
var swaggerJSON []byte
