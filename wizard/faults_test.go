package wizard_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultlink/vaultlink/services/keyring"
	"github.com/vaultlink/vaultlink/services/stack"
	"github.com/vaultlink/vaultlink/wizard"
)

// faultyKeyring is an in-memory keyring whose writes can be refused or made to hang, as a
// locked, gone or full system keyring does.
type faultyKeyring struct {
	*keyring.Memory
	mu     sync.Mutex
	refuse error
	hang   chan struct{} // non-nil: Store blocks until closed
}

func (k *faultyKeyring) Store(ref string, v wizard.Secret) error {
	k.mu.Lock()
	refuse, hang := k.refuse, k.hang
	k.mu.Unlock()
	if hang != nil {
		<-hang
	}
	if refuse != nil {
		return refuse
	}
	return k.Memory.Store(ref, v)
}

func practiceWith(t *testing.T, kr wizard.Keyring, timeout time.Duration) (*stack.Stack, wizard.Store) {
	t.Helper()
	st, err := stack.Build(context.Background(), stack.Options{Practice: true, Keyring: kr, KeyWait: 10 * time.Second, KeyringTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}
}

// runTo runs module 1 up to (not including) its access key step.
func runToAccessKey(t *testing.T, s *wizard.Session) wizard.StepRef {
	t.Helper()
	m1 := s.Guide().Modules[0]
	for _, step := range m1.Steps[:2] {
		if _, err := s.Run(context.Background(), wizard.StepRef{Module: m1.ID, Step: step.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return wizard.StepRef{Module: m1.ID, Step: m1.Steps[2].ID}
}

// A keyring that refuses the new secret: the key just made is deleted (nobody could use it),
// the admin is told why, and the step stops. Once the keyring works, the step completes with
// one key.
func TestKeyringRefusesToStoreDeletesTheNewKey(t *testing.T) {
	kr := &faultyKeyring{Memory: keyring.NewMemory(), refuse: errors.New("the collection is locked")}
	st, store := practiceWith(t, kr, 0)
	s := session(t, st, store, wizard.Guided)
	ctx := context.Background()
	ref := runToAccessKey(t, s)
	_, err := s.Run(ctx, ref)
	if err == nil {
		t.Fatal("the step must fail when the keyring refuses the secret")
	}
	for _, want := range []string{"refused", "the collection is locked", "deleted that key", "unlock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message lacks %q: %v", want, err)
		}
	}
	user := s.Setting("user_name")
	if keys, err := st.AWS.AccessKeys(ctx, user); err != nil || len(keys) != 0 {
		t.Fatalf("the unusable key must be deleted: keys %v, %v", keys, err)
	}
	kr.mu.Lock()
	kr.refuse = nil
	kr.mu.Unlock()
	if _, err := s.Run(ctx, ref); err != nil {
		t.Fatalf("rerun with a working keyring: %v", err)
	}
	if keys, _ := st.AWS.AccessKeys(ctx, user); len(keys) != 1 {
		t.Fatalf("want one key after the rerun, got %v", keys)
	}
}

// A keyring that never answers times out with a message instead of hanging the step, and the
// key it could not take is deleted again.
func TestKeyringThatHangsTimesOut(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	kr := &faultyKeyring{Memory: keyring.NewMemory(), hang: hang}
	st, store := practiceWith(t, kr, 300*time.Millisecond)
	s := session(t, st, store, wizard.Guided)
	ref := runToAccessKey(t, s)
	start := time.Now()
	_, err := s.Run(context.Background(), ref)
	if err == nil || !strings.Contains(err.Error(), "did not answer within 300ms") {
		t.Fatalf("want a keyring time-out, got %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the step took %s despite a 300 ms keyring limit", d)
	}
	if keys, _ := st.AWS.AccessKeys(context.Background(), s.Setting("user_name")); len(keys) != 0 {
		t.Fatalf("the key whose secret could not be stored must be deleted: %v", keys)
	}
}

// A keyring entry lost after the key was made: the key is an orphan; without consent the step
// stops and says so, with consent the orphan is deleted and a new key made.
func TestOrphanKeyIsReplacedOnlyWithConsent(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	ctx := context.Background()
	ref := runToAccessKey(t, s)
	if _, err := s.Run(ctx, ref); err != nil {
		t.Fatal(err)
	}
	old := s.Progress().AccessKeyID
	if err := st.Services.Keyring.Remove(s.Progress().KeyringRef); err != nil {
		t.Fatal(err)
	}
	_, err := s.Run(ctx, ref)
	var oe *wizard.OrphanKeysError
	if !errors.As(err, &oe) || len(oe.Keys) != 1 || oe.Keys[0] != old || !strings.Contains(err.Error(), "orphaned") {
		t.Fatalf("want an orphan-key error naming %s, got %v", wizard.MaskKeyID(old), err)
	}
	if strings.Contains(err.Error(), old) {
		t.Fatal("the message shows the whole key id")
	}
	if err := s.AllowReplaceOrphanKeys(); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Run(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := st.AWS.AccessKeys(ctx, s.Setting("user_name"))
	if len(keys) != 1 || keys[0].ID == old || keys[0].ID != s.Progress().AccessKeyID || !strings.Contains(rec.Summary, "orphaned") {
		t.Fatalf("want one new key, the orphan gone and said so: keys %v, summary %q", keys, rec.Summary)
	}
	tags, _ := st.AWS.UserTags(ctx, s.Setting("user_name"))
	if _, ok := tags[old]; ok {
		t.Fatal("the orphan's description tag is still on the user")
	}
}

// A keyring entry for a key that no longer exists in AWS is removed, with a notice.
func TestKeyringEntryOfADeletedKeyIsRemoved(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	ctx := context.Background()
	ref := runToAccessKey(t, s)
	if _, err := s.Run(ctx, ref); err != nil {
		t.Fatal(err)
	}
	old, oldRef := s.Progress().AccessKeyID, s.Progress().KeyringRef
	if err := st.Services.IAM.DeleteAccessKey(ctx, s.Setting("user_name"), old); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Run(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Services.Keyring.Load(oldRef); !errors.Is(err, wizard.ErrNotInKeyring) {
		t.Fatalf("the stale keyring entry is still there: %v", err)
	}
	if !strings.Contains(rec.Summary, "no longer exists in AWS") {
		t.Fatalf("no notice: %q", rec.Summary)
	}
}

// A damaged progress file gives a clear message and is kept aside, byte for byte; the next
// start begins fresh.
func TestDamagedStateIsKeptAside(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":   `{"version": 2, "settings": {"user_na`,
		"not json":    "\x00\x01garbage",
		"hand-edited": `{"version": 2, "setings": {}}`,
		"wrong type":  `{"version": "one"}`,
	} {
		t.Run(name, func(t *testing.T) {
			st, store := practice(t)
			if err := os.WriteFile(store.Path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := wizard.NewSession(guide(t), st.Services, store, wizard.Guided)
			var de *wizard.DamagedError
			if !errors.As(err, &de) || de.KeptAs == "" || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), de.KeptAs) {
				t.Fatalf("want a damaged-file error naming where it was kept, got %v", err)
			}
			if kept, err := os.ReadFile(de.KeptAs); err != nil || string(kept) != content {
				t.Fatalf("the damaged file was not kept as it was: %v", err)
			}
			if _, err := os.Stat(store.Path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the damaged file is still in the way: %v", err)
			}
			if _, err := wizard.NewSession(guide(t), st.Services, store, wizard.Guided); err != nil {
				t.Fatalf("the next start must begin fresh: %v", err)
			}
		})
	}
}

// A progress folder that turns read-only: the step fails with a message, is not recorded as
// done, and the file keeps everything recorded before.
func TestReadOnlyStateFolderFailsTheStepAndLosesNothing(t *testing.T) {
	st, store := practice(t)
	s := session(t, st, store, wizard.Guided)
	ctx := context.Background()
	m1 := s.Guide().Modules[0]
	first := wizard.StepRef{Module: m1.ID, Step: m1.Steps[0].ID}
	if _, err := s.Run(ctx, first); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(store.Path)
	dir := filepath.Dir(store.Path)
	block := blockWrites(t, dir)
	defer block()
	second := wizard.StepRef{Module: m1.ID, Step: m1.Steps[1].ID}
	rec, err := s.Run(ctx, second)
	var se *wizard.SaveError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "could not be saved") {
		t.Fatalf("want a save error, got %v", err)
	}
	if rec.Status == wizard.StepDone || s.StepRecord(second).Status == wizard.StepDone {
		t.Fatal("a step whose record could not be saved must not count as done")
	}
	if err := s.CanRun(wizard.StepRef{Module: m1.ID, Step: m1.Steps[2].ID}); err == nil {
		t.Fatal("the next step unlocked on an unsaved record")
	}
	block()
	after, _ := os.ReadFile(store.Path)
	if string(after) != string(before) {
		t.Fatal("the progress file changed although the write failed")
	}
	if _, err := s.Run(ctx, second); err != nil {
		t.Fatalf("rerun once the folder is writable: %v", err)
	}
}

// blockWrites makes writing into dir fail until undo: read-only permissions, or, for root
// (who ignores permissions), a plain file in the folder's place.
func blockWrites(t *testing.T, dir string) (undo func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		return func() { os.Chmod(dir, 0o700) }
	}
	// As root: move the folder away and put a plain file in its place, so creating the
	// temporary file fails (ENOTDIR) as a read-only folder would make it fail.
	moved := dir + ".away"
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	done := false
	return func() {
		if done {
			return
		}
		done = true
		os.Remove(dir)
		os.Rename(moved, dir)
	}
}

// Two instances on the same progress: the second refuses with a clear message; once the first
// lets go, the folder can be taken again.
func TestSecondInstanceOnTheSameProgressRefuses(t *testing.T) {
	store := wizard.Store{Path: filepath.Join(t.TempDir(), "state.json")}
	first, err := store.Lock("window")
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Lock("`vaultlink apply`")
	if !errors.Is(err, wizard.ErrInUse) || !strings.Contains(err.Error(), "VaultLink window") || !strings.Contains(err.Error(), "Only one VaultLink") {
		t.Fatalf("want an in-use error naming the holder, got %v", err)
	}
	first.Release()
	again, err := store.Lock("`vaultlink apply`")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}
