package gateway

import (
	"context"
	"sort"

	"github.com/tollgatehq/tollgate/billing"
)

// PricedTokens are the token fields of the usage the gateway records that a
// product prices, each with a dimensional price by model.
var PricedTokens = []string{"input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens"}

// Description is what the gateway serves for one account and mode: never a
// provider key, only its redacted form.
type Description struct {
	Providers []ProviderDescription
	// EventType is the event type of the caller's holds and usage;
	// AccountEventType says the account set it (configure_gateway), else it
	// is ServerEventType, the server's default.
	EventType        string
	AccountEventType bool
	ServerEventType  string
	// Costs are the account's cost table: what each provider charges per
	// million tokens of a model.
	Costs []billing.ModelCost
}

// ProviderDescription is one provider's side of the gateway.
type ProviderDescription struct {
	Provider Provider
	// Path is the base an app's SDK takes, under the server's public URL:
	// /gateway/openai/v1, /gateway/anthropic.
	Path string
	// Routes are the calls the gateway serves for it ("POST /gateway/…").
	Routes []string
	// Configured: the account or the server has the provider's key;
	// without one the routes answer 404.
	Configured bool
	// AccountUpstream: the key and upstream are the account's own in this
	// mode (`tollgate gateway connect`), not the server's.
	AccountUpstream bool
	// UpstreamURL is the provider's API the calls go to.
	UpstreamURL string
	// Key is the provider key redacted ("…abcd"); empty when not configured.
	Key string
}

// Describe says what the gateway serves for the caller's account and mode.
func (h *Handler) Describe(ctx context.Context) (Description, error) {
	g, err := h.svc.Gateway.Settings(ctx)
	if err != nil {
		return Description{}, err
	}
	d := Description{EventType: h.eventType(g), AccountEventType: g.EventType != "", ServerEventType: h.opts.EventType, Costs: g.Costs}
	for _, p := range []struct {
		p    Provider
		path string
	}{{OpenAI, "/gateway/openai/v1"}, {Anthropic, "/gateway/anthropic"}} {
		up, account := h.upstream(g, p.p)
		pd := ProviderDescription{Provider: p.p, Path: p.path, Configured: up.APIKey != "", AccountUpstream: account, UpstreamURL: up.BaseURL}
		if pd.Configured {
			pd.Key = up.APIKey.Redacted()
		}
		for pattern, op := range routes {
			if op.provider == p.p {
				pd.Routes = append(pd.Routes, pattern)
			}
		}
		sort.Strings(pd.Routes)
		d.Providers = append(d.Providers, pd)
	}
	return d, nil
}

// routes are the gateway's calls by pattern.
var routes = map[string]operation{
	"POST /gateway/openai/v1/chat/completions": opChat,
	"POST /gateway/openai/v1/responses":        opResponses,
	"POST /gateway/openai/v1/embeddings":       opEmbeddings,
	"POST /gateway/anthropic/v1/messages":      opMessages,
}
