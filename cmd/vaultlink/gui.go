package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/services/audit"
	vaws "github.com/vaultlink/vaultlink/services/aws"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/ui"
	"github.com/vaultlink/vaultlink/wizard"
)

const appID = "io.github.vaultlink"

func runGUI(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vaultlink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	tour := fs.String("tour", "", "walk every page in practice mode with fresh state, saving a PNG of the window per page to this folder, then quit (make screenshots)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *tour != "" {
		tmp, err := os.MkdirTemp("", "vaultlink-tour-")
		if err != nil {
			fmt.Fprintln(stderr, "vaultlink:", err)
			return 1
		}
		defer os.RemoveAll(tmp)
		c.practice, c.live, c.stateDir = true, false, tmp
	}

	a := app.NewWithID(appID)
	icon := fyne.NewStaticResource("vaultlink.png", assets.Icon)
	a.SetIcon(icon)
	ui.SetIcon(icon)
	w := a.NewWindow("VaultLink")
	w.Resize(fyne.NewSize(1180, 780))

	u, closeFn, err := openSession(&c, w)
	if err != nil {
		// A desktop user may have started VaultLink from a menu: say it in the window too.
		fmt.Fprintln(stderr, "vaultlink:", err)
		msg := widget.NewLabel("VaultLink could not start:\n\n" + err.Error() + "\n\nRun `vaultlink doctor` in a terminal for details.")
		msg.Wrapping = fyne.TextWrapWord
		w.SetContent(container.NewPadded(msg))
		if *tour != "" {
			return 1
		}
		w.ShowAndRun()
		return 1
	}
	defer closeFn()
	if *tour != "" {
		go func() {
			code := 0
			if err := runTour(u, w, *tour); err != nil {
				fmt.Fprintln(stderr, "vaultlink tour:", err)
				code = 1
			}
			fyne.Do(a.Quit)
			// Quit normally ends ShowAndRun at once. The GL driver has been seen to stay in its
			// event loop after a programmatic Quit under Xvfb; a screenshot run must not hang.
			time.Sleep(5 * time.Second)
			fmt.Fprintln(stderr, "vaultlink tour: the window did not close after Quit; exiting")
			closeFn()
			os.Exit(code)
		}()
	}
	w.ShowAndRun()
	return 0
}

// openSession builds the services for the chosen mode, loads the admin's progress and returns
// the window's UI.
func openSession(c *common, w fyne.Window) (*ui.UI, func(), error) {
	dir, err := c.modeDir()
	if err != nil {
		return nil, nil, err
	}
	statePath := filepath.Join(dir, "state.json")
	// One VaultLink at a time on a progress folder: a second window (or an apply) refuses.
	lock, err := wizard.Store{Path: statePath}.Lock("window")
	if err != nil {
		return nil, nil, err
	}
	log, err := audit.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		lock.Release()
		return nil, nil, err
	}
	opts, err := c.stackOptions(log)
	if err != nil {
		log.Close()
		lock.Release()
		return nil, nil, err
	}
	opts.PracticeData = c.practiceDataFile(dir, "practice-data.enc")
	st, err := stack.Build(context.Background(), opts)
	if err != nil {
		log.Close()
		lock.Release()
		return nil, nil, err
	}
	practiceNotice := alignPractice(st, statePath)
	sess, err := wizard.NewSession(loadGuide(), st.Services, wizard.Store{Path: statePath}, wizard.Guided)
	if err != nil {
		st.Close()
		log.Close()
		lock.Release()
		return nil, nil, err
	}
	savePracticeAfterEachStep(st, sess, os.Stderr)
	info := ui.Info{Practice: st.Practice, KeyringName: st.Services.Keyring.Name(), KeyringNotice: st.KeyringNotice, PracticeNotice: practiceNotice,
		StatePath: statePath, AuditPath: log.Path(), SSURL: st.SS.URL(), AWSEndpoint: st.AWS.Endpoint(),
		Profile: c.awsProfile, Region: st.AWS.Region()}
	if !st.Practice {
		info.Endpoints = vaws.EndpointOverrides()
		if profiles, err := vaws.Profiles(); err == nil {
			for _, p := range profiles {
				info.Profiles = append(info.Profiles, p.Name)
			}
		}
	}
	closeFn := func() {
		if err := st.SavePractice(); err != nil {
			fmt.Fprintln(os.Stderr, "vaultlink: keep practice data:", err)
		}
		st.Close()
		log.Close()
		lock.Release()
	}
	return ui.New(w, sess, info), closeFn, nil
}
