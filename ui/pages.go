package ui

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// ShowWelcome opens the welcome page: what the guide covers, where things happen, and a button
// to start (or resume).
func (u *UI) ShowWelcome() {
	g := u.s.Guide()
	body := container.NewVBox(heading(g.Title), para(g.BeforeYouBegin))
	if u.info.Practice {
		body.Add(section("Practice mode", "Nothing here touches a real account.",
			para("VaultLink is running its own simulated AWS and Secret Server on this computer. Every step makes real calls to them, so you can learn the integration safely. Configure a live AWS profile and Secret Server URL to work on real accounts.")))
		if u.info.EnvProfile != "" {
			body.Add(para("Your environment sets AWS_PROFILE=" + u.info.EnvProfile + "; practice mode does not use it. To work in that account, start VaultLink with --live --aws-profile " + u.info.EnvProfile + " and your Secret Server's --ss-url."))
		}
	} else {
		body.Add(section("Live mode", "Changes are made in your real accounts.", para("AWS: "+orDefault(u.info.AWSEndpoint, "your AWS configuration")+"\nSecret Server: "+u.info.SSURL)))
	}
	conn, checkIdentity := u.connectionSection(false)
	body.Add(conn)
	where := fmt.Sprintf("The new secret access key goes to %s and is never shown.", u.info.KeyringName)
	for _, n := range []string{u.info.KeyringNotice, u.info.PracticeNotice} {
		if n != "" {
			warn := para("⚠  " + n)
			warn.Importance = widget.WarningImportance
			body.Add(warn)
		}
	}
	body.Add(para(where))
	overview := container.New(&formLayout{})
	for _, m := range g.Modules {
		overview.Add(widget.NewLabelWithStyle(fmt.Sprintf("Module %02d", m.Number), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		overview.Add(para(m.Title + " — " + m.Summary))
	}
	body.Add(section("Modules", "Each module ends with a knowledge check that unlocks the next.", overview))
	mod, _, done := u.s.Resume()
	label := "Start module 1"
	if u.s.Covered() > 0 || u.s.StepRecord(wizard.StepRef{Module: g.Modules[0].ID, Step: g.Modules[0].Steps[0].ID}).Status != wizard.StepPending {
		label = "Resume where you left off"
	}
	start := widget.NewButtonWithIcon(label+"  (Enter)", theme.NavigateNextIcon(), func() {
		if done {
			u.ShowComplete()
			return
		}
		u.openModule(mod)
	})
	start.Importance = widget.HighImportance
	u.start = start
	body.Add(container.NewHBox(start))
	if u.info.Practice && len(u.info.PracticeCLI) > 0 {
		body.Add(u.practiceCLI())
	}
	u.show("welcome", body)
	checkIdentity() // once the page is up, so nothing else is still building widgets
}

// practiceCLI shows how to reach the practice AWS with the AWS CLI: the commands, as text
// that can be selected, and a button that copies them. It comes after the Start button so
// the page's main action keeps its place in the keyboard order.
func (u *UI) practiceCLI() fyne.CanvasObject {
	text := strings.Join(u.info.PracticeCLI, "\n")
	cmds := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	cmds.Selectable = true
	cmds.Wrapping = fyne.TextWrapBreak
	copyBtn := widget.NewButtonWithIcon("Copy CLI commands", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(text)
	})
	return section("Practise with the AWS CLI", "The practice key is public and opens only the practice AWS on this computer; it is never a real credential.",
		container.NewVBox(para("Set up the practice operator's profile once, then give each command the practice endpoint (it changes when VaultLink restarts):"),
			cmds, container.NewHBox(copyBtn)))
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// checkPage is a module's knowledge check.
type checkPage struct {
	module   string
	options  []wizard.CheckOption
	radio    *widget.RadioGroup
	submit   *widget.Button
	feedback *widget.Label
	next     *widget.Button
}

// ShowCheck opens a module's knowledge check with its answers in a fresh order.
func (u *UI) ShowCheck(moduleID string) {
	m, _ := u.s.Guide().Module(moduleID)
	p := &checkPage{module: moduleID, options: u.s.CheckOptions(moduleID)}
	u.check = p
	texts := make([]string, len(p.options))
	for i, o := range p.options {
		texts[i] = o.Text
	}
	p.radio = widget.NewRadioGroup(texts, func(string) { p.submit.Enable() })
	p.submit = widget.NewButtonWithIcon("Check answer", theme.ConfirmIcon(), func() { u.Answer(p.radio.Selected) })
	p.submit.Importance = widget.HighImportance
	p.submit.Disable()
	p.feedback = para("")
	p.feedback.Hide()
	nextLabel := "Continue to module " + fmt.Sprint(m.Number+1)
	if m.Number == len(u.s.Guide().Modules) {
		nextLabel = "Finish the training"
	}
	p.next = widget.NewButtonWithIcon(nextLabel, theme.NavigateNextIcon(), func() {
		if m.Number == len(u.s.Guide().Modules) {
			u.ShowComplete()
			return
		}
		u.openModule(u.s.Guide().Modules[m.Number].ID)
	})
	p.next.Importance = widget.HighImportance
	p.next.Hide()
	body := container.NewVBox(
		widget.NewLabel(fmt.Sprintf("Module %02d · %s", m.Number, m.Title)),
		heading("Knowledge check"),
		para(m.Check.Question),
		p.radio,
		container.NewHBox(p.submit, widget.NewLabel("Keys 1–4 choose an answer; Enter checks it.")),
		p.feedback,
		container.NewHBox(p.next),
	)
	if u.s.ModuleStatus(moduleID) == wizard.Covered {
		p.feedback.SetText("✓  Passed. " + m.Check.Right)
		p.feedback.Importance = widget.SuccessImportance
		p.feedback.Show()
		p.next.Show()
	}
	u.show("check:"+moduleID, body)
}

// Answer chooses the answer with the given text (as shown) and submits it.
func (u *UI) Answer(text string) {
	p := u.check
	id := ""
	for _, o := range p.options {
		if o.Text == text {
			id = o.ID
		}
	}
	if id == "" {
		return
	}
	if p.radio.Selected != text {
		p.radio.SetSelected(text)
	}
	p.submit.Disable()
	var res wizard.CheckResult
	var err error
	u.background(func() { res, err = u.s.Answer(p.module, id) }, func() {
		p.feedback.Show()
		switch {
		case err != nil:
			p.feedback.Importance = widget.DangerImportance
			p.feedback.SetText(err.Error())
			p.submit.Enable()
		case res.Correct:
			p.feedback.Importance = widget.SuccessImportance
			p.feedback.SetText("✓  " + res.Explanation)
			p.radio.Disable()
			p.next.Show()
		default:
			p.feedback.Importance = widget.DangerImportance
			p.feedback.SetText("✗  " + res.Explanation + " Choose again.")
			p.submit.Enable()
		}
		p.feedback.Refresh()
		u.refreshChrome()
		u.scrollToEnd()
	})
}

// ShowComplete opens the training summary.
func (u *UI) ShowComplete() {
	g := u.s.Guide()
	n := u.s.Covered()
	title := "Training complete!"
	if n < len(g.Modules) {
		title = "Training summary"
	}
	body := container.NewVBox(heading(title))
	if n == len(g.Modules) {
		body.Add(para("You set up the integration between AWS Secrets Manager and Delinea Secret Server end to end, and passed every knowledge check."))
	}
	body.Add(widget.NewLabelWithStyle(fmt.Sprintf("Modules covered %d / %d", n, len(g.Modules)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	topics := container.NewVBox()
	for _, m := range g.Modules {
		icon := theme.VisibilityOffIcon()
		if u.s.ModuleStatus(m.ID) == wizard.Covered {
			icon = theme.ConfirmIcon()
		}
		topics.Add(container.NewHBox(widget.NewIcon(icon), widget.NewLabel(m.Topic)))
	}
	body.Add(section("Topics covered", "", topics))
	facts := container.New(&formLayout{})
	for _, f := range u.s.Summary() {
		facts.Add(widget.NewLabelWithStyle(f.Label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		facts.Add(para(f.Value))
	}
	facts.Add(widget.NewLabelWithStyle("Secret access key", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	facts.Add(para("kept in " + u.info.KeyringName + " (never shown)"))
	body.Add(section("What was set up", "", facts))
	last := g.Modules[len(g.Modules)-1]
	if rec := u.s.StepRecord(wizard.StepRef{Module: last.ID, Step: last.Steps[len(last.Steps)-1].ID}); len(rec.Sync) > 0 {
		body.Add(section("Last sync", "", syncTable(rec.Sync)))
	}
	saved := para("")
	export := widget.NewButtonWithIcon("Export report…", theme.DocumentSaveIcon(), func() {
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			defer w.Close()
			if err := u.SaveReport(w); err != nil {
				saved.SetText("✗ " + err.Error())
				return
			}
			saved.SetText("Report saved to " + w.URI().Path())
		}, u.win)
		d.SetFileName("vaultlink-report.md")
		d.Show()
	})
	body.Add(section("Report", "A Markdown record of what was created (ids, ARNs), the checks passed and every call with its request id. No secret values.", container.NewVBox(container.NewHBox(export), saved)))
	health := widget.NewButtonWithIcon("Check health…", theme.InfoIcon(), func() { u.ShowHealth() })
	body.Add(section("Health check", "Compares what exists now with what VaultLink set up (the user and its tag, the key, the Secret Server secret, the group, the policy, the vault link, the last sync), each item with its fix. The same check as `vaultlink status`.", container.NewHBox(health)))
	status := para("")
	clean := widget.NewButtonWithIcon("Remove what VaultLink created…", theme.DeleteIcon(), nil)
	clean.Importance = widget.DangerImportance
	clean.OnTapped = func() { u.confirmCleanup(clean, status) }
	body.Add(section("Start over", "Removes the access key, the group membership and attachments, the custom policy, the group and the user, but only those VaultLink created. Secret Server items stay.", container.NewVBox(container.NewHBox(clean), status)))
	u.show("complete", body)
}

// confirmCleanup asks, then removes what VaultLink created, reporting each removal.
func (u *UI) confirmCleanup(button *widget.Button, status *widget.Label) {
	d := dialog.NewCustomConfirm("Remove what VaultLink created?", "Remove", "Cancel",
		para("VaultLink will delete, in AWS, the IAM user, group, access key and custom policy it created for this integration, and the key's keyring entry. Entities it did not create are left alone. This cannot be undone."),
		func(ok bool) {
			if !ok {
				return
			}
			button.Disable()
			status.SetText("Removing…")
			var done []string
			var err error
			ctx, end := u.operation()
			u.background(func() { defer end(); done, err = u.s.Cleanup(ctx, nil) }, func() {
				text := strings.Join(done, "\n")
				if err != nil {
					status.Importance = widget.DangerImportance
					text += "\n✗ " + err.Error()
					button.Enable()
				} else if len(done) == 0 {
					text = "Nothing to remove."
				}
				status.SetText(text)
				u.refreshChrome()
			})
		}, u.win)
	d.Resize(fyne.NewSize(520, 240))
	d.Show()
}

// connectionSection shows who VaultLink acts as in AWS before anything changes and, with
// picker in live mode, lets the admin choose another profile or region. Call the returned func
// to start the first identity check.
func (u *UI) connectionSection(picker bool) (fyne.CanvasObject, func()) {
	identity := para("Checking who you are signed in as…")
	check := func(fn func(context.Context) (wizard.Identity, error)) {
		identity.Importance = widget.MediumImportance
		identity.SetText("Checking who you are signed in as…")
		var id wizard.Identity
		var err error
		ctx, end := u.operation() // Esc cancels an identity check that hangs
		u.background(func() { defer end(); id, err = fn(ctx) }, func() {
			if err != nil {
				identity.Importance = widget.DangerImportance
				identity.SetText("✗ " + err.Error())
				return
			}
			identity.Importance = widget.SuccessImportance
			identity.SetText("✓ Signed in as " + id.ARN + " (account " + id.Account + ")")
		})
	}
	box := container.NewVBox(identity)
	if len(u.info.Endpoints) > 0 {
		var lines []string
		for k, v := range u.info.Endpoints {
			lines = append(lines, k+" = "+v)
		}
		sort.Strings(lines)
		note := para("⚠ Calls go to an endpoint override from the environment:\n" + strings.Join(lines, "\n"))
		note.Importance = widget.WarningImportance
		box.Add(note)
	}
	if !u.info.Practice && !picker {
		box.Add(para("Profile " + orDefault(u.info.Profile, "(environment and default chain)") + ", region " + u.info.Region + ". Change them under Connections."))
	}
	if !u.info.Practice && picker {
		options := append([]string{"(environment and default chain)"}, u.info.Profiles...)
		profile := widget.NewSelect(options, nil)
		profile.SetSelected(orDefault(u.info.Profile, options[0]))
		region := widget.NewEntry()
		region.SetPlaceHolder("the profile's region")
		region.SetText(u.info.Region)
		connect := widget.NewButtonWithIcon("Use this profile", theme.LoginIcon(), func() {
			p := profile.Selected
			if p == options[0] {
				p = ""
			}
			r := strings.TrimSpace(region.Text)
			check(func(ctx context.Context) (wizard.Identity, error) {
				return u.s.SwitchAWS(ctx, wizard.Connection{Profile: p, Region: r})
			})
		})
		form := container.New(&formLayout{}, widget.NewLabel("AWS profile"), profile, widget.NewLabel("Region"), region)
		box.Add(form)
		box.Add(container.NewHBox(connect))
	}
	return section("AWS connection", "Nothing changes until you run a step.", box), func() {
		check(u.s.CheckIdentity)
	}
}

// SaveReport writes the Markdown report (what the Export report button saves).
func (u *UI) SaveReport(w io.Writer) error {
	mode := "live"
	if u.info.Practice {
		mode = "practice"
	}
	md, err := u.s.Report(mode)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, md)
	return err
}
