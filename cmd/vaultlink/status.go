package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/vaultlink/vaultlink/wizard"
)

// runStatus compares what exists now in AWS, Secret Server and the keyring with the record of
// a run, item by item, each with its fix. Exit status: 0 healthy, 1 drift, 2 could not check.
// It only reads (and never shows a secret value).
func runStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	from := fs.String("from", "", "whose record: wizard (the desktop wizard) or apply (default: the one that exists)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	statePath, st, rt, code := c.openRecord(fs, "status", *from, stderr)
	if rt == nil {
		return code
	}
	defer rt.close()
	fmt.Fprintf(stdout, "VaultLink status of %s\n", statePath)
	report := wizard.CheckHealth(rt.ctx, rt.st.Services, st)
	printHealth(stdout, report)
	return report.ExitCode()
}

// openRecord finds the record a day-two command works on (the one that exists, or the one
// --from names), loads it and builds the services it was made with. On failure it reports to
// stderr and returns a nil runtime and the exit status (2: nothing could be done).
func (c *common) openRecord(fs *flag.FlagSet, cmd, from string, stderr io.Writer) (string, *wizard.State, *unattended, int) {
	statePath, code := c.recordPath(fs, cmd, from, stderr)
	if code != 0 {
		return "", nil, nil, code
	}
	st, err := wizard.Store{Path: statePath}.Load()
	if err != nil {
		fmt.Fprintf(stderr, "vaultlink %s: %v\n", cmd, err)
		return "", nil, nil, 2
	}
	data := runs[0].data
	if filepath.Base(statePath) == runs[1].state {
		data = runs[1].data
	}
	// Whatever stops the services from being built, nothing could be done.
	rt, _ := c.openUnattended(cmd, filepath.Dir(statePath), data, stderr)
	if rt == nil {
		return "", nil, nil, 2
	}
	// Practice servers that started empty would make everything the record names look
	// deleted: the record cannot be worked on.
	if sk := rt.st; sk.Practice && sk.Sandbox != nil && !sk.PracticeRestored {
		why := sk.PracticeNotice
		if why == "" {
			why = "there is no saved practice data for this record"
		}
		fmt.Fprintf(stderr, "vaultlink %s: cannot work on the practice record %s: %s\n", cmd, statePath, why)
		rt.close()
		return "", nil, nil, 2
	}
	return statePath, st, rt, 0
}

// printHealth writes one line per item and its fix below it; the last line sums up.
func printHealth(w io.Writer, r wizard.HealthReport) {
	counts := map[wizard.HealthStatus]int{}
	for _, it := range r.Items {
		counts[it.Status]++
		fmt.Fprintf(w, "%-7s %-21s %s\n", strings.ToUpper(string(it.Status)), it.Name, it.Detail)
		if it.Fix != "" {
			fmt.Fprintf(w, "        %-21s fix: %s\n", "", it.Fix)
		}
	}
	switch r.ExitCode() {
	case 0:
		fmt.Fprintf(w, "healthy (%d ok, %d warning(s))\n", counts[wizard.HealthOK], counts[wizard.HealthWarn])
	case 1:
		fmt.Fprintf(w, "drift: %d item(s) differ from what VaultLink set up\n", counts[wizard.HealthDrift])
	default:
		fmt.Fprintf(w, "could not check %d item(s)\n", counts[wizard.HealthUnknown])
	}
}
