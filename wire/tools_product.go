package wire

import "github.com/tollgatehq/tollgate/rating"

// PriceFields is one price as a client sends it and as Tollgate shows it
// (Price adds its id), the one shape for MCP and REST: model picks the
// pricing model and says which of the other fields apply (each field's
// description names its models). The billing service validates the rest and
// names the field at fault, such as prices[0].tiers[1].up_to.
type PriceFields struct {
	Model         string          `json:"model" jsonschema_description:"Fields per model: per_unit unit_amount; per_volume, package field+block_size+block_amount; dimensional dimensions+rates; tiered tier_mode+tiers; cost_plus markup_*, vendor; recurring (plan fee) interval+amount. See tollgate://docs/pricing-models" jsonschema:"enum=per_unit,enum=per_volume,enum=package,enum=dimensional,enum=tiered,enum=cost_plus,enum=recurring,example=per_unit"`
	Asset         string          `json:"asset" jsonschema_description:"Asset code charged: USD or a custom unit (list_assets)" jsonschema:"example=credits"`
	Name          string          `json:"name,omitempty" jsonschema_description:"Label in fee breakdowns" jsonschema:"example=Images"`
	UnitAmount    *Decimal        `json:"unit_amount,omitempty" jsonschema_description:"per_unit: fee per event" jsonschema:"example=0.04"`
	Field         string          `json:"field,omitempty" jsonschema_description:"Event data field holding the quantity" jsonschema:"example=total_tokens"`
	BlockSize     *Decimal        `json:"block_size,omitempty" jsonschema_description:"Units per block (1000000: per million)" jsonschema:"example=1000000"`
	BlockAmount   *Decimal        `json:"block_amount,omitempty" jsonschema_description:"Fee per block" jsonschema:"example=1.25"`
	Dimensions    []string        `json:"dimensions,omitempty" jsonschema_description:"Event data keys that select a rate"`
	Rates         []DimensionRate `json:"rates,omitempty" jsonschema_description:"One rate per combination of values; most specific wins"`
	TierMode      string          `json:"tier_mode,omitempty" jsonschema_description:"tiered: graduated or volume" jsonschema:"enum=graduated,enum=volume,example=graduated"`
	Tiers         []Tier          `json:"tiers,omitempty" jsonschema_description:"Ascending by up_to; the last has none"`
	Vendor        string          `json:"vendor,omitempty" jsonschema_description:"Vendor whose costs are marked up; default all" jsonschema:"example=openai"`
	MarkupPercent *Decimal        `json:"markup_percent,omitempty" jsonschema_description:"Percent added to the cost" jsonschema:"example=20"`
	MarkupFixed   *Decimal        `json:"markup_fixed,omitempty" jsonschema_description:"Fixed amount added per event" jsonschema:"example=0.001"`
	Interval      string          `json:"interval,omitempty" jsonschema_description:"Period length" jsonschema:"enum=day,enum=week,enum=month,enum=year,example=month"`
	Amount        *Decimal        `json:"amount,omitempty" jsonschema_description:"recurring: fee per interval" jsonschema:"example=20.00"`
}

// ToPrice maps the fields to a domain price; absent amounts are zero.
func (p PriceFields) ToPrice() rating.Price {
	out := rating.Price{Name: p.Name, Model: rating.PriceModel(p.Model), Asset: p.Asset,
		UnitAmount: val(p.UnitAmount), Field: p.Field, BlockSize: val(p.BlockSize), BlockAmount: val(p.BlockAmount),
		Dimensions: p.Dimensions, TierMode: p.TierMode, Vendor: p.Vendor, MarkupPercent: val(p.MarkupPercent),
		MarkupFixed: val(p.MarkupFixed), Interval: p.Interval, Amount: val(p.Amount)}
	for _, r := range p.Rates {
		out.Rates = append(out.Rates, rating.DimensionRate{Values: r.Values, Amount: r.Amount.Decimal})
	}
	for _, t := range p.Tiers {
		out.Tiers = append(out.Tiers, rating.Tier{UpTo: ptr(t.UpTo), UnitAmount: t.UnitAmount.Decimal, FlatAmount: val(t.FlatAmount)})
	}
	return out
}

