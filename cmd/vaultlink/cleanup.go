package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vaultlink/vaultlink/wizard"
)

// runs are the records clean-up can work from: each run's progress file and, in practice
// mode, the simulators' data it ran against.
var runs = []struct{ from, who, state, data string }{
	{"wizard", "the desktop wizard", "state.json", "practice-data.enc"},
	{"apply", "vaultlink apply", "apply-state.json", "apply-practice-data.enc"},
}

// stdinIsTerminal says whether someone can answer a question; tests replace it.
var stdinIsTerminal = func() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runCleanup removes what VaultLink created, as recorded in the desktop wizard's progress or
// apply's: the one that exists, or the one --from names (asked for when both exist).
func runCleanup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	from := fs.String("from", "", "whose record to clean up: wizard (the desktop wizard) or apply (default: the one that exists)")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := c.checkMode(fs, "add --live"); err != nil {
		fmt.Fprintln(stderr, "vaultlink cleanup:", err)
		return 2
	}
	if *from != "" && *from != "wizard" && *from != "apply" {
		fmt.Fprintln(stderr, "vaultlink cleanup: --from is wizard or apply")
		return 2
	}
	dir, err := c.modeDir()
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink cleanup:", err)
		return 1
	}
	in := bufio.NewReader(os.Stdin)
	var found []int
	for i, r := range runs {
		if *from != "" && r.from != *from {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, r.state)); err == nil {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 0 && *from != "":
		fmt.Fprintf(stderr, "vaultlink cleanup: no record of a run at %s: nothing to clean up\n", filepath.Join(dir, runs[indexOf(*from)].state))
		return 1
	case len(found) == 0:
		fmt.Fprintf(stderr, "vaultlink cleanup: no record of a run in %s (neither %s from the desktop wizard nor %s from apply): nothing to clean up\n", dir, runs[0].state, runs[1].state)
		return 1
	case len(found) > 1 && (*yes || !stdinIsTerminal()):
		fmt.Fprintf(stderr, "vaultlink cleanup: there are records of two runs in %s; choose one:\n", dir)
		for _, i := range found {
			fmt.Fprintf(stderr, "  --from %-6s  what %s created (%s)\n", runs[i].from, runs[i].who, runs[i].state)
		}
		return 2
	case len(found) > 1:
		fmt.Fprintf(stdout, "There are records of two runs in %s:\n", dir)
		for _, i := range found {
			fmt.Fprintf(stdout, "  %-6s  what %s created (%s)\n", runs[i].from, runs[i].who, runs[i].state)
		}
		fmt.Fprint(stdout, "Which to clean up? Type wizard or apply: ")
		i := indexOf(readWord(in))
		if i < 0 {
			fmt.Fprintln(stdout, "nothing was changed")
			return 1
		}
		found = []int{i}
	}
	r := runs[found[0]]
	statePath := filepath.Join(dir, r.state)
	if !*yes {
		fmt.Fprintf(stdout, "This deletes, in AWS, what %s created (recorded in %s).\nType yes to go on: ", r.who, statePath)
		if readWord(in) != "yes" {
			fmt.Fprintln(stdout, "nothing was changed")
			return 1
		}
	} else {
		fmt.Fprintf(stdout, "cleaning up what %s created (recorded in %s)\n", r.who, statePath)
	}
	rt, code := c.openUnattended("cleanup", dir, r.data, stderr)
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

// indexOf is the run --from names, or -1.
func indexOf(from string) int {
	for i, r := range runs {
		if r.from == from {
			return i
		}
	}
	return -1
}

// readWord reads one answer line, trimmed.
func readWord(in *bufio.Reader) string {
	line, _ := in.ReadString('\n')
	return strings.TrimSpace(line)
}
