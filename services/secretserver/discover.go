package secretserver

import (
	"fmt"
	"slices"
	"strings"
)

// Discovery finds the external-vault operations by what they mean, never by exact invented
// ids: a real Secret Server names operations "<Resource>Service_<Verb>" and VaultLink cannot
// know the resource names of a version it has not seen. An operation is a candidate when its
// tags, path and operation id speak of an external vault; its verb (search, create, delete,
// link settings, sync) comes from the operation id, the last path word and the HTTP method.
// Request and response properties are then matched by normalised name to VaultLink's fields.

// classify says which needed operation an endpoint is, with a score to prefer one of several
// (a V2 over a V1, say); "" when it is none of them.
func classify(e endpoint) (string, int) {
	resource, verb, _ := strings.Cut(e.Op.OperationID, "_")
	about := norm(strings.Join(e.Op.Tags, " ") + " " + e.Path + " " + e.Op.OperationID)
	if !strings.Contains(about, "external") || !strings.Contains(about, "vault") {
		return "", 0
	}
	var static []string
	for _, seg := range strings.Split(e.Path, "/") {
		if seg != "" && !strings.HasPrefix(seg, "{") {
			static = append(static, seg)
		}
	}
	last := ""
	if len(static) > 0 {
		last = norm(static[len(static)-1])
	}
	endsWithParam := strings.HasSuffix(strings.TrimRight(e.Path, "/"), "}")
	secrets := strings.Contains(norm(resource+" "+strings.Join(e.Op.Tags, " ")), "secret") || strings.Contains(last, "secret")
	v := norm(verb)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(v, w) || strings.Contains(last, w) {
				return true
			}
		}
		return false
	}
	score := 10
	if strings.HasSuffix(v, "v2") || strings.Contains(e.Path, "/v2/") {
		score++
	}
	if e.Op.Deprecated {
		score -= 5
	}
	if has("bulk", "metric", "status", "audit", "stub", "type", "permission") && !has("sync", "linksetting") {
		return "", 0 // a bulk or reporting variant, not the operation itself
	}
	switch {
	case !secrets && has("linksetting", "connectiontest", "testconnection", "checkconnection"):
		return OpLinkSettings, score
	case !secrets && has("sync") && e.Method == "POST":
		return OpSync, score
	case has("sync", "linksetting"):
		return "", 0
	case e.Method == "GET" && !endsWithParam && (v == "" || has("search", "list", "getall", "query")):
		if secrets {
			return OpVaultSecretsSearch, score
		}
		return OpVaultsSearch, score
	case e.Method == "POST" && (v == "" || has("create", "add", "new")) && !strings.Contains(v, "search"):
		if secrets {
			return OpVaultSecretsCreate, score
		}
		return OpVaultsCreate, score
	case e.Method == "DELETE" && endsWithParam && !secrets:
		return OpVaultsDelete, score
	}
	return "", 0
}

// absentReason is why an operation is missing when the document has none like it.
func absentReason(key string) string {
	return "the server's swagger.json has no operation to " + opNeeds[key]
}

// spec is one VaultLink field and the names a server might give it, most likely first.
type spec struct {
	field string
	names []string
	need  bool
}

var (
	vaultFields = []spec{
		{FieldID, []string{"id", "externalvaultid", "vaultid", "vaultlinkid", "linkid"}, true},
		{FieldName, []string{"name", "vaultname", "externalvaultname"}, true},
		{FieldDisplayName, []string{"displayname", "vaultdisplayname", "externalvaultdisplayname", "label", "friendlyname"}, false},
		{FieldType, []string{"externalvaulttype", "vaulttype", "type", "externalvaulttypename", "providertype", "provider"}, false},
		{FieldCredentialSecretID, []string{"credentialsecretid", "awscredentialsecretid", "credentialid", "authenticationsecretid", "secretid"}, false},
		{FieldActive, []string{"active", "isactive", "enabled", "isenabled"}, false},
		{FieldRegion, []string{"region", "awsregion", "regionname", "vaultregion"}, false},
		{FieldSiteID, []string{"siteid", "distributedenginesiteid"}, false},
	}
	listQuery = []spec{
		{FieldStatus, []string{"status", "vaultstatus", "externalvaultstatus", "secretstatus"}, false},
		{FieldIncludeInactive, []string{"includeinactive"}, false},
	}
	vaultIDQuery       = spec{FieldVaultID, []string{"externalvaultids", "externalvaultid", "vaultids", "vaultid", "vaultlinkid", "linkid"}, false}
	vaultSecretResults = []spec{
		{FieldID, []string{"id", "externalvaultsecretid", "externalsecretid"}, true},
		{FieldName, []string{"name", "externalsecretname", "externalname", "secretname", "remotename"}, true},
		{FieldLinkedSecretID, []string{"linkedsecretid", "secretid", "localsecretid"}, true},
		{FieldVaultID, []string{"externalvaultid", "vaultid", "vaultlinkid", "linkid"}, false},
		{FieldActive, []string{"active", "isactive", "enabled", "isenabled"}, false},
		{FieldLastResult, []string{"lastpushresult", "lastpushstatus", "lastresult", "laststatus"}, false},
	}
)

