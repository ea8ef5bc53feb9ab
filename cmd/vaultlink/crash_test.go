package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	gokeyring "github.com/zalando/go-keyring"
	ss "github.com/zalando/go-keyring/secret_service"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
)

// The test binary doubles as the vaultlink command (TestMain in main_test.go, with
// VAULTLINK_TEST_AS_COMMAND). Only this test build reads envCrashAfter, so the crash switch
// cannot exist in a shipped binary.
const (
	envAsMain     = "VAULTLINK_TEST_AS_COMMAND"
	envCrashAfter = "VAULTLINK_TEST_CRASH_AFTER"
)

// installCrashSwitch, with envCrashAfter=N, ends the process with SIGKILL right after the Nth
// recorded call.
func installCrashSwitch() {
	n, err := strconv.Atoi(os.Getenv(envCrashAfter))
	if err != nil || n <= 0 {
		return
	}
	var calls atomic.Int64
	audit.SetAfterRecord(func(audit.Entry) {
		if calls.Add(1) == int64(n) {
			// SIGKILL, not os.Exit: nothing deferred runs, no buffer is flushed, no lock is
			// released, exactly as when the power goes.
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	})
}

// liveWorld is one live setup's surroundings: moto with IAM enforcement (the operator is an
// IAM user with an administrator policy), a practice Secret Server whose syncs call that moto,
// and a state folder. Each case gets a fresh one on the same moto.
type liveWorld struct {
	moto           *awstest.Moto
	opID, opSecret string
	ss             *sssim.Server
	dir, plan      string
	user           string // the IAM user name, distinct per moto so keyring entries do not mix
}

const (
	crashSecret = "AWS-SecretsManager-Integration"
	crashDesc   = "Secret Server External Vault Integration"
	liveService = "VaultLink" // the keyring service of live mode
)

func newLiveWorld(t *testing.T, m *awstest.Moto, user, planExtra string) *liveWorld {
	t.Helper()
	ctx := context.Background()
	m.Reset(t)
	opID, opSecret := motoOperator(t, m.URL)
	w := &liveWorld{moto: m, opID: opID, opSecret: opSecret, dir: t.TempDir(), user: user}
	if _, err := secretsmanager.NewFromConfig(w.op()).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("team/existing"), SecretString: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	w.ss = sssim.New(sssim.Options{AWSEndpoint: m.URL})
	if _, err := w.ss.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.ss.Close() })
	w.ss.SeedSecret("App-DB", "app", "db-password")
	m.Enforce(t)
	w.plan = filepath.Join(w.dir, "plan.yaml")
	plan := "mode: live\nsettings:\n  user_name: " + user + "\n  group_policy: custom\n  push_secret: App-DB\n  remote_name: team/app-db\n" + planExtra
	if err := os.WriteFile(w.plan, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	w.clearKeyring(t)
	t.Cleanup(func() { w.clearKeyring(t) })
	return w
}

func (w *liveWorld) op() aws.Config { return motoConfig(w.moto.URL, w.opID, w.opSecret) }

