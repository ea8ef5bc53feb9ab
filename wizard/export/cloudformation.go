package export

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// The template is built as YAML nodes (not text) so key order is kept and every recorded
// value is quoted by the encoder.

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

func strs(items []string) *yaml.Node {
	n := seq()
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// mapping builds a mapping from key, value pairs (values are *yaml.Node or string).
func mapping(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(kv); i += 2 {
		v, ok := kv[i+1].(*yaml.Node)
		if !ok {
			v = str(kv[i+1].(string))
		}
		n.Content = append(n.Content, str(kv[i].(string)), v)
	}
	return n
}

func ref(name string) *yaml.Node { return mapping("Ref", name) }

// cfnResource is a policy resource; with the deploying account in it, an Fn::Sub (recorded
// names cannot hold "${": Secrets Manager names allow no "$" or braces, and ARNs given by the
// admin are checked to be Secrets Manager ARNs).
func cfnResource(r string) *yaml.Node {
	if !strings.Contains(r, accountToken) {
		return str(r)
	}
	return mapping("Fn::Sub", strings.ReplaceAll(strings.ReplaceAll(r, "${", "${!"), accountToken, "${AWS::AccountId}"))
}

func cloudFormation(s Spec) (string, error) {
	params := mapping(
		"UserName", mapping("Type", "String", "Description", "The IAM user Secret Server signs in as.", "Default", s.UserName),
		"GroupName", mapping("Type", "String", "Description", "The IAM group that holds the user's permissions.", "Default", s.GroupName),
	)
	if s.Policy != nil {
		params.Content = append(params.Content, str("PolicyName"),
			mapping("Type", "String", "Description", "The least-privilege policy (exactly seven Secrets Manager actions).", "Default", s.PolicyName))
	}
	group := mapping("GroupName", ref("GroupName"))
	if s.ManagedPolicyARN != "" {
		group.Content = append(group.Content, str("ManagedPolicyArns"), strs([]string{s.ManagedPolicyARN}))
	}
	resources := mapping(
		"IntegrationGroup", mapping("Type", "AWS::IAM::Group", "Properties", group),
		"IntegrationUser", mapping("Type", "AWS::IAM::User", "Properties", mapping(
			"UserName", ref("UserName"),
			"Groups", seq(ref("IntegrationGroup")),
			"Tags", seq(mapping("Key", OwnerTagKey, "Value", OwnerTagValue)),
		)),
	)
	if s.Policy != nil {
		stmts := seq()
		for _, st := range s.Policy.Statement {
			m := mapping()
			if st.Sid != "" {
				m = mapping("Sid", st.Sid)
			}
			res := seq()
			for _, r := range s.resources(st) {
				res.Content = append(res.Content, cfnResource(r))
			}
			m.Content = append(m.Content, str("Effect"), str(st.Effect), str("Action"), strs(st.Action), str("Resource"), res)
			stmts.Content = append(stmts.Content, m)
		}
		// AWS::IAM::ManagedPolicy takes no tags; the ownership tag is on the user.
		resources.Content = append(resources.Content, str("LeastPrivilegePolicy"), mapping("Type", "AWS::IAM::ManagedPolicy", "Properties", mapping(
			"ManagedPolicyName", ref("PolicyName"),
			"Description", PolicyDescription,
			"Groups", seq(ref("IntegrationGroup")),
			"PolicyDocument", mapping("Version", s.Policy.Version, "Statement", stmts),
		)))
	}
	outputs := mapping("UserArn", mapping("Description", "The integration user; create its access key with VaultLink.",
		"Value", mapping("Fn::GetAtt", strs([]string{"IntegrationUser", "Arn"}))))
	doc := mapping(
		"AWSTemplateFormatVersion", "2010-09-09",
		"Description", "VaultLink: the AWS half of the Delinea Secret Server - AWS Secrets Manager integration (no access key: create and rotate it with VaultLink)",
		"Metadata", mapping("VaultLink", mapping(
			"AccessKeyDescription", s.AccessKeyDescription,
			"AccessKey", "Not created here: VaultLink creates it, tags the user with <access key id> = AccessKeyDescription, and rotates it.",
		)),
		"Parameters", params,
		"Resources", resources,
		"Outputs", outputs,
	)
	head := append(append([]string{}, keyWarning...), "",
		"Deploy to one account:",
		"  aws cloudformation deploy --stack-name vaultlink --template-file THIS_FILE --capabilities CAPABILITY_NAMED_IAM",
		"Roll out across an AWS Organization with StackSets: see docs/export.md.")
	for i, l := range head {
		head[i] = strings.TrimRight("# "+l, " ")
	}
	doc.HeadComment = strings.Join(head, "\n")
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
		return "", err
	}
	return b.String(), enc.Close()
}
