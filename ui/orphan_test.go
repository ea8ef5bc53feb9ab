package ui_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vaultlink/vaultlink/assets"
	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/ui"
	"github.com/vaultlink/vaultlink/ui/uitest"
	"github.com/vaultlink/vaultlink/wizard"
)

// lostAnswerIAM makes the access key for real, then fails as if the process had died before
// the answer arrived: the key exists in AWS and nobody has its secret.
type lostAnswerIAM struct {
	wizard.IAM
	lose atomic.Bool
}

func (l *lostAnswerIAM) CreateAccessKey(ctx context.Context, user string) (wizard.AccessKey, error) {
	k, err := l.IAM.CreateAccessKey(ctx, user)
	if err == nil && l.lose.Load() {
		return wizard.AccessKey{}, errors.New("connection reset before the answer arrived")
	}
	return k, err
}

// Module 1 through the window, interrupted between CreateAccessKey and the keyring write: after
// a restart the window names the orphaned key and asks; on "Delete and create" the orphan goes
// and the user ends with one key whose secret is in the keyring.
func TestOrphanedKeyIsReplacedThroughTheWindowAfterConsent(t *testing.T) {
	test.NewTempApp(t)
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	current = st
	lost := &lostAnswerIAM{IAM: st.Services.IAM}
	lost.lose.Store(true)
	svc := st.Services
	svc.IAM = lost
	g, err := wizard.ParseGuide(assets.Guide)
	if err != nil {
		t.Fatal(err)
	}
	store := wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}
	open := func() (*ui.UI, fyne.Window) {
		s, err := wizard.NewSession(g, svc, store, wizard.Guided)
		if err != nil {
			t.Fatal(err)
		}
		w := test.NewTempWindow(t, nil)
		w.Resize(fyne.NewSize(1180, 780))
		u := ui.New(w, s, ui.Info{Practice: true, KeyringName: svc.Keyring.Name()})
		u.WaitIdle()
		return u, w
	}
	u, w := open()
	c := w.Canvas()
	uitest.Tap(t, c, "Start module 1")
	for i := range 3 {
		uitest.Tap(t, c, "Run step")
		u.WaitIdle()
		if i < 2 {
			uitest.Tap(t, c, "Next step")
		}
	}
	keyStep := wizard.StepRef{Module: "iam-user", Step: "create-access-key"}
	if rec := u.Session().StepRecord(keyStep); rec.Status != wizard.StepFailed {
		t.Fatalf("the interrupted key step should have failed: %+v", rec)
	}

	// Restart: a new window over the same progress; the answer now arrives.
	lost.lose.Store(false)
	u, w = open()
	c = w.Canvas()
	uitest.Tap(t, c, "Resume where you left off")
	if u.Current() != "step:"+keyStep.String() {
		t.Fatalf("the window should resume at the key step, not %s", u.Current())
	}
	uitest.Tap(t, c, "Run step")
	u.WaitIdle()
	uitest.TapInDialog(t, c, "Delete and create") // the dialog about the orphaned key
	u.WaitIdle()
	s := u.Session()
	if rec := s.StepRecord(keyStep); rec.Status != wizard.StepDone {
		t.Fatalf("after consent the step must succeed: %+v", rec)
	}
	keys, err := st.AWS.AccessKeys(context.Background(), s.Setting("user_name"))
	if err != nil || len(keys) != 1 || keys[0].ID != s.Progress().AccessKeyID {
		t.Fatalf("want exactly the new key: %v (%v)", keys, err)
	}
	if _, err := svc.Keyring.Load(s.Progress().KeyringRef); err != nil {
		t.Fatalf("the new key's secret is not in the keyring: %v", err)
	}
}