// fieldWords names a VaultLink field for a message.
var fieldWords = map[string]string{
	FieldID: "the id", FieldName: "the name", FieldDisplayName: "the display name", FieldType: "the vault type",
	FieldCredentialSecretID: "the credential secret id", FieldActive: "Enabled (active)", FieldRegion: "the region",
	FieldVaultID: "the external vault id", FieldVaultIDs: "the external vault ids", FieldLinkedSecretID: "the linked secret id",
	FieldAction: "the action (Push, Pull or Sync)", FieldVaults: "the list of reachable vaults", FieldVaultName: "each vault's name",
	FieldResultName: "each result's secret name", FieldResultSuccess: "each result's outcome", FieldPushResults: "the push results",
	FieldPullResults: "the pull results",
}

// matcher maps specs onto one schema's properties, each property used once.
type matcher struct {
	props map[string]string // normalised → declared name
	used  map[string]bool
}

func newMatcher(s *schema) *matcher {
	m := &matcher{props: map[string]string{}, used: map[string]bool{}}
	if s != nil {
		for name := range s.Properties {
			m.props[norm(name)] = name
		}
	}
	return m
}

func (m *matcher) find(names []string) string {
	for _, n := range names {
		if p, ok := m.props[n]; ok && !m.used[p] {
			m.used[p] = true
			return p
		}
	}
	return ""
}

// mapInto matches specs and returns the first needed field it could not map.
func (m *matcher) mapInto(dst map[string]string, prefix string, specs []spec) string {
	for _, sp := range specs {
		if p := m.find(sp.names); p != "" {
			dst[prefix+sp.field] = p
		} else if sp.need {
			return prefix + sp.field
		}
	}
	return ""
}

// unmappedRequired is a property the server requires that VaultLink has no value for.
func (m *matcher) unmappedRequired(s *schema) string {
	if s == nil {
		return ""
	}
	for _, r := range s.Required {
		if !m.used[r] {
			return r
		}
	}
	return ""
}

// discovery builds one map from one document.
type discovery struct {
	doc *swaggerDoc
	m   *APIMap
}

// discover reads a swagger document into an API map for the server at base.
func discover(doc *swaggerDoc, base, version string) *APIMap {
	d := &discovery{doc: doc, m: &APIMap{Format: APIMapFormat, Server: base, Version: version, Source: "discovered",
		Operations: map[string]*Operation{}, Missing: map[string]string{}}}
	best := map[string]endpoint{}
	bestScore := map[string]int{}
	for _, e := range doc.endpoints() {
		if key, score := classify(e); key != "" && score > bestScore[key] {
			best[key], bestScore[key] = e, score
		}
	}
	for _, key := range opOrder {
		e, ok := best[key]
		if !ok {
			d.m.Missing[key] = absentReason(key)
			continue
		}
		op := &Operation{Method: e.Method, Path: doc.requestPath(e.Path), OperationID: e.Op.OperationID,
			Body: map[string]string{}, Result: map[string]string{}, Query: map[string]string{}}
		d.m.Operations[key] = op
		if why := d.shape(key, e, op); why != "" {
			d.m.Missing[key] = fmt.Sprintf("%s %s (%s) is not automatable: %s", e.Method, e.Path, e.Op.OperationID, why)
		}
	}
	return d.m
}

