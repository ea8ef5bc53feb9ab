package aws_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	vaws "github.com/vaultlink/vaultlink/services/aws"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/wizard"
)

// isolate points the SDK's credential chain at an empty home, so nothing on this machine
// leaks into a test.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return home
}

func message(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the message a user sees lacks %q:\n%s", w, err.Error())
		}
	}
}

func startSim(t *testing.T, opts awssim.Options) *awssim.Server {
	t.Helper()
	sim := awssim.New(opts)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

func TestNoCredentialsSaysWhatToDo(t *testing.T) {
	isolate(t)
	sim := startSim(t, awssim.Options{})
	c, err := vaws.New(context.Background(), vaws.Config{Endpoint: sim.URL(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CallerIdentity(context.Background())
	message(t, err, "no AWS credentials were found", "aws configure")
}

func TestExpiredSSOTokenSaysToSignInAgain(t *testing.T) {
	home := isolate(t)
	startURL := "https://example.awsapps.com/start"
	os.MkdirAll(filepath.Join(home, ".aws", "sso", "cache"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(`[profile sso-admin]
sso_start_url = `+startURL+`
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1
`), 0o600)
	cache, err := ssocreds.StandardCachedTokenFilepath(startURL)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cache, []byte(`{"accessToken":"expired","expiresAt":"2020-01-01T00:00:00Z","region":"us-east-1","startUrl":"`+startURL+`"}`), 0o600)
	sim := startSim(t, awssim.Options{})
	c, err := vaws.New(context.Background(), vaws.Config{Profile: "sso-admin", Endpoint: sim.URL(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CallerIdentity(context.Background())
	message(t, err, "SSO sign-in has expired", "aws sso login --profile sso-admin")
}

func TestSessionCredentialsWithoutMFAAreExplainedForIAM(t *testing.T) {
	sim := startSim(t, awssim.Options{})
	id, secret := sim.AdminCredentials()
	ctx := context.Background()
	tok, err := sts.NewFromConfig(sdkConfig(sim.URL(), id, secret)).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	cr := tok.Credentials
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", aws.ToString(cr.AccessKeyId))
	t.Setenv("AWS_SECRET_ACCESS_KEY", aws.ToString(cr.SecretAccessKey))
	t.Setenv("AWS_SESSION_TOKEN", aws.ToString(cr.SessionToken))
	c, err := vaws.New(ctx, vaws.Config{Endpoint: sim.URL(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CallerIdentity(ctx); err != nil {
		t.Fatalf("STS accepts session credentials: %v", err)
	}
	_, err = c.EnsureUser(ctx, "u", false)
	message(t, err, "temporary credentials", "iam:GetUser", "MFA", "--serial-number")

	// With MFA the same kind of credentials work for IAM.
	mfa, err := sts.NewFromConfig(sdkConfig(sim.URL(), id, secret)).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/admin"), TokenCode: aws.String("123456")})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", aws.ToString(mfa.Credentials.AccessKeyId))
	t.Setenv("AWS_SECRET_ACCESS_KEY", aws.ToString(mfa.Credentials.SecretAccessKey))
	t.Setenv("AWS_SESSION_TOKEN", aws.ToString(mfa.Credentials.SessionToken))
	c, _ = vaws.New(ctx, vaws.Config{Endpoint: sim.URL(), MaxAttempts: 1})
	if _, err := c.EnsureUser(ctx, "u", false); err != nil {
		t.Fatalf("MFA session credentials must work for IAM: %v", err)
	}
}

func TestAccessDeniedNamesTheAction(t *testing.T) {
	sim := startSim(t, awssim.Options{})
	admin := clientFor(t, sim.URL(), awssim.PracticeAdminKeyID, awssim.PracticeAdminSecret)
	ctx := context.Background()
	admin.EnsureUser(ctx, "limited", false)
	key, err := admin.CreateAccessKey(ctx, "limited")
	if err != nil {
		t.Fatal(err)
	}
	c := clientFor(t, sim.URL(), key.ID, key.Secret.Reveal())
	_, err = c.EnsureUser(ctx, "someone", false)
	message(t, err, "AWS denied iam:GetUser", "Ask your AWS administrator to allow iam:GetUser")
	_, err = c.SecretNames(ctx)
	message(t, err, "AWS denied secretsmanager:ListSecrets", "AccessDeniedException")
}

func TestThrottlingIsRetriedThenExplained(t *testing.T) {
	sim := startSim(t, awssim.Options{Throttle: 1})
	c, err := vaws.New(context.Background(), vaws.Config{Endpoint: sim.URL(), StaticKeyID: awssim.PracticeAdminKeyID, StaticSecret: wizard.NewSecret(awssim.PracticeAdminSecret), MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CallerIdentity(context.Background()); err != nil {
		t.Fatalf("one throttled request is retried away: %v", err)
	}
	sim2 := startSim(t, awssim.Options{Throttle: 100})
	c2, _ := vaws.New(context.Background(), vaws.Config{Endpoint: sim2.URL(), StaticKeyID: awssim.PracticeAdminKeyID, StaticSecret: wizard.NewSecret(awssim.PracticeAdminSecret), MaxAttempts: 2})
	_, err = c2.EnsureGroup(context.Background(), "g", false)
	message(t, err, "AWS is throttling requests", "iam:GetGroup", "wait a minute")
}

func TestNetworkFailureSaysWhereItTried(t *testing.T) {
	c, err := vaws.New(context.Background(), vaws.Config{Endpoint: "http://127.0.0.1:1", StaticKeyID: "AKIAEXAMPLE000000000", StaticSecret: wizard.NewSecret("x"), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.CallerIdentity(ctx)
	message(t, err, "cannot reach AWS", "sts:GetCallerIdentity", "connection refused", "http://127.0.0.1:1")
}

func TestExpiredSessionSaysToSignInAgain(t *testing.T) {
	sim := startSim(t, awssim.Options{})
	ctx := context.Background()
	tok, err := sts.NewFromConfig(sdkConfig(sim.URL(), awssim.PracticeAdminKeyID, awssim.PracticeAdminSecret)).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(-1)})
	if err != nil {
		t.Fatal(err)
	}
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", aws.ToString(tok.Credentials.AccessKeyId))
	t.Setenv("AWS_SECRET_ACCESS_KEY", aws.ToString(tok.Credentials.SecretAccessKey))
	t.Setenv("AWS_SESSION_TOKEN", aws.ToString(tok.Credentials.SessionToken))
	c, _ := vaws.New(ctx, vaws.Config{Endpoint: sim.URL(), MaxAttempts: 1})
	_, err = c.CallerIdentity(ctx)
	message(t, err, "session has expired", "sign in again")
}
