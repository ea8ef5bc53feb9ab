package ui_test

import (
	"bytes"
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/ui"
	"github.com/vaultlink/vaultlink/ui/uitest"
	"github.com/vaultlink/vaultlink/wizard"
)

var current *stack.Stack

// createForeignUser makes an IAM user in the practice account the way another admin would:
// without VaultLink's ownership tag.
func createForeignUser(t *testing.T, name string) {
	t.Helper()
	id, secret := current.Sandbox.AWS.AdminCredentials()
	im := iam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(current.Endpoints.AWS)})
	if _, err := im.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func newWindow(t *testing.T) (*ui.UI, fyne.Window) {
	t.Helper()
	return newWindowWith(t, nil)
}

// newWindowWith opens the window in practice mode; more, when set, adds to what the window is
// told about its surroundings.
func newWindowWith(t *testing.T, more func(st *stack.Stack, info *ui.Info)) (*ui.UI, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	current = st
	g, err := wizard.ParseGuide(assets.Guide)
	if err != nil {
		t.Fatal(err)
	}
	s, err := wizard.NewSession(g, st.Services, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1180, 780))
	info := ui.Info{Practice: true, KeyringName: st.Services.Keyring.Name()}
	if more != nil {
		more(st, &info)
	}
	u := ui.New(w, s, info)
	u.WaitIdle() // the welcome page checks the AWS identity in the background
	return u, w
}

// The practice welcome page shows how to reach the practice AWS with the AWS CLI, and copies
// the commands.
func TestPracticeWelcomeShowsTheAWSCLISetup(t *testing.T) {
	var endpoint string
	_, w := newWindowWith(t, func(st *stack.Stack, info *ui.Info) {
		endpoint = st.Endpoints.AWS
		setup, try := sandbox.CLISetup(endpoint)
		info.PracticeCLI = append(setup, try)
	})
	c := w.Canvas()
	want := "aws --profile " + sandbox.CLIProfile + " --endpoint-url " + endpoint + " sts get-caller-identity"
	if !uitest.Shows(c, "Practise with the AWS CLI") || !uitest.Shows(c, want) {
		t.Fatalf("the welcome page must show the CLI set-up and %q", want)
	}
	uitest.Tap(t, c, "Copy CLI commands")
	copied := fyne.CurrentApp().Clipboard().Content()
	if !strings.Contains(copied, "aws configure set aws_access_key_id "+awssim.PracticeAdminKeyID+" --profile "+sandbox.CLIProfile) || !strings.HasSuffix(copied, want) {
		t.Fatalf("copied:\n%s", copied)
	}
}

// showsDone reports whether the step page's result shows the step as done with summary: a
// success label of its own, not a "✓" line in the activity log, which lists every event.
func showsDone(c fyne.Canvas, summary string) bool {
	found := false
	uitest.Walk(c.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && l.Importance == widget.SuccessImportance && l.Text == "✓  "+summary {
			found = true
		}
	})
	return found
}

func option(m wizard.Module, correct bool) string {
	for _, o := range m.Check.Options {
		if o.Correct == correct {
			return o.Text
		}
	}
	return ""
}

