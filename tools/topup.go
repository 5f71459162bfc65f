package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// CreateTopUp starts a top-up the customer pays at the provider's checkout.
func CreateTopUp(d Deps) Tool {
	return newTool(paymentsSet, "create_top_up", "Start a top-up (customer pays by card)",
		"Starts a top-up of a customer's wallet paid through the account's payment provider (Stripe Checkout; in test mode without a Stripe "+
			"connection, Tollgate's built-in test checkout). Returns checkout_url: send the customer there to pay. When the provider confirms the "+
			"payment the wallet is credited once, as a paid lot, and the card is saved for auto top-up. amount is what the customer pays in currency "+
			"(at least 0.50 USD); credit states a deal (pay 20 USD, get 2200 credits), else amount is converted at the asset's rate. "+
			"idempotency_key is required: a retry returns the same top-up and checkout, never a second charge. Secrets are never arguments: "+
			"the operator connects Stripe on the server. Show the user the customer, amount and credit and get a yes before calling.",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateTopUpArgs) (wire.CreateTopUpResult, error) {
			t, err := d.Billing.Payments.CreateTopUp(ctx, in.ToInput(in.IdempotencyKey))
			if err != nil {
				return wire.CreateTopUpResult{}, err
			}
			r := wire.CreateTopUpResult{TopUp: wire.FromTopUp(t, mode(ctx))}
			replayed := ""
			if t.Replayed {
				replayed = fmt.Sprintf("Replayed (idempotency_key %q was already used; nothing new was started): ", in.IdempotencyKey)
			}
			r.Summary = fmt.Sprintf("%sTop-up %s for customer %s: pays %s %s, credits %s %s; status %s.",
				replayed, t.ID, in.Customer, rating.Display(t.Paid, t.PaidPrecision), t.Currency, rating.Display(t.Credit, t.Precision), t.Asset, t.Status)
			r.NextSteps = topUpNextSteps(t, in.Customer)
			return r, nil
		})
}

// GetTopUp reads a top-up and its status.
func GetTopUp(d Deps) Tool {
	return newTool(paymentsSet, "get_top_up", "Get a top-up",
		"Reads a top-up: its status (pending until the customer pays; succeeded once the wallet is credited; failed, expired, canceled or "+
			"requires_action otherwise), what is paid and credited, the checkout_url, the lot credited and what was refunded.",
		readOnly,
		func(ctx context.Context, in wire.GetTopUpArgs) (wire.GetTopUpResult, error) {
			t, err := d.Billing.Payments.GetTopUp(ctx, in.TopUpID)
			if err != nil {
				return wire.GetTopUpResult{}, err
			}
			r := wire.GetTopUpResult{TopUp: wire.FromTopUp(t, mode(ctx))}
			r.Summary = topUpLine(t)
			r.NextSteps = topUpNextSteps(t, t.CustomerID)
			return r, nil
		})
}

// ListTopUps lists a customer's top-ups.
func ListTopUps(d Deps) Tool {
	return newTool(paymentsSet, "list_top_ups", "List a customer's top-ups",
		"Lists a customer's top-ups newest first, each with its status, amount paid, credit and checkout_url: the way to find a top-up id "+
			"for get_top_up or refund_top_up, or to see whether an auto top-up was declined.",
		readOnly,
		func(ctx context.Context, in wire.ListTopUpsArgs) (wire.ListTopUpsResult, error) {
			ts, err := d.Billing.Payments.ListTopUps(ctx, in.Customer, in.Limit)
			if err != nil {
				return wire.ListTopUpsResult{}, err
			}
			m := mode(ctx)
			r := wire.ListTopUpsResult{Data: wire.Map(ts, func(t billing.TopUp) wire.TopUp { return wire.FromTopUp(t, m) })}
			r.Summary = fmt.Sprintf("Customer %s has %s here.", in.Customer, plural(len(ts), "top-up"))
			if len(ts) > 0 {
				r.Summary += " Latest: " + topUpLine(ts[0])
			}
			return r, nil
		})
}

