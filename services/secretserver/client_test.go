package secretserver_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/wizard"
)

func practice(t *testing.T) (*sandbox.Sandbox, *secretserver.Client, string) {
	t.Helper()
	return practiceOpts(t, sssim.Options{})
}

// practiceWith is a sandbox whose Secret Server is tuned by o, and a client of it.
func practiceWith(t *testing.T, o sssim.Options) (*sandbox.Sandbox, *secretserver.Client) {
	t.Helper()
	sb, c, _ := practiceOpts(t, o)
	return sb, c
}

func practiceOpts(t *testing.T, o sssim.Options) (*sandbox.Sandbox, *secretserver.Client, string) {
	t.Helper()
	sb, err := sandbox.Start(awssim.Options{}, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	auditPath := filepath.Join(t.TempDir(), "audit.jsonl")
	log, err := audit.Open(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	c, err := secretserver.New(wizard.SSConnection{URL: sb.SS.URL(), Username: sssim.PracticeUser, Password: wizard.NewSecret(sssim.PracticePassword)}, log)
	if err != nil {
		t.Fatal(err)
	}
	return sb, c, auditPath
}

// integrationKey makes an IAM user with a key in the practice AWS and, when allowSM, the
// least-privilege policy, returning the key (what module 1 would hand over).
func integrationKey(t *testing.T, sb *sandbox.Sandbox, allowSM bool) (string, string) {
	t.Helper()
	ctx := context.Background()
	id, secret := sb.AWS.AdminCredentials()
	cfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(sb.AWS.URL())}
	im := iam.NewFromConfig(cfg)
	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	if allowSM {
		doc, _ := wizard.LeastPrivilegePolicy(sandbox.Region, sb.AWS.Account(), nil)
		p, err := im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("lp"), PolicyDocument: aws.String(doc.JSON())})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: p.Policy.Arn}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
}

