// Package faultproxy is a small HTTP proxy for tests that sits between VaultLink and a server
// (AWS or Secret Server) and breaks one chosen request the way networks and servers break:
// a reset connection, an answer that never comes, a 500 or 503 with an HTML body, throttling,
// a truncated body. Several proxies share one Counter, so a fault can be aimed at "the Nth
// request of this step", whichever server it goes to.
package faultproxy

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is one way a request can break.
type Fault string

// The faults the matrix injects.
const (
	Reset     Fault = "reset"     // the server did the work, then the connection is reset
	Hang      Fault = "hang"      // no answer at all, until the client gives up
	HTML500   Fault = "500 html"  // an HTML error page from a front end (not forwarded)
	HTML503   Fault = "503 html"  // the same, "service unavailable"
	Throttle  Fault = "throttle"  // AWS Throttling, or HTTP 429 from Secret Server (not forwarded)
	Truncated Fault = "truncated" // the server did the work, the answer is cut in half
)

// Plant answers with an error whose message quotes a secret access key and a token, as a
// careless server might; it proves redaction and is not part of All.
const Plant Fault = "plant"

// The planted values, for the test to look for.
const (
	PlantedSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTED123"
	PlantedToken  = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlUGxhbnRlZDEyMw"
)

// All lists every fault, in the order of the matrix's columns.
var All = []Fault{Reset, Hang, HTML500, HTML503, Throttle, Truncated}

// Request is one request seen by a proxy.
type Request struct {
	System string // "aws" or "secret-server"
	Op     string // "IAM:CreateAccessKey"-like for AWS (the Action or X-Amz-Target), "POST /api/v1/secrets" for Secret Server
	Write  bool   // it changes something
	Fault  Fault  // the fault injected into it, if any
}

// Counter numbers the requests of all proxies that share it and holds the armed fault.
type Counter struct {
	mu    sync.Mutex
	seen  []Request
	armAt int // 1-based index into seen since the last Reset; 0: disarmed
	fault Fault
	fired bool
	match func(Request) bool // armed by kind instead of by index
	// MaxHang bounds a Hang fault (so a test cannot wait forever); default 2 minutes.
	MaxHang time.Duration
}

// Reset forgets the requests seen so far and disarms.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen, c.armAt, c.fault, c.fired, c.match = nil, 0, "", false, nil
}

// Arm injects f into the nth request from now (1-based, counting every proxy's requests).
func (c *Counter) Arm(n int, f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen, c.armAt, c.fault, c.fired, c.match = nil, n, f, false, nil
}

// ArmFirst injects f into the first request from now to system (only a write, when write).
func (c *Counter) ArmFirst(system string, write bool, f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen, c.armAt, c.fault, c.fired = nil, 0, f, false
	c.match = func(r Request) bool { return r.System == system && (!write || r.Write) }
}

// Seen returns the requests since the last Reset or Arm.
func (c *Counter) Seen() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Request(nil), c.seen...)
}

// Fired says whether the armed fault was injected.
func (c *Counter) Fired() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fired
}

func (c *Counter) next(r Request) Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fired && ((c.armAt > 0 && len(c.seen)+1 == c.armAt) || (c.match != nil && c.match(r))) {
		r.Fault, c.fired = c.fault, true
	}
	c.seen = append(c.seen, r)
	return r.Fault
}

// Proxy forwards to one server.
type Proxy struct {
	system string
	c      *Counter
	rp     *httputil.ReverseProxy
	srv    *httptest.Server
}

// Start runs a proxy on loopback in front of target; system is "aws" or "secret-server".
func Start(system, target string, c *Counter) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{system: system, c: c}
	p.rp = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		// Keep the Host VaultLink signed (AWS SigV4 covers it).
		pr.Out.Host = pr.In.Host
	}}
	p.srv = httptest.NewServer(p)
	return p, nil
}

// URL is where VaultLink should send its requests.
func (p *Proxy) URL() string { return p.srv.URL }

// Close stops the proxy.
func (p *Proxy) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

var awsWrites = []string{"Create", "Put", "Attach", "Add", "Tag", "Untag", "Delete", "Update", "Remove", "Detach"}

func (p *Proxy) classify(r *http.Request, body []byte) Request {
	req := Request{System: p.system}
	if p.system == "aws" {
		op := r.Header.Get("X-Amz-Target") // JSON protocols: secretsmanager.CreateSecret
		if op == "" {
			form, _ := url.ParseQuery(string(body))
			op = form.Get("Action")
		}
		if i := strings.LastIndex(op, "."); i >= 0 {
			op = op[i+1:]
		}
		req.Op = op
		for _, w := range awsWrites {
			if strings.HasPrefix(op, w) {
				req.Write = true
			}
		}
		return req
	}
	req.Op = r.Method + " " + r.URL.Path
	req.Write = r.Method != http.MethodGet && !strings.HasSuffix(r.URL.Path, "/oauth2/token") && !strings.HasSuffix(r.URL.Path, "/link-settings")
	return req
}

// ServeHTTP forwards the request, breaking it when it is the armed one.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	f := p.c.next(p.classify(r, body))
	switch f {
	case "":
		p.rp.ServeHTTP(w, r)
	case Reset:
		p.forwardThen(w, r, func(http.ResponseWriter, *httptest.ResponseRecorder) { reset(w) })
	case Truncated:
		p.forwardThen(w, r, func(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
			b := rec.Body.Bytes()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.WriteHeader(rec.Code)
			w.Write(b[:len(b)/2])
			reset(w) // the rest never comes
		})
	case Hang:
		max := p.c.MaxHang
		if max == 0 {
			max = 2 * time.Minute
		}
		select {
		case <-r.Context().Done():
		case <-time.After(max):
		}
		reset(w)
	case HTML500, HTML503:
		code := http.StatusInternalServerError
		if f == HTML503 {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		io.WriteString(w, "<!DOCTYPE html><html><head><title>"+http.StatusText(code)+"</title></head><body><h1>"+http.StatusText(code)+"</h1><p>The server is temporarily unable to service your request.</p></body></html>")
	case Plant:
		if p.system == "aws" {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>The request carried SecretAccessKey=`+PlantedSecret+` and token `+PlantedToken+`</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"Invalid field value `+PlantedSecret+` for token `+PlantedToken+`","errorCode":"API_InvalidValue"}`)
	case Throttle:
		if p.system == "aws" {
			throttleAWS(w, r)
			return
		}
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message":"Too many requests: slow down"}`)
	}
}

// forwardThen lets the server do the work, then answers through then (which breaks it).
func (p *Proxy) forwardThen(w http.ResponseWriter, r *http.Request, then func(http.ResponseWriter, *httptest.ResponseRecorder)) {
	rec := httptest.NewRecorder()
	p.rp.ServeHTTP(rec, r)
	then(w, rec)
}

// throttleAWS answers as AWS does when it throttles: the query protocols (IAM, STS) with an
// XML ErrorResponse, the JSON ones (Secrets Manager) with a JSON body.
func throttleAWS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`)
}

// reset closes the client's connection with RST instead of an answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}
