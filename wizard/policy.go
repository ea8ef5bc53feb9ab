package wizard

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// The seven Secrets Manager actions the integration needs, by access level (module 5).
var (
	ListActions  = []string{"secretsmanager:ListSecrets"}
	ReadActions  = []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds"}
	WriteActions = []string{"secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}
)

// RequiredActions returns all seven, in access-level order.
func RequiredActions() []string {
	return append(append(append([]string{}, ListActions...), ReadActions...), WriteActions...)
}

// PolicyDocument is an IAM policy document.
type PolicyDocument struct {
	Version   string            `json:"Version"`
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is one statement; Action and Resource are kept as lists.
type PolicyStatement struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// LeastPrivilegePolicy builds module 5's policy. ListSecrets has no resource-level permissions,
// so it always stands alone on "*"; the other six take "*" or the given secrets. A specific
// entry is a full ARN, or a secret name or "prefix/" turned into the ARN pattern AWS matches
// (Secrets Manager appends "-" and six characters to every secret ARN).
func LeastPrivilegePolicy(region, account string, specific []string) (PolicyDocument, error) {
	resources := []string{"*"}
	if len(specific) > 0 {
		resources = nil
		for _, s := range specific {
			s = strings.TrimSpace(s)
			switch {
			case s == "":
				continue
			case strings.HasPrefix(s, "arn:"):
				if !strings.Contains(s, ":secretsmanager:") || !strings.Contains(s, ":secret:") {
					return PolicyDocument{}, fmt.Errorf("%q is not a Secrets Manager secret ARN", s)
				}
				resources = append(resources, s)
			case strings.HasSuffix(s, "/"):
				resources = append(resources, fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s*", region, account, s))
			default:
				if err := rules["sm-secret-name"](s); err != nil {
					return PolicyDocument{}, err
				}
				resources = append(resources, fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-??????", region, account, s))
			}
		}
		if len(resources) == 0 {
			return PolicyDocument{}, fmt.Errorf("specific resources were chosen but none were given: list secret names, name prefixes ending in /, or ARNs")
		}
	}
	return PolicyDocument{
		Version: "2012-10-17",
		Statement: []PolicyStatement{
			{Sid: "DelineaSecretsList", Effect: "Allow", Action: ListActions, Resource: []string{"*"}},
			{Sid: "DelineaSecretsReadWrite", Effect: "Allow", Action: append(append([]string{}, ReadActions...), WriteActions...), Resource: resources},
		},
	}, nil
}

// JSON renders the document for preview and for CreatePolicy.
func (d PolicyDocument) JSON() string {
	b, _ := json.MarshalIndent(d, "", "  ")
	return string(b)
}

// AllowedActions lists every action the document allows, sorted.
func (d PolicyDocument) AllowedActions() []string {
	seen := map[string]bool{}
	for _, st := range d.Statement {
		if st.Effect == "Allow" {
			for _, a := range st.Action {
				seen[a] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ParsePolicyDocument reads a policy in any of IAM's shapes (Action/Resource as a string or a
// list), so a document read back from AWS compares with the one VaultLink wrote.
func ParsePolicyDocument(text string) (PolicyDocument, error) {
	var raw struct {
		Version   string `json:"Version"`
		Statement []struct {
			Sid      string          `json:"Sid"`
			Effect   string          `json:"Effect"`
			Action   json.RawMessage `json:"Action"`
			Resource json.RawMessage `json:"Resource"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return PolicyDocument{}, fmt.Errorf("policy document is not valid JSON: %w", err)
	}
	d := PolicyDocument{Version: raw.Version}
	for _, st := range raw.Statement {
		a, err := stringOrList(st.Action)
		if err != nil {
			return PolicyDocument{}, fmt.Errorf("policy Action: %w", err)
		}
		r, err := stringOrList(st.Resource)
		if err != nil {
			return PolicyDocument{}, fmt.Errorf("policy Resource: %w", err)
		}
		d.Statement = append(d.Statement, PolicyStatement{Sid: st.Sid, Effect: st.Effect, Action: a, Resource: r})
	}
	return d, nil
}

func stringOrList(m json.RawMessage) ([]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(m, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(m, &many); err != nil {
		return nil, err
	}
	return many, nil
}

// SamePolicy reports whether two documents grant the same thing, ignoring order and layout.
func SamePolicy(a, b PolicyDocument) bool {
	norm := func(d PolicyDocument) []PolicyStatement {
		out := make([]PolicyStatement, len(d.Statement))
		for i, st := range d.Statement {
			st.Action = sortedCopy(st.Action)
			st.Resource = sortedCopy(st.Resource)
			out[i] = st
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Sid < out[j].Sid })
		return out
	}
	return a.Version == b.Version && reflect.DeepEqual(norm(a), norm(b))
}

func sortedCopy(s []string) []string {
	c := append([]string{}, s...)
	sort.Strings(c)
	return c
}
