package secretserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vaultlink/vaultlink/wizard"
)

// APIMap says where a Secret Server keeps the external-vault operations VaultLink needs and
// what the server calls each field. Delinea does not publish these operations, so the map is
// discovered from the server's own swagger.json (or supplied by an admin with --ss-api-map).
// It is a plain value: it is saved as JSON with the wizard's progress and read back on
// restart and by clean-up. docs/secret-server-api.md documents the format.
type APIMap struct {
	Format  string `json:"format"`  // APIMapFormat
	Server  string `json:"server"`  // the base URL it was made for
	Version string `json:"version"` // the server version it was made for ("" when unknown)
	Source  string `json:"source"`  // "discovered" or "supplied"
	// Operations maps an operation VaultLink needs (OpVaultsSearch, …) to how this server
	// offers it.
	Operations map[string]*Operation `json:"operations"`
	// Missing says, for each needed operation the server does not offer in a usable way, why.
	Missing map[string]string `json:"missing,omitempty"`
	// SwaggerError is why the server's swagger.json could not be read ("" when it was read).
	SwaggerError string `json:"swagger_error,omitempty"`
}

// APIMapFormat names the map's format; a change that old readers cannot follow gets a new one.
const APIMapFormat = "vaultlink-secret-server-api-map/1"

// Operation is one server operation and the property names it uses.
type Operation struct {
	Method      string `json:"method"`
	Path        string `json:"path"` // from the base URL ("/api/v1/…"); a {placeholder} takes the vault id
	OperationID string `json:"operation_id,omitempty"`
	// Body, Result and Query map VaultLink's field names (FieldName, …) to the server's
	// request property, response property and query parameter names.
	Body   map[string]string `json:"body,omitempty"`
	Result map[string]string `json:"result,omitempty"`
	Query  map[string]string `json:"query,omitempty"`
}

// The operations VaultLink needs, by the names the map uses.
const (
	OpLinkSettings       = wizard.APIOpLinkSettings
	OpVaultsSearch       = wizard.APIOpVaultsSearch
	OpVaultsCreate       = wizard.APIOpVaultsCreate
	OpVaultsDelete       = wizard.APIOpVaultsDelete
	OpVaultSecretsSearch = wizard.APIOpVaultSecretsSearch
	OpVaultSecretsCreate = wizard.APIOpVaultSecretsCreate
	OpSync               = wizard.APIOpSync
)

// opNeeds says what each operation is for, in the admin's words.
var opNeeds = map[string]string{
	OpLinkSettings:       "check the AWS connection (link settings)",
	OpVaultsSearch:       "list external vaults",
	OpVaultsCreate:       "create the external vault link",
	OpVaultsDelete:       "delete an external vault link (clean-up)",
	OpVaultSecretsSearch: "list external vault secrets",
	OpVaultSecretsCreate: "link a secret to a name in AWS",
	OpSync:               "run Push, Pull or Sync",
}

// opOrder is the order the capability report lists operations in.
var opOrder = []string{OpLinkSettings, OpVaultsSearch, OpVaultsCreate, OpVaultsDelete, OpVaultSecretsSearch, OpVaultSecretsCreate, OpSync}

// The modules' needs: an external-vault module is automated only when every one is usable.
var (
	module3Needs = []string{OpLinkSettings, OpVaultsSearch, OpVaultsCreate}
	module6Needs = []string{OpVaultsSearch, OpVaultSecretsSearch, OpVaultSecretsCreate, OpSync}
)

// VaultLink's field names, the left-hand side of Body, Result and Query. Nested results use a
// dot: "vaults.name" is the name of each vault in the "vaults" list.
const (
	FieldID                 = "id"
	FieldName               = "name"
	FieldDisplayName        = "display_name"
	FieldType               = "type"
	FieldCredentialSecretID = "credential_secret_id"
	FieldActive             = "active"
	FieldRegion             = "region"
	FieldSiteID             = "site_id"
	FieldVaultID            = "vault_id"
	FieldVaultIDs           = "vault_ids"
	FieldLinkedSecretID     = "linked_secret_id"
	FieldTransform          = "transform"
	FieldLastResult         = "last_result"
	FieldAction             = "action"
	FieldStatus             = "status"
	FieldIncludeInactive    = "include_inactive"
	FieldVaults             = "vaults"
	FieldVaultName          = "vaults.name"
	FieldVaultRegion        = "vaults.region"
	FieldConnected          = "connected"
	FieldMessage            = "message"
	FieldDefaultName        = "default_name"
	FieldPushResults        = "push_results"
	FieldPullResults        = "pull_results"
	FieldResultName         = "results.name"
	FieldResultSuccess      = "results.success"
	FieldResultError        = "results.error"
)

