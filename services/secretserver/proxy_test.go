package secretserver_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/wizard"
)

// connectProxy is an HTTP CONNECT proxy that sends every tunnel to one address and remembers
// which hosts were asked for.
type connectProxy struct {
	target string
	mu     sync.Mutex
	asked  []string
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.asked = append(p.asked, r.Host)
	p.mu.Unlock()
	upstream, err := net.Dial("tcp", p.target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	go func() { io.Copy(upstream, client); upstream.Close() }()
	go func() { io.Copy(client, upstream); client.Close() }()
}

// TestProxyFromTheEnvironmentIsUsed signs in to "https://secretserver.test/SecretServer", a
// name only the proxy can reach. Go reads the proxy variables once per process, so the
// sign-in runs in a child process started with HTTPS_PROXY set.
func TestProxyFromTheEnvironmentIsUsed(t *testing.T) {
	if os.Getenv("VAULTLINK_PROXY_CHILD") == "1" {
		proxyChild(t)
		return
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "secretserver.test"}, DNSNames: []string{"secretserver.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ss := sssim.New(sssim.Options{})
	if _, err := ss.StartTLS(tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}); err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	target := ss.URL()[len("https://"):]
	target = target[:len(target)-len("/SecretServer")]
	proxy := &connectProxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	caFile := t.TempDir() + "/ca.pem"
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)

	cmd := exec.Command(os.Args[0], "-test.run=^TestProxyFromTheEnvironmentIsUsed$", "-test.count=1")
	cmd.Env = append(os.Environ(), "VAULTLINK_PROXY_CHILD=1", "VAULTLINK_PROXY_CA="+caFile,
		"HTTPS_PROXY=http://"+ln.Addr().String(), "https_proxy=http://"+ln.Addr().String(), "NO_PROXY=", "no_proxy=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sign-in through the proxy failed: %v\n%s", err, out)
	}
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if len(proxy.asked) == 0 || proxy.asked[0] != "secretserver.test:443" {
		t.Fatalf("the proxy was asked for %v", proxy.asked)
	}
}

func proxyChild(t *testing.T) {
	ca, err := os.ReadFile(os.Getenv("VAULTLINK_PROXY_CA"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := secretserver.New(wizard.SSConnection{URL: "https://secretserver.test/SecretServer", Username: sssim.PracticeUser,
		Password: wizard.NewSecret(sssim.PracticePassword), CACert: ca}, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Connect(context.Background())
	if err != nil || info.User != sssim.PracticeUser {
		t.Fatalf("%+v %v", info, err)
	}
}
