package wizard

import (
	"bytes"
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
	Version int `json:"version"`
	// Settings are the admin's inputs by name, as typed (the guide defines and validates them).
	Settings map[string]string `json:"settings"`
	// Progress is what the steps found or made, each value in its own type.
	Progress Progress `json:"progress"`
	// Journal records every entity this progress made or took over; clean-up works from it,
	// never from the current settings (which the admin may have changed since).
	Journal []JournalEntry `json:"journal,omitempty"`
	// Consents are the existing entities the admin agreed to use although VaultLink did not
	// create them.
	Consents []EntityRef `json:"consents,omitempty"`
	// Rotation is a key rotation under way (rotate.go): saved at each stage, so an
	// interrupted rotation resumes where it stopped.
	Rotation *Rotation `json:"rotation,omitempty"`
	// KeptKeys are old access keys a rotation left inactive on purpose (--keep-old), with the
	// date from which the next rotation deletes them. They are VaultLink's but retired: never
	// reused, never taken for orphans.
	KeptKeys  []KeptKey              `json:"keptKeys,omitempty"`
	Steps     map[string]StepRecord  `json:"steps"`
	Checks    map[string]CheckRecord `json:"checks"`
	UpdatedAt time.Time              `json:"updatedAt"`
}

// Progress is the typed record of what earlier steps established, for later steps, the
// summary and clean-up. Zero values mean "not known yet".
type Progress struct {
	// AWS (module 1).
	AccountID string `json:"accountId,omitempty"`
	CallerARN string `json:"callerArn,omitempty"`
	UserName  string `json:"userName,omitempty"`
	UserARN   string `json:"userArn,omitempty"`
	// The access key: its id and the keyring entry that holds its secret half.
	AccessKeyID string `json:"accessKeyId,omitempty"`
	KeyringRef  string `json:"keyringRef,omitempty"`
	// IAM group and policies (modules 1, 4 and 5).
	GroupName        string `json:"groupName,omitempty"`
	ManagedPolicyARN string `json:"managedPolicyArn,omitempty"`
	PolicyDocument   string `json:"policyDocument,omitempty"`
	PolicyARN        string `json:"policyArn,omitempty"`
	// Secret Server (modules 2 and 3).
	SecretServerURL string       `json:"secretServerUrl,omitempty"`
	VaultAPI        APIPresence  `json:"externalVaultApi,omitempty"`
	Template        TemplateUse  `json:"template,omitzero"`
	FolderID        int          `json:"folderId,omitempty"`
	SecretID        int          `json:"secretId,omitempty"`
	Connected       bool         `json:"connected,omitempty"`
	Region          string       `json:"region,omitempty"`
	Vault           VaultLinkUse `json:"vault,omitzero"`
	// APICapabilities and APIMap are what discovery found on the Secret Server (apimap.go):
	// the report, and the map of its external-vault operations (JSON, for the client).
	// APIMap is kept as JSON text so Progress stays comparable.
	APICapabilities *Capabilities `json:"apiCapabilities,omitempty"`
	APIMap          string        `json:"apiMap,omitempty"`
	// RotatedAt is when the last key rotation finished.
	RotatedAt time.Time `json:"rotatedAt,omitzero"`
	// PushBefore is the pushed secret's version in AWS when the guided sync step was shown.
	PushBefore *SecretVersion `json:"pushBefore,omitempty"`
}

// APIPresence says whether the Secret Server offers the external-vault operations.
type APIPresence string

const (
	APIUnknown APIPresence = ""        // not probed yet
	APIOffered APIPresence = "offered" // modules 3 and 6 are automated
	APIAbsent  APIPresence = "absent"  // modules 3 and 6 are guided steps in the web console
)

// TemplateUse is the Amazon IAM Key template as module 2 resolved it.
type TemplateUse struct {
	ID        int      `json:"id"`
	Username  FieldRef `json:"username"`
	AccessKey FieldRef `json:"accessKey"`
	SecretKey FieldRef `json:"secretKey"`
}

