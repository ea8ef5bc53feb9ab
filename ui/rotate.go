package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// Key rotation from the Health page: a confirmation that lists what the rotation will do
// (wizard's RotationPreview) and offers to keep the old key inactive for some days, then
// Session.RotateKey in the background with its passing progress, then the report and a fresh
// health check. The wizard never hands the window a secret, and nothing here asks for one.

// maxKeepDays is the longest the old key can be kept, inactive, instead of being deleted.
const maxKeepDays = 365

// keepOldDays reads the number of days typed for keeping the old key.
func keepOldDays(text string) (int, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return 0, fmt.Errorf("enter how many days to keep the old key (1 to %d), or untick the box to delete it", maxKeepDays)
	}
	n, err := strconv.Atoi(t)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a whole number of days: enter 1 to %d", t, maxKeepDays)
	case n < 1:
		return 0, fmt.Errorf("keep the old key at least 1 day (you typed %d), or untick the box to delete it", n)
	case n > maxKeepDays:
		return 0, fmt.Errorf("at most %d days (you typed %d): an old key kept longer is easily forgotten", maxKeepDays, n)
	}
	return n, nil
}

// refreshRotate labels the Health page's rotation button from the record, and allows it when
// there is a key to rotate (or a rotation to finish) and no rotation is running.
func (u *UI) refreshRotate(p *healthPage) {
	_, underway := u.s.RotationUnderway()
	label := "Rotate the key…"
	if underway {
		label = "Finish the key rotation…"
	}
	p.rotate.SetText(label)
	if u.rotating || (!underway && u.s.Progress().AccessKeyID == "") {
		p.rotate.Disable()
	} else {
		p.rotate.Enable()
	}
}

// showRotating shows or hides the running rotation's progress and Cancel button.
func (p *healthPage) showRotating(on bool) {
	if on {
		p.again.Disable()
		p.rotate.Disable()
		p.cancel.Show()
		p.progress.Show()
		p.progress.Start()
		p.status.Show()
		return
	}
	p.again.Enable()
	p.cancel.Hide()
	p.progress.Stop()
	p.progress.Hide()
	p.status.Hide()
}

// healthOnShow is the Health page when it is the page on show.
func (u *UI) healthOnShow() *healthPage {
	if u.current == "health" {
		return u.health
	}
	return nil
}

// ConfirmRotation asks before rotating the key (the Health page's rotation button): it lists
// what the rotation will do and asks how to treat the old key. A bad number of days is
// explained under the field, and the dialog stays open with what was typed.
func (u *UI) ConfirmRotation() {
	rot, resuming := u.s.RotationUnderway()
	title, confirm := "Rotate the access key?", "Rotate the key"
	if resuming {
		title, confirm = "Finish the key rotation?", "Finish the rotation"
	}
	preview := u.s.RotationPreview()
	for i, l := range preview {
		preview[i] = fmt.Sprintf("%d.  %s", i+1, l)
	}
	content := container.NewVBox(
		para("VaultLink will, in this order (each stage is saved, so a rotation cut off anywhere resumes where it stopped, and the old key keeps working until Secret Server uses the new one):"),
		para(strings.Join(preview, "\n")))

	keep := widget.NewCheck("Keep the old key inactive for", nil)
	days := widget.NewEntry()
	days.SetText("30")
	if resuming && rot.KeepOld > 0 {
		// The wizard keeps a resumed rotation's choice unless another one is given: unticking
		// could not turn it into a deletion, so only the number of days can change.
		keep.SetChecked(true)
		keep.Disable()
		days.SetText(strconv.Itoa(int(rot.KeepOld.Hours() / 24)))
		content.Add(para("This rotation started with the choice to keep the old key; you can change how long."))
	}
	problem := para("")
	problem.Importance = widget.DangerImportance
	problem.Hide()
	ok := widget.NewButtonWithIcon(confirm, theme.ConfirmIcon(), nil)
	ok.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), nil)
	// check reads the choice; a bad number of days is shown and holds the rotation back.
	check := func() (time.Duration, bool) {
		if !keep.Checked {
			days.Disable()
			problem.Hide()
			ok.Enable()
			return 0, true
		}
		days.Enable()
		n, err := keepOldDays(days.Text)
		if err != nil {
			problem.SetText(err.Error())
			problem.Show()
			ok.Disable()
			return 0, false
		}
		problem.Hide()
		ok.Enable()
		return time.Duration(n) * 24 * time.Hour, true
	}
	keep.OnChanged = func(bool) { check() }
	days.OnChanged = func(string) { check() }
	check()
	field := container.NewGridWrap(fyne.NewSize(80, days.MinSize().Height), days)
	content.Add(container.NewHBox(keep, field, widget.NewLabel("days instead of deleting it")))
	content.Add(problem)

	d := dialog.NewCustomWithoutButtons(title, content, u.win)
	ok.OnTapped = func() {
		keepOld, good := check()
		if !good {
			return // the reason is under the field; nothing typed is lost
		}
		d.Hide()
		u.RotateKey(wizard.RotateOptions{KeepOld: keepOld})
	}
	cancel.OnTapped = d.Hide
	days.OnSubmitted = func(string) { ok.OnTapped() }
	d.SetButtons([]fyne.CanvasObject{cancel, ok})
	d.Resize(fyne.NewSize(640, 520))
	d.Show()
}

