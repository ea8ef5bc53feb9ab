package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/wizard"
)

func applyOwnSandbox(t *testing.T, stateDir string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"apply", "--practice", "--state-dir", stateDir, "--plan", "../../examples/practice-plan.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("apply exited %d\n%s\n%s", code, out.String(), errb.String())
	}
	return out.String()
}

// Practice mode's servers live in this process; their data is kept (encrypted, key in the
// keyring) so that a restart resumes with servers that match the saved progress.
func TestPracticeResumesAcrossRestarts(t *testing.T) {
	requireKeyring(t)
	dir := t.TempDir()
	first := applyOwnSandbox(t, dir)
	if !strings.Contains(first, "Created IAM user") {
		t.Fatalf("first run:\n%s", first)
	}
	data := filepath.Join(dir, "practice", "apply-practice-data.enc")
	raw, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("delinea-secrets-sync")) {
		t.Fatal("practice data must be stored encrypted")
	}
	calls := auditCalls(t, filepath.Join(dir, "practice", "audit.jsonl"))
	second := applyOwnSandbox(t, dir)
	// Judged on the calls really sent: the restarted run creates and attaches nothing.
	if changed := audit.Changes(auditCalls(t, filepath.Join(dir, "practice", "audit.jsonl"))[len(calls):]); len(changed) > 0 || !strings.Contains(second, "Access key reused") {
		t.Fatalf("a restarted practice run must find what the first made; it sent %v:\n%s", changed, second)
	}

	// Damaged data: the servers start empty, the old progress is set aside, and the admin is told.
	os.WriteFile(data, []byte("garbage"), 0o600)
	third := applyOwnSandbox(t, dir)
	if !strings.Contains(third, "Practice progress starts over") || !strings.Contains(third, "Created IAM user") {
		t.Fatalf("after damaged practice data:\n%s", third)
	}
	if _, err := os.Stat(filepath.Join(dir, "practice", "apply-state.json.previous")); err != nil {
		t.Fatalf("earlier progress must be kept aside: %v", err)
	}
}

func TestCleanupCommandUndoesApply(t *testing.T) {
	requireKeyring(t)
	dir := t.TempDir()
	applyOwnSandbox(t, dir)
	var out, errb bytes.Buffer
	// No --from: apply's record is the only one, so cleanup finds it.
	if code := run([]string{"cleanup", "--practice", "--yes", "--state-dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("cleanup exited %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"cleaning up what vaultlink apply created", "deleted access key", "deleted policy DelineaSecretsManagerLeastPrivilege", "deleted IAM group delinea-secrets-group", "deleted IAM user delinea-secrets-sync", "removed the secret access key"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("cleanup output lacks %q:\n%s", want, out.String())
		}
	}
	// The practice account is empty again, so the next run creates everything anew.
	if again := applyOwnSandbox(t, dir); !strings.Contains(again, "Created IAM user") {
		t.Fatalf("after cleanup:\n%s", again)
	}
}

// auditCalls reads an audit log file back.
func auditCalls(t *testing.T, path string) []wizard.Call {
	t.Helper()
	log, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	calls, err := log.Calls()
	if err != nil {
		t.Fatal(err)
	}
	return calls
}
