package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/ui"
	"github.com/vaultlink/vaultlink/ui/uitest"
	"github.com/vaultlink/vaultlink/wizard"
)

// assertNoCanary fails if the planted secret access key appears in text; it never prints it.
func assertNoCanary(t *testing.T, where, text string) {
	t.Helper()
	if strings.Contains(text, canary) {
		t.Errorf("the secret access key appears in %s", where)
	}
}

func assertNoCanaryInFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n++
		assertNoCanary(t, path, string(data))
		return nil
	})
	return n
}

// The secret access key passes through AWS → keyring → Secret Server; it must appear nowhere
// else: not in output, the audit log, state files or anything the window renders.
func TestSecretAccessKeyNeverLeaks(t *testing.T) {
	requireKeyring(t)
	_, env := startSandbox(t)

	// Unattended: stdout, stderr, the audit log and every state file.
	r := apply(t, env, t.TempDir())
	assertNoCanary(t, "apply's stdout", r.stdout)
	assertNoCanary(t, "apply's stderr", r.stderr)
	if n := assertNoCanaryInFiles(t, r.stateDir); n < 2 {
		t.Fatalf("expected the apply state and the audit log, found %d files", n)
	}
	auditLog, err := os.ReadFile(filepath.Join(r.stateDir, "practice", "audit.jsonl"))
	if err != nil || !strings.Contains(string(auditLog), "CreateAccessKey") {
		t.Fatalf("the audit log must record the calls (and only their names): %v", err)
	}

	// A key rotation on that record: its output and the files it writes (the new key's secret
	// is the same canary).
	var rout, rerr bytes.Buffer
	if code := run([]string{"rotate-key", "--practice", "--sandbox", env, "--state-dir", r.stateDir}, &rout, &rerr); code != 0 {
		t.Fatalf("rotate-key exited %d\n%s\n%s", code, rout.String(), rerr.String())
	}
	assertNoCanary(t, "rotate-key's stdout", rout.String())
	assertNoCanary(t, "rotate-key's stderr", rerr.String())
	assertNoCanaryInFiles(t, r.stateDir)

	// In the window: walk every page of every module and read all the text it renders.
	test.NewTempApp(t)
	dir := t.TempDir()
	log, err := audit.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	sb2, _ := startSandbox(t) // a fresh account, so module 1 makes a new key
	ep := sb2.Endpoints()
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Attach: &ep, Audit: log, KeyWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sess, err := wizard.NewSession(loadGuide(), st.Services, wizard.Store{Path: filepath.Join(dir, "state.json")}, wizard.Guided)
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1180, 780))
	u := ui.New(w, sess, ui.Info{Practice: true, KeyringName: st.Services.Keyring.Name()})
	u.WaitIdle()
	seen := func(page string) {
		assertNoCanary(t, "the window ("+page+")", strings.Join(uitest.Text(w.Canvas()), "\n"))
	}
	for _, m := range sess.Guide().Modules {
		for _, s := range m.Steps {
			ref := wizard.StepRef{Module: m.ID, Step: s.ID}
			u.ShowStep(ref)
			u.WaitIdle() // a page may load live suggestions (folders) first
			u.RunStep(ref)
			u.WaitIdle()
			if rec := sess.StepRecord(ref); rec.Status != wizard.StepDone {
				t.Fatalf("%s: %s", ref, rec.Error)
			}
			seen(ref.String())
		}
		u.ShowCheck(m.ID)
		for _, o := range m.Check.Options {
			if o.Correct {
				u.Answer(o.Text)
			}
		}
		u.WaitIdle()
		seen("check " + m.ID)
	}
	u.ShowComplete()
	seen("complete")
	if !uitest.Shows(w.Canvas(), "Modules covered 6 / 6") {
		t.Fatal("the walk did not cover all six modules")
	}
	u.ShowConnections()
	u.WaitIdle()
	seen("connections")
	var report bytes.Buffer
	if err := u.SaveReport(&report); err != nil {
		t.Fatal(err)
	}
	assertNoCanary(t, "the exported report", report.String())
	uitest.Tap(t, w.Canvas(), "Copy")
	assertNoCanary(t, "the copied activity log", fyne.CurrentApp().Clipboard().Content())
	assertNoCanaryInFiles(t, dir)
}
