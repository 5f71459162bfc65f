package billing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

// Gateway holds what an account sets for the metering gateway, per mode: the
// event type of its usage, its own upstream (key and base URL) per provider,
// and what each provider charges per model. The gateway reads them on every
// call through a cache of at most a second.
type Gateway struct{ *core }

// The providers the gateway speaks.
const (
	ProviderOpenAI    = "openai"
	ProviderAnthropic = "anthropic"
)

// gatewayProviders are the providers the gateway speaks, with their own API
// base URLs, as their SDKs take them.
var gatewayProviders = map[string]string{
	ProviderOpenAI:    "https://api.openai.com/v1",
	ProviderAnthropic: "https://api.anthropic.com",
}

// DefaultGatewayBaseURL returns a provider's own API base URL, "" for a
// provider the gateway does not speak.
func DefaultGatewayBaseURL(provider string) string { return gatewayProviders[provider] }

// GatewaySettings are what an account set for the gateway in one mode.
type GatewaySettings struct {
	// EventType is the event type of the usage the gateway records and of
	// its holds; empty: none set, the server's default applies.
	EventType string
	// UpdatedAt is when the event type was last set; zero when never.
	UpdatedAt time.Time
	// Upstreams are the account's own provider upstreams, by provider; a
	// provider without one uses the server's.
	Upstreams []GatewayUpstream
	// Costs are what the providers charge per million tokens, by provider
	// and model.
	Costs []ModelCost
}

// Upstream returns the account's own upstream for a provider.
func (g GatewaySettings) Upstream(provider string) (GatewayUpstream, bool) {
	for _, u := range g.Upstreams {
		if u.Provider == provider {
			return u, true
		}
	}
	return GatewayUpstream{}, false
}

// Cost returns what a provider charges for a model: the model's own row,
// else the provider's "*" row.
func (g GatewaySettings) Cost(provider, model string) (ModelCost, bool) {
	var any *ModelCost
	for i, c := range g.Costs {
		switch {
		case c.Provider != provider:
		case c.Model == model:
			return c, true
		case c.Model == rating.Wildcard:
			any = &g.Costs[i]
		}
	}
	if any != nil {
		return *any, true
	}
	return ModelCost{}, false
}

// GatewayUpstream is an account's own upstream for one provider in one mode,
// set by the operator (`tollgate gateway connect`), never by a tool.
type GatewayUpstream struct {
	Provider string
	// APIKey prints only as its last 4 characters (payments.Secret).
	APIKey    payments.Secret
	BaseURL   string
	UpdatedAt time.Time
}

// ModelCost is what a provider charges the platform for a model, per million
// tokens of each kind, in Currency (an asset of the account). A nil rate is
// unknown.
type ModelCost struct {
	Provider string
	// Model is the model as requested, or "*" for the provider's models
	// without a row of their own.
	Model                                  string
	Currency                               string
	Input, CachedInput, CacheWrite, Output *rating.Decimal
	UpdatedAt                              time.Time
}

// perMillion is the block every ModelCost rate is per: 10^6 tokens.
const perMillion = 6

// Amount is the cost of a call's tokens: each kind × its rate / 1,000,000,
// summed, exact but for Accrue's one rounding at the accrual scale. Not ok
// when a kind the call used has no rate: the cost is then unknown, never
// partly counted.
func (m ModelCost) Amount(input, cachedInput, cacheWrite, output int64) (rating.Decimal, bool) {
	sum := rating.Zero
	for _, f := range []struct {
		n    int64
		rate *rating.Decimal
	}{{input, m.Input}, {cachedInput, m.CachedInput}, {cacheWrite, m.CacheWrite}, {output, m.Output}} {
		if f.n <= 0 {
			continue
		}
		if f.rate == nil {
			return rating.Decimal{}, false
		}
		sum = sum.Add(f.rate.Mul(decimal.NewFromInt(f.n)).Shift(-perMillion))
	}
	return rating.Accrue(sum), true
}

// gatewaySettingsTTL is how long a process keeps an account's gateway
// settings: a change made through another process reaches this one within it.
const gatewaySettingsTTL = time.Second

type gatewayEntry struct {
	settings GatewaySettings
	until    time.Time
}

// Settings returns the caller's gateway settings in its mode. The gateway
// reads them for every call, so they are kept in memory for up to a second:
// a change made by another process applies here within one second (at once
// in the process that made it).
func (s *Gateway) Settings(ctx context.Context) (GatewaySettings, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return GatewaySettings{}, err
	}
	k := assetScope{c.AccountID, string(c.Mode)}
	now := time.Now()
	if v, ok := s.cache.gateway.Load(k); ok && now.Before(v.(gatewayEntry).until) {
		return v.(gatewayEntry).settings, nil
	}
	return s.reloadSettings(ctx, c)
}

