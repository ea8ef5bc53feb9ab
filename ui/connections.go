package ui

import (
	"context"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// ShowConnections opens the connection settings: who VaultLink acts as in AWS, and which
// Secret Server it signs in to, and how. In practice mode both are the built-in simulators.
func (u *UI) ShowConnections() {
	awsBox, checkAWS := u.connectionSection(true)
	ssBox, checkSS := u.secretServerSection()
	body := container.NewVBox(heading("Connections"), awsBox, ssBox)
	u.show("connections", body)
	checkAWS()
	checkSS()
}

// secretServerSection shows the Secret Server in use and, in live mode, a form to change it.
func (u *UI) secretServerSection() (fyne.CanvasObject, func()) {
	status := para("Signing in…")
	show := func(fn func(context.Context) (wizard.ServerInfo, error)) {
		status.Importance = widget.MediumImportance
		status.SetText("Signing in…")
		var info wizard.ServerInfo
		var err error
		ctx, end := u.operation() // Esc cancels a sign-in that hangs
		u.background(func() { defer end(); info, err = fn(ctx) }, func() {
			if err != nil {
				status.Importance = widget.DangerImportance
				status.SetText("✗ " + err.Error())
				return
			}
			api := "the external-vault API is available"
			if !info.ExternalVaultAPI {
				api = "no external-vault API: modules 3 and 6 will be guided steps in the web console"
			}
			status.Importance = widget.SuccessImportance
			status.SetText("✓ Signed in to " + info.URL + " as " + info.User + "; " + api)
		})
	}
	box := container.NewVBox(status)
	if !u.info.Practice {
		url := widget.NewEntry()
		url.SetPlaceHolder("https://secrets.example.com/SecretServer")
		url.SetText(u.info.SSURL)
		tenant := widget.NewEntry()
		tenant.SetPlaceHolder("cloud tenant (instead of a URL)")
		tld := widget.NewSelect([]string{"com", "eu", "com.au", "com.sg", "ca", "co.uk", "ae"}, nil)
		tld.SetSelected("com")
		user := widget.NewEntry()
		domain := widget.NewEntry()
		domain.SetPlaceHolder("for Active Directory accounts")
		password := widget.NewPasswordEntry()
		otp := widget.NewEntry()
		otp.SetPlaceHolder("one-time code, if your account uses two-factor sign-in")
		token := widget.NewPasswordEntry()
		token.SetPlaceHolder("an API token instead of user and password")
		ca := widget.NewEntry()
		ca.SetPlaceHolder("path to a PEM file, for a private CA")
		remember := widget.NewCheck("Remember the password in "+u.info.KeyringName, nil)
		connect := widget.NewButtonWithIcon("Sign in", theme.LoginIcon(), func() {
			c := wizard.SSConnection{URL: strings.TrimSpace(url.Text), Tenant: strings.TrimSpace(tenant.Text), TLD: tld.Selected,
				Username: strings.TrimSpace(user.Text), Domain: strings.TrimSpace(domain.Text), Password: wizard.NewSecret(password.Text),
				Token: wizard.NewSecret(token.Text), OTP: strings.TrimSpace(otp.Text), Remember: remember.Checked}
			if c.Tenant != "" {
				c.URL = ""
			}
			if path := strings.TrimSpace(ca.Text); path != "" {
				pem, err := os.ReadFile(path)
				if err != nil {
					status.Importance = widget.DangerImportance
					status.SetText("✗ cannot read the CA certificate: " + err.Error())
					return
				}
				c.CACert = pem
			}
			show(func(ctx context.Context) (wizard.ServerInfo, error) { return u.s.SwitchSecretServer(ctx, c) })
			password.SetText("") // not kept on screen after use
			otp.SetText("")
		})
		connect.Importance = widget.HighImportance
		form := container.New(&formLayout{},
			widget.NewLabel("URL"), url, widget.NewLabel("or cloud tenant"), container.NewBorder(nil, nil, nil, tld, tenant),
			widget.NewLabel("User name"), user, widget.NewLabel("Domain"), domain, widget.NewLabel("Password"), password,
			widget.NewLabel("One-time code"), otp, widget.NewLabel("API token"), token, widget.NewLabel("CA certificate"), ca,
			widget.NewLabel(""), remember)
		box.Add(form)
		box.Add(container.NewHBox(connect))
	} else {
		box.Add(para("Practice Secret Server at " + u.info.SSURL + " (built in, on this computer)."))
	}
	return section("Secret Server", "Plain http is refused except to this computer; HTTPS_PROXY is honoured.", box), func() {
		show(u.s.CheckSecretServer)
	}
}
