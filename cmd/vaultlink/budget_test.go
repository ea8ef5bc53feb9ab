package main

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/aws/awstest"
)

// liveApplyBudget is the call budget of one whole `vaultlink apply --live` (least-privilege
// plan, pushing one Secret Server secret and pulling one AWS secret: what `make bench` times)
// against moto with IAM enforcement on and the practice Secret Server syncing into it, by
// operation, from the audit log: on a fresh account (first) and again on the finished set-up
// (again). wizard/budget_test.go holds each step to its share; docs/api-budget.md says why
// each call is there. When a call is added on purpose, change the number here and there.
var liveApplyBudget = []struct {
	op           string
	first, again int
}{
	{"aws STS:GetCallerIdentity", 2, 2}, // apply's identity check; the new key's first probe
	{"aws IAM:GetUser", 1, 1},
	{"aws IAM:CreateUser", 1, 0},
	{"aws IAM:ListUserTags", 2, 1}, // reconcile (which keys are VaultLink's), verify the new key's tag; again: reconcile only
	{"aws IAM:GetGroup", 4, 4},
	{"aws IAM:CreateGroup", 1, 0},
	{"aws IAM:GetPolicy", 2, 2},
	{"aws IAM:CreatePolicy", 1, 0},
	{"aws IAM:GetPolicyVersion", 2, 2},
	{"aws IAM:AttachGroupPolicy", 1, 0},
	{"aws IAM:ListAttachedGroupPolicies", 3, 3},
	{"aws IAM:AddUserToGroup", 1, 0},
	{"aws IAM:ListAccessKeys", 1, 1},
	{"aws IAM:CreateAccessKey", 1, 0},
	{"keyring store", 1, 0}, // the new key's secret, before anything else (docs/reliability.md)
	{"aws IAM:TagUser", 1, 0},
	{"aws Secrets Manager:ListSecrets", 1, 1}, // the new key's second probe
	{"aws Secrets Manager:DescribeSecret", 2, 2},
	{"secret-server GET /api/v1/healthcheck", 1, 1},
	{"secret-server GET /api/v1/users/current", 1, 1},
	{"secret-server GET /api/v1/version", 1, 1},
	{"secret-server GET /Documents/restapi/TokenAuth/swagger.json", 1, 1},
	{"secret-server GET /api/v1/secret-templates", 1, 1},
	{"secret-server GET /api/v1/secret-templates/{id}", 1, 1},
	{"secret-server GET /api/v1/secrets", 2, 2},
	{"secret-server POST /api/v1/secrets", 1, 0},
	{"secret-server GET /api/v1/secrets/{id}", 1, 1},
	{"secret-server POST /api/v1/external-vaults/link-settings", 1, 1},
	{"secret-server GET /api/v1/external-vaults", 3, 2},
	{"secret-server POST /api/v1/external-vaults", 1, 0},
	{"secret-server GET /api/v1/external-vault-secrets", 2, 2},
	{"secret-server POST /api/v1/external-vault-secrets", 1, 0},
	{"secret-server POST /api/v1/external-vaults/sync", 3, 3},
}

// operations counts the calls by system and operation.
func operations(calls []audit.Entry) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		out[c.System+" "+c.Operation]++
	}
	return out
}

// TestLiveApplyCallBudget holds a whole live apply against moto, and a second one, to
// liveApplyBudget: every operation's count must match, so a call added back anywhere fails
// with the operation named.
func TestLiveApplyCallBudget(t *testing.T) {
	requireKeyring(t)
	m := awstest.Start(t)
	args, dir, _ := liveApplyFixture(t, m, "custom")
	logPath := filepath.Join(dir, "live", "audit.jsonl")
	seen := 0
	for _, which := range []string{"first", "again"} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%s apply exited %d\n%s\n%s", which, code, out.String(), errb.String())
		}
		log, err := audit.Open(logPath)
		if err != nil {
			t.Fatal(err)
		}
		calls, err := log.Calls()
		log.Close()
		if err != nil {
			t.Fatal(err)
		}
		var entries []audit.Entry
		for _, c := range calls[seen:] {
			entries = append(entries, audit.Entry{System: c.System, Operation: c.Operation})
		}
		seen = len(calls)
		got := operations(entries)
		want := map[string]int{}
		total, aws := 0, 0
		for _, b := range liveApplyBudget {
			w := b.first
			if which == "again" {
				w = b.again
			}
			if w > 0 {
				want[b.op] = w
			}
			total += w
			if strings.HasPrefix(b.op, "aws ") {
				aws += w
			}
		}
		var diff []string
		for _, op := range slices.Sorted(maps.Keys(mergeKeys(got, want))) {
			if got[op] != want[op] {
				diff = append(diff, fmt.Sprintf("  %s: %d calls, budget %d", op, got[op], want[op]))
			}
		}
		if len(diff) > 0 {
			t.Errorf("%s live apply: %d calls against a budget of %d:\n%s", which, len(entries), total, strings.Join(diff, "\n"))
		}
		t.Logf("%s live apply: %d calls (budget %d: %d AWS, %d Secret Server)", which, len(entries), total, aws, total-aws)
	}
}

func mergeKeys(a, b map[string]int) map[string]int {
	out := maps.Clone(a)
	for k, v := range b {
		out[k] += v
	}
	return out
}
