package wizard

// Secret holds a secret value (an AWS secret access key, a password) so that it cannot be
// printed by accident. The value is reachable only through a closure: fmt reads unexported
// fields by reflection (where Secret's own methods are not called) and prints a func as its
// address whatever the verb, and reflection cannot see into a closure, so even %+v, %#v or a
// wrong verb on a struct holding a Secret in an unexported field cannot reach the value.
// Every formatting and encoding path of the Secret itself yields a placeholder. Only Reveal
// gives the value, and only code that hands it to a keyring or an API calls it.
type Secret struct{ value func() string }

// NewSecret wraps a value.
func NewSecret(v string) Secret {
	if v == "" {
		return Secret{}
	}
	return Secret{value: func() string { return v }}
}

const redacted = "[redacted]"

// Reveal returns the value. Call it only at the boundary that needs the plain value.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return s.value()
}

// Empty reports whether there is no value.
func (s Secret) Empty() bool { return s.Reveal() == "" }

// Equal compares two secrets without exposing either.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

func (s Secret) String() string               { return redacted }
func (s Secret) GoString() string             { return redacted }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) MarshalYAML() (any, error)    { return redacted, nil }
