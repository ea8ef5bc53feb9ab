package aws_test

import (
	"os"
	"path/filepath"
	"testing"

	vaws "github.com/vaultlink/vaultlink/services/aws"
)

func TestProfilesIncludeSSOAndCredentialsFileProfiles(t *testing.T) {
	home := isolate(t)
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(`[default]
region = eu-west-1

[profile admin-sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = AdministratorAccess
region = us-east-1

[profile legacy-sso]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile assume]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = default

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`), 0o600)
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n\n[ci]\naws_access_key_id = AKIAEXAMPLE2\naws_secret_access_key = y\n"), 0o600)
	got, err := vaws.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	want := []vaws.Profile{
		{Name: "default", Kind: "keys", Region: "eu-west-1"},
		{Name: "admin-sso", Kind: "sso", Region: "us-east-1"},
		{Name: "assume", Kind: "role"},
		{Name: "ci", Kind: "keys"},
		{Name: "legacy-sso", Kind: "sso"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("profile %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestNoConfigFilesMeansNoProfiles(t *testing.T) {
	isolate(t)
	got, err := vaws.Profiles()
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
}

func TestEndpointOverridesAreShown(t *testing.T) {
	isolate(t)
	t.Setenv("AWS_ENDPOINT_URL_IAM", "http://localhost:4566")
	if got := vaws.EndpointOverrides(); got["AWS_ENDPOINT_URL_IAM"] != "http://localhost:4566" || len(got) != 1 {
		t.Fatalf("%v", got)
	}
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
	if got := vaws.EndpointOverrides(); len(got) != 0 {
		t.Fatalf("ignored overrides still shown: %v", got)
	}
}
