// Package audit keeps an append-only JSON-lines record of every call VaultLink makes: what,
// on which target, the outcome and the request id. Values are never recorded: an Entry has no
// field that could hold one.
package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vaultlink/vaultlink/wizard"
)

// Entry is one call.
type Entry struct {
	Time      time.Time `json:"time"`
	System    string    `json:"system"` // "aws", "secret-server", "keyring", "wizard"
	Operation string    `json:"operation"`
	Target    string    `json:"target,omitempty"`
	Outcome   string    `json:"outcome"` // "ok" or "error"
	Code      string    `json:"code,omitempty"`
	RequestID string    `json:"requestId,omitempty"`
}

// Log appends entries to a file (or nowhere).
type Log struct {
	mu   sync.Mutex
	f    *os.File
	path string
	now  func() time.Time
}

// Open appends to path, creating it (and its folder) with owner-only permissions.
func Open(path string) (*Log, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return &Log{f: f, path: path, now: time.Now}, nil
}

// Discard returns a Log that records nothing.
func Discard() *Log { return &Log{now: time.Now} }

// Path is where the log is written ("" for Discard).
func (l *Log) Path() string { return l.path }

// afterRecord runs after each entry is written. Only tests set it (SetAfterRecord): the crash
// test ends the process right after the Nth call to prove that a rerun recovers from there.
var afterRecord atomic.Pointer[func(Entry)]

// SetAfterRecord installs fn to run after every recorded entry (nil removes it). It exists for
// the crash test; production code never sets it.
func SetAfterRecord(fn func(Entry)) {
	if fn == nil {
		afterRecord.Store(nil)
		return
	}
	afterRecord.Store(&fn)
}

// Record appends one entry. A write failure is not fatal to the wizard's work; it is reported
// on stderr once per entry so it is not silent.
func (l *Log) Record(e Entry) {
	if l == nil || l.f == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = l.now().UTC()
	}
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	b, _ := json.Marshal(e)
	l.mu.Lock()
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		fmt.Fprintf(os.Stderr, "vaultlink: audit log %s: %v\n", l.path, err)
	}
	l.mu.Unlock()
	if fn := afterRecord.Load(); fn != nil {
		(*fn)(e)
	}
}

// Close closes the file.
func (l *Log) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	return l.f.Close()
}

// Calls reads back every entry of the log, for the report.
func (l *Log) Calls() ([]wizard.Call, error) {
	if l == nil || l.path == "" {
		return nil, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	data, err := os.ReadFile(l.path)
	if err != nil {
		return nil, err
	}
	var out []wizard.Call
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			continue // a torn last line after a crash is not worth failing a report for
		}
		out = append(out, wizard.Call{Time: e.Time, System: e.System, Operation: e.Operation, Target: e.Target, Outcome: e.Outcome, Code: e.Code, RequestID: e.RequestID})
	}
	return out, nil
}

// Changes returns the calls that create or change something: AWS operations named Create*,
// Put*, Attach*, Add*, Tag*, Update* or Upload*, and Secret Server POST, PUT and PATCH
// requests other than signing in, asking for link settings (a query sent as POST) and running a
// Pull, Push or Sync (which module 6 repeats on purpose). A rerun of a finished set-up must make none: this is how tests check idempotency
// from what was really sent, not from the words of a summary.
func Changes(calls []wizard.Call) []wizard.Call {
	var out []wizard.Call
	for _, c := range calls {
		if changes(c) {
			out = append(out, c)
		}
	}
	return out
}

func changes(c wizard.Call) bool {
	switch c.System {
	case "aws":
		_, op, _ := strings.Cut(c.Operation, ":")
		for _, verb := range []string{"Create", "Put", "Attach", "Add", "Tag", "Update", "Upload"} {
			if strings.HasPrefix(op, verb) {
				return true
			}
		}
	case "secret-server":
		method, path, _ := strings.Cut(c.Operation, " ")
		if method != "POST" && method != "PUT" && method != "PATCH" {
			return false
		}
		path = strings.ToLower(path)
		for _, exempt := range []string{"oauth2/token", "link-settings", "/pull", "/push", "/sync"} {
			if strings.HasSuffix(path, exempt) {
				return false
			}
		}
		return true
	}
	return false
}
