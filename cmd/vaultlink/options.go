package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// common are the flags every mode shares.
type common struct {
	practice   bool
	live       bool
	stateDir   string
	attach     string
	awsProfile string
	region     string
	// ss is the Secret Server connection the flags describe (never a password: see stackOptions).
	ss         wizard.SSConnection
	keyWait    time.Duration
	noVaultAPI bool
	server     serverFlags
}

func (c *common) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.practice, "practice", false, "use the built-in practice AWS and Secret Server (the default when no live settings are given)")
	fs.BoolVar(&c.live, "live", false, "use real AWS and Secret Server")
	fs.StringVar(&c.stateDir, "state-dir", "", "where progress and the audit log are kept (default: the user config folder)")
	fs.StringVar(&c.attach, "sandbox", "", "practice mode: attach to the sandbox described by this file (from `vaultlink sandbox --env-file`)")
	fs.StringVar(&c.awsProfile, "aws-profile", os.Getenv("AWS_PROFILE"), "live mode: AWS profile (shared config, SSO)")
	fs.StringVar(&c.region, "region", "", "live mode: AWS region (default: the profile's)")
	fs.StringVar(&c.ss.URL, "ss-url", os.Getenv("VAULTLINK_SS_URL"), "live mode: Secret Server URL")
	fs.StringVar(&c.ss.Username, "ss-user", os.Getenv("VAULTLINK_SS_USER"), "live mode: Secret Server user name")
	fs.StringVar(&c.ss.Domain, "ss-domain", os.Getenv("VAULTLINK_SS_DOMAIN"), "live mode: Secret Server domain (AD accounts)")
	fs.StringVar(&c.ss.CACertFile, "ss-ca-cert", "", "live mode: PEM file of a private CA for Secret Server")
	fs.DurationVar(&c.keyWait, "key-wait", 2*time.Minute, "how long to wait for a new access key to start working")
	fs.StringVar(&c.ss.Tenant, "ss-tenant", os.Getenv("VAULTLINK_SS_TENANT"), "live mode: Secret Server Cloud tenant (instead of --ss-url)")
	fs.StringVar(&c.ss.TLD, "ss-tld", "com", "live mode: Secret Server Cloud domain: com, eu, com.au, com.sg, ca, co.uk or ae")
	fs.StringVar(&c.ss.OTP, "ss-otp", "", "live mode: the current one-time code, for a two-factor sign-in")
	fs.BoolVar(&c.ss.Remember, "ss-remember", false, "live mode: keep the Secret Server password (from VAULTLINK_SS_PASSWORD) in the system keyring for next time")
	fs.BoolVar(&c.noVaultAPI, "practice-without-vault-api", false, "practice mode: simulate a Secret Server without the external-vault API (modules 3 and 6 become guided steps)")
	c.server.register(fs)
}

// liveOnly are the flags only live mode reads. Given on the command line in practice mode
// they would be ignored, and `vaultlink --aws-profile prod` opening practice mode misleads.
// --ss-url and --ss-tenant are not here: they choose live mode themselves (as the usage says),
// so they are refused only with an explicit --practice.
var liveOnly = []string{"aws-profile", "region", "ss-user", "ss-domain", "ss-ca-cert", "ss-tld", "ss-otp", "ss-remember"}

// checkMode refuses a practice run given live-only flags; how says what selects live mode
// ("add --live", or the plan's mode for apply). Only flags given explicitly count (flag.Visit):
// AWS_PROFILE or VAULTLINK_SS_USER in the environment, there for other tools, are no mistake.
func (c *common) checkMode(fs *flag.FlagSet, how string) error {
	if c.practice && c.live {
		return errors.New("choose --practice or --live, not both")
	}
	if !c.isPractice() {
		return nil
	}
	var given []string
	practiceFlag := false
	fs.Visit(func(f *flag.Flag) {
		practiceFlag = practiceFlag || f.Name == "practice"
		if slices.Contains(liveOnly, f.Name) || c.practice && (f.Name == "ss-url" || f.Name == "ss-tenant") {
			given = append(given, "--"+f.Name)
		}
	})
	if len(given) == 0 {
		return nil
	}
	verb, them := "is a live-mode setting", "it"
	if len(given) > 1 {
		verb, them = "are live-mode settings", "them"
	}
	if practiceFlag {
		how = "use --live instead of --practice"
	}
	return fmt.Errorf("%s %s, but this run is in practice mode (the built-in simulated AWS and Secret Server): %s to use your real AWS account and Secret Server, or leave %s out",
		strings.Join(given, ", "), verb, how, them)
}

// isPractice: practice unless live was asked for, or live settings were given.
func (c *common) isPractice() bool {
	if c.practice {
		return true
	}
	return !c.live && !c.ss.IsSet()
}

func (c *common) modeDir() (string, error) {
	dir := c.stateDir
	if dir == "" {
		d, err := wizard.DefaultStateDir()
		if err != nil {
			return "", err
		}
		dir = d
	}
	mode := "live"
	if c.isPractice() {
		mode = "practice"
	}
	return filepath.Join(dir, mode), nil
}

