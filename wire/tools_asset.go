package wire

// ListAssetsArgs takes no arguments.
type ListAssetsArgs struct{}

// AssetWithRates is an asset with its exchange rates.
type AssetWithRates struct {
	Asset
	Rates []AssetRate `json:"rates" jsonschema_description:"Exchange rates of a custom asset, newest first; empty for currencies"`
}

// ListAssetsResult lists every asset of the account and mode.
type ListAssetsResult struct {
	Assets []AssetWithRates `json:"assets" jsonschema_description:"Currencies first, then custom assets"`
	Guidance
}

// CreateAssetResult is the asset created, or the identical one that existed.
type CreateAssetResult struct {
	Asset    Asset `json:"asset" jsonschema_description:"The asset"`
	Created  bool  `json:"created" jsonschema_description:"false when an identical asset already existed; nothing changed" jsonschema:"example=true"`
	Livemode bool  `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// AddAssetRateArgs are add_asset_rate's arguments: the asset and its rate.
type AddAssetRateArgs struct {
	Asset string `json:"asset" jsonschema_description:"Custom asset code" jsonschema:"example=credits"`
	AddAssetRateRequest
}

// AddAssetRateResult is the rate recorded.
type AddAssetRateResult struct {
	Rate     AssetRate `json:"rate" jsonschema_description:"The rate"`
	Livemode bool      `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// QuoteAssetArgs asks what an amount is worth on the other side of a rate.
type QuoteAssetArgs struct {
	Asset          string   `json:"asset" jsonschema_description:"Custom asset code" jsonschema:"example=credits"`
	Currency       string   `json:"currency,omitempty" jsonschema_description:"Currency; default the latest rate's" jsonschema:"example=USD"`
	AssetAmount    *Decimal `json:"asset_amount,omitempty" jsonschema_description:"Units to price (or currency_amount)" jsonschema:"example=250"`
	CurrencyAmount *Decimal `json:"currency_amount,omitempty" jsonschema_description:"Money to convert (or asset_amount)" jsonschema:"example=10.00"`
	At             *TimeArg `json:"at,omitempty" jsonschema_description:"Rate at this time; default now" jsonschema:"example=2026-11-15T00:00:00Z"`
}

// QuoteAssetResult is the conversion.
type QuoteAssetResult struct {
	Quote Quote `json:"quote" jsonschema_description:"Both amounts at the rate in force; the computed side is exact (a quotient rounded once, at the 18th decimal place)"`
	Guidance
}
