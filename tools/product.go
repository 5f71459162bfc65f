package tools

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// ListProducts pages through the catalog.
func ListProducts(svc *billing.Service) Tool {
	return newTool("list_products", "List products",
		"Lists products newest first (code, event_type, default version), a page at a time (limit, default 20; pass next_cursor as cursor). "+
			"Archived products only with include_archived. get_product shows a product's versions and prices.",
		readOnly,
		func(ctx context.Context, in wire.ListProductsArgs) (wire.ListProductsResult, error) {
			p, err := svc.ListProducts(ctx, billing.ListProductsInput{IncludeArchived: in.IncludeArchived, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return wire.ListProductsResult{}, err
			}
			r := wire.ListProductsResult{Items: wire.Map(p.Items, wire.FromProduct), NextCursor: p.NextCursor, HasMore: p.HasMore}
			codes := make([]string, len(p.Items))
			for i, x := range p.Items {
				codes[i] = x.Code
			}
			r.Summary = fmt.Sprintf("%s on this page", plural(len(p.Items), "product"))
			if len(codes) > 0 {
				r.Summary += ": " + strings.Join(codes, ", ")
			}
			r.Summary += "."
			if p.HasMore {
				r.Summary += " More follow: call again with cursor set to next_cursor."
			}
			if len(p.Items) == 0 && in.Cursor == "" {
				r.NextSteps = []string{"create_product_price to create the first product with its prices"}
			}
			return r, nil
		})
}

// GetProduct reads a product with its versions and prices.
func GetProduct(svc *billing.Service) Tool {
	return newTool("get_product", "Get a product",
		"Reads one product by code or id with every version, newest first, and each version's prices (with price ids). "+
			"Read it before create_product_version or subscribe_customer; list_products finds codes.",
		readOnly,
		func(ctx context.Context, in wire.GetProductArgs) (wire.GetProductResult, error) {
			v, err := svc.GetProduct(ctx, in.Product)
			if err != nil {
				return wire.GetProductResult{}, err
			}
			r := wire.GetProductResult{Product: wire.FromProductView(v)}
			r.Summary = fmt.Sprintf("Product %s (event_type %s) has %s; new subscriptions get version %d.",
				v.Code, v.EventType, plural(len(v.Versions), "version"), v.DefaultVersion)
			if v.ArchivedAt != nil {
				r.Summary += fmt.Sprintf(" It was archived at %s and takes no new subscriptions.", wire.Time(*v.ArchivedAt))
			} else {
				r.NextSteps = []string{fmt.Sprintf("simulate_usage with product %q to see what an event costs", v.Code)}
			}
			return r, nil
		})
}

// CreateProductPrice creates a product with its first published version.
func CreateProductPrice(svc *billing.Service) Tool {
	return newTool("create_product_price", "Create a product with prices",
		"Creates a product (priced activity your app reports as event_type) with version 1 and its prices: per_unit, per_volume, package, "+
			"dimensional, tiered (graduated or volume), cost_plus or recurring; each price's model says which fields it takes. "+
			"A plan (\"$20 a month, 1,000 credits included, then $0.01 per credit\") is a recurring price (20.00 USD per month), a usage price (per_unit 0.01 USD) "+
			"and a recurring entitlement as its allowance (10.00 USD per month); subscribe_customer then charges and renews it. "+
			"Idempotent on code: the same definition returns the existing product (created: false); another is refused, as prices are never edited "+
			"(use create_product_version). Check list_assets (and list_vendors for cost_plus) first, confirm the prices with the user in a table, "+
			"then run simulate_usage.",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateProductPriceArgs) (wire.CreateProductPriceResult, error) {
			prices, err := toPrices(in.Prices)
			if err != nil {
				return wire.CreateProductPriceResult{}, err
			}
			v, created, err := svc.CreateProduct(ctx, billing.CreateProductInput{Code: in.Code, Name: in.Name, Description: in.Description, EventType: in.EventType, Prices: prices,
				Entitlements: wire.Map(in.Entitlements, wire.Entitlement.ToEntitlement)})
			if err != nil {
				return wire.CreateProductPriceResult{}, err
			}
			r := wire.CreateProductPriceResult{Product: wire.FromProductView(v), Created: created, Livemode: livemode(ctx)}
			if created {
				r.Summary = fmt.Sprintf("Created product %s (event_type %s) with version 1 and %s.", v.Code, v.EventType, plural(len(prices), "price"))
			} else {
				r.Summary = fmt.Sprintf("Product %s already exists with this definition; nothing changed.", v.Code)
			}
			r.NextSteps = []string{
				fmt.Sprintf("simulate_usage with product %q and typical, large and zero data to check the fees", v.Code),
				fmt.Sprintf("subscribe_customer, or create_customer with subscriptions, to put customers on %s (a customer's first event subscribes it when one product has the event_type)", v.Code),
			}
			return r, nil
		})
}

