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

func TestDiscardRecordsNothingAndDoesNotFail(t *testing.T) {
	audit.Discard().Record(audit.Entry{System: "x"})
	var nilLog *audit.Log
	nilLog.Record(audit.Entry{System: "x"})
}
