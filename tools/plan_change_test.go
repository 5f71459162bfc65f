package tools

import (
	"testing"
	"time"
)

// TestPlanChangeNowShowsTheCurrentPeriod: after an upgrade now,
// get_subscription on the new subscription lists its part of the period
// (from the change to the renewal, the new fee for that time, paid by the
// proration), the old one keeps the period it paid for, and the old
// allowance expired instead of paying for the change.
func TestPlanChangeNowShowsTheCurrentPeriod(t *testing.T) {
	t.Parallel()
	clk := &planClock{t: time.Date(2027, time.March, 1, 0, 0, 0, 0, time.UTC)}
	e := planEnv(t, clk)
	e.ok("create_product_price", chatPlan())
	e.ok("create_product_version", map[string]any{"product": "chat",
		"prices": []any{
			map[string]any{"name": "Plan", "model": "recurring", "asset": "USD", "interval": "month", "amount": "40.00"},
			map[string]any{"name": "Credits", "model": "per_volume", "asset": "USD", "field": "credits", "block_size": "1", "block_amount": "0.01"},
		},
		"entitlements": []any{map[string]any{"kind": "recurring", "asset": "USD", "amount": "25.00", "interval": "month"}},
		"keep_default": true})
	e.ok("create_customer", map[string]any{"external_id": "dee"})
	e.ok("create_adjustment", map[string]any{"transaction_id": "dee-1", "kind": "top_up", "customer": "dee", "asset": "USD", "amount": "100.00", "reason": "paid"})
	s := e.ok("subscribe_customer", map[string]any{"customer": "dee", "product": "chat", "version": 1})
	oldID := get(s, "subscription", "id").(string)

	// Half of March (31 days) left at noon on the 16th: 15.5 days. Credited
	// 20.00 × ½ = 10.00, owed 40.00 × ½ = 20.00, 10.00 moves; the unused
	// 10.00 allowance expires and 25.00 × ½ = 12.50 is granted.
	clk.set(time.Date(2027, time.March, 16, 12, 0, 0, 0, time.UTC))
	r := e.ok("change_subscription", map[string]any{"subscription": oldID, "version": 2})
	newID := get(r, "subscription", "id").(string)

	txns := e.ok("list_transactions", map[string]any{"customer": "dee", "kind": "proration"})
	if n := len(txns["data"].([]any)); n != 1 {
		t.Fatalf("list_transactions kind proration = %v, want 1", txns)
	}
	proration := get(txns, "data", 0, "id")

	st := e.ok("get_statement", map[string]any{"customer": "dee", "asset": "USD", "month": "2027-03"})
	want := map[string]string{"top_up": "100.00", "plan_fee": "-20.00", "allowance": "22.50", "expiry": "-10.00", "proration": "-10.00"}
	for _, l := range get(st, "statement", "lines").([]any) {
		l := l.(map[string]any)
		if w, ok := want[l["kind"].(string)]; !ok || w != l["amount"] {
			t.Errorf("statement line %v, want %s", l, w)
		}
		delete(want, l["kind"].(string))
	}
	if len(want) > 0 || get(st, "statement", "closing_balance") != "82.50" {
		t.Errorf("statement = %v; lines missing %v, want closing 82.50", st, want)
	}

	g := e.ok("get_subscription", map[string]any{"subscription": newID})
	if n := len(g["periods"].([]any)); n != 1 {
		t.Fatalf("get_subscription on the new subscription = %v, want one period", g)
	}
	for field, want := range map[string]any{"start": "2027-03-16T12:00:00Z", "end": "2027-04-01T00:00:00Z", "status": "paid", "asset": "USD",
		"fee": "20.00", "transaction_id": proration, "paid_at": "2027-03-16T12:00:00Z"} {
		if got := get(g, "periods", 0, field); got != want {
			t.Errorf("new subscription's period %s = %v, want %v", field, got, want)
		}
	}
	old := e.ok("get_subscription", map[string]any{"subscription": oldID})
	if n := len(old["periods"].([]any)); n != 1 || get(old, "periods", 0, "start") != "2027-03-01T00:00:00Z" ||
		get(old, "periods", 0, "end") != "2027-04-01T00:00:00Z" || get(old, "periods", 0, "fee") != "20.00" {
		t.Errorf("get_subscription on the old subscription = %v, want the March period it paid for", old)
	}
}
