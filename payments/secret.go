package payments

import "log/slog"

// Secret is a credential (an API key, a webhook signing secret). Every way of
// printing it (fmt's verbs, slog, JSON) shows only its last 4 characters, so a
// secret cannot reach a log or an error by accident.
type Secret string

// Redacted returns "…" and the last 4 characters.
func (s Secret) Redacted() string {
	if len(s) <= 8 {
		return "…"
	}
	return "…" + string(s[len(s)-4:])
}

// String implements fmt.Stringer with the redacted form.
func (s Secret) String() string { return s.Redacted() }

// GoString implements fmt.GoStringer with the redacted form.
func (s Secret) GoString() string { return s.Redacted() }

// LogValue implements slog.LogValuer with the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.Redacted()) }

// MarshalText writes the redacted form, so JSON never holds the secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.Redacted()), nil }
