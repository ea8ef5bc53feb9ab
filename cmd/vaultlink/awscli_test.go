package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/wizard"
)

// awsTools finds the AWS CLI and a Python with boto3 (the one the CLI runs on, unless
// VAULTLINK_PYTHON names another). Without them the test skips, unless
// VAULTLINK_REQUIRE_AWSCLI=1 (make test sets it), which turns the skip into a failure.
func awsTools(t *testing.T) (cli, python string) {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("VAULTLINK_REQUIRE_AWSCLI") == "1" {
			t.Fatalf("AWS CLI/boto3: %s", why)
		}
		t.Skipf("AWS CLI/boto3: %s (make test provides them)", why)
	}
	cli = os.Getenv("VAULTLINK_AWS_CLI")
	if cli == "" {
		var err error
		if cli, err = exec.LookPath("aws"); err != nil {
			missing("aws not found")
		}
	}
	python = os.Getenv("VAULTLINK_PYTHON")
	if python == "" {
		// The CLI is a Python script; its interpreter has botocore and, normally, boto3.
		head, err := os.ReadFile(cli)
		if err != nil {
			missing(err.Error())
		}
		first, _, _ := strings.Cut(string(head), "\n")
		if interp, ok := strings.CutPrefix(first, "#!"); ok && !strings.Contains(interp, " ") {
			python = interp
		} else {
			python = "python3"
		}
	}
	if out, err := exec.Command(python, "-c", "import boto3").CombinedOutput(); err != nil {
		missing(python + " cannot import boto3: " + string(out))
	}
	return cli, python
}

// awsCLI runs the AWS CLI and boto3 with a throwaway HOME and configuration, so they read
// nothing of this machine's AWS set-up and write nothing into it, and never look for
// instance metadata: every call goes to the loopback endpoint the test names.
//
// The script's commands go through one long-lived Python process running the CLI's own
// entry point (testdata/awscli_shell.py): the same code as the aws command, without a Python
// start-up per call (about a second each, more on a busy machine). The commands that
// `vaultlink sandbox` prints run as the aws command itself.
type awsCLI struct {
	t        *testing.T
	cli      string
	python   string
	endpoint string
	env      []string
	home     string
	secrets  []string // values to blank out of anything the test prints
	calls    int
	elapsed  time.Duration

	shell   *exec.Cmd
	stdin   io.WriteCloser
	replies *bufio.Scanner
}

func newAWSCLI(t *testing.T, cli, python, endpoint string) *awsCLI {
	home := t.TempDir()
	a := &awsCLI{t: t, cli: cli, python: python, endpoint: endpoint, home: home, env: []string{
		"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard",
		"PYTHONDONTWRITEBYTECODE=1",
	}}
	script, _ := filepath.Abs("testdata/awscli_shell.py")
	a.shell = exec.Command(python, script)
	a.shell.Env = a.env
	a.shell.Stderr = os.Stderr
	a.stdin, _ = a.shell.StdinPipe()
	stdout, _ := a.shell.StdoutPipe()
	a.replies = bufio.NewScanner(stdout)
	a.replies.Buffer(make([]byte, 1<<20), 1<<20)
	if err := a.shell.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.stdin.Close(); a.shell.Wait() })
	return a
}

func (a *awsCLI) redact(s string) string {
	for _, v := range a.secrets {
		s = strings.ReplaceAll(s, v, "[secret]")
	}
	return s
}

var cliErrorCode = regexp.MustCompile(`An error occurred \(([^)]+)\)`)

// result turns a CLI exit into its output and, when it failed, the AWS error code it reported.
func (a *awsCLI) result(args []string, rc int, stdout, stderr string) (string, string) {
	a.t.Helper()
	if rc == 0 {
		return stdout, ""
	}
	if m := cliErrorCode.FindStringSubmatch(stderr); m != nil {
		return a.redact(stderr), m[1]
	}
	a.t.Fatalf("aws %s: exit %d\n%s", a.redact(strings.Join(args, " ")), rc, a.redact(stderr))
	return "", ""
}

