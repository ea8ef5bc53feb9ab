package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/wizard"
)

// denied reports whether AWS (or moto, which answers Secrets Manager denials with a 403 and
// an XML body) refused the call.
func denied(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "AccessDenied" || apiErr.ErrorCode() == "AccessDeniedException") {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == 403
}

func motoConfig(url, id, secret string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(url)}
}

// motoOperator makes the operator, an IAM user with an administrator policy, while moto still
// lets anyone in (moto has no root: under enforcement the operator must be an IAM user), and
// returns its access key.
func motoOperator(t *testing.T, url string) (id, secret string) {
	t.Helper()
	ctx := context.Background()
	im := iam.NewFromConfig(motoConfig(url, "AKIABOOTSTRAP0000000", "bootstrap"))
	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("operator")}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("admin"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("operator")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
}

// TestLiveApplyAgainstMotoIsLeastPrivilege runs `vaultlink apply --live` with moto's IAM
// enforcement on (the operator is an IAM user with an administrator policy, as moto requires)
// and a Secret Server whose syncs call moto, then proves what the created key may do.
func TestLiveApplyAgainstMotoIsLeastPrivilege(t *testing.T) {
	requireKeyring(t)
	m := awstest.Start(t)
	for _, variant := range []string{"custom", "managed"} {
		t.Run(variant, func(t *testing.T) {
			ctx := context.Background()
			args, dir, op := liveApplyFixture(t, m, variant)
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			if code != 0 {
				t.Fatalf("apply exited %d\n%s\n%s", code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), "LIVE mode") || !strings.HasSuffix(strings.TrimSpace(out.String()), "modules covered 6/6") {
				t.Fatalf("apply output:\n%s", out.String())
			}

			// The integration key, read back from the keyring as Secret Server would hold it.
			var st struct{ Progress wizard.Progress }
			data, _ := os.ReadFile(filepath.Join(dir, "live", "apply-state.json"))
			json.Unmarshal(data, &st)
			secret, err := gokeyring.Get("VaultLink", st.Progress.KeyringRef)
			if err != nil {
				t.Fatalf("keyring: %v", err)
			}
			t.Cleanup(func() { gokeyring.Delete("VaultLink", st.Progress.KeyringRef) })
			key := motoConfig(m.URL, st.Progress.AccessKeyID, secret)
			sm := secretsmanager.NewFromConfig(key)
			if err := awstest.SevenActions(ctx, sm, "team/proof"); err != nil {
				t.Fatalf("the integration key must be allowed all seven actions: %v", err)
			}
			if _, err := iam.NewFromConfig(key).ListUsers(ctx, &iam.ListUsersInput{}); !denied(err) {
				t.Fatalf("iam:ListUsers must be denied, got %v", err)
			}
			_, err = sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("team/proof"), ForceDeleteWithoutRecovery: aws.Bool(true)})
			switch variant {
			case "custom":
				if !denied(err) {
					t.Fatalf("least privilege: DeleteSecret must be denied, got %v", err)
				}
			case "managed":
				if err != nil {
					t.Fatalf("SecretsManagerReadWrite allows DeleteSecret, got %v", err)
				}
			}
			// Module 6 really moved secrets with that key: pushed into AWS, pulled from it.
			if _, err := secretsmanager.NewFromConfig(op).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("team/app-db")}); err != nil {
				t.Fatalf("the pushed secret is not in AWS: %v", err)
			}
			if !strings.Contains(out.String(), "pull team/existing: ok") {
				t.Fatalf("the AWS secret was not pulled:\n%s", out.String())
			}

			// A second apply changes nothing: no new key, policy version or secret value. (Each
			// push writes a new version of the same value: module 6 verifies a push by that new
			// version, so the value is compared, not the number of versions.)
			opIAM := iam.NewFromConfig(op)
			policyARN := "arn:aws:iam::123456789012:policy/DelineaSecretsManagerLeastPrivilege"
			valueBefore, _ := secretsmanager.NewFromConfig(op).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("team/app-db")})
			out.Reset()
			errb.Reset()
			if code := run(args, &out, &errb); code != 0 {
				t.Fatalf("second apply exited %d\n%s\n%s", code, out.String(), errb.String())
			}
			keys, _ := opIAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("delinea-secrets-sync")})
			pv, _ := opIAM.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(policyARN)})
			valueAfter, _ := secretsmanager.NewFromConfig(op).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("team/app-db")})
			sameValue := valueBefore != nil && valueAfter != nil && aws.ToString(valueBefore.SecretString) == aws.ToString(valueAfter.SecretString)
			if len(keys.AccessKeyMetadata) != 1 || len(pv.Versions) != 1 || !sameValue || strings.Contains(out.String(), "Created") {
				t.Fatalf("second apply changed things: %d keys, %d policy versions, same pushed value: %v\n%s",
					len(keys.AccessKeyMetadata), len(pv.Versions), sameValue, out.String())
			}
		})
	}
}

// liveApplyFixture prepares `vaultlink apply --live` against moto with IAM enforcement on: the
// operator (an IAM user with an administrator policy, made while moto still lets anyone in),
// an AWS secret to pull, the practice Secret Server syncing into moto with a secret to push,
// the environment, and a plan with the given group policy. It returns apply's arguments, its
// state folder and the operator's AWS configuration.
func liveApplyFixture(t *testing.T, m *awstest.Moto, variant string) ([]string, string, aws.Config) {
	t.Helper()
	ctx := context.Background()
	m.Reset(t)
	opID, opSecret := motoOperator(t, m.URL)
	op := motoConfig(m.URL, opID, opSecret)
	if _, err := secretsmanager.NewFromConfig(op).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("team/existing"), SecretString: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	ss := sssim.New(sssim.Options{AWSEndpoint: m.URL})
	if _, err := ss.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	ss.SeedSecret("App-DB", "app", "db-password")
	m.Enforce(t)

	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", opID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", opSecret)
	t.Setenv("AWS_ENDPOINT_URL", m.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("VAULTLINK_SS_PASSWORD", sssim.PracticePassword)
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(plan, []byte("mode: live\nsettings:\n  group_policy: "+variant+"\n  push_secret: App-DB\n  remote_name: team/app-db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"apply", "--live", "--ss-url", ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", dir, "--plan", plan}, dir, op
}

// isolateAWS keeps this machine's AWS configuration out of a test.
func isolateAWS(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
