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
	statePath, code := c.recordPath(fs, "status", *from, stderr)
	if code != 0 {
		return code
	}
	st, err := wizard.Store{Path: statePath}.Load()
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink status:", err)
		return 2
	}
	data := runs[0].data
	if filepath.Base(statePath) == runs[1].state {
		data = runs[1].data
	}
	// Whatever stops the services from being built, nothing could be checked.
	rt, _ := c.openUnattended("status", filepath.Dir(statePath), data, stderr)
	if rt == nil {
		return 2
	}
	defer rt.close()
	// Practice servers that started empty would make every item look deleted: that is not
	// drift, the record simply cannot be compared.
	if st := rt.st; st.Practice && st.Sandbox != nil && !st.PracticeRestored {
		why := st.PracticeNotice
		if why == "" {
			why = "there is no saved practice data for this record"
		}
		fmt.Fprintf(stderr, "vaultlink status: cannot compare the practice record %s: %s\n", statePath, why)
		return 2
	}
	fmt.Fprintf(stdout, "VaultLink status of %s\n", statePath)
	report := wizard.CheckHealth(rt.ctx, rt.st.Services, st)
	printHealth(stdout, report)
	return report.ExitCode()
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
