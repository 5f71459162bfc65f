package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// SubscribeCustomer puts a customer on a product version.
func SubscribeCustomer(svc *billing.Service) Tool {
	return newTool("subscribe_customer", "Subscribe a customer",
		"Puts a customer on a product version (default the product's default version) from now on: its usage events are priced by that version. "+
			"Idempotent: the version the customer is on already changes nothing (existed: true); another version replaces it from now on, "+
			"and earlier events keep their price. A customer whose first event has an event_type only one product has is subscribed automatically. "+
			"Confirm the product and version with the user before calling.",
		overwriting,
		func(ctx context.Context, in wire.SubscribeCustomerArgs) (wire.SubscribeCustomerResult, error) {
			before, err := svc.ListSubscriptions(ctx, in.Customer)
			if err != nil {
				return wire.SubscribeCustomerResult{}, err
			}
			sub, err := svc.Subscribe(ctx, billing.SubscribeInput{Customer: in.Customer, Product: in.Product, Version: in.Version})
			if err != nil {
				return wire.SubscribeCustomerResult{}, err
			}
			r := wire.SubscribeCustomerResult{Subscription: wire.FromSubscription(sub), Livemode: livemode(ctx)}
			for _, old := range before {
				if old.ProductID != sub.ProductID || old.EndedAt != nil {
					continue
				}
				if old.ID == sub.ID {
					r.Existed = true
				} else {
					r.PreviousVersion = old.Version
				}
			}
			switch {
			case r.Existed:
				r.Summary = fmt.Sprintf("Customer %s is already on %s version %d; nothing changed.", in.Customer, sub.ProductCode, sub.Version)
			case r.PreviousVersion > 0:
				r.Summary = fmt.Sprintf("Moved customer %s from %s version %d to version %d; events from now on are priced at version %d.",
					in.Customer, sub.ProductCode, r.PreviousVersion, sub.Version, sub.Version)
			default:
				r.Summary = fmt.Sprintf("Subscribed customer %s to %s version %d.", in.Customer, sub.ProductCode, sub.Version)
			}
			r.NextSteps = []string{fmt.Sprintf("simulate_usage with product %q and customer %q to see what its next event costs", sub.ProductCode, in.Customer)}
			return r, nil
		})
}
