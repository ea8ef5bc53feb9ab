package secretserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/wizard"
)

func TestBadTokenIsASignInProblem(t *testing.T) {
	s := startSS(t, sssim.Options{APITokens: []string{"the-right-token"}})
	c, err := secretserver.New(wizard.SSConnection{URL: s.URL(), Token: wizard.NewSecret("a-wrong-token")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Connect(context.Background())
	wantMessage(t, err, "did not accept the sign-in", "403", "API token is not valid")
}

// interposed serves the practice server, except for the paths in answers, which get a fixed
// status and body.
func interposed(t *testing.T, answers map[string]struct {
	status int
	body   any
}) string {
	t.Helper()
	ss := sssim.New(sssim.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := answers[r.Method+" "+strings.TrimPrefix(r.URL.Path, "/SecretServer")]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(a.status)
			json.NewEncoder(w).Encode(a.body)
			return
		}
		ss.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/SecretServer"
}

func TestErrorBodiesAreReadAndInternalsKeptOffTheScreen(t *testing.T) {
	url := interposed(t, map[string]struct {
		status int
		body   any
	}{
		"POST /api/v1/external-vaults": {400, map[string]any{"message": "The request is invalid.", "messageDetail": "Display name is too long.",
			"errorCode": "API_InvalidRequest", "modelState": map[string]any{"args.displayName": []string{"The field DisplayName must be at most 50 characters."}}}},
		"POST /api/v1/external-vaults/link-settings": {500, map[string]any{"message": "An error has occurred.", "exceptionMessage": "Login failed for user sa password hunter2",
			"exceptionType": "System.Data.SqlClient.SqlException", "stackTrace": "at Thycotic.Secrets.Db.Open()"}},
	})
	c, err := secretserver.New(practiceLogin(url), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.CreateVault(ctx, wizard.VaultSpec{Name: "n", DisplayName: "d", Region: "us-east-1", CredentialSecretID: 1, Active: true})
	wantMessage(t, err, "The request is invalid.", "Display name is too long.", "API_InvalidRequest", "args.displayName: The field DisplayName must be at most 50 characters.")
	_, err = c.LinkSettings(ctx, 1, "us-east-1")
	wantMessage(t, err, "500", "An error has occurred.", "System.Data.SqlClient.SqlException")
	for _, secret := range []string{"hunter2", "Login failed", "Thycotic.Secrets.Db"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("a 500's exception text or stack trace reached the message: %v", err)
		}
	}
}

// Every list follows hasNext/nextSkip: with one record per page, templates, folders and
// secrets are all found beyond the first page.
func TestListsFollowEveryPage(t *testing.T) {
	sb, c := practiceWith(t, sssim.Options{PageSize: 1})
	ctx := context.Background()
	folders, err := c.Folders(ctx)
	if err != nil || len(folders) < 2 {
		t.Fatalf("folders over several pages: %+v %v", folders, err)
	}
	// "Key" matches several templates; the exact one is not on the first page.
	if tpl, err := c.FindTemplate(ctx, "Amazon IAM Key"); err != nil || tpl.Name != "Amazon IAM Key" {
		t.Fatalf("%+v %v", tpl, err)
	}
	id, secret := integrationKey(t, sb, true)
	credentialSecret(t, c, "cred-a", id, secret)
	credentialSecret(t, c, "cred-b", id, secret)
	if ref, err := c.FindSecretByName(ctx, "cred-b"); err != nil || ref == nil {
		t.Fatalf("a secret on the second page of the search: %v %v", ref, err)
	}
}

func TestAPIMapFileIsValidatedWithClearErrors(t *testing.T) {
	_, err := secretserver.ParseAPIMap([]byte(`{"format":"vaultlink-secret-server-api-map/1","server":"https://ss.example.com/SecretServer",
		"operations":{"vaults.search":{"method":"FETCH","path":"api/v1/x"},"vaults.frobnicate":{"method":"GET","path":"/x"},
		"vaults.create":{"method":"POST","path":"/api/v1/x","body":{"colour":"c"}}}}`))
	wantMessage(t, err, `operations.vaults.search.method: "FETCH"`, "operations.vaults.search.path", "operations.vaults.frobnicate: unknown operation",
		"operations.vaults.create.body.colour: unknown VaultLink field")
	_, err = secretserver.ParseAPIMap([]byte(`{"format":"something-else"}`))
	wantMessage(t, err, "format is", "server:")
	_, err = secretserver.ParseAPIMap([]byte(`{"format":"vaultlink-secret-server-api-map/1","unexpected":1}`))
	wantMessage(t, err, "unknown field")
}

// A discovered map is plain JSON: supplied back to a new client it drives the same server
// without discovery; a server of another version makes a kept map stale.
func TestAPIMapRoundTripsAndAVersionChangeMakesItStale(t *testing.T) {
	sb, c := practiceWith(t, sssim.Options{Dialect: sssim.DialectLinks})
	ctx := context.Background()
	info, err := c.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := secretserver.ParseAPIMap(info.APIMap)
	if err != nil {
		t.Fatalf("the discovered map must pass its own validation: %v", err)
	}
	fresh, _ := secretserver.New(practiceLogin(sb.SS.URL()), nil)
	fresh.SupplyAPIMap(m)
	if _, err := fresh.Vaults(ctx); err != nil {
		t.Fatalf("a supplied map drives the server: %v", err)
	}
	if caps := fresh.Capabilities(); !strings.Contains(caps.Source, "supplied") || !caps.Module3.Automated {
		t.Fatalf("report of a supplied map: %s", caps)
	}
	kept, _ := secretserver.New(practiceLogin(sb.SS.URL()), nil)
	if ok, err := kept.UseAPIMap(ctx, info.APIMap); !ok || err != nil {
		t.Fatalf("a kept map for this server and version is used: %v %v", ok, err)
	}
	sb.SS.SetVersion("99.0")
	upgraded, _ := secretserver.New(practiceLogin(sb.SS.URL()), nil)
	if ok, err := upgraded.UseAPIMap(ctx, info.APIMap); ok || err != nil {
		t.Fatalf("a map made for another server version must be rediscovered: %v %v", ok, err)
	}
}

// The format documented for admins must be one the validation accepts, and must drive the
// practice server it was written for.
func TestDocumentedAPIMapExampleIsValid(t *testing.T) {
	doc, err := os.ReadFile("../../docs/secret-server-api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/secret-server-api.md has no JSON example")
	}
	m, err := secretserver.ParseAPIMap([]byte(example))
	if err != nil {
		t.Fatalf("the documented example is refused: %v", err)
	}
	sb, c := practiceWith(t, sssim.Options{PageSize: 1})
	c.SupplyAPIMap(m)
	vaultRoundTrip(t, sb, c)
}
