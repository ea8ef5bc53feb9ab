package sandbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The practice servers' data includes practice secret values (the access key AWS issued, the
// Secret Server fields holding it), so it is written only encrypted: AES-256-GCM with a key
// that lives in the OS keyring, never beside the file.

type snapshot struct {
	AWS json.RawMessage `json:"aws"`
	SS  json.RawMessage `json:"secretServer"`
}

// Save writes both simulators' data to path, encrypted with key (32 bytes), atomically.
func (s *Sandbox) Save(path string, key []byte) error {
	a, err := s.AWS.Snapshot()
	if err != nil {
		return err
	}
	b, err := s.SS.Snapshot()
	if err != nil {
		return err
	}
	plain, err := json.Marshal(snapshot{AWS: a, SS: b})
	if err != nil {
		return err
	}
	sealed, err := seal(key, plain)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, sealed, 0o600); err != nil {
		return fmt.Errorf("save practice data: %w", err)
	}
	return os.Rename(tmp, path)
}

// ErrNoSnapshot means there is nothing saved yet.
var ErrNoSnapshot = errors.New("no saved practice data")

// Load restores both simulators from path.
func (s *Sandbox) Load(path string, key []byte) error {
	sealed, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return ErrNoSnapshot
	}
	if err != nil {
		return err
	}
	plain, err := open(key, sealed)
	if err != nil {
		return fmt.Errorf("saved practice data cannot be decrypted (was the keyring entry replaced?): %w", err)
	}
	var snap snapshot
	if err := json.Unmarshal(plain, &snap); err != nil {
		return fmt.Errorf("saved practice data is damaged: %w", err)
	}
	if err := s.AWS.Restore(snap.AWS); err != nil {
		return fmt.Errorf("saved practice AWS data is damaged: %w", err)
	}
	if err := s.SS.Restore(snap.SS); err != nil {
		return fmt.Errorf("saved practice Secret Server data is damaged: %w", err)
	}
	return nil
}

// NewKey makes a random 32-byte key.
func NewKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func seal(key, plain []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, nil), nil
}

func open(key, sealed []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
