package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// SubscribeCustomer puts a customer on a product version: usage-only, or a
// plan whose first period is charged at once (or starts with a free trial).
func SubscribeCustomer(d Deps) Tool {
	return newTool(subscriptionsSet, "subscribe_customer", "Subscribe a customer",
		"Puts a customer on a product version from now on. A plan's first fee is charged from the wallet at once and its allowance granted; it renews on its own (tollgate://docs/plans). Same version: nothing changes. To move a plan prefer change_subscription. Confirm product, version and fee with the user.",
		overwriting,
		func(ctx context.Context, in wire.SubscribeCustomerArgs) (wire.SubscribeCustomerResult, error) {
			before, err := d.Billing.Plans.ListSubscriptions(ctx, in.Customer)
			if err != nil {
				return wire.SubscribeCustomerResult{}, err
			}
			sub, err := d.Billing.Plans.Subscribe(ctx, in.ToInput(in.Customer))
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
			if !r.Existed {
				r.Summary += planSentence(sub)
			}
			r.NextSteps = []string{fmt.Sprintf("simulate_usage with product %q and customer %q to see what its next event costs", sub.ProductCode, in.Customer)}
			if sub.PeriodEnd != nil {
				r.NextSteps = append(r.NextSteps,
					fmt.Sprintf("get_subscription with subscription %q to see its periods", sub.ID),
					fmt.Sprintf("get_statement with customer %q and the fee's asset to see the month's movements", in.Customer))
			}
			return r, nil
		})
}

// planSentence says, for a plan, what was charged and when it renews.
func planSentence(sub billing.Subscription) string {
	if sub.PeriodEnd == nil {
		return ""
	}
	w := wire.FromSubscription(sub)
	switch {
	case w.Status == billing.SubscriptionTrialing:
		return fmt.Sprintf(" Free trial until %s: nothing charged yet, the allowance is granted; the first fee is charged then.", date(*sub.PeriodEnd))
	case w.NextRenewalAt != nil:
		return fmt.Sprintf(" The first period's fee was charged from the wallet and its allowance granted; it renews on %s.", date(*sub.PeriodEnd))
	}
	return ""
}

