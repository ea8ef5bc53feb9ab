package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
	"github.com/vaultlink/vaultlink/wizard"
)

func (w *liveWorld) rotate(t *testing.T, crashAfter int, extra ...string) (string, string, error) {
	args := append([]string{"rotate-key", "--from", "apply", "--live", "--ss-url", w.ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", w.dir}, extra...)
	return w.vaultlink(t, crashAfter, args...)
}

// record is the progress apply and rotate-key keep.
func (w *liveWorld) record(t *testing.T) *wizard.State {
	t.Helper()
	st, err := wizard.Store{Path: filepath.Join(w.dir, "live", "apply-state.json")}.Load()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// ssAccessKeyID is the access key id field of the integration secret in the practice Secret
// Server (only that field is read: the secret key is never looked at).
func (w *liveWorld) ssAccessKeyID(t *testing.T) string {
	t.Helper()
	data, err := w.ss.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var db struct {
		Secrets map[string]struct {
			Name  string
			Items []struct {
				Slug      string `json:"slug"`
				ItemValue string `json:"itemValue"`
			} `json:"items"`
		} `json:"secrets"`
	}
	if err := json.Unmarshal(data, &db); err != nil {
		t.Fatal(err)
	}
	for _, s := range db.Secrets {
		if s.Name != crashSecret {
			continue
		}
		for _, it := range s.Items {
			if it.Slug == "access-key" {
				return it.ItemValue
			}
		}
	}
	t.Fatal("the integration secret has no access-key field")
	return ""
}

// checkRotated asserts what a finished rotation leaves, against moto and the practice Secret
// Server: exactly one key, active, not the one before; it is the one keyring entry's key and
// its secret signs in; the Secret Server secret holds its id; the record is closed; a sync
// Secret Server runs with it works; `vaultlink status` is healthy.
func (w *liveWorld) checkRotated(t *testing.T, before string) {
	t.Helper()
	w.checkComplete(t) // one of everything, one keyring entry holding the one key's secret
	c := w.awsCounts(t)
	if c.keyID == before {
		t.Fatalf("the key was not replaced: still %s", wizard.MaskKeyID(before))
	}
	if got := w.ssAccessKeyID(t); got != c.keyID {
		t.Fatalf("the Secret Server secret holds %s, not the new key %s", wizard.MaskKeyID(got), wizard.MaskKeyID(c.keyID))
	}
	st := w.record(t)
	if st.Rotation != nil || st.Progress.AccessKeyID != c.keyID || len(st.KeptKeys) != 0 {
		t.Fatalf("record after the rotation: rotation %+v, key %s, kept %v", st.Rotation, wizard.MaskKeyID(st.Progress.AccessKeyID), st.KeptKeys)
	}
	if err := w.ss.ConsoleSync(context.Background(), "sync", st.Progress.Vault.ID); err != nil {
		t.Fatalf("a sync with the new key failed: %v", err)
	}
	if out, errOut, err := w.vaultlink(t, 0, "status", "--from", "apply", "--live", "--ss-url", w.ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", w.dir); err != nil {
		t.Fatalf("status after the rotation: %v\n%s\n%s", err, out, errOut)
	}
}

// noSecretShown fails when the secret of any key the world's keyring holds, or the operator's,
// appears in what a command printed.
func (w *liveWorld) noSecretShown(t *testing.T, texts ...string) {
	t.Helper()
	secrets := []string{w.opSecret}
	for _, e := range w.keyringEntries(t) {
		if s, err := gokeyring.Get(liveService, e); err == nil {
			secrets = append(secrets, s)
		}
	}
	for _, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Fatal("rotate-key printed a secret value")
			}
		}
	}
}

