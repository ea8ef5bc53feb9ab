package secretserver_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/secretserver"
	"github.com/vaultlink/vaultlink/wizard"
)

// The same discovery, unchanged, must find every dialect's operations by meaning and choose
// guided steps where they are missing or unusable.
func TestDiscoveryRecognisesEveryDialect(t *testing.T) {
	for _, tc := range []struct {
		dialect        string
		ids            map[string]string // needed operation → the operation id discovery must pick
		module3, mode6 bool
		why            []string // what the report must say
	}{
		{sssim.DialectPractice, map[string]string{secretserver.OpVaultsSearch: "ExternalVaults_Search", secretserver.OpSync: "ExternalVaults_Sync",
			secretserver.OpVaultSecretsCreate: "ExternalVaultSecrets_Create", secretserver.OpVaultsDelete: "ExternalVaults_Delete"}, true, true, nil},
		{sssim.DialectService, map[string]string{secretserver.OpVaultsSearch: "ExternalVaultsService_SearchV2", secretserver.OpLinkSettings: "ExternalVaultsService_GetLinkSettings",
			secretserver.OpVaultsCreate: "ExternalVaultsService_CreateExternalVault", secretserver.OpSync: "ExternalVaultsService_Synchronize",
			secretserver.OpVaultSecretsSearch: "ExternalVaultSecretsService_Search", secretserver.OpVaultSecretsCreate: "ExternalVaultSecretsService_Create",
			secretserver.OpVaultsDelete: "ExternalVaultsService_Delete"}, true, true, nil},
		{sssim.DialectLinks, map[string]string{secretserver.OpVaultsSearch: "ExternalVaultLinksService_List", secretserver.OpLinkSettings: "ExternalVaultLinksService_TestConnection",
			secretserver.OpVaultsCreate: "ExternalVaultLinksService_Add", secretserver.OpSync: "ExternalVaultLinksService_Synchronize",
			secretserver.OpVaultSecretsSearch: "ExternalVaultLinkSecretsService_List", secretserver.OpVaultSecretsCreate: "ExternalVaultLinkSecretsService_Add",
			secretserver.OpVaultsDelete: "ExternalVaultLinksService_Remove"}, true, true, nil},
		{sssim.DialectIncomplete, map[string]string{secretserver.OpVaultsCreate: "ExternalVaultsService_CreateExternalVault"}, false, true,
			[]string{"credential secret id", "ExternalVaultsService_CreateExternalVault"}},
		{sssim.Dialect112, nil, false, false, []string{"has no operation to create the external vault link"}},
	} {
		t.Run("dialect "+orPractice(tc.dialect), func(t *testing.T) {
			s := startSS(t, sssim.Options{Dialect: tc.dialect})
			c, err := secretserver.New(practiceLogin(s.URL()), nil)
			if err != nil {
				t.Fatal(err)
			}
			info, err := c.Connect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			caps := info.Capabilities
			if caps.Version == "" || caps.SwaggerError != "" {
				t.Errorf("version %q, swagger error %q", caps.Version, caps.SwaggerError)
			}
			for key, id := range tc.ids {
				op, _ := caps.Operation(key)
				if op.OperationID != id {
					t.Errorf("%s: found %q (%s %s), want %q", key, op.OperationID, op.Method, op.Path, id)
				}
			}
			if caps.Module3.Automated != tc.module3 || caps.Module6.Automated != tc.mode6 {
				t.Errorf("modes: module 3 automated=%v (%s), module 6 automated=%v (%s)", caps.Module3.Automated, caps.Module3.Reason, caps.Module6.Automated, caps.Module6.Reason)
			}
			report := caps.String()
			for _, w := range tc.why {
				if !strings.Contains(report, w) {
					t.Errorf("the report lacks %q:\n%s", w, report)
				}
			}
			if tc.dialect == sssim.Dialect112 {
				for _, op := range caps.Operations {
					if op.Found || strings.Contains(op.OperationID, "DevOps") {
						t.Errorf("11.2 has no external-vault operations, yet %s was matched to %s", op.Key, op.OperationID)
					}
				}
			}
		})
	}
}

func orPractice(d string) string {
	if d == "" {
		return "practice"
	}
	return d
}

// Every dialect that discovery automates must also work: link, list, link a secret, push and
// pull, through the discovered names.
func TestVaultOperationsWorkInEveryAutomatedDialect(t *testing.T) {
	for _, d := range []string{sssim.DialectPractice, sssim.DialectService, sssim.DialectLinks} {
		t.Run(orPractice(d), func(t *testing.T) {
			sb, c := practiceWith(t, sssim.Options{Dialect: d, PageSize: 1})
			vaultRoundTrip(t, sb, c)
		})
	}
}

func TestUnreadableSwaggerIsReportedAsSuchNotAsNoAPI(t *testing.T) {
	s := startSS(t, sssim.Options{HTMLErrorPaths: []string{"/Documents/restapi/TokenAuth/swagger.json"}})
	c, err := secretserver.New(practiceLogin(s.URL()), nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	caps := info.Capabilities
	if !strings.HasPrefix(caps.SwaggerError, "could not read swagger.json: ") || caps.Module3.Automated {
		t.Fatalf("swagger error %q, module 3 %+v", caps.SwaggerError, caps.Module3)
	}
	if strings.Contains(caps.String(), "has no operation") {
		t.Errorf("an unreadable document must not be reported as a server without the API:\n%s", caps)
	}
}

var _ = wizard.Capabilities{}

// A property the server requires and VaultLink has no value for makes the operation not
// automatable, and the report names the property.
func TestServerRequiredPropertyWithoutAValueIsNamed(t *testing.T) {
	s := startSS(t, sssim.Options{Dialect: sssim.DialectService})
	c, _ := secretserver.New(practiceLogin(s.URL()), nil)
	raw, err := c.SwaggerDocument(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	defs := doc["definitions"].(map[string]any)
	found := false
	for name, d := range defs {
		if strings.HasSuffix(name, "ExternalVaultCreateArgs") {
			def := d.(map[string]any)
			def["properties"].(map[string]any)["tenantPartitionKey"] = map[string]any{"type": "string"}
			def["required"] = append(def["required"].([]any), "tenantPartitionKey")
			found = true
		}
	}
	if !found {
		t.Fatal("no create definition to change")
	}
	url := interposed(t, map[string]struct {
		status int
		body   any
	}{"GET /Documents/restapi/TokenAuth/swagger.json": {200, doc}})
	c2, _ := secretserver.New(practiceLogin(url), nil)
	info, err := c2.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Capabilities.Module3.Automated || !strings.Contains(info.Capabilities.Module3.Reason, `requires the property "tenantPartitionKey"`) {
		t.Fatalf("module 3: %+v", info.Capabilities.Module3)
	}
}
