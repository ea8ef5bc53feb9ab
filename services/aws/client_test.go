package aws_test

// The contract suite: every IAM, STS and Secrets Manager call the modules make, run with the
// same assertions against moto_server and against practice mode's awssim. Where the two
// differ, awssim follows AWS's documented behaviour, and the difference is noted where it
// shows (see TestWhereMotoAndAWSDiffer).

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	vaws "github.com/vaultlink/vaultlink/services/aws"
	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/wizard"
)

var (
	moto    *awstest.Moto
	motoErr error
)

func TestMain(m *testing.M) {
	moto, motoErr = awstest.Launch()
	code := m.Run()
	if moto != nil {
		moto.Stop()
	}
	os.Exit(code)
}

// env is one server under test, reached with operator (administrator) credentials.
type env struct {
	name     string
	endpoint string
	account  string
	admin    *vaws.Client
	cfg      aws.Config // operator credentials, for direct SDK calls
	isMoto   bool
}

func clientFor(t *testing.T, endpoint, id, secret string) *vaws.Client {
	t.Helper()
	c, err := vaws.New(context.Background(), vaws.Config{Endpoint: endpoint, StaticKeyID: id, StaticSecret: wizard.NewSecret(secret), KeyWait: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sdkConfig(endpoint, id, secret string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(endpoint)}
}

// eachServer runs fn against a fresh awssim and a freshly reset moto.
func eachServer(t *testing.T, fn func(t *testing.T, e env)) {
	t.Run("awssim", func(t *testing.T) {
		sim := awssim.New(awssim.Options{})
		if _, err := sim.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sim.Close() })
		id, secret := sim.AdminCredentials()
		fn(t, env{name: "awssim", endpoint: sim.URL(), account: sim.Account(), admin: clientFor(t, sim.URL(), id, secret), cfg: sdkConfig(sim.URL(), id, secret)})
	})
	t.Run("moto", func(t *testing.T) {
		m := awstest.Require(t, moto, motoErr)
		m.Reset(t)
		// Without enforcement moto accepts any signature; these stand for the operator.
		fn(t, env{name: "moto", endpoint: m.URL, account: "123456789012", admin: clientFor(t, m.URL, "AKIAOPERATOR00000000", "operator"),
			cfg: sdkConfig(m.URL, "AKIAOPERATOR00000000", "operator"), isMoto: true})
	})
}

func foreign(t *testing.T, err error, kind string) {
	t.Helper()
	var fe *wizard.ForeignError
	if !errors.As(err, &fe) || fe.Kind != kind {
		t.Fatalf("want a ForeignError for the %s, got %v", kind, err)
	}
}

func TestUsersAndGroupsAreCreatedOnceAndForeignOnesNeedConsent(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		u1, err := e.admin.EnsureUser(ctx, "delinea-secrets-sync", false)
		if err != nil || !u1.Created || u1.ARN != "arn:aws:iam::"+e.account+":user/delinea-secrets-sync" {
			t.Fatalf("create: %+v %v", u1, err)
		}
		u2, err := e.admin.EnsureUser(ctx, "delinea-secrets-sync", false)
		if err != nil || u2.Created || u2.ARN != u1.ARN {
			t.Fatalf("a user VaultLink tagged is adopted without asking: %+v %v", u2, err)
		}
		// A user someone else made: used only with consent.
		if _, err := iam.NewFromConfig(e.cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("someone-elses")}); err != nil {
			t.Fatal(err)
		}
		_, err = e.admin.EnsureUser(ctx, "someone-elses", false)
		foreign(t, err, "user")
		if u, err := e.admin.EnsureUser(ctx, "someone-elses", true); err != nil || u.Created {
			t.Fatalf("adopt with consent: %+v %v", u, err)
		}

		g, err := e.admin.EnsureGroup(ctx, "delinea-secrets-group", false)
		if err != nil || !g.Created {
			t.Fatalf("create group: %+v %v", g, err)
		}
		// Groups cannot be tagged: an existing one always needs the caller's word.
		_, err = e.admin.EnsureGroup(ctx, "delinea-secrets-group", false)
		foreign(t, err, "group")
		for i := 0; i < 2; i++ { // adding a member twice is a no-op
			if err := e.admin.AddUserToGroup(ctx, "delinea-secrets-sync", "delinea-secrets-group"); err != nil {
				t.Fatal(err)
			}
		}
		members, err := e.admin.GroupMembers(ctx, "delinea-secrets-group")
		if err != nil || !slices.Equal(members, []string{"delinea-secrets-sync"}) {
			t.Fatalf("members %v %v", members, err)
		}
	})
}

