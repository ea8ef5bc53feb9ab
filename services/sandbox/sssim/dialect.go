package sssim

import (
	"maps"
	"slices"
	"strings"
)

// Delinea does not publish the external-vault REST operations, so the practice server speaks
// several dialects of them. Each dialect is its own paths, operation ids and property names
// over the same behaviour; VaultLink's discovery must find and use every one from swagger.json
// alone, which shows it is not tuned to one shape. No dialect claims to be what a real server
// serves.
const (
	// DialectPractice is VaultLink's original guess: ExternalVaults_* ids on
	// /v1/external-vaults, the property names of the PowerShell module's help text.
	DialectPractice = ""
	// DialectService names operations the way real Secret Server swagger does
	// (ExternalVaultsService_SearchV2, …), on other paths, with other property names.
	DialectService = "service"
	// DialectLinks calls vaults "external vault links", puts the vault id in the path of
	// sync and of the vault's secrets, and renames properties again.
	DialectLinks = "links"
	// DialectIncomplete is DialectService whose create operation declares no property for
	// the credential secret: creating a vault link cannot be automated.
	DialectIncomplete = "incomplete"
	// Dialect112 is shaped like the real Secret Server 11.2 API: <Resource>Service_<Verb>
	// ids everywhere, DevOps Secrets Vault operations as the only "vault" ones, and no
	// external-vault operations at all.
	Dialect112 = "api-11.2"
)

// Dialects lists the dialects (for flags and tests).
var Dialects = []string{DialectPractice, DialectService, DialectLinks, DialectIncomplete, Dialect112}

// The behaviours behind the external-vault operations.
const (
	opLinkSettings = "link-settings"
	opSearch       = "vaults.search"
	opCreate       = "vaults.create"
	opGet          = "vaults.get"
	opDelete       = "vaults.delete"
	opSync         = "sync"
	opVSSearch     = "vault-secrets.search"
	opVSCreate     = "vault-secrets.create"
)

// dialectOp is one external-vault operation as a dialect offers it.
type dialectOp struct {
	key, method, path, id, tag string
	// in and out rename the practice server's property names (at any depth) to the
	// dialect's; query renames a dialect query parameter to the practice server's.
	in, out map[string]string
	query   map[string]string
	// idTo says where the {id} of the path goes for the practice handler: "body:<name>",
	// "body[]:<name>" (a one-element list) or "query:<name>".
	idTo string
	// drop are request properties the dialect does not declare.
	drop []string
}

var (
	serviceVault = map[string]string{"name": "vaultName", "displayName": "vaultDisplayName", "externalVaultType": "vaultType",
		"credentialSecretId": "awsCredentialSecretId", "active": "isEnabled", "region": "awsRegion"}
	serviceLink = map[string]string{"connected": "isConnected", "vaults": "availableVaults", "actionableErrorMessage": "errorMessage",
		"defaultName": "defaultVaultName", "name": "vaultName", "region": "awsRegion", "externalVaultType": "vaultType", "credentialSecretId": "awsCredentialSecretId"}
	serviceSync = map[string]string{"action": "syncAction", "externalVaultIds": "vaultIds", "pushResults": "pushed", "pullResults": "pulled",
		"name": "secretName", "success": "succeeded", "errorMessage": "failureReason", "externalVaultId": "vaultId", "externalVaultSecretId": "vaultSecretId"}
	serviceVS = map[string]string{"name": "externalSecretName", "externalVaultId": "vaultId", "linkedSecretId": "secretId", "transform": "pushTemplate",
		"active": "isActive", "lastPushResult": "lastPushStatus"}

	linksVault = map[string]string{"id": "linkId", "name": "externalVaultName", "displayName": "label", "externalVaultType": "provider",
		"credentialSecretId": "credentialId", "active": "enabled", "region": "regionName", "siteId": "distributedEngineSiteId"}
	linksLink = map[string]string{"connected": "canConnect", "vaults": "reachableVaults", "actionableErrorMessage": "message",
		"name": "externalVaultName", "region": "regionName", "externalVaultType": "provider", "credentialSecretId": "credentialId"}
	linksSync = map[string]string{"action": "direction", "pushResults": "push", "pullResults": "pull", "name": "externalName",
		"success": "ok", "errorMessage": "error", "externalVaultId": "linkId", "externalVaultSecretId": "externalSecretId"}
	linksVS = map[string]string{"name": "remoteName", "externalVaultId": "linkId", "linkedSecretId": "localSecretId", "transform": "valueTemplate",
		"active": "enabled", "lastPushResult": "lastStatus"}
)

