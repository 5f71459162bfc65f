package billing_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// outboxTypes returns the types of the outbox's balance events, in order.
func (e *env) outboxTypes(t *testing.T) []string {
	t.Helper()
	rows, err := e.svc.Pool().Query(e.ctx, `SELECT type || coalesce(':' || (payload->>'threshold'), '') FROM outbox WHERE type LIKE 'balance.%' AND type <> 'balance.below_zero' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *env) charge(t *testing.T, id, amount string) {
	t.Helper()
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: id, Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec(amount)})
}

func (e *env) gift(t *testing.T, id, amount string) {
	t.Helper()
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: id, Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec(amount)})
}

func TestBalanceThresholds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.gift(t, "g0", "20")
	got, err := e.svc.SetBalanceThresholds(e.ctx, billing.SetBalanceThresholdsInput{Customer: "u1", Asset: "USD",
		Thresholds: []billing.ThresholdInput{{Threshold: dec("10")}, {Threshold: dec("5"), RearmAt: decp("8")}}})
	if err != nil {
		t.Fatalf("SetBalanceThresholds = %v", err)
	}
	if len(got) != 2 || !got[0].Armed || !got[0].RearmAt.Equal(dec("11")) || !got[1].RearmAt.Equal(dec("8")) {
		t.Fatalf("SetBalanceThresholds = %+v, want 10 (re-arm 11.00) and 5 (re-arm 8.00), armed", got)
	}

	e.charge(t, "c1", "10.01") // 9.99: crosses 10
	e.gift(t, "g1", "0.02")    // 10.01: above 10 but below 11, stays disarmed
	e.charge(t, "c2", "0.02")  // 9.99 again: nothing
	e.gift(t, "g2", "1.01")    // 11.00: re-arms 10
	e.charge(t, "c3", "7.00")  // 4.00: crosses 10 and 5 in one debit
	e.charge(t, "c4", "4.00")  // 0: depleted
	e.gift(t, "g4", "0.50")    // 0.50: recovered
	want := []string{"balance.threshold_crossed:10.00", "balance.threshold_crossed:10.00", "balance.threshold_crossed:5.00",
		"balance.depleted", "balance.recovered"}
	if got := e.outboxTypes(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events = %v\nwant %v", got, want)
	}

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, in := range [][]billing.ThresholdInput{
			{{Threshold: dec("0")}},
			{{Threshold: dec("1.001")}},
			{{Threshold: dec("5"), RearmAt: decp("5")}},
			{{Threshold: dec("5")}, {Threshold: dec("5.00")}},
		} {
			_, err := e.svc.SetBalanceThresholds(e.ctx, billing.SetBalanceThresholdsInput{Customer: "u1", Asset: "USD", Thresholds: in})
			wantCode(t, fmt.Sprintf("SetBalanceThresholds(%v)", in), err, kernel.EInvalid)
		}
	})
}

// TestBalanceThresholdConcurrentDebits: debits crossing a threshold together
// write one event, since each runs under the balance's row lock.
func TestBalanceThresholdConcurrentDebits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.gift(t, "g0", "100")
	if _, err := e.svc.SetBalanceThresholds(e.ctx, billing.SetBalanceThresholdsInput{Customer: "u1", Asset: "USD",
		Thresholds: []billing.ThresholdInput{{Threshold: dec("75")}}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: fmt.Sprintf("c-%d", i), Kind: billing.AdjustCharge,
				Customer: "u1", Asset: "USD", Amount: dec("0.25")})
			if err != nil {
				t.Errorf("charge %d = %v", i, err)
			}
		})
	}
	wg.Wait()
	want := []string{"balance.threshold_crossed:75.00"}
	if got := e.outboxTypes(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events after 200 debits = %v, want %v", got, want)
	}
	wantDec(t, "total", e.balance(t, "u1", "USD").Total, "50")
	e.verifyClean(t)
}
