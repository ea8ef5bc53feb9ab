package wizard

import (
	"context"
	"fmt"
	"strings"
)

// Capabilities is what VaultLink found out about a Secret Server's API: its version, each
// operation modules 3 and 6 need (found, or not and why) and the mode each module runs in.
// It is shown on the Connections page, by `vaultlink doctor` and in the exported report.
type Capabilities struct {
	Server  string `json:"server"`
	Version string `json:"version"`
	// Source says where the operations came from: the server's swagger.json, a supplied map,
	// or the progress kept from an earlier run.
	Source string `json:"source"`
	// SwaggerError is "could not read swagger.json: …" when the document could not be read;
	// the external-vault operations are then unknown, not absent.
	SwaggerError string         `json:"swagger_error,omitempty"`
	Operations   []APIOperation `json:"operations"`
	Module3      ModuleMode     `json:"module3"`
	Module6      ModuleMode     `json:"module6"`
}

// APIOperation is one operation VaultLink needs and what the server offers for it.
type APIOperation struct {
	Key         string `json:"key"`  // "vaults.create", …
	Need        string `json:"need"` // what it is for, in the admin's words
	Found       bool   `json:"found"`
	Method      string `json:"method,omitempty"`
	Path        string `json:"path,omitempty"`
	OperationID string `json:"operation_id,omitempty"`
	Why         string `json:"why,omitempty"` // why it is not usable
}

// ModuleMode is how a module runs on this server.
type ModuleMode struct {
	Automated bool   `json:"automated"`
	Reason    string `json:"reason"`
}

// ModeFor is the mode of module 3 or 6 (other modules are always automated).
func (c Capabilities) ModeFor(module int) ModuleMode {
	switch module {
	case 3:
		return c.Module3
	case 6:
		return c.Module6
	}
	return ModuleMode{Automated: true}
}

// Operation returns the operation with this key, if the report lists it.
func (c Capabilities) Operation(key string) (APIOperation, bool) {
	for _, o := range c.Operations {
		if o.Key == key {
			return o, true
		}
	}
	return APIOperation{}, false
}

// Describe names a found operation for a step's record: it says that the operation was
// discovered, not documented by Delinea.
func (o APIOperation) Describe() string {
	return fmt.Sprintf("%s %s (%s), discovered in the server's swagger.json (Delinea does not document it)", o.Method, o.Path, orDefault(o.OperationID, "no operation id"))
}

// Lines is the report as plain text, one line each.
func (c Capabilities) Lines() []string {
	lines := []string{"Secret Server " + orDefault(c.Server, "(unknown)") + ", version " + orDefault(c.Version, "unknown (GET /api/v1/version did not answer)")}
	if c.SwaggerError != "" {
		lines = append(lines, c.SwaggerError)
	}
	if c.Source != "" {
		lines = append(lines, "External-vault operations: "+c.Source)
	}
	for _, o := range c.Operations {
		if o.Found {
			lines = append(lines, fmt.Sprintf("  ✓ %s: %s %s (%s)", o.Need, o.Method, o.Path, orDefault(o.OperationID, "no operation id")))
		} else {
			lines = append(lines, fmt.Sprintf("  ✗ %s: %s", o.Need, o.Why))
		}
	}
	mode := func(n int, m ModuleMode) string {
		word := "guided (done by you in the web console)"
		if m.Automated {
			word = "automated"
		}
		return fmt.Sprintf("Module %d: %s: %s", n, word, m.Reason)
	}
	return append(lines, mode(3, c.Module3), mode(6, c.Module6))
}

// String is Lines joined.
func (c Capabilities) String() string { return strings.Join(c.Lines(), "\n") }

// APIMapKeeper is a Secret Server client whose external-vault operations come from a map that
// can be kept with the progress, so a restart and clean-up use what was discovered rather than
// guesses. ServerInfo.APIMap is the map to keep.
type APIMapKeeper interface {
	// UseAPIMap adopts a kept map. It returns false, without error, when the map is for
	// another server or another server version: the caller then rediscovers with Connect.
	UseAPIMap(ctx context.Context, data []byte) (bool, error)
	// Capabilities reports on the map in use.
	Capabilities() Capabilities
}

// The external-vault operations VaultLink needs, by the keys the capability report and the
// API map use.
const (
	APIOpLinkSettings       = "vaults.link-settings"
	APIOpVaultsSearch       = "vaults.search"
	APIOpVaultsCreate       = "vaults.create"
	APIOpVaultsDelete       = "vaults.delete"
	APIOpVaultSecretsSearch = "vault-secrets.search"
	APIOpVaultSecretsCreate = "vault-secrets.create"
	APIOpSync               = "vaults.sync"
)