func TestModuleOneThroughTheWindowUnlocksModuleTwo(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	m1 := u.Session().Guide().Modules[0]

	if !uitest.Shows(c, "PRACTICE") || !uitest.Shows(c, "Modules covered 0 / 6") {
		t.Fatal("the practice badge and the progress counter must be visible")
	}
	if !uitest.Shows(c, "Signed in as arn:aws:iam::123456789012:root") {
		t.Fatal("the AWS identity must be shown before any change")
	}
	if !uitest.Button(t, c, "02  Create Secret in Secret Server").Disabled() {
		t.Fatal("module 2 must start locked")
	}
	uitest.Tap(t, c, "Start module 1")
	for i := range m1.Steps {
		if u.Current() != "step:"+m1.ID+"/"+m1.Steps[i].ID {
			t.Fatalf("expected step %d, on %s", i+1, u.Current())
		}
		uitest.Tap(t, c, "Run step")
		u.WaitIdle()
		ref := wizard.StepRef{Module: m1.ID, Step: m1.Steps[i].ID}
		if rec := u.Session().StepRecord(ref); rec.Status != wizard.StepDone || !showsDone(c, rec.Summary) {
			t.Fatalf("step %d (%s) shows no result of its own:\n%s", i+1, rec.Status, strings.Join(uitest.Text(c), " | "))
		}
		if i < len(m1.Steps)-1 {
			uitest.Tap(t, c, "Next step")
		}
	}
	if !uitest.Shows(c, "stored in "+keyring.NewMemory().Name()) {
		t.Fatal("the access key step must say where the secret went")
	}
	uitest.Tap(t, c, "Knowledge check")

	uitest.Radio(t, c).SetSelected(option(m1, false))
	uitest.Tap(t, c, "Check answer")
	u.WaitIdle()
	if !uitest.Shows(c, "Choose again") {
		t.Fatal("a wrong answer must explain and ask again")
	}
	if !uitest.Button(t, c, "02  Create Secret in Secret Server").Disabled() {
		t.Fatal("a wrong answer must not unlock module 2")
	}

	uitest.Radio(t, c).SetSelected(option(m1, true))
	uitest.Tap(t, c, "Check answer")
	u.WaitIdle()
	if !uitest.Shows(c, "Modules covered 1 / 6") {
		t.Fatal("passing module 1 must count it as covered")
	}
	if uitest.Button(t, c, "02  Create Secret in Secret Server").Disabled() {
		t.Fatal("passing module 1's check must unlock module 2")
	}
	uitest.Tap(t, c, "Continue to module 2")
	u.WaitIdle()
	if u.Current() != "step:ss-secret/choose-template" {
		t.Fatalf("on %s after continuing", u.Current())
	}
	// The folder field offers the server's folders.
	var folders *widget.SelectEntry
	uitest.Walk(c.Content(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.SelectEntry); ok {
			folders = e
		}
	})
	if folders == nil {
		t.Fatal("module 2 has no folder picker")
	}
	// Open its drop-down: the menu lists the server's folders.
	test.Tap(folders.ActionItem.(fyne.Tappable))
	menu := c.Overlays().Top()
	if menu == nil {
		t.Fatal("the folder drop-down did not open")
	}
	var listed []string
	uitest.Walk(menu, func(o fyne.CanvasObject) {
		if tx, ok := o.(*canvas.Text); ok {
			listed = append(listed, tx.Text)
		}
	})
	if !slices.Contains(listed, `\VaultLink Practice`) {
		t.Fatalf("the folder picker must list the server's folders, lists %v", listed)
	}
	c.Overlays().Remove(menu)
}

func TestABadSettingIsExplainedAndNotStored(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	uitest.Tap(t, c, "Start module 1")
	var entry *widget.Entry
	uitest.Walk(c.Content(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && entry == nil {
			entry = e
		}
	})
	if entry == nil {
		t.Fatal("no entry on the first step")
	}
	entry.SetText("")
	test.Type(entry, "delinea sync!")
	if !uitest.Shows(c, "characters IAM does not accept") {
		t.Fatal("a bad user name must be explained under the field")
	}
	if got := entry.Text; got != "delinea sync!" {
		t.Fatalf("typed text lost: %q", got)
	}
	if got := u.Session().Setting("user_name"); got == "delinea sync!" {
		t.Fatal("a bad value must not be stored")
	}
	if !uitest.Button(t, c, "Run step").Disabled() {
		t.Fatal("Run must wait until the field is valid: what is shown is not what would run")
	}
	entry.SetText("delinea-sync")
	if uitest.Button(t, c, "Run step").Disabled() || u.Session().Setting("user_name") != "delinea-sync" {
		t.Fatal("a corrected value must be stored and enable Run")
	}
}

func TestAnExistingUserIsUsedOnlyAfterTheAdminAgrees(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	// A user of that name exists and VaultLink did not make it.
	s := u.Session()
	if err := s.SetSetting("user_name", "existing-admin-made"); err != nil {
		t.Fatal(err)
	}
	createForeignUser(t, "existing-admin-made")
	uitest.Tap(t, c, "Start module 1")
	uitest.Tap(t, c, "Run step")
	u.WaitIdle()
	uitest.TapInDialog(t, c, "Use it") // the consent dialog
	u.WaitIdle()
	if rec := s.StepRecord(wizard.StepRef{Module: "iam-user", Step: "create-user"}); rec.Status != wizard.StepDone {
		t.Fatalf("after consent the step must succeed: %+v", rec)
	}
}