// FieldRef is one template field, by id and slug (servers differ in which they accept).
type FieldRef struct {
	ID   int    `json:"id"`
	Slug string `json:"slug"`
}

// VaultLinkUse is the external vault link of module 3.
type VaultLinkUse struct {
	ID   int    `json:"id,omitempty"`
	Name string `json:"name"`
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

// stateVersion 2 typed the progress and added the journal; version 1 files are migrated.
const stateVersion = 2

func newState() *State {
	return &State{
		Version:  stateVersion,
		Settings: map[string]string{},
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
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, s.setAside(err)
	}
	st := newState()
	switch head.Version {
	case stateVersion:
		dec := json.NewDecoder(bytes.NewReader(data))
		// Strict: a hand edit with a misspelt field is damage too, not something to ignore.
		dec.DisallowUnknownFields()
		err = dec.Decode(st)
		if err == nil && dec.More() {
			err = errors.New("extra data after the end")
		}
	case 1:
		st, err = migrateV1(data)
	default:
		err = fmt.Errorf("it has version %d, this VaultLink reads %d (use the VaultLink that wrote it)", head.Version, stateVersion)
	}
	if err != nil {
		return nil, s.setAside(err)
	}
	if st.Settings == nil {
		st.Settings = map[string]string{}
	}
	if st.Steps == nil {
		st.Steps = map[string]StepRecord{}
	}
	if st.Checks == nil {
		st.Checks = map[string]CheckRecord{}
	}
	return st, nil
}

// DamagedError says the progress file could not be read and where it was kept.
type DamagedError struct {
	Path, KeptAs string
	Err          error
}

func (e *DamagedError) Error() string {
	if e.KeptAs == "" {
		return fmt.Sprintf("the progress file %s is damaged (%v) and could not be moved aside: move it away yourself, then start VaultLink again (steps adopt what they already made)", e.Path, e.Err)
	}
	return fmt.Sprintf("the progress file %s is damaged (%v). It was kept, unchanged, as %s; nothing was overwritten. Start VaultLink again to begin with fresh progress (steps adopt what they already made in AWS and Secret Server), or repair that file and move it back", e.Path, e.Err, e.KeptAs)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// setAside renames a damaged progress file out of the way (never deleting or overwriting it),
// so the admin can inspect it and the next start begins fresh instead of failing forever.
func (s Store) setAside(why error) error {
	kept := fmt.Sprintf("%s.damaged-%s", s.Path, time.Now().UTC().Format("20060102-150405.000"))
	if _, err := os.Stat(kept); err == nil {
		return &DamagedError{Path: s.Path, Err: why}
	}
	if err := os.Rename(s.Path, kept); err != nil {
		return &DamagedError{Path: s.Path, Err: why}
	}
	return &DamagedError{Path: s.Path, KeptAs: kept, Err: why}
}

// Save writes the state atomically (temporary file, then rename), so a crash mid-write leaves
// the previous state intact.
func (s Store) Save(st *State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode wizard state: %w", err)
	}
	return s.write(data)
}

func (s Store) write(data []byte) error {
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return &SaveError{Path: s.Path, Err: err}
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".state-*.json")
	if err != nil {
		return &SaveError{Path: s.Path, Err: err}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return &SaveError{Path: s.Path, Err: err}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return &SaveError{Path: s.Path, Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &SaveError{Path: s.Path, Err: err}
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return &SaveError{Path: s.Path, Err: err}
	}
	return nil
}

// SaveError says the progress could not be written (a full disk, a read-only folder). The
// file on disk is the previous, complete version: the write goes to a temporary file first.
type SaveError struct {
	Path string
	Err  error
}

func (e *SaveError) Error() string {
	return fmt.Sprintf("the progress could not be saved to %s (%v): what was recorded before is intact; free disk space or make the folder writable, then run this step again", e.Path, e.Err)
}

func (e *SaveError) Unwrap() error { return e.Err }
