package keyring

import (
	"fmt"
	"time"

	"github.com/vaultlink/vaultlink/services/audit"
	"github.com/vaultlink/vaultlink/wizard"
)

// DefaultTimeout bounds one keyring call. A locked keyring may show an unlock prompt nobody
// answers (or no prompt at all, on a headless session); a step must not hang on it.
const DefaultTimeout = 30 * time.Second

// Guarded wraps a keyring: every call has a time limit, and every write (store, remove) is
// recorded in the audit log by entry name, never by value. The audit record also makes the
// keyring write a crash point of the crash test, the window between "AWS made the key" and
// "the progress file knows it".
type Guarded struct {
	inner   wizard.Keyring
	log     *audit.Log
	timeout time.Duration
}

// Guard wraps k; timeout 0 means DefaultTimeout.
func Guard(k wizard.Keyring, log *audit.Log, timeout time.Duration) *Guarded {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Guarded{inner: k, log: log, timeout: timeout}
}

// Name says where secrets go.
func (g *Guarded) Name() string { return g.inner.Name() }

// within runs fn with the time limit. A call that does not return in time is left running in
// its goroutine (a D-Bus call cannot be interrupted); its result is dropped.
func (g *Guarded) within(op, ref string, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(g.timeout):
		return fmt.Errorf("%s did not answer within %s while trying to %s %s (is it locked and waiting for a password, or showing a prompt?): unlock it and run the step again", g.inner.Name(), g.timeout, op, ref)
	}
}

func (g *Guarded) record(op, ref string, err error) {
	e := audit.Entry{System: "keyring", Operation: op, Target: ref}
	if err != nil {
		e.Outcome = "error"
	}
	g.log.Record(e)
}

// Store saves a secret under ref.
func (g *Guarded) Store(ref string, v wizard.Secret) error {
	err := g.within("store", ref, func() error { return g.inner.Store(ref, v) })
	g.record("store", ref, err)
	return err
}

// Load reads the secret stored under ref.
func (g *Guarded) Load(ref string) (wizard.Secret, error) {
	var v wizard.Secret
	err := g.within("read", ref, func() (err error) { v, err = g.inner.Load(ref); return err })
	if err != nil {
		return wizard.Secret{}, err
	}
	return v, nil
}

// Remove deletes the entry (a missing entry is not an error).
func (g *Guarded) Remove(ref string) error {
	err := g.within("remove", ref, func() error { return g.inner.Remove(ref) })
	g.record("remove", ref, err)
	return err
}

var _ wizard.Keyring = (*Guarded)(nil)
