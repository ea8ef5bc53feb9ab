package awssim

import "testing"

func TestPolicyEvaluation(t *testing.T) {
	db := newDatabase()
	db.Policies["arn:custom"] = &policy{ARN: "arn:custom", Default: "v1", Versions: []policyVersion{{ID: "v1", Document: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*"},
		{"Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":"arn:aws:secretsmanager:us-east-1:1:secret:app/*"},
		{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:us-east-1:1:secret:app/locked-??????"}]}`}}}
	db.Groups["g"] = &group{Name: "g", Attached: []string{"arn:custom"}}
	u := &user{Name: "u", Groups: []string{"g"}}
	cases := []struct {
		action, resource string
		want             bool
	}{
		{"secretsmanager:ListSecrets", "*", true},
		{"SecretsManager:listsecrets", "*", true}, // actions compare case-insensitively
		{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:app/db-AbCdEf", true},
		{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:other-AbCdEf", false},
		{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:app/locked-AbCdEf", false}, // explicit deny wins
		{"secretsmanager:DeleteSecret", "*", false},
		{"iam:ListUsers", "*", false},
	}
	for _, c := range cases {
		if got := db.allowed(u, c.action, c.resource); got != c.want {
			t.Errorf("%s on %s: allowed=%v, want %v", c.action, c.resource, got, c.want)
		}
	}
	u.Groups = nil
	u.Attached = []string{"arn:aws:iam::aws:policy/SecretsManagerReadWrite"}
	if !db.allowed(u, "secretsmanager:DeleteSecret", "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf") {
		t.Error("SecretsManagerReadWrite allows DeleteSecret")
	}
}

func BenchmarkPolicyEvaluation(b *testing.B) {
	db := newDatabase()
	u := &user{Name: "u", Attached: []string{"arn:aws:iam::aws:policy/SecretsManagerReadWrite"}}
	for b.Loop() {
		db.allowed(u, "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf")
	}
}
