package audit_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/vaultlink/vaultlink/services/audit"
)

func TestEntriesAreAppendedAsJSONLinesAcrossOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit.jsonl")
	for i := 0; i < 2; i++ {
		l, err := audit.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		l.Record(audit.Entry{System: "aws", Operation: "IAM:CreateUser", Target: "UserName=u"})
		l.Record(audit.Entry{System: "aws", Operation: "IAM:GetUser", Outcome: "error", Code: "NoSuchEntity"})
		l.Close()
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e audit.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not JSON: %v", n+1, err)
		}
		if e.Time.IsZero() || e.Outcome == "" {
			t.Fatalf("line %d lacks time or outcome: %+v", n+1, e)
		}
		n++
	}
	if n != 4 {
		t.Fatalf("%d lines, want 4 (append, not truncate)", n)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode %v, want 0600", st.Mode().Perm())
	}
}

// Discard (doctor's log) and a nil log take every Record without writing anywhere and without
// complaining: Record reports write failures on stderr, so a complaint would show there.
func TestDiscardRecordsNothingAndDoesNotFail(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // a log that wrote to a relative path would leave a file here
	stderr := captureStderr(t, func() {
		d := audit.Discard()
		d.Record(audit.Entry{System: "x", Operation: "IAM:CreateUser"})
		if d.Path() != "" {
			t.Errorf("Discard has path %q, want none", d.Path())
		}
		calls, err := d.Calls()
		if err != nil || len(calls) != 0 {
			t.Errorf("Discard read back %d calls (%v), want none", len(calls), err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("closing Discard: %v", err)
		}
		var nilLog *audit.Log
		nilLog.Record(audit.Entry{System: "x"})
		if err := nilLog.Close(); err != nil {
			t.Errorf("closing a nil log: %v", err)
		}
		if calls, err := nilLog.Calls(); err != nil || len(calls) != 0 {
			t.Errorf("a nil log read back %d calls (%v), want none", len(calls), err)
		}
	})
	if stderr != "" {
		t.Fatalf("Discard must record silently, stderr got:\n%s", stderr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("Discard wrote %d files to the working folder", len(left))
	}
}

// captureStderr runs fn with os.Stderr sent to a file and returns what was written.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	saved := os.Stderr
	os.Stderr = f
	defer func() { os.Stderr = saved }()
	fn()
	os.Stderr = saved
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
