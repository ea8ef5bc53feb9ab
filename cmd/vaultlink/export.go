package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vaultlink/vaultlink/wizard"
	"github.com/vaultlink/vaultlink/wizard/export"
)

// runExport writes what a recorded run set up in AWS as Terraform, CloudFormation or an AWS
// CLI script. It reads the record only: no AWS or Secret Server call, no keyring.
func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	format := fs.String("format", "", "terraform, cloudformation or aws-cli")
	out := fs.String("out", "", "write to this file instead of standard output")
	from := fs.String("from", "", "whose record: wizard (the desktop wizard) or apply (default: the one that exists)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !slices.Contains(export.Formats, *format) {
		fmt.Fprintf(stderr, "vaultlink export: --format is one of %s\n", strings.Join(export.Formats, ", "))
		return 2
	}
	statePath, code := c.recordPath(fs, "export", *from, stderr)
	if code != 0 {
		return code
	}
	st, err := wizard.Store{Path: statePath}.Load()
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink export:", err)
		return 1
	}
	spec, err := export.FromRecord(st.Progress, effectiveSetting(st, "description_tag"))
	if err != nil {
		fmt.Fprintf(stderr, "vaultlink export: %s: %v\n", statePath, err)
		return 1
	}
	var b bytes.Buffer
	if err := export.Write(&b, *format, spec); err != nil {
		fmt.Fprintln(stderr, "vaultlink export:", err)
		return 1
	}
	if *out == "" {
		stdout.Write(b.Bytes())
		return 0
	}
	mode := os.FileMode(0o644)
	if *format == "aws-cli" {
		mode = 0o755
	}
	if err := os.WriteFile(*out, b.Bytes(), mode); err != nil {
		fmt.Fprintln(stderr, "vaultlink export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %s (%s) from %s; it creates no access key: create and rotate it with VaultLink\n", *out, *format, statePath)
	return 0
}

// effectiveSetting is a setting as the run used it: the recorded value, else the guide's
// default (a state file keeps only what was set or saved).
func effectiveSetting(st *wizard.State, name string) string {
	if v, ok := st.Settings[name]; ok {
		return v
	}
	g := loadGuide()
	for _, m := range g.Modules {
		for _, step := range m.Steps {
			for _, in := range step.Inputs {
				if in.Name == name {
					return g.DefaultFor(in)
				}
			}
		}
	}
	return ""
}

// recordPath finds the progress file of the run --from names, or the only one there is
// (commands that read a record without changing anything: export, status).
func (c *common) recordPath(fs *flag.FlagSet, cmd, from string, stderr io.Writer) (string, int) {
	if err := c.checkMode(fs, "add --live"); err != nil {
		fmt.Fprintf(stderr, "vaultlink %s: %v\n", cmd, err)
		return "", 2
	}
	if from != "" && indexOf(from) < 0 {
		fmt.Fprintf(stderr, "vaultlink %s: --from is wizard or apply\n", cmd)
		return "", 2
	}
	dir, err := c.modeDir()
	if err != nil {
		fmt.Fprintf(stderr, "vaultlink %s: %v\n", cmd, err)
		return "", 2
	}
	var found []string
	for _, r := range runs {
		p := filepath.Join(dir, r.state)
		if from != "" && r.from != from {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			found = append(found, r.from)
		}
	}
	switch len(found) {
	case 0:
		fmt.Fprintf(stderr, "vaultlink %s: no record of a run in %s (state.json from the desktop wizard or apply-state.json from apply): run VaultLink first, or give --state-dir / --live\n", cmd, dir)
		return "", 2
	case 1:
		return filepath.Join(dir, runs[indexOf(found[0])].state), 0
	}
	fmt.Fprintf(stderr, "vaultlink %s: there are records of two runs in %s; choose one with --from wizard or --from apply\n", cmd, dir)
	return "", 2
}
