package export

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/vaultlink/vaultlink/wizard"
)

func record(t *testing.T, managed, custom bool) wizard.Progress {
	t.Helper()
	p := wizard.Progress{AccountID: "111122223333", UserName: "u", GroupName: "g"}
	if managed {
		p.ManagedPolicyARN = "arn:aws:iam::aws:policy/SecretsManagerReadWrite"
	}
	if custom {
		d, err := wizard.LeastPrivilegePolicy("us-east-1", "111122223333", []string{"team/"})
		if err != nil {
			t.Fatal(err)
		}
		p.PolicyARN, p.PolicyDocument = "arn:aws:iam::111122223333:policy/P", d.JSON()
	}
	return p
}

func render(t *testing.T, format string, s Spec) string {
	t.Helper()
	var b strings.Builder
	if err := Write(&b, format, s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The managed choice exports the SecretsManagerReadWrite attachment and no custom policy.
func TestExportManagedOnly(t *testing.T) {
	s, err := FromRecord(record(t, true, false), "d")
	if err != nil {
		t.Fatal(err)
	}
	for format, unwanted := range map[string]string{"terraform": "aws_iam_policy\"", "cloudformation": "AWS::IAM::ManagedPolicy", "aws-cli": "create-policy"} {
		out := render(t, format, s)
		if !strings.Contains(out, "arn:aws:iam::aws:policy/SecretsManagerReadWrite") || strings.Contains(out, unwanted) {
			t.Errorf("%s: want the managed attachment and no custom policy:\n%s", format, out)
		}
	}
}

// The recorded account never reaches the export: each format puts the deploying account.
func TestExportUsesTheDeployingAccount(t *testing.T) {
	s, err := FromRecord(record(t, false, true), "d")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"terraform": "${data.aws_caller_identity.current.account_id}", "cloudformation": "${AWS::AccountId}", "aws-cli": "$ACCOUNT_ID"}
	for format, expr := range want {
		out := render(t, format, s)
		if strings.Contains(out, "111122223333") || !strings.Contains(out, expr) {
			t.Errorf("%s: the recorded account must become %s:\n%s", format, expr, out)
		}
	}
}

// A value that would be code in HCL or the shell stays a literal.
func TestExportEscapesRecordedValues(t *testing.T) {
	s, err := FromRecord(record(t, true, false), `it's "${file("/etc/passwd")}" %{if true}x$(id)`)
	if err != nil {
		t.Fatal(err)
	}
	if tf := render(t, "terraform", s); !strings.Contains(tf, `"it's \"$${file(\"/etc/passwd\")}\" %%{if true}x$(id)"`) {
		t.Errorf("terraform escaping:\n%s", tf)
	}
	script := render(t, "aws-cli", s)
	var line string
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(l, "ACCESS_KEY_DESCRIPTION=") {
			line = l
		}
	}
	out, err := exec.Command("bash", "-c", "set -u; "+line+`; printf %s "$ACCESS_KEY_DESCRIPTION"`).CombinedOutput()
	if err != nil || string(out) != s.AccessKeyDescription {
		t.Errorf("bash read %q (%v), want %q", out, err, s.AccessKeyDescription)
	}
	if cfn := render(t, "cloudformation", s); strings.Contains(cfn, "Fn::Sub: it") {
		t.Errorf("a description must never go through Fn::Sub:\n%s", cfn)
	}
}

func TestExportRefusesAnEmptyRecord(t *testing.T) {
	if _, err := FromRecord(wizard.Progress{UserName: "u"}, ""); err == nil {
		t.Fatal("a record without a group must be refused")
	}
	if _, err := FromRecord(wizard.Progress{UserName: "u", GroupName: "g"}, ""); err == nil {
		t.Fatal("a record without any policy must be refused")
	}
	if err := Write(&strings.Builder{}, "pulumi", Spec{}); err == nil {
		t.Fatal("an unknown format must be refused")
	}
}
