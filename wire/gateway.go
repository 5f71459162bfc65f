package wire

import "github.com/tollgatehq/tollgate/billing"

// Gateway is what the metering gateway serves for the caller's account and
// mode: its providers (their keys only redacted), the base URLs an app sets,
// the event type it records and the product shape that prices it.
type Gateway struct {
	// Served is false where this process does not serve the gateway (MCP
	// over stdio): then only the account's event type is known.
	Served          bool              `json:"served" jsonschema:"description=true when this server serves the gateway; false over stdio, where only the account's event type is known,example=true"`
	Providers       []GatewayProvider `json:"providers" jsonschema:"description=Each provider the gateway speaks, configured or not"`
	EventType       string            `json:"event_type" jsonschema:"description=The event type of the gateway's holds and recorded usage for this account and mode,example=llm.tokens"`
	EventTypeSource string            `json:"event_type_source" jsonschema:"description=account: set with configure_gateway; server: the server's default,enum=account,enum=server,example=server"`
	ProductShape    *GatewayProduct   `json:"product_shape,omitempty" jsonschema:"description=The product the gateway's usage needs to be priced"`
	Costs           []GatewayCost     `json:"costs" jsonschema:"description=What each provider charges per million tokens of a model (configure_gateway's costs): each recorded call carries its cost, so profitability shows the gateway's margin; empty: calls carry no cost"`
	Livemode        bool              `json:"livemode" jsonschema:"description=true for live data, false for test data"`
}

// GatewayCost is one row of the gateway's cost table: what a provider
// charges the platform per million tokens of a model.
type GatewayCost struct {
	Provider          string   `json:"provider" jsonschema_description:"The provider that charges these rates" jsonschema:"enum=openai,enum=anthropic,example=openai"`
	Model             string   `json:"model" jsonschema_description:"The model as apps request it, or * for the provider's models without a row of their own" jsonschema:"example=gpt-4o"`
	Currency          string   `json:"currency" jsonschema_description:"An asset of the account the rates are in; profitability converts it to the reporting currency" jsonschema:"example=USD"`
	InputTokens       *Decimal `json:"input_tokens,omitempty" jsonschema_description:"Per million uncached input tokens" jsonschema:"example=2.50"`
	CachedInputTokens *Decimal `json:"cached_input_tokens,omitempty" jsonschema_description:"Per million input tokens read from the prompt cache; absent: unknown (a call that reads the cache then has no cost)" jsonschema:"example=1.25"`
	CacheWriteTokens  *Decimal `json:"cache_write_tokens,omitempty" jsonschema_description:"Per million tokens written to the prompt cache (Anthropic)" jsonschema:"example=3.75"`
	OutputTokens      *Decimal `json:"output_tokens,omitempty" jsonschema_description:"Per million output tokens, reasoning included" jsonschema:"example=10.00"`
}

// FromModelCost maps a cost table row.
func FromModelCost(m billing.ModelCost) GatewayCost {
	return GatewayCost{Provider: m.Provider, Model: m.Model, Currency: m.Currency, InputTokens: DP(m.Input), CachedInputTokens: DP(m.CachedInput),
		CacheWriteTokens: DP(m.CacheWrite), OutputTokens: DP(m.Output)}
}

// ToModelCost maps a cost table row to the domain.
func (c GatewayCost) ToModelCost() billing.ModelCost {
	return billing.ModelCost{Provider: c.Provider, Model: c.Model, Currency: c.Currency, Input: c.InputTokens.Ptr(), CachedInput: c.CachedInputTokens.Ptr(),
		CacheWrite: c.CacheWriteTokens.Ptr(), Output: c.OutputTokens.Ptr()}
}

// GatewayProvider is one provider's side of the gateway.
type GatewayProvider struct {
	Provider    string   `json:"provider" jsonschema:"description=The provider whose API the routes speak,enum=openai,enum=anthropic,example=openai"`
	Configured  bool     `json:"configured" jsonschema:"description=The account (in this mode) or the server has this provider's key; false: its routes answer 404 until the operator runs tollgate gateway connect or sets TOLLGATE_<PROVIDER>_API_KEY,example=true"`
	Source      string   `json:"source,omitempty" jsonschema:"description=Whose key and upstream the calls use: account (set with tollgate gateway connect for this account and mode) or server (the server's environment); absent when not configured,enum=account,enum=server,example=account"`
	BaseURL     string   `json:"base_url" jsonschema:"description=What an app sets as its SDK's base URL; a path alone when the server has no public URL,example=https://billing.example.com/gateway/openai/v1"`
	Routes      []string `json:"routes" jsonschema:"description=The calls served,example=POST /gateway/openai/v1/chat/completions"`
	UpstreamURL string   `json:"upstream_url,omitempty" jsonschema:"description=The provider API the calls go to,example=https://api.openai.com/v1"`
	Key         string   `json:"key,omitempty" jsonschema:"description=The provider key redacted to its last 4 characters; never the key,example=…abcd"`
}

// GatewayProduct is the product shape the gateway's usage is priced by.
type GatewayProduct struct {
	EventType    string   `json:"event_type" jsonschema:"description=The product's event type,example=llm.tokens"`
	PricedFields []string `json:"priced_fields" jsonschema:"description=Token fields of the usage data, each priced by a dimensional price,example=input_tokens"`
	Dimension    string   `json:"dimension" jsonschema:"description=The data field each price is dimensioned by,example=model"`
	BlockSize    string   `json:"block_size" jsonschema:"description=A suggested block size: a price per million tokens,example=1000000"`
}

// GetGatewayArgs takes no arguments.
type GetGatewayArgs struct{}

// ConfigureGatewayArgs set the gateway for the caller's account and mode.
type ConfigureGatewayArgs struct {
	EventType string         `json:"event_type,omitempty" jsonschema_description:"The event type of the gateway's holds and recorded usage in this mode: the one your per-token product prices (1-100 letters, digits, '.', '_', ':', '/' or '-'); absent: unchanged" jsonschema:"example=llm.tokens"`
	Costs     *[]GatewayCost `json:"costs,omitempty" jsonschema_description:"The whole cost table, replacing the one before ([] removes it; absent: unchanged): what each provider charges per million tokens of a model, at most 500 rows" jsonschema:"maxItems=500"`
}

// GatewayResult is get_gateway's and configure_gateway's answer.
type GatewayResult struct {
	Gateway
	Guidance
}