func TestAccessKeysTheirLimitAndDescriptionTag(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		e.admin.EnsureUser(ctx, "u", false)
		var ids []string
		for i := 0; i < 2; i++ {
			k, err := e.admin.CreateAccessKey(ctx, "u")
			if err != nil || !strings.HasPrefix(k.ID, "AKIA") || k.Secret.Empty() {
				t.Fatalf("key %d: %v", i, err)
			}
			ids = append(ids, k.ID)
		}
		_, err := e.admin.CreateAccessKey(ctx, "u")
		if err == nil || !strings.Contains(err.Error(), "already has 2 access keys") {
			t.Fatalf("the third key must be explained, got %v", err)
		}
		keys, err := e.admin.AccessKeys(ctx, "u")
		if err != nil || len(keys) != 2 {
			t.Fatalf("keys %v %v", keys, err)
		}
		if err := e.admin.TagUser(ctx, "u", ids[0], "Secret Server External Vault Integration"); err != nil {
			t.Fatal(err)
		}
		tags, err := e.admin.UserTags(ctx, "u")
		if err != nil || tags[ids[0]] != "Secret Server External Vault Integration" || tags[vaws.OwnerTagKey] != vaws.OwnerTagValue {
			t.Fatalf("tags %v %v", tags, err)
		}
	})
}

// Rotation deactivates the old key before deleting it: an inactive key stops signing in, the
// same status twice is accepted, and a key that is gone is ErrNotFound (the rotation goes on).
func TestAccessKeyStatusAndAGoneKey(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		e.admin.EnsureUser(ctx, "u", false)
		k, err := e.admin.CreateAccessKey(ctx, "u")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := e.admin.SetAccessKeyStatus(ctx, "u", k.ID, false); err != nil {
				t.Fatalf("deactivate (%d): %v", i, err)
			}
		}
		keys, err := e.admin.AccessKeys(ctx, "u")
		if err != nil || len(keys) != 1 || keys[0].Status != "Inactive" {
			t.Fatalf("keys after deactivating: %+v %v", keys, err)
		}
		if err := e.admin.SetAccessKeyStatus(ctx, "u", k.ID, true); err != nil {
			t.Fatal(err)
		}
		if keys, _ := e.admin.AccessKeys(ctx, "u"); keys[0].Status != "Active" {
			t.Fatalf("reactivated key reads %s", keys[0].Status)
		}
		if err := e.admin.DeleteAccessKey(ctx, "u", k.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.admin.SetAccessKeyStatus(ctx, "u", k.ID, false); !errors.Is(err, wizard.ErrNotFound) {
			t.Fatalf("a deleted key must be ErrNotFound, got %v", err)
		}
	})
}

