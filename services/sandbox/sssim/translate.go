package sssim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
)

// translated serves one dialect operation with the practice handler: the request's
// properties and query parameters are renamed to the practice names (and the path's {id} put
// where the handler reads it), the answer's properties renamed to the dialect's.
func (s *Server) translated(op dialectOp, h http.HandlerFunc) http.HandlerFunc {
	toPractice := inverse(op.in)
	return func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		if r.Body != nil && r.ContentLength != 0 && (op.in != nil || strings.HasPrefix(op.idTo, "body")) {
			var body any
			if err := decode(r, &body); err != nil {
				apiError(w, 400, "API_InvalidRequest", "The request body is not valid JSON.")
				return
			}
			body = rename(body, toPractice)
			if obj, ok := body.(map[string]any); ok && strings.HasPrefix(op.idTo, "body") {
				id, _ := strconv.Atoi(r.PathValue("id"))
				where, name, _ := strings.Cut(op.idTo, ":")
				if where == "body[]" {
					obj[name] = []int{id}
				} else {
					obj[name] = id
				}
			}
			b, _ := json.Marshal(body)
			r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		q := r.URL.Query()
		if op.query != nil {
			q2 := r2.URL.Query()
			for dialectName, practiceName := range op.query {
				if v, ok := q[dialectName]; ok {
					q2.Del(dialectName)
					q2[practiceName] = v
				}
			}
			q = q2
		}
		if name, ok := strings.CutPrefix(op.idTo, "query:"); ok {
			q.Set(name, r.PathValue("id"))
		}
		r2.URL.RawQuery = q.Encode()
		if op.out == nil {
			h(w, r2)
			return
		}
		rec := httptest.NewRecorder()
		h(rec, r2)
		var out any
		if json.Unmarshal(rec.Body.Bytes(), &out) != nil || rec.Code >= 300 {
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		writeJSON(w, rec.Code, rename(out, op.out))
	}
}

// muxPattern turns a dialect path into a ServeMux pattern whose wildcard is {id}, the name
// the practice handlers read.
var placeholder = regexp.MustCompile(`\{[^}]+\}`)

func muxPattern(path string) string { return placeholder.ReplaceAllString(path, "{id}") }

// practiceHandlers are the behaviours behind the external-vault operations.
func (s *Server) practiceHandlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		opLinkSettings: s.linkSettings, opSearch: s.searchVaults, opCreate: s.createVault, opGet: s.getVault,
		opDelete: s.deleteVault, opSync: s.sync, opVSSearch: s.searchVaultSecrets, opVSCreate: s.createVaultSecret,
	}
}

// swaggerFor is the server's swagger.json: the shared operations of swagger.json, named in
// the dialect's style, plus the dialect's external-vault operations.
func (s *Server) swaggerFor() []byte {
	var doc map[string]any
	json.Unmarshal(swaggerJSON, &doc)
	paths, _ := doc["paths"].(map[string]any)
	defs, _ := doc["definitions"].(map[string]any)
	for p := range paths {
		if strings.Contains(p, "external-vault") {
			delete(paths, p)
		}
	}
	for d := range defs {
		if strings.HasPrefix(d, "ExternalVault") {
			delete(defs, d)
		}
	}
	paths["/v1/version"] = map[string]any{"get": map[string]any{"operationId": "Version_Get", "tags": []string{"Version"},
		"responses": errorResponses(map[string]any{"description": "Success"})}}
	for name, props := range map[string][]string{"BadRequestResponse": {"message", "messageDetail", "errorCode", "modelState"},
		"AuthenticationFailedResponse": {"message"}, "InternalServerErrorResponse": {"message", "exceptionMessage", "exceptionType", "stackTrace"}} {
		p := map[string]any{}
		for _, n := range props {
			p[n] = map[string]any{"type": "string"}
		}
		defs[name] = map[string]any{"type": "object", "properties": p}
	}
	info, _ := doc["info"].(map[string]any)
	info["version"] = s.version()
	if s.opts.Dialect == Dialect112 || s.opts.Dialect == DialectService || s.opts.Dialect == DialectLinks || s.opts.Dialect == DialectIncomplete {
		serviceStyle(paths)
	}
	if s.opts.Dialect == Dialect112 {
		devOpsDecoys(paths)
	}
	if !s.opts.NoExternalVaultAPI {
		describe(dialectOps(s.opts.Dialect), paths, defs)
	}
	out, _ := json.MarshalIndent(doc, "", " ")
	return out
}

// serviceStyle renames "Folders_Get" to "FoldersService_Get", as real servers name them.
func serviceStyle(paths map[string]any) {
	for _, item := range paths {
		for _, op := range item.(map[string]any) {
			if o, ok := op.(map[string]any); ok {
				if id, _ := o["operationId"].(string); id != "" && !strings.Contains(id, "Service_") {
					res, verb, _ := strings.Cut(id, "_")
					o["operationId"] = res + "Service_" + verb
				}
			}
		}
	}
}

// devOpsDecoys adds the DevOps Secrets Vault operations a real 11.2 server lists: the only
// "vault" operations there, and a different product from external vaults.
func devOpsDecoys(paths map[string]any) {
	op := func(id string) map[string]any {
		return map[string]any{"operationId": id, "tags": []string{"DevOpsSecretsVault"}, "responses": errorResponses(map[string]any{"description": "Success"})}
	}
	paths["/v1/devops-secrets-vaults"] = map[string]any{"get": op("DevOpsSecretsVaultService_Search"), "post": op("DevOpsSecretsVaultService_Create")}
	paths["/v1/devops-secrets-vaults/{id}"] = map[string]any{"get": op("DevOpsSecretsVaultService_Get"), "delete": op("DevOpsSecretsVaultService_Delete")}
	paths["/v1/devops-secrets-vault-sync/sync-secret"] = map[string]any{"post": op("DevOpsSecretsVaultSyncService_SyncSecret")}
}

// version is what GET /api/v1/version answers.
func (s *Server) version() string {
	s.mu.Lock()
	v := s.opts.Version
	s.mu.Unlock()
	if v != "" {
		return v
	}
	if s.opts.Dialect == Dialect112 {
		return "11.2.2 (practice)"
	}
	if s.opts.Dialect == DialectPractice {
		return "practice"
	}
	return "practice-" + s.opts.Dialect
}
