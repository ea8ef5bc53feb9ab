package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/wizard"
)

// motoAccount is the account moto_server answers as.
const motoAccount = "123456789012"

// iacTool finds an infrastructure-as-code tool: the env var, else PATH. Missing, the test
// skips, unless require (set by make test) is "1": then it fails, so CI cannot pass by
// skipping.
func iacTool(t *testing.T, name, envVar, require string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(require) == "1" {
			t.Fatalf("%s not found on PATH (nor %s set), and %s=1 requires it", name, envVar, require)
		}
		t.Skipf("%s not found on PATH (nor %s set): this export is not proven here (make test requires it)", name, envVar)
	}
	return p
}

// terraformMirror finds the filesystem mirror that holds hashicorp/aws: VAULTLINK_TF_PLUGINS,
// else the usual places (no registry is reachable from the tests).
func terraformMirror(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("VAULTLINK_TF_PLUGINS"), "/opt/tf-plugins", "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins"}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".terraform.d", "plugins"), filepath.Join(home, ".local", "share", "terraform", "plugins"))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(c, "registry.terraform.io", "hashicorp", "aws", "*", "*")); len(m) > 0 {
			return c
		}
	}
	if os.Getenv("VAULTLINK_REQUIRE_TERRAFORM") == "1" {
		t.Fatalf("no filesystem mirror with registry.terraform.io/hashicorp/aws in %v: set VAULTLINK_TF_PLUGINS", candidates)
	}
	t.Skipf("no filesystem mirror with hashicorp/aws in %v (set VAULTLINK_TF_PLUGINS)", candidates)
	return ""
}

// exportRecord runs a practice apply that makes the custom policy on specific secrets, and
// returns its state folder. The practice AWS answers as moto's account; the record is then
// moved to another account (as a run elsewhere would have recorded it), so the checks prove
// the export puts the deploying account, not the recorded one, into the policy.
func exportRecord(t *testing.T) (dir string, p wizard.Progress) {
	t.Helper()
	requireKeyring(t)
	dir = t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(plan, []byte("mode: practice\nsettings:\n  group_policy: custom\n  resource_scope: specific\n  secret_arns: \"practice/,vaultlink/\"\n  user_name: export-user\n  group_name: export-group\n  policy_name: ExportLeastPrivilege\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"apply", "--practice", "--state-dir", dir, "--plan", plan}, &out, &errb); code != 0 {
		t.Fatalf("apply exited %d\n%s\n%s", code, out.String(), errb.String())
	}
	store := wizard.Store{Path: filepath.Join(dir, "practice", "apply-state.json")}
	st, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	p = st.Progress
	if p.AccountID != motoAccount || p.ManagedPolicyARN != "" || !strings.Contains(p.PolicyDocument, ":"+motoAccount+":secret:practice/") {
		t.Fatalf("the record must be of a custom-policy run on specific secrets: %+v", p)
	}
	const elsewhere = "111122223333"
	p.AccountID = elsewhere
	p.PolicyARN = strings.ReplaceAll(p.PolicyARN, motoAccount, elsewhere)
	p.PolicyDocument = strings.ReplaceAll(p.PolicyDocument, ":"+motoAccount+":", ":"+elsewhere+":")
	st.Progress = p
	if err := store.Save(st); err != nil {
		t.Fatal(err)
	}
	return dir, p
}

func exportTo(t *testing.T, dir, format, file string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"export", "--practice", "--state-dir", dir, "--format", format, "--out", file}, &out, &errb); code != 0 {
		t.Fatalf("export exited %d\n%s", code, errb.String())
	}
	text, _ := os.ReadFile(file)
	if !strings.Contains(string(text), "No access key is created here") || strings.Contains(string(text), "aws_iam_access_key") ||
		strings.Contains(string(text), "AWS::IAM::AccessKey") || strings.Contains(string(text), "create-access-key") {
		t.Fatalf("the %s export must say why it makes no key:\n%s", format, text)
	}
}

