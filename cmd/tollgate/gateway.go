package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/wire"
)

// gatewayDescriber adapts the gateway's Describe to the MCP tools
// (get_gateway, configure_gateway): the base URLs under the server's public
// URL (a path alone without one), the provider keys only redacted.
type gatewayDescriber struct {
	h         *gateway.Handler
	publicURL string
}

func (g gatewayDescriber) Describe(ctx context.Context) (wire.Gateway, error) {
	d, err := g.h.Describe(ctx)
	if err != nil {
		return wire.Gateway{}, err
	}
	c, _ := billing.CallerFrom(ctx)
	out := wire.Gateway{Served: true, Providers: []wire.GatewayProvider{}, EventType: d.EventType, EventTypeSource: "server",
		ProductShape: &wire.GatewayProduct{EventType: d.EventType, PricedFields: gateway.PricedTokens, Dimension: "model", BlockSize: "1000000"},
		Costs:        wire.Map(d.Costs, wire.FromModelCost), Livemode: c.Mode == billing.ModeLive}
	if d.AccountEventType {
		out.EventTypeSource = "account"
	}
	for _, p := range d.Providers {
		wp := wire.GatewayProvider{Provider: string(p.Provider), Configured: p.Configured,
			BaseURL: strings.TrimRight(g.publicURL, "/") + p.Path, Routes: p.Routes, UpstreamURL: p.UpstreamURL, Key: p.Key}
		switch {
		case p.AccountUpstream:
			wp.Source = "account"
		case p.Configured:
			wp.Source = "server"
		}
		out.Providers = append(out.Providers, wp)
	}
	return out, nil
}

// gatewayOptions reads the metering gateway's server-wide configuration from
// the environment: per provider, the platform's key from
// TOLLGATE_<P>_API_KEY_FILE (a file holding it) or TOLLGATE_<P>_API_KEY, and
// the API's base URL from TOLLGATE_<P>_BASE_URL; the default event type from
// TOLLGATE_GATEWAY_EVENT_TYPE. They serve every account and mode that has
// not set its own (`tollgate gateway connect`, configure_gateway). A
// provider without a key anywhere has its routes answer 404; keys are only
// ever shown by their last 4 characters.
func gatewayOptions(cfg *config) (gateway.Options, error) {
	opts := gateway.Options{Logger: cfg.log, EventType: envOr(gateway.DefaultEventType, "TOLLGATE_GATEWAY_EVENT_TYPE")}
	if v := os.Getenv("TOLLGATE_GATEWAY_CUSTOMER_KEY_RATE"); v != "" {
		rate, err := strconv.ParseFloat(v, 64)
		if err != nil || rate <= 0 || rate > 1_000_000 {
			return opts, fmt.Errorf("TOLLGATE_GATEWAY_CUSTOMER_KEY_RATE must be calls a second above 0, such as 10; got %q", v)
		}
		opts.CustomerKeyRate = rate
	}
	for _, p := range []struct {
		provider string
		upstream *gateway.Upstream
	}{
		{billing.ProviderOpenAI, &opts.OpenAI},
		{billing.ProviderAnthropic, &opts.Anthropic},
	} {
		env := "TOLLGATE_" + strings.ToUpper(p.provider) + "_API_KEY"
		key := ""
		if file := os.Getenv(env + "_FILE"); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return opts, fmt.Errorf("read %s_FILE: %w", env, err)
			}
			key = strings.TrimSpace(string(b))
		} else {
			key = strings.TrimSpace(os.Getenv(env))
		}
		baseEnv := "TOLLGATE_" + strings.ToUpper(p.provider) + "_BASE_URL"
		base, err := billing.CheckGatewayBaseURL(envOr(billing.DefaultGatewayBaseURL(p.provider), baseEnv))
		if err != nil {
			return opts, fmt.Errorf("%s: %s", baseEnv, kernel.ErrorMessage(err))
		}
		*p.upstream = gateway.Upstream{BaseURL: base, APIKey: payments.Secret(key)}
		if key != "" {
			cfg.log.Info("metering gateway upstream", "provider", p.provider, "base_url", base, "key", p.upstream.APIKey)
		}
	}
	return opts, nil
}

