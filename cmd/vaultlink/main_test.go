package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets a test run this binary as the vaultlink command in a fresh process (see
// command), for what only a new process shows: package initialisation, the environment.
func TestMain(m *testing.M) {
	if os.Getenv("VAULTLINK_TEST_AS_COMMAND") == "1" {
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

// The screenshot walk is a test tool: only -tags tour builds have it (make window-check).
func TestReleaseBuildHasNoTour(t *testing.T) {
	code, _, stderr := runCmd("--tour", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "flag provided but not defined: -tour") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
