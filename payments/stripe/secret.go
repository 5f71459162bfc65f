package stripe

import (
	"strings"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
)

// checkSecretKey refuses a key that is not a Stripe secret or restricted key
// of the given mode: a live key in test mode is as wrong as a test key in
// live mode. The error names only the key's last 4 characters.
func checkSecretKey(key payments.Secret, livemode bool) error {
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
func checkWebhookSecret(s payments.Secret) error {
	if !strings.HasPrefix(string(s), "whsec_") || len(s) < 12 {
		return kernel.Invalidf("webhook_secret", "the webhook signing secret %s must be the whsec_… value of the Stripe webhook endpoint", s.Redacted())
	}
	return nil
}
