// Command vaultlink is the VaultLink desktop wizard. With no subcommand it opens the window;
// `apply` runs the same steps unattended from a plan, `sandbox` runs the practice servers
// alone, and `doctor` checks the keyring, the AWS identity and Secret Server.
package main

import (
	"fmt"
	"io"
	"os"

	// Before Fyne initialises: a C.UTF-8 locale must not make every command print a Fyne error.
	_ "github.com/vaultlink/vaultlink/internal/fynelocale"
)

// version is stamped at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "apply":
			return runApply(args[1:], stdout, stderr)
		case "sandbox":
			return runSandbox(args[1:], stdout, stderr)
		case "doctor":
			return runDoctor(args[1:], stdout, stderr)
		case "cleanup":
			return runCleanup(args[1:], stdout, stderr)
		case "status":
			return runStatus(args[1:], stdout, stderr)
		case "export":
			return runExport(args[1:], stdout, stderr)
		case "rotate-key":
			return runRotateKey(args[1:], stdout, stderr)
		case "version", "--version":
			fmt.Fprintln(stdout, "vaultlink", version)
			return 0
		case "help", "-h", "--help":
			usage(stdout)
			return 0
		}
	}
	return runGUI(args, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `VaultLink sets up Delinea Secret Server's AWS Secrets Manager integration, step by step.

Usage:
  vaultlink [flags]                 open the desktop wizard: practice mode unless --live (or
                                    --ss-url / --ss-tenant) is given; it needs a display
  vaultlink apply --plan FILE       run every step unattended (knowledge checks are skipped)
  vaultlink sandbox                 run the practice AWS and Secret Server until interrupted
  vaultlink cleanup [--from wizard|apply]
                                    remove what VaultLink created in AWS (only what it created)
  vaultlink status [--from wizard|apply]
                                    compare what exists now with the record, item by item, each
                                    with its fix; exit 0 healthy, 1 drift, 2 could not check
  vaultlink rotate-key [--keep-old DAYS] [--from wizard|apply]
                                    replace the access key: a new key into the keyring and
                                    Secret Server, both checked, the old key deactivated, a sync
                                    checked, the old key deleted; run again to resume
  vaultlink export --format terraform|cloudformation|aws-cli [--out FILE] [--from wizard|apply]
                                    write what the recorded run set up in AWS as infrastructure
                                    code (never the access key: rotate it with VaultLink)
  vaultlink doctor                  check the keyring, the AWS identity and Secret Server
  vaultlink version

Run any command with -h for its flags.
`)
}
