package wizard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/vaultlink/vaultlink/services/faultproxy"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// faultWorld is a practice AWS and Secret Server with a fault-injecting proxy in front of
// each, and a session that reaches them only through the proxies.
type faultWorld struct {
	sb      *sandbox.Sandbox
	counter *faultproxy.Counter
	st      *stack.Stack
	s       *wizard.Session
	state   string // the progress file
}

const faultTimeout = 2 * time.Second // per request, so a hang costs seconds, not minutes

func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	sb, err := sandbox.Start(awssim.Options{}, sssim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	c := &faultproxy.Counter{MaxHang: 30 * time.Second}
	pa, err := faultproxy.Start("aws", sb.AWS.URL(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pa.Close)
	ps, err := faultproxy.Start("secret-server", sb.SS.URL(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ps.Close)
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Attach: &sandbox.Endpoints{AWS: pa.URL(), SecretServer: ps.URL()},
		Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second, RequestTimeout: faultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	state := filepath.Join(t.TempDir(), "state.json")
	s, err := wizard.NewSession(guide(t), st.Services, wizard.Store{Path: state}, wizard.Unattended)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ApplySettings(map[string]string{"replace_orphan_keys": "yes"}); err != nil {
		t.Fatal(err)
	}
	return &faultWorld{sb: sb, counter: c, st: st, s: s, state: state}
}

// steps lists every step in order; each module's check is skipped (apply mode) as soon as
// its last step is done, so the next module unlocks.
func steps(s *wizard.Session) []wizard.StepRef {
	var refs []wizard.StepRef
	for _, m := range s.Guide().Modules {
		for _, st := range m.Steps {
			refs = append(refs, wizard.StepRef{Module: m.ID, Step: st.ID})
		}
	}
	return refs
}

func (w *faultWorld) run(ctx context.Context, ref wizard.StepRef) error {
	_, err := w.s.Run(ctx, ref)
	if err == nil {
		m, _ := w.s.Guide().Module(ref.Module)
		if m.Steps[len(m.Steps)-1].ID == ref.Step {
			return w.s.SkipCheck(m.ID)
		}
	}
	return err
}

// duplicates checks one of everything VaultLink makes, through the servers' own views.
func (w *faultWorld) duplicates(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	id, secret := w.sb.AWS.AdminCredentials()
	im := iam.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(w.sb.AWS.URL())})
	user := w.s.Setting("user_name")
	keys, err := im.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		return err.Error()
	}
	tags, err := w.st.AWS.UserTags(ctx, user)
	if err != nil {
		return err.Error()
	}
	keyTags := 0
	for k := range tags {
		if strings.HasPrefix(k, "AKIA") {
			keyTags++
		}
	}
	var problems []string
	if n := len(keys.AccessKeyMetadata); n != 1 {
		problems = append(problems, fmt.Sprintf("%d access keys", n))
	} else if _, err := w.st.Services.Keyring.Load(wizard.KeyringRef(user, aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId))); err != nil {
		problems = append(problems, "the live key's secret is not in the keyring")
	}
	if keyTags != 1 {
		problems = append(problems, fmt.Sprintf("%d description tags", keyTags))
	}
	// IAM group names are unique, so "one group" is "the group is there and holds the user".
	if members, err := w.st.AWS.GroupMembers(ctx, w.s.Setting("group_name")); err != nil || len(members) != 1 {
		problems = append(problems, fmt.Sprintf("group members %v (%v)", members, err))
	}
	if arn := w.s.Progress().PolicyARN; arn != "" {
		v, _ := im.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
		if v == nil || len(v.Versions) != 1 {
			problems = append(problems, "policy versions ≠ 1")
		}
	}
	data, _ := w.sb.SS.Snapshot()
	var db struct {
		Secrets map[string]struct{ Name string } `json:"secrets"`
		Vaults  map[string]json.RawMessage       `json:"vaults"`
	}
	json.Unmarshal(data, &db)
	n := 0
	for _, s := range db.Secrets {
		if s.Name == w.s.Setting("secret_name") {
			n++
		}
	}
	if n != 1 || len(db.Vaults) != 1 {
		problems = append(problems, fmt.Sprintf("%d Secret Server secrets, %d vault links", n, len(db.Vaults)))
	}
	return strings.Join(problems, "; ")
}

