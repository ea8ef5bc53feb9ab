package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/stack"
)

// runDoctor checks each dependency and says what to do about each failure; it shows what
// VaultLink found out about the Secret Server's API (the capability report).
func runDoctor(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	saveSwagger := fs.String("save-swagger", "", "save the Secret Server's swagger.json to this file (to send to support for a check)")
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
	c.server.supply(st)
	id, err := st.AWS.CallerIdentity(ctx)
	report("AWS identity", err, id.ARN+" (region "+st.AWS.Region()+")")
	info, err := st.SS.Connect(ctx)
	report("Secret Server", err, fmt.Sprintf("%s as %s, version %s", info.URL, info.User, orUnknown(info.Version)))
	if err == nil {
		fmt.Fprintln(stdout, "Secret Server API (external vaults):")
		for _, l := range info.Capabilities.Lines() {
			fmt.Fprintln(stdout, "  "+l)
		}
	}
	if *saveSwagger != "" {
		doc, err := st.SS.SwaggerDocument(ctx)
		if err == nil {
			err = os.WriteFile(*saveSwagger, doc, 0o600)
		}
		report("swagger.json", err, "saved to "+*saveSwagger+" (it describes the API only: no secrets, no values)")
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
