package stack_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// Live mode takes AWS from the admin's profiles; switching profile changes who VaultLink acts
// as, and the identity is checked (without changing anything) each time.
func TestLiveProfilesAreSwitchedAndTheIdentityShown(t *testing.T) {
	ctx := context.Background()
	sim := awssim.New(awssim.Options{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	ss := sssim.New(sssim.Options{})
	if _, err := ss.Start(); err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	admin, err := stack.Build(ctx, stack.Options{Practice: true, Keyring: keyring.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// A second identity in the same simulated account: an IAM user with a key.
	home := t.TempDir()
	id, secret := sim.AdminCredentials()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile ops]\nregion = eu-west-2\n"), 0o600)
	creds := "[ops]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n"
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(creds), 0o600)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_ENDPOINT_URL", sim.URL())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	live, err := stack.Build(ctx, stack.Options{AWSProfile: "nonexistent-profile", SecretServer: wizard.SSConnection{URL: ss.URL(), Username: sssim.PracticeUser, Password: wizard.NewSecret(sssim.PracticePassword)}, Keyring: keyring.NewMemory()})
	if err == nil {
		live.Close()
		t.Fatal("an unknown profile must be refused up front")
	}
	live, err = stack.Build(ctx, stack.Options{AWSProfile: "ops", SecretServer: wizard.SSConnection{URL: ss.URL(), Username: sssim.PracticeUser, Password: wizard.NewSecret(sssim.PracticePassword)}, Keyring: keyring.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if live.AWS.Region() != "eu-west-2" || live.AWS.Endpoint() != sim.URL() {
		t.Fatalf("region %q (want the profile's), endpoint %q (want AWS_ENDPOINT_URL's)", live.AWS.Region(), live.AWS.Endpoint())
	}
	// A secret only in us-west-2 tells the regions apart: awssim keeps secrets per region.
	sim.SeedSecret("us-west-2", "only-in-us-west-2", "x")
	if inRegion(t, live.Services.SecretsManager, "only-in-us-west-2") {
		t.Fatal("the profile's region (eu-west-2) must not list us-west-2's secret")
	}
	g, _ := wizard.ParseGuide(assets.Guide)
	svc := live.Services
	rec := &recordingConnector{Connector: svc.Connector}
	svc.Connector = rec
	s, err := wizard.NewSession(g, svc, wizard.Store{Path: filepath.Join(t.TempDir(), "s.json")}, wizard.Guided)
	if err != nil {
		t.Fatal(err)
	}
	who, err := s.CheckIdentity(ctx)
	if err != nil || who.Account != sim.Account() {
		t.Fatalf("%+v %v", who, err)
	}
	if _, err := s.SwitchAWS(ctx, wizard.Connection{Profile: "ops", Region: "us-west-2"}); err != nil {
		t.Fatal(err)
	}
	if rec.sm == nil || !inRegion(t, rec.sm, "only-in-us-west-2") {
		t.Fatal("after switching to us-west-2 the session's Secrets Manager must be us-west-2's")
	}
	if r, ok := rec.iam.(interface{ Region() string }); !ok || r.Region() != "us-west-2" {
		t.Fatalf("after switching, the AWS client's region is %v, want us-west-2", rec.iam)
	}
	if _, err := s.SwitchAWS(ctx, wizard.Connection{Profile: "missing"}); err == nil {
		t.Fatal("switching to a missing profile must fail with a reason")
	}

	// Practice mode has nothing to switch to.
	ps, _ := wizard.NewSession(g, admin.Services, wizard.Store{Path: filepath.Join(t.TempDir(), "p.json")}, wizard.Guided)
	if _, err := ps.SwitchAWS(ctx, wizard.Connection{Profile: "ops"}); err == nil || errors.Is(err, wizard.ErrBusy) {
		t.Fatalf("practice switch: %v", err)
	}
}

func TestSecretServerPasswordIsKeptOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	ss := sssim.New(sssim.Options{})
	if _, err := ss.Start(); err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE000000000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	kr := keyring.NewMemory()
	build := func(password string, remember bool) (*stack.Stack, error) {
		return stack.Build(ctx, stack.Options{SecretServer: wizard.SSConnection{URL: ss.URL(), Username: sssim.PracticeUser, Password: wizard.NewSecret(password), Remember: remember}, Keyring: kr, Region: "us-east-1"})
	}
	st, err := build(sssim.PracticePassword, false)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := kr.Load("secret-server/" + ss.URL() + "/" + sssim.PracticeUser); err == nil {
		t.Fatal("the password was kept without being asked")
	}
	if st, err = build(sssim.PracticePassword, true); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Next time, with no password given, the kept one signs in.
	st, err = build("", false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SS.Connect(ctx); err != nil {
		t.Fatalf("the kept password must sign in: %v", err)
	}
}

// recordingConnector keeps what the last AWS switch handed the session, to look at its region.
type recordingConnector struct {
	wizard.Connector
	iam wizard.IAM
	sm  wizard.SecretsManager
}

func (r *recordingConnector) ConnectAWS(ctx context.Context, c wizard.Connection) (wizard.IAM, wizard.SecretsManager, error) {
	iam, sm, err := r.Connector.ConnectAWS(ctx, c)
	if err == nil {
		r.iam, r.sm = iam, sm
	}
	return iam, sm, err
}

// inRegion says whether sm lists the secret named name.
func inRegion(t *testing.T, sm wizard.SecretsManager, name string) bool {
	t.Helper()
	names, err := sm.SecretNames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(names, name)
}
