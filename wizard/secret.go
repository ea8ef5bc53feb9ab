package wizard

// Secret holds a secret value (an AWS secret access key, a password) so that it cannot be
// printed by accident: every formatting and encoding path yields a placeholder. Only Reveal
// gives the value, and only code that hands it to a keyring or an API calls it.
type Secret struct{ value string }

// NewSecret wraps a value.
func NewSecret(v string) Secret { return Secret{value: v} }

const redacted = "[redacted]"

// Reveal returns the value. Call it only at the boundary that needs the plain value.
func (s Secret) Reveal() string { return s.value }

// Empty reports whether there is no value.
func (s Secret) Empty() bool { return s.value == "" }

// Equal compares two secrets without exposing either.
func (s Secret) Equal(o Secret) bool { return s.value == o.value }

func (s Secret) String() string               { return redacted }
func (s Secret) GoString() string             { return redacted }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) MarshalYAML() (any, error)    { return redacted, nil }
