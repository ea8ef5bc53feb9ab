package wizard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Two VaultLink processes on the same progress (two windows, or apply while the window is
// open) would both create an access key for the same user and overwrite each other's record.
// So each takes an exclusive lock on its state folder first. The lock is an OS file lock
// (flock on Unix, LockFileEx on Windows): the kernel releases it when the process ends, however
// it ends, so a lock left by a killed VaultLink never blocks the next one.

// ErrInUse is wrapped by Lock's error when another VaultLink holds the folder.
var ErrInUse = errors.New("the progress folder is in use by another VaultLink")

// StateLock is an exclusive hold on a state folder.
type StateLock struct {
	f *os.File
}

// LockFile is the lock's file name inside the state folder.
const LockFile = "vaultlink.lock"

// Lock takes the state folder of s for this process; who says what holds it ("apply", "the
// window"), for the message another instance shows.
func (s Store) Lock(who string) (*StateLock, error) {
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock file %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		what := strings.TrimSpace(string(holder))
		if what == "" {
			what = "another VaultLink"
		}
		return nil, fmt.Errorf("%w: %s is working on the progress in %s. Only one VaultLink (window or apply) may work on it at a time: close that window or let that run finish, then try again (%v)", ErrInUse, what, dir, err)
	}
	// Who holds it, for the message above; the lock itself is the OS lock, not this text.
	f.Truncate(0)
	fmt.Fprintf(f, "VaultLink %s (process %d, since %s)\n", who, os.Getpid(), time.Now().Format("15:04:05"))
	f.Sync()
	return &StateLock{f: f}, nil
}

// Release gives the folder back. Ending the process releases it too.
func (l *StateLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Truncate(0)
	unlockFile(l.f)
	l.f.Close()
	l.f = nil
}
