package ui

import (
	"fyne.io/fyne/v2"

	"github.com/vaultlink/vaultlink/wizard"
)

// Keyboard use: Tab and Shift+Tab move between fields and buttons (Space presses a focused
// button); Enter does the page's main action (start, run the step, go on, check the answer);
// Escape cancels a running step (on the Health page, also a running key rotation); on a
// knowledge check the keys 1–4 choose an answer.

func (u *UI) bindKeys() {
	c := u.win.Canvas()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			u.Primary()
		case fyne.KeyEscape:
			u.cancelRun()
			if u.current == "health" {
				u.cancelRotation()
			}
		}
	})
	c.SetOnTypedRune(func(r rune) {
		if u.check == nil || u.current != "check:"+u.check.module || r < '1' || r > '9' {
			return
		}
		if i := int(r - '1'); i < len(u.check.options) && !u.check.radio.Disabled() {
			u.check.radio.SetSelected(u.check.options[i].Text)
		}
	})
}

// Primary does what Enter does on the current page.
func (u *UI) Primary() {
	switch {
	case u.current == "welcome":
		if u.start != nil && !u.start.Disabled() {
			u.start.OnTapped()
		}
	case u.step != nil && u.current == "step:"+u.step.ref.String():
		p := u.step
		rec := u.s.StepRecord(p.ref)
		switch {
		case rec.Status == wizard.StepManual:
			u.ConfirmStep(p.ref)
		case rec.Status == wizard.StepDone && !p.next.Disabled():
			p.next.OnTapped()
		case !p.run.Disabled():
			u.RunStep(p.ref)
		}
	case u.check != nil && u.current == "check:"+u.check.module:
		p := u.check
		switch {
		case p.next.Visible():
			p.next.OnTapped()
		case p.radio.Selected != "" && !p.submit.Disabled():
			u.Answer(p.radio.Selected)
		}
	}
}
