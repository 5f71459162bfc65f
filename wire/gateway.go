package wire

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
	Livemode        bool              `json:"livemode" jsonschema:"description=true for live data, false for test data"`
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
	EventType string `json:"event_type" jsonschema_description:"The event type of the gateway's holds and recorded usage in this mode: the one your per-token product prices (1-100 letters, digits, '.', '_', ':', '/' or '-')" jsonschema:"example=llm.tokens"`
}

// GatewayResult is get_gateway's and configure_gateway's answer.
type GatewayResult struct {
	Gateway
	Guidance
}
