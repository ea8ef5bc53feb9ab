package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	delinea "github.com/DelineaXPM/delinea-common/api"
	"github.com/DelineaXPM/tss-sdk-go/v3/server"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/wizard"
)

// canary is the secret access key the practice AWS hands out in these tests, so a test can
// look for it everywhere it must not be.
const canary = "CANARY-secret-access-key-0123456789abcdef"

// requireKeyring skips unless a real Secret Service answers; `make test` provides one and sets
// VAULTLINK_REQUIRE_KEYRING=1, which turns the skip into a failure.
func requireKeyring(t *testing.T) {
	t.Helper()
	if _, err := keyring.Open(true); err != nil {
		if os.Getenv("VAULTLINK_REQUIRE_KEYRING") == "1" {
			t.Fatalf("no system keyring: %v", err)
		}
		t.Skipf("no system keyring (make test starts one): %v", err)
	}
}

type applyRun struct {
	stateDir string
	stdout   string
	stderr   string
}

func startSandbox(t *testing.T) (*sandbox.Sandbox, string) {
	t.Helper()
	sb, err := sandbox.Start(awssim.Options{NewSecretKey: func() string { return canary }}, sssim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	env := filepath.Join(t.TempDir(), "sandbox.json")
	data, _ := json.Marshal(sb.Endpoints())
	os.WriteFile(env, data, 0o600)
	return sb, env
}

func apply(t *testing.T, env, stateDir string) applyRun {
	t.Helper()
	var out, errb bytes.Buffer
	code := run([]string{"apply", "--practice", "--sandbox", env, "--state-dir", stateDir, "--plan", "../../examples/practice-plan.yaml"}, &out, &errb)
	r := applyRun{stateDir: stateDir, stdout: out.String(), stderr: errb.String()}
	if code != 0 {
		t.Fatalf("apply exited %d\nstdout:\n%s\nstderr:\n%s", code, r.stdout, r.stderr)
	}
	return r
}

func adminAWS(sb *sandbox.Sandbox) aws.Config {
	id, secret := sb.AWS.AdminCredentials()
	return aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(sb.AWS.URL())}
}

