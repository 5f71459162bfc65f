package tools

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// ListProducts pages through the catalog.
func ListProducts(d Deps) Tool {
	return newTool(catalogSet, "list_products", "List products",
		"Lists products newest first; page with cursor. get_product shows versions and prices.",
		readOnly,
		func(ctx context.Context, in wire.ListProductsArgs) (wire.ListProductsResult, error) {
			p, err := d.Billing.Catalog.ListProducts(ctx, billing.ListProductsInput{IncludeArchived: in.IncludeArchived, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return wire.ListProductsResult{}, err
			}
			r := wire.ListProductsResult{Data: wire.Map(p.Items, wire.FromProduct), NextCursor: wire.Cursor(p.NextCursor), HasMore: p.HasMore}
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
func GetProduct(d Deps) Tool {
	return newTool(catalogSet, "get_product", "Get a product",
		"Reads a product with its versions, newest first, and their prices (with price ids).",
		readOnly,
		func(ctx context.Context, in wire.GetProductArgs) (wire.GetProductResult, error) {
			v, err := d.Billing.Catalog.GetProduct(ctx, in.Product)
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
func CreateProductPrice(d Deps) Tool {
	return newTool(catalogSet, "create_product_price", "Create a product with prices",
		"Creates a product (an activity your app reports as event_type) with version 1 and its prices. A plan is a recurring price plus usage prices (tollgate://docs/plans). Idempotent on code; prices are never edited (create_product_version). Confirm the prices with the user in a table, then run simulate_usage.",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateProductPriceArgs) (wire.CreateProductPriceResult, error) {
			prices, err := toPrices(in.Prices)
			if err != nil {
				return wire.CreateProductPriceResult{}, err
			}
			v, created, err := d.Billing.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: in.Code, Name: in.Name, Description: in.Description, EventType: in.EventType, Prices: prices,
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
func CreateProductVersion(d Deps) Tool {
	return newTool(catalogSet, "create_product_version", "Publish a new product version",
		"Publishes a new version of a product with its whole new price list, the default for new subscriptions; existing ones keep theirs. Not idempotent: after an unclear failure check get_product. Confirm old and new prices with the user, then run simulate_usage.",
		additive,
		func(ctx context.Context, in wire.CreateProductVersionArgs) (wire.CreateProductVersionResult, error) {
			prices, err := toPrices(in.Prices)
			if err != nil {
				return wire.CreateProductVersionResult{}, err
			}
			v, err := d.Billing.Catalog.CreateProductVersion(ctx, billing.CreateVersionInput{Product: in.Product, Prices: prices, KeepDefault: in.KeepDefault,
				Entitlements: wire.Map(in.Entitlements, wire.Entitlement.ToEntitlement)})
			if err != nil {
				return wire.CreateProductVersionResult{}, err
			}
			p, err := d.Billing.Catalog.GetProduct(ctx, v.ProductID)
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
		}).sharing("create_product_price", "prices", "entitlements")
}

// ArchiveProduct hides a product from new subscriptions.
func ArchiveProduct(d Deps) Tool {
	return newTool(catalogSet, "archive_product", "Archive a product",
		"Archives a product for good: no new subscriptions or versions; subscribed customers keep being charged. Confirm with the user first.",
		overwriting,
		func(ctx context.Context, in wire.ArchiveProductArgs) (wire.ArchiveProductResult, error) {
			p, err := d.Billing.Catalog.ArchiveProduct(ctx, in.Product)
			if err != nil {
				return wire.ArchiveProductResult{}, err
			}
			r := wire.ArchiveProductResult{Product: wire.FromProduct(p), Livemode: livemode(ctx)}
			r.Summary = fmt.Sprintf("Product %s is archived since %s; existing subscriptions keep working.", p.Code, wire.Time(*p.ArchivedAt))
			return r, nil
		})
}

// SimulateUsage prices a hypothetical event.
func SimulateUsage(d Deps) Tool {
	return newTool(catalogSet, "simulate_usage", "Simulate usage fees",
		"Prices a hypothetical event as record_usage would, charging nothing. Run it after every pricing change with typical, large and zero data.",
		readOnly,
		func(ctx context.Context, in wire.SimulateUsageArgs) (wire.SimulateUsageResult, error) {
			var prior map[string]rating.Decimal
			if in.Prior != nil {
				prior = make(map[string]rating.Decimal, len(in.Prior))
				for k, v := range in.Prior {
					prior[k] = v.Decimal
				}
			}
			s, err := d.Billing.Catalog.SimulateUsage(ctx, billing.SimulateInput{Product: in.Product, Version: in.Version, Customer: in.Customer,
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
func toPrices(in []wire.PriceFields) ([]rating.Price, error) {
	out := make([]rating.Price, len(in))
	for i, p := range in {
		if takes, ok := modelFields[rating.PriceModel(p.Model)]; ok {
			for _, f := range p.ModelFields() {
				if !slices.Contains(takes, f) {
					return nil, kernel.Invalidf(fmt.Sprintf("prices[%d].%s", i, f),
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
var modelFields = map[rating.PriceModel][]string{
	rating.PerUnit:     {"unit_amount"},
	rating.PerVolume:   {"field", "block_size", "block_amount"},
	rating.Package:     {"field", "block_size", "block_amount"},
	rating.Dimensional: {"dimensions", "rates", "field", "block_size"},
	rating.Tiered:      {"tier_mode", "tiers", "field"},
	rating.CostPlus:    {"vendor", "markup_percent", "markup_fixed"},
	rating.Recurring:   {"interval", "amount"},
}

// totals sums fees per asset and remembers each asset's precision.
type totals struct {
	sum    map[string]rating.Decimal
	places map[string]int32
}

func feeTotals(fees []billing.Fee) totals {
	t := totals{sum: map[string]rating.Decimal{}, places: map[string]int32{}}
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
		parts[i] = rating.Display(t.sum[k], t.places[k]) + " " + k
	}
	return strings.Join(parts, " and ")
}
