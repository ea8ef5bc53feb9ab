package wizard_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vaultlink/vaultlink/wizard"
)

// A progress file written by the previous VaultLink (version 1: one string map of outputs)
// is read into the typed progress and the journal, so an admin's earlier run is neither lost
// nor left out of clean-up.
func TestVersionOneProgressIsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	v1 := `{"version": 1, "settings": {"user_name": "delinea-secrets-sync"},
  "outputs": {"user_name": "delinea-secrets-sync", "user_arn": "arn:aws:iam::123456789012:user/delinea-secrets-sync",
    "access_key_id": "AKIAEXAMPLE123456789", "keyring_ref": "aws/delinea-secrets-sync/AKIAEXAMPLE123456789",
    "group_name": "delinea-secrets-group", "template_id": "6047", "field_username": "110:username",
    "field_access_key": "111:access-key", "field_secret_key": "112:secret-key", "secret_id": "7",
    "vault_id": "3", "vault_name": "aws-vault", "vault_connected": "true", "ss_external_vault_api": "no",
    "policy_arn": "arn:aws:iam::123456789012:policy/DelineaSecretsManagerLeastPrivilege",
    "created:user:delinea-secrets-sync": "yes", "created:group:delinea-secrets-group": "yes",
    "created:secret:aws-secretsmanager-integration": "yes", "created:vault:aws-vault@us-east-1": "yes",
    "consent:policy:theirs": "yes"},
  "steps": {"iam-user/create-user": {"status": "done", "summary": "ok"}}, "checks": {}}`
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := wizard.Store{Path: path}.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := st.Progress
	want := wizard.TemplateUse{ID: 6047, Username: wizard.FieldRef{ID: 110, Slug: "username"}, AccessKey: wizard.FieldRef{ID: 111, Slug: "access-key"}, SecretKey: wizard.FieldRef{ID: 112, Slug: "secret-key"}}
	if p.Template != want || p.SecretID != 7 || p.Vault.ID != 3 || !p.Connected || p.VaultAPI != wizard.APIAbsent || p.AccessKeyID != "AKIAEXAMPLE123456789" {
		t.Fatalf("progress not migrated: %+v", p)
	}
	created := map[wizard.EntityKind]string{}
	for _, e := range st.Journal {
		if e.Created {
			created[e.Kind] = e.Name + "#" + e.ID
		}
	}
	for kind, name := range map[wizard.EntityKind]string{wizard.KindUser: "delinea-secrets-sync#", wizard.KindGroup: "delinea-secrets-group#",
		wizard.KindSSSecret: "aws-secretsmanager-integration#7", wizard.KindVaultLink: "aws-vault#3",
		wizard.KindKeyringEntry: "aws/delinea-secrets-sync/AKIAEXAMPLE123456789#"} {
		if created[kind] != name {
			t.Errorf("journal %s: got %q, want %q", kind, created[kind], name)
		}
	}
	if len(st.Consents) != 1 || st.Consents[0].Name != "theirs" || st.Steps["iam-user/create-user"].Status != wizard.StepDone {
		t.Fatalf("consents %v, steps %v", st.Consents, st.Steps)
	}
	// Saved again, it is a version 2 file that reads back the same.
	if err := (wizard.Store{Path: path}).Save(st); err != nil {
		t.Fatal(err)
	}
	again, err := wizard.Store{Path: path}.Load()
	if err != nil || again.Version != 2 || again.Progress != st.Progress {
		t.Fatalf("round trip: %v %+v", err, again)
	}
}
