package main

import (
	"net/http"
	"testing"
	"time"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestTestClockStoryMCP runs the test-clock story through the real server
// with the official Go SDK over streamable HTTP: a plan subscribed on a
// clock renews when the clock passes a month (the unused allowance expires),
// goes past_due and then suspended when the wallet cannot pay, resumes on a
// top-up, and the month's statement closes at the wallet's balance. The
// amounts are worked out by hand.
func TestTestClockStoryMCP(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
	key := createKey(t, url)
	cs := mcpConnect(t, &gosdk.StreamableClientTransport{
		Endpoint:   "http://" + addr + "/mcp?toolsets=default,plans",
		HTTPClient: &http.Client{Transport: bearer{key}},
		MaxRetries: -1,
	})
	now := time.Now().UTC()
	jan := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC) // the first of next month
	at := func(months, days int) string { return jan.AddDate(0, months, days).Format(time.RFC3339) }

	mcpOK(t, cs, "create_product_price", map[string]any{"code": "chat", "event_type": "chat.message", "prices": []any{
		map[string]any{"name": "plan", "model": "recurring", "asset": "USD", "interval": "month", "amount": "20.00"},
		map[string]any{"name": "messages", "model": "per_unit", "asset": "USD", "unit_amount": "0.01"},
	}, "entitlements": []any{map[string]any{"kind": "recurring", "asset": "USD", "amount": "10.00", "interval": "month"}}})
	clk := mcpOK(t, cs, "create_test_clock", map[string]any{"idempotency_key": "story", "name": "story", "frozen_time": at(0, 0)})
	clock := dig(clk, "test_clock", "id").(string)
	if again := mcpOK(t, cs, "create_test_clock", map[string]any{"idempotency_key": "story", "name": "story", "frozen_time": at(0, 0)}); dig(again, "test_clock", "id") != clock || again["replayed"] != true {
		t.Errorf("create_test_clock retried = %v, want %s replayed", again, clock)
	}
	cus := mcpOK(t, cs, "create_customer", map[string]any{"external_id": "u1", "test_clock": clock})
	if dig(cus, "customer", "test_clock") != clock || dig(cus, "customer", "created_at") != at(0, 0) {
		t.Fatalf("create_customer on the clock = %v", cus)
	}
	mcpOK(t, cs, "create_adjustment", map[string]any{"transaction_id": "paid-45", "kind": "top_up", "customer": "u1", "asset": "USD", "amount": "45.00"})
	sub := mcpOK(t, cs, "subscribe_customer", map[string]any{"customer": "u1", "product": "chat"})
	subID := dig(sub, "subscription", "id").(string)
	mcpOK(t, cs, "record_usage", map[string]any{"id": "m-1", "customer": "u1", "event_type": "chat.message"})
	if ev := mcpOK(t, cs, "get_event", map[string]any{"id": "m-1"}); dig(ev, "event", "occurred_at") != at(0, 0) {
		t.Errorf("record_usage without occurred_at = %v, want the clock's time %s", dig(ev, "event"), at(0, 0))
	}

	advance := func(to string) {
		t.Helper()
		r := mcpOK(t, cs, "advance_test_clock", map[string]any{"test_clock": clock, "frozen_time": to})
		deadline := time.After(30 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond) // reading the clock's status, as the tool's next step says
		defer tick.Stop()
		for dig(r, "test_clock", "status") != "ready" {
			select {
			case <-deadline:
				t.Fatalf("test clock not ready 30 s after advancing to %s: %v", to, r)
			case <-tick.C:
			}
			r = mcpOK(t, cs, "get_test_clock", map[string]any{"test_clock": clock})
		}
		if dig(r, "test_clock", "frozen_time") != to {
			t.Fatalf("clock ready at %v, want %s", dig(r, "test_clock", "frozen_time"), to)
		}
	}
	status := func() any {
		return dig(mcpOK(t, cs, "get_subscription", map[string]any{"subscription": subID}), "subscription", "status")
	}
	total := func() any {
		return dig(balanceOf(dig(mcpOK(t, cs, "get_wallet", map[string]any{"customer": "u1"}), "wallet"), "USD"), "total")
	}

	advance(at(1, 0)) // renewal: 45 − 20 + 10 − 0.01, then −20 + 10 − 9.99 unused allowance
	got := mcpOK(t, cs, "get_subscription", map[string]any{"subscription": subID})
	if dig(got, "subscription", "status") != "active" || len(dig(got, "periods").([]any)) != 2 || dig(got, "periods", 1, "status") != "paid" {
		t.Fatalf("after a month: %v, want active with two paid periods", got)
	}
	if b := total(); b != "15.00" {
		t.Errorf("balance after a month = %v, want 15.00", b)
	}
	feb := mcpOK(t, cs, "get_statement", map[string]any{"customer": "u1", "asset": "USD", "month": jan.AddDate(0, 1, 0).Format("2006-01")})
	if dig(feb, "statement", "opening_balance") != "34.99" || dig(feb, "statement", "lines", 2, "kind") != "expiry" || dig(feb, "statement", "lines", 2, "amount") != "-9.99" {
		t.Errorf("second month's statement = %v, want opening 34.99 and 9.99 expired", dig(feb, "statement"))
	}

	advance(at(2, 0)) // 5.00 cannot pay 20.00
	if s := status(); s != "past_due" {
		t.Fatalf("two months on: %v, want past_due", s)
	}
	advance(at(2, 4)) // the three days of grace are over
	if s := status(); s != "suspended" {
		t.Fatalf("after the grace period: %v, want suspended", s)
	}
	mcpOK(t, cs, "create_adjustment", map[string]any{"transaction_id": "paid-30", "kind": "top_up", "customer": "u1", "asset": "USD", "amount": "30.00"})
	if s := status(); s != "active" {
		t.Fatalf("after a top-up: %v, want active", s)
	}
	mar := mcpOK(t, cs, "get_statement", map[string]any{"customer": "u1", "asset": "USD", "month": jan.AddDate(0, 2, 0).Format("2006-01")})
	if b := total(); b != "25.00" || dig(mar, "statement", "closing_balance") != b {
		t.Errorf("balance %v and the month's closing %v; want both 25.00 (5 + 30 − 20 + 10)", b, dig(mar, "statement", "closing_balance"))
	}
	if msg := mcpErr(t, cs, "advance_test_clock", map[string]any{"test_clock": clock, "frozen_time": at(1, 0)}); msg == "" {
		t.Error("advance_test_clock backwards answered no error")
	}
}