// dialectOps returns a dialect's external-vault operations (none for Dialect112).
func dialectOps(name string) []dialectOp {
	switch name {
	case DialectService, DialectIncomplete:
		ops := []dialectOp{
			{key: opLinkSettings, method: "POST", path: "/v2/external-vaults/link-settings", id: "ExternalVaultsService_GetLinkSettings", tag: "ExternalVaults", in: serviceLink, out: serviceLink},
			{key: opSearch, method: "GET", path: "/v2/external-vaults", id: "ExternalVaultsService_SearchV2", tag: "ExternalVaults", out: serviceVault,
				query: map[string]string{"filter.searchText": "filter.searchText", "filter.status": "filter.status"}},
			{key: opCreate, method: "POST", path: "/v2/external-vaults", id: "ExternalVaultsService_CreateExternalVault", tag: "ExternalVaults", in: serviceVault, out: serviceVault},
			{key: opGet, method: "GET", path: "/v2/external-vaults/{externalVaultId}", id: "ExternalVaultsService_GetV2", tag: "ExternalVaults", out: serviceVault},
			{key: opDelete, method: "DELETE", path: "/v1/external-vaults/{externalVaultId}", id: "ExternalVaultsService_Delete", tag: "ExternalVaults"},
			{key: opSync, method: "POST", path: "/v1/external-vaults/synchronize", id: "ExternalVaultsService_Synchronize", tag: "ExternalVaults", in: serviceSync, out: serviceSync},
			{key: opVSSearch, method: "GET", path: "/v1/external-vault-secrets/search", id: "ExternalVaultSecretsService_Search", tag: "ExternalVaultSecrets", out: serviceVS,
				query: map[string]string{"filter.vaultId": "filter.externalVaultIds", "filter.status": "filter.status"}},
			{key: opVSCreate, method: "POST", path: "/v1/external-vault-secrets", id: "ExternalVaultSecretsService_Create", tag: "ExternalVaultSecrets", in: serviceVS, out: serviceVS},
		}
		if name == DialectIncomplete {
			ops[2].drop = []string{"credentialSecretId"}
		}
		return ops
	case DialectLinks:
		return []dialectOp{
			{key: opLinkSettings, method: "POST", path: "/v1/external-vault-links/connection-test", id: "ExternalVaultLinksService_TestConnection", tag: "ExternalVaultLinks", in: linksLink, out: linksLink},
			{key: opSearch, method: "GET", path: "/v1/external-vault-links", id: "ExternalVaultLinksService_List", tag: "ExternalVaultLinks", out: linksVault,
				query: map[string]string{"filter.vaultStatus": "filter.status"}},
			{key: opCreate, method: "POST", path: "/v1/external-vault-links", id: "ExternalVaultLinksService_Add", tag: "ExternalVaultLinks", in: linksVault, out: linksVault},
			{key: opGet, method: "GET", path: "/v1/external-vault-links/{linkId}", id: "ExternalVaultLinksService_Get", tag: "ExternalVaultLinks", out: linksVault},
			{key: opDelete, method: "DELETE", path: "/v1/external-vault-links/{linkId}", id: "ExternalVaultLinksService_Remove", tag: "ExternalVaultLinks"},
			{key: opSync, method: "POST", path: "/v1/external-vault-links/{linkId}/synchronize", id: "ExternalVaultLinksService_Synchronize", tag: "ExternalVaultLinks",
				in: linksSync, out: linksSync, idTo: "body[]:externalVaultIds", drop: []string{"externalVaultIds"}},
			{key: opVSSearch, method: "GET", path: "/v1/external-vault-links/{linkId}/secrets", id: "ExternalVaultLinkSecretsService_List", tag: "ExternalVaultLinkSecrets",
				out: linksVS, idTo: "query:filter.externalVaultIds", query: map[string]string{"filter.secretStatus": "filter.status"}},
			{key: opVSCreate, method: "POST", path: "/v1/external-vault-links/{linkId}/secrets", id: "ExternalVaultLinkSecretsService_Add", tag: "ExternalVaultLinkSecrets",
				in: linksVS, out: linksVS, idTo: "body:externalVaultId", drop: []string{"externalVaultId"}},
		}
	case Dialect112:
		return nil
	}
	return []dialectOp{
		{key: opLinkSettings, method: "POST", path: "/v1/external-vaults/link-settings", id: "ExternalVaults_GetLinkSettings", tag: "ExternalVaults"},
		{key: opSearch, method: "GET", path: "/v1/external-vaults", id: "ExternalVaults_Search", tag: "ExternalVaults",
			query: map[string]string{"filter.searchText": "filter.searchText", "filter.status": "filter.status", "filter.externalVaultTypes": "filter.externalVaultTypes"}},
		{key: opCreate, method: "POST", path: "/v1/external-vaults", id: "ExternalVaults_Create", tag: "ExternalVaults"},
		{key: opGet, method: "GET", path: "/v1/external-vaults/{id}", id: "ExternalVaults_Get", tag: "ExternalVaults"},
		{key: opDelete, method: "DELETE", path: "/v1/external-vaults/{id}", id: "ExternalVaults_Delete", tag: "ExternalVaults"},
		{key: opSync, method: "POST", path: "/v1/external-vaults/sync", id: "ExternalVaults_Sync", tag: "ExternalVaults"},
		{key: opVSSearch, method: "GET", path: "/v1/external-vault-secrets", id: "ExternalVaultSecrets_Search", tag: "ExternalVaultSecrets",
			query: map[string]string{"filter.externalVaultIds": "filter.externalVaultIds", "filter.status": "filter.status"}},
		{key: opVSCreate, method: "POST", path: "/v1/external-vault-secrets", id: "ExternalVaultSecrets_Create", tag: "ExternalVaultSecrets"},
	}
}

