package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// CreateCustomer creates a customer with its default wallet.
func CreateCustomer(svc *billing.Service) Tool {
	return newTool("create_customer", "Create a customer",
		"Creates a customer (your app's user, identified by your external_id) with its default wallet. Idempotent on external_id: "+
			"when the customer exists it is returned unchanged with existed: true, so it is safe to call at every sign-up. "+
			"Fund the wallet afterwards with create_adjustment (gift or top_up).",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateCustomerArgs) (wire.CreateCustomerResult, error) {
			c, existed, err := svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: in.ExternalID, Name: in.Name, Email: in.Email, Metadata: in.Metadata})
			if err != nil {
				return wire.CreateCustomerResult{}, err
			}
			r := wire.CreateCustomerResult{Customer: wire.FromCustomer(c), Existed: existed, Livemode: c.Mode == billing.ModeLive}
			if existed {
				r.Summary = fmt.Sprintf("Customer %s already exists as %s; returned unchanged.", c.ExternalID, c.ID)
			} else {
				r.Summary = fmt.Sprintf("Created customer %s (%s) with its default wallet in %s mode.", c.ExternalID, c.ID, c.Mode)
			}
			r.NextSteps = []string{
				"create_adjustment with kind gift or top_up to fund the wallet (choose a unique transaction_id)",
				fmt.Sprintf("get_wallet with customer %q to see the balances", c.ExternalID),
			}
			return r, nil
		})
}

// GetCustomer reads one customer with its wallets.
func GetCustomer(svc *billing.Service) Tool {
	return newTool("get_customer", "Get a customer",
		"Reads one customer by Tollgate id (cus_…) or your external_id, with the names of its wallets. "+
			"Use get_wallet for balances and list_customers to search.",
		readOnly,
		func(ctx context.Context, in wire.GetCustomerArgs) (wire.GetCustomerResult, error) {
			c, err := svc.GetCustomer(ctx, in.Customer)
			if err != nil {
				return wire.GetCustomerResult{}, err
			}
			ws, err := svc.ListWallets(ctx, c.ID)
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
			r.NextSteps = []string{fmt.Sprintf("get_wallet with customer %q to see the balances", c.ExternalID)}
			return r, nil
		})
}

// ListCustomers pages through customers.
func ListCustomers(svc *billing.Service) Tool {
	return newTool("list_customers", "List customers",
		"Lists customers newest first, a page at a time (limit, default 20; pass next_cursor as cursor for the next page), "+
			"optionally only those with an email address. Use get_customer when you know the id or external_id.",
		readOnly,
		func(ctx context.Context, in wire.ListCustomersArgs) (wire.ListCustomersResult, error) {
			p, err := svc.ListCustomers(ctx, billing.ListCustomersInput{Limit: in.Limit, Cursor: in.Cursor, Email: in.Email})
			if err != nil {
				return wire.ListCustomersResult{}, err
			}
			r := wire.ListCustomersResult{Items: wire.Map(p.Items, wire.FromCustomer), NextCursor: p.NextCursor, HasMore: p.HasMore}
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
