package export

import (
	"encoding/json"
	"strings"
	"text/template"
)

// shQuote quotes s for a POSIX shell: single quotes, each ' written as '\”.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var cliTemplate = template.Must(template.New("cli").Funcs(template.FuncMap{"sh": shQuote}).Parse(`#!/usr/bin/env bash
{{range .Warning}}{{if .}}# {{.}}
{{else}}#
{{end}}{{end}}#
# Run it with the AWS CLI signed in to the target account (AWS_PROFILE, or the usual
# environment variables). It stops at the first error; a second run fails on what exists.
set -euo pipefail

USER_NAME=${USER_NAME:-{{sh .S.UserName}}}
GROUP_NAME=${GROUP_NAME:-{{sh .S.GroupName}}}
{{- if .S.Policy}}
POLICY_NAME=${POLICY_NAME:-{{sh .S.PolicyName}}}
{{- end}}
# VaultLink tags the user with <access key id> = this value when it creates the key.
ACCESS_KEY_DESCRIPTION=${ACCESS_KEY_DESCRIPTION:-{{sh .S.AccessKeyDescription}}}

aws iam create-user --user-name "$USER_NAME" --tags {{sh .Tag}} >/dev/null
aws iam create-group --group-name "$GROUP_NAME" >/dev/null
aws iam add-user-to-group --user-name "$USER_NAME" --group-name "$GROUP_NAME"
{{- if .S.Policy}}
{{if .Account}}
ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)
{{- end}}
POLICY_DOCUMENT={{sh .Document}}
{{- if .Account}}
POLICY_DOCUMENT=${POLICY_DOCUMENT//{{.Token}}/$ACCOUNT_ID}
{{- end}}
POLICY_ARN=$(aws iam create-policy --policy-name "$POLICY_NAME" \
  --description {{sh .Description}} \
  --policy-document "$POLICY_DOCUMENT" --tags {{sh .Tag}} \
  --query Policy.Arn --output text)
aws iam attach-group-policy --group-name "$GROUP_NAME" --policy-arn "$POLICY_ARN"
{{- end}}
{{- if .S.ManagedPolicyARN}}
aws iam attach-group-policy --group-name "$GROUP_NAME" --policy-arn {{sh .S.ManagedPolicyARN}}
{{- end}}

echo "Set up IAM user $USER_NAME in group $GROUP_NAME. Create its access key with VaultLink (description: $ACCESS_KEY_DESCRIPTION)."
`))

func awsCLI(s Spec) (string, error) {
	data := map[string]any{
		"S": s, "Warning": keyWarning, "Account": s.usesAccount(), "Token": accountToken,
		"Tag": "Key=" + OwnerTagKey + ",Value=" + OwnerTagValue, "Description": PolicyDescription,
	}
	if s.Policy != nil {
		d := *s.Policy
		d.Statement = append(d.Statement[:0:0], d.Statement...)
		for i := range d.Statement {
			d.Statement[i].Resource = s.resources(d.Statement[i])
		}
		doc, err := json.Marshal(d)
		if err != nil {
			return "", err
		}
		data["Document"] = string(doc)
	}
	var b strings.Builder
	err := cliTemplate.Execute(&b, data)
	return b.String(), err
}
