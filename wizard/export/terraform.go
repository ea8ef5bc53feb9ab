package export

import (
	"fmt"
	"strings"
	"text/template"
)

// hclString quotes s as an HCL string literal: JSON-style escapes, plus "$${" and "%%{" so a
// recorded value can never become a template interpolation or directive.
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteByte(c)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hclResource quotes a policy resource, putting the deploying account where the token is.
func hclResource(r string) string {
	q := hclString(r)
	return strings.ReplaceAll(q, accountToken, "${data.aws_caller_identity.current.account_id}")
}

func hclList(items []string, quote func(string) string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

var tfTemplate = template.Must(template.New("tf").Funcs(template.FuncMap{
	"q":    hclString,
	"list": func(s []string) string { return hclList(s, hclString) },
	"res":  func(s []string) string { return hclList(s, hclResource) },
	"comment": func(lines []string) string {
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
		return b.String()
	},
}).Parse(`{{comment .Warning}}
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "user_name" {
  description = "The IAM user Secret Server signs in as."
  type        = string
  default     = {{q .S.UserName}}
}

variable "group_name" {
  description = "The IAM group that holds the user's permissions."
  type        = string
  default     = {{q .S.GroupName}}
}
{{- if .S.Policy}}

variable "policy_name" {
  description = "The least-privilege policy (exactly seven Secrets Manager actions)."
  type        = string
  default     = {{q .S.PolicyName}}
}
{{- end}}

variable "access_key_description" {
  description = "VaultLink tags the user with <access key id> = this value when it creates the key (the console's description tag)."
  type        = string
  default     = {{q .S.AccessKeyDescription}}
}
{{- if .Account}}

data "aws_caller_identity" "current" {}
{{- end}}

resource "aws_iam_user" "integration" {
  name = var.user_name
  tags = {
    {{q .TagKey}} = {{q .TagValue}}
  }
}

resource "aws_iam_group" "integration" {
  name = var.group_name
}

resource "aws_iam_user_group_membership" "integration" {
  user   = aws_iam_user.integration.name
  groups = [aws_iam_group.integration.name]
}
{{- with .S.Policy}}

resource "aws_iam_policy" "least_privilege" {
  name        = var.policy_name
  description = {{q $.Description}}
  policy = jsonencode({
    Version = {{q .Version}}
    Statement = [
{{- range .Statement}}
      {
{{- if .Sid}}
        Sid      = {{q .Sid}}
{{- end}}
        Effect   = {{q .Effect}}
        Action   = {{list .Action}}
        Resource = {{res .Resource}}
      },
{{- end}}
    ]
  })
  tags = {
    {{q $.TagKey}} = {{q $.TagValue}}
  }
}

resource "aws_iam_group_policy_attachment" "least_privilege" {
  group      = aws_iam_group.integration.name
  policy_arn = aws_iam_policy.least_privilege.arn
}
{{- end}}
{{- if .S.ManagedPolicyARN}}

resource "aws_iam_group_policy_attachment" "managed" {
  group      = aws_iam_group.integration.name
  policy_arn = {{q .S.ManagedPolicyARN}}
}
{{- end}}

output "user_arn" {
  value = aws_iam_user.integration.arn
}

output "access_key_description" {
  description = "Create the access key with VaultLink, not here; it sets this description tag."
  value       = var.access_key_description
}
`))

func terraform(s Spec) (string, error) {
	sp := s
	if s.Policy != nil {
		// The template ranges over statements; the resources carry the account token.
		d := *s.Policy
		d.Statement = append(d.Statement[:0:0], d.Statement...)
		for i := range d.Statement {
			d.Statement[i].Resource = s.resources(d.Statement[i])
		}
		sp.Policy = &d
	}
	var b strings.Builder
	err := tfTemplate.Execute(&b, map[string]any{
		"S": sp, "Warning": keyWarning, "Account": s.usesAccount(),
		"TagKey": OwnerTagKey, "TagValue": OwnerTagValue, "Description": PolicyDescription,
	})
	return b.String(), err
}