// checkExported proves, through the AWS SDK, what the live-AWS tests prove of an apply: the
// user with VaultLink's ownership tag, the group with the user in it, and the recorded
// least-privilege policy attached to it, in moto's account (not the recorded one).
func checkExported(t *testing.T, m *awstest.Moto, rec wizard.Progress) {
	t.Helper()
	ctx := context.Background()
	im := iam.NewFromConfig(motoConfig(m.URL, "AKIAEXPORTCHECK00000", "check"))
	if _, err := im.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(rec.UserName)}); err != nil {
		t.Fatalf("user %s: %v", rec.UserName, err)
	}
	tags, err := im.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(rec.UserName)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tags.Tags, func(tg iamtypes.Tag) bool {
		return aws.ToString(tg.Key) == "vaultlink:managed-by" && aws.ToString(tg.Value) == "VaultLink"
	}) {
		var have []string
		for _, tg := range tags.Tags {
			have = append(have, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		t.Fatalf("user %s lacks the ownership tag vaultlink:managed-by=VaultLink: %v", rec.UserName, have)
	}
	g, err := im.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(rec.GroupName)})
	if err != nil {
		t.Fatalf("group %s: %v", rec.GroupName, err)
	}
	if !slices.ContainsFunc(g.Users, func(u iamtypes.User) bool { return aws.ToString(u.UserName) == rec.UserName }) {
		t.Fatalf("%s is not a member of %s", rec.UserName, rec.GroupName)
	}
	att, err := im.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(rec.GroupName)})
	if err != nil {
		t.Fatal(err)
	}
	name := rec.PolicyARN[strings.LastIndex(rec.PolicyARN, "/")+1:]
	arn := "arn:aws:iam::" + motoAccount + ":policy/" + name
	var got []string
	for _, a := range att.AttachedPolicies {
		got = append(got, aws.ToString(a.PolicyArn))
	}
	if len(got) != 1 || got[0] != arn {
		t.Fatalf("attached to %s: %v, want exactly %s", rec.GroupName, got, arn)
	}
	pol, err := im.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := im.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: pol.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	text, err := url.QueryUnescape(aws.ToString(v.PolicyVersion.Document))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := wizard.ParsePolicyDocument(text)
	if err != nil {
		t.Fatal(err)
	}
	want := wizard.RequiredActions()
	sort.Strings(want)
	if a := stored.AllowedActions(); !slices.Equal(a, want) {
		t.Fatalf("the policy allows %v, want exactly the seven %v", a, want)
	}
	// The recorded document, moved to the deploying account, is what AWS holds.
	recorded, err := wizard.ParsePolicyDocument(strings.ReplaceAll(rec.PolicyDocument, ":"+rec.AccountID+":", ":"+motoAccount+":"))
	if err != nil {
		t.Fatal(err)
	}
	if !wizard.SamePolicy(stored, recorded) {
		t.Fatalf("the deployed policy differs from the recorded one (in moto's account):\n%s\nwant\n%s", text, recorded.JSON())
	}
	keys, err := im.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(rec.UserName)})
	if err != nil || len(keys.AccessKeyMetadata) != 0 {
		t.Fatalf("the export must create no access key: %v %v", keys, err)
	}
}