// reloadSettings reads the caller's settings from the database and caches
// them.
func (s *Gateway) reloadSettings(ctx context.Context, c Caller) (GatewaySettings, error) {
	g, err := readGatewaySettings(ctx, s.pool, c)
	if err != nil {
		return GatewaySettings{}, err
	}
	s.cache.gateway.Store(assetScope{c.AccountID, string(c.Mode)}, gatewayEntry{g, time.Now().Add(gatewaySettingsTTL)})
	return g, nil
}

func readGatewaySettings(ctx context.Context, db DBTX, c Caller) (GatewaySettings, error) {
	var g GatewaySettings
	r, err := queries.GetGatewaySettings(ctx, db, dbsqlc.GetGatewaySettingsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return GatewaySettings{}, Translate(err)
	default:
		g.EventType, g.UpdatedAt = r.EventType, r.UpdatedAt
	}
	ups, err := queries.ListGatewayProviders(ctx, db, dbsqlc.ListGatewayProvidersParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return GatewaySettings{}, Translate(err)
	}
	for _, u := range ups {
		g.Upstreams = append(g.Upstreams, GatewayUpstream{Provider: u.Provider, APIKey: payments.Secret(u.ApiKey), BaseURL: u.BaseUrl, UpdatedAt: u.UpdatedAt})
	}
	costs, err := queries.ListGatewayModelCosts(ctx, db, dbsqlc.ListGatewayModelCostsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return GatewaySettings{}, Translate(err)
	}
	for _, r := range costs {
		g.Costs = append(g.Costs, ModelCost{Provider: r.Provider, Model: r.Model, Currency: r.Currency, Input: r.InputTokens,
			CachedInput: r.CachedInputTokens, CacheWrite: r.CacheWriteTokens, Output: r.OutputTokens, UpdatedAt: r.UpdatedAt})
	}
	return g, nil
}

// SetEventType sets the event type the gateway records the caller's usage
// under in its mode; setting the same one again changes nothing but the
// time. Returns EInvalid for a malformed event type.
func (s *Gateway) SetEventType(ctx context.Context, eventType string) (GatewaySettings, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return GatewaySettings{}, err
	}
	if !eventTypeRE.MatchString(eventType) {
		return GatewaySettings{}, kernel.Invalidf("event_type", "event_type %q is not valid: the event type the gateway's products price (1-100 letters, digits, '.', '_', ':', '/' or '-'), such as \"llm.tokens\"", eventType)
	}
	if err := queries.UpsertGatewaySettings(ctx, s.pool, dbsqlc.UpsertGatewaySettingsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		EventType: eventType, UpdatedAt: s.clock()}); err != nil {
		return GatewaySettings{}, Translate(err)
	}
	return s.reloadSettings(ctx, c)
}

// ConnectProviderInput is an account's own upstream for a provider.
type ConnectProviderInput struct {
	Provider string // openai or anthropic
	// APIKey is the platform's key at the provider; it comes from the
	// operator (a file or the environment), never from a tool.
	APIKey string
	// BaseURL is the provider's API, or a compatible one; empty: the
	// provider's own (DefaultGatewayBaseURL).
	BaseURL string
}

// ConnectProvider sets the caller's account's own upstream for a provider in
// its mode, replacing the one set before; the gateway sends that account's
// calls there with that key instead of the server's. Every process applies
// it within a second. Errors never hold the key. Returns EInvalid.
func (s *Gateway) ConnectProvider(ctx context.Context, in ConnectProviderInput) (GatewayUpstream, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return GatewayUpstream{}, err
	}
	if err := checkProvider(in.Provider); err != nil {
		return GatewayUpstream{}, err
	}
	key := strings.TrimSpace(in.APIKey)
	if key == "" || len(key) > 1000 || strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return GatewayUpstream{}, kernel.Invalidf("api_key", "the %s API key must be 1-1000 characters without spaces, as the provider issued it", in.Provider)
	}
	base := in.BaseURL
	if base == "" {
		base = DefaultGatewayBaseURL(in.Provider)
	}
	if base, err = CheckGatewayBaseURL(base); err != nil {
		return GatewayUpstream{}, err
	}
	u := GatewayUpstream{Provider: in.Provider, APIKey: payments.Secret(key), BaseURL: base, UpdatedAt: s.clock()}
	if err := queries.UpsertGatewayProvider(ctx, s.pool, dbsqlc.UpsertGatewayProviderParams{AccountID: c.AccountID, Mode: string(c.Mode),
		Provider: u.Provider, ApiKey: key, BaseUrl: u.BaseURL, Now: u.UpdatedAt}); err != nil {
		return GatewayUpstream{}, Translate(err)
	}
	if _, err := s.reloadSettings(ctx, c); err != nil {
		return GatewayUpstream{}, err
	}
	return u, nil
}