// CreateProductVersion publishes a new version of a product's prices.
func CreateProductVersion(svc *billing.Service) Tool {
	return newTool("create_product_version", "Publish a new product version",
		"Publishes a new immutable version of a product with a complete new price list: prices are never edited. "+
			"It becomes the default for new subscriptions unless keep_default is true; existing subscriptions and recorded events keep their version "+
			"(move customers with subscribe_customer). Not idempotent: every call publishes another version, so after an unclear failure check get_product "+
			"before retrying. Show the user the old and new prices in a table and get a yes; then run simulate_usage.",
		additive,
		func(ctx context.Context, in wire.CreateProductVersionArgs) (wire.CreateProductVersionResult, error) {
			prices, err := toPrices(in.Prices)
			if err != nil {
				return wire.CreateProductVersionResult{}, err
			}
			v, err := svc.CreateProductVersion(ctx, billing.CreateVersionInput{Product: in.Product, Prices: prices, KeepDefault: in.KeepDefault,
				Entitlements: wire.Map(in.Entitlements, wire.Entitlement.ToEntitlement)})
			if err != nil {
				return wire.CreateProductVersionResult{}, err
			}
			p, err := svc.GetProduct(ctx, v.ProductID)
			if err != nil {
				return wire.CreateProductVersionResult{}, err
			}
			r := wire.CreateProductVersionResult{Version: wire.FromProductVersion(v), ProductCode: p.Code, DefaultVersion: p.DefaultVersion, Livemode: livemode(ctx)}
			r.Summary = fmt.Sprintf("Published version %d of %s with %s; new subscriptions get version %d.", v.Version, p.Code, plural(len(v.Prices), "price"), p.DefaultVersion)
			r.NextSteps = []string{
				fmt.Sprintf("simulate_usage with product %q and version %d to check the new fees", p.Code, v.Version),
				fmt.Sprintf("subscribe_customer with version %d to move existing customers (they stay on their version until then)", v.Version),
			}
			return r, nil
		})
}

// ArchiveProduct hides a product from new subscriptions.
func ArchiveProduct(svc *billing.Service) Tool {
	return newTool("archive_product", "Archive a product",
		"Archives a product: it takes no new subscriptions and no new versions, and cannot be unarchived; customers already subscribed keep being charged. "+
			"Archiving an archived product changes nothing. Confirm with the user before calling.",
		overwriting,
		func(ctx context.Context, in wire.ArchiveProductArgs) (wire.ArchiveProductResult, error) {
			p, err := svc.ArchiveProduct(ctx, in.Product)
			if err != nil {
				return wire.ArchiveProductResult{}, err
			}
			r := wire.ArchiveProductResult{Product: wire.FromProduct(p), Livemode: livemode(ctx)}
			r.Summary = fmt.Sprintf("Product %s is archived since %s; existing subscriptions keep working.", p.Code, wire.Time(*p.ArchivedAt))
			return r, nil
		})
}