var knownFields = []string{FieldID, FieldName, FieldDisplayName, FieldType, FieldCredentialSecretID, FieldActive, FieldRegion, FieldSiteID,
	FieldVaultID, FieldVaultIDs, FieldLinkedSecretID, FieldTransform, FieldLastResult, FieldAction, FieldStatus, FieldIncludeInactive,
	FieldVaults, FieldVaultName, FieldVaultRegion, FieldConnected, FieldMessage, FieldDefaultName, FieldPushResults, FieldPullResults,
	FieldResultName, FieldResultSuccess, FieldResultError}

// usable says whether an operation is in the map and not marked missing.
func (m *APIMap) usable(key string) bool {
	if m == nil {
		return false
	}
	_, missing := m.Missing[key]
	return m.Operations[key] != nil && !missing
}

// op returns a usable operation or says why there is none.
func (m *APIMap) op(key string) (*Operation, error) {
	if m.usable(key) {
		return m.Operations[key], nil
	}
	why := "the server's API does not offer it"
	if m != nil {
		if w := m.Missing[key]; w != "" {
			why = w
		}
	}
	return nil, fmt.Errorf("secret server cannot %s through its API: %s", opNeeds[key], why)
}

// MarshalJSON is the plain encoding (the method keeps the field order stable for diffs).
func (m APIMap) encode() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return b
}

// ParseAPIMap reads and validates a map (a file given with --ss-api-map, or one kept with the
// progress). Every problem is named with where it is, so an admin can fix the file.
func ParseAPIMap(data []byte) (*APIMap, error) {
	var m APIMap
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a Secret Server API map (JSON in the format of docs/secret-server-api.md): %w", err)
	}
	var errs []string
	if m.Format != APIMapFormat {
		errs = append(errs, fmt.Sprintf("format is %q, want %q", m.Format, APIMapFormat))
	}
	if m.Server == "" {
		errs = append(errs, "server: the Secret Server base URL it is for is missing")
	}
	keys := make([]string, 0, len(m.Operations))
	for k := range m.Operations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		op := m.Operations[k]
		where := "operations." + k
		if _, ok := opNeeds[k]; !ok {
			errs = append(errs, fmt.Sprintf("%s: unknown operation (known: %s)", where, strings.Join(opOrder, ", ")))
			continue
		}
		if op == nil {
			errs = append(errs, where+": empty")
			continue
		}
		if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, op.Method) {
			errs = append(errs, fmt.Sprintf("%s.method: %q is not GET, POST, PUT, PATCH or DELETE", where, op.Method))
		}
		if !strings.HasPrefix(op.Path, "/") || strings.ContainsAny(op.Path, "?# ") {
			errs = append(errs, fmt.Sprintf("%s.path: %q must start with / and have no query", where, op.Path))
		}
		for part, fields := range map[string]map[string]string{"body": op.Body, "result": op.Result, "query": op.Query} {
			for f, prop := range fields {
				if !slices.Contains(knownFields, f) {
					errs = append(errs, fmt.Sprintf("%s.%s.%s: unknown VaultLink field", where, part, f))
				}
				if strings.TrimSpace(prop) == "" {
					errs = append(errs, fmt.Sprintf("%s.%s.%s: empty property name", where, part, f))
				}
			}
		}
	}
	for k := range m.Missing {
		if _, ok := opNeeds[k]; !ok {
			errs = append(errs, fmt.Sprintf("missing.%s: unknown operation", k))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, errors.New("the Secret Server API map is not valid:\n  - " + strings.Join(errs, "\n  - "))
	}
	if m.Missing == nil {
		m.Missing = map[string]string{}
	}
	for _, k := range opOrder {
		if m.Operations[k] == nil {
			if _, ok := m.Missing[k]; !ok {
				m.Missing[k] = "not in the map"
			}
		}
	}
	return &m, nil
}

// sameServer says whether the map was made for this server and version.
func (m *APIMap) sameServer(base, version string) bool {
	return m != nil && strings.EqualFold(strings.TrimRight(m.Server, "/"), strings.TrimRight(base, "/")) && m.Version == version
}
