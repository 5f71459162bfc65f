package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// CreateWallet creates a further named wallet for a customer.
func CreateWallet(d Deps) Tool {
	return newTool(walletsSet, "create_wallet", "Create a wallet",
		"Creates another named wallet for a customer (a budget per project or team) beside its default one. Idempotent on (customer, name).",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateWalletArgs) (wire.CreateWalletResult, error) {
			w, existed, err := d.Billing.CreateWallet(ctx, billing.CreateWalletInput{Customer: in.Customer, Name: in.Name})
			if err != nil {
				return wire.CreateWalletResult{}, err
			}
			r := wire.CreateWalletResult{Wallet: wire.FromWallet(w), Existed: existed, Livemode: w.Mode == billing.ModeLive}
			if existed {
				r.Summary = fmt.Sprintf("Customer %s already has wallet %s (%s); returned unchanged.", in.Customer, w.Name, w.ID)
			} else {
				r.Summary = fmt.Sprintf("Created wallet %s (%s) for customer %s.", w.Name, w.ID, in.Customer)
			}
			r.NextSteps = []string{fmt.Sprintf("create_adjustment with wallet %q to fund it", w.Name)}
			return r, nil
		})
}

// GetWallet reads a wallet's balances.
func GetWallet(d Deps) Tool {
	return newTool(walletsSet, "get_wallet", "Get a wallet's balances",
		"Reads a wallet's balances per asset (total, held, available, debt, credit limit) and its open lots in burn order (tollgate://docs/burn-order).",
		readOnly,
		func(ctx context.Context, in wire.GetWalletArgs) (wire.GetWalletResult, error) {
			v, err := d.Billing.GetWallet(ctx, in.Customer, in.Wallet)
			if err != nil {
				return wire.GetWalletResult{}, err
			}
			r := wire.GetWalletResult{Wallet: wire.FromWalletView(v)}
			r.Summary = fmt.Sprintf("Wallet %s of customer %s: %s.", v.Name, v.CustomerExternalID, balancesSummary(v.Balances))
			if len(v.Balances) == 0 {
				r.NextSteps = []string{"create_adjustment with kind gift or top_up to fund it"}
			}
			return r, nil
		}).withView(WalletView)
}

func balancesSummary(bs []billing.Balance) string {
	if len(bs) == 0 {
		return "no balances yet"
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		show := func(d rating.Decimal) string { return rating.Display(d, b.Precision) }
		parts[i] = fmt.Sprintf("%s available %s (total %s, held %s)", b.Asset, show(b.Available), show(b.Total), show(b.Held))
	}
	return strings.Join(parts, "; ")
}

// SetCreditLimit sets how far charges may overdraw a balance.
func SetCreditLimit(d Deps) Tool {
	return newTool(walletsSet, "set_credit_limit", "Set a credit limit",
		"Sets how far below zero charges may take a wallet's balance in one asset (replaces the limit; authorizations never use it).",
		overwriting,
		func(ctx context.Context, in wire.SetCreditLimitArgs) (wire.SetCreditLimitResult, error) {
			b, err := d.Billing.SetCreditLimit(ctx, billing.SetCreditLimitInput{Customer: in.Customer, Wallet: in.Wallet, Asset: in.Asset, Limit: in.CreditLimit.Decimal})
			if err != nil {
				return wire.SetCreditLimitResult{}, err
			}
			v, err := d.Billing.GetWallet(ctx, in.Customer, in.Wallet)
			if err != nil {
				return wire.SetCreditLimitResult{}, err
			}
			r := wire.SetCreditLimitResult{WalletID: v.ID, Balance: wire.FromBalance(b), Livemode: livemode(ctx)}
			r.Summary = fmt.Sprintf("Credit limit of wallet %s in %s is now %s: charges may take the balance down to -%s.", v.Name, b.Asset, rating.Display(b.CreditLimit, b.Precision), rating.Display(b.CreditLimit, b.Precision))
			return r, nil
		})
}