// SimulateUsage prices a hypothetical event.
func SimulateUsage(svc *billing.Service) Tool {
	return newTool("simulate_usage", "Simulate usage fees",
		"Prices a hypothetical event against a product version (default its default version) and returns each fee with its breakdown and the totals "+
			"per asset, exactly as record_usage would charge; records and charges nothing. Pass customer (or prior) to price tiers from usage so far this month. "+
			"Run it after every pricing change with typical, large and zero data.",
		readOnly,
		func(ctx context.Context, in wire.SimulateUsageArgs) (wire.SimulateUsageResult, error) {
			var prior map[string]billing.Decimal
			if in.Prior != nil {
				prior = make(map[string]billing.Decimal, len(in.Prior))
				for k, v := range in.Prior {
					prior[k] = v.Decimal
				}
			}
			s, err := svc.SimulateUsage(ctx, billing.SimulateInput{Product: in.Product, Version: in.Version, Customer: in.Customer,
				Data: in.Data, Costs: wire.ToCosts(in.Costs), Prior: prior})
			if err != nil {
				return wire.SimulateUsageResult{}, err
			}
			w := wire.FromSimulation(s)
			r := wire.SimulateUsageResult{ProductID: w.ProductID, ProductCode: w.ProductCode, Version: w.Version, Fees: w.Fees, Totals: w.Totals}
			r.Summary = fmt.Sprintf("An event of %s (version %d) would be charged %s.", s.ProductCode, s.Version, feeTotals(s.Fees).text())
			return r, nil
		})
}

// toPrices maps price arguments to domain prices, refusing fields the price's
// model does not read: the service ignores them, and an agent that sent one
// meant something the price will not do.
func toPrices(in []wire.PriceFields) ([]billing.Price, error) {
	out := make([]billing.Price, len(in))
	for i, p := range in {
		if takes, ok := modelFields[billing.PriceModel(p.Model)]; ok {
			for _, f := range p.ModelFields() {
				if !slices.Contains(takes, f) {
					return nil, billing.Invalidf(fmt.Sprintf("prices[%d].%s", i, f),
						"prices[%d].%s does not apply to a %s price, which takes %s (besides model, asset and name); remove it or choose another model",
						i, f, p.Model, strings.Join(takes, ", "))
				}
			}
		}
		out[i] = p.ToPrice()
	}
	return out, nil
}

// modelFields lists the fields each price model reads.
var modelFields = map[billing.PriceModel][]string{
	billing.PerUnit:     {"unit_amount"},
	billing.PerVolume:   {"field", "block_size", "block_amount"},
	billing.Package:     {"field", "block_size", "block_amount"},
	billing.Dimensional: {"dimensions", "rates", "field", "block_size"},
	billing.Tiered:      {"tier_mode", "tiers", "field"},
	billing.CostPlus:    {"vendor", "markup_percent", "markup_fixed"},
	billing.Recurring:   {"interval", "amount"},
}

// totals sums fees per asset and remembers each asset's precision.
type totals struct {
	sum    map[string]billing.Decimal
	places map[string]int32
}

func feeTotals(fees []billing.Fee) totals {
	t := totals{sum: map[string]billing.Decimal{}, places: map[string]int32{}}
	for _, f := range fees {
		t.add(f)
	}
	return t
}

func (t totals) add(f billing.Fee) {
	t.sum[f.Asset] = t.sum[f.Asset].Add(f.Amount)
	t.places[f.Asset] = f.Precision
}

// wire returns the exact totals for a result.
func (t totals) wire() map[string]wire.Decimal {
	out := make(map[string]wire.Decimal, len(t.sum))
	for k, v := range t.sum {
		out[k] = wire.A(v, t.places[k])
	}
	return out
}

// text writes the totals for a summary, such as "0.04 USD and 2 credits".
func (t totals) text() string {
	if len(t.sum) == 0 {
		return "nothing"
	}
	codes := make([]string, 0, len(t.sum))
	for k := range t.sum {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, k := range codes {
		parts[i] = billing.Display(t.sum[k], t.places[k]) + " " + k
	}
	return strings.Join(parts, " and ")
}