// DisconnectProvider removes the caller's account's own upstream for a
// provider in its mode: the server's applies again. It reports whether there
// was one. Returns EInvalid for an unknown provider.
func (s *Gateway) DisconnectProvider(ctx context.Context, provider string) (bool, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return false, err
	}
	if err := checkProvider(provider); err != nil {
		return false, err
	}
	n, err := queries.DeleteGatewayProvider(ctx, s.pool, dbsqlc.DeleteGatewayProviderParams{AccountID: c.AccountID, Mode: string(c.Mode), Provider: provider})
	if err != nil {
		return false, Translate(err)
	}
	if _, err := s.reloadSettings(ctx, c); err != nil {
		return false, err
	}
	return n > 0, nil
}

func checkProvider(p string) error {
	if _, ok := gatewayProviders[p]; !ok {
		return kernel.Invalidf("provider", "provider %q is not one the gateway speaks: openai or anthropic", p)
	}
	return nil
}

// CheckGatewayBaseURL checks a provider's base URL and returns it without a
// trailing slash: the provider key is sent there, so it must be a plain
// http(s) URL, without credentials (they would be echoed in errors), query
// or fragment. Returns EInvalid.
func CheckGatewayBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		return "", kernel.Invalidf("base_url", "the base URL must not hold a user or password")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(raw) > 1000 {
		return "", kernel.Invalidf("base_url", "the base URL must be an http(s) URL such as https://api.openai.com/v1, with no query; got %q", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// maxModelCosts bounds a cost table.
const maxModelCosts = 500

// SetModelCosts replaces the caller's table of what the providers charge per
// model in its mode (an empty table removes it). From then on each call the
// gateway records carries its cost, so profitability shows its margin.
// Returns EInvalid (a malformed row, a row repeated), ENotFound (a currency
// that is not an asset of the account).
func (s *Gateway) SetModelCosts(ctx context.Context, costs []ModelCost) (GatewaySettings, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return GatewaySettings{}, err
	}
	if err := s.checkModelCosts(ctx, c, costs); err != nil {
		return GatewaySettings{}, err
	}
	now := s.clock()
	err = WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := queries.DeleteGatewayModelCosts(ctx, tx, dbsqlc.DeleteGatewayModelCostsParams{AccountID: c.AccountID, Mode: string(c.Mode)}); err != nil {
			return err
		}
		for _, m := range costs {
			if err := queries.InsertGatewayModelCost(ctx, tx, dbsqlc.InsertGatewayModelCostParams{AccountID: c.AccountID, Mode: string(c.Mode),
				Provider: m.Provider, Model: m.Model, Currency: m.Currency, InputTokens: m.Input, CachedInputTokens: m.CachedInput,
				CacheWriteTokens: m.CacheWrite, OutputTokens: m.Output, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return GatewaySettings{}, Translate(err)
	}
	return s.reloadSettings(ctx, c)
}

func (s *Gateway) checkModelCosts(ctx context.Context, c Caller, costs []ModelCost) error {
	if len(costs) > maxModelCosts {
		return kernel.Invalidf("costs", "costs has %d rows; at most %d (use model \"*\" for a provider's other models)", len(costs), maxModelCosts)
	}
	seen := map[[2]string]bool{}
	var assets map[string]Asset
	for i, m := range costs {
		field := fmt.Sprintf("costs[%d]", i)
		if err := checkProvider(m.Provider); err != nil {
			return kernel.Invalidf(field+".provider", "%s", kernel.ErrorMessage(err))
		}
		if m.Model == "" || len(m.Model) > 200 {
			return kernel.Invalidf(field+".model", "model is the model as apps request it (1-200 characters), such as \"gpt-4o\", or \"*\" for the provider's other models")
		}
		if seen[[2]string{m.Provider, m.Model}] {
			return kernel.Invalidf(field+".model", "%s model %q has two rows; give each model one", m.Provider, m.Model)
		}
		seen[[2]string{m.Provider, m.Model}] = true
		rates := []*rating.Decimal{m.Input, m.CachedInput, m.CacheWrite, m.Output}
		known := 0
		for _, r := range rates {
			if r != nil {
				if r.IsNegative() {
					return kernel.Invalidf(field, "%s %s: a rate per million tokens is 0 or more", m.Provider, m.Model)
				}
				known++
			}
		}
		if known == 0 {
			return kernel.Invalidf(field, "%s %s has no rate: give at least input_tokens and output_tokens per million tokens", m.Provider, m.Model)
		}
		if _, ok := assets[m.Currency]; !ok {
			var err error
			if assets, err = s.assetsOf(ctx, s.pool, c, m.Currency); err != nil {
				return err
			}
			if _, ok := assets[m.Currency]; !ok {
				return kernel.NotFoundf(field+".currency", "currency %q is not an asset of this account in %s mode", m.Currency, c.Mode).With(ActCreateAsset)
			}
		}
	}
	return nil
}
