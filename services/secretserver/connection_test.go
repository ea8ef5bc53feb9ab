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
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/wizard"
)

func startSS(t *testing.T, o sssim.Options) *sssim.Server {
	t.Helper()
	s := sssim.New(o)
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func connect(t *testing.T, c wizard.SSConnection) (*secretserver.Client, error) {
	t.Helper()
	cl, err := secretserver.New(c, nil)
	if err != nil {
		return nil, err
	}
	_, err = cl.Connect(context.Background())
	return cl, err
}

func wantMessage(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("the message a user sees lacks %q:\n%v", p, err)
		}
	}
}

func practiceLogin(url string) wizard.SSConnection {
	return wizard.SSConnection{URL: url, Username: sssim.PracticeUser, Password: wizard.NewSecret(sssim.PracticePassword)}
}

// selfSigned makes a certificate for 127.0.0.1 and returns it with its PEM.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "practice secret server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestPrivateCAIsRefusedWithoutItsCertificateAndAcceptedWithIt(t *testing.T) {
	cert, caPEM := selfSigned(t)
	s := sssim.New(sssim.Options{})
	if _, err := s.StartTLS(cert); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err := connect(t, practiceLogin(s.URL()))
	wantMessage(t, err, "certificate is not trusted", "add its certificate (PEM)")
	withCA := practiceLogin(s.URL())
	withCA.CACert = caPEM
	c, err := connect(t, withCA)
	if err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	// Template and secret operations through the vendor SDK over that TLS connection.
	tpl, err := c.FindTemplate(context.Background(), "Amazon IAM Key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSecret(context.Background(), wizard.NewSecretServerSecret{Name: "tls", TemplateID: tpl.ID, FolderID: -1,
		Fields: []wizard.FieldValue{{FieldID: tpl.Fields[0].ID, Slug: tpl.Fields[0].Slug, Value: wizard.NewSecret("u")}, {FieldID: tpl.Fields[1].ID, Slug: tpl.Fields[1].Slug, Value: wizard.NewSecret("k")}, {FieldID: tpl.Fields[2].ID, Slug: tpl.Fields[2].Slug, Value: wizard.NewSecret("s")}}}); err != nil {
		t.Fatal(err)
	}
}

func TestURLForms(t *testing.T) {
	for _, tc := range []struct {
		conf    wizard.SSConnection
		want    string
		problem string
	}{
		{wizard.SSConnection{URL: "https://secrets.example.com/SecretServer/"}, "https://secrets.example.com/SecretServer", ""},
		{wizard.SSConnection{URL: "secrets.example.com/SecretServer"}, "https://secrets.example.com/SecretServer", ""},
		{wizard.SSConnection{Tenant: "acme"}, "https://acme.secretservercloud.com", ""},
		{wizard.SSConnection{Tenant: "acme", TLD: "eu"}, "https://acme.secretservercloud.eu", ""},
		{wizard.SSConnection{URL: "http://127.0.0.1:8080/SecretServer"}, "http://127.0.0.1:8080/SecretServer", ""},
		{wizard.SSConnection{URL: "http://secrets.example.com/SecretServer"}, "", "plain http"},
		{wizard.SSConnection{Tenant: "a.b"}, "", "tenant"},
		{wizard.SSConnection{}, "", "enter the Secret Server URL"},
	} {
		got, err := secretserver.BaseURL(tc.conf)
		if tc.problem != "" {
			wantMessage(t, err, tc.problem)
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v: got %q, %v; want %q", tc.conf, got, err, tc.want)
		}
	}
}

func TestWrongPasswordIsTriedOnceAndExplained(t *testing.T) {
	s := startSS(t, sssim.Options{})
	c := practiceLogin(s.URL())
	c.Password = wizard.NewSecret("wrong")
	_, err := connect(t, c)
	wantMessage(t, err, "refused the sign-in", "tried once")
	if n := s.Grants(); n != 1 {
		t.Fatalf("the password was sent %d times; a refusal must never be retried", n)
	}
}