// command runs one command line as the aws command itself.
func (a *awsCLI) command(args ...string) (out string, code string) {
	a.t.Helper()
	start := time.Now()
	cmd := exec.Command(a.cli, args...)
	cmd.Env = a.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	a.calls++
	a.elapsed += time.Since(start)
	rc := 0
	if err != nil {
		rc = -1
		if ee, ok := err.(*exec.ExitError); ok {
			rc = ee.ExitCode()
		}
	}
	return a.result(args, rc, stdout.String(), stderr.String())
}

// run runs one command line (without the leading "aws") in the CLI shell.
func (a *awsCLI) run(args ...string) (out string, code string) {
	a.t.Helper()
	start := time.Now()
	line, _ := json.Marshal(args)
	if _, err := a.stdin.Write(append(line, '\n')); err != nil {
		a.t.Fatalf("AWS CLI shell: %v", err)
	}
	if !a.replies.Scan() {
		a.t.Fatalf("AWS CLI shell ended: %v", a.replies.Err())
	}
	var reply struct {
		RC             int
		Stdout, Stderr string
	}
	if err := json.Unmarshal(a.replies.Bytes(), &reply); err != nil {
		a.t.Fatalf("AWS CLI shell: %v", err)
	}
	a.calls++
	a.elapsed += time.Since(start)
	return a.result(args, reply.RC, reply.Stdout, reply.Stderr)
}

// as runs a command as a profile against the endpoint, with JSON output.
func (a *awsCLI) as(profile string, args ...string) (map[string]any, string, string) {
	a.t.Helper()
	out, code := a.run(append([]string{"--profile", profile, "--endpoint-url", a.endpoint, "--output", "json"}, args...)...)
	var res map[string]any
	if code == "" && strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			a.t.Fatalf("aws %s: not JSON: %s", args[0]+" "+args[1], a.redact(out))
		}
	}
	return res, code, out
}

// ok runs a command that must succeed.
func (a *awsCLI) ok(step, profile string, args ...string) map[string]any {
	a.t.Helper()
	res, code, out := a.as(profile, args...)
	if code != "" {
		a.t.Fatalf("%s: aws %s %s failed: %s", step, args[0], args[1], out)
	}
	return res
}

// profile adds a credentials profile, as `aws configure set` would write it.
func (a *awsCLI) profile(name, keyID, secret string) {
	a.t.Helper()
	a.secrets = append(a.secrets, secret)
	f, err := os.OpenFile(filepath.Join(a.home, "credentials"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		a.t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n", name, keyID, secret, sandbox.Region)
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, _ := v.(map[string]any)
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

// awsServer is one AWS stand-in the script runs against.
type awsServer struct {
	name    string
	isMoto  bool
	account string
}

// TestAWSCLIAndBoto3 drives the practice sandbox (`vaultlink sandbox`, in this process) and
// moto_server with the real AWS CLI and boto3: the AWS half of the six modules as CLI commands,
// one per console step of the guide, then what must be refused. Where moto differs from AWS,
// awssim follows AWS, and the assertion says which is which.
func TestAWSCLIAndBoto3(t *testing.T) {
	cli, python := awsTools(t)
	t.Run("sandbox", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		envFile := filepath.Join(t.TempDir(), "sandbox.json")
		out := &syncBuffer{}
		done := make(chan int)
		go func() { done <- serveSandbox(ctx, []string{"--env-file", envFile}, out, out) }()
		t.Cleanup(func() { cancel(); <-done })
		var ep sandbox.Endpoints
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if data, err := os.ReadFile(envFile); err == nil && json.Unmarshal(data, &ep) == nil && ep.AWS != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("vaultlink sandbox did not start:\n%s", out.String())
			}
		}
		a := newAWSCLI(t, cli, python, ep.AWS)
		// The printed instructions, run as printed: they set up the practice operator's profile
		// and reach the practice AWS as its account root.
		var printed []string
		for _, line := range strings.Split(out.String(), "\n") {
			if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "aws "); ok {
				printed = append(printed, cmd)
			}
		}
		if len(printed) != 4 || !strings.Contains(printed[3], "--endpoint-url "+ep.AWS) {
			t.Fatalf("vaultlink sandbox must print the CLI profile set-up and an --endpoint-url line:\n%s", out.String())
		}
		var whoami string
		for _, cmd := range printed {
			whoami, _ = a.command(strings.Fields(cmd)...)
		}
		if !strings.Contains(whoami, `"Arn": "arn:aws:iam::123456789012:root"`) {
			t.Fatalf("the printed get-caller-identity line: %s", whoami)
		}
		// The script below names its profiles "operator" and "integration" on both servers.
		opID, opSecret := awssimOperator()
		a.profile("operator", opID, opSecret)
		moduleScript(t, a, awsServer{name: "awssim", account: "123456789012"})
	})
	t.Run("moto", func(t *testing.T) {
		m := awstest.Start(t)
		m.Reset(t)
		opID, opSecret := motoOperator(t, m.URL)
		m.Enforce(t)
		a := newAWSCLI(t, cli, python, m.URL)
		a.profile("operator", opID, opSecret)
		moduleScript(t, a, awsServer{name: "moto", isMoto: true, account: "123456789012"})
	})
}

