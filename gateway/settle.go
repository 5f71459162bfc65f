package gateway

import (
	"context"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// settleTimeout bounds the recording of a call once its answer has ended
// (the caller may be gone, so its context no longer applies).
const settleTimeout = 30 * time.Second

// settle records a call's usage with its hold, under the hold's event type,
// once the answer has ended (finish runs it, after the caller's last byte),
// by one rule:
//
//   - the provider reported the usage: it is recorded as reported;
//   - it did not (a stream cut before its usage, a caller who went away),
//     and some text reached the caller: the usage is estimated, input from
//     what the provider reported (Anthropic's message_start) or else from the
//     hold's estimate, output as the characters passed on divided by 4
//     (rounded up), and the event's data says "estimated": true;
//   - nothing reached the caller: the hold is voided.
//
// The event carries the provider's cost of those tokens when the account's
// cost table prices the model (configure_gateway's costs), else no cost
// (unknown, never zero).
//
// The event id is derived from the provider's response id, so the same
// answer recorded twice is charged once: the second call's hold is voided.
// An event the database cannot take now (unavailable, or a COMMIT whose
// outcome was lost) is kept in the retry queue and recorded when it can be.
// It returns what the hold captured, in the hold's asset (zero when voided
// or not recorded).
func (h *Handler) settle(ctx context.Context, auth billing.Authorization, customer, eventType string, g billing.GatewaySettings, c call, o outcome) rating.Decimal {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	p := c.op.provider
	var t tokens
	switch {
	case o.reported:
		t = o.usage.tokens(p)
	case o.chars > 0:
		t = c.estimate
		if o.inputReported {
			t = o.usage.tokens(p)
		}
		t.Output, t.Reasoning = (o.chars+3)/4, 0
	default:
		h.void(ctx, auth.ID)
		return rating.Decimal{}
	}
	data := t.data(p, c.model)
	if !o.reported {
		data["estimated"] = true
	}
	id := "gateway:" + auth.ID
	if o.responseID != "" {
		id = string(p) + ":" + o.responseID
	}
	in := billing.UsageEventInput{ID: id, Customer: customer, EventType: eventType,
		Data: data, Costs: t.costs(g, p, c.model), AuthorizationID: auth.ID}
	ev, err := h.svc.RecordUsage(ctx, in)
	switch {
	case err == nil:
		if ev.Settlement != nil && ev.Settlement.AuthorizationID == auth.ID {
			return ev.Settlement.Captured
		}
	case kernel.ErrorCode(err) == kernel.EConflict:
		// This response id was recorded already, under another hold: the
		// answer was replayed. It is charged once; this hold goes.
		h.opts.Logger.Info("gateway: response recorded before; hold released", "event", id, "authorization", auth.ID)
		h.void(ctx, auth.ID)
	case retryable(err):
		// The answer was given: the usage happened. Keep it for a retry
		// (the same id charges once), and count the hold as spent under a
		// customer key's cap meanwhile (the cap errs on the side of refusing).
		c, _ := billing.CallerFrom(ctx)
		h.opts.Logger.Warn("gateway: usage not recorded; kept for a retry", "event", id, "authorization", auth.ID, "err", err)
		in.OccurredAt = h.svc.Now() // when it happened, not when a retry gets through
		h.retry.add(c, in)
		return auth.Amount
	default:
		h.opts.Logger.Error("gateway: record usage", "event", id, "authorization", auth.ID, "customer", customer, "data", data, "err", err)
	}
	return rating.Decimal{}
}

// void releases a hold; a failure is logged (the hold expires on its own).
func (h *Handler) void(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	if _, err := h.svc.VoidAuthorization(ctx, id); err != nil {
		h.opts.Logger.Error("gateway: void authorization", "authorization", id, "err", err)
	}
}