// ModelFields returns the model-specific fields that are set, by JSON name.
func (p PriceFields) ModelFields() []string {
	var out []string
	add := func(name string, set bool) {
		if set {
			out = append(out, name)
		}
	}
	add("unit_amount", p.UnitAmount != nil)
	add("field", p.Field != "")
	add("block_size", p.BlockSize != nil)
	add("block_amount", p.BlockAmount != nil)
	add("dimensions", p.Dimensions != nil)
	add("rates", p.Rates != nil)
	add("tier_mode", p.TierMode != "")
	add("tiers", p.Tiers != nil)
	add("vendor", p.Vendor != "")
	add("markup_percent", p.MarkupPercent != nil)
	add("markup_fixed", p.MarkupFixed != nil)
	add("interval", p.Interval != "")
	add("amount", p.Amount != nil)
	return out
}

// ListProductsArgs pages through the catalog.
type ListProductsArgs struct {
	IncludeArchived bool   `json:"include_archived,omitempty" jsonschema_description:"Include archived products" jsonschema:"example=false"`
	Limit           int    `json:"limit,omitempty" jsonschema_description:"Page size, 1-100; default 20" jsonschema:"minimum=1,maximum=100,example=20"`
	Cursor          string `json:"cursor,omitempty" jsonschema_description:"next_cursor of the previous page" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// ListProductsResult is one page of products, without their versions.
type ListProductsResult struct {
	Data       []Product `json:"data" jsonschema_description:"Products, newest first, without versions (get_product shows them)"`
	NextCursor *string   `json:"next_cursor" jsonschema_description:"Pass as cursor for the next page; null on the last page" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	HasMore    bool      `json:"has_more" jsonschema_description:"true when another page follows" jsonschema:"example=false"`
	Guidance
}

// ProductArg names a product.
type ProductArg struct {
	Product string `json:"product" jsonschema_description:"Product code or id (prod_…)" jsonschema:"example=image-generation"`
}

// GetProductArgs names the product to read.
type GetProductArgs = ProductArg

// GetProductResult is a product with every version and its prices.
type GetProductResult struct {
	Product Product `json:"product" jsonschema_description:"The product with its versions, newest first, each with its prices (price ids included)"`
	Guidance
}

// CreateProductPriceArgs is a product with the prices of its first version.
type CreateProductPriceArgs struct {
	Code        string        `json:"code" jsonschema_description:"Product code: 1-64 of a-z 0-9 . _ -" jsonschema:"example=image-generation"`
	Name        string        `json:"name,omitempty" jsonschema_description:"Display name; defaults to the code" jsonschema:"example=Image generation"`
	Description string        `json:"description,omitempty" jsonschema_description:"What the customer pays for" jsonschema:"example=AI images from text prompts"`
	EventType   string        `json:"event_type" jsonschema_description:"Activity name your usage events carry" jsonschema:"example=image.generated"`
	Prices      []PriceFields `json:"prices" jsonschema_description:"1-50 prices; each event is charged by all"`
	// Entitlements make a plan's allowance.
	Entitlements []Entitlement `json:"entitlements,omitempty" jsonschema_description:"Grants; with a recurring price, a recurring one is the plan's allowance per period"`
}

