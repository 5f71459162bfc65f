package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// CreateAdjustment applies a manual credit or debit.
func CreateAdjustment(d Deps) Tool {
	return confirming(newTool(walletsSet, "create_adjustment", "Credit or debit a wallet",
		"Credits or debits a customer's wallet by hand (kinds: tollgate://docs/money-rules). transaction_id makes it idempotent. Show the user customer, kind, amount and asset and get a yes first.",
		overwriting,
		func(ctx context.Context, in wire.CreateAdjustmentArgs) (wire.CreateAdjustmentResult, error) {
			adj, err := d.Billing.CreateAdjustment(ctx, in.ToInput(in.TransactionID))
			if err != nil {
				return wire.CreateAdjustmentResult{}, err
			}
			mode := billing.ModeTest
			if livemode(ctx) {
				mode = billing.ModeLive
			}
			r := wire.CreateAdjustmentResult{Adjustment: wire.FromAdjustment(adj, mode), Livemode: mode == billing.ModeLive}
			show := func(d rating.Decimal) string { return rating.Display(d, adj.Balance.Precision) }
			if adj.Replayed {
				r.Summary = fmt.Sprintf("Replayed: transaction_id %q was already applied (%s of %s %s); nothing moved again. Available now: %s %s.",
					adj.TransactionID, adj.Kind, show(adj.Amount), adj.Asset, show(adj.Balance.Available), adj.Asset)
			} else {
				r.Summary = fmt.Sprintf("Applied %s of %s %s to customer %s. Available now: %s %s.",
					adj.Kind, show(adj.Amount), adj.Asset, in.Customer, show(adj.Balance.Available), adj.Asset)
			}
			r.NextSteps = []string{fmt.Sprintf("get_wallet with customer %q to see every balance and lot", in.Customer)}
			return r, nil
		}), confirmAdjustment(d))
}

// ListTransactions pages through a wallet's ledger transactions.
func ListTransactions(d Deps) Tool {
	return newTool(walletsSet, "list_transactions", "List ledger transactions",
		"Lists a wallet's ledger transactions newest first, with their double-entry lines; filter by kind and time, page with cursor.",
		readOnly,
		func(ctx context.Context, in wire.ListTransactionsArgs) (wire.ListTransactionsResult, error) {
			p, err := d.Billing.ListTransactions(ctx, billing.ListTransactionsInput{
				Customer: in.Customer, Wallet: in.Wallet, Kind: in.Kind, From: in.From.Value(), To: in.To.Value(), Limit: in.Limit, Cursor: in.Cursor,
			})
			if err != nil {
				return wire.ListTransactionsResult{}, err
			}
			r := wire.ListTransactionsResult{Data: wire.Map(p.Items, wire.FromTransaction), NextCursor: wire.Cursor(p.NextCursor), HasMore: p.HasMore}
			r.Summary = fmt.Sprintf("%s on this page.", plural(len(p.Items), "transaction"))
			if p.HasMore {
				r.Summary += " More follow: call again with cursor set to next_cursor."
			}
			return r, nil
		})
}