// TestRotateKeyCrashAtEveryCall: `vaultlink rotate-key` against moto with IAM enforcement and
// the practice Secret Server (whose syncs call that moto with the secret's key). A clean
// rotation first: afterwards exactly one active key, the keyring's, in the Secret Server
// secret, the old key gone, and a sync works. Then the rotation is killed (SIGKILL) right after
// each of its recorded calls in turn and run again: every time it ends in that same state. At
// the kill after CreateAccessKey (before the keyring write) nobody holds the new key's secret:
// the rerun stops and asks for --replace-orphan-keys, and with it finishes.
func TestRotateKeyCrashAtEveryCall(t *testing.T) {
	requireKeyring(t)
	workers := 2
	type slot struct {
		m    *awstest.Moto
		user string
	}
	pool := make(chan slot, workers)
	for i := range workers {
		pool <- slot{awstest.Start(t), fmt.Sprintf("rotate-sync-%d", i)}
	}
	start := time.Now()
	// setUp applies the whole integration on a fresh world and returns it with its key.
	setUp := func(t *testing.T, sl slot) (*liveWorld, string, int) {
		w := newLiveWorld(t, sl.m, sl.user, "")
		if out, errOut, err := w.apply(t, 0); err != nil {
			t.Fatalf("apply: %v\n%s\n%s", err, out, errOut)
		}
		w.checkComplete(t)
		return w, w.awsCounts(t).keyID, len(w.auditOps(t))
	}

	var ops []string
	t.Run("clean", func(t *testing.T) {
		sl := <-pool
		defer func() { pool <- sl }()
		w, before, applied := setUp(t, sl)
		out, errOut, err := w.rotate(t, 0)
		if err != nil {
			t.Fatalf("rotate-key: %v\n%s\n%s", err, out, errOut)
		}
		w.noSecretShown(t, out, errOut)
		for _, want := range []string{"Created the new access key", "Secret Server connects to AWS with the new key", "Deactivated the old access key", "A sync with the new key worked", "Deleted the old access key", "rotated: access key"} {
			if !strings.Contains(out, want) {
				t.Fatalf("rotate-key did not say %q:\n%s", want, out)
			}
		}
		ops = w.auditOps(t)[applied:]
		w.checkRotated(t, before)
	})
	if len(ops) == 0 {
		t.Fatal("the clean rotation recorded no calls")
	}
	orphanN := orphanPoint(t, ops)
	var survived atomic.Int64
	lo, hi := crashPoints(len(ops))
	t.Run("points", func(t *testing.T) {
		for n := lo; n <= hi; n++ {
			t.Run(fmt.Sprintf("kill after call %02d of %d (%s)", n, len(ops), ops[n-1]), func(t *testing.T) {
				t.Parallel()
				sl := <-pool
				defer func() { pool <- sl }()
				w, before, applied := setUp(t, sl)
				out, errOut, err := w.rotate(t, n)
				if !killed(err) {
					t.Fatalf("the crash switch did not fire at call %d (%v)\n%s\n%s", n, err, out, errOut)
				}
				if got := w.auditOps(t)[applied:]; len(got) != n || got[n-1] != ops[n-1] {
					t.Fatalf("the rotation died after %d calls; the clean run's call %d is %q: %v", len(got), n, ops[n-1], got)
				}
				out, errOut, err = w.rotate(t, 0)
				if n == orphanN {
					if err == nil || !strings.Contains(errOut, "--replace-orphan-keys") {
						t.Fatalf("after a kill between CreateAccessKey and the keyring write, the rerun must ask before deleting the key nobody holds (%v):\n%s\n%s", err, out, errOut)
					}
					out, errOut, err = w.rotate(t, 0, "--replace-orphan-keys")
				}
				if err != nil {
					t.Fatalf("rerun after a kill at call %d failed: %v\nstdout:\n%s\nstderr:\n%s", n, err, out, errOut)
				}
				w.noSecretShown(t, out, errOut)
				w.checkRotated(t, before)
				survived.Add(1)
			})
		}
	})
	summary := fmt.Sprintf("Rotation crash test: `vaultlink rotate-key --live` against moto (IAM enforced) and the practice Secret Server, killed after each recorded call\n"+
		"crash points survived: %d of %d (calls %d-%d of %d; the orphan-key point is call %d, CreateAccessKey, before the keyring write)\n"+
		"each: kill, rerun, exactly one active key (the keyring's, in Secret Server), the old key gone, a sync works, status healthy\n%s in all\n",
		survived.Load(), hi-lo+1, lo, hi, len(ops), orphanN, time.Since(start).Round(time.Second))
	crashReport(t, "rotate-crash-points.txt", summary, "calls of a rotation", ops)
}