// ConfigureAutoTopUp sets or turns off a wallet's auto top-up.
func ConfigureAutoTopUp(d Deps) Tool {
	return confirming(newTool(paymentsSet, "configure_auto_top_up", "Configure auto top-up",
		"Sets (or turns off with enabled: false) a wallet's auto top-up in one asset: when a debit, hold or charge takes the available balance "+
			"below threshold, amount is charged to the customer's saved card and credit is credited, once per crossing, at most monthly_cap a month. "+
			"Turning it on needs a card the customer saved by paying a top-up (create_top_up). After 3 declines in a row it turns itself off. "+
			"Replaces the wallet's earlier setting for the asset. Show the user the threshold, amount and cap and get a yes before calling.",
		overwriting,
		func(ctx context.Context, in wire.ConfigureAutoTopUpArgs) (wire.ConfigureAutoTopUpResult, error) {
			a, err := d.Billing.Payments.ConfigureAutoTopUp(ctx, in.ToInput(in.Customer, in.Wallet))
			if err != nil {
				return wire.ConfigureAutoTopUpResult{}, err
			}
			r := wire.ConfigureAutoTopUpResult{AutoTopUp: wire.FromAutoTopUp(a, mode(ctx))}
			if a.Enabled {
				limit := "no monthly cap"
				if a.MonthlyCap != nil {
					limit = fmt.Sprintf("at most %s %s a month", rating.Display(*a.MonthlyCap, a.PaidPrecision), a.Currency)
				}
				r.Summary = fmt.Sprintf("Auto top-up on for customer %s in %s: below %s %s available, charge %s %s for %s %s (%s).",
					in.Customer, a.Asset, rating.Display(a.Threshold, a.Precision), a.Asset, rating.Display(a.Paid, a.PaidPrecision), a.Currency,
					rating.Display(a.Credit, a.Precision), a.Asset, limit)
			} else {
				r.Summary = fmt.Sprintf("Auto top-up off for customer %s in %s.", in.Customer, a.Asset)
			}
			r.NextSteps = []string{fmt.Sprintf("list_top_ups with customer %q shows each auto top-up and whether it was declined", in.Customer)}
			return r, nil
		}), confirmAutoTopUpOff(d))
}

// RefundTopUp refunds all or part of a succeeded top-up.
func RefundTopUp(d Deps) Tool {
	return confirming(newTool(paymentsSet, "refund_top_up", "Refund a top-up",
		"Gives money back for a succeeded top-up through the payment provider and takes the matching credit out of the wallet: all that is "+
			"refundable, or amount (in the top-up's currency). Never more than was paid less earlier refunds, nor more than the credit its lot still "+
			"holds (credit already spent is not refunded). idempotency_key is required: a retry refunds nothing twice. This moves real money in "+
			"live mode: show the user the top-up and the amount and get a yes before calling.",
		destructive,
		func(ctx context.Context, in wire.RefundTopUpArgs) (wire.RefundTopUpResult, error) {
			t, err := d.Billing.Payments.RefundTopUp(ctx, in.ToInput(in.TopUpID, in.IdempotencyKey))
			if err != nil {
				return wire.RefundTopUpResult{}, err
			}
			r := wire.RefundTopUpResult{TopUp: wire.FromTopUp(t, mode(ctx))}
			r.Summary = fmt.Sprintf("Refunded top-up %s: %s of %s %s now refunded in all.", t.ID,
				rating.Display(t.Refunded, t.PaidPrecision), rating.Display(t.Paid, t.PaidPrecision), t.Currency)
			r.NextSteps = []string{fmt.Sprintf("get_wallet with customer %q to see the balance after the refund", t.CustomerID)}
			return r, nil
		}), confirmRefundTopUp(d))
}

// topUpLine says in one sentence where a top-up stands.
func topUpLine(t billing.TopUp) string {
	line := fmt.Sprintf("Top-up %s (%s %s for %s %s) is %s.", t.ID, rating.Display(t.Paid, t.PaidPrecision), t.Currency,
		rating.Display(t.Credit, t.Precision), t.Asset, t.Status)
	if t.FailureMessage != "" {
		line += " " + t.FailureMessage
	}
	return line
}

// topUpNextSteps says what the agent does next for a top-up in its status.
func topUpNextSteps(t billing.TopUp, customer string) []string {
	switch t.Status {
	case billing.TopUpPending:
		if t.CheckoutURL == "" {
			return []string{fmt.Sprintf("get_top_up with top_up_id %q in a moment: the card is being charged", t.ID)}
		}
		return []string{
			"send the customer to checkout_url to pay: " + t.CheckoutURL,
			fmt.Sprintf("get_top_up with top_up_id %q after they pay: status succeeded means the wallet is credited", t.ID),
		}
	case billing.TopUpRequiresAction:
		return []string{"send the customer to action_url to authenticate the payment: " + t.ActionURL}
	case billing.TopUpFailed:
		steps := []string{"tell the user the card was declined"}
		if t.CheckoutURL != "" {
			steps = append(steps, "the customer may try another card at checkout_url: "+t.CheckoutURL)
		}
		return steps
	case billing.TopUpSucceeded:
		return []string{fmt.Sprintf("get_wallet with customer %q to see the paid lot", customer)}
	}
	return []string{fmt.Sprintf("create_top_up with a new idempotency_key to try again for customer %q", customer)}
}