func date(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// GetSubscription reads a subscription with its billing periods.
func GetSubscription(d Deps) Tool {
	return newTool(plansSet, "get_subscription", "Get a subscription",
		"Reads a subscription: status (trialing, active, past_due, suspended, canceled), current period, renewal, scheduled changes and a plan's billing periods.",
		readOnly,
		func(ctx context.Context, in wire.GetSubscriptionArgs) (wire.GetSubscriptionResult, error) {
			sub, periods, err := d.Billing.Plans.GetSubscription(ctx, in.Subscription)
			if err != nil {
				return wire.GetSubscriptionResult{}, err
			}
			ps, err := periodsOf(ctx, d.Billing, periods)
			if err != nil {
				return wire.GetSubscriptionResult{}, err
			}
			w := wire.FromSubscription(sub)
			r := wire.GetSubscriptionResult{Subscription: w, Periods: ps}
			r.Summary = describeSubscription(sub)
			switch w.Status {
			case billing.SubscriptionPastDue, billing.SubscriptionSuspended:
				r.NextSteps = []string{"the customer tops up the plan's wallet (create_top_up, or create_adjustment kind top_up once paid): the renewal is paid at once and the plan resumes"}
			case billing.SubscriptionCanceled:
				r.NextSteps = []string{"subscribe_customer to start a plan again"}
			}
			return r, nil
		}).withView(SubscriptionView)
}

// describeSubscription is a subscription's state in one or two sentences.
func describeSubscription(sub billing.Subscription) string {
	w := wire.FromSubscription(sub)
	s := fmt.Sprintf("Subscription %s: %s version %d, %s.", sub.ID, sub.ProductCode, sub.Version, w.Status)
	switch {
	case sub.EndedAt != nil:
		return s + fmt.Sprintf(" Ended %s.", date(*sub.EndedAt))
	case sub.PeriodEnd == nil:
		return s + " Usage-only: no fee, no periods."
	case w.Status == billing.SubscriptionTrialing:
		s += fmt.Sprintf(" Free trial until %s.", date(*sub.PeriodEnd))
	case w.Status == billing.SubscriptionPastDue:
		s += fmt.Sprintf(" The renewal could not be paid; retried until %s, then suspended.", date(*sub.GraceEndsAt))
	case w.Status == billing.SubscriptionSuspended:
		s += " Unpaid after the grace period: authorizations for the product are declined (subscription_suspended) until the wallet is topped up."
	default:
		s += fmt.Sprintf(" Current period %s to %s.", date(*sub.PeriodStart), date(*sub.PeriodEnd))
	}
	switch {
	case sub.CancelAtPeriodEnd:
		s += fmt.Sprintf(" Ends on %s, not renewed.", date(*sub.PeriodEnd))
	case sub.NextVersion != 0:
		s += fmt.Sprintf(" Moves to version %d and renews on %s.", sub.NextVersion, date(*sub.PeriodEnd))
	case w.Status == billing.SubscriptionActive:
		s += fmt.Sprintf(" Renews on %s.", date(*sub.PeriodEnd))
	}
	return s
}

// periodsOf maps periods, their fees in their asset's precision.
func periodsOf(ctx context.Context, svc *billing.Service, periods []billing.SubscriptionPeriod) ([]wire.SubscriptionPeriod, error) {
	out := make([]wire.SubscriptionPeriod, 0, len(periods))
	precision := map[string]int32{}
	for _, p := range periods {
		if _, ok := precision[p.Asset]; !ok {
			a, err := svc.Catalog.GetAsset(ctx, p.Asset)
			if err != nil {
				return nil, err
			}
			precision[p.Asset] = a.Precision
		}
		out = append(out, wire.FromSubscriptionPeriod(p, precision[p.Asset]))
	}
	return out, nil
}

// ChangeSubscription upgrades or downgrades a plan, now (prorated) or at the
// period's end.
func ChangeSubscription(d Deps) Tool {
	return newTool(plansSet, "change_subscription", "Change a plan's version",
		"Moves a plan to another version of its product (same interval and asset): now, prorated (a new subscription id), or at_period_end. Idempotent. A past_due or suspended plan must be paid first. Confirm the fees with the user.",
		overwriting,
		func(ctx context.Context, in wire.ChangeSubscriptionArgs) (wire.ChangeSubscriptionResult, error) {
			cur, _, err := d.Billing.Plans.GetSubscription(ctx, in.Subscription)
			if err != nil {
				return wire.ChangeSubscriptionResult{}, err
			}
			sub, err := d.Billing.Plans.ChangeSubscription(ctx, billing.ChangeSubscriptionInput{Subscription: in.Subscription, Version: in.Version, AtPeriodEnd: in.AtPeriodEnd})
			if err != nil {
				return wire.ChangeSubscriptionResult{}, err
			}
			r := wire.ChangeSubscriptionResult{Subscription: wire.FromSubscription(sub), PreviousVersion: cur.Version, Livemode: livemode(ctx)}
			switch {
			case sub.ID != cur.ID:
				r.Summary = fmt.Sprintf("Moved %s from version %d to version %d now, prorated to %s; the subscription is now %s (%s ended).",
					sub.ProductCode, cur.Version, sub.Version, date(*sub.PeriodEnd), sub.ID, cur.ID)
			case sub.NextVersion != 0:
				r.Summary = fmt.Sprintf("%s moves from version %d to version %d on %s, at the renewal, which charges the new fee.",
					sub.ProductCode, cur.Version, sub.NextVersion, date(*sub.PeriodEnd))
			default:
				r.Summary = fmt.Sprintf("%s stays on version %d; no change is scheduled.", sub.ProductCode, sub.Version)
			}
			r.NextSteps = []string{fmt.Sprintf("get_wallet with customer %q to see the balance after the change", sub.CustomerID)}
			return r, nil
		})
}

// CancelSubscription ends a plan now or at its period's end.
func CancelSubscription(d Deps) Tool {
	return confirming(newTool(plansSet, "cancel_subscription", "Cancel a plan",
		"Cancels a plan now (no refund; the allowance lasts the period) or at_period_end (no renewal). Idempotent. Confirm with the user first.",
		destructive,
		func(ctx context.Context, in wire.CancelSubscriptionArgs) (wire.CancelSubscriptionResult, error) {
			cur, _, err := d.Billing.Plans.GetSubscription(ctx, in.Subscription)
			if err != nil {
				return wire.CancelSubscriptionResult{}, err
			}
			sub := cur
			if cur.EndedAt == nil {
				if sub, err = d.Billing.Plans.CancelSubscription(ctx, in.Subscription, in.AtPeriodEnd); err != nil {
					return wire.CancelSubscriptionResult{}, err
				}
			}
			r := wire.CancelSubscriptionResult{Subscription: wire.FromSubscription(sub), Livemode: livemode(ctx)}
			switch {
			case cur.EndedAt != nil:
				r.Summary = fmt.Sprintf("Subscription %s had already ended on %s; nothing changed.", sub.ID, date(*cur.EndedAt))
			case sub.EndedAt != nil:
				r.Summary = fmt.Sprintf("Canceled %s (%s) now; no refund, the allowance stays until the period's end.", sub.ProductCode, sub.ID)
			default:
				r.Summary = fmt.Sprintf("%s (%s) ends on %s and will not renew; nothing more is charged.", sub.ProductCode, sub.ID, date(*sub.PeriodEnd))
			}
			return r, nil
		}), confirmCancelSubscription(d))
}
