package awssim

import (
	"strings"
	"testing"
)

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
		if got := db.allowed(u, request{Action: c.action, Resource: c.resource}); got != c.want {
			t.Errorf("%s on %s: allowed=%v, want %v", c.action, c.resource, got, c.want)
		}
	}
	u.Groups = nil
	u.Attached = []string{"arn:aws:iam::aws:policy/SecretsManagerReadWrite"}
	if !db.allowed(u, request{Action: "secretsmanager:DeleteSecret", Resource: "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf"}) {
		t.Error("SecretsManagerReadWrite allows DeleteSecret")
	}
}

func BenchmarkPolicyEvaluation(b *testing.B) {
	db := newDatabase()
	u := &user{Name: "u", Attached: []string{"arn:aws:iam::aws:policy/SecretsManagerReadWrite"}}
	for b.Loop() {
		db.allowed(u, request{Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf"})
	}
}

// withPolicy gives a fresh user one customer-managed policy.
func withPolicy(doc string) (*database, *user) {
	db := newDatabase()
	db.Policies["arn:p"] = &policy{ARN: "arn:p", Default: "v1", Versions: []policyVersion{{ID: "v1", Document: doc}}}
	return db, &user{Name: "u", Attached: []string{"arn:p"}}
}

const secretARN = "arn:aws:secretsmanager:us-east-1:1:secret:team/db-AbCdEf"

func TestConditions(t *testing.T) {
	// One Allow limited to a region and to secrets tagged team=db, and one Deny for secrets
	// tagged locked=yes (matched with StringLike).
	db, u := withPolicy(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*",
		 "Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"],"secretsmanager:ResourceTag/team":"db"}}},
		{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*",
		 "Condition":{"StringLike":{"aws:ResourceTag/Locked":"y*"}}},
		{"Effect":"Deny","Action":"secretsmanager:PutSecretValue","Resource":"*",
		 "Condition":{"Bool":{"aws:SecureTransport":false}}}]}`)
	team := []tag{{"team", "db"}}
	cases := []struct {
		name  string
		req   request
		allow bool
		deny  bool // an explicit deny decided it
	}{
		{"allow whose conditions match", request{Region: "us-east-1", Secure: true, Tags: team}, true, false},
		{"the other listed region", request{Region: "eu-west-1", Secure: true, Tags: team}, true, false},
		{"conditional allow, region does not match", request{Region: "ap-south-1", Secure: true, Tags: team}, false, false},
		{"conditional allow, tag missing", request{Region: "us-east-1", Secure: true}, false, false},
		{"conditional allow, tag value differs", request{Region: "us-east-1", Secure: true, Tags: []tag{{"team", "web"}}}, false, false},
		{"conditional deny that matches (tag keys ignore case)", request{Region: "us-east-1", Secure: true, Tags: []tag{{"team", "db"}, {"locked", "yes"}}}, false, true},
		{"conditional deny that does not match", request{Region: "us-east-1", Secure: true, Tags: []tag{{"team", "db"}, {"locked", "no"}}}, true, false},
	}
	for _, c := range cases {
		c.req.Action, c.req.Resource = "secretsmanager:GetSecretValue", secretARN
		d := db.evaluate(u, c.req)
		if d.Allowed != c.allow || d.ExplicitDeny != c.deny || len(d.Unsimulated) != 0 {
			t.Errorf("%s: %+v, want allowed=%v explicit deny=%v", c.name, d, c.allow, c.deny)
		}
	}
	// Bool on aws:SecureTransport: practice AWS is plain HTTP on loopback, so the Deny applies.
	put := request{Action: "secretsmanager:PutSecretValue", Resource: secretARN, Region: "us-east-1", Tags: team}
	if d := db.evaluate(u, put); d.Allowed || !d.ExplicitDeny {
		t.Errorf("a Deny on aws:SecureTransport=false must apply to a plain-HTTP request: %+v", d)
	}
	put.Secure = true
	if d := db.evaluate(u, put); !d.Allowed {
		t.Errorf("over TLS the Deny does not apply: %+v", d)
	}
}

// A condition practice AWS does not simulate never grants: its Allow does not apply, its Deny
// does, and the denial says so.
func TestUnsimulatedConditionsArePessimistic(t *testing.T) {
	s := New(Options{})
	s.db, _ = withPolicy(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"},
		{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/dept":"x"}}}]}`)
	u := &user{Name: "u", Attached: []string{"arn:p"}}
	c := caller{user: u}
	e := s.authorize(c, request{Action: "secretsmanager:ListSecrets", Resource: "*", Region: "us-east-1"})
	if e == nil || !strings.Contains(e.Message, "because no identity-based policy allows") ||
		!strings.Contains(e.Message, "condition not simulated: IpAddress on aws:SourceIp; an Allow statement with it was not applied") {
		t.Fatalf("unsimulated Allow: %v", e)
	}
	e = s.authorize(c, request{Action: "secretsmanager:GetSecretValue", Resource: secretARN, Region: "us-east-1"})
	if e == nil || e.Code != "AccessDeniedException" || !strings.Contains(e.Message, "with an explicit deny in an identity-based policy") ||
		!strings.Contains(e.Message, "condition not simulated: StringEquals on aws:PrincipalTag/dept; the Deny statement with it was applied") {
		t.Fatalf("unsimulated Deny: %v", e)
	}
}

func TestDenialNamesAnExplicitDeny(t *testing.T) {
	s := New(Options{})
	s.db, _ = withPolicy(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}`)
	c := caller{user: &user{Name: "u", Attached: []string{"arn:p"}}}
	e := s.authorize(c, request{Action: "iam:DeleteUser", Resource: s.userARN("x")})
	want := "User: arn:aws:iam::123456789012:user/u is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::123456789012:user/x with an explicit deny in an identity-based policy"
	if e == nil || e.Code != "AccessDenied" || e.Message != want {
		t.Fatalf("got %v\nwant %s", e, want)
	}
	if e := s.authorize(c, request{Action: "iam:CreateUser", Resource: s.userARN("x")}); e != nil {
		t.Fatalf("the Allow still applies elsewhere: %v", e)
	}
}

// AWS authorises AttachGroupPolicy against the group, AttachUserPolicy against the user, not
// the policy being attached.
func TestAttachIsAuthorisedAgainstTheGroupOrUser(t *testing.T) {
	s := New(Options{})
	q := map[string][]string{"GroupName": {"delinea-secrets-group"}, "UserName": {"someone"}, "PolicyArn": {"arn:aws:iam::aws:policy/SecretsManagerReadWrite"}}
	for action, want := range map[string]string{
		"AttachGroupPolicy":         "arn:aws:iam::123456789012:group/delinea-secrets-group",
		"DetachGroupPolicy":         "arn:aws:iam::123456789012:group/delinea-secrets-group",
		"ListAttachedGroupPolicies": "arn:aws:iam::123456789012:group/delinea-secrets-group",
		"AttachUserPolicy":          "arn:aws:iam::123456789012:user/someone",
		"DetachUserPolicy":          "arn:aws:iam::123456789012:user/someone",
		"GetPolicy":                 "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
	} {
		if got := iamActions[action].target(s, q).ARN; got != want {
			t.Errorf("%s is authorised against %s, want %s", action, got, want)
		}
	}
}