func awssimOperator() (string, string) {
	setup, _ := sandbox.CLISetup("")
	id := strings.Fields(setup[0])[4] // aws configure set aws_access_key_id ID --profile …
	secret := strings.Fields(setup[1])[4]
	return id, secret
}

// moduleScript is the same script for both servers.
func moduleScript(t *testing.T, a *awsCLI, s awsServer) {
	const (
		user   = "delinea-secrets-sync"
		group  = "delinea-secrets-group"
		pol    = "DelineaSecretsManagerLeastPrivilege"
		secret = "vaultlink/practice-push"
	)
	managed := "arn:aws:iam::aws:policy/SecretsManagerReadWrite"
	custom := "arn:aws:iam::" + s.account + ":policy/" + pol
	start := time.Now()
	defer func() {
		t.Logf("%s: %d AWS CLI calls taking %v (%v each on average); whole script with boto3 %v", s.name, a.calls, a.elapsed.Round(time.Millisecond),
			(a.elapsed / time.Duration(max(a.calls, 1))).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}()

	// Module 1, iam-user/create-user: IAM → Users → Create user.
	if u := a.ok("create-user", "operator", "iam", "create-user", "--user-name", user); str(u, "User", "Arn") != "arn:aws:iam::"+s.account+":user/"+user {
		t.Fatalf("create-user: %v", u)
	}
	// iam-user/assign-group: Set permissions → Add user to group (creating the group).
	a.ok("assign-group", "operator", "iam", "create-group", "--group-name", group)
	a.ok("assign-group", "operator", "iam", "add-user-to-group", "--user-name", user, "--group-name", group)
	// iam-user/create-access-key: Security credentials → Create access key, with its description tag.
	key := a.ok("create-access-key", "operator", "iam", "create-access-key", "--user-name", user)
	keyID, keySecret := str(key, "AccessKey", "AccessKeyId"), str(key, "AccessKey", "SecretAccessKey")
	if !strings.HasPrefix(keyID, "AKIA") || keySecret == "" {
		t.Fatalf("create-access-key returned no key (id %q)", keyID)
	}
	a.profile("integration", keyID, keySecret)
	a.ok("create-access-key", "operator", "iam", "tag-user", "--user-name", user, "--tags", "Key="+keyID+",Value=Secret Server External Vault Integration")

	// Module 4, iam-group/create-group: User groups → the group exists, with the user in it.
	if g := a.ok("create-group", "operator", "iam", "get-group", "--group-name", group); !strings.Contains(mustJSON(g), `"UserName":"`+user+`"`) {
		t.Fatalf("get-group: %v", g)
	}
	// iam-group/attach-policy: Attach permissions policies → SecretsManagerReadWrite.
	a.ok("attach-policy", "operator", "iam", "attach-group-policy", "--group-name", group, "--policy-arn", managed)

	// Module 5, custom-policy/select-actions and create-policy: the seven actions, on all secrets.
	doc, err := wizard.LeastPrivilegePolicy(sandbox.Region, s.account, nil)
	if err != nil {
		t.Fatal(err)
	}
	docFile := filepath.Join(a.home, "policy.json")
	os.WriteFile(docFile, []byte(doc.JSON()), 0o600)
	if p := a.ok("create-policy", "operator", "iam", "create-policy", "--policy-name", pol, "--policy-document", "file://"+docFile); str(p, "Policy", "Arn") != custom {
		t.Fatalf("create-policy: %v", p)
	}
	// custom-policy/attach-custom: attach it to the group; the broad managed policy comes off.
	a.ok("attach-custom", "operator", "iam", "attach-group-policy", "--group-name", group, "--policy-arn", custom)
	a.ok("attach-custom", "operator", "iam", "detach-group-policy", "--group-name", group, "--policy-arn", managed)

	// Module 6 (AWS half): what Secret Server's pull, push and sync do with the new key.
	if id := a.ok("sync: sign in", "integration", "sts", "get-caller-identity"); str(id, "Arn") != "arn:aws:iam::"+s.account+":user/"+user {
		t.Fatalf("the integration key signs in as %v", id)
	}
	a.ok("sync: push", "integration", "secretsmanager", "create-secret", "--name", secret, "--secret-string", "pushed-v1")
	if l := a.ok("sync: pull", "integration", "secretsmanager", "list-secrets"); !strings.Contains(mustJSON(l), `"Name":"`+secret+`"`) {
		t.Fatalf("list-secrets: %v", l)
	}
	a.ok("sync: pull", "integration", "secretsmanager", "describe-secret", "--secret-id", secret)
	a.ok("sync", "integration", "secretsmanager", "put-secret-value", "--secret-id", secret, "--secret-string", "pushed-v2")
	// moto keeps answering the first version without an explicit stage; AWS and awssim do not need it.
	if v := a.ok("sync: pull", "integration", "secretsmanager", "get-secret-value", "--secret-id", secret, "--version-stage", "AWSCURRENT"); str(v, "SecretString") != "pushed-v2" {
		t.Fatalf("get-secret-value after put-secret-value returned another version")
	}
	versions := a.ok("sync", "integration", "secretsmanager", "list-secret-version-ids", "--secret-id", secret)
	var current, previous string
	for _, v := range versions["Versions"].([]any) {
		v := v.(map[string]any)
		if strings.Contains(mustJSON(v["VersionStages"]), "AWSCURRENT") {
			current = v["VersionId"].(string)
		} else {
			previous = v["VersionId"].(string)
		}
	}
	a.ok("sync", "integration", "secretsmanager", "update-secret-version-stage", "--secret-id", secret, "--version-stage", "AWSCURRENT",
		"--move-to-version-id", previous, "--remove-from-version-id", current)

	// Least privilege: the integration key may not delete secrets or read IAM.
	_, code, _ := a.as("integration", "secretsmanager", "delete-secret", "--secret-id", secret, "--force-delete-without-recovery")
	if !deniedCode(code) {
		t.Fatalf("delete-secret with the least-privilege key: want a denial, got %q", code)
	}
	if _, code, _ := a.as("integration", "iam", "list-users"); code != "AccessDenied" {
		t.Fatalf("iam list-users with the least-privilege key: want AccessDenied, got %q", code)
	}

	// boto3: a body changed after signing, and a clock 20 minutes behind.
	probes := a.probes(secret)
	for _, name := range []string{"json-tampered", "query-tampered", "stale-query", "stale-json"} {
		t.Logf("%s %s: %q (HTTP %d) %s", s.name, name, probes[name].Code, probes[name].Status, probes[name].Message)
	}
	expect := func(name, want string) {
		t.Helper()
		if got := probes[name]; got.Code != want {
			t.Errorf("%s: %s (HTTP %d) %q, want %q", name, got.Code, got.Status, got.Message, want)
		}
	}
	for _, control := range []string{"json-untouched", "stale-untouched"} {
		expect(control, "")
	}
	expect("json-tampered-value-kept", "")
	switch kept := probes["json-tampered-value-kept"].Message; {
	case s.isMoto && !strings.Contains(kept, "-value-2"):
		// moto: after update-secret-version-stage, put-secret-value does not take AWSCURRENT
		// (AWS moves it to the new version), so the untouched probe value is not current there
		// either; what matters is that the tampered write is not.
	case kept != "kept":
		t.Errorf("a tampered put-secret-value must change nothing: %s", kept)
	}
	expect("query-tampered-user-b", "NoSuchEntity")
	if s.isMoto {
		// moto checks signatures of query (IAM) requests; it answers the JSON protocol's refusal in
		// XML, which botocore reads as a bare 403. It does not check X-Amz-Date at all: a
		// 20-minute-old signature passes.
		expect("query-tampered", "SignatureDoesNotMatch")
		if got := probes["json-tampered"]; got.Status != 403 {
			t.Errorf("moto, tampered JSON body: %+v", got)
		}
		expect("stale-query", "")
		expect("stale-json", "")
	} else {
		expect("json-tampered", "InvalidSignatureException")
		expect("query-tampered", "SignatureDoesNotMatch")
		expect("stale-query", "SignatureDoesNotMatch")
		expect("stale-json", "InvalidSignatureException")
		for _, p := range []string{"stale-query", "stale-json"} {
			if !strings.HasPrefix(probes[p].Message, "Signature expired:") {
				t.Errorf("%s: %q", p, probes[p].Message)
			}
		}
	}

	// Conditions: an Allow for DeleteSecret only in another region, and a Deny of
	// GetSecretValue in this one.
	condFile := filepath.Join(a.home, "conditions.json")
	os.WriteFile(condFile, []byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:DeleteSecret","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
		{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"`+sandbox.Region+`"}}}]}`), 0o600)
	cond := a.ok("conditions", "operator", "iam", "create-policy", "--policy-name", "PracticeConditions", "--policy-document", "file://"+condFile)
	a.ok("conditions", "operator", "iam", "attach-group-policy", "--group-name", group, "--policy-arn", str(cond, "Policy", "Arn"))
	_, code, out := a.as("integration", "secretsmanager", "get-secret-value", "--secret-id", secret)
	if code == "" {
		t.Fatal("a conditional Deny that matches must deny: get-secret-value succeeded") // its output holds the value: not printed
	}
	if !deniedCode(code) || (!s.isMoto && !strings.Contains(out, "with an explicit deny")) {
		t.Fatalf("a conditional Deny that matches must deny, naming the explicit deny: %q %s", code, out)
	}
	_, code, _ = a.as("integration", "secretsmanager", "delete-secret", "--secret-id", secret, "--force-delete-without-recovery")
	if s.isMoto {
		// moto treats every condition as met: it lets the other region's Allow through. AWS does not.
		if code != "" {
			t.Fatalf("moto, conditional Allow for another region: got %q (moto ignores conditions)", code)
		}
	} else if !deniedCode(code) {
		t.Fatalf("a conditional Allow that does not match must not allow: got %q", code)
	}

	// An inactive key is refused, as AWS refuses it.
	a.ok("inactive key", "operator", "iam", "update-access-key", "--user-name", user, "--access-key-id", keyID, "--status", "Inactive")
	_, stsCode, _ := a.as("integration", "sts", "get-caller-identity")
	_, smCode, _ := a.as("integration", "secretsmanager", "list-secrets")
	if s.isMoto {
		// moto does not look at a key's status: an inactive key keeps working.
		if stsCode != "" || smCode != "" {
			t.Fatalf("moto, inactive key: %q %q (moto ignores the status)", stsCode, smCode)
		}
	} else if stsCode != "InvalidClientTokenId" || smCode != "UnrecognizedClientException" {
		t.Fatalf("inactive key: sts %q, secretsmanager %q", stsCode, smCode)
	}
}

// deniedCode: AWS's Secrets Manager says AccessDeniedException; moto answers Secrets Manager
// denials with an XML body the CLI cannot read as JSON, so it reports the bare status, 403.
func deniedCode(code string) bool { return code == "AccessDeniedException" || code == "403" }

type probe struct {
	Code    string `json:"code"`
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// probes runs testdata/awsprobes.py with boto3 under the same profiles and endpoint.
func (a *awsCLI) probes(secret string) map[string]probe {
	a.t.Helper()
	script, _ := filepath.Abs("testdata/awsprobes.py")
	cmd := exec.Command(a.python, script)
	cmd.Env = append(a.env, "VAULTLINK_ENDPOINT="+a.endpoint, "VAULTLINK_PROBE_SECRET="+secret)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		a.t.Fatalf("boto3 probes: %v\n%s", err, a.redact(stderr.String()))
	}
	var res map[string]probe
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		a.t.Fatalf("boto3 probes: %v\n%s", err, a.redact(stdout.String()))
	}
	return res
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// syncBuffer is a bytes.Buffer the sandbox's goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
