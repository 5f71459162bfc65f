package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// CreateCustomer creates a customer with its default wallet and, optionally,
// subscriptions.
func CreateCustomer(d Deps) Tool {
	return newTool(customersSet, "create_customer", "Create a customer",
		"Creates a customer (your app's user, by external_id) with a default wallet, optionally subscribed to products. Idempotent on external_id: safe at every sign-up.",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateCustomerArgs) (wire.CreateCustomerResult, error) {
			// Check the products first, so a wrong code creates nothing.
			for i, s := range in.Subscriptions {
				if err := checkSubscription(ctx, d.Billing, fmt.Sprintf("subscriptions[%d]", i), s); err != nil {
					return wire.CreateCustomerResult{}, err
				}
			}
			c, existed, err := d.Billing.CreateCustomer(ctx, in.ToInput())
			if err != nil {
				return wire.CreateCustomerResult{}, err
			}
			r := wire.CreateCustomerResult{Customer: wire.FromCustomer(c), Existed: existed, Livemode: c.Mode == billing.ModeLive}
			// A returning customer keeps the versions it is on: calling this at
			// every sign-in must not move anyone to a newer default version.
			var current []billing.Subscription
			if existed && len(in.Subscriptions) > 0 {
				if current, err = d.Billing.Plans.ListSubscriptions(ctx, c.ID); err != nil {
					return wire.CreateCustomerResult{}, err
				}
			}
			var subscribed []string
			for i, s := range in.Subscriptions {
				if sub, ok := inForce(current, s.Product); ok && s.Version == 0 {
					r.Subscriptions = append(r.Subscriptions, wire.FromSubscription(sub))
					subscribed = append(subscribed, fmt.Sprintf("%s version %d (unchanged)", sub.ProductCode, sub.Version))
					continue
				}
				sub, err := d.Billing.Plans.Subscribe(ctx, s.ToInput(c.ID))
				if err != nil {
					return wire.CreateCustomerResult{}, within(fmt.Sprintf("subscriptions[%d]", i), err,
						fmt.Sprintf("customer %s exists (%s) but is not subscribed to %s: ", c.ExternalID, c.ID, s.Product),
						"; fix it and call create_customer again (it is idempotent) or subscribe_customer")
				}
				r.Subscriptions = append(r.Subscriptions, wire.FromSubscription(sub))
				subscribed = append(subscribed, fmt.Sprintf("%s version %d", sub.ProductCode, sub.Version))
			}
			if existed {
				r.Summary = fmt.Sprintf("Customer %s already exists as %s; its details are unchanged.", c.ExternalID, c.ID)
			} else {
				r.Summary = fmt.Sprintf("Created customer %s (%s) with its default wallet in %s mode.", c.ExternalID, c.ID, c.Mode)
			}
			if len(subscribed) > 0 {
				r.Summary += " Subscribed to " + strings.Join(subscribed, ", ") + "."
			}
			r.NextSteps = []string{
				"create_adjustment with kind gift or top_up to fund the wallet (choose a unique transaction_id)",
				fmt.Sprintf("get_wallet with customer %q to see the balances", c.ExternalID),
			}
			return r, nil
		})
}

// checkSubscription checks that a subscription could be applied: the product
// exists, is not archived and has the version.
func checkSubscription(ctx context.Context, svc *billing.Service, path string, s wire.SubscribeRequest) error {
	p, err := svc.Catalog.GetProduct(ctx, s.Product)
	if err != nil {
		return within(path, err, "", "")
	}
	if p.ArchivedAt != nil {
		return kernel.Invalidf(path+".product", "%s.product: product %s is archived and takes no new subscriptions; list_products shows the active ones", path, p.Code)
	}
	if latest := len(p.Versions); s.Version < 0 || s.Version > latest {
		return kernel.Invalidf(path+".version", "%s.version: product %s has versions 1 to %d; got %d (omit version for the default, %d)", path, p.Code, latest, s.Version, p.DefaultVersion)
	}
	return nil
}