// vaultlink runs the command in a child process (this test binary as vaultlink). crashAfter
// > 0 kills it right after that many recorded calls.
func (w *liveWorld) vaultlink(t *testing.T, crashAfter int, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	home := filepath.Join(w.dir, "aws-home")
	cmd.Env = append(os.Environ(),
		envAsMain+"=1", envCrashAfter+"="+strconv.Itoa(crashAfter),
		"AWS_ACCESS_KEY_ID="+w.opID, "AWS_SECRET_ACCESS_KEY="+w.opSecret, "AWS_ENDPOINT_URL="+w.moto.URL, "AWS_REGION=us-east-1",
		"AWS_PROFILE=", "AWS_SESSION_TOKEN=", "AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "VAULTLINK_SS_PASSWORD="+sssim.PracticePassword)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func (w *liveWorld) apply(t *testing.T, crashAfter int) (string, string, error) {
	return w.vaultlink(t, crashAfter, "apply", "--live", "--ss-url", w.ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", w.dir, "--plan", w.plan)
}

func (w *liveWorld) cleanup(t *testing.T) (string, string, error) {
	return w.vaultlink(t, 0, "cleanup", "--from", "apply", "--yes", "--live", "--ss-url", w.ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", w.dir)
}

// killed says whether the child ended by SIGKILL (the crash switch fired).
func killed(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// keyringEntries lists the names of live mode's keyring entries for the world's IAM user,
// straight from the Secret Service (go-keyring cannot list).
func (w *liveWorld) keyringEntries(t *testing.T) []string {
	t.Helper()
	svc, err := ss.NewSecretService()
	if err != nil {
		t.Fatalf("secret service: %v", err)
	}
	items, err := svc.SearchItems(svc.GetLoginCollection(), map[string]string{"service": liveService})
	if err != nil {
		t.Fatalf("search the keyring: %v", err)
	}
	var names []string
	for _, it := range items {
		v, err := svc.Object("org.freedesktop.secrets", it).GetProperty("org.freedesktop.Secret.Item.Attributes")
		if err != nil {
			// Gone between the search and the read: another worker's entry, removed by its own
			// clean-up (nothing touches this world's entries while it checks them).
			continue
		}
		attrs, _ := v.Value().(map[string]string)
		if strings.HasPrefix(attrs["username"], "aws/"+w.user+"/") {
			names = append(names, attrs["username"])
		}
	}
	sort.Strings(names)
	return names
}

func (w *liveWorld) clearKeyring(t *testing.T) {
	t.Helper()
	for _, n := range w.keyringEntries(t) {
		gokeyring.Delete(liveService, n)
	}
}

// simCounts counts, in the practice Secret Server, the integration secrets (by name) and the
// external vault links.
func (w *liveWorld) simCounts(t *testing.T) (secrets, vaults int) {
	t.Helper()
	data, err := w.ss.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var db struct {
		Secrets map[string]struct{ Name string } `json:"secrets"`
		Vaults  map[string]json.RawMessage       `json:"vaults"`
	}
	if err := json.Unmarshal(data, &db); err != nil {
		t.Fatal(err)
	}
	for _, s := range db.Secrets {
		if s.Name == crashSecret {
			secrets++
		}
	}
	return secrets, len(db.Vaults)
}

// awsCounts is what VaultLink made in IAM, seen with the operator's credentials.
type awsCounts struct {
	users, keys, groups, policies, versions int
	keyID                                   string
	tags                                    map[string]string
}

func (w *liveWorld) awsCounts(t *testing.T) awsCounts {
	t.Helper()
	ctx := context.Background()
	im := iam.NewFromConfig(w.op())
	var c awsCounts
	users, err := im.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Users {
		if aws.ToString(u.UserName) != "operator" {
			c.users++
		}
	}
	if keys, err := im.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(w.user)}); err == nil {
		c.keys = len(keys.AccessKeyMetadata)
		if c.keys > 0 {
			c.keyID = aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId)
		}
		tags, err := im.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(w.user)})
		if err != nil {
			t.Fatal(err)
		}
		c.tags = map[string]string{}
		for _, tg := range tags.Tags {
			c.tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
	}
	groups, err := im.ListGroups(ctx, &iam.ListGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	c.groups = len(groups.Groups)
	pols, err := im.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if err != nil {
		t.Fatal(err)
	}
	c.policies = len(pols.Policies)
	for _, p := range pols.Policies {
		v, err := im.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: p.Arn})
		if err != nil {
			t.Fatal(err)
		}
		c.versions += len(v.Versions)
	}
	return c
}

// checkComplete asserts one of everything after a completed apply, and that the one keyring
// entry holds the secret of the one live key.
func (w *liveWorld) checkComplete(t *testing.T) {
	t.Helper()
	c := w.awsCounts(t)
	if c.users != 1 || c.keys != 1 || c.groups != 1 || c.policies != 1 || c.versions != 1 {
		t.Fatalf("want one user, key, group, policy and policy version; got users=%d keys=%d groups=%d policies=%d versions=%d", c.users, c.keys, c.groups, c.policies, c.versions)
	}
	keyTags := 0
	for k := range c.tags {
		if strings.HasPrefix(k, "AKIA") {
			keyTags++
		}
	}
	if c.tags[c.keyID] != crashDesc || keyTags != 1 {
		t.Fatalf("want exactly one description tag, on the live key: %d key tags, live key's reads %q", keyTags, c.tags[c.keyID])
	}
	secrets, vaults := w.simCounts(t)
	if secrets != 1 || vaults != 1 {
		t.Fatalf("want one Secret Server secret and one vault link; got %d and %d", secrets, vaults)
	}
	entries := w.keyringEntries(t)
	want := "aws/" + w.user + "/" + c.keyID
	if len(entries) != 1 || entries[0] != want {
		t.Fatalf("want exactly one keyring entry, %s; got %v", want, entries)
	}
	secret, err := gokeyring.Get(liveService, want)
	if err != nil {
		t.Fatal(err)
	}
	who, err := sts.NewFromConfig(motoConfig(w.moto.URL, c.keyID, secret)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || !strings.HasSuffix(aws.ToString(who.Arn), ":user/"+w.user) {
		t.Fatalf("the keyring's secret does not sign in as %s: %v", w.user, err)
	}
}

// checkEmpty asserts clean-up left nothing of VaultLink's in AWS, Secret Server or the keyring.
func (w *liveWorld) checkEmpty(t *testing.T) {
	t.Helper()
	c := w.awsCounts(t)
	if c.users != 0 || c.keys != 0 || c.groups != 0 || c.policies != 0 {
		t.Fatalf("clean-up left users=%d keys=%d groups=%d policies=%d", c.users, c.keys, c.groups, c.policies)
	}
	if secrets, vaults := w.simCounts(t); secrets != 0 || vaults != 0 {
		t.Fatalf("clean-up left %d Secret Server secret(s) and %d vault link(s)", secrets, vaults)
	}
	if e := w.keyringEntries(t); len(e) != 0 {
		t.Fatalf("clean-up left keyring entries %v", e)
	}
}

// auditOps lists the recorded calls of the state folder's audit log, in order.
func (w *liveWorld) auditOps(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, "live", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e audit.Entry
		if json.Unmarshal([]byte(line), &e) == nil {
			ops = append(ops, e.System+" "+e.Operation)
		}
	}
	return ops
}

