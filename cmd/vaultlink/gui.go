package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/internal/winprof"
	"github.com/vaultlink/vaultlink/services/audit"
	vaws "github.com/vaultlink/vaultlink/services/aws"
	"github.com/vaultlink/vaultlink/services/sandbox"
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
	tour := tourFlag(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := c.checkMode(fs, "add --live"); err != nil {
		fmt.Fprintln(stderr, "vaultlink:", err)
		return 2
	}
	// Fyne's GLFW driver panics with a stack trace when there is no display: say what to do
	// instead, before Fyne starts.
	if msg := missingDisplay(runtime.GOOS, os.Getenv); msg != "" {
		fmt.Fprintln(stderr, "vaultlink:", msg)
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
	a.SetIcon(fyne.NewStaticResource("vaultlink.png", assets.Icon))
	ui.SetIcon(fyne.NewStaticResource("vaultlink-header.png", assets.HeaderIcon))
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
	// Hidden: VAULTLINK_PROFILE_DIR makes the window record when its first frame is shown and,
	// when it closes or a tour ends, a heap profile (make bench; docs/performance.md).
	prof := winprof.Attach(a, w)
	if *tour != "" {
		// The walk's status is the command's: window-check must see a failed walk fail.
		status := startTour(a, u, w, *tour, prof.Write, closeFn, stderr)
		w.ShowAndRun()
		prof.Write()
		return status()
	}
	w.ShowAndRun()
	prof.Write()
	return 0
}

// missingDisplay says why the window cannot open and what works instead, or "" when a display
// is there. The window draws through GLFW's X11 backend (Fyne builds the Wayland one only with
// -tags wayland, which VaultLink does not use), so on Linux and the BSDs it needs DISPLAY; a
// Wayland desktop sets it through XWayland. Windows and macOS always have a display.
func missingDisplay(goos string, getenv func(string) string) string {
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return ""
	}
	if getenv("DISPLAY") != "" {
		return ""
	}
	why := "there is no display to open the window on (DISPLAY is not set: an SSH session or a server?)"
	if getenv("WAYLAND_DISPLAY") != "" {
		why = "the window needs an X display and DISPLAY is not set (on Wayland, XWayland provides one)"
	}
	return why + ".\n" +
		"Without a window, run the same steps from a plan:  vaultlink apply --plan FILE  (see examples/practice-plan.yaml),\n" +
		"and check the setup with  vaultlink doctor.  Over SSH, ssh -X forwards a display."
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
	c.server.supply(st)
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
	if st.Practice {
		setup, try := sandbox.CLISetup(st.AWS.Endpoint())
		info.PracticeCLI = append(setup, try)
		info.EnvProfile = os.Getenv("AWS_PROFILE")
	} else {
		info.Endpoints = vaws.EndpointOverrides()
		if profiles, err := vaws.Profiles(); err == nil {
			for _, p := range profiles {
				info.Profiles = append(info.Profiles, p.Name)
			}
		}
	}
	closeFn := func() {
		// Settings typed since the last save are written as the window closes.
		if err := sess.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "vaultlink: save progress:", err)
		}
		if err := st.SavePractice(); err != nil {
			fmt.Fprintln(os.Stderr, "vaultlink: keep practice data:", err)
		}
		st.Close()
		log.Close()
		lock.Release()
	}
	return ui.New(w, sess, info), closeFn, nil
}
