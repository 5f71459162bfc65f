// SPDX-License-Identifier: Apache-2.0

package client

import (
	"context"
	"errors"
	"fmt"
	"maps"
)

// MeterInput names the customer, the activity and the hold of one metered
// piece of work.
type MeterInput struct {
	Customer  string // customer id (cus_…) or your external_id
	EventType string // the product's event_type
	// Estimate is event data priced like the real event, the most the work
	// may use, such as {"model": "gpt-4o-mini", "input_tokens": 4000,
	// "output_tokens": 1000}; token fields left out count 0.
	Estimate map[string]any
	// IdempotencyKey names the authorization and, as its id, the usage event:
	// use the request's own id (or idempotency key) so that a retried request
	// holds and charges once. Default a new UUID. 1-200 characters.
	IdempotencyKey string
	Wallet         string // wallet id or name; default the default wallet
	TTLSeconds     int    // how long the hold lasts, 1-86400; 0: 900
}

// Usage is what the work used: the event data the prices read (OpenAIUsage
// and AnthropicUsage write the token fields) and the vendor's cost, if known.
// Empty Data records the estimate.
type Usage struct {
	Data  map[string]any
	Costs []Cost
}

// Hold is the approved authorization a metered piece of work runs under.
type Hold struct {
	// Authorization is the approved hold, as the API answered it.
	Authorization *Authorization
	// EventID is the id the usage event is recorded under: the meter's
	// idempotency key, the same for every retry.
	EventID string

	c   *Client
	in  MeterInput
	key string
}

// Record records the usage event that settles the hold: it is priced, the
// wallet debited and the rest of the hold released. Its id is EventID, so
// recording again (after a failure, or from another process with the same
// idempotency key) charges once.
func (h *Hold) Record(ctx context.Context, u Usage) (*Event, error) {
	data := u.Data
	if len(data) == 0 {
		data = completeEstimate(h.in.Estimate)
	}
	ev, err := h.c.RecordEvent(ctx, RecordEventRequest{ID: h.EventID, Customer: h.in.Customer, Wallet: h.in.Wallet,
		EventType: h.in.EventType, Data: data, Costs: u.Costs, AuthorizationID: h.Authorization.ID},
		WithIdempotencyKey(h.key+"/record"))
	if err != nil {
		return nil, fmt.Errorf("record event %s: %w", h.EventID, err)
	}
	return ev, nil
}

// Void releases the hold: nothing is charged.
func (h *Hold) Void(ctx context.Context) error {
	if _, err := h.c.VoidAuthorization(ctx, h.Authorization.ID, WithIdempotencyKey(h.key+"/void")); err != nil {
		return fmt.Errorf("void authorization %s: %w", h.Authorization.ID, err)
	}
	return nil
}

// RecordError is a usage the work used that could not be recorded (after
// the client's retries). The work happened: call Hold.Record(ctx, Usage)
// again later, which charges once; or let the hold expire, which charges
// nothing.
type RecordError struct {
	Hold  *Hold
	Usage Usage
	Err   error
}

func (e *RecordError) Error() string { return e.Err.Error() }
func (e *RecordError) Unwrap() error { return e.Err }

// Meter wraps one costly piece of work in authorize → run → record:
//
//  1. it authorizes the estimate (a hold on the customer's wallet); a
//     decline returns a *DeclinedError and the work never runs;
//  2. it runs work, which returns what it used;
//  3. it records that usage with the authorization, which prices it, debits
//     the wallet and releases the rest of the hold, and returns the event.
//
// When the work returns an error the hold is voided (nothing is charged) and
// the work's error returned; when it panics the hold is voided and the panic
// goes on. A record that fails returns a *RecordError holding the Hold.
func (c *Client) Meter(ctx context.Context, in MeterInput, work func(context.Context, *Hold) (Usage, error)) (*Event, error) {
	if in.Customer == "" || in.EventType == "" {
		return nil, errors.New("client.Meter: Customer and EventType are required")
	}
	key := in.IdempotencyKey
	if key == "" {
		key = NewIdempotencyKey()
	}
	if len(key) > 200 {
		return nil, fmt.Errorf("client.Meter: IdempotencyKey is %d characters, at most 200", len(key))
	}
	a, err := c.Authorize(ctx, AuthorizeRequest{IdempotencyKey: key, Customer: in.Customer, Wallet: in.Wallet,
		EventType: in.EventType, Data: completeEstimate(in.Estimate), TTLSeconds: in.TTLSeconds},
		WithIdempotencyKey(key+"/authorize"))
	if err != nil {
		return nil, fmt.Errorf("authorize %s for %s: %w", in.EventType, in.Customer, err)
	}
	if !a.Approved {
		return nil, &DeclinedError{Authorization: a}
	}
	h := &Hold{Authorization: a, EventID: key, c: c, in: in, key: key}
	u, err := run(ctx, h, work)
	if err != nil {
		if verr := h.Void(context.WithoutCancel(ctx)); verr != nil {
			return nil, errors.Join(err, verr)
		}
		return nil, err
	}
	ev, err := h.Record(ctx, u)
	if err != nil {
		return nil, &RecordError{Hold: h, Usage: u, Err: err}
	}
	return ev, nil
}

// run calls work, voiding the hold before a panic goes on.
func run(ctx context.Context, h *Hold, work func(context.Context, *Hold) (Usage, error)) (u Usage, err error) {
	done := false
	defer func() {
		if !done {
			// The work panicked (or called runtime.Goexit): nothing is known
			// to have been used. A void that fails leaves the hold to expire.
			_ = h.Void(context.WithoutCancel(ctx))
		}
	}()
	u, err = work(ctx, h)
	done = true
	return u, err
}

// The token fields every usage reader writes into the event's data, always
// all of them (0 when the provider reported none), so that a product with
// one price per field never fails on a missing quantity. The input fields
// are disjoint: input_tokens are charged at the full input rate,
// cached_input_tokens were read from the provider's prompt cache and
// cache_write_tokens written to it. reasoning_tokens are part of
// output_tokens (shown apart, not to be priced on top); total_tokens is
// input + cached input + cache write + output. The TypeScript and Python
// SDKs write the same names.
const (
	FieldModel             = "model"
	FieldProvider          = "provider"
	FieldInputTokens       = "input_tokens"
	FieldCachedInputTokens = "cached_input_tokens"
	FieldCacheWriteTokens  = "cache_write_tokens"
	FieldOutputTokens      = "output_tokens"
	FieldReasoningTokens   = "reasoning_tokens"
	FieldTotalTokens       = "total_tokens"
)

// TokenFields are the token counts of a usage, in the order above.
var TokenFields = []string{FieldInputTokens, FieldCachedInputTokens, FieldCacheWriteTokens, FieldOutputTokens, FieldReasoningTokens, FieldTotalTokens}

// completeEstimate fills an estimate that names any token field with the
// others (0) and their total, the shape the usage readers record, so that a
// product with a price per token field can price it.
func completeEstimate(est map[string]any) map[string]any {
	named := false
	for _, f := range TokenFields {
		if _, ok := est[f]; ok {
			named = true
		}
	}
	if !named {
		return est
	}
	out := maps.Clone(est)
	var total int64
	for _, f := range TokenFields[:5] {
		if _, ok := out[f]; !ok {
			out[f] = 0
		}
		if f != FieldReasoningTokens {
			total += toInt(out[f])
		}
	}
	if _, ok := out[FieldTotalTokens]; !ok {
		out[FieldTotalTokens] = total
	}
	return out
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case int32:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}