// TestCrashAtEveryCall kills `vaultlink apply --live` right after each recorded call of a full
// run in turn (N = 1 … last), runs it again to completion, and checks that nothing was lost or
// doubled; then `vaultlink cleanup` must leave nothing behind. Call N = CreateAccessKey is the
// orphan-key case: AWS has made the key, nobody holds its secret. The points run on a few
// moto servers side by side (VAULTLINK_CRASH_WORKERS, default 2), each case on one of them.
func TestCrashAtEveryCall(t *testing.T) {
	requireKeyring(t)
	workers := 2
	if n, err := strconv.Atoi(os.Getenv("VAULTLINK_CRASH_WORKERS")); err == nil && n > 0 {
		workers = n
	}
	type slot struct {
		m    *awstest.Moto
		user string
	}
	pool := make(chan slot, workers)
	for i := range workers {
		pool <- slot{awstest.Start(t), fmt.Sprintf("crash-sync-%d", i)}
	}
	start := time.Now()

	// A clean run counts the calls and names them.
	var ops []string
	t.Run("clean", func(t *testing.T) {
		sl := <-pool
		defer func() { pool <- sl }()
		w := newLiveWorld(t, sl.m, sl.user, "  replace_orphan_keys: \"yes\"\n")
		if out, errOut, err := w.apply(t, 0); err != nil {
			t.Fatalf("apply: %v\n%s\n%s", err, out, errOut)
		}
		ops = w.auditOps(t)
		w.checkComplete(t)
	})
	if len(ops) == 0 {
		t.Fatal("the clean run recorded no calls")
	}
	orphanN := orphanPoint(t, ops)
	last := len(ops)
	lo, hi := crashPoints(last)
	var survived, cleaned atomic.Int64
	t.Run("points", func(t *testing.T) {
		for n := lo; n <= hi; n++ {
			t.Run(fmt.Sprintf("kill after call %02d of %d (%s)", n, last, ops[n-1]), func(t *testing.T) {
				t.Parallel()
				sl := <-pool
				defer func() { pool <- sl }()
				w := newLiveWorld(t, sl.m, sl.user, "  replace_orphan_keys: \"yes\"\n")
				out, errOut, err := w.apply(t, n)
				if !killed(err) {
					t.Fatalf("the crash switch did not fire at call %d (%v)\n%s\n%s", n, err, out, errOut)
				}
				if got := w.auditOps(t); len(got) != n || got[n-1] != ops[n-1] {
					t.Fatalf("the run died after %d calls, the last %q; the clean run's call %d is %q", len(got), got[len(got)-1], n, ops[n-1])
				}
				out, errOut, err = w.apply(t, 0)
				if err != nil {
					t.Fatalf("rerun after a crash at call %d failed: %v\nstdout:\n%s\nstderr:\n%s", n, err, out, errOut)
				}
				if n == orphanN && !strings.Contains(out, "deleted orphaned access key") {
					t.Fatalf("the rerun did not tell about the orphaned key:\n%s", out)
				}
				w.checkComplete(t)
				if out, errOut, err := w.cleanup(t); err != nil {
					t.Fatalf("cleanup: %v\n%s\n%s", err, out, errOut)
				}
				w.checkEmpty(t)
				survived.Add(1)
			})
		}
		// Clean-up straight after a kill at a create, with no rerun between: what the
		// interrupted run made but did not record is still found (intent records, tags).
		for n := lo; n <= hi; n++ {
			if !isCreate(ops[n-1]) {
				continue
			}
			t.Run(fmt.Sprintf("cleanup right after a kill after call %02d (%s)", n, ops[n-1]), func(t *testing.T) {
				t.Parallel()
				sl := <-pool
				defer func() { pool <- sl }()
				w := newLiveWorld(t, sl.m, sl.user, "  replace_orphan_keys: \"yes\"\n")
				if out, errOut, err := w.apply(t, n); !killed(err) {
					t.Fatalf("the crash switch did not fire at call %d (%v)\n%s\n%s", n, err, out, errOut)
				}
				if out, errOut, err := w.cleanup(t); err != nil {
					t.Fatalf("cleanup: %v\n%s\n%s", err, out, errOut)
				}
				w.checkEmpty(t)
				cleaned.Add(1)
			})
		}
	})
	summary := fmt.Sprintf("Crash test: `vaultlink apply --live` against moto (IAM enforced) and the practice Secret Server, killed (SIGKILL) after each recorded call\n"+
		"crash points survived: %d of %d (calls %d-%d of %d; the orphan-key point is call %d, CreateAccessKey, before the keyring write)\n"+
		"each: kill, rerun to completion, one of everything, cleanup leaves nothing\n"+
		"cleanup straight after a kill at a create (no rerun): %d points left nothing\n"+
		"%d moto workers; %s in all\n",
		survived.Load(), hi-lo+1, lo, hi, last, orphanN, cleaned.Load(), workers, time.Since(start).Round(time.Second))
	crashReport(t, "crash-points.txt", summary, "calls of a full run", ops)
}

