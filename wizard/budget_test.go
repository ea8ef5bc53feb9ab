package wizard_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// n is a step's calls: to AWS and to Secret Server (the Secret Server sign-in itself, a token
// grant, is not in the audit log; TestCallBudgetPerStep counts it on the server).
type n struct{ aws, ss int }

// stepBudget is the call budget of every step of an unattended run (what `vaultlink apply`
// does), counted from the audit log against the practice stack: on a fresh account with the
// least-privilege policy (custom), the same run again on the finished set-up (again: every
// ensure adopts, nothing changes), and a fresh account with the managed policy. The first row
// is apply's identity check before the first step. docs/api-budget.md says why each call is
// there. When a call is added on purpose (a reconcile read, say), change the number here and
// the table in the docs.
var stepBudget = []struct {
	step                   string
	custom, again, managed n
}{
	{"identity check", n{aws: 1}, n{aws: 1}, n{aws: 1}},
	{"1 create-user", n{aws: 2}, n{aws: 1}, n{aws: 2}},
	{"1 assign-group", n{aws: 9}, n{aws: 5}, n{aws: 6}},
	{"1 create-access-key", n{aws: 7}, n{aws: 4}, n{aws: 7}}, // +1: reconcile reads the tags before creating
	{"2 choose-template", n{ss: 6}, n{ss: 6}, n{ss: 6}},
	{"2 create-secret", n{ss: 3}, n{ss: 2}, n{ss: 3}},
	{"3 open-link", n{ss: 1}, n{ss: 1}, n{ss: 1}},
	{"3 create-link", n{ss: 3}, n{ss: 1}, n{ss: 3}},
	{"4 create-group", n{aws: 2}, n{aws: 2}, n{aws: 2}},
	{"4 attach-policy", n{aws: 1}, n{aws: 1}, n{aws: 1}},
	{"5 select-actions", n{}, n{}, n{}},
	{"5 create-policy", n{aws: 2}, n{aws: 2}, n{aws: 3}},
	{"5 attach-custom", n{aws: 1}, n{aws: 1}, n{aws: 3}},
	{"6 open-vaults", n{ss: 1}, n{ss: 1}, n{ss: 1}},
	{"6 run-sync", n{aws: 2, ss: 7}, n{aws: 2, ss: 6}, n{aws: 2, ss: 7}},
}

// budgetRun runs apply's sequence (identity check, then every step) with fresh clients on the
// given practice servers, as one `vaultlink apply` process does, and returns each row's calls.
func budgetRun(t *testing.T, st *stack.Stack, kr wizard.Keyring, store wizard.Store, policy string) (map[string][]wizard.Call, int, int) {
	t.Helper()
	ctx := context.Background()
	log, err := audit.Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	ep := st.Endpoints
	run, err := stack.Build(ctx, stack.Options{Practice: true, Attach: &ep, Keyring: kr, KeyWait: 10 * time.Second, Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	s, err := wizard.NewSession(guide(t), run.Services, store, wizard.Unattended)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ApplySettings(map[string]string{"group_policy": policy}); err != nil {
		t.Fatal(err)
	}
	grants, wire := st.Sandbox.SS.Grants(), served(st)
	got := map[string][]wizard.Call{}
	seen := 0
	take := func(row string) {
		calls, err := log.Calls()
		if err != nil {
			t.Fatal(err)
		}
		got[row] = calls[seen:]
		seen = len(calls)
	}
	if _, err := s.CheckIdentity(ctx); err != nil {
		t.Fatal(err)
	}
	take("identity check")
	for _, m := range s.Guide().Modules {
		for _, step := range m.Steps {
			if _, err := s.Run(ctx, wizard.StepRef{Module: m.ID, Step: step.ID}); err != nil {
				t.Fatalf("module %d %s: %v", m.Number, step.ID, err)
			}
			take(fmt.Sprintf("%d %s", m.Number, step.ID))
		}
		if err := s.SkipCheck(m.ID); err != nil {
			t.Fatal(err)
		}
	}
	if s.Covered() != 6 {
		t.Fatalf("modules covered %d/6", s.Covered())
	}
	return got, st.Sandbox.SS.Grants() - grants, served(st) - wire
}

// served counts the requests the practice Secret Server answered.
func served(st *stack.Stack) int {
	n := 0
	for _, c := range st.Sandbox.SS.Requests() {
		n += c
	}
	return n
}

// unaudited is what reaches the Secret Server without being an audited call, per run, as
// measured with the server's request count: the token grant (none when the process already
// holds a token) and what the vendor SDK (tss-sdk-go) sends by itself. On a first run that is
// its backend probe (a second GET healthcheck), a second GET of the template and its
// read-back after creating a secret; again, one request. The test holds these too, so a
// sign-in or probe repeated per step cannot hide outside the audit log.
var unaudited = map[string]int{"first run": 4, "again": 1}

func count(calls []wizard.Call) n {
	var c n
	for _, call := range calls {
		switch call.System {
		case "aws":
			c.aws++
		case "secret-server":
			c.ss++
		}
	}
	return c
}

func describe(calls []wizard.Call) string {
	var lines []string
	for _, c := range calls {
		lines = append(lines, "      "+strings.TrimSpace(c.System+" "+c.Operation+" "+c.Target+" "+c.Code))
	}
	return strings.Join(lines, "\n")
}

// TestCallBudgetPerStep holds every step to its call budget (stepBudget), and each run to at most
// one Secret Server sign-in. Counts are deterministic against the practice stack, so any change is
// a failure that lists the calls the step really made.
func TestCallBudgetPerStep(t *testing.T) {
	for _, policy := range []string{"custom", "managed"} {
		t.Run(policy, func(t *testing.T) {
			st, store := practice(t)
			kr := keyring.NewMemory()
			runs := []string{"first run"}
			if policy == "custom" {
				runs = append(runs, "again")
			}
			for _, which := range runs {
				got, signIns, wire := budgetRun(t, st, kr, store, policy)
				total, want := n{}, n{}
				for _, row := range stepBudget {
					w := row.custom
					switch {
					case which == "again":
						w = row.again
					case policy == "managed":
						w = row.managed
					}
					c := count(got[row.step])
					total.aws, total.ss = total.aws+c.aws, total.ss+c.ss
					want.aws, want.ss = want.aws+w.aws, want.ss+w.ss
					if c != w {
						t.Errorf("%s, %s: %q made %d AWS and %d Secret Server calls, its budget is %d and %d:\n%s",
							policy, which, row.step, c.aws, c.ss, w.aws, w.ss, describe(got[row.step]))
					}
				}
				// One sign-in per process; a later client in the same process reuses its token.
				if signIns > 1 {
					t.Errorf("%s, %s: %d Secret Server sign-ins, want at most 1 per run", policy, which, signIns)
				}
				if wire-total.ss != unaudited[which] {
					t.Errorf("%s, %s: Secret Server answered %d requests for %d audited calls; %d unaudited, want %d",
						policy, which, wire, total.ss, wire-total.ss, unaudited[which])
				}
				t.Logf("%s, %s: %d calls (%d AWS, %d Secret Server), budget %d; %d sign-in; %d Secret Server requests in all", policy, which,
					total.aws+total.ss, total.aws, total.ss, want.aws+want.ss, signIns, wire)
			}
		})
	}
}
