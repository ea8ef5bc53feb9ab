package awssim

import (
	"encoding/json"
	"regexp"
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
		out = append(out, st)
	}
	return out, nil
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

// allowed evaluates identity policies: an explicit Deny wins, then any Allow, else the implicit
// deny. Conditions, boundaries and resource policies are outside practice mode.
func (db *database) allowed(u *user, action, resource string) bool {
	allow := false
	for _, doc := range db.policiesOf(u) {
		sts, err := parseStatements(doc)
		if err != nil {
			continue
		}
		for _, st := range sts {
			if !matchesAction(st, action) || !matchesResource(st, resource) {
				continue
			}
			if st.Effect == "Deny" {
				return false
			}
			if st.Effect == "Allow" {
				allow = true
			}
		}
	}
	return allow
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

// authorize returns AccessDenied in the service's wire dialect when the caller may not act.
func (s *Server) authorize(c caller, action, resource string) *apiError {
	if c.admin || s.db.allowed(c.user, action, resource) {
		return nil
	}
	arn := "arn:aws:iam::" + s.opts.Account + ":user/" + c.user.Name
	msg := "User: " + arn + " is not authorized to perform: " + action
	if resource != "*" {
		msg += " on resource: " + resource
	}
	msg += " because no identity-based policy allows the " + action + " action"
	if strings.HasPrefix(action, "secretsmanager:") {
		return errf(400, "AccessDeniedException", "%s", msg)
	}
	return errf(403, "AccessDenied", "%s", msg)
}
