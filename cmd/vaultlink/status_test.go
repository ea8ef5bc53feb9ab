package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/wizard"
)

// TestStatusNamesEachDriftWithItsFix sets up with `apply --live` against moto and the
// practice Secret Server, then changes one thing at a time outside VaultLink: each drift is
// named (its item reads DRIFT, with a fix line) and exits 1; undone, status is healthy (0).
func TestStatusNamesEachDriftWithItsFix(t *testing.T) {
	requireKeyring(t)
	ctx := context.Background()
	m := awstest.Start(t)
	op := motoConfig(m.URL, "AKIASTATUSOPERATOR00", "operator")
	ss := sssim.New(sssim.Options{AWSEndpoint: m.URL})
	if _, err := ss.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	ss.SeedSecret("App-DB", "app", "db-password")
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIASTATUSOPERATOR00")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "operator")
	t.Setenv("AWS_ENDPOINT_URL", m.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("VAULTLINK_SS_PASSWORD", sssim.PracticePassword)
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(plan, []byte("mode: live\nsettings:\n  group_policy: custom\n  push_secret: App-DB\n  remote_name: team/app-db\n"), 0o600)
	live := []string{"--live", "--ss-url", ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", dir}
	var out, errb bytes.Buffer
	if code := run(append([]string{"apply", "--plan", plan}, live...), &out, &errb); code != 0 {
		t.Fatalf("apply exited %d\n%s\n%s", code, out.String(), errb.String())
	}
	st, err := wizard.Store{Path: filepath.Join(dir, "live", "apply-state.json")}.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := st.Progress
	secret, err := gokeyring.Get("VaultLink", p.KeyringRef)
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	t.Cleanup(func() { gokeyring.Delete("VaultLink", p.KeyringRef) })

	status := func(want int) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(append([]string{"status"}, live...), &out, &errb)
		text := out.String() + errb.String()
		if strings.Contains(text, secret) || strings.Contains(text, "db-password") {
			t.Fatal("status printed a secret value")
		}
		if code != want {
			t.Fatalf("status exited %d, want %d\n%s", code, want, text)
		}
		return text
	}
	// drift asserts the item reads DRIFT with detail matching what, followed by a fix line
	// matching fix, and that no other item drifts.
	drift := func(item, what, fix string) {
		t.Helper()
		text := status(1)
		re := regexp.MustCompile(`(?m)^DRIFT\s+` + regexp.QuoteMeta(item) + `\s+.*` + what + `.*\n\s+fix: .*` + fix)
		if !re.MatchString(text) {
			t.Fatalf("want %s named as drift (%q) with fix %q:\n%s", item, what, fix, text)
		}
		if n := strings.Count(text, "\nDRIFT"); n != 1 {
			t.Fatalf("want only %s to drift, %d items do:\n%s", item, n, text)
		}
	}
	healthy := func() {
		t.Helper()
		if text := status(0); !strings.Contains(text, "healthy (8 ok") {
			t.Fatalf("want all eight items ok:\n%s", text)
		}
	}
	healthy()

	im := iam.NewFromConfig(op)
	user, group := aws.String(p.UserName), aws.String(p.GroupName)

	// The user untagged: clean-up would no longer remove it.
	must(t)(im.UntagUser(ctx, &iam.UntagUserInput{UserName: user, TagKeys: []string{wizard.OwnerTagKey}}))
	drift(wizard.HealthUser, "lost the ownership tag", "aws iam tag-user")
	must(t)(im.TagUser(ctx, &iam.TagUserInput{UserName: user, Tags: []iamtypes.Tag{{Key: aws.String(wizard.OwnerTagKey), Value: aws.String(wizard.OwnerTagValue)}}}))
	healthy()

	// The policy edited: an eighth action.
	v2, err := im.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(p.PolicyARN), SetAsDefault: true,
		PolicyDocument: aws.String(strings.Replace(p.PolicyDocument, `"secretsmanager:ListSecrets"`, `"secretsmanager:ListSecrets", "secretsmanager:DeleteSecret"`, 1))})
	must(t)(v2, err)
	drift(wizard.HealthPolicy, `\+secretsmanager:DeleteSecret`, "rerun modules 4 and 5")
	must(t)(im.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(p.PolicyARN), VersionId: aws.String("v1")}))
	healthy()

	// The group membership removed.
	must(t)(im.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: user, GroupName: group}))
	drift(wizard.HealthMembership, "no longer a member", "aws iam add-user-to-group")
	must(t)(im.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: user, GroupName: group}))
	healthy()

	// The key deactivated.
	must(t)(im.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: user, AccessKeyId: aws.String(p.AccessKeyID), Status: iamtypes.StatusTypeInactive}))
	drift(wizard.HealthKey, "is Inactive", "update-access-key .* --status Active")
	must(t)(im.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: user, AccessKeyId: aws.String(p.AccessKeyID), Status: iamtypes.StatusTypeActive}))
	healthy()

	// The Secret Server secret's access key field changed (only the id field is compared).
	if err := ss.ConsoleSetField(p.SecretID, p.Template.AccessKey.Slug, "AKIAOTHERKEY00000000"); err != nil {
		t.Fatal(err)
	}
	drift(wizard.HealthSecret, "access key field no longer holds", "vaultlink rotate-key")
	if err := ss.ConsoleSetField(p.SecretID, p.Template.AccessKey.Slug, p.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	healthy()

	// The vault link removed (not undone: the link's id is gone for good).
	ss.ConsoleDeleteVault(p.Vault.ID)
	drift(wizard.HealthVault, "no longer exists", "rerun module 3")
	if text := status(1); !strings.Contains(text, "drift: 1 item(s)") {
		t.Fatalf("summary line:\n%s", text)
	}

	// The key replaced outside VaultLink: the recorded one deleted, another made.
	must(t)(im.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: user, AccessKeyId: aws.String(p.AccessKeyID)}))
	other, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: user})
	must(t)(other, err)
	text := status(1)
	if !regexp.MustCompile(`(?m)^DRIFT\s+access key\s+.*replaced outside VaultLink\n\s+fix: create a new key with VaultLink`).MatchString(text) ||
		strings.Contains(text, aws.ToString(other.AccessKey.AccessKeyId)) || strings.Contains(text, aws.ToString(other.AccessKey.SecretAccessKey)) {
		t.Fatalf("a replaced key must be named (masked) with its fix:\n%s", text)
	}
}

