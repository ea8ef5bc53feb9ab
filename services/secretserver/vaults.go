package secretserver

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/vaultlink/vaultlink/wizard"
)

// vaultAPI is the one table of external-vault paths. Delinea does not publish them; the
// defaults are the practice server's shape, and probeVaultAPI takes the real ones from the
// server's own swagger.json when it documents them.
type vaultAPI struct {
	LinkSettings string
	Vaults       string
	Sync         string
	VaultSecrets string
}

var defaultVaultAPI = vaultAPI{
	LinkSettings: "/api/v1/external-vaults/link-settings",
	Vaults:       "/api/v1/external-vaults",
	Sync:         "/api/v1/external-vaults/sync",
	VaultSecrets: "/api/v1/external-vault-secrets",
}

type swaggerDoc struct {
	BasePath string                                 `json:"basePath"`
	Paths    map[string]map[string]swaggerOperation `json:"paths"`
}

type swaggerOperation struct {
	OperationID string `json:"operationId"`
}

// probeVaultAPI finds the external-vault operations by operation id; it reports whether the
// server has them at all.
func probeVaultAPI(doc swaggerDoc) (vaultAPI, bool) {
	api := defaultVaultAPI
	// Swagger paths are relative to basePath ("…/api"); requests are relative to the base URL.
	prefix := ""
	if strings.HasSuffix(doc.BasePath, "/api") {
		prefix = "/api"
	}
	found := map[string]string{}
	for path, ops := range doc.Paths {
		for _, op := range ops {
			found[op.OperationID] = prefix + path
		}
	}
	set := func(dst *string, ids ...string) bool {
		for _, id := range ids {
			if p, ok := found[id]; ok {
				*dst = p
				return true
			}
		}
		return false
	}
	ok := set(&api.Vaults, "ExternalVaults_Search")
	ok = set(&api.LinkSettings, "ExternalVaults_GetLinkSettings") && ok
	ok = set(&api.Sync, "ExternalVaults_Sync") && ok
	ok = set(&api.VaultSecrets, "ExternalVaultSecrets_Search") && ok
	return api, ok
}

type vaultJSON struct {
	ID                 int    `json:"id"`
	Name               string `json:"name"`
	DisplayName        string `json:"displayName"`
	ExternalVaultType  string `json:"externalVaultType"`
	Active             bool   `json:"active"`
	CredentialSecretID int    `json:"credentialSecretId"`
	Region             string `json:"region"`
}

func (v vaultJSON) wizard() wizard.Vault {
	return wizard.Vault{ID: v.ID, Name: v.Name, DisplayName: v.DisplayName, Region: v.Region, Type: v.ExternalVaultType, CredentialSecretID: v.CredentialSecretID, Active: v.Active}
}

// LinkSettings asks which AWS vaults the credential secret reaches.
func (c *Client) LinkSettings(ctx context.Context, credentialSecretID int, region string) (wizard.LinkSettings, error) {
	var res struct {
		DefaultName string `json:"defaultName"`
		Connected   *bool  `json:"connected"`
		Vaults      []struct {
			Name   string `json:"name"`
			Region string `json:"region"`
		} `json:"vaults"`
		ActionableErrorMessage string `json:"actionableErrorMessage"`
	}
	in := map[string]any{"externalVaultType": "AWSSecretsManager", "credentialSecretId": credentialSecretID, "region": region}
	if err := c.call(ctx, "POST", c.paths.LinkSettings, in, &res); err != nil {
		return wizard.LinkSettings{}, fmt.Errorf("external vault link settings: %w", err)
	}
	out := wizard.LinkSettings{DefaultName: res.DefaultName, Message: res.ActionableErrorMessage}
	for _, v := range res.Vaults {
		out.Vaults = append(out.Vaults, wizard.RemoteVault{Name: v.Name, Region: v.Region})
	}
	// Without an explicit flag, "connected" means: no error message and at least one vault.
	out.Connected = res.ActionableErrorMessage == "" && len(out.Vaults) > 0
	if res.Connected != nil {
		out.Connected = *res.Connected && res.ActionableErrorMessage == ""
	}
	return out, nil
}

// Vaults lists every external vault (active or not).
func (c *Client) Vaults(ctx context.Context) ([]wizard.Vault, error) {
	var res page[vaultJSON]
	q := url.Values{"filter.status": {"All"}, "take": {"200"}}
	if err := c.call(ctx, "GET", c.paths.Vaults+"?"+q.Encode(), nil, &res); err != nil {
		return nil, fmt.Errorf("list external vaults: %w", err)
	}
	out := make([]wizard.Vault, 0, len(res.Records))
	for _, v := range res.Records {
		out = append(out, v.wizard())
	}
	return out, nil
}

