// Package awstest runs moto_server for tests: the AWS stand-in the live-mode AWS code is
// proven against (with its IAM enforcement switched on where a test asks).
package awstest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Moto is one running moto_server.
type Moto struct {
	URL string
	cmd *exec.Cmd
}

// binary finds moto_server: $VAULTLINK_MOTO_SERVER (make test points it at the project's
// virtualenv when moto is not installed system-wide), then PATH.
func binary() (string, error) {
	if p := os.Getenv("VAULTLINK_MOTO_SERVER"); p != "" {
		return p, nil
	}
	return exec.LookPath("moto_server")
}

// ErrMissing means moto_server is not installed.
var ErrMissing = errors.New("moto_server not found (make test provides it)")

// Launch starts moto_server on a free loopback port with AWS managed policies loaded (so
// SecretsManagerReadWrite exists) and waits until it answers. Stop it with Stop.
func Launch() (*Moto, error) { return LaunchScript("") }

// LaunchScript is Launch with moto_server's entry point replaced by a Python script run on
// moto_server's own interpreter (its #! line): a test that needs a model moto lacks adds it
// there and calls moto.server.main with the arguments. "" runs moto_server itself.
func LaunchScript(script string) (*Moto, error) {
	bin, err := binary()
	if err != nil {
		return nil, ErrMissing
	}
	var pre []string
	if script != "" {
		head, err := os.ReadFile(bin)
		if err != nil {
			return nil, fmt.Errorf("read moto_server: %w", err)
		}
		first, _, _ := strings.Cut(string(head), "\n")
		interp, ok := strings.CutPrefix(first, "#!")
		if !ok || strings.Contains(strings.TrimSpace(interp), " ") {
			return nil, fmt.Errorf("moto_server %s does not start with a plain #! interpreter line", bin)
		}
		bin, pre = strings.TrimSpace(interp), []string{script}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, append(pre, "-H", "127.0.0.1", "-p", fmt.Sprint(port))...)
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(m.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return m, nil
			}
		}
		if time.Now().After(deadline) {
			m.Stop()
			return nil, fmt.Errorf("moto_server did not answer on %s within 30 s", m.URL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends moto_server.
func (m *Moto) Stop() {
	m.cmd.Process.Kill()
	m.cmd.Wait()
}

// Require turns a launch failure into a skip, or into a failure when VAULTLINK_REQUIRE_MOTO=1
// (make test sets it, so CI cannot pass by skipping).
func Require(t testing.TB, m *Moto, err error) *Moto {
	t.Helper()
	if err == nil {
		return m
	}
	if os.Getenv("VAULTLINK_REQUIRE_MOTO") == "1" {
		t.Fatalf("moto: %v", err)
	}
	t.Skipf("moto: %v", err)
	return nil
}

// Start launches moto_server for one test and stops it when the test ends.
func Start(t testing.TB) *Moto {
	t.Helper()
	m, err := Launch()
	m = Require(t, m, err)
	t.Cleanup(m.Stop)
	return m
}

func (m *Moto) post(t testing.TB, path, body string) {
	t.Helper()
	resp, err := http.Post(m.URL+path, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatalf("moto %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("moto %s: HTTP %d", path, resp.StatusCode)
	}
}

// Reset switches enforcement off and empties every account (a reset alone keeps the auth
// settings, after which nothing can sign in).
func (m *Moto) Reset(t testing.TB) {
	t.Helper()
	m.post(t, "/moto-api/reset-auth", "inf")
	m.post(t, "/moto-api/reset", "")
}

// Enforce makes moto authenticate and authorize every request from now on.
func (m *Moto) Enforce(t testing.TB) {
	t.Helper()
	m.post(t, "/moto-api/reset-auth", "0")
	t.Cleanup(func() { m.post(t, "/moto-api/reset-auth", "inf") })
}
