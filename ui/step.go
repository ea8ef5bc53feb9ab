package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// stepPage is one step: what happens in the console, the settings, what VaultLink will do,
// Run, progress, and the verified result.
type stepPage struct {
	ref      wizard.StepRef
	preview  *widget.Label
	run      *widget.Button
	cancel   *widget.Button
	next     *widget.Button
	progress *widget.ProgressBarInfinite
	status   *widget.Label
	result   *fyne.Container
	inputs   []fyne.Disableable
	invalid  map[string]bool // inputs whose shown value is not valid (and so not stored)
	suggest  []func()        // loads live suggestions, once the page is shown
}

func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// section is a titled block: a sub-heading, an optional one-line note, then the content.
// (widget.Card's heading-size titles crowd a page of several sections.)
//
// The window uses three text styles only: regular, bold and monospace (for IDs and ARNs, where
// O/0 and l/1 must differ). Fyne loads each style's font with its own copy of the emoji and
// fallback fonts, about 8 MB of heap per style, so notes are plain text, not italic
// (docs/performance.md).
func section(title, note string, content fyne.CanvasObject) fyne.CanvasObject {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	box := container.NewVBox(widget.NewSeparator(), t)
	if note != "" {
		box.Add(para(note)) // not LowImportance: too faint on dark themes
	}
	box.Add(content)
	return box
}

