package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
)

// applyWith runs apply against its own practice servers with extra flags; it returns the exit
// code and both outputs.
func applyWith(t *testing.T, stateDir string, flags ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"apply", "--practice", "--state-dir", stateDir, "--plan", "../../examples/practice-plan.yaml"}, flags...)
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func wantAll(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, text)
		}
	}
}

// On a server that names and shapes its external-vault API differently, all six modules are
// automated and verified through the discovered operations; every list crosses pages.
func TestApplyOnAnotherDialectAutomatesAndVerifiesEverything(t *testing.T) {
	requireKeyring(t)
	for _, dialect := range []string{"service", "links"} {
		t.Run(dialect, func(t *testing.T) {
			code, out, errOut := applyWith(t, t.TempDir(), "--practice-dialect", dialect, "--practice-page-size", "1")
			if code != 0 {
				t.Fatalf("apply exited %d\n%s\n%s", code, out, errOut)
			}
			wantAll(t, "apply output", out, "modules covered 6/6", "Pushed to AWS (verified): vaultlink/practice-push: new version",
				"Pulled into Secret Server (verified): ", "discovered in the server's swagger.json (Delinea does not document it)")
			ids := map[string][]string{"service": {"ExternalVaultsService_Synchronize", "ExternalVaultsService_CreateExternalVault", "ExternalVaultsService_GetLinkSettings"},
				"links": {"ExternalVaultLinksService_Synchronize", "ExternalVaultLinksService_Add", "ExternalVaultLinksService_TestConnection"}}[dialect]
			wantAll(t, "apply output", out, ids...)
			if strings.Contains(out, "web console") {
				t.Errorf("no step may be guided on this dialect:\n%s", out)
			}
		})
	}
}

// On a server shaped like the real 11.2 API there are no external-vault operations: modules 3
// and 6 are guided, and the reason says so.
func TestOn112ShapedServerModules3And6AreGuided(t *testing.T) {
	requireKeyring(t)
	code, out, errOut := applyWith(t, t.TempDir(), "--practice-dialect", "api-11.2")
	if code == 0 {
		t.Fatalf("apply must stop at the guided module 3:\n%s", out)
	}
	wantAll(t, "apply output", out+errOut, "module 3", "Do it in Secret Server", "has no operation to check the AWS connection")
	var dout, derr bytes.Buffer
	saved := filepath.Join(t.TempDir(), "swagger.json")
	if code := run([]string{"doctor", "--practice", "--practice-dialect", "api-11.2", "--save-swagger", saved}, &dout, &derr); code != 0 {
		t.Fatalf("doctor exited %d\n%s\n%s", code, dout.String(), derr.String())
	}
	wantAll(t, "doctor output", dout.String(), "version 11.2.2 (practice)", "Module 3: guided", "Module 6: guided", "✗ run Push, Pull or Sync",
		"✓ swagger.json: saved to "+saved)
	doc, err := os.ReadFile(saved)
	if err != nil || !json.Valid(doc) || !strings.Contains(string(doc), "DevOpsSecretsVaultService_Search") {
		t.Fatalf("the saved document must be the server's swagger.json: %v", err)
	}
}

// A server whose sync answers OK but moves nothing fails module 6 with a clear message.
func TestSilentSyncFailsModule6(t *testing.T) {
	requireKeyring(t)
	// The pushed secret already exists in AWS: only a new version can show the push happened.
	sb, err := sandbox.Start(awssim.Options{}, sssim.Options{SilentSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AWS.SeedSecret(sandbox.Region, "vaultlink/practice-push", "an older value")
	env := filepath.Join(t.TempDir(), "sandbox.json")
	data, _ := json.Marshal(sb.Endpoints())
	os.WriteFile(env, data, 0o600)
	var outb, errb bytes.Buffer
	if code := run([]string{"apply", "--practice", "--sandbox", env, "--state-dir", t.TempDir(), "--plan", "../../examples/practice-plan.yaml"}, &outb, &errb); code == 0 {
		t.Fatalf("a sync that moves nothing must fail module 6:\n%s", outb.String())
	}
	wantAll(t, "apply output", outb.String()+errb.String(), "module 6", "AWS shows no new version", "as before the push", "the push did not reach AWS")

	// Pull only: nothing moved is a failure too.
	plan, _ := os.ReadFile("../../examples/practice-plan.yaml")
	pullOnly := filepath.Join(t.TempDir(), "pull-only.yaml")
	os.WriteFile(pullOnly, bytes.Replace(plan, []byte("operations: pull,push,sync"), []byte("operations: pull"), 1), 0o600)
	code, out, errOut := applyWith(t, t.TempDir(), "--practice-silent-sync", "--plan", pullOnly)
	if code == 0 {
		t.Fatalf("a pull that moves nothing must fail module 6:\n%s", out)
	}
	wantAll(t, "apply output", out+errOut, "module 6", "answered pull without an error but moved no secret")
}

// The map discovered on a server with its own paths is kept with the progress: clean-up
// deletes the vault link through it without reading swagger.json again.
func TestCleanupUsesTheKeptMapOnADialectWithOtherPaths(t *testing.T) {
	requireKeyring(t)
	dir := t.TempDir()
	sb, err := sandbox.Start(awssim.Options{}, sssim.Options{Dialect: sssim.DialectLinks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	env := filepath.Join(t.TempDir(), "sandbox.json")
	data, _ := json.Marshal(sb.Endpoints())
	os.WriteFile(env, data, 0o600)
	apply(t, env, dir)
	auditPath := filepath.Join(dir, "practice", "audit.jsonl")
	before, _ := os.ReadFile(auditPath)
	var out, errb bytes.Buffer
	if code := run([]string{"cleanup", "--practice", "--sandbox", env, "--from", "apply", "--yes", "--state-dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("cleanup exited %d\n%s\n%s", code, out.String(), errb.String())
	}
	wantAll(t, "cleanup output", out.String(), "removed the external vault link")
	after, _ := os.ReadFile(auditPath)
	calls := string(after[len(before):])
	wantAll(t, "clean-up's calls", calls, `"operation":"DELETE /api/v1/external-vault-links/`)
	if strings.Contains(calls, "swagger.json") {
		t.Errorf("clean-up must use the kept map, not discover again:\n%s", calls)
	}
}

func TestBadAPIMapFileIsRefusedBeforeAnyCall(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "map.json")
	os.WriteFile(bad, []byte(`{"format":"vaultlink-secret-server-api-map/1","server":"https://ss.example.com","operations":{"vaults.sync":{"method":"POST","path":"no-slash"}}}`), 0o600)
	code, out, errOut := applyWith(t, t.TempDir(), "--ss-api-map", bad)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (bad settings)\n%s\n%s", code, out, errOut)
	}
	wantAll(t, "error", errOut, "--ss-api-map", "operations.vaults.sync.path")
}