// stackOptions turns the flags into service settings. The Secret Server password is read from
// VAULTLINK_SS_PASSWORD, never from a flag (flags show up in process lists).
func (c *common) stackOptions(log *audit.Log) (stack.Options, error) {
	ss := c.ss
	ss.Password, ss.Token = wizard.NewSecret(os.Getenv("VAULTLINK_SS_PASSWORD")), wizard.NewSecret(os.Getenv("VAULTLINK_SS_TOKEN"))
	o := stack.Options{Practice: c.isPractice(), AWSProfile: c.awsProfile, Region: c.region, SecretServer: ss, Audit: log, KeyWait: c.keyWait}
	if c.noVaultAPI {
		o.PracticeSS.NoExternalVaultAPI = true
	}
	if err := c.server.apply(&o); err != nil {
		return o, err
	}
	if !o.Practice {
		if err := o.SecretServer.LoadCACert(); err != nil {
			return o, err
		}
	}
	if c.attach != "" {
		data, err := os.ReadFile(c.attach)
		if err != nil {
			return o, fmt.Errorf("read the sandbox file: %w", err)
		}
		var ep sandbox.Endpoints
		if err := json.Unmarshal(data, &ep); err != nil || ep.AWS == "" || ep.SecretServer == "" {
			return o, fmt.Errorf("sandbox file %s does not describe a sandbox (want aws_endpoint and secret_server_url)", c.attach)
		}
		o.Attach = &ep
	}
	if !o.Practice && (!ss.IsSet() || (ss.Username == "" && ss.Token.Empty())) {
		return o, fmt.Errorf("live mode needs a Secret Server URL (--ss-url) or cloud tenant (--ss-tenant), and a user (--ss-user) with VAULTLINK_SS_PASSWORD (or one kept with --ss-remember), or VAULTLINK_SS_TOKEN")
	}
	return o, nil
}

func loadGuide() *wizard.Guide {
	g, err := wizard.ParseGuide(assets.Guide)
	if err != nil {
		// The guide is embedded and tested; a failure here is a build defect.
		panic(err)
	}
	return g
}

// practiceDataFile is where practice mode keeps its simulators' data for a state file: only
// when this process runs the simulators itself.
func (c *common) practiceDataFile(dir, name string) string {
	if !c.isPractice() || c.attach != "" {
		return ""
	}
	return filepath.Join(dir, name)
}

// alignPractice keeps practice progress and practice servers in step: when the servers start
// empty, earlier progress would point at things that no longer exist, so it is set aside
// (renamed, not deleted) and the admin is told.
func alignPractice(st *stack.Stack, statePath string) string {
	if !st.Practice || st.Sandbox == nil || st.PracticeRestored {
		return st.PracticeNotice
	}
	if _, err := os.Stat(statePath); err != nil {
		return st.PracticeNotice
	}
	if err := os.Rename(statePath, statePath+".previous"); err != nil {
		return "practice progress could not be reset: " + err.Error()
	}
	why := st.PracticeNotice
	if why == "" {
		why = "practice data is not kept without a system keyring"
	}
	return "Practice progress starts over (" + why + "); the earlier progress file was kept as " + filepath.Base(statePath) + ".previous."
}

// savePracticeAfterEachStep writes the practice servers' data whenever a step or answer is
// recorded, so a crash or restart resumes with servers that match the progress.
func savePracticeAfterEachStep(st *stack.Stack, sess *wizard.Session, stderr io.Writer) {
	sess.Subscribe(func(e wizard.Event) {
		if e.Level == "done" || e.Level == "error" {
			if err := st.SavePractice(); err != nil {
				fmt.Fprintln(stderr, "vaultlink: keep practice data:", err)
			}
		}
	})
}

// unattended is what apply and cleanup run on: the audit log, the services, and a context
// that Ctrl-C cancels. Close releases all three.
type unattended struct {
	ctx   context.Context
	st    *stack.Stack
	close func()
}

// openUnattended opens the audit log in dir and builds the services (practice data kept in
// practiceData, a file name in dir). On failure it reports to stderr as cmd and returns the
// exit status: 2 for bad settings, 1 otherwise.
func (c *common) openUnattended(cmd, dir, practiceData string, stderr io.Writer) (*unattended, int) {
	// One VaultLink at a time on a progress folder, taken before any call is made.
	lock, err := wizard.Store{Path: filepath.Join(dir, "state.json")}.Lock("`vaultlink " + cmd + "`")
	if err != nil {
		fmt.Fprintf(stderr, "vaultlink %s: %v\n", cmd, err)
		return nil, 1
	}
	log, err := audit.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		lock.Release()
		fmt.Fprintf(stderr, "vaultlink %s: %v\n", cmd, err)
		return nil, 1
	}
	opts, err := c.stackOptions(log)
	if err != nil {
		log.Close()
		lock.Release()
		fmt.Fprintf(stderr, "vaultlink %s: %v\n", cmd, err)
		return nil, 2
	}
	opts.PracticeData = c.practiceDataFile(dir, practiceData)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	st, err := stack.Build(ctx, opts)
	if err != nil {
		stop()
		log.Close()
		lock.Release()
		fmt.Fprintf(stderr, "vaultlink %s: %v\n", cmd, err)
		return nil, 1
	}
	c.server.supply(st)
	return &unattended{ctx: ctx, st: st, close: func() { st.Close(); stop(); log.Close(); lock.Release() }}, 0
}
