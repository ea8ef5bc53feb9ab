package main

import (
	"bytes"
	"strings"
	"testing"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// The screenshot walk is a test tool: only -tags tour builds have it (make window-check).
func TestReleaseBuildHasNoTour(t *testing.T) {
	code, _, stderr := runCmd("--tour", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "flag provided but not defined: -tour") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
