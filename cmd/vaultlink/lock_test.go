package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/wizard"
)

// An apply started while the window works on the same progress folder refuses before making
// any call, and says who holds it and what to do; once the window lets go, apply may start.
func TestApplyRefusesWhileTheWindowHoldsTheProgress(t *testing.T) {
	dir := t.TempDir()
	lock, err := wizard.Store{Path: filepath.Join(dir, "practice", "state.json")}.Lock("window")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	var out, errb bytes.Buffer
	code := run([]string{"apply", "--practice", "--state-dir", dir, "--plan", "../../examples/practice-plan.yaml"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "VaultLink window") || !strings.Contains(errb.String(), "Only one VaultLink") {
		t.Fatalf("apply must refuse while the window holds the progress: exit %d\n%s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "practice", "audit.jsonl")); err == nil {
		t.Fatal("apply made calls before refusing")
	}
	lock.Release()
	again, err := wizard.Store{Path: filepath.Join(dir, "practice", "apply-state.json")}.Lock("`vaultlink apply`")
	if err != nil {
		t.Fatalf("the folder stayed locked after the window let go: %v", err)
	}
	again.Release()
}