// rename returns v with object keys renamed by names, at every depth.
func rename(v any, names map[string]string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if n, ok := names[k]; ok {
				k = n
			}
			out[k] = rename(x, names)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = rename(x, names)
		}
		return out
	}
	return v
}

// inverse swaps a rename table's direction.
func inverse(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// prop is one property of a practice model: its name, its swagger type, and for a list of
// objects the items' model.
type prop struct {
	name, typ string
	items     *model
}

type model struct {
	name     string
	props    []prop
	required []string
}

var (
	vaultModel = &model{name: "ExternalVaultModel", props: []prop{{name: "id", typ: "integer"}, {name: "name", typ: "string"}, {name: "displayName", typ: "string"},
		{name: "externalVaultType", typ: "string"}, {name: "active", typ: "boolean"}, {name: "credentialSecretId", typ: "integer"}, {name: "siteId", typ: "integer"},
		{name: "region", typ: "string"}, {name: "secretRegex", typ: "string"}, {name: "lastPullDate", typ: "string"}}}
	vaultCreateArgs = &model{name: "ExternalVaultCreateArgs", props: []prop{{name: "name", typ: "string"}, {name: "displayName", typ: "string"}, {name: "active", typ: "boolean"},
		{name: "credentialSecretId", typ: "integer"}, {name: "externalVaultType", typ: "string"}, {name: "siteId", typ: "integer"}, {name: "region", typ: "string"}},
		required: []string{"name", "displayName", "credentialSecretId", "externalVaultType"}}
	linkSettingsArgs = &model{name: "ExternalVaultLinkSettingsArgs", props: []prop{{name: "externalVaultType", typ: "string"}, {name: "credentialSecretId", typ: "integer"},
		{name: "region", typ: "string"}}, required: []string{"externalVaultType", "credentialSecretId"}}
	linkSettingsModel = &model{name: "ExternalVaultLinkSettingsModel", props: []prop{{name: "externalVaultType", typ: "string"}, {name: "defaultName", typ: "string"},
		{name: "vaults", typ: "array", items: &model{name: "ExternalVaultLinkSettingsVault", props: []prop{{name: "name", typ: "string"}, {name: "region", typ: "string"}}}},
		{name: "connected", typ: "boolean"}, {name: "actionableErrorMessage", typ: "string"}}}
	syncArgs        = &model{name: "ExternalVaultSyncArgs", props: []prop{{name: "action", typ: "string"}, {name: "externalVaultIds", typ: "array"}}, required: []string{"action"}}
	syncResultModel = &model{name: "ExternalVaultSyncResult", props: []prop{{name: "externalVaultId", typ: "integer"}, {name: "externalVaultSecretId", typ: "integer"},
		{name: "name", typ: "string"}, {name: "success", typ: "boolean"}, {name: "errorMessage", typ: "string"}}}
	syncModel        = &model{name: "ExternalVaultSyncModel", props: []prop{{name: "pushResults", typ: "array", items: syncResultModel}, {name: "pullResults", typ: "array", items: syncResultModel}}}
	vaultSecretModel = &model{name: "ExternalVaultSecretModel", props: []prop{{name: "id", typ: "integer"}, {name: "name", typ: "string"}, {name: "externalVaultId", typ: "integer"},
		{name: "linkedSecretId", typ: "integer"}, {name: "transform", typ: "string"}, {name: "active", typ: "boolean"}, {name: "lastPushResult", typ: "string"}, {name: "lastPullDate", typ: "string"}}}
	vaultSecretArgs = &model{name: "ExternalVaultSecretCreateArgs", props: []prop{{name: "name", typ: "string"}, {name: "externalVaultId", typ: "integer"},
		{name: "linkedSecretId", typ: "integer"}, {name: "transform", typ: "string"}, {name: "active", typ: "boolean"}}, required: []string{"name", "externalVaultId", "linkedSecretId"}}
)

// models says, per operation, its request model, its answer's model and whether the answer is
// a paging envelope of that model.
var models = map[string]struct {
	in, out *model
	paged   bool
}{
	opLinkSettings: {linkSettingsArgs, linkSettingsModel, false},
	opSearch:       {nil, vaultModel, true},
	opCreate:       {vaultCreateArgs, vaultModel, false},
	opGet:          {nil, vaultModel, false},
	opDelete:       {nil, nil, false},
	opSync:         {syncArgs, syncModel, false},
	opVSSearch:     {nil, vaultSecretModel, true},
	opVSCreate:     {vaultSecretArgs, vaultSecretModel, false},
}

// schemaOf writes a model as a swagger definition under the dialect's names (and its items'
// definitions into defs).
func schemaOf(m *model, names map[string]string, drop []string, prefix string, defs map[string]any) string {
	def := prefix + m.name
	props := map[string]any{}
	var required []string
	for _, p := range m.props {
		if slices.Contains(drop, p.name) {
			continue
		}
		n := p.name
		if r, ok := names[n]; ok {
			n = r
		}
		s := map[string]any{"type": p.typ}
		if p.items != nil {
			s["items"] = map[string]any{"$ref": "#/definitions/" + schemaOf(p.items, names, nil, prefix, defs)}
		} else if p.typ == "array" {
			s["items"] = map[string]any{"type": "integer"}
		}
		props[n] = s
		if slices.Contains(m.required, p.name) {
			required = append(required, n)
		}
	}
	d := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		d["required"] = required
	}
	defs[def] = d
	return def
}