func TestAManualStepShowsTheClickPathAndIsConfirmedInTheWindow(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	st, err := stack.Build(ctx, stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second, PracticeSS: sssim.Options{NoExternalVaultAPI: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	g, _ := wizard.ParseGuide(assets.Guide)
	s, err := wizard.NewSession(g, st.Services, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range g.Modules[:2] {
		for _, step := range m.Steps {
			if _, err := s.Run(ctx, wizard.StepRef{Module: m.ID, Step: step.ID}); err != nil {
				t.Fatal(err)
			}
		}
		s.Answer(m.ID, m.Check.Options[slicesIndexCorrect(m)].ID)
	}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1180, 780))
	u := ui.New(w, s, ui.Info{Practice: true, KeyringName: "memory"})
	u.WaitIdle()
	c := w.Canvas()
	u.ShowStep(wizard.StepRef{Module: "vault-link", Step: "open-link"})
	if !uitest.Shows(c, "By hand in Secret Server") {
		t.Fatal("the preview must say the step is done by hand")
	}
	uitest.Tap(t, c, "Run step")
	u.WaitIdle()
	if !uitest.Shows(c, "Do this in Secret Server") || !uitest.Shows(c, "Choose the secret") {
		t.Fatalf("the click path must be shown:\n%s", strings.Join(uitest.Text(c), " | "))
	}
	if uitest.Button(t, c, "Open Secret Server").Disabled() {
		t.Fatal("the button that opens the server must be enabled")
	}
	if !uitest.Button(t, c, "Next step").Disabled() {
		t.Fatal("the next step waits for the confirmation")
	}
	uitest.Tap(t, c, "I've done this")
	u.WaitIdle()
	if s.StepRecord(wizard.StepRef{Module: "vault-link", Step: "open-link"}).Status != wizard.StepDone || uitest.Button(t, c, "Next step").Disabled() {
		t.Fatal("confirming must verify, record the step and allow the next")
	}
}

func slicesIndexCorrect(m wizard.Module) int {
	for i, o := range m.Check.Options {
		if o.Correct {
			return i
		}
	}
	return -1
}

// press sends a key to the window as the keyboard would when no field has the focus.
func press(c fyne.Canvas, key fyne.KeyName) { c.OnTypedKey()(&fyne.KeyEvent{Name: key}) }

func TestModuleOneByKeyboardOnly(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	s := u.Session()
	m1 := s.Guide().Modules[0]

	// Tab reaches the controls in order (sidebar first).
	test.FocusNext(c)
	if b, ok := c.Focused().(*widget.Button); !ok || !strings.HasPrefix(b.Text, "Welcome") {
		t.Fatalf("the first Tab stop is %T %v", c.Focused(), c.Focused())
	}
	test.FocusNext(c)
	if b, ok := c.Focused().(*widget.Button); !ok || !strings.HasPrefix(b.Text, "Connections") {
		t.Fatalf("the second Tab stop is %T", c.Focused())
	}
	c.Unfocus()

	press(c, fyne.KeyReturn) // Start module 1
	for i, step := range m1.Steps {
		if u.Current() != "step:"+m1.ID+"/"+step.ID {
			t.Fatalf("step %d: on %s", i+1, u.Current())
		}
		press(c, fyne.KeyReturn) // run
		u.WaitIdle()
		if s.StepRecord(wizard.StepRef{Module: m1.ID, Step: step.ID}).Status != wizard.StepDone {
			t.Fatalf("Enter did not run step %d", i+1)
		}
		press(c, fyne.KeyReturn) // next step, then the check
	}
	if u.Current() != "check:"+m1.ID {
		t.Fatalf("on %s after the last step", u.Current())
	}
	// Choose by number: the options are shuffled, so find where the right one is shown.
	radio := uitest.Radio(t, c)
	right := option(m1, true)
	for i, o := range radio.Options {
		if o == right {
			test.TypeOnCanvas(c, string(rune('1'+i)))
		}
	}
	if radio.Selected != right {
		t.Fatalf("the number key chose %q", radio.Selected)
	}
	press(c, fyne.KeyReturn) // check the answer
	u.WaitIdle()
	if s.ModuleStatus(m1.ID) != wizard.Covered {
		t.Fatal("Enter did not submit the answer")
	}
	press(c, fyne.KeyReturn) // continue to module 2
	u.WaitIdle()
	if u.Current() != "step:ss-secret/choose-template" {
		t.Fatalf("on %s", u.Current())
	}
}

func TestEscapeCancelsARunningStep(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	st, err := stack.Build(ctx, stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 60 * time.Second, PracticeAWS: awssim.Options{KeyDelay: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	g, _ := wizard.ParseGuide(assets.Guide)
	s, _ := wizard.NewSession(g, st.Services, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
	m1 := g.Modules[0]
	for _, step := range m1.Steps[:2] {
		if _, err := s.Run(ctx, wizard.StepRef{Module: m1.ID, Step: step.ID}); err != nil {
			t.Fatal(err)
		}
	}
	waiting := make(chan struct{}, 1)
	s.Subscribe(func(e wizard.Event) {
		if strings.Contains(e.Text, "does not accept the new key yet") {
			select {
			case waiting <- struct{}{}:
			default:
			}
		}
	})
	w := test.NewTempWindow(t, nil)
	u := ui.New(w, s, ui.Info{Practice: true, KeyringName: "memory"})
	u.WaitIdle()
	u.ShowStep(wizard.StepRef{Module: m1.ID, Step: m1.Steps[2].ID})
	press(w.Canvas(), fyne.KeyReturn)
	select {
	case <-waiting:
	case <-time.After(20 * time.Second):
		t.Fatal("the step never started waiting for the key")
	}
	press(w.Canvas(), fyne.KeyEscape)
	u.WaitIdle()
	rec := s.StepRecord(wizard.StepRef{Module: m1.ID, Step: m1.Steps[2].ID})
	if rec.Status != wizard.StepFailed || !strings.Contains(rec.Error, "stopped waiting") {
		t.Fatalf("Escape must stop the wait: %+v", rec)
	}
}

func TestReportExportHasTheIDsAndNoSecret(t *testing.T) {
	const planted = "PLANTED-secret-access-key-for-report-00"
	test.NewTempApp(t)
	ctx := context.Background()
	auditLog, err := audit.Open(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer auditLog.Close()
	st, err := stack.Build(ctx, stack.Options{Practice: true, Keyring: keyring.NewMemory(), Audit: auditLog, PracticeAWS: awssim.Options{NewSecretKey: func() string { return planted }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	s := coveredSession(t, st)
	w := test.NewTempWindow(t, nil)
	u := ui.New(w, s, ui.Info{Practice: true, KeyringName: "memory"})
	u.WaitIdle()
	uitest.Tap(t, w.Canvas(), "Back to the summary") // a finished run opens on the Health page
	if u.Current() != "complete" {
		t.Fatalf("the Health page's back button leads to %s, not the summary", u.Current())
	}
	uitest.Button(t, w.Canvas(), "Export report")
	var buf bytes.Buffer
	if err := u.SaveReport(&buf); err != nil {
		t.Fatal(err)
	}
	report := buf.String()
	if strings.Contains(report, planted) {
		t.Fatal("the report contains the secret access key")
	}
	for _, want := range []string{
		"arn:aws:iam::123456789012:user/delinea-secrets-sync",
		"arn:aws:iam::123456789012:policy/DelineaSecretsManagerLeastPrivilege",
		"Secret Server secret id | " + strconv.Itoa(s.Progress().SecretID),
		"External vault id | " + strconv.Itoa(s.Progress().Vault.ID),
		"Modules covered: 6 / 6",
		"Knowledge check: passed (1 attempt(s))",
		"IAM:CreateAccessKey",
		"| push | vaultlink/practice-push | synced |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Request ids of the AWS calls are in it.
	calls, _ := auditLog.Calls()
	var withID int
	for _, c := range calls {
		if c.RequestID != "" && strings.Contains(report, c.RequestID) {
			withID++
		}
	}
	if withID == 0 {
		t.Fatal("the report lists no request ids")
	}
}

func TestActivityLogFiltersAndCopies(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	uitest.Tap(t, c, "Start module 1")
	uitest.Tap(t, c, "Run step")
	u.WaitIdle()
	var filter *widget.Entry
	uitest.Walk(c.Content(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && e.PlaceHolder == "Filter the activity…" {
			filter = e
		}
	})
	if filter == nil {
		t.Fatal("no activity filter")
	}
	test.Type(filter, "Signed in")
	uitest.Tap(t, c, "Copy")
	copied := fyne.CurrentApp().Clipboard().Content()
	if !strings.Contains(copied, "Signed in to AWS") || strings.Contains(copied, "Running") {
		t.Fatalf("the copy must hold the filtered lines only:\n%s", copied)
	}
}

func TestConnectionsPageShowsBothSignIns(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	uitest.Tap(t, c, "Connections")
	u.WaitIdle()
	if !uitest.Shows(c, "Signed in as arn:aws:iam::123456789012:root") || !uitest.Shows(c, "as practice-admin") {
		t.Fatalf("the connections page must show both sign-ins:\n%s", strings.Join(uitest.Text(c), " | "))
	}
	// The capability report: version, each operation found, each module's mode.
	for _, want := range []string{"version practice", "list external vaults: GET /api/v1/external-vaults (ExternalVaults_Search)", "Module 3: automated", "Module 6: automated"} {
		if !uitest.Shows(c, want) {
			t.Errorf("the connections page lacks %q:\n%s", want, strings.Join(uitest.Text(c), " | "))
		}
	}
}

// An AWS_PROFILE in the environment does not reach practice mode; the welcome page says so, in
// case the admin expected to work in that account.
func TestPracticeWelcomeMentionsAnAWSProfileFromTheEnvironment(t *testing.T) {
	test.NewTempApp(t)
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	g, err := wizard.ParseGuide(assets.Guide)
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []string{"prod", ""} {
		s, err := wizard.NewSession(g, st.Services, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
		if err != nil {
			t.Fatal(err)
		}
		w := test.NewTempWindow(t, nil)
		w.Resize(fyne.NewSize(1180, 780))
		u := ui.New(w, s, ui.Info{Practice: true, KeyringName: "memory", EnvProfile: profile})
		u.WaitIdle()
		shown := uitest.Shows(w.Canvas(), "AWS_PROFILE")
		if profile != "" && !uitest.Shows(w.Canvas(), "AWS_PROFILE=prod") {
			t.Fatalf("the welcome page must say practice mode does not use AWS_PROFILE=prod:\n%s", strings.Join(uitest.Text(w.Canvas()), " | "))
		}
		if profile == "" && shown {
			t.Fatal("no AWS_PROFILE, no mention")
		}
	}
}

// TestWindowKeepsToThreeTextStyles: Fyne loads each text style's font with its own copies of
// the emoji and fallback fonts (about 8 MB of heap per style), so the window uses regular, bold
// and monospace only (docs/performance.md). Every kind of page is rendered and its text checked.
func TestWindowKeepsToThreeTextStyles(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	allowed := []fyne.TextStyle{{}, {Bold: true}, {Monospace: true}}
	seen := map[fyne.TextStyle]string{}
	look := func(page string) {
		uitest.Walk(c.Content(), func(o fyne.CanvasObject) {
			if x, ok := o.(*canvas.Text); ok && x.Text != "" {
				if _, dup := seen[x.TextStyle]; !dup {
					seen[x.TextStyle] = page + ": " + x.Text
				}
			}
		})
	}
	look("welcome")
	u.ShowConnections()
	u.WaitIdle()
	look("connections")
	m1 := u.Session().Guide().Modules[0]
	for _, st := range m1.Steps {
		ref := wizard.StepRef{Module: m1.ID, Step: st.ID}
		u.ShowStep(ref)
		look("preview of " + ref.String())
		u.RunStep(ref)
		u.WaitIdle()
		look("result of " + ref.String())
	}
	u.ShowCheck(m1.ID)
	look("knowledge check")
	u.Answer(option(m1, false))
	u.WaitIdle()
	look("wrong answer")
	u.ShowComplete()
	look("summary")
	for style, where := range seen {
		if !slices.Contains(allowed, style) {
			t.Errorf("text style %+v (first on %s) loads another set of fonts", style, where)
		}
	}
	if _, ok := seen[fyne.TextStyle{Monospace: true}]; !ok {
		t.Error("no monospace text seen: the walk missed the step results")
	}
}

// The summary's health check: the same comparison as `vaultlink status`, item by item, and
// no secret shown. A finished practice run is healthy; a drift made outside VaultLink (the
// user's group membership removed) is named with its fix.
func TestHealthPageFromTheSummary(t *testing.T) {
	ctx := context.Background()
	st := rotationStack(t) // its new keys all have the planted secret
	s := coveredSession(t, st)
	u, w := openCovered(t, s)
	uitest.Tap(t, w.Canvas(), "Training summary") // the window opens on the Health page: go to the summary first
	if u.Current() != "complete" {
		t.Fatalf("the sidebar's summary entry leads to %s", u.Current())
	}
	test.Tap(uitest.Button(t, w.Canvas(), "Check health"))
	u.WaitIdle()
	all := strings.Join(uitest.Text(w.Canvas()), " | ")
	if u.Current() != "health" || !uitest.Shows(w.Canvas(), "Healthy: everything matches") || !uitest.Shows(w.Canvas(), "OK  IAM user") {
		t.Fatalf("a finished practice run must check healthy on the %s page:\n%s", u.Current(), all)
	}
	p := s.Progress()
	if err := removeFromGroup(ctx, st, p.UserName, p.GroupName); err != nil {
		t.Fatal(err)
	}
	test.Tap(uitest.Button(t, w.Canvas(), "Check again"))
	u.WaitIdle()
	all = strings.Join(uitest.Text(w.Canvas()), " | ")
	if !uitest.Shows(w.Canvas(), "DRIFT  group membership") || !uitest.Shows(w.Canvas(), "Fix: aws iam add-user-to-group") {
		t.Fatalf("the removed membership must be named with its fix:\n%s", all)
	}
	noPlantedSecret(t, w.Canvas())
}

// A finished run reopens on the Health page, which checks at once; the sidebar's Health entry
// is active there, and the summary stays one tap away. A fresh run keeps the welcome page, and
// its Health entry waits for module 1's user.
func TestAFinishedRunReopensOnTheHealthPage(t *testing.T) {
	s := coveredSession(t, rotationStack(t))
	u, w := openCovered(t, s) // fails unless the window opens on the Health page
	c := w.Canvas()
	if !uitest.Shows(c, "Healthy: everything matches") || !uitest.Shows(c, "OK  access key") {
		t.Fatalf("a finished run must reopen on the checked Health page:\n%s", strings.Join(uitest.Text(c), " | "))
	}
	if b := uitest.Button(t, c, "Health"); b.Disabled() || b.Importance != widget.HighImportance {
		t.Fatal("the sidebar's Health entry must be enabled and marked as the page on show")
	}
	uitest.Tap(t, c, "Back to the summary")
	if u.Current() != "complete" || uitest.Button(t, c, "Health").Importance == widget.HighImportance {
		t.Fatalf("the summary must stay reachable (on %s), and the Health entry inactive there", u.Current())
	}
	uitest.Tap(t, c, "Health")
	u.WaitIdle()
	if u.Current() != "health" || !uitest.Shows(c, "Healthy: everything matches") {
		t.Fatalf("the sidebar's Health entry leads to %s", u.Current())
	}
}

// The sidebar's Health entry waits until module 1 made the IAM user: before that there is
// nothing to compare.
func TestTheHealthEntryWaitsForTheUser(t *testing.T) {
	u, w := newWindow(t)
	c := w.Canvas()
	if u.Current() != "welcome" || !uitest.Button(t, c, "Health").Disabled() {
		t.Fatalf("a fresh run opens on %s, with the Health entry enabled before there is a user", u.Current())
	}
	uitest.Tap(t, c, "Start module 1")
	uitest.Tap(t, c, "Run step") // creates the user
	u.WaitIdle()
	if u.Session().Progress().UserName == "" || uitest.Button(t, c, "Health").Disabled() {
		t.Fatal("once the user exists the Health entry must be enabled")
	}
	uitest.Tap(t, c, "Health")
	u.WaitIdle()
	if u.Current() != "health" || !uitest.Shows(c, "OK  IAM user") {
		t.Fatalf("the Health entry leads to %s:\n%s", u.Current(), strings.Join(uitest.Text(c), " | "))
	}
}

// removeFromGroup changes the practice account the way another admin would, outside VaultLink.
func removeFromGroup(ctx context.Context, st *stack.Stack, user, group string) error {
	id, secret := st.Sandbox.AWS.AdminCredentials()
	im := iam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(st.Endpoints.AWS)})
	_, err := im.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{UserName: aws.String(user), GroupName: aws.String(group)})
	return err
}

// coveredSession is a guided session on st with every module run and its check passed.
func coveredSession(t *testing.T, st *stack.Stack) *wizard.Session {
	t.Helper()
	ctx := context.Background()
	g, _ := wizard.ParseGuide(assets.Guide)
	s, _ := wizard.NewSession(g, st.Services, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}, wizard.Guided)
	for _, m := range g.Modules {
		for _, step := range m.Steps {
			if _, err := s.Run(ctx, wizard.StepRef{Module: m.ID, Step: step.ID}); err != nil {
				t.Fatal(err)
			}
		}
		s.Answer(m.ID, m.Check.Options[slicesIndexCorrect(m)].ID)
	}
	return s
}
