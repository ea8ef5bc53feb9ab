package wizard_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/sandbox/awssim"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// plantedRotationSecret is every new secret access key the practice AWS hands out in these
// tests, so the tests can look for it in everything a rotation says.
const plantedRotationSecret = "PLANTED-rotation-secret-access-key-000"

// rotationWorld is a finished practice apply, ready to rotate, with a clock the test moves.
type rotationWorld struct {
	st    *stack.Stack
	store wizard.Store
	s     *wizard.Session
	clock atomic.Int64 // days added to the real time
}

func newRotationWorld(t *testing.T) *rotationWorld {
	t.Helper()
	w := &rotationWorld{}
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second,
		PracticeAWS: awssim.Options{NewSecretKey: func() string { return plantedRotationSecret }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	st.Services.Now = func() time.Time { return time.Now().Add(time.Duration(w.clock.Load()) * 24 * time.Hour) }
	w.st, w.store = st, wizard.Store{Path: t.TempDir() + "/state.json"}
	w.s = session(t, st, w.store, wizard.Unattended)
	if err := w.s.RunAll(context.Background(), func(string) {}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *rotationWorld) keys(t *testing.T) []wizard.KeyMeta {
	t.Helper()
	keys, err := w.st.AWS.AccessKeys(context.Background(), w.s.Progress().UserName)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// checkRotated asserts the state a finished rotation leaves: the integration's key is new,
// active, the keyring's, and in Secret Server's secret; the old key's keyring entry is gone.
func (w *rotationWorld) checkRotated(t *testing.T, old string) {
	t.Helper()
	ctx := context.Background()
	p := w.s.Progress()
	if p.AccessKeyID == old || p.KeyringRef != wizard.KeyringRef(p.UserName, p.AccessKeyID) {
		t.Fatalf("the record still names the old key: %s (%s)", wizard.MaskKeyID(p.AccessKeyID), p.KeyringRef)
	}
	active := 0
	for _, k := range w.keys(t) {
		if k.Status == "Active" {
			active++
			if k.ID != p.AccessKeyID {
				t.Fatalf("active key %s is not the integration's", wizard.MaskKeyID(k.ID))
			}
		}
	}
	if active != 1 {
		t.Fatalf("want exactly one active key, got %d", active)
	}
	kr := w.st.Services.Keyring
	secret, err := kr.Load(p.KeyringRef)
	if err != nil || secret.Empty() {
		t.Fatalf("the new key's secret is not in the keyring: %v", err)
	}
	if _, err := kr.Load(wizard.KeyringRef(p.UserName, old)); !errors.Is(err, wizard.ErrNotInKeyring) {
		t.Fatalf("the old key's keyring entry is still there (%v)", err)
	}
	fields, err := w.st.Services.SecretServer.SecretFields(ctx, p.SecretID)
	if err != nil {
		t.Fatal(err)
	}
	if fields[p.Template.AccessKey.Slug].Reveal() != p.AccessKeyID || !fields[p.Template.SecretKey.Slug].Equal(secret) {
		t.Fatal("the Secret Server secret does not hold the new key and its secret")
	}
	if _, ok := w.s.RotationUnderway(); ok {
		t.Fatal("the rotation record was not closed")
	}
}

// noSecretIn fails when anything a rotation told the admin holds a secret.
func noSecretIn(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, plantedRotationSecret) {
			t.Fatalf("a rotation message shows a secret: %q", s)
		}
	}
}

// A rotation in practice mode: the old key is deleted, the new one is everywhere the old one
// was, a sync ran with it, the health check is clean, and module 1's key step afterwards
// reuses the new key instead of making a third.
func TestRotateKeyReplacesTheKeyEverywhere(t *testing.T) {
	w := newRotationWorld(t)
	ctx := context.Background()
	old := w.s.Progress().AccessKeyID
	syncBefore := w.s.StepRecord(wizard.StepRef{Module: "sync", Step: "run-sync"}).At
	var passing []string
	rep, err := w.s.RotateKey(ctx, wizard.RotateOptions{}, func(m string) { passing = append(passing, m) })
	if err != nil {
		t.Fatalf("rotate: %v\n%s", err, strings.Join(passing, "\n"))
	}
	noSecretIn(t, append(append(passing, rep.Done...), rep.Notes...)...)
	w.checkRotated(t, old)
	if keys := w.keys(t); len(keys) != 1 {
		t.Fatalf("want the old key deleted, %d keys left", len(keys))
	}
	if rep.OldKeyID != old || rep.NewKeyID != w.s.Progress().AccessKeyID || len(rep.Notes) != 0 {
		t.Fatalf("report: old %s new %s notes %v", wizard.MaskKeyID(rep.OldKeyID), wizard.MaskKeyID(rep.NewKeyID), rep.Notes)
	}
	for _, want := range []string{"Created the new access key", "now holds access key", "AWS accepts the new key", "Connected", "Deactivated the old access key", "A sync with the new key worked", "Deleted the old access key", "Removed the old key's secret", "Rotation finished"} {
		if !slices.ContainsFunc(rep.Done, func(d string) bool { return strings.Contains(d, want) }) {
			t.Fatalf("the report does not say %q:\n%s", want, strings.Join(rep.Done, "\n"))
		}
	}
	if rec := w.s.StepRecord(wizard.StepRef{Module: "sync", Step: "run-sync"}); !rec.At.After(syncBefore) || rec.Status != wizard.StepDone {
		t.Fatalf("the sync with the new key is not the recorded last sync: %+v", rec)
	}
	if h := w.s.Health(ctx); h.ExitCode() != 0 {
		t.Fatalf("health after a rotation: %+v", h.Items)
	}
	tags, _ := w.st.AWS.UserTags(ctx, w.s.Progress().UserName)
	if _, ok := tags[old]; ok || tags[rep.NewKeyID] != w.s.Setting("description_tag") {
		t.Fatalf("the description tag did not move to the new key: %v", tags)
	}
	// Module 1's key step reuses the rotated key.
	if _, err := w.s.Run(ctx, wizard.StepRef{Module: "iam-user", Step: "create-access-key"}); err != nil {
		t.Fatal(err)
	}
	if keys := w.keys(t); len(keys) != 1 || keys[0].ID != rep.NewKeyID {
		t.Fatalf("module 1 did not reuse the rotated key: %v", keys)
	}
}

// With two keys already, the rotation explains and changes nothing.
func TestRotateStopsWhenTheUserHasTwoKeys(t *testing.T) {
	w := newRotationWorld(t)
	ctx := context.Background()
	user := w.s.Progress().UserName
	id, secret := w.st.Sandbox.AWS.AdminCredentials()
	im := iam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(w.st.Endpoints.AWS)})
	other, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	before := w.s.Progress()
	_, err = w.s.RotateKey(ctx, wizard.RotateOptions{}, nil)
	var tm *wizard.TooManyKeysError
	if !errors.As(err, &tm) || tm.Other.ID != aws.ToString(other.AccessKey.AccessKeyId) || !strings.Contains(err.Error(), "nothing was changed") || !strings.Contains(err.Error(), "delete-access-key") {
		t.Fatalf("want the two keys explained, got %v", err)
	}
	if len(w.keys(t)) != 2 || w.s.Progress() != before {
		t.Fatal("a refused rotation changed something")
	}
	if _, ok := w.s.RotationUnderway(); ok {
		t.Fatal("a refused rotation left a rotation record")
	}
}

