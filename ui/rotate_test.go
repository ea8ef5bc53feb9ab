package ui_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/ui"
	"github.com/vaultlink/vaultlink/ui/uitest"
	"github.com/vaultlink/vaultlink/wizard"
)

// plantedRotation is every secret access key the practice AWS hands out in these tests, so
// they can look for it in everything the window shows.
const plantedRotation = "PLANTED-secret-access-key-for-rotate-0"

// rotationStack is a practice stack whose new keys all have the planted secret.
func rotationStack(t *testing.T) *stack.Stack {
	t.Helper()
	test.NewTempApp(t)
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second,
		PracticeAWS: awssim.Options{NewSecretKey: func() string { return plantedRotation }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	current = st
	return st
}

// openCovered opens the window on a covered session: the Health page, checked.
func openCovered(t *testing.T, s *wizard.Session) (*ui.UI, fyne.Window) {
	t.Helper()
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1180, 780))
	u := ui.New(w, s, ui.Info{Practice: true, KeyringName: "memory"})
	u.WaitIdle()
	if u.Current() != "health" {
		t.Fatalf("a finished run should open on the Health page, not %s", u.Current())
	}
	return u, w
}

// inDialog finds the widget of type T in the dialog on top.
func inDialog[T fyne.CanvasObject](t *testing.T, c fyne.Canvas) T {
	t.Helper()
	var found T
	var ok bool
	uitest.Walk(c.Overlays().Top(), func(o fyne.CanvasObject) {
		if x, is := o.(T); is && !ok {
			found, ok = x, true
		}
	})
	if !ok {
		t.Fatalf("the dialog has no %T", found)
	}
	return found
}

// dialogSays reports whether a visible label of the dialog on top says s.
func dialogSays(c fyne.Canvas, s string) bool {
	found := false
	uitest.Walk(c.Overlays().Top(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && strings.Contains(l.Text, s) {
			found = true
		}
	})
	return found
}

// noPlantedSecret fails when the window, or a dialog over it, shows the secret access key.
func noPlantedSecret(t *testing.T, c fyne.Canvas) {
	t.Helper()
	all := uitest.Text(c)
	for _, o := range c.Overlays().List() {
		all = append(all, uitest.TextIn(o)...)
	}
	if slices.ContainsFunc(all, func(s string) bool { return strings.Contains(s, plantedRotation) }) {
		t.Fatal("the window shows the secret access key")
	}
}