func para(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// ShowStep opens a step's page.
func (u *UI) ShowStep(ref wizard.StepRef) {
	m, _ := u.s.Guide().Module(ref.Module)
	idx := 0
	for i, st := range m.Steps {
		if st.ID == ref.Step {
			idx = i
		}
	}
	step := m.Steps[idx]
	p := &stepPage{ref: ref, invalid: map[string]bool{}}
	u.step = p

	body := container.NewVBox(
		widget.NewLabel(fmt.Sprintf("Module %02d · %s", m.Number, m.Title)),
		heading(fmt.Sprintf("Step %d of %d: %s", idx+1, len(m.Steps), step.Title)),
		container.NewHBox(widget.NewIcon(theme.InfoIcon()), widget.NewLabel("In the console: "+step.Where)),
	)
	for _, e := range step.Explain {
		body.Add(para("•  " + e))
	}
	if len(step.Inputs) > 0 {
		form := container.New(&formLayout{})
		for _, in := range step.Inputs {
			if in.Hidden {
				continue
			}
			form.Add(widget.NewLabel(in.Label))
			form.Add(u.inputWidget(p, in))
		}
		body.Add(section("Settings", "", form))
	}
	p.preview = para("")
	p.preview.TextStyle = fyne.TextStyle{Monospace: true}
	body.Add(section("What VaultLink will do", "", p.preview))

	p.run = widget.NewButtonWithIcon("Run step  (Enter)", theme.MediaPlayIcon(), func() { u.RunStep(ref) })
	p.run.Importance = widget.HighImportance
	p.cancel = widget.NewButtonWithIcon("Cancel  (Esc)", theme.CancelIcon(), func() { u.cancelRun() })
	p.cancel.Hide()
	p.next = widget.NewButtonWithIcon(u.nextLabel(m, idx), theme.NavigateNextIcon(), func() { u.afterStep(m, idx) })
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Stop()
	p.progress.Hide()
	p.status = para("")
	p.result = container.NewVBox()
	body.Add(container.NewHBox(p.run, p.cancel, p.next))
	body.Add(p.progress)
	body.Add(p.status)
	body.Add(p.result)

	u.show("step:"+ref.String(), body)
	u.refreshStep()
	for _, load := range p.suggest {
		load()
	}
}

func (u *UI) nextLabel(m *wizard.Module, idx int) string {
	if idx+1 < len(m.Steps) {
		return "Next step"
	}
	return "Knowledge check"
}

func (u *UI) afterStep(m *wizard.Module, idx int) {
	if idx+1 < len(m.Steps) {
		u.ShowStep(wizard.StepRef{Module: m.ID, Step: m.Steps[idx+1].ID})
		return
	}
	u.ShowCheck(m.ID)
}

// inputWidget renders one setting; a bad value shows the reason under the field and is not
// stored, so nothing typed is lost and nothing invalid reaches AWS.
func (u *UI) inputWidget(p *stepPage, in wizard.Input) fyne.CanvasObject {
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	problem.Hide()
	report := func(err error) {
		p.invalid[in.Name] = err != nil
		if err != nil {
			problem.SetText(err.Error())
			problem.Show()
		} else {
			problem.Hide()
		}
		u.refreshStep()
	}
	var w fyne.CanvasObject
	if in.Kind == "choice" {
		sel := widget.NewSelect(in.Options, nil)
		sel.SetSelected(u.s.Setting(in.Name))
		sel.OnChanged = func(v string) { report(u.s.SetSetting(in.Name, v)) }
		p.inputs = append(p.inputs, sel)
		w = sel
	} else if in.Suggest != "" {
		// An editable drop-down: the server's values once they load, and any typed value.
		e := widget.NewSelectEntry(nil)
		e.SetPlaceHolder(in.Hint)
		e.SetText(u.s.Setting(in.Name))
		e.OnChanged = func(v string) { report(u.s.SetSetting(in.Name, v)) }
		p.inputs = append(p.inputs, e)
		p.suggest = append(p.suggest, func() {
			var opts []string
			ctx, end := u.operation()
			u.background(func() { defer end(); opts, _ = u.s.Suggestions(ctx, in.Name) }, func() { e.SetOptions(opts) })
		})
		w = e
	} else {
		e := widget.NewEntry()
		e.SetPlaceHolder(in.Hint)
		e.SetText(u.s.Setting(in.Name))
		e.OnChanged = func(v string) { report(u.s.SetSetting(in.Name, v)) }
		e.OnSubmitted = func(string) { u.Primary() }
		p.inputs = append(p.inputs, e)
		w = e
	}
	return container.NewVBox(w, problem)
}

// refreshStep updates the preview and the buttons from the session.
func (u *UI) refreshStep() {
	p := u.step
	if p == nil || u.current != "step:"+p.ref.String() {
		return
	}
	lines, err := u.s.Preview(p.ref)
	if err != nil {
		lines = []string{err.Error()}
	}
	p.preview.SetText(strings.Join(lines, "\n"))
	rec := u.s.StepRecord(p.ref)
	bad := false
	for _, b := range p.invalid {
		bad = bad || b
	}
	switch why := u.s.CanRun(p.ref); {
	case why != nil:
		p.run.Disable()
		p.status.SetText(why.Error())
	case bad:
		// What is on screen is not what would run: fix the field first.
		p.run.Disable()
	default:
		p.run.Enable()
	}
	if rec.Status == wizard.StepManual {
		p.run.Importance = widget.MediumImportance // the main action is now the confirmation
		p.run.Refresh()
	}
	if rec.Status == wizard.StepDone {
		p.next.Enable()
		p.run.Importance = widget.MediumImportance
		p.next.Importance = widget.HighImportance
		p.run.SetText("Run again") // refreshes the button
		p.next.Refresh()
	} else {
		p.next.Disable()
	}
	u.renderResult(p, rec)
}

// RunStep runs the step off the UI goroutine, showing progress, and shows the outcome.
func (u *UI) RunStep(ref wizard.StepRef) {
	p := u.step
	ctx, cancel := context.WithCancel(context.Background())
	u.mu.Lock()
	u.cancel = cancel
	u.mu.Unlock()
	p.run.Disable()
	p.next.Disable()
	for _, in := range p.inputs {
		in.Disable()
	}
	p.cancel.Show()
	p.progress.Show()
	p.progress.Start()
	p.status.SetText("Running…")
	var err error
	u.background(func() {
		_, err = u.s.Run(ctx, ref)
	}, func() {
		cancel()
		p.progress.Stop()
		p.progress.Hide()
		p.cancel.Hide()
		for _, in := range p.inputs {
			in.Enable()
		}
		switch {
		case err != nil:
			p.status.SetText("")
		case u.s.StepRecord(ref).Status == wizard.StepManual:
			p.status.SetText("Waiting for you in Secret Server: follow the steps below, then confirm.")
		default:
			p.status.SetText("Done and verified.")
		}
		u.refreshStep()
		u.refreshChrome()
		u.scrollToEnd()
		var fe *wizard.ForeignError
		if errors.As(err, &fe) {
			u.askAdopt(ref, fe)
		}
		var oe *wizard.OrphanKeysError
		if errors.As(err, &oe) {
			u.askReplaceOrphans(ref, oe)
		}
	})
}

// askReplaceOrphans asks before deleting access keys VaultLink made whose secret was lost (an
// earlier run was stopped between creating the key and storing it); on yes it records the
// consent and runs the step again, which deletes them and makes a new key.
func (u *UI) askReplaceOrphans(ref wizard.StepRef, oe *wizard.OrphanKeysError) {
	u.confirmOrphans(oe, "Delete and create", func() {
		if u.step != nil && u.step.ref == ref {
			u.RunStep(ref)
		}
	})
}

// confirmOrphans names the orphaned keys and asks; on yes it records the consent and then
// calls again (on the UI goroutine), which runs the refused work once more.
func (u *UI) confirmOrphans(oe *wizard.OrphanKeysError, yes string, again func()) {
	keys := make([]string, len(oe.Keys))
	for i, k := range oe.Keys {
		keys[i] = wizard.MaskKeyID(k)
	}
	msg := para(fmt.Sprintf("IAM user %s has %d access key(s) VaultLink created whose secret is in no keyring entry: %s.\n\nAn earlier run was stopped before the secret could be stored (or the keyring entry was deleted), so nobody can ever use these keys, and they count toward AWS's limit of two keys per user.\n\nDelete them and create a new key now?", oe.User, len(oe.Keys), strings.Join(keys, ", ")))
	d := dialog.NewCustomConfirm("Delete the orphaned access key?", yes, "Cancel", msg, func(ok bool) {
		if !ok {
			return
		}
		var err error
		u.background(func() { err = u.s.AllowReplaceOrphanKeys() }, func() {
			if err == nil {
				again()
			}
		})
	}, u.win)
	d.Resize(fyne.NewSize(520, 300))
	d.Show()
}

// askAdopt asks before using an IAM entity VaultLink did not create; on yes it records the
// consent and runs the step again.
func (u *UI) askAdopt(ref wizard.StepRef, fe *wizard.ForeignError) {
	msg := para(fmt.Sprintf("An IAM %s named %q already exists in this account, and VaultLink did not create it.\n\nUse it for the integration? VaultLink will then treat it as yours: it will never delete it during clean-up. Choose Cancel to pick another name instead.", fe.Kind, fe.Name))
	d := dialog.NewCustomConfirm("Use the existing IAM "+fe.Kind+"?", "Use it", "Cancel", msg, func(ok bool) {
		if !ok {
			return
		}
		var err error
		u.background(func() { err = u.s.AllowAdopt(fe.Kind, fe.Name) }, func() {
			if err == nil && u.step != nil && u.step.ref == ref {
				u.RunStep(ref)
			}
		})
	}, u.win)
	d.Resize(fyne.NewSize(520, 260))
	d.Show()
}

func (u *UI) cancelRun() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.cancel != nil {
		u.cancel()
	}
}

