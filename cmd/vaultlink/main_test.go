package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestMain lets a test run this binary as the vaultlink command in a fresh process (see
// command), for what only a new process shows: package initialisation, the environment.
func TestMain(m *testing.M) {
	if os.Getenv("VAULTLINK_TEST_AS_COMMAND") == "1" {
		installCrashSwitch() // crash_test.go: only with VAULTLINK_TEST_CRASH_AFTER set
		main()
	}
	os.Exit(m.Run())
}

// command runs vaultlink with args in a new process with env added, returning its exit
// status, stdout and stderr.
func command(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "VAULTLINK_TEST_AS_COMMAND=1"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// A C.UTF-8 locale (containers, servers, SSH) used to make every command print "Fyne error:
// Error parsing user locale C", from Fyne's package initialisation.
func TestNoFyneLocaleErrorUnderCUTF8(t *testing.T) {
	env := []string{"LC_ALL=", "LC_MESSAGES=", "LANGUAGE=", "LANG=C.UTF-8"}
	code, out, stderr := command(t, env, "version")
	if code != 0 || !strings.HasPrefix(out, "vaultlink ") {
		t.Fatalf("version: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if strings.Contains(stderr, "Fyne error") || stderr != "" {
		t.Fatalf("LANG=C.UTF-8: a command must print no Fyne error, stderr:\n%s", stderr)
	}
	if code, _, stderr := command(t, env, "apply"); code != 2 || strings.Contains(stderr, "Fyne error") {
		t.Fatalf("apply without a plan under LANG=C.UTF-8: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestLiveOnlyFlagsWithoutLiveAreRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--aws-profile", "prod"}, "--aws-profile is a live-mode setting"},
		{[]string{"--region", "eu-west-1", "--ss-user", "admin"}, "--region, --ss-user are live-mode settings"},
		{[]string{"--practice", "--ss-url", "https://ss.example"}, "--ss-url is a live-mode setting"},
		{[]string{"doctor", "--aws-profile", "prod"}, "vaultlink doctor: --aws-profile is a live-mode setting"},
		{[]string{"cleanup", "--state-dir", dir, "--ss-remember"}, "vaultlink cleanup: --ss-remember is a live-mode setting"},
		{[]string{"--practice", "--live"}, "choose --practice or --live, not both"},
	} {
		code, _, stderr := runCmd(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
		if !strings.Contains(tc.want, "not both") && !strings.Contains(stderr, "add --live") && !strings.Contains(stderr, "use --live instead of --practice") {
			t.Errorf("%v: the error must say to add --live: %q", tc.args, stderr)
		}
	}
}

// What checkMode accepts: live flags with a live choice, and AWS_PROFILE or VAULTLINK_SS_USER
// from the environment (set for other tools) in practice mode.
func TestModeFlagsThatAreFine(t *testing.T) {
	t.Setenv("AWS_PROFILE", "prod")
	t.Setenv("VAULTLINK_SS_USER", "admin")
	t.Setenv("VAULTLINK_SS_URL", "")
	t.Setenv("VAULTLINK_SS_TENANT", "")
	for _, args := range [][]string{
		nil,
		{"--practice"},
		{"--live", "--aws-profile", "prod", "--region", "eu-west-1"},
		{"--ss-url", "https://ss.example", "--aws-profile", "prod"}, // --ss-url chooses live mode
		{"--ss-tenant", "acme", "--ss-tld", "eu"},
		{"--sandbox", "sandbox.json"},
	} {
		fs := flag.NewFlagSet("vaultlink", flag.ContinueOnError)
		var c common
		c.register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := c.checkMode(fs, "add --live"); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestPlanWithoutModeNamesTheChoice(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(plan, []byte("settings:\n  user_name: someone\n"), 0o600)
	code, out, stderr := runCmd("apply", "--state-dir", dir, "--plan", plan)
	if code != 2 || !strings.Contains(stderr, "no mode is set") || !strings.Contains(stderr, "mode: practice") || !strings.Contains(stderr, "mode: live") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if out != "" {
		t.Fatalf("nothing may run without a mode:\n%s", out)
	}
	os.WriteFile(plan, []byte("mode: practice\n"), 0o600)
	if code, _, stderr := runCmd("apply", "--state-dir", dir, "--plan", plan, "--region", "eu-west-1"); code != 2 || !strings.Contains(stderr, "set `mode: live` in the plan") {
		t.Fatalf("a practice plan with --region: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestNoDisplaySaysWhatToDoInstead(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux and the BSDs need DISPLAY")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	code, _, stderr := runCmd("--state-dir", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "no display") || !strings.Contains(stderr, "vaultlink apply --plan") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if got := missingDisplay("linux", func(k string) string { return map[string]string{"WAYLAND_DISPLAY": "wayland-0"}[k] }); !strings.Contains(got, "XWayland") {
		t.Fatalf("Wayland without XWayland: %q", got)
	}
	for _, goos := range []string{"windows", "darwin"} {
		if got := missingDisplay(goos, func(string) string { return "" }); got != "" {
			t.Fatalf("%s always has a display: %q", goos, got)
		}
	}
	if got := missingDisplay("linux", func(k string) string { return map[string]string{"DISPLAY": ":0"}[k] }); got != "" {
		t.Fatalf("DISPLAY set: %q", got)
	}
}

// The screenshot walk is a test tool: only -tags tour builds have it (make window-check).
func TestReleaseBuildHasNoTour(t *testing.T) {
	code, _, stderr := runCmd("--tour", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "flag provided but not defined: -tour") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

// cleanup finds the record that exists; with two, it asks, or, when nobody can answer, names
// the flag that chooses.
func TestCleanupFindsTheRecordOrAsksWhich(t *testing.T) {
	dir := t.TempDir()
	practice := filepath.Join(dir, "practice")
	os.MkdirAll(practice, 0o700)
	code, _, stderr := runCmd("cleanup", "--practice", "--yes", "--state-dir", dir)
	if code != 1 || !strings.Contains(stderr, "nothing to clean up") || !strings.Contains(stderr, "state.json") || !strings.Contains(stderr, "apply-state.json") {
		t.Fatalf("no record: exit %d, stderr:\n%s", code, stderr)
	}
	for _, f := range []string{"state.json", "apply-state.json"} {
		os.WriteFile(filepath.Join(practice, f), []byte("{}"), 0o600)
	}
	saved := stdinIsTerminal
	t.Cleanup(func() { stdinIsTerminal = saved })
	stdinIsTerminal = func() bool { return false }
	for _, args := range [][]string{{"--yes"}, nil} {
		code, _, stderr = runCmd(append([]string{"cleanup", "--practice", "--state-dir", dir}, args...)...)
		if code != 2 || !strings.Contains(stderr, "--from wizard") || !strings.Contains(stderr, "--from apply") {
			t.Fatalf("two records, nobody to ask (%v): exit %d, stderr:\n%s", args, code, stderr)
		}
	}

	// At a terminal it asks which, then for confirmation.
	stdinIsTerminal = func() bool { return true }
	answers := filepath.Join(dir, "answers")
	os.WriteFile(answers, []byte("apply\nno\n"), 0o600)
	f, err := os.Open(answers)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	savedIn := os.Stdin
	os.Stdin = f
	t.Cleanup(func() { os.Stdin = savedIn })
	code, out, _ := runCmd("cleanup", "--practice", "--state-dir", dir)
	if code != 1 || !strings.Contains(out, "Which to clean up?") || !strings.Contains(out, "what vaultlink apply created (recorded in "+filepath.Join(practice, "apply-state.json")) || !strings.HasSuffix(out, "nothing was changed\n") {
		t.Fatalf("asked at a terminal: exit %d, stdout:\n%s", code, out)
	}
}