// newGatewayCmd sets an account's own provider upstreams for the metering
// gateway, as `tollgate payments connect` sets its Stripe secret: the key
// comes from a file or the environment, never a flag holding its value
// (which shell history and process listings keep), is stored per account
// and mode, and is printed only by its last 4 characters.
func newGatewayCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "gateway", Short: "Set an account's own OpenAI or Anthropic key and base URL for the metering gateway"}
	var account, mode, provider, keyFile, baseURL string
	connect := &cobra.Command{
		Use:   "connect --provider openai|anthropic",
		Short: "Set an account's own provider key (and base URL) in one mode",
		Long: `Set an account's own upstream for one provider in one mode: the gateway then sends that
account's calls there with that key instead of the server's (TOLLGATE_OPENAI_API_KEY,
TOLLGATE_ANTHROPIC_API_KEY). Give the key in a file (--api-key-file) or in
TOLLGATE_OPENAI_API_KEY or TOLLGATE_ANTHROPIC_API_KEY; only its last 4 characters are
ever printed. --base-url defaults to the provider's own API. Running servers apply it
within a second; running it again replaces it.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			m, err := parseMode(mode)
			if err != nil {
				return err
			}
			if billing.DefaultGatewayBaseURL(provider) == "" {
				return fmt.Errorf("--provider must be openai or anthropic, not %q", provider)
			}
			key, err := secretFrom(keyFile, "--api-key-file", "TOLLGATE_"+strings.ToUpper(provider)+"_API_KEY")
			if err != nil {
				return err
			}
			ctx, acct := paymentsCaller(cmd.Context(), a, account, m)
			u, err := a.svc.Gateway.ConnectProvider(ctx, billing.ConnectProviderInput{Provider: provider, APIKey: key, BaseURL: baseURL})
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "account %s sends its %s-mode %s calls to %s with key %s\n", acct, m, u.Provider, u.BaseURL, u.APIKey)
			return nil
		}),
	}
	connect.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	connect.Flags().StringVar(&mode, "mode", "test", "test or live")
	connect.Flags().StringVar(&provider, "provider", "", "openai or anthropic (required)")
	connect.Flags().StringVar(&keyFile, "api-key-file", "", "file holding the provider key (default: env TOLLGATE_OPENAI_API_KEY or TOLLGATE_ANTHROPIC_API_KEY)")
	connect.Flags().StringVar(&baseURL, "base-url", "", "the provider's API base URL, or a compatible one (default: the provider's own)")
	_ = connect.MarkFlagRequired("provider")

	disconnect := &cobra.Command{
		Use:   "disconnect --provider openai|anthropic",
		Short: "Remove an account's own provider upstream in one mode; the server's applies again",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			m, err := parseMode(mode)
			if err != nil {
				return err
			}
			ctx, acct := paymentsCaller(cmd.Context(), a, account, m)
			had, err := a.svc.Gateway.DisconnectProvider(ctx, provider)
			if err != nil {
				return err
			}
			if !had {
				fmt.Fprintf(cfg.stdout, "account %s had no %s upstream of its own in %s mode; nothing changed\n", acct, provider, m)
				return nil
			}
			fmt.Fprintf(cfg.stdout, "account %s's %s-mode %s calls use the server's upstream again\n", acct, m, provider)
			return nil
		}),
	}
	disconnect.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	disconnect.Flags().StringVar(&mode, "mode", "test", "test or live")
	disconnect.Flags().StringVar(&provider, "provider", "", "openai or anthropic (required)")
	_ = disconnect.MarkFlagRequired("provider")

	status := &cobra.Command{
		Use:   "status",
		Short: "Show each mode's provider upstreams of an account (keys by their last 4 characters)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			server, err := gatewayOptions(&config{log: slog.New(slog.DiscardHandler)})
			if err != nil {
				return err
			}
			for _, m := range []billing.Mode{billing.ModeTest, billing.ModeLive} {
				ctx, _ := paymentsCaller(cmd.Context(), a, account, m)
				g, err := a.svc.Gateway.Settings(ctx)
				if err != nil {
					return err
				}
				for _, p := range []struct {
					name string
					up   gateway.Upstream
				}{{billing.ProviderOpenAI, server.OpenAI}, {billing.ProviderAnthropic, server.Anthropic}} {
					env := "TOLLGATE_" + strings.ToUpper(p.name) + "_API_KEY"
					switch u, ok := g.Upstream(p.name); {
					case ok:
						fmt.Fprintf(cfg.stdout, "%s %s: the account's own, %s with key %s\n", m, p.name, u.BaseURL, u.APIKey)
					case p.up.APIKey != "":
						fmt.Fprintf(cfg.stdout, "%s %s: the server's, %s with key %s (%s in this environment)\n", m, p.name, p.up.BaseURL, p.up.APIKey, env)
					default:
						fmt.Fprintf(cfg.stdout, "%s %s: the server's, %s in the server's environment if set (not in this one); or run `tollgate gateway connect --provider %s --mode %s`\n", m, p.name, env, p.name, m)
					}
				}
			}
			return nil
		}),
	}
	status.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	cmd.AddCommand(connect, disconnect, status)
	return cmd
}
