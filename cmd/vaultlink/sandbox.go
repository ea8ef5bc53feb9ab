package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
)

func runSandbox(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveSandbox(ctx, args, stdout, stderr)
}

// serveSandbox runs the practice servers until ctx ends. The endpoints file, when asked for,
// is written last: other commands (and tests) take its appearance to mean "ready".
func serveSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	envFile := fs.String("env-file", "", "also write the endpoints to this file (for apply --sandbox)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	sb, err := sandbox.Start(awssim.Options{}, sssim.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink sandbox:", err)
		return 1
	}
	defer sb.Close()
	ep := sb.Endpoints()
	fmt.Fprintf(stdout, "PRACTICE sandbox running (Ctrl-C stops it)\n  AWS (IAM, STS, Secrets Manager): %s  key %s (practice operator; public, loopback only)\n  Secret Server: %s  user %s\n",
		ep.AWS, awssim.PracticeAdminKeyID, ep.SecretServer, sssim.PracticeUser)
	setup, try := sandbox.CLISetup(ep.AWS)
	fmt.Fprintf(stdout, "\nAWS CLI: set up the practice operator's profile once (a public practice key: it opens only this\nsandbox on loopback and is never a real credential):\n")
	for _, line := range setup {
		fmt.Fprintln(stdout, "  "+line)
	}
	fmt.Fprintf(stdout, "then give every command the practice endpoint (it changes each time the sandbox starts):\n  %s\n", try)
	if *envFile != "" {
		data, _ := json.MarshalIndent(ep, "", "  ")
		if err := os.WriteFile(*envFile, append(data, '\n'), 0o600); err != nil {
			fmt.Fprintln(stderr, "vaultlink sandbox:", err)
			return 1
		}
	}
	<-ctx.Done()
	return 0
}
