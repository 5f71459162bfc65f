package billing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
)

// TestBatchEdgeCases sends, in one batch, everything a group commit must keep
// apart: duplicates, a conflict, a rating error, an authorization of another
// wallet on a tiered price, and plain events around them.
func TestBatchEdgeCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	upTo := dec("2")
	e.product(t, "calls", "call", billing.Price{Name: "calls", Model: billing.Tiered, Asset: "USD", TierMode: billing.TierGraduated,
		Tiers: []billing.Tier{{UpTo: &upTo, UnitAmount: dec("1.00")}, {UnitAmount: dec("0.10")}}})
	e.product(t, "tokens", "chat", billing.Price{Name: "tokens", Model: billing.PerVolume, Asset: "USD", Field: "tokens", BlockSize: dec("1000"), BlockAmount: dec("1")})
	e.customer(t, "u1")
	e.customer(t, "u2")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u2", Asset: "USD", Amount: dec("10"), Reason: "p"})
	other, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a-u2", Customer: "u2", Amount: decp("1"), Asset: "USD"})
	if err != nil || !other.Approved {
		t.Fatalf("Authorize(u2) = %+v, %v", other, err)
	}
	res, err := e.svc.RecordUsageBatch(e.ctx, []billing.UsageEventInput{
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 1: 1.00
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0},                            // duplicate: replay of c1
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0, Data: data("x", "1")},      // same id, other payload: conflict
		{ID: "bad", Customer: "u1", EventType: "chat", Data: data("tokens", "many")},             // rating error
		{ID: "c2", Customer: "u1", EventType: "call", OccurredAt: t0, AuthorizationID: other.ID}, // another wallet's hold: refused
		{ID: "c3", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 1 still (c2 refused): 1.00
		{ID: "c4", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 2: 0.10
		{ID: "t1", Customer: "u1", EventType: "chat", Data: data("tokens", "500")},               // 0.50
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		code string
		fee  string
	}{{"", "1.00"}, {"", "1.00"}, {billing.EConflict, ""}, {billing.EInvalid, ""}, {billing.EInvalid, ""}, {"", "1.00"}, {"", "0.10"}, {"", "0.50"}}
	for i, w := range want {
		r := res[i]
		if got := billing.ErrorCode(r.Err); got != w.code {
			t.Errorf("event %d error = %v (code %q), want code %q", i, r.Err, got, w.code)
			continue
		}
		if w.fee != "" {
			wantDec(t, "fee of event "+r.Event.ID, r.Event.Fees[0].Amount, w.fee)
		}
	}
	if !res[1].Event.Replayed || res[1].Event.Fees[0].ID != res[0].Event.Fees[0].ID {
		t.Errorf("duplicate in batch = %+v, want a replay of the first", res[1].Event)
	}
	wantDec(t, "u1 total", e.balance(t, "u1", "USD").Total, "-2.60")
	for _, id := range []string{"bad", "c2"} {
		if _, err := e.svc.GetEvent(e.ctx, id); billing.ErrorCode(err) != billing.ENotFound {
			t.Errorf("refused event %s was kept: %v", id, err)
		}
	}
	// The refused event's tier usage was taken back: the next call is 0.10 (4th unit).
	next := e.record(t, billing.UsageEventInput{ID: "c5", Customer: "u1", EventType: "call", OccurredAt: t0})
	wantDec(t, "next call", next.Fees[0].Amount, "0.10")
	if a, _ := e.svc.GetAuthorization(e.ctx, other.ID); a.Status != billing.AuthActive {
		t.Errorf("u2's hold = %s after a refused capture, want active", a.Status)
	}
	e.verifyClean(t)
}

func TestAuthorizeSameKeyConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "p"})
	ids := make(chan string, 10)
	done := make(chan struct{})
	for range 10 {
		go func() {
			defer func() { done <- struct{}{} }()
			a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "k", Customer: "u1", Amount: decp("2"), Asset: "USD"})
			if err != nil || !a.Approved {
				t.Errorf("Authorize = %+v, %v", a, err)
			}
			ids <- a.ID
		}()
	}
	for range 10 {
		<-done
	}
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("same key gave authorizations %s and %s", first, id)
		}
	}
	wantDec(t, "held", e.balance(t, "u1", "USD").Held, "2")
}

// TestCloseDrainsAndRefuses: Close waits for the batches already taken, and
// usage after it is refused with EUnavailable, never lost half-done.
func TestCloseDrainsAndRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	if _, _, err := e.svc.CreateProduct(e.ctx, billing.CreateProductInput{Code: "p", Name: "p", EventType: "x.used",
		Prices: []billing.Price{{Model: billing.PerUnit, Asset: "USD", UnitAmount: dec("0.001")}}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 40)
	for i := range results {
		wg.Go(func() {
			_, results[i] = e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: fmt.Sprintf("e-%d", i), Customer: "u1", EventType: "x.used"})
		})
	}
	time.Sleep(5 * time.Millisecond)
	if err := e.svc.Close(context.Background()); err != nil {
		t.Fatalf("Close = %v", err)
	}
	wg.Wait()
	recorded := 0
	for _, err := range results {
		switch billing.ErrorCode(err) {
		case "":
			recorded++
		case billing.EUnavailable:
		default:
			t.Errorf("RecordUsage during Close = %v, want recorded or unavailable", err)
		}
	}
	if _, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "late", Customer: "u1", EventType: "x.used"}); billing.ErrorCode(err) != billing.EUnavailable {
		t.Errorf("RecordUsage after Close = %v, want unavailable", err)
	}
	want := dec("0.001").Mul(decimal.NewFromInt(int64(recorded))).Neg()
	if got := e.balance(t, "u1", "USD").Total; !got.Equal(want) {
		t.Errorf("balance = %s after %d recorded events, want %s", got, recorded, want)
	}
	e.verifyClean(t)
}
