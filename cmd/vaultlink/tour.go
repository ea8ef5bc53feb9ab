//go:build tour

// The tour is a test tool, built only with -tags tour (make window-check, make screenshots):
// release binaries have no --tour. Adding the tag recompiles only this package: no dependency's
// files or #cgo lines mention it, and Go keys each package's cached build by its files and C
// flags, not by the -tags list.

package main

import (
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"github.com/vaultlink/vaultlink/ui"
	"github.com/vaultlink/vaultlink/wizard"
)

// failOnPurpose makes the walk fail after its first page, for window-check's self-test: a
// failing walk must fail the check.
const failOnPurpose = "VAULTLINK_TOUR_FAIL"

func tourFlag(fs *flag.FlagSet) *string {
	return fs.String("tour", "", "walk every page in practice mode with fresh state, saving a PNG of the window per page to this folder, then quit (make screenshots)")
}

// startTour walks the window in the background and quits the app when done. The returned
// function, called after ShowAndRun returns, gives the walk's exit status.
func startTour(a fyne.App, u *ui.UI, w fyne.Window, dir string, afterWalk, closeFn func(), stderr io.Writer) func() int {
	done := make(chan int, 1)
	go func() {
		code := 0
		if err := runTour(u, w, dir); err != nil {
			fmt.Fprintln(stderr, "vaultlink tour:", err)
			code = 1
		}
		afterWalk()
		done <- code // before Quit, so it is there when ShowAndRun returns
		fyne.Do(a.Quit)
		// Quit normally ends ShowAndRun at once. The GL driver has been seen to stay in its
		// event loop after a programmatic Quit under Xvfb; a screenshot run must not hang.
		time.Sleep(5 * time.Second)
		fmt.Fprintln(stderr, "vaultlink tour: the window did not close after Quit; exiting")
		closeFn()
		os.Exit(code)
	}()
	return func() int {
		select {
		case code := <-done:
			return code
		default:
			fmt.Fprintln(stderr, "vaultlink tour: the window closed before the walk finished")
			return 1
		}
	}
}

// runTour walks the real window through every kind of page, as an admin would (the same UI
// methods the buttons call), and saves what the window shows after each one. `make
// screenshots` runs it under Xvfb in the light and dark themes.
func runTour(u *ui.UI, w fyne.Window, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	n := 0
	shot := func(name string) error {
		settle := 500 * time.Millisecond // let the driver draw the new frame
		if n == 0 {
			settle = 2 * time.Second // the window must be mapped and drawn once first
		}
		time.Sleep(settle)
		n++
		path := filepath.Join(dir, fmt.Sprintf("%02d-%s.png", n, name))
		// What the X server shows of the window is the truth; the GL canvas capture reads a
		// back buffer that Mesa's software renderer leaves blank after a swap.
		if imp, err := exec.LookPath("import"); err == nil && os.Getenv("DISPLAY") != "" {
			if out, err := exec.Command(imp, "-window", w.Title(), path).CombinedOutput(); err != nil {
				return fmt.Errorf("capture %s: %v: %s", name, err, out)
			}
			return nil
		}
		var err error
		fyne.DoAndWait(func() {
			f, e := os.Create(path)
			if e != nil {
				err = e
				return
			}
			defer f.Close()
			err = png.Encode(f, w.Canvas().Capture())
		})
		return err
	}
	s := u.Session()
	g := s.Guide()
	if err := shot("welcome"); err != nil {
		return err
	}
	if os.Getenv(failOnPurpose) != "" {
		return errors.New("failing on purpose after the first page (" + failOnPurpose + " is set)")
	}
	fyne.DoAndWait(u.ShowConnections)
	u.WaitIdle()
	if err := shot("connections"); err != nil {
		return err
	}
	for _, m := range g.Modules {
		for i, st := range m.Steps {
			ref := wizard.StepRef{Module: m.ID, Step: st.ID}
			fyne.DoAndWait(func() { u.ShowStep(ref) })
			if m.Number == 1 && i == 0 || m.Number == 5 && i == 0 {
				if err := shot(fmt.Sprintf("module%d-step%d-preview", m.Number, i+1)); err != nil {
					return err
				}
			}
			fyne.DoAndWait(func() { u.RunStep(ref) })
			u.WaitIdle()
			if rec := s.StepRecord(ref); rec.Status == wizard.StepManual {
				// A server without the external-vault API: show the guided step, then confirm.
				if err := shot(fmt.Sprintf("module%d-step%d-manual", m.Number, i+1)); err != nil {
					return err
				}
				fyne.DoAndWait(func() { u.ConfirmStep(ref) })
				u.WaitIdle()
				if rec := s.StepRecord(ref); rec.Status != wizard.StepDone {
					// Only the admin's clicks in Secret Server can finish this; the tour ends here.
					return shot(fmt.Sprintf("module%d-step%d-manual-unverified", m.Number, i+1))
				}
				continue
			}
			if rec := s.StepRecord(ref); rec.Status != wizard.StepDone {
				return fmt.Errorf("%s: %s", ref, rec.Error)
			}
			if m.Number == 1 && i == 2 || m.Number == 3 && i == 0 || m.Number == 6 && i == len(m.Steps)-1 {
				if err := shot(fmt.Sprintf("module%d-step%d-result", m.Number, i+1)); err != nil {
					return err
				}
			}
		}
		fyne.DoAndWait(func() { u.ShowCheck(m.ID) })
		if m.Number == 1 {
			if err := shot("module1-check"); err != nil {
				return err
			}
			fyne.DoAndWait(func() { u.Answer(optionText(m, false)) })
			u.WaitIdle()
			if err := shot("module1-check-wrong"); err != nil {
				return err
			}
		}
		fyne.DoAndWait(func() { u.Answer(optionText(m, true)) })
		u.WaitIdle()
		if m.Number == 1 || m.Number == 4 {
			if err := shot(fmt.Sprintf("module%d-check-passed", m.Number)); err != nil {
				return err
			}
		}
	}
	fyne.DoAndWait(u.ShowComplete)
	if err := shot("complete"); err != nil {
		return err
	}
	fyne.DoAndWait(u.ShowHealth)
	u.WaitIdle()
	if err := shot("health"); err != nil {
		return err
	}
	// The key rotation from the Health page: its confirmation, then the rotation (the
	// confirmation's button) and the page with its report and the health check after it.
	fyne.DoAndWait(u.ConfirmRotation)
	if err := shot("health-rotate-confirm"); err != nil {
		return err
	}
	fyne.DoAndWait(func() { w.Canvas().Overlays().Top().Hide() }) // closes the confirmation
	fyne.DoAndWait(func() { u.RotateKey(wizard.RotateOptions{}) })
	u.WaitIdle()
	if _, underway := s.RotationUnderway(); underway {
		return errors.New("the key rotation from the Health page did not finish")
	}
	return shot("health-rotated")
}

func optionText(m wizard.Module, correct bool) string {
	for _, o := range m.Check.Options {
		if o.Correct == correct {
			return o.Text
		}
	}
	return ""
}