func (u *UI) renderResult(p *stepPage, rec wizard.StepRecord) {
	p.result.Objects = nil
	switch rec.Status {
	case wizard.StepPending:
	case wizard.StepFailed:
		msg := para("✗  " + rec.Error)
		msg.Importance = widget.DangerImportance
		p.result.Add(section("Not done yet", "Fix what the message says, then Run again. Nothing you entered is lost.", msg))
	case wizard.StepManual:
		p.result.Add(u.manualSection(p.ref, rec))
	case wizard.StepDone:
		ok := widget.NewLabelWithStyle("✓  "+rec.Summary, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		ok.Importance = widget.SuccessImportance
		ok.Wrapping = fyne.TextWrapWord
		p.result.Add(ok)
	}
	if len(rec.Facts) > 0 {
		grid := container.New(&formLayout{})
		for _, f := range rec.Facts {
			grid.Add(widget.NewLabelWithStyle(f.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
			v := para(f.Value)
			if strings.Contains(f.Value, "\n") {
				v.TextStyle = fyne.TextStyle{Monospace: true}
			}
			grid.Add(v)
		}
		p.result.Add(section("Result", "", grid))
	}
	if len(rec.Sync) > 0 {
		p.result.Add(section("Synced secrets", "", syncTable(rec.Sync)))
	}
	p.result.Refresh()
}

// manualSection is a guided step done by hand: why, the click path, a button that opens the
// server, and the confirmation that makes VaultLink verify what it can.
func (u *UI) manualSection(ref wizard.StepRef, rec wizard.StepRecord) fyne.CanvasObject {
	m := rec.Manual
	box := container.NewVBox(para(m.Why))
	for i, c := range m.Clicks {
		box.Add(para(fmt.Sprintf("%d.  %s", i+1, c)))
	}
	box.Add(para(m.Checks))
	if rec.Error != "" {
		e := para("✗  " + rec.Error)
		e.Importance = widget.DangerImportance
		box.Add(e)
	}
	open := widget.NewButtonWithIcon("Open Secret Server", theme.ComputerIcon(), func() {
		if target, err := url.Parse(m.OpenURL); err == nil && m.OpenURL != "" {
			if err := fyne.CurrentApp().OpenURL(target); err != nil {
				u.step.status.SetText("Could not open a browser: " + err.Error() + " — open " + m.OpenURL + " yourself.")
			}
		}
	})
	if m.OpenURL == "" {
		open.Disable()
	}
	done := widget.NewButtonWithIcon("I've done this — check it", theme.ConfirmIcon(), func() { u.ConfirmStep(ref) })
	done.Importance = widget.HighImportance
	box.Add(container.NewHBox(open, done))
	return section("Do this in Secret Server", "", box)
}

// ConfirmStep tells the wizard a manual step was done, off the UI goroutine.
func (u *UI) ConfirmStep(ref wizard.StepRef) {
	p := u.step
	p.status.SetText("Checking…")
	var err error
	ctx, end := u.operation()
	u.background(func() { defer end(); _, err = u.s.ConfirmManual(ctx, ref) }, func() {
		if err != nil {
			p.status.SetText("")
		} else {
			p.status.SetText("Done and verified.")
		}
		u.refreshStep()
		u.refreshChrome()
		u.scrollToEnd()
	})
}

func syncTable(items []wizard.SyncItem) fyne.CanvasObject {
	grid := container.NewGridWithColumns(4,
		widget.NewLabelWithStyle("Operation", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Direction", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Secret", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Outcome", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, it := range items {
		outcome := widget.NewLabel("✓ synced")
		outcome.Importance = widget.SuccessImportance
		if !it.OK {
			outcome = para("✗ " + it.Reason)
			outcome.Importance = widget.DangerImportance
		}
		dir := "AWS → Secret Server (pull)"
		if it.Direction == "push" {
			dir = "Secret Server → AWS (push)"
		}
		grid.Add(widget.NewLabel(it.Action))
		grid.Add(widget.NewLabel(dir))
		grid.Add(widget.NewLabel(it.Name))
		grid.Add(outcome)
	}
	return grid
}