func TestPolicyIsCreatedVersionedAndAttached(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		doc, _ := wizard.LeastPrivilegePolicy("us-east-1", e.account, nil)
		p1, err := e.admin.EnsurePolicy(ctx, "LP", doc.JSON(), "test", false)
		if err != nil || !p1.Created || p1.ARN != "arn:aws:iam::"+e.account+":policy/LP" {
			t.Fatalf("create: %+v %v", p1, err)
		}
		versions := func() int {
			out, err := iam.NewFromConfig(e.cfg).ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &p1.ARN})
			if err != nil {
				t.Fatal(err)
			}
			return len(out.Versions)
		}
		if p2, err := e.admin.EnsurePolicy(ctx, "LP", doc.JSON(), "test", false); err != nil || p2.Created || versions() != 1 {
			t.Fatalf("the same document again must change nothing: %+v %v, %d versions", p2, err, versions())
		}
		scoped, _ := wizard.LeastPrivilegePolicy("us-east-1", e.account, []string{"app/"})
		if _, err := e.admin.EnsurePolicy(ctx, "LP", scoped.JSON(), "test", false); err != nil || versions() != 2 {
			t.Fatalf("a changed document becomes a new default version: %v, %d versions", err, versions())
		}
		got, err := e.admin.PolicyDocument(ctx, p1.ARN)
		if err != nil {
			t.Fatal(err)
		}
		if parsed, err := wizard.ParsePolicyDocument(got); err != nil || !wizard.SamePolicy(parsed, scoped) {
			t.Fatalf("default document read back: %s", got)
		}
		// A policy someone else made gets no new version without consent.
		other, err := iam.NewFromConfig(e.cfg).CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Theirs"), PolicyDocument: aws.String(doc.JSON())})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.admin.EnsurePolicy(ctx, "Theirs", scoped.JSON(), "", false)
		foreign(t, err, "policy")
		if v, _ := iam.NewFromConfig(e.cfg).ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: other.Policy.Arn}); len(v.Versions) != 1 {
			t.Fatal("a foreign policy was changed without consent")
		}

		e.admin.EnsureGroup(ctx, "g", false)
		managed := e.admin.ManagedPolicyARN("SecretsManagerReadWrite")
		for _, arn := range []string{p1.ARN, managed, p1.ARN} {
			if err := e.admin.AttachGroupPolicy(ctx, "g", arn); err != nil {
				t.Fatalf("attach %s: %v", arn, err)
			}
		}
		arns, err := e.admin.AttachedGroupPolicies(ctx, "g")
		want := []string{managed, p1.ARN}
		slices.Sort(arns)
		slices.Sort(want)
		if err != nil || !slices.Equal(arns, want) {
			t.Fatalf("attached %v %v", arns, err)
		}
	})
}

// integration sets up what modules 1, 4 and 5 make and returns the new key.
func integration(t *testing.T, e env, scope []string) wizard.AccessKey {
	t.Helper()
	ctx := context.Background()
	e.admin.EnsureUser(ctx, "delinea-secrets-sync", false)
	e.admin.EnsureGroup(ctx, "delinea-secrets-group", false)
	if err := e.admin.AddUserToGroup(ctx, "delinea-secrets-sync", "delinea-secrets-group"); err != nil {
		t.Fatal(err)
	}
	doc, _ := wizard.LeastPrivilegePolicy("us-east-1", e.account, scope)
	p, err := e.admin.EnsurePolicy(ctx, "DelineaSecretsManagerLeastPrivilege", doc.JSON(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.admin.AttachGroupPolicy(ctx, "delinea-secrets-group", p.ARN); err != nil {
		t.Fatal(err)
	}
	key, err := e.admin.CreateAccessKey(ctx, "delinea-secrets-sync")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestNewKeyPropagatesAndCanDoTheSevenActions(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		key := integration(t, e, nil)
		var progress []string
		id, err := e.admin.WaitForKey(ctx, key, func(m string) { progress = append(progress, m) })
		if err != nil {
			t.Fatal(err)
		}
		if id.ARN != "arn:aws:iam::"+e.account+":user/delinea-secrets-sync" {
			t.Fatalf("the new key signs in as %s", id.ARN)
		}
		sm := secretsmanager.NewFromConfig(sdkConfig(e.endpoint, key.ID, key.Secret.Reveal()))
		if err := awstest.SevenActions(ctx, sm, "team/db"); err != nil {
			t.Fatal(err)
		}
		names, err := e.admin.SecretNames(ctx)
		if err != nil || !slices.Contains(names, "team/db") {
			t.Fatalf("operator's view %v %v", names, err)
		}
	})
}

// vaultLinkTagged lists the IAM users and local policies carrying VaultLink's tag.
func vaultLinkTagged(t *testing.T, cfg aws.Config) []string {
	t.Helper()
	ctx := context.Background()
	im := iam.NewFromConfig(cfg)
	var out []string
	users, err := im.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Users {
		tags, _ := im.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: u.UserName})
		for _, tg := range tags.Tags {
			if aws.ToString(tg.Key) == vaws.OwnerTagKey {
				out = append(out, "user "+aws.ToString(u.UserName))
			}
		}
	}
	pols, err := im.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Local"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pols.Policies {
		tags, _ := im.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: p.Arn})
		for _, tg := range tags.Tags {
			if aws.ToString(tg.Key) == vaws.OwnerTagKey {
				out = append(out, "policy "+aws.ToString(p.PolicyName))
			}
		}
	}
	return out
}

