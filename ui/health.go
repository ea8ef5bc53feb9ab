package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// ShowHealth opens the health check: what exists now compared with the record, item by item,
// each with its fix (the same check as `vaultlink status`). It starts checking at once.
func (u *UI) ShowHealth() {
	body := container.NewVBox(heading("Health check"),
		para("VaultLink reads what exists now in AWS, Secret Server and the keyring and compares it with what it set up. It changes nothing and never shows a secret."))
	results := container.New(&formLayout{})
	verdict := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	again := widget.NewButtonWithIcon("Check again", theme.ViewRefreshIcon(), nil)
	back := widget.NewButtonWithIcon("Back to the summary", theme.NavigateBackIcon(), func() { u.ShowComplete() })
	body.Add(container.NewHBox(again, back))
	body.Add(verdict)
	body.Add(results)
	check := func() {
		again.Disable()
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
			again.Enable()
		})
	}
	again.OnTapped = check
	u.show("health", body)
	check()
}