func TestTwoFactorSignInWithAOneTimeCode(t *testing.T) {
	s := startSS(t, sssim.Options{OTP: "246810"})
	_, err := connect(t, practiceLogin(s.URL()))
	wantMessage(t, err, "one-time code")
	withCode := practiceLogin(s.URL())
	withCode.OTP = "246810"
	c, err := connect(t, withCode)
	if err != nil {
		t.Fatal(err)
	}
	grants := s.Grants()
	// The vendor SDK works on the same sign-in (it cannot send the code itself).
	tpl, err := c.FindTemplate(context.Background(), "Amazon IAM Key")
	if err != nil || len(tpl.Fields) == 0 {
		t.Fatalf("template through the SDK after a 2FA sign-in: %v", err)
	}
	if s.Grants() != grants {
		t.Fatal("the SDK must reuse the two-factor sign-in, not sign in again")
	}
}

func TestAPITokenSignInNeedsNoPassword(t *testing.T) {
	s := startSS(t, sssim.Options{APITokens: []string{"api-token-for-tests"}})
	c, err := connect(t, wizard.SSConnection{URL: s.URL(), Token: wizard.NewSecret("api-token-for-tests")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindTemplate(context.Background(), "Amazon IAM Key"); err != nil {
		t.Fatal(err)
	}
	if s.Grants() != 0 {
		t.Fatal("an API token needs no password grant")
	}
}

// clock is a settable time source for the practice server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestExpiredTokenIsRenewedForReadsAndExplainedForWrites(t *testing.T) {
	clk := &clock{now: time.Now()}
	s := startSS(t, sssim.Options{Now: clk.Now})
	c, err := connect(t, practiceLogin(s.URL()))
	if err != nil {
		t.Fatal(err)
	}
	clk.add(21 * time.Minute)                                     // past the 20-minute web-services timeout
	_, err = c.LinkSettings(context.Background(), 1, "us-east-1") // a POST: never replayed
	wantMessage(t, err, "session expired", "run the step again")
	if _, err := c.FindTemplate(context.Background(), "Amazon IAM Key"); err != nil {
		t.Fatalf("a read after expiry signs in anew by itself: %v", err)
	}
}

func TestEmptySearchAnsweredWith404(t *testing.T) {
	s := startSS(t, sssim.Options{EmptySearch404: true})
	c, err := connect(t, practiceLogin(s.URL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FindTemplate(context.Background(), "No Such Template")
	wantMessage(t, err, `no active template named "No Such Template"`)
	if ref, err := c.FindSecretByName(context.Background(), "nothing-like-this"); err != nil || ref != nil {
		t.Fatalf("a 404 search means no secret: %v %v", ref, err)
	}
}

func TestHTMLErrorPageWithStatus200IsAFailure(t *testing.T) {
	s := startSS(t, sssim.Options{HTMLErrorPaths: []string{"/api/v1/users/current"}})
	_, err := connect(t, practiceLogin(s.URL()))
	wantMessage(t, err, "something other than JSON", "error page")
}

func TestServerWithoutTheExternalVaultAPI(t *testing.T) {
	s := startSS(t, sssim.Options{NoExternalVaultAPI: true})
	c, err := secretserver.New(practiceLogin(s.URL()), nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Connect(context.Background())
	if err != nil || info.ExternalVaultAPI {
		t.Fatalf("the probe must find no external-vault API: %+v %v", info, err)
	}
	_, err = c.LinkSettings(context.Background(), 1, "us-east-1")
	wantMessage(t, err, "404")
}

// The client holds the password and token; no formatting of it may show them (fmt reads
// unexported fields by reflection, where Secret's own methods are not called).
func TestFormattingTheClientShowsNoSecret(t *testing.T) {
	const planted = "Planted-Passw0rd-For-Format-Test"
	c, err := secretserver.New(wizard.SSConnection{URL: "https://secrets.example.com/SecretServer", Username: "admin",
		Password: wizard.NewSecret(planted), Token: wizard.NewSecret(planted + "-token")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(verb, c); strings.Contains(out, planted) {
			t.Errorf("%s of the client shows the password: %s", verb, out)
		}
		if out := fmt.Sprintf(verb, *c); strings.Contains(out, planted) {
			t.Errorf("%s of the client value shows the password: %s", verb, out)
		}
	}
}
