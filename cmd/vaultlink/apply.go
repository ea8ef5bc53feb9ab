package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/vaultlink/vaultlink/wizard"
)

func runApply(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	planPath := fs.String("plan", "", "the plan file (YAML): settings by input name; see examples/practice-plan.yaml")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *planPath == "" {
		fmt.Fprintln(stderr, "vaultlink apply: --plan FILE is required (see examples/practice-plan.yaml)")
		return 2
	}
	plan, err := wizard.LoadPlan(*planPath)
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink apply:", err)
		return 2
	}
	switch plan.Mode {
	case "practice":
		c.practice = true
	case "live":
		c.live = true
		if c.awsProfile == "" {
			c.awsProfile = plan.AWS.Profile
		}
		if c.region == "" {
			c.region = plan.AWS.Region
		}
		if !c.ss.IsSet() {
			otp, remember := c.ss.OTP, c.ss.Remember
			c.ss = plan.SS
			c.ss.OTP, c.ss.Remember = otp, remember
		}
	}
	if err := c.checkMode(fs, "set `mode: live` in the plan"); err != nil {
		fmt.Fprintln(stderr, "vaultlink apply:", err)
		return 2
	}
	dir, err := c.modeDir()
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink apply:", err)
		return 1
	}
	rt, code := c.openUnattended("apply", dir, "apply-practice-data.enc", stderr)
	if rt == nil {
		return code
	}
	defer rt.close()
	ctx, st := rt.ctx, rt.st
	statePath := filepath.Join(dir, "apply-state.json")
	if st.Practice {
		fmt.Fprintln(stdout, "PRACTICE mode: built-in simulated AWS and Secret Server on this computer")
	} else {
		fmt.Fprintln(stdout, "LIVE mode: changes go to your real AWS account and Secret Server")
	}
	if st.KeyringNotice != "" {
		fmt.Fprintln(stdout, "note:", st.KeyringNotice)
	}
	if n := alignPractice(st, statePath); n != "" {
		fmt.Fprintln(stdout, "note:", n)
	}
	fmt.Fprintln(stdout, "secret access keys go to:", st.Services.Keyring.Name())
	sess, err := wizard.NewSession(loadGuide(), st.Services, wizard.Store{Path: statePath}, wizard.Unattended)
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink apply:", err)
		return 1
	}
	defer sess.Close() // saves what is still only in memory, and stops the delayed save
	if err := sess.ApplySettings(plan.Settings); err != nil {
		fmt.Fprintln(stderr, "vaultlink apply: the plan has bad settings:\n"+err.Error())
		return 2
	}
	id, err := sess.CheckIdentity(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink apply: nothing was changed:", err)
		return 1
	}
	where := "AWS's own endpoints"
	if e := st.AWS.Endpoint(); e != "" {
		where = e
	}
	fmt.Fprintf(stdout, "AWS identity: %s (account %s, region %s, endpoint %s)\n", id.ARN, id.Account, st.AWS.Region(), where)
	savePracticeAfterEachStep(st, sess, stderr)
	if err := sess.RunAll(ctx, func(line string) { fmt.Fprintln(stdout, line) }); err != nil {
		fmt.Fprintln(stderr, "vaultlink apply:", err)
		return 1
	}
	return 0
}