// CreateProductPriceResult is the product created, or the identical one that existed.
type CreateProductPriceResult struct {
	Product  Product `json:"product" jsonschema_description:"The product with its versions (version 1 when just created)"`
	Created  bool    `json:"created" jsonschema_description:"false when an identical product already existed; nothing changed" jsonschema:"example=true"`
	Livemode bool    `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// CreateProductVersionArgs publishes new prices for a product.
type CreateProductVersionArgs struct {
	Product string        `json:"product" jsonschema_description:"Product code or id (prod_…)" jsonschema:"example=image-generation"`
	Prices  []PriceFields `json:"prices" jsonschema_description:"1-50 prices: the whole new list"`
	// Entitlements are the new version's whole list too.
	Entitlements []Entitlement `json:"entitlements,omitempty" jsonschema_description:"Grants (the whole list); a recurring one is a plan's allowance"`
	KeepDefault  bool          `json:"keep_default,omitempty" jsonschema_description:"Keep the current default version for new subscriptions" jsonschema:"example=false"`
}

// CreateProductVersionResult is the version published.
type CreateProductVersionResult struct {
	Version        ProductVersion `json:"version" jsonschema_description:"The new version with its prices"`
	ProductCode    string         `json:"product_code" jsonschema_description:"The product's code" jsonschema:"example=image-generation"`
	DefaultVersion int            `json:"default_version" jsonschema_description:"The version new subscriptions now get" jsonschema:"example=2"`
	Livemode       bool           `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// ArchiveProductArgs names the product to archive.
type ArchiveProductArgs = ProductArg

// ArchiveProductResult is the archived product.
type ArchiveProductResult struct {
	Product  Product `json:"product" jsonschema_description:"The product, with archived_at set"`
	Livemode bool    `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// SimulateUsageArgs prices a hypothetical event.
type SimulateUsageArgs struct {
	Product  string             `json:"product" jsonschema_description:"Product code or id (prod_…)" jsonschema:"example=image-generation"`
	Version  int                `json:"version,omitempty" jsonschema_description:"Version; default: the product's default" jsonschema:"minimum=1,example=1"`
	Data     map[string]any     `json:"data,omitempty" jsonschema_description:"Event data as record_usage sends it, such as {\"total_tokens\": 1500}"`
	Costs    []Cost             `json:"costs,omitempty" jsonschema_description:"Vendor costs (for cost_plus)"`
	Customer string             `json:"customer,omitempty" jsonschema_description:"Tier from this customer's usage this month" jsonschema:"example=user_123"`
	Prior    map[string]Decimal `json:"prior,omitempty" jsonschema_description:"Prior usage per tiered price id; overrides customer"`
}

// SimulateUsageResult is what a real event would be charged; nothing is recorded.
type SimulateUsageResult struct {
	ProductID   string             `json:"product_id" jsonschema_description:"The product" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductCode string             `json:"product_code" jsonschema_description:"Its code" jsonschema:"example=image-generation"`
	Version     int                `json:"version" jsonschema_description:"The version priced" jsonschema:"example=1"`
	Fees        []Fee              `json:"fees" jsonschema_description:"One fee per price that charged, with its breakdown"`
	Totals      map[string]Decimal `json:"totals" jsonschema_description:"Total per asset code, such as {\"USD\": \"0.04\"}"`
	Guidance
}

// CreateVendorResult is the vendor created, or the one that existed.
type CreateVendorResult struct {
	Vendor   Vendor `json:"vendor" jsonschema_description:"The vendor"`
	Created  bool   `json:"created" jsonschema_description:"false when the vendor already existed; nothing changed" jsonschema:"example=true"`
	Livemode bool   `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// ListVendorsArgs takes no arguments.
type ListVendorsArgs struct{}

// ListVendorsResult lists every vendor.
type ListVendorsResult struct {
	Vendors []Vendor `json:"vendors" jsonschema_description:"Vendors by code"`
	Guidance
}

// SubscribeCustomerArgs subscribes a customer to a product version.
type SubscribeCustomerArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	SubscribeRequest
}

// SubscribeCustomerResult is the subscription in force.
type SubscribeCustomerResult struct {
	Subscription    Subscription `json:"subscription" jsonschema_description:"The subscription in force"`
	Existed         bool         `json:"existed" jsonschema_description:"true when the customer was already on this version; nothing changed" jsonschema:"example=false"`
	PreviousVersion int          `json:"previous_version" jsonschema_description:"The version the customer was on until now; 0 when not subscribed before or when nothing changed" jsonschema:"example=0"`
	Livemode        bool         `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}
