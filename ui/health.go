package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// healthPage is the health check and the key rotation started from it.
type healthPage struct {
	again    *widget.Button
	rotate   *widget.Button
	cancel   *widget.Button
	progress *widget.ProgressBarInfinite
	status   *widget.Label   // the rotation's passing progress
	rotation *fyne.Container // the last rotation's report
	check    func()          // runs the health check again
}

// ShowHealth opens the health check: what exists now compared with the record, item by item,
// each with its fix (the same check as `vaultlink status`). It starts checking at once. The
// page also rotates the integration's access key (see rotate.go).
func (u *UI) ShowHealth() {
	p := &healthPage{}
	u.health = p
	body := container.NewVBox(heading("Health check"),
		para("VaultLink reads what exists now in AWS, Secret Server and the keyring and compares it with what it set up. It changes nothing and never shows a secret."))
	results := container.New(&formLayout{})
	verdict := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.again = widget.NewButtonWithIcon("Check again", theme.ViewRefreshIcon(), nil)
	p.rotate = widget.NewButtonWithIcon("", theme.MediaReplayIcon(), u.ConfirmRotation)
	p.cancel = widget.NewButtonWithIcon("Cancel  (Esc)", theme.CancelIcon(), u.cancelRotation)
	p.cancel.Hide()
	u.refreshRotate(p)
	back := widget.NewButtonWithIcon("Back to the summary", theme.NavigateBackIcon(), func() { u.ShowComplete() })
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Stop()
	p.progress.Hide()
	p.status = para("")
	p.status.Hide()
	p.rotation = container.NewVBox()
	body.Add(container.NewHBox(p.again, p.rotate, p.cancel, back))
	body.Add(p.progress)
	body.Add(p.status)
	body.Add(p.rotation)
	body.Add(verdict)
	body.Add(results)
	p.check = func() {
		p.again.Disable()
		verdict.SetText("Checking…")
		results.Objects = nil
		results.Refresh()
		var report wizard.HealthReport
		ctx, end := u.operation()
		u.background(func() { defer end(); report = u.s.Health(ctx) }, func() {
			for _, it := range report.Items {
				results.Add(widget.NewLabelWithStyle(strings.ToUpper(string(it.Status))+"  "+it.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
				text := it.Detail
				if it.Fix != "" {
					text += "\nFix: " + it.Fix
				}
				l := para(text)
				switch it.Status {
				case wizard.HealthDrift:
					l.Importance = widget.DangerImportance
				case wizard.HealthWarn, wizard.HealthUnknown:
					l.Importance = widget.WarningImportance
				}
				results.Add(l)
			}
			results.Refresh()
			switch report.ExitCode() {
			case 0:
				verdict.SetText("Healthy: everything matches what VaultLink set up.")
			case 1:
				verdict.SetText("Drift: some items differ from what VaultLink set up. Each says how to fix it.")
			default:
				verdict.SetText("Some items could not be checked. Each says why.")
			}
			if !u.rotating {
				p.again.Enable()
			}
		})
	}
	p.again.OnTapped = p.check
	u.show("health", body)
	p.check()
	if u.rotating { // reopened while a rotation runs: its progress comes here
		p.showRotating(true)
		p.status.SetText("Rotating the access key…")
	}
}