// TestOrphanKeyNeedsConsent: after a crash right after CreateAccessKey, a plan without
// replace_orphan_keys stops and says what happened and what to do; nothing is deleted.
func TestOrphanKeyNeedsConsent(t *testing.T) {
	requireKeyring(t)
	m := awstest.Start(t)
	w := newLiveWorld(t, m, "consent-sync", "")
	out, errOut, err := w.apply(t, 0)
	if err != nil {
		t.Fatalf("apply: %v\n%s\n%s", err, out, errOut)
	}
	n := 0
	for i, op := range w.auditOps(t) {
		if op == "aws IAM:CreateAccessKey" {
			n = i + 1
		}
	}
	w = newLiveWorld(t, m, "consent-sync", "")
	if _, _, err := w.apply(t, n); !killed(err) {
		t.Fatalf("the crash switch did not fire: %v", err)
	}
	out, errOut, err = w.apply(t, 0)
	if err == nil {
		t.Fatalf("a rerun without replace_orphan_keys must stop at the orphaned key:\n%s", out)
	}
	for _, want := range []string{"orphan", "replace_orphan_keys"} {
		if !strings.Contains(errOut, want) {
			t.Fatalf("the message does not mention %q:\n%s", want, errOut)
		}
	}
	if c := w.awsCounts(t); c.keys != 1 {
		t.Fatalf("without consent the orphaned key must stay: %d keys", c.keys)
	}
}

// crashReport logs a crash test's summary and, for make test's closing table, writes it with
// the numbered calls to file in VAULTLINK_REPORT_DIR (when the test passed).
func crashReport(t *testing.T, file, summary, heading string, ops []string) {
	t.Helper()
	t.Log(summary)
	dir := os.Getenv("VAULTLINK_REPORT_DIR")
	if dir == "" || t.Failed() {
		return
	}
	os.MkdirAll(dir, 0o755)
	var b strings.Builder
	b.WriteString(summary + "\n" + heading + ":\n")
	for i, op := range ops {
		fmt.Fprintf(&b, "  %2d %s\n", i+1, op)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

// orphanPoint is the number of the CreateAccessKey call among a clean run's calls: killed
// right after it, nobody holds the new key's secret (the keyring write comes next).
func orphanPoint(t *testing.T, ops []string) int {
	t.Helper()
	n := slices.Index(ops, "aws IAM:CreateAccessKey") + 1
	if n == 0 || n == len(ops) || ops[n] != "keyring store" {
		t.Fatalf("want CreateAccessKey followed by the keyring write among the calls: %v", ops)
	}
	return n
}

// crashPoints is the range of calls to kill after: all of them, or for debugging the ones
// VAULTLINK_CRASH_POINTS names ("17" or "10-20").
func crashPoints(last int) (lo, hi int) {
	lo, hi = 1, last
	if s := os.Getenv("VAULTLINK_CRASH_POINTS"); s != "" {
		a, b, _ := strings.Cut(s, "-")
		lo, _ = strconv.Atoi(a)
		hi, _ = strconv.Atoi(orDefault(b, a))
		hi = min(hi, last)
	}
	return lo, hi
}

// isCreate says whether a recorded call makes something (the points where an interrupted run
// leaves something it has not recorded yet).
func isCreate(op string) bool {
	for _, c := range []string{"IAM:Create", "IAM:TagUser", "keyring store", "POST /api/v1/secrets", "POST /api/v1/external-vaults"} {
		if strings.Contains(op, c) && !strings.Contains(op, "link-settings") && !strings.Contains(op, "sync") {
			return true
		}
	}
	return false
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
