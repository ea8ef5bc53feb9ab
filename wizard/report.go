package wizard

import (
	"fmt"
	"strings"
	"time"
)

// Report renders what this run set up, as Markdown: the modules and their verified results
// (ids, ARNs), the knowledge checks passed, the last sync, and every call with its request id.
// It is built only from facts and the audit log, neither of which ever holds a secret value.
func (s *Session) Report(mode string) (string, error) {
	var calls []Call
	s.mu.Lock()
	log := s.svc.Calls
	s.mu.Unlock()
	if log != nil {
		var err error
		if calls, err = log.Calls(); err != nil {
			return "", fmt.Errorf("read the audit log: %w", err)
		}
	}
	var b strings.Builder
	md := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cell := func(v string) string { return strings.ReplaceAll(strings.ReplaceAll(v, "|", `\|`), "\n", " ") }
	g := s.guide
	md("# VaultLink report: %s\n\n", g.Title)
	md("- Generated: %s\n- Mode: %s\n- Modules covered: %d / %d\n\n", s.svc.Now().UTC().Format(time.RFC3339), mode, s.Covered(), len(g.Modules))
	md("## What was set up\n\n| Item | Value |\n|---|---|\n")
	for _, f := range s.Summary() {
		md("| %s | %s |\n", cell(f.Label), cell(f.Value))
	}
	md("| Secret access key | kept in the keyring only; never shown or recorded |\n\n")
	if caps, ok := s.Capabilities(); ok {
		md("## Secret Server API (capability report)\n\n```\n%s\n```\n\n", caps.String())
	}
	for _, m := range g.Modules {
		c := s.CheckRecord(m.ID)
		check := "not passed yet"
		switch {
		case c.Passed:
			check = fmt.Sprintf("passed (%d attempt(s))", c.Attempts)
		case c.Skipped:
			check = "not asked (apply mode)"
		}
		md("## Module %d: %s\n\nKnowledge check: %s\n\n", m.Number, m.Title, check)
		for _, st := range m.Steps {
			rec := s.StepRecord(StepRef{m.ID, st.ID})
			status := map[StepStatus]string{StepPending: "not run", StepDone: "done", StepFailed: "failed", StepManual: "waiting for confirmation"}[rec.Status]
			md("### %s — %s\n\n", st.Title, status)
			if rec.Summary != "" {
				md("%s\n\n", rec.Summary)
			}
			if rec.Error != "" {
				md("Error: %s\n\n", rec.Error)
			}
			for _, f := range rec.Facts {
				if strings.Contains(f.Value, "\n") {
					md("- %s:\n\n```\n%s\n```\n\n", f.Label, f.Value)
				} else {
					md("- %s: %s\n", f.Label, f.Value)
				}
			}
			if len(rec.Sync) > 0 {
				md("\n| Operation | Direction | Secret | Outcome |\n|---|---|---|---|\n")
				for _, it := range rec.Sync {
					out := "synced"
					if !it.OK {
						out = "failed: " + it.Reason
					}
					md("| %s | %s | %s | %s |\n", it.Action, it.Direction, cell(it.Name), cell(out))
				}
			}
			md("\n")
		}
	}
	md("## Calls\n\n")
	if len(calls) == 0 {
		md("No calls recorded.\n")
	} else {
		md("| Time (UTC) | System | Operation | Target | Outcome | Request id |\n|---|---|---|---|---|---|\n")
		for _, c := range calls {
			out := c.Outcome
			if c.Code != "" {
				out += " (" + c.Code + ")"
			}
			md("| %s | %s | %s | %s | %s | %s |\n", c.Time.UTC().Format("2006-01-02 15:04:05"), c.System, cell(c.Operation), cell(c.Target), cell(out), c.RequestID)
		}
	}
	return b.String(), nil
}
