package aws_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/wizard"
)

// The scoped variant (module 5, "Specific"): ListSecrets stays on "*", the six other actions
// only on the named secrets. moto cannot enforce resource ARNs (every resource is "*" to it),
// so this runs on awssim, which evaluates them as AWS does.
func TestScopedPolicyIsGeneratedAndEnforced(t *testing.T) {
	doc, err := wizard.LeastPrivilegePolicy("us-east-1", "123456789012", []string{"team/", "billing", "arn:aws:secretsmanager:us-east-1:123456789012:secret:exact-AbCdEf"})
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Statement[0].Resource; !slices.Equal(got, []string{"*"}) {
		t.Fatalf("ListSecrets must stay on *: %v", got)
	}
	want := []string{
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:team/*",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:billing-??????",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:exact-AbCdEf",
	}
	if got := doc.Statement[1].Resource; !slices.Equal(got, want) {
		t.Fatalf("scoped resources\n got %v\nwant %v", got, want)
	}
	if _, err := wizard.LeastPrivilegePolicy("us-east-1", "1", []string{"arn:aws:s3:::bucket"}); err == nil {
		t.Fatal("a non-Secrets Manager ARN must be refused")
	}

	sim := awssim.New(awssim.Options{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	e := env{name: "awssim", endpoint: sim.URL(), account: sim.Account(), admin: clientFor(t, sim.URL(), awssim.PracticeAdminKeyID, awssim.PracticeAdminSecret),
		cfg: sdkConfig(sim.URL(), awssim.PracticeAdminKeyID, awssim.PracticeAdminSecret)}
	key := integration(t, e, []string{"team/", "billing"})
	ctx := context.Background()
	sm := secretsmanager.NewFromConfig(sdkConfig(sim.URL(), key.ID, key.Secret.Reveal()))
	for _, name := range []string{"team/db", "billing"} {
		if err := awstest.SevenActions(ctx, sm, name); err != nil {
			t.Fatalf("%s is in scope: %v", name, err)
		}
	}
	_, err = sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("other/db"), SecretString: aws.String("x")})
	deniedBecause(t, err, "secretsmanager:CreateSecret", "other/db", "a secret outside the scope must be refused")
	_, err = sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("billing-extra"), SecretString: aws.String("x")})
	deniedBecause(t, err, "secretsmanager:CreateSecret", "billing-extra", "billing-?????? must not match a longer name")
}

// deniedBecause checks that err is AWS refusing action on the named secret, not some other
// failure (a bad request, a network error) that would look like a refusal to a bare err != nil.
func deniedBecause(t *testing.T, err error, action, secret, why string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("%s: want AccessDeniedException, got %v", why, err)
	}
	if msg := apiErr.ErrorMessage(); !strings.Contains(msg, "perform: "+action+" ") || !strings.Contains(msg, ":secret:"+secret) {
		t.Fatalf("%s: the denial must name %s on %s: %s", why, action, secret, msg)
	}
}
