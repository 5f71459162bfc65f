package wire

// GetProfitabilityArgs asks for revenue, cost and margin over a period,
// grouped, filtered, sorted and paged.
type GetProfitabilityArgs struct {
	From       *DateArg          `json:"from,omitempty" jsonschema_description:"First day, included: a date such as 2026-11-01 (UTC; days are whole); default 30 days before to" jsonschema:"example=2026-11-01"`
	To         *DateArg          `json:"to,omitempty" jsonschema_description:"Day after the last, excluded: 2026-12-01 covers November; default tomorrow, so today is included" jsonschema:"example=2026-12-01"`
	GroupBy    []string          `json:"group_by,omitempty" jsonschema_description:"Up to 4 keys: customer, product, version, event_type, dimension:<data key> (such as dimension:model; result dimensions lists the keys), and one of day, week, month. Default: one row, the total" jsonschema:"maxItems=4"`
	Customer   string            `json:"customer,omitempty" jsonschema_description:"Only this customer's (id or external_id)" jsonschema:"example=user_123"`
	Product    string            `json:"product,omitempty" jsonschema_description:"Only this product's fees: its code or id" jsonschema:"example=image-generation"`
	EventType  string            `json:"event_type,omitempty" jsonschema_description:"Only this event_type" jsonschema:"example=image.generated"`
	Dimensions map[string]string `json:"dimensions,omitempty" jsonschema_description:"Only events whose data has these dimension values, such as {\"model\": \"gpt-4o\"}; \"\" matches events without the key"`
	Sort       string            `json:"sort,omitempty" jsonschema_description:"Order rows by revenue (default), billed, cost, margin, margin_pct or events; rows without a margin % come last" jsonschema:"enum=revenue,enum=billed,enum=cost,enum=margin,enum=margin_pct,enum=events,example=margin"`
	Order      string            `json:"order,omitempty" jsonschema_description:"desc (default: largest first) or asc (e.g. with sort margin, the least profitable first)" jsonschema:"enum=desc,enum=asc,example=asc"`
	Limit      int               `json:"limit,omitempty" jsonschema_description:"Rows per page, 1-1000; default 50" jsonschema:"minimum=1,maximum=1000,example=50"`
	Cursor     string            `json:"cursor,omitempty" jsonschema_description:"next_cursor from the previous page of the same query; omit for the first page" jsonschema:"example=pc_eyJxIjoiYTEifQ"`
}

// GetProfitabilityResult is a page of groups with the query's totals.
type GetProfitabilityResult struct {
	ProfitabilityReport
	Guidance
}

// SimulateRepricingArgs applies a published version, or draft prices, to the
// product's real events of a period.
type SimulateRepricingArgs struct {
	Product    string            `json:"product" jsonschema_description:"The product to reprice: its code or id (prod_…)" jsonschema:"example=image-generation"`
	Version    int               `json:"version,omitempty" jsonschema_description:"A published version to apply (get_product lists them); send this or prices" jsonschema:"minimum=1,example=2"`
	Prices     []PriceFields     `json:"prices,omitempty" jsonschema_description:"Draft prices to try, the whole price list as create_product_version would take it; send this or version"`
	From       *DateArg          `json:"from,omitempty" jsonschema_description:"Start of the period, included: a date such as 2026-11-01 (midnight UTC) or an RFC 3339 date-time; default 30 days before to" jsonschema:"example=2026-11-01"`
	To         *DateArg          `json:"to,omitempty" jsonschema_description:"End of the period, excluded; default tomorrow (UTC), so today is included" jsonschema:"example=2026-12-01"`
	GroupBy    []string          `json:"group_by,omitempty" jsonschema_description:"Up to 4 keys: customer, version (the version that actually priced the event), event_type, dimension:<data key>, and one of day, week, month. Default: one row, the total" jsonschema:"maxItems=4"`
	Customer   string            `json:"customer,omitempty" jsonschema_description:"Only this customer's (id or external_id)" jsonschema:"example=user_123"`
	Dimensions map[string]string `json:"dimensions,omitempty" jsonschema_description:"Only events whose data has these values, such as {\"model\": \"gpt-4o\"}"`
	Limit      int               `json:"limit,omitempty" jsonschema_description:"Rows per page, 1-1000; default 50" jsonschema:"minimum=1,maximum=1000,example=50"`
	Cursor     string            `json:"cursor,omitempty" jsonschema_description:"next_cursor from the previous page of the same call; omit for the first page" jsonschema:"example=pc_eyJxIjoiYTEifQ"`
}

// SimulateRepricingResult compares actual and proposed revenue and margin.
type SimulateRepricingResult struct {
	RepricingReport
	Guidance
}

// SetProfitabilityDimensionsArgs replaces the account's own dimension keys.
type SetProfitabilityDimensionsArgs = SetProfitabilityDimensionsRequest

// SetProfitabilityDimensionsResult is the full set of dimension keys.
type SetProfitabilityDimensionsResult struct {
	ProfitabilityDimensions
	Guidance
}
