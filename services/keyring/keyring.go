// Package keyring keeps secrets in the operating system's keyring through go-keyring (Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows), under one naming scheme.
// When no keyring is reachable, Open says why and the caller may fall back to Memory, which
// keeps secrets only for the life of the process.
package keyring

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/vaultlink/vaultlink/wizard"
)

// maxSecret is the largest value stored: Windows Credential Manager's limit, the smallest of
// the three, so a value that works on one OS works on all.
const maxSecret = 2560

// System stores entries under one service name ("VaultLink" or "VaultLink (practice)").
type System struct {
	service string
}

// Open checks that the OS keyring answers (a write, read and delete of a probe entry) and
// returns it, or an error that says what is missing and what to do.
func Open(practice bool) (*System, error) {
	s := &System{service: "VaultLink"}
	if practice {
		s.service = "VaultLink (practice)"
	}
	probe := "probe-" + fmt.Sprint(time.Now().UnixNano())
	done := make(chan error, 1)
	go func() {
		err := gokeyring.Set(s.service, probe, "probe")
		if err == nil {
			_, err = gokeyring.Get(s.service, probe)
			gokeyring.Delete(s.service, probe)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return nil, diagnose(err)
		}
	case <-time.After(10 * time.Second):
		// A locked keyring may be showing an unlock prompt nobody can answer.
		return nil, errors.New("the system keyring did not answer within 10 seconds (is it locked and waiting for a password?)")
	}
	return s, nil
}

func diagnose(err error) error {
	msg := err.Error()
	switch {
	case runtime.GOOS == "linux" && (strings.Contains(msg, "dbus") || strings.Contains(msg, "no such file") || strings.Contains(msg, "DBUS_SESSION_BUS_ADDRESS") || strings.Contains(msg, "ServiceUnknown")):
		return fmt.Errorf("no Secret Service keyring is running (%v): install and start GNOME Keyring or KeePassXC with Secret Service enabled, inside a desktop session", err)
	case strings.Contains(msg, "unlock"):
		return fmt.Errorf("the system keyring is locked (%v): unlock it (log in to the desktop, or open Passwords and Keys) and try again", err)
	}
	return fmt.Errorf("the system keyring is not usable: %w", err)
}

// Name says where secrets go.
func (s *System) Name() string {
	switch runtime.GOOS {
	case "darwin":
		return "the macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	return "the system keyring (Secret Service)"
}

// Service is the service name entries are stored under.
func (s *System) Service() string { return s.service }

// Store saves a secret under ref.
func (s *System) Store(ref string, v wizard.Secret) error {
	if len(v.Reveal()) > maxSecret {
		return fmt.Errorf("the value is %d bytes; the keyring on Windows holds at most %d", len(v.Reveal()), maxSecret)
	}
	if err := gokeyring.Set(s.service, ref, v.Reveal()); err != nil {
		return diagnose(err)
	}
	return nil
}

// Load reads the secret stored under ref.
func (s *System) Load(ref string) (wizard.Secret, error) {
	v, err := gokeyring.Get(s.service, ref)
	if errors.Is(err, gokeyring.ErrNotFound) {
		return wizard.Secret{}, fmt.Errorf("%w: %q in %s", wizard.ErrNotInKeyring, ref, s.Name())
	}
	if err != nil {
		return wizard.Secret{}, diagnose(err)
	}
	return wizard.NewSecret(v), nil
}

// Remove deletes the entry (a missing entry is not an error).
func (s *System) Remove(ref string) error {
	if err := gokeyring.Delete(s.service, ref); err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		return diagnose(err)
	}
	return nil
}

// Memory keeps secrets in process memory only: the fallback when no keyring is reachable.
type Memory struct {
	mu sync.Mutex
	m  map[string]wizard.Secret
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{m: map[string]wizard.Secret{}} }

// Name says where secrets go.
func (m *Memory) Name() string { return "memory only (no system keyring)" }

// Store keeps the secret until the process exits.
func (m *Memory) Store(ref string, v wizard.Secret) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[ref] = v
	return nil
}

// Load returns the secret.
func (m *Memory) Load(ref string) (wizard.Secret, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[ref]
	if !ok {
		return wizard.Secret{}, fmt.Errorf("%w: %q in memory (it is lost when VaultLink closes)", wizard.ErrNotInKeyring, ref)
	}
	return v, nil
}

// Remove forgets the secret.
func (m *Memory) Remove(ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, ref)
	return nil
}

var (
	_ wizard.Keyring = (*System)(nil)
	_ wizard.Keyring = (*Memory)(nil)
)
