package billing_test

import (
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// An approved hold that takes the available balance to zero is a
// depletion, as a charge to zero is.
func TestHoldToZeroDepletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("2"), Reason: "gift"})
	a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "h1", Customer: "u1", Amount: decp("2"), Asset: "USD"})
	if err != nil || !a.Approved {
		t.Fatalf("Authorize(2 of 2) = %+v, %v", a, err)
	}
	var n int
	if err := e.svc.Pool().QueryRow(e.ctx, `SELECT count(*) FROM outbox WHERE type = 'balance.depleted'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("balance.depleted events after a hold of the whole balance = %d, %v; want 1", n, err)
	}
}