// CreateVault creates the AWS Secrets Manager vault link. "Enabled" (push) maps to active.
func (c *Client) CreateVault(ctx context.Context, v wizard.VaultSpec) (wizard.Vault, error) {
	in := map[string]any{"name": v.Name, "displayName": v.DisplayName, "active": v.Active, "credentialSecretId": v.CredentialSecretID,
		"externalVaultType": "AWSSecretsManager", "region": v.Region}
	var res vaultJSON
	if err := c.call(ctx, "POST", c.paths.Vaults, in, &res); err != nil {
		return wizard.Vault{}, fmt.Errorf("create external vault %q: %w", v.DisplayName, err)
	}
	return res.wizard(), nil
}

type vaultSecretJSON struct {
	ID             int    `json:"id"`
	Name           string `json:"name"`
	LinkedSecretID int    `json:"linkedSecretId"`
	Active         bool   `json:"active"`
	LastPushResult string `json:"lastPushResult"`
}

// VaultSecrets lists the vault's external vault secrets.
func (c *Client) VaultSecrets(ctx context.Context, vaultID int) ([]wizard.VaultSecret, error) {
	var res page[vaultSecretJSON]
	q := url.Values{"filter.externalVaultIds": {strconv.Itoa(vaultID)}, "filter.status": {"All"}, "take": {"500"}}
	if err := c.call(ctx, "GET", c.paths.VaultSecrets+"?"+q.Encode(), nil, &res); err != nil {
		return nil, fmt.Errorf("list external vault secrets: %w", err)
	}
	out := make([]wizard.VaultSecret, 0, len(res.Records))
	for _, r := range res.Records {
		out = append(out, wizard.VaultSecret{ID: r.ID, Name: r.Name, LinkedSecretID: r.LinkedSecretID, Active: r.Active, LastResult: r.LastPushResult})
	}
	return out, nil
}

// EnsureVaultSecret links a Secret Server secret to a name in the vault, once.
func (c *Client) EnsureVaultSecret(ctx context.Context, vaultID, linkedSecretID int, remoteName string) (wizard.VaultSecret, error) {
	existing, err := c.VaultSecrets(ctx, vaultID)
	if err != nil {
		return wizard.VaultSecret{}, err
	}
	for _, vs := range existing {
		if vs.Name == remoteName {
			if vs.LinkedSecretID != linkedSecretID {
				return wizard.VaultSecret{}, fmt.Errorf("%q in this vault is already linked to another Secret Server secret (id %d): choose another name in AWS", remoteName, vs.LinkedSecretID)
			}
			return vs, nil
		}
	}
	in := map[string]any{"name": remoteName, "externalVaultId": vaultID, "linkedSecretId": linkedSecretID, "transform": "$PASSWORD", "active": true}
	var res vaultSecretJSON
	if err := c.call(ctx, "POST", c.paths.VaultSecrets, in, &res); err != nil {
		return wizard.VaultSecret{}, fmt.Errorf("link secret %d to %q: %w", linkedSecretID, remoteName, err)
	}
	return wizard.VaultSecret{ID: res.ID, Name: res.Name, LinkedSecretID: res.LinkedSecretID, Active: res.Active}, nil
}

// Sync runs Push, Pull or Sync on one vault and reports per secret.
func (c *Client) Sync(ctx context.Context, action string, vaultID int) (wizard.SyncReport, error) {
	verb := strings.ToUpper(action[:1]) + strings.ToLower(action[1:])
	var res struct {
		PushResults []syncResult `json:"pushResults"`
		PullResults []syncResult `json:"pullResults"`
	}
	in := map[string]any{"action": verb, "externalVaultIds": []int{vaultID}}
	if err := c.call(ctx, "POST", c.paths.Sync, in, &res); err != nil {
		return wizard.SyncReport{}, fmt.Errorf("%s: %w", verb, err)
	}
	rep := wizard.SyncReport{Action: verb}
	for _, r := range res.PullResults {
		rep.Items = append(rep.Items, wizard.SyncItem{Direction: "pull", Name: r.Name, OK: r.Success, Reason: r.ErrorMessage})
	}
	for _, r := range res.PushResults {
		rep.Items = append(rep.Items, wizard.SyncItem{Direction: "push", Name: r.Name, OK: r.Success, Reason: r.ErrorMessage})
	}
	return rep, nil
}

// DeleteVault removes an external vault link.
func (c *Client) DeleteVault(ctx context.Context, id int) error {
	if err := c.call(ctx, "DELETE", fmt.Sprintf("%s/%d", c.paths.Vaults, id), nil, nil); err != nil {
		return fmt.Errorf("delete external vault %d: %w", id, err)
	}
	return nil
}

type syncResult struct {
	Name         string `json:"name"`
	Success      bool   `json:"success"`
	ErrorMessage string `json:"errorMessage"`
}