// TestExportTerraformAppliesToMoto: terraform validate and apply (hashicorp/aws from the
// offline mirror) against moto_server, then the same checks as a live apply.
func TestExportTerraformAppliesToMoto(t *testing.T) {
	tf := iacTool(t, "terraform", "VAULTLINK_TERRAFORM", "VAULTLINK_REQUIRE_TERRAFORM")
	mirror := terraformMirror(t)
	m := awstest.Start(t)
	dir, rec := exportRecord(t)
	work := t.TempDir()
	exportTo(t, dir, "terraform", filepath.Join(work, "main.tf"))
	// The endpoints and skips belong to the test, never to the export.
	os.WriteFile(filepath.Join(work, "moto_provider.tf"), []byte(`provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAEXPORTTERRAFORM0"
  secret_key                  = "throwaway"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    iam = "`+m.URL+`"
    sts = "`+m.URL+`"
  }
}
`), 0o600)
	cli := filepath.Join(t.TempDir(), "terraform.rc")
	os.WriteFile(cli, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
`), 0o600)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TF_CLI_CONFIG_FILE=" + cli, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "AWS_EC2_METADATA_DISABLED=true"}
	for _, args := range [][]string{{"init", "-input=false", "-no-color"}, {"validate", "-no-color"}, {"apply", "-auto-approve", "-input=false", "-no-color"}} {
		cmd := exec.Command(tf, args...)
		cmd.Dir, cmd.Env = work, env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", args[0], err, out)
		}
		t.Logf("terraform %s: %s", args[0], time.Since(start).Round(time.Millisecond))
	}
	checkExported(t, m, rec)
}

// TestExportCloudFormationDeploysToMoto: cfn-lint passes, and the template deploys to moto's
// CloudFormation (through the AWS CLI) to CREATE_COMPLETE, then the same checks.
func TestExportCloudFormationDeploysToMoto(t *testing.T) {
	lint := iacTool(t, "cfn-lint", "VAULTLINK_CFN_LINT", "VAULTLINK_REQUIRE_CFNLINT")
	cli, _ := awsTools(t)
	// moto 5.2 has no CloudFormation model for AWS::IAM::Group and ignores a user's Groups and
	// Tags; testdata/moto_cfn_iam.py adds those on moto's IAM backend (nothing else).
	script, _ := filepath.Abs("testdata/moto_cfn_iam.py")
	m, err := awstest.LaunchScript(script)
	m = awstest.Require(t, m, err)
	t.Cleanup(m.Stop)
	dir, rec := exportRecord(t)
	file := filepath.Join(t.TempDir(), "vaultlink.cfn.yaml")
	exportTo(t, dir, "cloudformation", file)
	cmd := exec.Command(lint, file)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
	aws := awsEnv(t, cli, m.URL)
	aws("cloudformation", "create-stack", "--stack-name", "vaultlink-export", "--template-body", "file://"+file, "--capabilities", "CAPABILITY_NAMED_IAM")
	deadline := time.Now().Add(60 * time.Second)
	for {
		var d struct {
			Stacks []struct{ StackStatus, StackStatusReason string }
		}
		json.Unmarshal(aws("cloudformation", "describe-stacks", "--stack-name", "vaultlink-export", "--output", "json"), &d)
		if len(d.Stacks) == 1 && d.Stacks[0].StackStatus == "CREATE_COMPLETE" {
			break
		}
		if len(d.Stacks) == 1 && !strings.HasSuffix(d.Stacks[0].StackStatus, "_IN_PROGRESS") || time.Now().After(deadline) {
			t.Fatalf("stack did not reach CREATE_COMPLETE: %+v\n%s", d.Stacks, aws("cloudformation", "describe-stack-events", "--stack-name", "vaultlink-export"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	checkExported(t, m, rec)
}

// TestExportAWSCLIScriptRunsAgainstMoto: the script, run by bash with the aws CLI pointed at
// moto (AWS_ENDPOINT_URL, throwaway credentials, a temporary HOME), sets up the same.
func TestExportAWSCLIScriptRunsAgainstMoto(t *testing.T) {
	cli, _ := awsTools(t)
	m := awstest.Start(t)
	dir, rec := exportRecord(t)
	file := filepath.Join(t.TempDir(), "vaultlink.sh")
	exportTo(t, dir, "aws-cli", file)
	if fi, err := os.Stat(file); err != nil || fi.Mode()&0o100 == 0 {
		t.Fatalf("the script must be executable: %v %v", fi, err)
	}
	home := t.TempDir()
	cmd := exec.Command("bash", file)
	cmd.Env = []string{"PATH=" + filepath.Dir(cli) + ":" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_ENDPOINT_URL=" + m.URL, "AWS_ACCESS_KEY_ID=AKIAEXPORTSCRIPT0000", "AWS_SECRET_ACCESS_KEY=throwaway",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the script failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Create its access key with VaultLink") {
		t.Fatalf("script output:\n%s", out)
	}
	checkExported(t, m, rec)
}

// awsEnv returns a runner for the AWS CLI against moto with throwaway credentials and HOME.
func awsEnv(t *testing.T, cli, endpoint string) func(args ...string) []byte {
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_ACCESS_KEY_ID=AKIAEXPORTCFN0000000", "AWS_SECRET_ACCESS_KEY=throwaway",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	return func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(cli, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
}
