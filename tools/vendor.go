package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/wire"
)

// ListVendors lists the cost providers.
func ListVendors(d Deps) Tool {
	return newTool(catalogSet, "list_vendors", "List vendors",
		"Lists the vendors (cost providers such as openai) usage costs and cost_plus prices name.",
		readOnly,
		func(ctx context.Context, _ wire.ListVendorsArgs) (wire.ListVendorsResult, error) {
			vs, err := d.Billing.Catalog.ListVendors(ctx)
			if err != nil {
				return wire.ListVendorsResult{}, err
			}
			r := wire.ListVendorsResult{Vendors: wire.Map(vs, wire.FromVendor)}
			if len(vs) == 0 {
				r.Summary = "No vendors yet."
				r.NextSteps = []string{"create_vendor for each provider whose costs you want to report or mark up (cost_plus)"}
				return r, nil
			}
			codes := make([]string, len(vs))
			for i, v := range vs {
				codes[i] = v.Code
			}
			r.Summary = fmt.Sprintf("%s: %s.", plural(len(vs), "vendor"), strings.Join(codes, ", "))
			return r, nil
		})
}

// CreateVendor registers a cost provider.
func CreateVendor(d Deps) Tool {
	return newTool(catalogSet, "create_vendor", "Create a vendor",
		"Registers a vendor whose costs usage events report (costs) and cost_plus prices mark up. Idempotent on code.",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateVendorRequest) (wire.CreateVendorResult, error) {
			v, created, err := d.Billing.Catalog.CreateVendor(ctx, in.Code, in.Name)
			if err != nil {
				return wire.CreateVendorResult{}, err
			}
			r := wire.CreateVendorResult{Vendor: wire.FromVendor(v), Created: created, Livemode: livemode(ctx)}
			if created {
				r.Summary = fmt.Sprintf("Created vendor %s (%s).", v.Code, v.Name)
			} else {
				r.Summary = fmt.Sprintf("Vendor %s already exists; nothing changed.", v.Code)
			}
			r.NextSteps = []string{fmt.Sprintf("create_product_price with a cost_plus price whose vendor is %q to charge its cost plus a markup", v.Code)}
			return r, nil
		})
}
