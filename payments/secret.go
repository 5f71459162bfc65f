package payments

import (
	"log/slog"
	"strings"

	"github.com/tollgatehq/tollgate/kernel"
)

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

// checkSecretKey refuses a key that is not a Stripe secret or restricted key
// of the given mode: a live key in test mode is as wrong as a test key in
// live mode. The error names only the key's last 4 characters.
func checkSecretKey(key Secret, livemode bool) error {
	k := string(key)
	want, other := "test", "live"
	if livemode {
		want, other = "live", "test"
	}
	switch {
	case k == "":
		return kernel.Invalidf("secret_key", "a Stripe secret key is required (sk_%s_… or rk_%s_…)", want, want)
	case strings.HasPrefix(k, "sk_"+want+"_"), strings.HasPrefix(k, "rk_"+want+"_"):
		return nil
	case strings.HasPrefix(k, "sk_"+other+"_"), strings.HasPrefix(k, "rk_"+other+"_"):
		return kernel.Invalidf("secret_key", "the Stripe key %s is a %s-mode key; %s mode takes only sk_%s_… or rk_%s_… keys", key.Redacted(), other, want, want, want)
	case strings.HasPrefix(k, "pk_"):
		return kernel.Invalidf("secret_key", "the Stripe key %s is a publishable key; give the secret key (sk_%s_…) or a restricted key (rk_%s_…)", key.Redacted(), want, want)
	default:
		return kernel.Invalidf("secret_key", "the Stripe key %s is not a secret key; it must start with sk_%s_ or rk_%s_", key.Redacted(), want, want)
	}
}

// checkWebhookSecret refuses a signing secret that is not Stripe's whsec_ form.
func checkWebhookSecret(s Secret) error {
	if !strings.HasPrefix(string(s), "whsec_") || len(s) < 12 {
		return kernel.Invalidf("webhook_secret", "the webhook signing secret %s must be the whsec_… value of the Stripe webhook endpoint", s.Redacted())
	}
	return nil
}