func TestApplyPracticeCreatesAndSyncsEverything(t *testing.T) {
	requireKeyring(t)
	ctx := context.Background()
	sb, env := startSandbox(t)
	r := apply(t, env, t.TempDir())
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if lines[len(lines)-1] != "modules covered 6/6" || !strings.Contains(r.stdout, "knowledge checks are skipped") {
		t.Fatalf("apply output:\n%s", r.stdout)
	}
	plan, err := wizard.LoadPlan("../../examples/practice-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set := plan.Settings
	cfg := adminAWS(sb)
	im := iam.NewFromConfig(cfg)

	// Module 1: the user, its key and the key's description tag.
	keys, err := im.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(set["user_name"])})
	if err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("access keys: %v %v", keys, err)
	}
	keyID := aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId)
	tags, err := im.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(set["user_name"])})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tags.Tags, func(tg iamtypes.Tag) bool {
		return aws.ToString(tg.Key) == keyID && aws.ToString(tg.Value) == set["description_tag"]
	}) {
		t.Fatalf("no description tag on key %s", keyID)
	}
	// Modules 4 and 5: the group, its member and its policies.
	grp, err := im.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(set["group_name"])})
	if err != nil || len(grp.Users) != 1 || aws.ToString(grp.Users[0].UserName) != set["user_name"] {
		t.Fatalf("group: %v %v", grp, err)
	}
	att, err := im.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(set["group_name"])})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, p := range att.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	custom := "arn:aws:iam::" + sb.AWS.Account() + ":policy/" + set["policy_name"]
	if !slices.Contains(arns, "arn:aws:iam::aws:policy/SecretsManagerReadWrite") || !slices.Contains(arns, custom) {
		t.Fatalf("attached policies %v", arns)
	}
	pol, err := im.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &custom})
	if err != nil {
		t.Fatal(err)
	}
	ver, err := im.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &custom, VersionId: pol.Policy.DefaultVersionId})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := url.QueryUnescape(aws.ToString(ver.PolicyVersion.Document))
	doc, err := wizard.ParsePolicyDocument(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"secretsmanager:CreateSecret", "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds",
		"secretsmanager:ListSecrets", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}
	if got := doc.AllowedActions(); !slices.Equal(got, want) {
		t.Fatalf("custom policy allows %v", got)
	}

	// Module 2, read with the vendor SDK: template and fields, the secret key compared in memory.
	sdk, err := server.New(server.Configuration{ServerURL: sb.SS.URL(), Credentials: server.UserCredential{Username: sssim.PracticeUser, Password: sssim.PracticePassword}})
	if err != nil {
		t.Fatal(err)
	}
	found, err := sdk.Secrets(set["secret_name"], "")
	if err != nil || len(found) != 1 {
		t.Fatalf("secret search: %d found, %v", len(found), err)
	}
	sec := found[0]
	tpl, err := sdk.SecretTemplate(sec.SecretTemplateID)
	if err != nil || tpl.Name != "Amazon IAM Key" {
		t.Fatalf("template %v %v", tpl, err)
	}
	field := func(slug string) string {
		for _, f := range sec.Fields {
			if f.Slug == slug {
				return f.ItemValue
			}
		}
		return ""
	}
	stored, err := gokeyring.Get("VaultLink (practice)", wizard.KeyringRef(set["user_name"], keyID))
	if err != nil {
		t.Fatalf("keyring entry: %v", err)
	}
	if field("username") != set["user_name"] || field("access-key") != keyID {
		t.Fatal("secret fields user name / access key do not match module 1")
	}
	if field("secret-key") != stored || stored != canary {
		t.Fatal("the secret's secret key does not equal the keyring value (values not printed)")
	}

	// Modules 3 and 6, read with delinea-common: the vault link and the pulled secrets.
	dc, err := delinea.New(delinea.Config{URL: sb.SS.URL(), Target: delinea.TargetSecretServer, Username: sssim.PracticeUser, Password: sssim.PracticePassword})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, out any) {
		t.Helper()
		resp, err := dc.DoBufferedResponse(ctx, delinea.Request{Method: "GET", Path: path}, 1<<20)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v", path, err)
		}
		json.Unmarshal(resp.Body, out)
	}
	var vaults struct {
		Records []struct {
			ID                 int
			ExternalVaultType  string
			CredentialSecretID int
			Active             bool
		}
	}
	get("/api/v1/external-vaults?filter.status=All", &vaults)
	if len(vaults.Records) != 1 || vaults.Records[0].ExternalVaultType != "AWSSecretsManager" || vaults.Records[0].CredentialSecretID != sec.ID || !vaults.Records[0].Active {
		t.Fatalf("vault links %+v", vaults.Records)
	}
	var vsecrets struct{ Records []struct{ Name string } }
	get("/api/v1/external-vault-secrets?filter.status=All", &vsecrets)
	var names []string
	for _, r := range vsecrets.Records {
		names = append(names, r.Name)
	}
	if !slices.Contains(names, sandbox.PracticeSecrets[0]) {
		t.Fatalf("after Pull, %s is not in Secret Server: %v", sandbox.PracticeSecrets[0], names)
	}
	// After Push, the Secret Server secret is in AWS with its value.
	sm := secretsmanager.NewFromConfig(cfg)
	val, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(set["remote_name"]), VersionStage: aws.String("AWSCURRENT")})
	if err != nil || aws.ToString(val.SecretString) != "practice-password-to-push" {
		t.Fatalf("pushed secret in AWS: %v", err)
	}

	// A second apply adopts everything and creates nothing new.
	apply(t, env, r.stateDir)
	keys2, _ := im.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(set["user_name"])})
	versions, _ := im.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &custom})
	again, _ := sdk.Secrets(set["secret_name"], "")
	get("/api/v1/external-vaults?filter.status=All", &vaults)
	if len(keys2.AccessKeyMetadata) != 1 || len(versions.Versions) != 1 || len(again) != 1 || len(vaults.Records) != 1 {
		t.Fatalf("second apply duplicated: keys %d, policy versions %d, secrets %d, vaults %d",
			len(keys2.AccessKeyMetadata), len(versions.Versions), len(again), len(vaults.Records))
	}
}

func TestApplyRejectsABadPlanBeforeAnyCall(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(plan, []byte("mode: practice\nsettings:\n  user_name: \"has space\"\n  region: mars-1\n"), 0o600)
	_, env := startSandbox(t)
	var out, errb bytes.Buffer
	code := run([]string{"apply", "--sandbox", env, "--state-dir", dir, "--plan", plan}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "characters IAM does not accept") || !strings.Contains(errb.String(), "not an AWS region code") {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	if strings.Contains(out.String(), "module 1") {
		t.Fatal("no step may run with a bad plan")
	}
}