// pagingOf is Secret Server's paging envelope around a definition.
func pagingOf(def string, defs map[string]any) string {
	name := "PagingOf" + def
	props := map[string]any{"records": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/" + def}}}
	for _, n := range []string{"total", "skip", "take", "nextSkip", "prevSkip", "pageCount", "currentPage", "batchCount"} {
		props[n] = map[string]any{"type": "integer"}
	}
	for _, n := range []string{"hasNext", "hasPrev", "success"} {
		props[n] = map[string]any{"type": "boolean"}
	}
	defs[name] = map[string]any{"type": "object", "properties": props}
	return name
}

// errorResponses are the answers Secret Server documents for every operation.
func errorResponses(ok any) map[string]any {
	r := map[string]any{
		"400": map[string]any{"description": "Bad request", "schema": map[string]any{"$ref": "#/definitions/BadRequestResponse"}},
		"403": map[string]any{"description": "Authentication failed", "schema": map[string]any{"$ref": "#/definitions/AuthenticationFailedResponse"}},
		"500": map[string]any{"description": "Internal server error", "schema": map[string]any{"$ref": "#/definitions/InternalServerErrorResponse"}},
	}
	r["200"] = ok
	return r
}

// describe adds a dialect's operations and definitions to a swagger document.
func describe(ops []dialectOp, paths, defs map[string]any) {
	for i, op := range ops {
		prefix := ""
		if op.in != nil || op.out != nil {
			prefix = op.tag // renamed shapes get their own definitions
		}
		md := models[op.key]
		var params []any
		for _, seg := range strings.Split(op.path, "/") {
			if len(seg) > 2 && seg[0] == '{' {
				params = append(params, map[string]any{"name": seg[1 : len(seg)-1], "in": "path", "type": "integer", "required": true})
			}
		}
		for _, q := range slices.Sorted(maps.Keys(op.query)) {
			params = append(params, map[string]any{"name": q, "in": "query", "type": "string", "required": false})
		}
		if md.paged {
			params = append(params, map[string]any{"name": "skip", "in": "query", "type": "integer"}, map[string]any{"name": "take", "in": "query", "type": "integer"})
		}
		if md.in != nil {
			reqPrefix := ""
			if prefix != "" {
				reqPrefix = prefix + opSuffix(i)
			}
			def := schemaOf(md.in, op.in, op.drop, reqPrefix, defs)
			params = append(params, map[string]any{"name": "args", "in": "body", "schema": map[string]any{"$ref": "#/definitions/" + def}})
		}
		ok := map[string]any{"description": "Success"}
		if md.out != nil {
			def := schemaOf(md.out, op.out, nil, prefix, defs)
			if md.paged {
				def = pagingOf(def, defs)
			}
			ok["schema"] = map[string]any{"$ref": "#/definitions/" + def}
		}
		item, _ := paths[op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		entry := map[string]any{"operationId": op.id, "tags": []string{op.tag}, "responses": errorResponses(ok)}
		if len(params) > 0 {
			entry["parameters"] = params
		}
		item[strings.ToLower(op.method)] = entry
	}
}

// opSuffix keeps request definitions of different operations apart when a dialect renames.
func opSuffix(i int) string { return string(rune('A' + i)) }
