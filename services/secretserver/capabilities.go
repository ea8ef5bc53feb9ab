package secretserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vaultlink/vaultlink/wizard"
)

// swaggerPath is where Secret Server serves the OpenAPI document of its token-auth API.
const swaggerPath = "/Documents/restapi/TokenAuth/swagger.json"

// Version asks the server for its version (GET /api/v1/version); "" when it does not say.
func (c *Client) Version(ctx context.Context) string {
	var v struct {
		Version string `json:"version"`
		Model   struct {
			Version string `json:"version"`
		} `json:"model"`
	}
	if err := c.call(ctx, "GET", "/api/v1/version", nil, &v); err != nil {
		return ""
	}
	if v.Model.Version != "" {
		return v.Model.Version
	}
	return v.Version
}

// SwaggerDocument is the server's own swagger.json, as served, for an admin to keep or send
// to support (`vaultlink doctor --save-swagger`).
func (c *Client) SwaggerDocument(ctx context.Context) ([]byte, error) {
	var raw json.RawMessage
	if err := c.callLimit(ctx, "GET", swaggerPath, nil, &raw, 64<<20); err != nil {
		return nil, fmt.Errorf("could not read swagger.json: %w", err)
	}
	return raw, nil
}

// mapFor is the supplied map, or one discovered from the server's document now. A document
// that cannot be read gives a map that says so: the operations are then unknown, which is
// not the same as absent.
func (c *Client) mapFor(ctx context.Context, version string) *APIMap {
	c.maps.mu.Lock()
	supplied := c.maps.supplied
	c.maps.mu.Unlock()
	if supplied != nil {
		return supplied
	}
	raw, err := c.SwaggerDocument(ctx)
	var doc swaggerDoc
	if err == nil {
		if jerr := json.Unmarshal(raw, &doc); jerr != nil {
			err = fmt.Errorf("could not read swagger.json: it is not a Swagger document: %w", jerr)
		}
	}
	if err != nil {
		m := &APIMap{Format: APIMapFormat, Server: c.base, Version: version, Source: "discovered", Operations: map[string]*Operation{},
			Missing: map[string]string{}, SwaggerError: err.Error()}
		for _, k := range opOrder {
			m.Missing[k] = "unknown: " + err.Error()
		}
		return m
	}
	return discover(&doc, c.base, version)
}

// SupplyAPIMap makes the client use an admin's map instead of discovering one.
func (c *Client) SupplyAPIMap(m *APIMap) {
	m.Source = "supplied"
	c.maps.mu.Lock()
	c.maps.supplied, c.maps.vmap = m, m
	c.maps.mu.Unlock()
}

// LoadAPIMap reads and validates a map file's content (see ParseAPIMap).
func LoadAPIMap(data []byte) (*APIMap, error) { return ParseAPIMap(data) }

// UseAPIMap adopts a map kept with the progress when it was made for this server and its
// current version; otherwise it returns false and the caller rediscovers with Connect. A
// supplied map always wins.
func (c *Client) UseAPIMap(ctx context.Context, data []byte) (bool, error) {
	c.maps.mu.Lock()
	supplied := c.maps.supplied
	c.maps.mu.Unlock()
	if supplied != nil {
		return true, nil
	}
	m, err := ParseAPIMap(data)
	if err != nil {
		return false, fmt.Errorf("the Secret Server API map kept with the progress: %w", err)
	}
	if m.SwaggerError != "" || !m.sameServer(c.base, c.Version(ctx)) {
		return false, nil
	}
	m.Source = "kept"
	c.maps.mu.Lock()
	c.maps.vmap = m
	c.maps.mu.Unlock()
	return true, nil
}

// APIMap is the map in use as JSON (nil before Connect).
func (c *Client) APIMap() []byte {
	c.maps.mu.Lock()
	defer c.maps.mu.Unlock()
	if c.maps.vmap == nil {
		return nil
	}
	return c.maps.vmap.encode()
}

// sources says where a map's operations came from, for the report.
var sources = map[string]string{
	"discovered": "discovered in the server's swagger.json (Delinea does not document them)",
	"supplied":   "from the API map supplied with --ss-api-map",
	"kept":       "from the map discovered earlier and kept with the progress",
}

// Capabilities reports on the map in use: each operation found or not and why, and the mode
// of modules 3 and 6 with the reason.
func (c *Client) Capabilities() wizard.Capabilities {
	c.maps.mu.Lock()
	m := c.maps.vmap
	c.maps.mu.Unlock()
	caps := wizard.Capabilities{Server: c.base}
	if m == nil {
		why := "not checked yet: connect to Secret Server first"
		caps.Module3, caps.Module6 = wizard.ModuleMode{Reason: why}, wizard.ModuleMode{Reason: why}
		return caps
	}
	caps.Version, caps.SwaggerError, caps.Source = m.Version, m.SwaggerError, sources[m.Source]
	for _, k := range opOrder {
		o := wizard.APIOperation{Key: k, Need: opNeeds[k], Found: m.usable(k), Why: m.Missing[k]}
		if op := m.Operations[k]; op != nil {
			o.Method, o.Path, o.OperationID = op.Method, op.Path, op.OperationID
		}
		caps.Operations = append(caps.Operations, o)
	}
	caps.Module3, caps.Module6 = m.mode(module3Needs), m.mode(module6Needs)
	return caps
}

// mode says whether every needed operation is usable, and why not.
func (m *APIMap) mode(needs []string) wizard.ModuleMode {
	if m.SwaggerError != "" && m.Source != "supplied" {
		return wizard.ModuleMode{Reason: m.SwaggerError + ": VaultLink cannot tell whether this server offers the external-vault operations, so this module is guided (you can supply an API map with --ss-api-map)"}
	}
	var absent, unusable []string
	for _, k := range needs {
		switch {
		case m.usable(k):
		case m.Missing[k] == absentReason(k):
			absent = append(absent, opNeeds[k])
		default:
			unusable = append(unusable, opNeeds[k]+": "+m.Missing[k])
		}
	}
	if len(absent) > 0 {
		unusable = append([]string{"the server's swagger.json has no operation to " + strings.Join(absent, ", ")}, unusable...)
	}
	if len(unusable) > 0 {
		return wizard.ModuleMode{Reason: strings.Join(unusable, "; ")}
	}
	how := "discovered in the server's swagger.json"
	if m.Source == "supplied" {
		how = "given in the supplied API map"
	}
	return wizard.ModuleMode{Automated: true, Reason: "every operation it needs was " + how}
}

var _ wizard.APIMapKeeper = (*Client)(nil)
