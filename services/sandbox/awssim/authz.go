package awssim

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// statement is one policy statement in its evaluated form.
type statement struct {
	Effect      string
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	// Condition is operator → condition key → values, as written in the policy.
	Condition map[string]map[string][]string
}

func parseStatements(doc string) ([]statement, error) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, err
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw.Statement, &list); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, err
		}
		list = []map[string]json.RawMessage{one}
	}
	out := make([]statement, 0, len(list))
	for _, m := range list {
		var st statement
		json.Unmarshal(m["Effect"], &st.Effect)
		st.Action = strList(m["Action"])
		st.NotAction = strList(m["NotAction"])
		st.Resource = strList(m["Resource"])
		st.NotResource = strList(m["NotResource"])
		if len(m["Condition"]) > 0 {
			var cond map[string]map[string]json.RawMessage
			if err := json.Unmarshal(m["Condition"], &cond); err != nil {
				return nil, err
			}
			st.Condition = map[string]map[string][]string{}
			for op, keys := range cond {
				st.Condition[op] = map[string][]string{}
				for k, v := range keys {
					st.Condition[op][k] = condValues(v)
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// condValues reads a condition's values: a string, a boolean or number, or a list of them
// (policies write Bool conditions both as true and as "true").
func condValues(m json.RawMessage) []string {
	var list []json.RawMessage
	if json.Unmarshal(m, &list) != nil {
		list = []json.RawMessage{m}
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v) // true, false, a number
		}
		out = append(out, s)
	}
	return out
}

func strList(m json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(m, &one) == nil {
		return []string{one}
	}
	var many []string
	json.Unmarshal(m, &many)
	return many
}

// globMatch matches IAM wildcards: * any run of characters, ? one character. Actions compare
// case-insensitively (as in AWS); resources case-sensitively.
func globMatch(pattern, value string, fold bool) bool {
	if fold {
		pattern, value = strings.ToLower(pattern), strings.ToLower(value)
	}
	return globRegexp(pattern).MatchString(value)
}

// globs caches compiled patterns: the same few policy patterns are evaluated on every request.
var globs sync.Map // pattern → *regexp.Regexp

func globRegexp(pattern string) *regexp.Regexp {
	if re, ok := globs.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	globs.Store(pattern, re)
	return re
}

func anyMatch(patterns []string, v string, fold bool) bool {
	for _, p := range patterns {
		if globMatch(p, v, fold) {
			return true
		}
	}
	return false
}

// policiesOf gathers every document that applies to a user: inline and attached on the user,
// inline and attached on each of its groups.
func (db *database) policiesOf(u *user) []string {
	var docs []string
	for _, d := range u.Inline {
		docs = append(docs, d)
	}
	attached := append([]string{}, u.Attached...)
	for _, gname := range u.Groups {
		if g := db.Groups[lower(gname)]; g != nil {
			for _, d := range g.Inline {
				docs = append(docs, d)
			}
			attached = append(attached, g.Attached...)
		}
	}
	for _, arn := range attached {
		if p := db.Policies[arn]; p != nil {
			docs = append(docs, p.defaultDocument())
		}
	}
	return docs
}

// request is what one call asks for, as policy evaluation sees it.
type request struct {
	Action   string
	Resource string
	Region   string // aws:RequestedRegion: the region in the request's signing scope
	Secure   bool   // aws:SecureTransport: the request came over TLS
	Tags     []tag  // the resource's tags, for aws:ResourceTag/* and secretsmanager:ResourceTag/*
}

// decision is the outcome of evaluating a user's policies for one request.
type decision struct {
	Allowed      bool
	ExplicitDeny bool
	// Unsimulated names the conditions practice AWS could not evaluate that changed the
	// outcome: a Deny they guarded was applied, an Allow they guarded was not.
	Unsimulated []string
}

// evaluate applies AWS's identity-policy logic: an explicit Deny wins, then any Allow, else the
// implicit deny. Statements with conditions practice AWS does not simulate are treated
// pessimistically (an Allow does not apply, a Deny does) so practice never grants what AWS
// might refuse. Permission boundaries, SCPs and resource policies are outside practice mode.
func (db *database) evaluate(u *user, req request) decision {
	var d decision
	var skipped []string
	for _, doc := range db.policiesOf(u) {
		sts, err := parseStatements(doc)
		if err != nil {
			continue
		}
		for _, st := range sts {
			if !matchesAction(st, req.Action) || !matchesResource(st, req.Resource) {
				continue
			}
			met, unsimulated := conditionsMet(st.Condition, req)
			if !met {
				continue
			}
			switch {
			case st.Effect == "Deny":
				d.Allowed, d.ExplicitDeny, d.Unsimulated = false, true, unsimulated
				return d
			case st.Effect == "Allow" && len(unsimulated) > 0:
				skipped = append(skipped, unsimulated...)
			case st.Effect == "Allow":
				d.Allowed = true
			}
		}
	}
	if !d.Allowed {
		d.Unsimulated = skipped
	}
	return d
}

// allowed is evaluate's verdict alone.
func (db *database) allowed(u *user, req request) bool { return db.evaluate(u, req).Allowed }

// conditionsMet evaluates a statement's Condition block: every operator and every key in it
// must hold (a key holds when any of its values matches). Conditions practice AWS does not
// simulate are assumed to hold and are returned, so the caller can decide what that means for
// the statement's effect; met is false only when a simulated condition fails.
func conditionsMet(cond map[string]map[string][]string, req request) (met bool, unsimulated []string) {
	for op, keys := range cond {
		for key, values := range keys {
			ok, simulated := conditionHolds(op, key, values, req)
			if !simulated {
				unsimulated = append(unsimulated, op+" on "+key)
				continue
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, unsimulated
}

// conditionHolds evaluates one operator on one condition key. It simulates the operators and
// keys VaultLink's own policies could use: StringEquals and StringLike on aws:RequestedRegion,
// aws:ResourceTag/* and secretsmanager:ResourceTag/*, and Bool on aws:SecureTransport.
// Condition key names compare case-insensitively, values case-sensitively, as in AWS.
func conditionHolds(op, key string, values []string, req request) (holds, simulated bool) {
	k := lower(key)
	switch op {
	case "StringEquals", "StringLike":
		v, present, known := stringKey(k, req)
		if !known {
			return false, false
		}
		if !present {
			return false, true // a missing key never equals anything
		}
		for _, want := range values {
			if (op == "StringEquals" && want == v) || (op == "StringLike" && globMatch(want, v, false)) {
				return true, true
			}
		}
		return false, true
	case "Bool":
		if k != "aws:securetransport" {
			return false, false
		}
		got := "false"
		if req.Secure {
			got = "true"
		}
		for _, want := range values {
			if lower(want) == got {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// stringKey looks up a string condition key in the request: its value, whether the request
// has it, and whether practice AWS knows the key at all.
func stringKey(k string, req request) (value string, present, known bool) {
	if k == "aws:requestedregion" {
		return req.Region, req.Region != "", true
	}
	for _, prefix := range []string{"aws:resourcetag/", "secretsmanager:resourcetag/"} {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			for _, t := range req.Tags {
				if lower(t.Key) == name {
					return t.Value, true, true
				}
			}
			return "", false, true
		}
	}
	return "", false, false
}

func matchesAction(st statement, action string) bool {
	if len(st.NotAction) > 0 {
		return !anyMatch(st.NotAction, action, true)
	}
	return anyMatch(st.Action, action, true)
}

func matchesResource(st statement, resource string) bool {
	if len(st.NotResource) > 0 {
		return !anyMatch(st.NotResource, resource, false)
	}
	return anyMatch(st.Resource, resource, false)
}

// authorize returns AccessDenied in the service's wire dialect when the caller may not act,
// worded as AWS words it: an explicit Deny is named as the cause; otherwise no policy allowed
// the action. A condition practice AWS could not evaluate is named too, so a practice denial
// is never mistaken for what AWS would certainly do.
func (s *Server) authorize(c caller, req request) *apiError {
	if c.admin {
		return nil
	}
	d := s.db.evaluate(c.user, req)
	if d.Allowed {
		return nil
	}
	msg := "User: " + s.userARN(c.user.Name) + " is not authorized to perform: " + req.Action
	if req.Resource != "*" {
		msg += " on resource: " + req.Resource
	}
	if d.ExplicitDeny {
		msg += " with an explicit deny in an identity-based policy"
	} else {
		msg += " because no identity-based policy allows the " + req.Action + " action"
	}
	if len(d.Unsimulated) > 0 {
		slices.Sort(d.Unsimulated) // map order must not change the message
		d.Unsimulated = slices.Compact(d.Unsimulated)
		effect := "an Allow statement with it was not applied"
		if d.ExplicitDeny {
			effect = "the Deny statement with it was applied"
		}
		msg += " (practice AWS: condition not simulated: " + strings.Join(d.Unsimulated, ", ") + "; " + effect + ")"
	}
	if strings.HasPrefix(req.Action, "secretsmanager:") {
		return errf(400, "AccessDeniedException", "%s", msg)
	}
	return errf(403, "AccessDenied", "%s", msg)
}
