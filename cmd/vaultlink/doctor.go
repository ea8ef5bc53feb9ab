package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/stack"
)

// runDoctor checks each dependency and says what to do about each failure.
func runDoctor(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := c.checkMode(fs, "add --live"); err != nil {
		fmt.Fprintln(stderr, "vaultlink doctor:", err)
		return 2
	}
	failed := 0
	report := func(what string, err error, ok string) {
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "✗ %s: %v\n", what, err)
			return
		}
		fmt.Fprintf(stdout, "✓ %s: %s\n", what, ok)
	}
	kr, err := keyring.Open(c.isPractice())
	name := ""
	if kr != nil {
		name = kr.Name()
	}
	report("keyring", err, name)
	opts, err := c.stackOptions(audit.Discard())
	if err != nil {
		report("settings", err, "")
		return 1
	}
	opts.Keyring = keyring.NewMemory()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := stack.Build(ctx, opts)
	if err != nil {
		report("services", err, "")
		return 1
	}
	defer st.Close()
	id, err := st.AWS.CallerIdentity(ctx)
	report("AWS identity", err, id.ARN+" (region "+st.AWS.Region()+")")
	info, err := st.SS.Connect(ctx)
	report("Secret Server", err, fmt.Sprintf("%s as %s; external-vault API documented: %v", info.URL, info.User, info.ExternalVaultAPI))
	if failed > 0 {
		return 1
	}
	return 0
}