func credentialSecret(t *testing.T, c *secretserver.Client, name, keyID, secret string) wizard.SecretRef {
	t.Helper()
	ctx := context.Background()
	tpl, err := c.FindTemplate(ctx, "Amazon IAM Key")
	if err != nil {
		t.Fatal(err)
	}
	var fields []wizard.FieldValue
	values := map[string]string{"username": "u", "access-key": keyID, "secret-key": secret}
	for _, f := range tpl.Fields {
		if v, ok := values[f.Slug]; ok {
			fields = append(fields, wizard.FieldValue{FieldID: f.ID, Slug: f.Slug, Value: wizard.NewSecret(v)})
		}
	}
	ref, err := c.CreateSecret(ctx, wizard.NewSecretServerSecret{Name: name, TemplateID: tpl.ID, FolderID: -1, Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestTemplateIsFoundByExactNameNotSubstring(t *testing.T) {
	_, c, _ := practice(t)
	ctx := context.Background()
	tpl, err := c.FindTemplate(ctx, "amazon iam key")
	if err != nil || tpl.Name != "Amazon IAM Key" || len(tpl.Fields) < 3 {
		t.Fatalf("%+v %v", tpl, err)
	}
	// "Key" matches several templates by substring; none is named exactly "Key".
	if _, err := c.FindTemplate(ctx, "Key"); err == nil || !strings.Contains(err.Error(), `no active template named "Key"`) {
		t.Fatalf("want a clear error, got %v", err)
	}
}

func TestSecretRoundTripsThroughTheVendorSDK(t *testing.T) {
	_, c, auditPath := practice(t)
	ctx := context.Background()
	ref := credentialSecret(t, c, "AWS-SecretsManager-Integration", "AKIAEXAMPLE", "s3cret-value")
	got, err := c.SecretFields(ctx, ref.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got["secret-key"].Equal(wizard.NewSecret("s3cret-value")) || !got["access-key"].Equal(wizard.NewSecret("AKIAEXAMPLE")) {
		t.Fatal("fields read back differ from what was written")
	}
	found, err := c.FindSecret(ctx, "AWS-SecretsManager-Integration", ref.TemplateID, 0)
	if err != nil || found == nil || found.ID != ref.ID {
		t.Fatalf("find: %+v %v", found, err)
	}
	if again, _ := c.FindSecretByName(ctx, "AWS-SecretsManager"); again != nil {
		t.Fatal("a prefix must not match a secret name")
	}
	data, _ := os.ReadFile(auditPath)
	if !strings.Contains(string(data), `"operation":"POST /api/v1/secrets"`) || strings.Contains(string(data), "s3cret-value") {
		t.Fatalf("audit log must name the call and never the value:\n%s", data)
	}
}

// Key rotation writes two fields of the secret through the vendor SDK (read, change, PUT); the
// other fields keep their values, a field the template lacks is named, and a required field
// left empty is refused by the server with nothing changed.
func TestUpdateSecretFieldsKeepsTheOthers(t *testing.T) {
	_, c, auditPath := practice(t)
	ctx := context.Background()
	ref := credentialSecret(t, c, "AWS-SecretsManager-Integration", "AKIAOLD", "old-secret-value")
	err := c.UpdateSecretFields(ctx, ref.ID, []wizard.FieldValue{
		{Slug: "access-key", Value: wizard.NewSecret("AKIANEW")},
		{Slug: "secret-key", Value: wizard.NewSecret("new-secret-value")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.SecretFields(ctx, ref.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got["access-key"].Reveal() != "AKIANEW" || !got["secret-key"].Equal(wizard.NewSecret("new-secret-value")) || got["username"].Reveal() != "u" {
		t.Fatal("the update did not write the two fields, or lost the user name")
	}
	if err := c.UpdateSecretFields(ctx, ref.ID, []wizard.FieldValue{{Slug: "no-such-field", Value: wizard.NewSecret("x")}}); err == nil || !strings.Contains(err.Error(), `no field "no-such-field"`) {
		t.Fatalf("want the missing field named, got %v", err)
	}
	// The vendor SDK withholds the body of an answer to a request that carried secret values,
	// so the server's reason ("The field Access Key is required.") does not reach the message.
	if err := c.UpdateSecretFields(ctx, ref.ID, []wizard.FieldValue{{Slug: "access-key", Value: wizard.NewSecret("")}}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("want the empty required field refused, got %v", err)
	}
	if got, _ := c.SecretFields(ctx, ref.ID); got["access-key"].Reveal() != "AKIANEW" {
		t.Fatal("a refused update changed the secret")
	}
	data, _ := os.ReadFile(auditPath)
	if !strings.Contains(string(data), `"operation":"PUT /api/v1/secrets/{id}"`) || strings.Contains(string(data), "new-secret-value") {
		t.Fatalf("audit log must name the update and never the value:\n%s", data)
	}
}

func TestLinkSettingsSayConnectedOnlyWhenAWSAcceptsTheCredential(t *testing.T) {
	sb, c, _ := practice(t)
	ctx := context.Background()
	id, secret := integrationKey(t, sb, true)
	good := credentialSecret(t, c, "good", id, secret)
	ls, err := c.LinkSettings(ctx, good.ID, sandbox.Region)
	if err != nil || !ls.Connected || len(ls.Vaults) != 1 || ls.Vaults[0].Name != sb.AWS.Account() {
		t.Fatalf("%+v %v", ls, err)
	}
	bad := credentialSecret(t, c, "bad", id, "wrong-secret")
	ls, err = c.LinkSettings(ctx, bad.ID, sandbox.Region)
	if err != nil || ls.Connected || !strings.Contains(ls.Message, "SignatureDoesNotMatch") {
		t.Fatalf("a wrong secret must show the server's reason: %+v %v", ls, err)
	}
}

func TestVaultLinkAndSyncReportPerSecret(t *testing.T) {
	sb, c, _ := practice(t)
	ctx := context.Background()
	id, secret := integrationKey(t, sb, true)
	cred := credentialSecret(t, c, "cred", id, secret)
	if _, err := c.CreateVault(ctx, wizard.VaultSpec{Name: "not-the-account", DisplayName: "x", Region: sandbox.Region, CredentialSecretID: cred.ID, Active: true}); err == nil ||
		!strings.Contains(err.Error(), "must match exactly") {
		t.Fatalf("manual entry with a wrong name must be refused with the reason: %v", err)
	}
	v, err := c.CreateVault(ctx, wizard.VaultSpec{Name: sb.AWS.Account(), DisplayName: "AWS", Region: sandbox.Region, CredentialSecretID: cred.ID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	push, err := c.FindSecretByName(ctx, sandbox.PushSecret)
	if err != nil || push == nil {
		t.Fatalf("practice push secret: %v", err)
	}
	vs1, err := c.EnsureVaultSecret(ctx, v.ID, push.ID, "team/db")
	if err != nil {
		t.Fatal(err)
	}
	vs2, err := c.EnsureVaultSecret(ctx, v.ID, push.ID, "team/db")
	if err != nil || vs2.ID != vs1.ID {
		t.Fatalf("linking twice must reuse the link: %v", err)
	}
	rep, err := c.Sync(ctx, "push", v.ID)
	if err != nil || len(rep.Items) != 1 || !rep.Items[0].OK || rep.Items[0].Name != "team/db" {
		t.Fatalf("push report %+v %v", rep, err)
	}
	rep, err = c.Sync(ctx, "pull", v.ID)
	if err != nil || len(rep.Items) != len(sandbox.PracticeSecrets)+1 {
		t.Fatalf("pull report %+v %v", rep, err)
	}
}

// A vault link whose credential loses its Secrets Manager permission after the link was made
// (the policy detached, say): each linked secret's push reports AWS's denial by name, and the
// pull reports the denied listing, instead of a blanket failure or a silent success.
func TestSyncWithoutPermissionReportsTheDenialPerSecret(t *testing.T) {
	sb, c, _ := practice(t)
	ctx := context.Background()
	id, secret := integrationKey(t, sb, true) // a vault can only be made while the key works
	cred := credentialSecret(t, c, "cred", id, secret)
	v, err := c.CreateVault(ctx, wizard.VaultSpec{Name: sb.AWS.Account(), DisplayName: "AWS", Region: sandbox.Region, CredentialSecretID: cred.ID, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	push, err := c.FindSecretByName(ctx, sandbox.PushSecret)
	if err != nil || push == nil {
		t.Fatalf("practice push secret: %v", err)
	}
	remote := []string{"team/db", "team/api"}
	for _, name := range remote {
		if _, err := c.EnsureVaultSecret(ctx, v.ID, push.ID, name); err != nil {
			t.Fatal(err)
		}
	}
	detachPolicies(t, sb, "u") // no Secrets Manager permission at all from here on

	ls, err := c.LinkSettings(ctx, cred.ID, sandbox.Region)
	if err != nil || ls.Connected || !strings.Contains(ls.Message, "AccessDeniedException") {
		t.Fatalf("%+v %v", ls, err)
	}
	rep, err := c.Sync(ctx, "push", v.ID)
	if err != nil {
		t.Fatalf("a denial is reported per secret, not as a failed call: %v", err)
	}
	var names []string
	for _, it := range rep.Items {
		names = append(names, it.Name)
		if it.OK || it.Direction != "push" || !strings.Contains(it.Reason, "AccessDeniedException") ||
			!strings.Contains(it.Reason, "secretsmanager:DescribeSecret") {
			t.Errorf("push of %q: want a failure naming AccessDeniedException and the denied action, got %+v", it.Name, it)
		}
	}
	slices.Sort(names)
	if want := slices.Sorted(slices.Values(remote)); !slices.Equal(names, want) {
		t.Fatalf("push reported %v, want one item per linked secret %v", names, want)
	}
	rep, err = c.Sync(ctx, "pull", v.ID)
	if err != nil || len(rep.Items) != 1 || rep.Items[0].OK || rep.Items[0].Direction != "pull" ||
		!strings.Contains(rep.Items[0].Reason, "secretsmanager:ListSecrets") {
		t.Fatalf("pull must report the denied listing: %+v %v", rep, err)
	}
}

// detachPolicies takes every managed policy off the practice IAM user, as another admin might.
func detachPolicies(t *testing.T, sb *sandbox.Sandbox, user string) {
	t.Helper()
	ctx := context.Background()
	id, secret := sb.AWS.AdminCredentials()
	im := iam.NewFromConfig(aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(sb.AWS.URL())})
	out, err := im.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AttachedPolicies) == 0 {
		t.Fatalf("user %s has no policy to detach", user)
	}
	for _, p := range out.AttachedPolicies {
		if _, err := im.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String(user), PolicyArn: p.PolicyArn}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWrongPasswordIsExplained(t *testing.T) {
	sb, _, _ := practice(t)
	c, err := secretserver.New(wizard.SSConnection{URL: sb.SS.URL(), Username: sssim.PracticeUser, Password: wizard.NewSecret("wrong")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused the sign-in") {
		t.Fatalf("want an explained sign-in failure, got %v", err)
	}
}

// vaultRoundTrip links a vault, lists, links secrets, pushes and pulls through c, and checks
// each answer. With a page size of 1 on the server every list crosses pages.
func vaultRoundTrip(t *testing.T, sb *sandbox.Sandbox, c *secretserver.Client) {
	t.Helper()
	ctx := context.Background()
	id, secret := integrationKey(t, sb, true)
	cred := credentialSecret(t, c, "cred", id, secret)
	ls, err := c.LinkSettings(ctx, cred.ID, sandbox.Region)
	if err != nil || !ls.Connected || len(ls.Vaults) != 1 || ls.Vaults[0].Name != sb.AWS.Account() || ls.Vaults[0].Region != sandbox.Region {
		t.Fatalf("link settings %+v %v", ls, err)
	}
	var made []wizard.Vault
	for _, region := range []string{sandbox.Region, "us-west-2"} {
		v, err := c.CreateVault(ctx, wizard.VaultSpec{Name: sb.AWS.Account(), DisplayName: "AWS " + region, Region: region, CredentialSecretID: cred.ID, Active: region == sandbox.Region})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, v)
	}
	vaults, err := c.Vaults(ctx)
	if err != nil || len(vaults) != 2 || vaults[1].ID != made[1].ID || vaults[1].Active || vaults[0].CredentialSecretID != cred.ID || vaults[1].Region != "us-west-2" {
		t.Fatalf("both vaults (one inactive) on two pages, with their fields: %+v %v", vaults, err)
	}
	v := made[0]
	push, err := c.FindSecretByName(ctx, sandbox.PushSecret)
	if err != nil || push == nil {
		t.Fatalf("practice push secret: %v", err)
	}
	vs1, err := c.EnsureVaultSecret(ctx, v.ID, push.ID, "team/db")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnsureVaultSecret(ctx, v.ID, push.ID, "team/db-copy"); err != nil {
		t.Fatal(err)
	}
	vs2, err := c.EnsureVaultSecret(ctx, v.ID, push.ID, "team/db")
	if err != nil || vs2.ID != vs1.ID || vs1.ID == 0 {
		t.Fatalf("linking twice must reuse the link (found on the second page): %+v %+v %v", vs1, vs2, err)
	}
	rep, err := c.Sync(ctx, "push", v.ID)
	if err != nil || len(rep.Items) != 2 || !rep.Items[0].OK || rep.Items[0].Name != "team/db" || rep.Items[0].Direction != "push" {
		t.Fatalf("push report %+v %v", rep, err)
	}
	rep, err = c.Sync(ctx, "pull", v.ID)
	if err != nil || len(rep.Items) != len(sandbox.PracticeSecrets)+2 || !rep.Items[0].OK || rep.Items[0].Direction != "pull" {
		t.Fatalf("pull report %+v %v", rep, err)
	}
	listed, err := c.VaultSecrets(ctx, v.ID)
	if err != nil || len(listed) != len(sandbox.PracticeSecrets)+2 {
		t.Fatalf("vault secrets after the pull: %+v %v", listed, err)
	}
	if err := c.DeleteVault(ctx, made[1].ID); err != nil {
		t.Fatal(err)
	}
	if vaults, _ := c.Vaults(ctx); len(vaults) != 1 {
		t.Fatalf("after delete: %+v", vaults)
	}
}