func TestCleanupRemovesWhatVaultLinkMadeAndNothingElse(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		key := integration(t, e, nil)
		e.admin.TagUser(ctx, "delinea-secrets-sync", key.ID, "Secret Server External Vault Integration")
		e.admin.AttachGroupPolicy(ctx, "delinea-secrets-group", e.admin.ManagedPolicyARN("SecretsManagerReadWrite"))
		im := iam.NewFromConfig(e.cfg)
		im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bystander")})
		if len(vaultLinkTagged(t, e.cfg)) != 2 {
			t.Fatalf("set-up: %v", vaultLinkTagged(t, e.cfg))
		}
		arn := "arn:aws:iam::" + e.account + ":policy/DelineaSecretsManagerLeastPrivilege"
		var progress []string
		done, err := e.admin.Cleanup(ctx, wizard.CleanupTargets{Users: []string{"delinea-secrets-sync"}, Groups: []string{"delinea-secrets-group"}, PolicyARNs: []string{arn}},
			func(m string) { progress = append(progress, m) })
		if err != nil {
			t.Fatalf("%v after %v", err, done)
		}
		if left := vaultLinkTagged(t, e.cfg); len(left) != 0 {
			t.Fatalf("VaultLink-tagged entities left: %v", left)
		}
		if _, err := im.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("delinea-secrets-group")}); err == nil {
			t.Fatal("the group VaultLink created is still there")
		}
		if _, err := im.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bystander")}); err != nil {
			t.Fatal("clean-up removed a user VaultLink did not create")
		}
		if _, err := im.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(e.admin.ManagedPolicyARN("SecretsManagerReadWrite"))}); err != nil {
			t.Fatal("the AWS managed policy must stay")
		}
		// Running it again finds nothing to do and does not fail.
		if again, err := e.admin.Cleanup(ctx, wizard.CleanupTargets{Users: []string{"delinea-secrets-sync"}, Groups: []string{"delinea-secrets-group"}, PolicyARNs: []string{arn}}, func(string) {}); err != nil || len(again) != 0 {
			t.Fatalf("second clean-up: %v %v", again, err)
		}
	})
}

func TestCleanupLeavesForeignEntitiesAlone(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		im := iam.NewFromConfig(e.cfg)
		im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("theirs")})
		im.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("their-group")})
		done, err := e.admin.Cleanup(ctx, wizard.CleanupTargets{Users: []string{"theirs"}}, func(string) {})
		if err != nil || len(done) != 0 {
			t.Fatalf("%v %v", done, err)
		}
		if _, err := im.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("theirs")}); err != nil {
			t.Fatal("an untagged user was removed")
		}
		if _, err := im.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("their-group")}); err != nil {
			t.Fatal("a group VaultLink did not create was removed")
		}
	})
}

// Where moto and AWS differ, awssim does what AWS documents. These are the differences the
// wizard can meet; the wizard never relies on moto's side of them.
func TestWhereMotoAndAWSDiffer(t *testing.T) {
	eachServer(t, func(t *testing.T, e env) {
		ctx := context.Background()
		im := iam.NewFromConfig(e.cfg)
		// 1. Name validation: AWS refuses "bad name!" (ValidationError); moto accepts it. The
		//    wizard validates names before any call, so this never reaches either.
		_, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name!")})
		if e.isMoto != (err == nil) {
			t.Errorf("invalid user name: err=%v (moto accepts, AWS refuses)", err)
		}
		// 2. Deletion order: AWS answers DeleteConflict for a user that still has keys; moto
		//    deletes it. Clean-up removes keys first, so it works on both.
		im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("k")})
		im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("k")})
		_, err = im.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("k")})
		if e.isMoto != (err == nil) {
			t.Errorf("deleting a user with keys: err=%v (moto allows, AWS refuses)", err)
		}
	})
}
