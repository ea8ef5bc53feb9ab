package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vaultlink/vaultlink/wizard"
)

// runCleanup removes what VaultLink created, as recorded in the desktop wizard's progress
// (or apply's, with --from apply).
func runCleanup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	from := fs.String("from", "wizard", "whose record to clean up: wizard (the desktop wizard) or apply")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	state, data := "state.json", "practice-data.enc"
	if *from == "apply" {
		state, data = "apply-state.json", "apply-practice-data.enc"
	} else if *from != "wizard" {
		fmt.Fprintln(stderr, "vaultlink cleanup: --from is wizard or apply")
		return 2
	}
	dir, err := c.modeDir()
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink cleanup:", err)
		return 1
	}
	statePath := filepath.Join(dir, state)
	if _, err := os.Stat(statePath); err != nil {
		fmt.Fprintf(stderr, "vaultlink cleanup: no record of a run at %s: nothing to clean up\n", statePath)
		return 1
	}
	if !*yes {
		fmt.Fprintf(stdout, "This deletes, in AWS, what VaultLink created (recorded in %s).\nType yes to go on: ", statePath)
		var answer string
		fmt.Fscanln(os.Stdin, &answer)
		if answer != "yes" {
			fmt.Fprintln(stdout, "nothing was changed")
			return 1
		}
	}
	rt, code := c.openUnattended("cleanup", dir, data, stderr)
	if rt == nil {
		return code
	}
	defer rt.close()
	ctx, st := rt.ctx, rt.st
	sess, err := wizard.NewSession(loadGuide(), st.Services, wizard.Store{Path: statePath}, wizard.Unattended)
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink cleanup:", err)
		return 1
	}
	_, err = sess.Cleanup(ctx, func(m string) { fmt.Fprintln(stdout, m) })
	if serr := st.SavePractice(); serr != nil {
		fmt.Fprintln(stderr, "vaultlink cleanup: keep practice data:", serr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink cleanup:", err)
		return 1
	}
	fmt.Fprintln(stdout, "clean-up finished")
	return 0
}
