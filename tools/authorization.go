package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// AuthorizeUsage holds the cost of work about to happen, or declines.
func AuthorizeUsage(d Deps) Tool {
	return newTool(usageSet, "authorize_usage", "Authorize usage",
		"Before costly work: holds the estimated cost if the customer can pay. A decline (approved: false) is a normal result: don't run the work; top up, then retry with a new idempotency_key. Settle with record_usage (authorization_id) or release with void_authorization.",
		additiveIdempotent,
		func(ctx context.Context, in wire.AuthorizeUsageArgs) (wire.AuthorizeUsageResult, error) {
			a, err := d.Billing.Authorize(ctx, in.ToInput(in.IdempotencyKey))
			if err != nil {
				return wire.AuthorizeUsageResult{}, err
			}
			r := wire.AuthorizeUsageResult{Authorization: wire.FromAuthorization(a, mode(ctx))}
			show := func(d rating.Decimal) string { return rating.Display(d, a.Precision) }
			replayed := ""
			if a.Replayed {
				replayed = fmt.Sprintf("Replayed (idempotency_key %q was already decided; nothing new was held): ", a.IdempotencyKey)
			}
			switch {
			case a.Approved:
				r.Summary = fmt.Sprintf("%sApproved: %s %s held for customer %s until %s (%s, status %s); %s %s stays available.",
					replayed, show(a.Amount), a.Asset, in.Customer, wire.Time(a.ExpiresAt), a.ID, a.Status, show(a.Available), a.Asset)
				r.NextSteps = []string{
					fmt.Sprintf("run the work, then record_usage with authorization_id %q to capture the actual cost", a.ID),
					fmt.Sprintf("void_authorization with authorization_id %q if the work does not happen", a.ID),
				}
			case a.DeclineReason == billing.DeclineNoSubscription:
				r.Summary = fmt.Sprintf("%sDeclined: customer %s has no subscription pricing event_type %s, and no single product has it.", replayed, in.Customer, in.EventType)
				r.NextSteps = []string{
					"do not run the work",
					fmt.Sprintf("list_products to find the products with event_type %q, then subscribe_customer", in.EventType),
					"authorize_usage again with a new idempotency_key",
				}
			case a.DeclineReason == billing.DeclineSuspended:
				r.Summary = fmt.Sprintf("%sDeclined (subscription_suspended): customer %s's plan for event_type %s is suspended because a renewal went unpaid past its grace period.",
					replayed, in.Customer, in.EventType)
				r.NextSteps = []string{
					"do not run the work; tell the user the plan's renewal is unpaid",
					"the customer tops up the plan's wallet (create_top_up): the renewal is paid at once and the plan resumes",
					fmt.Sprintf("get_customer with customer %q shows the plan's status", in.Customer),
					"authorize_usage again with a new idempotency_key (this key stays declined)",
				}
			default:
				r.Summary = fmt.Sprintf("%sDeclined (%s): customer %s needs %s %s but has %s %s available; shortfall %s %s.",
					replayed, a.DeclineReason, in.Customer, show(a.Amount), a.Asset, show(a.Available), a.Asset, show(a.Shortfall), a.Asset)
				r.NextSteps = []string{
					"do not run the work; tell the user the balance is too low and by how much",
					fmt.Sprintf("top up: the customer pays, then create_adjustment kind top_up of at least %s %s (or gift, with the user's approval)", show(a.Shortfall), a.Asset),
					"authorize_usage again with a new idempotency_key (this key stays declined)",
				}
			}
			return r, nil
		})
}

// VoidAuthorization releases a hold.
func VoidAuthorization(d Deps) Tool {
	return newTool(usageSet, "void_authorization", "Void an authorization",
		"Releases an active authorization's hold when the work did not happen. Idempotent; a captured one cannot be voided.",
		overwriting,
		func(ctx context.Context, in wire.VoidAuthorizationArgs) (wire.VoidAuthorizationResult, error) {
			a, err := d.Billing.VoidAuthorization(ctx, in.AuthorizationID)
			if err != nil {
				return wire.VoidAuthorizationResult{}, err
			}
			r := wire.VoidAuthorizationResult{Authorization: wire.FromAuthorization(a, mode(ctx))}
			r.Summary = fmt.Sprintf("Authorization %s is %s: its hold of %s %s is released.", a.ID, a.Status, rating.Display(a.Amount, a.Precision), a.Asset)
			r.NextSteps = []string{"get_wallet to see the available balance"}
			return r, nil
		})
}

// mode returns the caller's mode.
func mode(ctx context.Context) billing.Mode {
	if livemode(ctx) {
		return billing.ModeLive
	}
	return billing.ModeTest
}