// shape fills an operation's property names; it returns why the operation cannot be
// automated ("" when it can).
func (d *discovery) shape(key string, e endpoint, op *Operation) string {
	body, bodyName := d.doc.bodySchema(e.Op)
	result := d.doc.resultSchema(e.Op)
	pathID := strings.Contains(op.Path, "{")
	bm, rm := newMatcher(body), newMatcher(result)
	missingBody := func(f string) string {
		return fmt.Sprintf("its request body %s has no property for %s", orName(bodyName), fieldWords[f])
	}
	missingResult := func(f string) string {
		return fmt.Sprintf("its answer has no property for %s", fieldWords[f])
	}
	switch key {
	case OpVaultsSearch:
		d.query(e, op, listQuery)
		if f := rm.mapInto(op.Result, "", vaultFields); f != "" {
			return missingResult(f)
		}
	case OpVaultsCreate:
		need := []spec{vaultFields[1], vaultFields[2], vaultFields[3], vaultFields[4], vaultFields[5], vaultFields[6], vaultFields[7]}
		for i := 0; i < 5; i++ {
			need[i].need = true // name, display name, type, credential, active: a vault link needs them all
		}
		if f := bm.mapInto(op.Body, "", need); f != "" {
			return missingBody(f)
		}
		rm.mapInto(op.Result, "", vaultFields)
	case OpVaultsDelete:
		if !pathID {
			return "its path has no place for the vault id"
		}
	case OpLinkSettings:
		need := []spec{{FieldType, vaultFields[3].names, true}, {FieldCredentialSecretID, vaultFields[4].names, true}, vaultFields[6], vaultFields[7]}
		if f := bm.mapInto(op.Body, "", need); f != "" {
			return missingBody(f)
		}
		if f := rm.mapInto(op.Result, "", []spec{{FieldVaults, []string{"vaults", "availablevaults", "reachablevaults", "externalvaults"}, true},
			{FieldConnected, []string{"connected", "isconnected", "canconnect"}, false},
			{FieldMessage, []string{"actionableerrormessage", "errormessage", "message", "error"}, false},
			{FieldDefaultName, []string{"defaultname", "defaultvaultname"}, false}}); f != "" {
			return missingResult(f)
		}
		item := newMatcher(d.doc.itemsOf(result, op.Result[FieldVaults]))
		if f := item.mapInto(op.Result, "vaults.", []spec{{FieldName, vaultFields[1].names, true}, {FieldRegion, vaultFields[6].names, false}}); f != "" {
			return missingResult(f)
		}
	case OpSync:
		if f := bm.mapInto(op.Body, "", []spec{{FieldAction, []string{"action", "syncaction", "operation", "direction", "synctype", "syncdirection"}, true}}); f != "" {
			return missingBody(f)
		}
		bm.mapInto(op.Body, "", []spec{{FieldVaultIDs, []string{"externalvaultids", "vaultids", "externalvaultidlist", "vaultidlist", "vaultlinkids"}, false},
			{FieldVaultID, vaultIDQuery.names, false}})
		if !pathID && op.Body[FieldVaultIDs] == "" && op.Body[FieldVaultID] == "" {
			return missingBody(FieldVaultIDs)
		}
		rm.mapInto(op.Result, "", []spec{{FieldPushResults, []string{"pushresults", "pushed", "push"}, false}, {FieldPullResults, []string{"pullresults", "pulled", "pull"}, false}})
		if op.Result[FieldPushResults] == "" && op.Result[FieldPullResults] == "" {
			return missingResult(FieldPushResults)
		}
		list := op.Result[FieldPushResults]
		if list == "" {
			list = op.Result[FieldPullResults]
		}
		item := newMatcher(d.doc.itemsOf(result, list))
		if f := item.mapInto(op.Result, "results.", []spec{{FieldName, []string{"name", "secretname", "externalsecretname", "externalname"}, true},
			{"success", []string{"success", "succeeded", "issuccess", "ok"}, true},
			{"error", []string{"errormessage", "failurereason", "error", "message"}, false}}); f != "" {
			return missingResult(f)
		}
	case OpVaultSecretsSearch:
		d.query(e, op, append(slices.Clone(listQuery), vaultIDQuery))
		if !pathID && op.Query[FieldVaultID] == "" {
			return "it has no way to ask for one vault's secrets (no vault id in its path or query)"
		}
		if f := rm.mapInto(op.Result, "", vaultSecretResults); f != "" {
			return missingResult(f)
		}
	case OpVaultSecretsCreate:
		need := []spec{{FieldName, vaultSecretResults[1].names, true}, {FieldLinkedSecretID, vaultSecretResults[2].names, true},
			{FieldVaultID, vaultSecretResults[3].names, !pathID}, {FieldTransform, []string{"transform", "pushtemplate", "template", "valuetemplate"}, false},
			vaultSecretResults[4]}
		if f := bm.mapInto(op.Body, "", need); f != "" {
			return missingBody(f)
		}
		rm.mapInto(op.Result, "", vaultSecretResults)
	}
	if r := bm.unmappedRequired(body); r != "" {
		return fmt.Sprintf("the server requires the property %q in %s, and VaultLink has no value for it", r, orName(bodyName))
	}
	for _, p := range e.Op.Parameters {
		if p.In == "query" && p.Required && !slices.Contains(mapValues(op.Query), p.Name) {
			return fmt.Sprintf("the server requires the query parameter %q, and VaultLink has no value for it", p.Name)
		}
	}
	return ""
}

// query maps the operation's query parameters ("filter.status", …) by their last word.
func (d *discovery) query(e endpoint, op *Operation, specs []spec) {
	m := &matcher{props: map[string]string{}, used: map[string]bool{}}
	for _, p := range e.Op.Parameters {
		if p.In == "query" {
			n := norm(p.Name)
			n = strings.TrimPrefix(strings.TrimPrefix(n, "paging"), "filter")
			m.props[n] = p.Name
		}
	}
	m.mapInto(op.Query, "", specs)
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func orName(n string) string {
	if n == "" {
		return "(unnamed)"
	}
	return n
}
