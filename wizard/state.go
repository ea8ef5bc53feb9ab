package wizard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// State is everything the wizard remembers between runs. It never holds a secret value: the
// secret access key lives only in the keyring, and state keeps the keyring reference.
type State struct {
	Version   int                    `json:"version"`
	Settings  map[string]string      `json:"settings"`
	Outputs   map[string]string      `json:"outputs"`
	Steps     map[string]StepRecord  `json:"steps"`
	Checks    map[string]CheckRecord `json:"checks"`
	UpdatedAt time.Time              `json:"updatedAt"`
}

// Fact is one labelled, non-secret result of a step, shown to the admin.
type Fact struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// StepStatus is where a step stands.
type StepStatus string

const (
	StepPending StepStatus = ""
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
	// StepManual: the server cannot do this step through its API; the admin does it in
	// Secret Server's web console and then confirms (ConfirmManual verifies what it can).
	StepManual StepStatus = "manual"
)

// ManualStep is the guided click path for a step done by hand.
type ManualStep struct {
	Why     string   `json:"why"`
	Clicks  []string `json:"clicks"`
	OpenURL string   `json:"openUrl,omitempty"`
	Checks  string   `json:"checks"` // what VaultLink verifies once the admin confirms
}

// StepRecord is the recorded outcome of a step's last run.
type StepRecord struct {
	Status  StepStatus  `json:"status"`
	Summary string      `json:"summary"`
	Facts   []Fact      `json:"facts,omitempty"`
	Sync    []SyncItem  `json:"sync,omitempty"`
	Manual  *ManualStep `json:"manual,omitempty"`
	Error   string      `json:"error,omitempty"`
	At      time.Time   `json:"at"`
}

// CheckRecord is the recorded state of a module's knowledge check.
type CheckRecord struct {
	Passed   bool      `json:"passed"`
	Skipped  bool      `json:"skipped,omitempty"` // apply mode: not asked
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at"`
}

const stateVersion = 1

func newState() *State {
	return &State{
		Version:  stateVersion,
		Settings: map[string]string{},
		Outputs:  map[string]string{},
		Steps:    map[string]StepRecord{},
		Checks:   map[string]CheckRecord{},
	}
}

// Store keeps the state in one JSON file.
type Store struct{ Path string }

// DefaultStateDir is where state lives unless told otherwise: the OS's per-user config folder.
func DefaultStateDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config folder: %w", err)
	}
	return filepath.Join(dir, "vaultlink"), nil
}

// Load reads the state, or returns a fresh one when there is none yet.
func (s Store) Load() (*State, error) {
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read wizard state %s: %w", s.Path, err)
	}
	st := newState()
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("wizard state %s is damaged (%v): move it aside to start over", s.Path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("wizard state %s has version %d, this VaultLink reads %d", s.Path, st.Version, stateVersion)
	}
	return st, nil
}

// Save writes the state atomically (temporary file, then rename), so a crash mid-write leaves
// the previous state intact.
func (s Store) Save(st *State) error {
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return fmt.Errorf("create state folder: %w", err)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode wizard state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".state-*.json")
	if err != nil {
		return fmt.Errorf("write wizard state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write wizard state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write wizard state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write wizard state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("write wizard state: %w", err)
	}
	return nil
}
