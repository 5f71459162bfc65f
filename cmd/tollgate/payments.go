package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// newPaymentsCmd connects an account to Stripe and shows how it takes
// payments. Secrets come from files or the environment, never from flags
// holding their value (which shell history and process listings keep), and
// are printed only by their last 4 characters.
func newPaymentsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "payments", Short: "Connect Stripe and show how each mode takes payments"}
	var account, mode, keyFile, hookFile string
	connect := &cobra.Command{
		Use:   "connect",
		Short: "Connect an account, in one mode, to Stripe",
		Long: `Connect an account, in one mode, to Stripe: a secret key (sk_test_… or rk_test_… in
test mode, sk_live_… or rk_live_… in live mode) and the signing secret (whsec_…) of the
Stripe webhook endpoint that sends its events to Tollgate. Give them in files
(--secret-key-file, --webhook-secret-file) or in TOLLGATE_STRIPE_SECRET_KEY and
TOLLGATE_STRIPE_WEBHOOK_SECRET. Only their last 4 characters are ever printed.

In test mode without a connection, Tollgate's built-in test provider takes payments.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			m, err := parseMode(mode)
			if err != nil {
				return err
			}
			key, err := secretFrom(keyFile, "--secret-key-file", "TOLLGATE_STRIPE_SECRET_KEY")
			if err != nil {
				return err
			}
			hook, err := secretFrom(hookFile, "--webhook-secret-file", "TOLLGATE_STRIPE_WEBHOOK_SECRET")
			if err != nil {
				return err
			}
			ctx, acct := paymentsCaller(cmd.Context(), a, account, m)
			c, err := a.svc.Payments.ConnectStripe(ctx, key, hook)
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "account %s takes %s-mode payments through Stripe (secret key %s, webhook signing secret %s)\n",
				acct, c.Mode, c.SecretKey, c.WebhookSecret)
			fmt.Fprintf(cfg.stdout, "webhook endpoint URL to set in Stripe: %s\n", webhookURL(acct, m))
			return nil
		}),
	}
	connect.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	connect.Flags().StringVar(&mode, "mode", "test", "test or live")
	connect.Flags().StringVar(&keyFile, "secret-key-file", "", "file holding the Stripe secret key (default: env TOLLGATE_STRIPE_SECRET_KEY)")
	connect.Flags().StringVar(&hookFile, "webhook-secret-file", "", "file holding the webhook signing secret (default: env TOLLGATE_STRIPE_WEBHOOK_SECRET)")

	status := &cobra.Command{
		Use:   "status",
		Short: "Show how an account takes payments in each mode (secrets by their last 4 characters)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			for _, m := range []billing.Mode{billing.ModeTest, billing.ModeLive} {
				ctx, acct := paymentsCaller(cmd.Context(), a, account, m)
				c, err := a.svc.Payments.GetPaymentConnection(ctx)
				switch {
				case err == nil && c.Provider == "stripe":
					fmt.Fprintf(cfg.stdout, "%s: Stripe (secret key %s); webhook endpoint %s\n", m, c.SecretKey, webhookURL(acct, m))
				case err == nil:
					fmt.Fprintf(cfg.stdout, "%s: %s provider\n", m, c.Provider)
				case kernel.ErrorCode(err) != kernel.ENotFound:
					return err
				case m == billing.ModeTest:
					fmt.Fprintf(cfg.stdout, "%s: built-in test provider (checkout pages served by `tollgate serve` at /pay/test/)\n", m)
				default:
					fmt.Fprintf(cfg.stdout, "%s: not connected; run `tollgate payments connect --mode live`\n", m)
				}
			}
			return nil
		}),
	}
	status.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	cmd.AddCommand(connect, status)
	return cmd
}

func parseMode(s string) (billing.Mode, error) {
	switch m := billing.Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case billing.ModeTest, billing.ModeLive:
		return m, nil
	}
	return "", fmt.Errorf("--mode must be test or live, not %q", s)
}

// paymentsCaller acts as the account (the default one when empty) in a mode.
func paymentsCaller(ctx context.Context, a *app, account string, m billing.Mode) (context.Context, string) {
	if account == "" {
		account = a.acct.ID
	}
	return billing.WithCaller(ctx, billing.Caller{AccountID: account, Mode: m}), account
}

// secretFrom reads a secret from a file, else from an environment variable.
// Errors never hold the secret.
func secretFrom(file, flag, env string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", flag, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	if v := strings.TrimSpace(os.Getenv(env)); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("give %s or set %s", flag, env)
}

// webhookURL is where Stripe sends an account's events of a mode: under
// TOLLGATE_PUBLIC_URL when set.
func webhookURL(account string, m billing.Mode) string {
	base := strings.TrimRight(os.Getenv("TOLLGATE_PUBLIC_URL"), "/")
	if base == "" {
		base = "https://<your tollgate host>"
	}
	return fmt.Sprintf("%s/v1/webhooks/stripe/%s/%s", base, account, m)
}
