package wizard_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// attached is a stack on an already running sandbox, with its own audit log: what a restarted
// VaultLink gets (new clients, knowing nothing), on the same servers.
func attached(t *testing.T, ep sandbox.Endpoints, kr wizard.Keyring) (*stack.Stack, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Attach: &ep, Keyring: kr, Audit: log, KeyWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return st, path
}

func calls(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}

func passAll(t *testing.T, s *wizard.Session, ids ...string) {
	t.Helper()
	for _, id := range ids {
		runModule(t, s, id)
		m, _ := s.Guide().Module(id)
		if _, err := s.Answer(id, correct(m)); err != nil {
			t.Fatal(err)
		}
	}
}

// After a restart the discovered map comes from the progress, not from guesses or a new
// discovery; when the server's version changes, it is discovered again.
func TestRestartUsesTheKeptMapAndAVersionChangeRediscovers(t *testing.T) {
	kr := keyring.NewMemory()
	sb, err := sandbox.Start(awssim.Options{}, sssim.Options{Dialect: sssim.DialectLinks, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	store := wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}
	first, _ := attached(t, sb.Endpoints(), kr)
	s := session(t, first, store, wizard.Guided)
	passAll(t, s, "iam-user", "ss-secret", "vault-link")

	restarted, log := attached(t, sb.Endpoints(), kr)
	s2 := session(t, restarted, store, wizard.Guided)
	passAll(t, s2, "iam-group", "custom-policy", "sync")
	got := calls(t, log)
	if strings.Contains(got, "swagger.json") || !strings.Contains(got, "/api/v1/external-vault-links/") {
		t.Fatalf("after a restart the kept map must drive the calls, without discovery:\n%s", got)
	}
	if caps, ok := s2.Capabilities(); !ok || !strings.Contains(caps.Source, "kept") {
		t.Fatalf("the report must say the map was kept: %+v", caps)
	}
	// The exported report carries the capability report.
	rep, err := s2.Report("practice")
	if err != nil || !strings.Contains(rep, "## Secret Server API (capability report)") || !strings.Contains(rep, "ExternalVaultLinksService_Synchronize") ||
		!strings.Contains(rep, "Module 6: automated") {
		t.Fatalf("report: %v\n%s", err, rep)
	}

	sb.SS.SetVersion("upgraded")
	upgraded, log := attached(t, sb.Endpoints(), kr)
	s3 := session(t, upgraded, store, wizard.Guided)
	if _, err := s3.Run(context.Background(), wizard.StepRef{Module: "sync", Step: "open-vaults"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(calls(t, log), "swagger.json") {
		t.Fatal("a server of another version must be discovered again")
	}
	if caps, _ := s3.Capabilities(); caps.Version != "upgraded" {
		t.Fatalf("the report must be of the new version: %+v", caps)
	}
}

// A dialect whose create operation declares no credential property: module 3 is guided and
// says which property is missing; module 6 still runs on the API and is verified.
func TestMissingRequiredPropertyGuidesModule3AndNamesIt(t *testing.T) {
	ctx := context.Background()
	st, err := stack.Build(ctx, stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second, PracticeSS: sssim.Options{Dialect: sssim.DialectIncomplete}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := session(t, st, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
	passAll(t, s, "iam-user", "ss-secret")
	open := wizard.StepRef{Module: "vault-link", Step: "open-link"}
	rec, err := s.Run(ctx, open)
	if err != nil || rec.Status != wizard.StepManual || !strings.Contains(rec.Manual.Why, "no property for the credential secret id") ||
		!strings.Contains(rec.Manual.Why, "ExternalVaultsService_CreateExternalVault") {
		t.Fatalf("module 3 must be guided, naming the missing property: %+v %v", rec.Manual, err)
	}
	if _, err := s.ConfirmManual(ctx, open); err != nil {
		t.Fatal(err)
	}
	link := wizard.StepRef{Module: "vault-link", Step: "create-link"}
	if _, err := s.Run(ctx, link); err != nil {
		t.Fatal(err)
	}
	secretID := s.Progress().SecretID
	if _, err := st.Sandbox.SS.ConsoleCreateVault(ctx, "", s.Setting("display_name"), s.Setting("region"), secretID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmManual(ctx, link); err != nil {
		t.Fatal(err)
	}
	m3, _ := s.Guide().Module("vault-link")
	if _, err := s.Answer("vault-link", correct(m3)); err != nil {
		t.Fatal(err)
	}
	passAll(t, s, "iam-group", "custom-policy", "sync")
	rec = s.StepRecord(wizard.StepRef{Module: "sync", Step: "run-sync"})
	if rec.Status != wizard.StepDone || !strings.Contains(rec.Summary, "verified") {
		t.Fatalf("module 6 on the API: %+v", rec)
	}
}
