package secretserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/vaultlink/vaultlink/wizard"
)

// The external-vault operations run on the API map (apimap.go): every path, request property
// and response property comes from what the server's own swagger.json declares (or from a
// supplied map), never from a fixed guess.

const awsVaultType = "AWSSecretsManager"

// vaultMap returns the map in use, discovering it first when this client has none yet.
func (c *Client) vaultMap(ctx context.Context) (*APIMap, error) {
	c.maps.mu.Lock()
	m := c.maps.vmap
	c.maps.mu.Unlock()
	if m != nil {
		return m, nil
	}
	if _, err := c.Connect(ctx); err != nil {
		return nil, err
	}
	c.maps.mu.Lock()
	defer c.maps.mu.Unlock()
	return c.maps.vmap, nil
}

// opFor returns the usable operation key, or why the server does not offer it.
func (c *Client) opFor(ctx context.Context, key string) (*Operation, error) {
	m, err := c.vaultMap(ctx)
	if err != nil {
		return nil, err
	}
	return m.op(key)
}

// record is one JSON object read through an operation's result names.
type record struct {
	raw   map[string]any
	names map[string]string
}

func (r record) value(field string) any {
	name := r.names[field]
	if name == "" {
		return nil
	}
	return r.raw[name]
}

func (r record) str(field string) string {
	switch v := r.value(field).(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func (r record) int(field string) int {
	switch v := r.value(field).(type) {
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

func (r record) bool(field string) bool {
	b, _ := r.value(field).(bool)
	return b
}

// list is a nested list of objects, read with the names under prefix ("vaults.").
func (r record) list(field, prefix string) []record {
	items, _ := r.value(field).([]any)
	names := map[string]string{}
	for k, v := range r.names {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			names[rest] = v
		}
	}
	var out []record
	for _, it := range items {
		if obj, ok := it.(map[string]any); ok {
			out = append(out, record{raw: obj, names: names})
		}
	}
	return out
}

// body builds a request body from VaultLink's values, under the server's property names;
// values the server has no property for are not sent.
func (op *Operation) body(values map[string]any) map[string]any {
	out := map[string]any{}
	for f, v := range values {
		if name := op.Body[f]; name != "" {
			out[name] = v
		}
	}
	return out
}

// path fills the vault id into a {placeholder}, if the path has one.
func (op *Operation) path(vaultID int) string {
	p := op.Path
	if i := strings.Index(p, "{"); i >= 0 {
		if j := strings.Index(p[i:], "}"); j >= 0 {
			p = p[:i] + strconv.Itoa(vaultID) + p[i+j+1:]
		}
	}
	return p
}

func (op *Operation) hasPathID() bool { return strings.Contains(op.Path, "{") }

// do calls one operation and reads its answer as an object.
func (c *Client) do(ctx context.Context, op *Operation, path string, in map[string]any) (record, error) {
	var raw map[string]any
	var body any
	if in != nil {
		body = in
	}
	if err := c.call(ctx, op.Method, path, body, &raw); err != nil {
		return record{}, err
	}
	return record{raw: raw, names: op.Result}, nil
}

// listOp reads every page of a search operation.
func (c *Client) listOp(ctx context.Context, op *Operation, path string, q url.Values) ([]record, error) {
	var out []record
	err := c.list(ctx, path, q, false, func(raw json.RawMessage) error {
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return err
		}
		out = append(out, record{raw: obj, names: op.Result})
		return nil
	})
	return out, err
}

// statusQuery asks a search for active and inactive entries alike, in whichever way the
// operation declares (without it, Secret Server lists active ones only).
func statusQuery(op *Operation) url.Values {
	q := url.Values{}
	if p := op.Query[FieldStatus]; p != "" {
		q.Set(p, "All")
	}
	if p := op.Query[FieldIncludeInactive]; p != "" {
		q.Set(p, "true")
	}
	return q
}

// LinkSettings asks which AWS vaults the credential secret reaches.
func (c *Client) LinkSettings(ctx context.Context, credentialSecretID int, region string) (wizard.LinkSettings, error) {
	op, err := c.opFor(ctx, OpLinkSettings)
	if err != nil {
		return wizard.LinkSettings{}, err
	}
	res, err := c.do(ctx, op, op.Path, op.body(map[string]any{FieldType: awsVaultType, FieldCredentialSecretID: credentialSecretID, FieldRegion: region}))
	if err != nil {
		return wizard.LinkSettings{}, fmt.Errorf("external vault link settings: %w", err)
	}
	out := wizard.LinkSettings{DefaultName: res.str(FieldDefaultName), Message: res.str(FieldMessage)}
	for _, v := range res.list(FieldVaults, "vaults.") {
		out.Vaults = append(out.Vaults, wizard.RemoteVault{Name: v.str(FieldName), Region: orRegion(v.str(FieldRegion), region)})
	}
	// Without an explicit flag, "connected" means: no error message and at least one vault.
	out.Connected = out.Message == "" && len(out.Vaults) > 0
	if b, ok := res.value(FieldConnected).(bool); ok {
		out.Connected = b && out.Message == ""
	}
	return out, nil
}

// orRegion: a server that does not say a vault's region lists vaults of the region asked for.
func orRegion(v, asked string) string {
	if v == "" {
		return asked
	}
	return v
}

func vaultOf(r record) wizard.Vault {
	return wizard.Vault{ID: r.int(FieldID), Name: r.str(FieldName), DisplayName: r.str(FieldDisplayName), Region: r.str(FieldRegion),
		Type: r.str(FieldType), CredentialSecretID: r.int(FieldCredentialSecretID), Active: r.bool(FieldActive)}
}

// Vaults lists every external vault (active or not), every page.
func (c *Client) Vaults(ctx context.Context) ([]wizard.Vault, error) {
	op, err := c.opFor(ctx, OpVaultsSearch)
	if err != nil {
		return nil, err
	}
	recs, err := c.listOp(ctx, op, op.Path, statusQuery(op))
	if err != nil {
		return nil, fmt.Errorf("list external vaults: %w", err)
	}
	out := make([]wizard.Vault, 0, len(recs))
	for _, r := range recs {
		out = append(out, vaultOf(r))
	}
	return out, nil
}

// CreateVault creates the AWS Secrets Manager vault link. "Enabled" (push) maps to active.
func (c *Client) CreateVault(ctx context.Context, v wizard.VaultSpec) (wizard.Vault, error) {
	op, err := c.opFor(ctx, OpVaultsCreate)
	if err != nil {
		return wizard.Vault{}, err
	}
	in := op.body(map[string]any{FieldName: v.Name, FieldDisplayName: v.DisplayName, FieldActive: v.Active, FieldCredentialSecretID: v.CredentialSecretID,
		FieldType: awsVaultType, FieldRegion: v.Region})
	res, err := c.do(ctx, op, op.Path, in)
	if err != nil {
		return wizard.Vault{}, fmt.Errorf("create external vault %q: %w", v.DisplayName, err)
	}
	made := vaultOf(res)
	if made.ID == 0 {
		return wizard.Vault{}, fmt.Errorf("create external vault %q: Secret Server answered without the new vault's id (%s %s)", v.DisplayName, op.Method, op.Path)
	}
	return made, nil
}

func vaultSecretOf(r record) wizard.VaultSecret {
	return wizard.VaultSecret{ID: r.int(FieldID), Name: r.str(FieldName), LinkedSecretID: r.int(FieldLinkedSecretID), Active: r.bool(FieldActive), LastResult: r.str(FieldLastResult)}
}

// VaultSecrets lists the vault's external vault secrets, every page.
func (c *Client) VaultSecrets(ctx context.Context, vaultID int) ([]wizard.VaultSecret, error) {
	op, err := c.opFor(ctx, OpVaultSecretsSearch)
	if err != nil {
		return nil, err
	}
	q := statusQuery(op)
	if p := op.Query[FieldVaultID]; p != "" {
		q.Set(p, strconv.Itoa(vaultID))
	}
	recs, err := c.listOp(ctx, op, op.path(vaultID), q)
	if err != nil {
		return nil, fmt.Errorf("list external vault secrets: %w", err)
	}
	out := make([]wizard.VaultSecret, 0, len(recs))
	for _, r := range recs {
		// A server that ignores the filter must not mix in other vaults' secrets.
		if id := r.int(FieldVaultID); op.Result[FieldVaultID] != "" && id != 0 && id != vaultID {
			continue
		}
		out = append(out, vaultSecretOf(r))
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
	op, err := c.opFor(ctx, OpVaultSecretsCreate)
	if err != nil {
		return wizard.VaultSecret{}, err
	}
	in := op.body(map[string]any{FieldName: remoteName, FieldVaultID: vaultID, FieldLinkedSecretID: linkedSecretID, FieldTransform: "$PASSWORD", FieldActive: true})
	res, err := c.do(ctx, op, op.path(vaultID), in)
	if err != nil {
		return wizard.VaultSecret{}, fmt.Errorf("link secret %d to %q: %w", linkedSecretID, remoteName, err)
	}
	vs := vaultSecretOf(res)
	if vs.Name == "" {
		vs.Name, vs.LinkedSecretID, vs.Active = remoteName, linkedSecretID, true
	}
	return vs, nil
}

// Sync runs Push, Pull or Sync on one vault and reports per secret.
func (c *Client) Sync(ctx context.Context, action string, vaultID int) (wizard.SyncReport, error) {
	verb := strings.ToUpper(action[:1]) + strings.ToLower(action[1:])
	op, err := c.opFor(ctx, OpSync)
	if err != nil {
		return wizard.SyncReport{}, err
	}
	values := map[string]any{FieldAction: verb}
	if !op.hasPathID() {
		values[FieldVaultIDs], values[FieldVaultID] = []int{vaultID}, vaultID
	}
	res, err := c.do(ctx, op, op.path(vaultID), op.body(values))
	if err != nil {
		return wizard.SyncReport{}, fmt.Errorf("%s: %w", verb, err)
	}
	rep := wizard.SyncReport{Action: verb}
	for _, dir := range []struct{ field, name string }{{FieldPullResults, "pull"}, {FieldPushResults, "push"}} {
		for _, r := range res.list(dir.field, "results.") {
			rep.Items = append(rep.Items, wizard.SyncItem{Direction: dir.name, Name: r.str(FieldName), OK: r.bool("success"), Reason: r.str("error")})
		}
	}
	return rep, nil
}

// DeleteVault removes an external vault link.
func (c *Client) DeleteVault(ctx context.Context, id int) error {
	op, err := c.opFor(ctx, OpVaultsDelete)
	if err != nil {
		return fmt.Errorf("delete external vault %d: %w", id, err)
	}
	if err := c.call(ctx, op.Method, op.path(id), nil, nil); err != nil {
		return fmt.Errorf("delete external vault %d: %w", id, err)
	}
	return nil
}