// inForce finds the subscription in force for a product named by code or id.
func inForce(subs []billing.Subscription, product string) (billing.Subscription, bool) {
	for _, s := range subs {
		if s.EndedAt == nil && (s.ProductCode == product || s.ProductID == product) {
			return s, true
		}
	}
	return billing.Subscription{}, false
}

// within places an agent-fixable error at path (such as subscriptions[1]),
// with text before and after its message; other errors pass unchanged.
func within(path string, err error, before, after string) error {
	var e *kernel.Error
	if !errors.As(err, &e) || e.Code == kernel.EInternal {
		return err
	}
	field := path
	if e.Field != "" {
		field += "." + e.Field
	}
	return &kernel.Error{Code: e.Code, Field: field, Message: fmt.Sprintf("%s%s: %s%s", before, path, e.Message, after), Action: e.Action}
}

// GetCustomer reads one customer with its wallets.
func GetCustomer(d Deps) Tool {
	return newTool(customersSet, "get_customer", "Get a customer",
		"Reads a customer by id or external_id, with its wallets and subscriptions (status, next renewal).",
		readOnly,
		func(ctx context.Context, in wire.GetCustomerArgs) (wire.GetCustomerResult, error) {
			c, err := d.Billing.GetCustomer(ctx, in.Customer)
			if err != nil {
				return wire.GetCustomerResult{}, err
			}
			ws, err := d.Billing.ListWallets(ctx, c.ID)
			if err != nil {
				return wire.GetCustomerResult{}, err
			}
			r := wire.GetCustomerResult{Customer: wire.FromCustomer(c), Wallets: []wire.WalletListItem{}}
			names := make([]string, 0, len(ws))
			for _, w := range ws {
				r.Wallets = append(r.Wallets, wire.WalletListItem{ID: w.ID, Name: w.Name, IsDefault: w.IsDefault})
				names = append(names, w.Name)
			}
			r.Summary = fmt.Sprintf("Customer %s (%s) has %s: %s.", c.ExternalID, c.ID, plural(len(ws), "wallet"), strings.Join(names, ", "))
			subs, err := d.Billing.Plans.ListSubscriptions(ctx, c.ID)
			if err != nil {
				return wire.GetCustomerResult{}, err
			}
			r.Subscriptions = wire.Map(subs, wire.FromSubscription)
			for _, sub := range subs {
				if sub.EndedAt == nil {
					r.Summary += " " + describeSubscription(sub)
				}
			}
			r.NextSteps = []string{fmt.Sprintf("get_wallet with customer %q to see the balances", c.ExternalID)}
			return r, nil
		})
}

// ListCustomers pages through customers.
func ListCustomers(d Deps) Tool {
	return newTool(customersSet, "list_customers", "List customers",
		"Lists customers newest first, optionally by email; page with cursor. get_customer reads one.",
		readOnly,
		func(ctx context.Context, in wire.ListCustomersArgs) (wire.ListCustomersResult, error) {
			p, err := d.Billing.ListCustomers(ctx, billing.ListCustomersInput{Limit: in.Limit, Cursor: in.Cursor, Email: in.Email})
			if err != nil {
				return wire.ListCustomersResult{}, err
			}
			r := wire.ListCustomersResult{Data: wire.Map(p.Items, wire.FromCustomer), NextCursor: wire.Cursor(p.NextCursor), HasMore: p.HasMore}
			r.Summary = fmt.Sprintf("%s on this page.", plural(len(p.Items), "customer"))
			if p.HasMore {
				r.Summary += " More follow: call again with cursor set to next_cursor."
			}
			if len(p.Items) == 0 && in.Cursor == "" {
				r.NextSteps = []string{"create_customer to add one (your app calls it at sign-up)"}
			}
			return r, nil
		})
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