// TestFaultMatrix breaks one request of every step in every way the proxy knows: the first
// request that changes something (else the step's first request). Each case must end in one
// of two ways: the step retried where that is safe and succeeded, or it failed with a message
// and a rerun of the step (and then of everything) completed. Afterwards there must be one of
// everything. The table goes to the test log and to $VAULTLINK_REPORT_DIR/fault-matrix.txt.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix runs every step under every fault")
	}
	start := time.Now()
	// A clean run names each step's requests.
	w := newFaultWorld(t)
	ctx := context.Background()
	refs := steps(w.s)
	targets := map[wizard.StepRef]int{}
	targetOp := map[wizard.StepRef]string{}
	for _, ref := range refs {
		w.counter.Reset()
		if err := w.run(ctx, ref); err != nil {
			t.Fatalf("clean run, %s: %v", ref, err)
		}
		seen := w.counter.Seen()
		if len(seen) == 0 {
			continue // a step that calls no server (drafting the policy)
		}
		targets[ref] = 1
		for i, r := range seen {
			if r.Write {
				targets[ref] = i + 1
				break
			}
		}
		r := seen[targets[ref]-1]
		targetOp[ref] = r.System + " " + r.Op
	}

	type cell struct{ outcome, msg string }
	table := map[wizard.StepRef]map[faultproxy.Fault]cell{}
	for _, ref := range refs {
		if targets[ref] == 0 {
			continue
		}
		table[ref] = map[faultproxy.Fault]cell{}
		for _, f := range faultproxy.All {
			t.Run(fmt.Sprintf("%s/%s", ref, f), func(t *testing.T) {
				w := newFaultWorld(t)
				for _, before := range refs {
					if before == ref {
						break
					}
					if err := w.run(ctx, before); err != nil {
						t.Fatalf("before the fault, %s: %v", before, err)
					}
				}
				w.counter.Arm(targets[ref], f)
				err := w.run(ctx, ref)
				if !w.counter.Fired() {
					t.Fatalf("the %s fault was not injected (requests: %v)", f, w.counter.Seen())
				}
				w.counter.Reset()
				c := cell{outcome: "retried, ok"}
				if err != nil {
					c = cell{outcome: "failed, rerun ok", msg: err.Error()}
					if !strings.Contains(err.Error(), "again") {
						t.Errorf("the message does not say what to do: %q", err)
					}
					if rerr := w.run(ctx, ref); rerr != nil {
						t.Fatalf("rerun of the step after %s: %v (first: %v)", f, rerr, err)
					}
				}
				if err := w.s.RunAll(ctx, func(string) {}); err != nil {
					t.Fatalf("rerun of everything after %s at %s: %v", f, ref, err)
				}
				if d := w.duplicates(t); d != "" {
					t.Fatalf("after %s at %s: %s", f, ref, d)
				}
				table[ref][f] = c
				t.Logf("%s → %s %s", f, c.outcome, c.msg)
			})
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Fault matrix: one request per step broken (the first write, else the first request); %d steps × %d faults in %s\n", len(table), len(faultproxy.All), time.Since(start).Round(time.Second))
	fmt.Fprintf(&b, "R = retried and succeeded · F = failed with a message, rerun completed · ✗ = case failed\n\n")
	fmt.Fprintf(&b, "%-30s %-52s", "step", "request broken")
	for _, f := range faultproxy.All {
		fmt.Fprintf(&b, " %-9s", f)
	}
	b.WriteString("\n")
	retried, failed := 0, 0
	for _, ref := range refs {
		if targets[ref] == 0 {
			continue
		}
		fmt.Fprintf(&b, "%-30s %-52s", ref.String(), targetOp[ref])
		for _, f := range faultproxy.All {
			c, ok := table[ref][f]
			mark := "✗"
			switch {
			case !ok:
			case c.outcome == "retried, ok":
				mark, retried = "R", retried+1
			default:
				mark, failed = "F", failed+1
			}
			fmt.Fprintf(&b, " %-9s", mark)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%d cases: %d retried, %d failed with a message and completed on rerun, %d broken\n", len(table)*len(faultproxy.All), retried, failed, len(table)*len(faultproxy.All)-retried-failed)
	t.Log("\n" + b.String())
	if dir := os.Getenv("VAULTLINK_REPORT_DIR"); dir != "" {
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "fault-matrix.txt"), []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// A Secret Server that never answers cannot freeze a step: cancelling (Esc in the window)
// ends it at once.
func TestNeverAnsweringSecretServerCanBeCancelled(t *testing.T) {
	w := newFaultWorld(t)
	ctx := context.Background()
	var target wizard.StepRef
	for _, ref := range steps(w.s) {
		if ref.Module == "ss-secret" {
			target = ref
			break
		}
		if err := w.run(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	w.counter.MaxHang = time.Minute
	w.counter.Arm(1, faultproxy.Hang)
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := w.s.Run(cctx, target)
	if err == nil {
		t.Fatal("a step against a server that never answers must not succeed")
	}
	if d := time.Since(start); d > faultTimeout {
		t.Fatalf("cancel took %s to stop the step", d)
	}
}

// A server error that quotes a secret access key or a token: the step fails, and neither
// value reaches the error, the activity log or the progress file.
func TestPlantedSecretInAServerErrorIsRedacted(t *testing.T) {
	for _, target := range []struct {
		step   wizard.StepRef
		system string
	}{
		{wizard.StepRef{Module: "iam-user", Step: "create-user"}, "aws"},
		{wizard.StepRef{Module: "vault-link", Step: "create-link"}, "secret-server"},
	} {
		t.Run(target.system, func(t *testing.T) {
			w := newFaultWorld(t)
			ctx := context.Background()
			var events []string
			w.s.Subscribe(func(e wizard.Event) { events = append(events, e.Text) })
			for _, ref := range steps(w.s) {
				if ref == target.step {
					break
				}
				if err := w.run(ctx, ref); err != nil {
					t.Fatal(err)
				}
			}
			w.counter.Reset()
			w.counter.ArmFirst(target.system, true, faultproxy.Plant)
			_, err := w.s.Run(ctx, target.step)
			if err == nil || !w.counter.Fired() {
				t.Fatalf("the planted error was not met (fired %v): %v", w.counter.Fired(), err)
			}
			state, _ := os.ReadFile(w.state)
			for where, text := range map[string]string{"error": err.Error(), "activity log": strings.Join(events, "\n"), "progress file": string(state), "step record": w.s.StepRecord(target.step).Error} {
				for _, planted := range []string{faultproxy.PlantedSecret, faultproxy.PlantedToken} {
					if strings.Contains(text, planted) {
						t.Errorf("the %s holds a planted secret: %s", where, text)
					}
				}
			}
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("the error should show where something was removed: %v", err)
			}
		})
	}
}