// RotateKey runs or resumes the rotation off the UI goroutine (what the confirmation's button
// does), showing its passing progress on the Health page; then the report, and a fresh health
// check so the page shows the new state. Cancel (and Esc on the Health page) stops it; it
// resumes where it stopped.
func (u *UI) RotateKey(opts wizard.RotateOptions) {
	u.rotating = true
	if p := u.healthOnShow(); p != nil {
		p.showRotating(true)
		p.status.SetText("Rotating the access key…")
		p.rotation.Objects = nil
		p.rotation.Refresh()
	}
	ctx, stop := context.WithCancel(context.Background())
	u.mu.Lock()
	u.stopRotation = stop
	u.mu.Unlock()
	say := func(msg string) {
		fyne.Do(func() {
			u.onMain.Lock()
			defer u.onMain.Unlock()
			if p := u.healthOnShow(); p != nil {
				p.status.SetText(msg)
			}
		})
	}
	var rep wizard.RotateReport
	var err error
	u.background(func() { defer stop(); rep, err = u.s.RotateKey(ctx, opts, say) }, func() {
		u.rotating = false
		u.mu.Lock()
		u.stopRotation = nil
		u.mu.Unlock()
		u.refreshChrome()
		if p := u.healthOnShow(); p != nil {
			p.showRotating(false)
			p.rotation.Objects = []fyne.CanvasObject{rotationReport(rep, err)}
			p.rotation.Refresh()
			u.refreshRotate(p)
			p.check()
		}
		var oe *wizard.OrphanKeysError
		if errors.As(err, &oe) {
			u.confirmOrphans(oe, "Delete and go on", func() {
				if u.healthOnShow() == nil {
					u.ShowHealth()
				}
				u.RotateKey(opts)
			})
		}
	})
}

// cancelRotation stops the running rotation, if there is one.
func (u *UI) cancelRotation() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopRotation != nil {
		u.stopRotation()
	}
}

// rotationReport is what the rotation did, what it could not verify (warnings), and why it
// stopped, if it did. A refused rotation (two keys already) is just its explanation.
func rotationReport(rep wizard.RotateReport, err error) fyne.CanvasObject {
	box := container.NewVBox()
	for _, d := range rep.Done {
		box.Add(para("✓  " + d))
	}
	for _, n := range rep.Notes {
		l := para("⚠  " + n)
		l.Importance = widget.WarningImportance
		box.Add(l)
	}
	note := ""
	if err != nil {
		l := para("✗  " + err.Error())
		l.Importance = widget.DangerImportance
		box.Add(l)
		var tm *wizard.TooManyKeysError
		switch {
		case errors.As(err, &tm):
			note = "Nothing was changed."
		case errors.Is(err, context.Canceled):
			note = "Stopped. Every stage done so far is saved: run the rotation again to go on from there."
		}
	}
	return section("Key rotation", note, box)
}
