package aws_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	vaws "github.com/vaultlink/vaultlink/services/aws"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/wizard"
)

func startSim(t *testing.T, opts awssim.Options) *awssim.Server {
	t.Helper()
	sim := awssim.New(opts)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

func adminClient(t *testing.T, sim *awssim.Server) *vaws.Client {
	t.Helper()
	id, secret := sim.AdminCredentials()
	c, err := vaws.New(context.Background(), vaws.Config{Endpoint: sim.URL(), StaticKeyID: id, StaticSecret: wizard.NewSecret(secret), KeyWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnsureOperationsAdoptInsteadOfDuplicating(t *testing.T) {
	ctx := context.Background()
	sim := startSim(t, awssim.Options{})
	c := adminClient(t, sim)

	u1, err := c.EnsureUser(ctx, "delinea-secrets-sync")
	if err != nil || !u1.Created {
		t.Fatalf("first EnsureUser: %+v %v", u1, err)
	}
	u2, err := c.EnsureUser(ctx, "delinea-secrets-sync")
	if err != nil || u2.Created || u2.ARN != u1.ARN {
		t.Fatalf("second EnsureUser should adopt: %+v %v", u2, err)
	}
	if _, err := c.EnsureGroup(ctx, "delinea-secrets-group"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddUserToGroup(ctx, "delinea-secrets-sync", "delinea-secrets-group"); err != nil {
		t.Fatal(err)
	}
	members, err := c.GroupMembers(ctx, "delinea-secrets-group")
	if err != nil || !slices.Equal(members, []string{"delinea-secrets-sync"}) {
		t.Fatalf("members %v %v", members, err)
	}
	doc, _ := wizard.LeastPrivilegePolicy("us-east-1", sim.Account(), nil)
	p1, err := c.EnsurePolicy(ctx, "LP", doc.JSON(), "test")
	if err != nil || !p1.Created {
		t.Fatalf("EnsurePolicy: %+v %v", p1, err)
	}
	p2, err := c.EnsurePolicy(ctx, "LP", doc.JSON(), "test")
	if err != nil || p2.Created || p2.ARN != p1.ARN {
		t.Fatalf("EnsurePolicy again: %+v %v", p2, err)
	}
	got, err := c.PolicyDocument(ctx, p1.ARN)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := wizard.ParsePolicyDocument(got)
	if err != nil || !wizard.SamePolicy(parsed, doc) {
		t.Fatalf("read-back document differs: %s", got)
	}
	if err := c.AttachGroupPolicy(ctx, "delinea-secrets-group", p1.ARN); err != nil {
		t.Fatal(err)
	}
	if err := c.AttachGroupPolicy(ctx, "delinea-secrets-group", c.ManagedPolicyARN("SecretsManagerReadWrite")); err != nil {
		t.Fatal(err)
	}
	arns, err := c.AttachedGroupPolicies(ctx, "delinea-secrets-group")
	if err != nil || len(arns) != 2 {
		t.Fatalf("attached %v %v", arns, err)
	}
}

func TestNewKeyIsWaitedForAndThenLeastPrivilegeHolds(t *testing.T) {
	ctx := context.Background()
	sim := startSim(t, awssim.Options{KeyDelay: 1500 * time.Millisecond})
	c := adminClient(t, sim)
	c.EnsureUser(ctx, "u")
	c.EnsureGroup(ctx, "g")
	c.AddUserToGroup(ctx, "u", "g")
	doc, _ := wizard.LeastPrivilegePolicy("us-east-1", sim.Account(), nil)
	p, _ := c.EnsurePolicy(ctx, "LP", doc.JSON(), "")
	c.AttachGroupPolicy(ctx, "g", p.ARN)
	key, err := c.CreateAccessKey(ctx, "u")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	id, err := c.WaitForKey(ctx, key, func(m string) { msgs = append(msgs, m) })
	if err != nil {
		t.Fatal(err)
	}
	if id.ARN != "arn:aws:iam::"+sim.Account()+":user/u" {
		t.Fatalf("new key signs in as %s", id.ARN)
	}
	if len(msgs) == 0 {
		t.Fatal("expected progress while the key propagated")
	}

	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key.ID, key.Secret.Reveal(), ""), BaseEndpoint: aws.String(sim.URL())}
	sm := secretsmanager.NewFromConfig(cfg)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/one"), SecretString: aws.String("v1")}); err != nil {
		t.Fatalf("CreateSecret allowed by the policy: %v", err)
	}
	put, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app/one"), SecretString: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/one"), VersionStage: aws.String("AWSCURRENT")})
	if err != nil || aws.ToString(got.VersionId) != aws.ToString(put.VersionId) {
		t.Fatalf("GetSecretValue: %v", err)
	}
	if _, err := sm.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("app/one")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/one")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/one")}); err == nil {
		t.Fatal("DeleteSecret must be denied under the least-privilege policy")
	}
	_, err = iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
	var pe *vaws.PlainError
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("iam:ListUsers must be denied: %v", err)
	}
}

func TestWrongSecretIsRejectedBySignatureCheck(t *testing.T) {
	sim := startSim(t, awssim.Options{})
	id, _ := sim.AdminCredentials()
	c, _ := vaws.New(context.Background(), vaws.Config{Endpoint: sim.URL(), StaticKeyID: id, StaticSecret: wizard.NewSecret("not-the-secret")})
	_, err := c.CallerIdentity(context.Background())
	var pe *vaws.PlainError
	if !errors.As(err, &pe) || !strings.Contains(pe.Advice, "signature") {
		t.Fatalf("want a signature error, got %v", err)
	}
}