// must fails the test on a non-nil error from a call returning (value, error).
func must(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Without a record, or with AWS unreachable, nothing can be compared: exit 2, not 0 or 1.
func TestStatusCouldNotCheck(t *testing.T) {
	requireKeyring(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"status", "--practice", "--state-dir", dir}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "no record of a run") {
		t.Fatalf("no record: exit %d\n%s", code, errb.String())
	}
	// A live record whose AWS endpoint answers nothing.
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIASTATUSNOWHERE000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	ss := sssim.New(sssim.Options{})
	if _, err := ss.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	t.Setenv("VAULTLINK_SS_PASSWORD", sssim.PracticePassword)
	st := &wizard.State{Version: 2, Progress: wizard.Progress{UserName: "u", GroupName: "g", AccessKeyID: "AKIAUNREACHABLE00000", PolicyARN: "arn:aws:iam::123456789012:policy/p"}}
	if err := (wizard.Store{Path: filepath.Join(dir, "live", "apply-state.json")}).Save(st); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	code := run([]string{"status", "--live", "--ss-url", ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", dir}, &out, &errb)
	if code != 2 || !regexp.MustCompile(`(?m)^UNKNOWN\s+IAM user`).MatchString(out.String()) {
		t.Fatalf("AWS unreachable: exit %d, want 2 with the user UNKNOWN\n%s\n%s", code, out.String(), errb.String())
	}
}

// Practice: status compares with the saved practice servers; when their data is unusable it
// exits 2 and says why, instead of reporting everything as deleted.
func TestStatusPractice(t *testing.T) {
	requireKeyring(t)
	dir := t.TempDir()
	applyOwnSandbox(t, dir)
	var out, errb bytes.Buffer
	// The practice AWS answers iam:GetAccessKeyLastUsed: the sync used the key last.
	if code := run([]string{"status", "--practice", "--state-dir", dir}, &out, &errb); code != 0 || !strings.Contains(out.String(), "healthy (8 ok") ||
		!regexp.MustCompile(`last used \d{4}-\d\d-\d\d \d\d:\d\d UTC by secretsmanager`).MatchString(out.String()) {
		t.Fatalf("practice status: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	os.WriteFile(filepath.Join(dir, "practice", "apply-practice-data.enc"), []byte("garbage"), 0o600)
	out.Reset()
	errb.Reset()
	if code := run([]string{"status", "--practice", "--state-dir", dir}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "cannot work on the practice record") || strings.Contains(out.String(), "DRIFT") {
		t.Fatalf("unusable practice data: exit %d, want 2\n%s\n%s", code, out.String(), errb.String())
	}
}
