package secretserver

import (
	"encoding/json"
	"fmt"
	"testing"
)

// largeDoc is a document the size of a real server's (API 11.2.2 lists 861 operations): many
// unrelated resources plus one external-vault dialect.
func largeDoc(b *testing.B) []byte {
	b.Helper()
	paths := map[string]any{}
	defs := map[string]any{}
	for i := 0; i < 430; i++ {
		res := fmt.Sprintf("Resource%03d", i)
		op := func(verb string) map[string]any {
			return map[string]any{"operationId": res + "Service_" + verb, "tags": []string{res},
				"parameters": []any{map[string]any{"name": "args", "in": "body", "schema": map[string]any{"$ref": "#/definitions/" + res + "Model"}}},
				"responses":  map[string]any{"200": map[string]any{"schema": map[string]any{"$ref": "#/definitions/" + res + "Model"}}}}
		}
		paths[fmt.Sprintf("/v1/resource-%03d", i)] = map[string]any{"get": op("Search"), "post": op("Create")}
		props := map[string]any{}
		for _, p := range []string{"id", "name", "displayName", "active", "siteId", "folderId"} {
			props[p] = map[string]any{"type": "string"}
		}
		defs[res+"Model"] = map[string]any{"type": "object", "properties": props}
	}
	vault := map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "integer"}, "name": map[string]any{"type": "string"},
		"displayName": map[string]any{"type": "string"}, "externalVaultType": map[string]any{"type": "string"}, "credentialSecretId": map[string]any{"type": "integer"},
		"active": map[string]any{"type": "boolean"}, "region": map[string]any{"type": "string"}}}
	defs["ExternalVaultModel"] = vault
	ref := map[string]any{"$ref": "#/definitions/ExternalVaultModel"}
	paths["/v1/external-vaults"] = map[string]any{
		"get":  map[string]any{"operationId": "ExternalVaultsService_Search", "tags": []string{"ExternalVaults"}, "responses": map[string]any{"200": map[string]any{"schema": ref}}},
		"post": map[string]any{"operationId": "ExternalVaultsService_Create", "tags": []string{"ExternalVaults"}, "parameters": []any{map[string]any{"name": "args", "in": "body", "schema": ref}}, "responses": map[string]any{"200": map[string]any{"schema": ref}}},
	}
	out, _ := json.Marshal(map[string]any{"swagger": "2.0", "basePath": "/SecretServer/api", "paths": paths, "definitions": defs})
	return out
}

// BenchmarkDiscoverLargeDocument measures reading and discovering a real-sized document.
func BenchmarkDiscoverLargeDocument(b *testing.B) {
	raw := largeDoc(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var doc swaggerDoc
		if err := json.Unmarshal(raw, &doc); err != nil {
			b.Fatal(err)
		}
		m := discover(&doc, "https://ss.example.com/SecretServer", "11.2")
		if !m.usable(OpVaultsSearch) || !m.usable(OpVaultsCreate) {
			b.Fatalf("the external-vault operations were not found among %d paths: %+v", len(doc.Paths), m.Missing)
		}
	}
}