// keysOf lists the IAM user's access keys in the practice account.
func keysOf(t *testing.T, st *stack.Stack, user string) []wizard.KeyMeta {
	t.Helper()
	keys, err := st.AWS.AccessKeys(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// Rotating from the Health page: the confirmation lists what will happen, the rotation runs,
// the page lists what it did, and the health check that follows finds the new key everywhere.
// No secret is shown at any point.
func TestRotateTheKeyFromTheHealthPage(t *testing.T) {
	st := rotationStack(t)
	s := coveredSession(t, st)
	u, w := openCovered(t, s)
	c := w.Canvas()
	old := s.Progress().AccessKeyID

	uitest.Tap(t, c, "Rotate the key…")
	for _, want := range []string{"iam:CreateAccessKey", "iam:DeleteAccessKey", "deactivate the old key " + wizard.MaskKeyID(old)} {
		if !dialogSays(c, want) {
			t.Fatalf("the confirmation must list what the rotation does (%q):\n%s", want, strings.Join(uitest.TextIn(c.Overlays().Top()), " | "))
		}
	}
	if inDialog[*widget.Check](t, c).Checked {
		t.Fatal("by default the old key is deleted, not kept")
	}
	uitest.TapInDialog(t, c, "Rotate the key")
	u.WaitIdle()

	all := strings.Join(uitest.Text(c), " | ")
	now := s.Progress().AccessKeyID
	if now == old || now == "" {
		t.Fatalf("the record still names the old key:\n%s", all)
	}
	if _, ok := s.RotationUnderway(); ok {
		t.Fatal("the rotation did not finish")
	}
	for _, want := range []string{"Key rotation", "✓  Created the new access key " + wizard.MaskKeyID(now), "✓  Deactivated the old access key", "✓  Deleted the old access key", "✓  Rotation finished"} {
		if !uitest.Shows(c, want) {
			t.Errorf("the report lacks %q:\n%s", want, all)
		}
	}
	// The health check ran again after the rotation: it compares the new key.
	if !uitest.Shows(c, "Healthy: everything matches") || !uitest.Shows(c, "key "+wizard.MaskKeyID(now)+" is active") {
		t.Fatalf("the health check must run again and find the new key healthy:\n%s", all)
	}
	if b := uitest.Button(t, c, "Rotate the key…"); b.Disabled() {
		t.Fatal("the rotation button must be back once the rotation is over")
	}
	if keys := keysOf(t, st, s.Progress().UserName); len(keys) != 1 || keys[0].ID != now {
		t.Fatalf("want the new key only: %v", keys)
	}
	noPlantedSecret(t, c)
}

// A bad number of days to keep the old key is explained in the dialog, which stays open with
// what was typed, and starts nothing; corrected, the rotation keeps the old key inactive.
func TestKeepOldDaysAreCheckedBeforeTheRotation(t *testing.T) {
	st := rotationStack(t)
	s := coveredSession(t, st)
	u, w := openCovered(t, s)
	c := w.Canvas()
	old := s.Progress().AccessKeyID

	uitest.Tap(t, c, "Rotate the key…")
	test.Tap(inDialog[*widget.Check](t, c))
	days := inDialog[*widget.Entry](t, c)
	for _, bad := range []struct{ typed, says string }{
		{"abc", `"abc" is not a whole number of days`},
		{"0", "at least 1 day"},
		{"-3", "at least 1 day"},
		{"366", "at most 365 days"},
		{"", "enter how many days"},
	} {
		days.SetText("")
		test.Type(days, bad.typed)
		if !dialogSays(c, bad.says) {
			t.Fatalf("%q must be explained in the dialog (%q):\n%s", bad.typed, bad.says, strings.Join(uitest.TextIn(c.Overlays().Top()), " | "))
		}
		uitest.TapInDialog(t, c, "Rotate the key")          // held back while the days are wrong
		days.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter in the field: checked too
		u.WaitIdle()
		if c.Overlays().Top() == nil || days.Text != bad.typed {
			t.Fatalf("after %q the dialog must stay open with what was typed (shows %q)", bad.typed, days.Text)
		}
		if _, ok := s.RotationUnderway(); ok || s.Progress().AccessKeyID != old {
			t.Fatalf("%q started a rotation", bad.typed)
		}
	}
	if len(keysOf(t, st, s.Progress().UserName)) != 1 {
		t.Fatal("a refused confirmation made a key")
	}

	days.SetText("")
	test.Type(days, "7")
	if dialogSays(c, "days:") || dialogSays(c, "at least") {
		t.Fatal("a good number of days must clear the message")
	}
	uitest.TapInDialog(t, c, "Rotate the key")
	u.WaitIdle()
	all := strings.Join(uitest.Text(c), " | ")
	if s.Progress().AccessKeyID == old || !uitest.Shows(c, "✓  Kept the old access key "+wizard.MaskKeyID(old)+", inactive, until") {
		t.Fatalf("with 7 days the rotation must keep the old key:\n%s", all)
	}
	keys := keysOf(t, st, s.Progress().UserName)
	if i := slices.IndexFunc(keys, func(k wizard.KeyMeta) bool { return k.ID == old }); len(keys) != 2 || i < 0 || keys[i].Status != "Inactive" {
		t.Fatalf("want the old key kept inactive: %+v", keys)
	}
	if !uitest.Shows(c, "Healthy: everything matches") {
		t.Fatalf("a kept key is healthy:\n%s", all)
	}
	noPlantedSecret(t, c)
}

// A rotation interrupted between CreateAccessKey and the keyring write leaves a key nobody has
// the secret of. The page then offers to finish the rotation, names the orphan, and only after
// consent deletes it and goes on to the end.
func TestAnInterruptedRotationFinishesAfterConsent(t *testing.T) {
	st := rotationStack(t)
	lost := &lostAnswerIAM{IAM: st.Services.IAM}
	st.Services.IAM = lost
	s := coveredSession(t, st)
	u, w := openCovered(t, s)
	c := w.Canvas()
	old := s.Progress().AccessKeyID

	lost.lose.Store(true)
	uitest.Tap(t, c, "Rotate the key…")
	uitest.TapInDialog(t, c, "Rotate the key")
	u.WaitIdle()
	all := strings.Join(uitest.Text(c), " | ")
	if !uitest.Shows(c, "✗  ") || !uitest.Shows(c, "WARN  key rotation") {
		t.Fatalf("the stopped rotation must be reported, and the health check must list it:\n%s", all)
	}
	if _, ok := s.RotationUnderway(); !ok || s.Progress().AccessKeyID != old {
		t.Fatal("the rotation should be recorded as under way, the old key still the integration's")
	}

	lost.lose.Store(false)
	uitest.Tap(t, c, "Finish the key rotation…")
	if !dialogSays(c, "resumes the rotation of "+wizard.MaskKeyID(old)) {
		t.Fatalf("the confirmation must say it resumes:\n%s", strings.Join(uitest.TextIn(c.Overlays().Top()), " | "))
	}
	uitest.TapInDialog(t, c, "Finish the rotation")
	u.WaitIdle()
	if s.Progress().AccessKeyID != old {
		t.Fatal("the orphaned key must not be touched before the admin agrees")
	}
	uitest.TapInDialog(t, c, "Delete and go on") // the dialog about the orphaned key
	u.WaitIdle()
	all = strings.Join(uitest.Text(c), " | ")
	now := s.Progress().AccessKeyID
	if now == old || !uitest.Shows(c, "✓  Deleted orphaned access key") || !uitest.Shows(c, "✓  Rotation finished") {
		t.Fatalf("after consent the rotation must delete the orphan and finish:\n%s", all)
	}
	if keys := keysOf(t, st, s.Progress().UserName); len(keys) != 1 || keys[0].ID != now {
		t.Fatalf("want the new key only: %v", keys)
	}
	if uitest.Button(t, c, "Rotate the key…").Disabled() || !uitest.Shows(c, "Healthy: everything matches") {
		t.Fatalf("the page must be back to a healthy state with the usual button:\n%s", all)
	}
	noPlantedSecret(t, c)
}

// With two keys already, the rotation stops with the explanation and changes nothing.
func TestRotationWithTwoKeysOnlyExplains(t *testing.T) {
	st := rotationStack(t)
	s := coveredSession(t, st)
	u, w := openCovered(t, s)
	c := w.Canvas()
	before := s.Progress()
	id, secret := st.Sandbox.AWS.AdminCredentials()
	im := iam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(st.Endpoints.AWS)})
	if _, err := im.CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{UserName: aws.String(before.UserName)}); err != nil {
		t.Fatal(err)
	}
	uitest.Tap(t, c, "Rotate the key…")
	uitest.TapInDialog(t, c, "Rotate the key")
	u.WaitIdle()
	all := strings.Join(uitest.Text(c), " | ")
	var explained bool
	uitest.Walk(c.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Importance == widget.DangerImportance && strings.Contains(l.Text, "already has two access keys") && strings.Contains(l.Text, "nothing was changed") {
			explained = true
		}
	})
	if !explained || !uitest.Shows(c, "Nothing was changed.") {
		t.Fatalf("the two keys must be explained as an error:\n%s", all)
	}
	if s.Progress() != before {
		t.Fatal("a refused rotation changed the record")
	}
	if _, ok := s.RotationUnderway(); ok || uitest.Button(t, c, "Rotate the key…").Disabled() {
		t.Fatal("a refused rotation leaves no rotation under way")
	}
}
