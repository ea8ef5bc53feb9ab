package secretserver

import (
	"encoding/json"
	"sort"
	"strings"
)

// swaggerDoc is the part of a Swagger 2.0 document discovery reads: every path and method
// with its tags, operation id, parameters and responses, and the definitions they refer to.
type swaggerDoc struct {
	Info struct {
		Version string `json:"version"`
	} `json:"info"`
	BasePath    string                                `json:"basePath"`
	Paths       map[string]map[string]json.RawMessage `json:"paths"`
	Definitions map[string]*schema                    `json:"definitions"`
}

type swaggerOperation struct {
	OperationID string              `json:"operationId"`
	Tags        []string            `json:"tags"`
	Summary     string              `json:"summary"`
	Deprecated  bool                `json:"deprecated"`
	Parameters  []parameter         `json:"parameters"`
	Responses   map[string]response `json:"responses"`
}

type parameter struct {
	Name     string  `json:"name"`
	In       string  `json:"in"`
	Required bool    `json:"required"`
	Type     string  `json:"type"`
	Schema   *schema `json:"schema"`
}

type response struct {
	Schema *schema `json:"schema"`
}

type schema struct {
	Ref        string             `json:"$ref"`
	Type       string             `json:"type"`
	Properties map[string]*schema `json:"properties"`
	Required   []string           `json:"required"`
	Items      *schema            `json:"items"`
	AllOf      []*schema          `json:"allOf"`
}

// endpoint is one method on one path, as the document describes it.
type endpoint struct {
	Method string // upper case
	Path   string // as in the document, relative to basePath
	Op     swaggerOperation
}

var methods = []string{"get", "post", "put", "patch", "delete"}

// endpoints lists the document's operations in a stable order.
func (d *swaggerDoc) endpoints() []endpoint {
	var out []endpoint
	for path, item := range d.Paths {
		for _, m := range methods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op swaggerOperation
			if json.Unmarshal(raw, &op) != nil {
				continue
			}
			out = append(out, endpoint{Method: strings.ToUpper(m), Path: path, Op: op})
		}
	}
	sort.Slice(out, func(i, k int) bool {
		if out[i].Path != out[k].Path {
			return out[i].Path < out[k].Path
		}
		return out[i].Method < out[k].Method
	})
	return out
}

// resolve follows $ref and merges allOf, so callers see one object's properties.
func (d *swaggerDoc) resolve(s *schema) *schema {
	for depth := 0; s != nil && depth < 16; depth++ {
		if s.Ref != "" {
			s = d.Definitions[strings.TrimPrefix(s.Ref, "#/definitions/")]
			continue
		}
		if len(s.AllOf) > 0 {
			merged := &schema{Type: "object", Properties: map[string]*schema{}}
			for _, part := range s.AllOf {
				if p := d.resolve(part); p != nil {
					for k, v := range p.Properties {
						merged.Properties[k] = v
					}
					merged.Required = append(merged.Required, p.Required...)
				}
			}
			return merged
		}
		return s
	}
	return s
}

// refName is the definition a schema names, for messages ("ExternalVaultCreateArgs").
func refName(s *schema) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return strings.TrimPrefix(s.Ref, "#/definitions/")
	}
	if s.Items != nil {
		return refName(s.Items)
	}
	return ""
}

// bodySchema is the operation's request body, resolved.
func (d *swaggerDoc) bodySchema(op swaggerOperation) (*schema, string) {
	for _, p := range op.Parameters {
		if p.In == "body" {
			return d.resolve(p.Schema), refName(p.Schema)
		}
	}
	return nil, ""
}

// resultSchema is the successful answer, resolved; a paging envelope is opened to its
// records' item.
func (d *swaggerDoc) resultSchema(op swaggerOperation) *schema {
	for _, code := range []string{"200", "201", "default"} {
		r, ok := op.Responses[code]
		if !ok || r.Schema == nil {
			continue
		}
		s := d.resolve(r.Schema)
		if s == nil {
			return nil
		}
		if rec := s.Properties["records"]; rec != nil && rec.Items != nil {
			return d.resolve(rec.Items)
		}
		return s
	}
	return nil
}

// requestPath turns a document path into one relative to the base URL: Secret Server's
// basePath is "<application>/api", and the base URL already holds the application path.
func (d *swaggerDoc) requestPath(p string) string {
	if strings.HasPrefix(p, "/api/") {
		return p
	}
	if strings.HasSuffix(strings.TrimRight(d.BasePath, "/"), "/api") || strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/v2/") {
		return "/api" + p
	}
	return p
}

// norm is a name reduced to lower-case letters and digits, so "credentialSecretId",
// "CredentialSecretID" and "credential_secret_id" compare equal.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// itemsOf is the item schema of a list property, resolved (nil when there is none).
func (d *swaggerDoc) itemsOf(s *schema, prop string) *schema {
	if s == nil || s.Properties[prop] == nil {
		return nil
	}
	list := d.resolve(s.Properties[prop])
	if list == nil {
		return nil
	}
	return d.resolve(list.Items)
}
