package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vaultlink/vaultlink/wizard"
)

// maxKeepOldDays bounds --keep-old: an inactive key kept longer is forgotten, not rotated.
const maxKeepOldDays = 365

// runRotateKey replaces the integration's access key (wizard/rotate.go): a new key into the
// keyring, Secret Server's secret moved to it, both sides verified, the old key deactivated, a
// sync verified, the old key deleted (or kept inactive with --keep-old). An interrupted
// rotation resumes where it stopped when the command is run again. Exit status: 0 rotated,
// 1 stopped (what was done is kept; run it again), 2 could not start.
func runRotateKey(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rotate-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	from := fs.String("from", "", "whose record: wizard (the desktop wizard) or apply (default: the one that exists)")
	keepDays := fs.Int("keep-old", 0, "keep the old key inactive for this many days instead of deleting it (the first rotation after that deletes it)")
	replaceOrphans := fs.Bool("replace-orphan-keys", false, "delete access keys VaultLink made whose secret is in no keyring entry (an interrupted run's), so a new key can be made")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *keepDays < 0 || *keepDays > maxKeepOldDays {
		fmt.Fprintf(stderr, "vaultlink rotate-key: --keep-old is a number of days from 1 to %d (or leave it out to delete the old key)\n", maxKeepOldDays)
		return 2
	}
	statePath, _, rt, code := c.openRecord(fs, "rotate-key", *from, stderr)
	if rt == nil {
		return code
	}
	defer rt.close()
	sess, err := wizard.NewSession(loadGuide(), rt.st.Services, wizard.Store{Path: statePath}, wizard.Unattended)
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink rotate-key:", err)
		return 2
	}
	defer sess.Close()
	if *replaceOrphans {
		if err := sess.AllowReplaceOrphanKeys(); err != nil {
			fmt.Fprintln(stderr, "vaultlink rotate-key:", err)
			return 2
		}
	}
	fmt.Fprintf(stdout, "VaultLink key rotation for %s\n", statePath)
	rep, err := sess.RotateKey(rt.ctx, wizard.RotateOptions{KeepOld: time.Duration(*keepDays) * 24 * time.Hour}, func(m string) { fmt.Fprintln(stdout, "  "+m) })
	if serr := rt.st.SavePractice(); serr != nil {
		fmt.Fprintln(stderr, "vaultlink rotate-key: keep practice data:", serr)
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(stdout, "note: "+n)
	}
	if err != nil {
		fmt.Fprintln(stderr, "vaultlink rotate-key:", err)
		var oe *wizard.OrphanKeysError
		var tm *wizard.TooManyKeysError
		switch {
		case errors.As(err, &oe):
			fmt.Fprintln(stderr, "To let VaultLink delete them, run: vaultlink rotate-key --replace-orphan-keys")
		case errors.As(err, &tm):
		default:
			if _, underway := sess.RotationUnderway(); underway {
				fmt.Fprintln(stderr, "What was done is recorded: run vaultlink rotate-key again to go on from there.")
			}
		}
		return 1
	}
	fmt.Fprintf(stdout, "rotated: access key %s replaced by %s", wizard.MaskKeyID(rep.OldKeyID), wizard.MaskKeyID(rep.NewKeyID))
	if !rep.KeptTill.IsZero() {
		fmt.Fprintf(stdout, " (the old key is kept inactive until %s)", rep.KeptTill.UTC().Format("2006-01-02"))
	}
	fmt.Fprintln(stdout)
	return 0
}
