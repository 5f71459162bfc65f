package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
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
		Livemode:     c.Mode == billing.ModeLive}
	if d.AccountEventType {
		out.EventTypeSource = "account"
	}
	for _, p := range d.Providers {
		out.Providers = append(out.Providers, wire.GatewayProvider{Provider: string(p.Provider), Configured: p.Configured,
			BaseURL: strings.TrimRight(g.publicURL, "/") + p.Path, Routes: p.Routes, UpstreamURL: p.UpstreamURL, Key: p.Key})
	}
	return out, nil
}

// gatewayOptions reads the metering gateway's configuration from the
// environment: per provider, the platform's key from TOLLGATE_<P>_API_KEY_FILE
// (a file holding it) or TOLLGATE_<P>_API_KEY, and the API's base URL from
// TOLLGATE_<P>_BASE_URL; the default event type from
// TOLLGATE_GATEWAY_EVENT_TYPE (an account sets its own per mode with
// configure_gateway). One upstream configuration serves every account and
// mode of the server. A provider
// without a key has its routes answer 404; keys are only ever shown by their
// last 4 characters.
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
		name     string
		base     string
		upstream *gateway.Upstream
	}{
		{"OPENAI", "https://api.openai.com/v1", &opts.OpenAI},
		{"ANTHROPIC", "https://api.anthropic.com", &opts.Anthropic},
	} {
		env := "TOLLGATE_" + p.name + "_API_KEY"
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
		base, err := gatewayBaseURL("TOLLGATE_"+p.name+"_BASE_URL", envOr(p.base, "TOLLGATE_"+p.name+"_BASE_URL"))
		if err != nil {
			return opts, err
		}
		*p.upstream = gateway.Upstream{BaseURL: base, APIKey: payments.Secret(key)}
		if key != "" {
			cfg.log.Info("metering gateway upstream", "provider", strings.ToLower(p.name), "base_url", base, "key", p.upstream.APIKey)
		}
	}
	return opts, nil
}

// gatewayBaseURL checks a provider's base URL: the provider key is sent
// there, so it must be a plain http(s) URL, without credentials (they would
// be echoed in errors), query or fragment.
func gatewayBaseURL(env, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		return "", fmt.Errorf("%s must not hold a user or password", env)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%s must be an http(s) base URL such as https://api.openai.com/v1, with no query; got %q", env, raw)
	}
	return strings.TrimRight(raw, "/"), nil
}