// failingUpdate is Secret Server refusing the secret update a number of times.
type failingUpdate struct {
	wizard.SecretServer
	fails atomic.Int32
}

func (f *failingUpdate) UpdateSecretFields(ctx context.Context, id int, fields []wizard.FieldValue) error {
	if f.fails.Add(-1) >= 0 {
		return fmt.Errorf("update secret %d: 500 Internal Server Error", id)
	}
	return f.SecretServer.UpdateSecretFields(ctx, id, fields)
}

// A rotation stopped halfway is reported by the health check, blocks module 1's key step
// (which would take the second key for an orphan), and finishes on the next run with the
// key it had already made.
func TestInterruptedRotationResumesWithItsKey(t *testing.T) {
	w := newRotationWorld(t)
	ctx := context.Background()
	old := w.s.Progress().AccessKeyID
	svc := w.st.Services
	fu := &failingUpdate{SecretServer: svc.SecretServer}
	fu.fails.Store(1)
	svc.SecretServer = fu
	s, err := wizard.NewSession(guide(t), svc, w.store, wizard.Unattended)
	if err != nil {
		t.Fatal(err)
	}
	w.s = s
	_, err = s.RotateKey(ctx, wizard.RotateOptions{}, nil)
	if err == nil || !strings.Contains(err.Error(), "run the rotation again") {
		t.Fatalf("want the failed update reported with what to do, got %v", err)
	}
	rot, ok := s.RotationUnderway()
	if !ok || rot.Stage != wizard.RotationKeyStored || rot.NewKeyID == "" {
		t.Fatalf("want the rotation recorded after its new key, got %+v", rot)
	}
	if h := s.Health(ctx); !slices.ContainsFunc(h.Items, func(it wizard.HealthItem) bool {
		return it.Name == wizard.HealthRotation && strings.Contains(it.Fix, "rotate-key")
	}) {
		t.Fatalf("the health check does not report the rotation under way: %+v", h.Items)
	}
	if _, err := s.Run(ctx, wizard.StepRef{Module: "iam-user", Step: "create-access-key"}); err == nil || !strings.Contains(err.Error(), "rotation") {
		t.Fatalf("module 1's key step must wait for the rotation, got %v", err)
	}
	if _, err := s.RotateKey(ctx, wizard.RotateOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if s.Progress().AccessKeyID != rot.NewKeyID {
		t.Fatal("the resumed rotation made another key instead of finishing with its own")
	}
	w.checkRotated(t, old)
}

// --keep-old leaves the old key inactive (and the health check says until when); the first
// rotation after that date deletes it before making room for the next key.
func TestKeepOldKeepsTheKeyInactiveUntilTheNextRotation(t *testing.T) {
	w := newRotationWorld(t)
	ctx := context.Background()
	first := w.s.Progress().AccessKeyID
	rep, err := w.s.RotateKey(ctx, wizard.RotateOptions{KeepOld: 7 * 24 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.checkRotated(t, first)
	keys := w.keys(t)
	if i := slices.IndexFunc(keys, func(k wizard.KeyMeta) bool { return k.ID == first }); len(keys) != 2 || i < 0 || keys[i].Status != "Inactive" || rep.KeptTill.IsZero() {
		t.Fatalf("want the old key kept inactive: %+v (kept till %v)", keys, rep.KeptTill)
	}
	h := w.s.Health(ctx)
	if key, _ := h.Item(wizard.HealthKey); h.ExitCode() != 0 || !strings.Contains(key.Detail, "is kept (Inactive) until") || strings.Contains(key.Detail, "does not know") {
		t.Fatalf("health with a kept key: %+v", h.Items)
	}
	// Module 1's key step neither reuses the kept key nor calls it an orphan.
	if _, err := w.s.Run(ctx, wizard.StepRef{Module: "iam-user", Step: "create-access-key"}); err != nil {
		t.Fatal(err)
	}
	// Within the week, a second rotation has no room.
	second := w.s.Progress().AccessKeyID
	var tm *wizard.TooManyKeysError
	if _, err := w.s.RotateKey(ctx, wizard.RotateOptions{}, nil); !errors.As(err, &tm) || tm.Kept == nil || !strings.Contains(err.Error(), "keeps it inactive until") {
		t.Fatalf("want the kept key named as the reason, got %v", err)
	}
	w.clock.Store(8)
	rep, err = w.s.RotateKey(ctx, wizard.RotateOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Done[0], "Deleted the old access key") {
		t.Fatalf("the expired kept key was not deleted first: %v", rep.Done)
	}
	w.checkRotated(t, second)
	if keys := w.keys(t); len(keys) != 1 {
		t.Fatalf("want one key after the kept one expired, got %d", len(keys))
	}
}

// On a Secret Server without the external-vault API (modules 3 and 6 guided), the rotation
// still moves the secret to the new key and deletes the old one, and says what it could not
// check for itself: the link's connection and a sync.
func TestRotateOnAGuidedServerSaysWhatItCouldNotCheck(t *testing.T) {
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: keyring.NewMemory(), KeyWait: 10 * time.Second,
		PracticeSS: sssim.Options{NoExternalVaultAPI: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	w := &rotationWorld{st: st, store: wizard.Store{Path: t.TempDir() + "/state.json"}}
	w.s = session(t, st, w.store, wizard.Unattended)
	if err := w.s.SetSetting("confirm_manual", "yes"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Modules 1 to 5 done; module 6's guided push would need the console, and stops apply
	// there (not needed here).
	if err := w.s.RunAll(ctx, func(string) {}); err == nil || !strings.Contains(err.Error(), "module 6") {
		t.Fatalf("want apply to stop at module 6's guided push, got %v", err)
	}
	old := w.s.Progress().AccessKeyID
	rep, err := w.s.RotateKey(ctx, wizard.RotateOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.checkRotated(t, old)
	if len(rep.Notes) != 2 || !strings.Contains(rep.Notes[0], "connection with the new key was not checked (this Secret Server's API cannot do it") || !strings.Contains(rep.Notes[1], "No sync was run") {
		t.Fatalf("want the two unchecked stages named: %q", rep.Notes)
	}
}
