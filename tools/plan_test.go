package tools

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// planClock is a settable clock for the service behind the tools.
type planClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *planClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *planClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// planEnv is an env whose service runs on clk, with a short grace period.
func planEnv(t *testing.T, clk *planClock) *env {
	t.Helper()
	svc := billing.NewService(testdb.New(t), billing.Options{Now: clk.now, GracePeriod: 24 * time.Hour})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return newEnvFor(t, svc, profFor(svc), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
}

// chatPlan is "a $20 monthly plan with 1,000 credits included and $0.01 per
// credit after", as an agent sets it up: one credit costs 0.01 USD, so the
// allowance of 1,000 credits is 10.00 USD.
func chatPlan() map[string]any {
	return map[string]any{
		"code": "chat", "name": "Chat plan", "event_type": "chat.completed",
		"prices": []any{
			map[string]any{"name": "Plan", "model": "recurring", "asset": "USD", "interval": "month", "amount": "20.00"},
			map[string]any{"name": "Credits", "model": "per_volume", "asset": "USD", "field": "credits", "block_size": "1", "block_amount": "0.01"},
		},
		"entitlements": []any{map[string]any{"kind": "recurring", "asset": "USD", "amount": "10.00", "interval": "month"}},
	}
}

func (e *env) renew(t *testing.T) {
	t.Helper()
	if _, err := e.svc.Plans.RenewDue(e.ctx, 100); err != nil {
		t.Fatalf("RenewDue = %v", err)
	}
}

// TestPlanAsANewUser is the story by tools alone: the plan set up,
// a customer subscribed, a month of usage, and the statement reads right.
func TestPlanAsANewUser(t *testing.T) {
	t.Parallel()
	clk := &planClock{t: time.Date(2027, time.January, 1, 9, 0, 0, 0, time.UTC)}
	e := planEnv(t, clk)

	p := e.ok("create_product_price", chatPlan())
	if get(p, "product", "versions", 0, "entitlements", 0, "amount") != "10" {
		t.Fatalf("create_product_price = %v, want the allowance in version 1", p)
	}
	e.ok("create_customer", map[string]any{"external_id": "ada"})
	e.ok("create_adjustment", map[string]any{"transaction_id": "pay-1", "kind": "top_up", "customer": "ada", "asset": "USD", "amount": "50.00", "reason": "paid by card"})

	s := e.ok("subscribe_customer", map[string]any{"customer": "ada", "product": "chat"})
	subID, _ := get(s, "subscription", "id").(string)
	if get(s, "subscription", "status") != "active" || get(s, "subscription", "plan") != true ||
		get(s, "subscription", "next_renewal_at") != "2027-02-01T09:00:00Z" || get(s, "subscription", "current_period_start") != "2027-01-01T09:00:00Z" {
		t.Fatalf("subscribe_customer = %v", s)
	}
	wantContains(t, "summary", s["summary"].(string), "fee was charged", "renews on 2027-02-01")

	// 1,500 credits over the month: 1,000 from the allowance, 500 paid.
	for i, d := range []int{10, 20, 30} {
		clk.set(time.Date(2027, time.January, d, 12, 0, 0, 0, time.UTC))
		e.ok("record_usage", map[string]any{"id": fmt.Sprintf("chat-%d", i), "customer": "ada", "event_type": "chat.completed", "data": map[string]any{"credits": 500}})
	}

	st := e.ok("get_statement", map[string]any{"customer": "ada", "asset": "USD", "month": "2027-01"})
	want := map[string]string{"top_up": "50.00", "plan_fee": "-20.00", "allowance": "10.00", "usage": "-15.00"}
	lines := get(st, "statement", "lines").([]any)
	if len(lines) != len(want) {
		t.Errorf("statement lines = %v, want %v", lines, want)
	}
	for _, l := range lines {
		l := l.(map[string]any)
		if want[l["kind"].(string)] != l["amount"] {
			t.Errorf("statement line %v, want %s", l, want[l["kind"].(string)])
		}
	}
	if get(st, "statement", "opening_balance") != "0.00" || get(st, "statement", "closing_balance") != "25.00" ||
		get(st, "statement", "allowance_used") != "10.00" || get(st, "statement", "usage_by_product", 0, "product") != "chat" ||
		get(st, "statement", "usage_by_product", 0, "amount") != "15.00" {
		t.Errorf("get_statement = %v", st)
	}
	wantContains(t, "summary", st["summary"].(string), "opening 0.00 USD", "plan fees -20.00 USD", "closing 25.00 USD", "10.00 USD came from plan allowances")
	w := e.ok("get_wallet", map[string]any{"customer": "ada"})
	if get(w, "wallet", "balances", 0, "total") != "25.00" {
		t.Errorf("get_wallet total = %v, want the statement's closing 25.00", get(w, "wallet", "balances", 0, "total"))
	}

	c := e.ok("get_customer", map[string]any{"customer": "ada"})
	if get(c, "subscriptions", 0, "id") != subID || get(c, "subscriptions", 0, "next_renewal_at") != "2027-02-01T09:00:00Z" {
		t.Errorf("get_customer = %v", c)
	}
	wantContains(t, "get_customer summary", c["summary"].(string), "active", "Renews on 2027-02-01")

	// February renews once; the month's statement opens at January's closing.
	clk.set(time.Date(2027, time.February, 1, 9, 30, 0, 0, time.UTC))
	e.renew(t)
	g := e.ok("get_subscription", map[string]any{"subscription": subID})
	if n := len(g["periods"].([]any)); n != 2 || get(g, "periods", 1, "fee") != "20.00" || get(g, "periods", 1, "status") != "paid" ||
		get(g, "subscription", "next_renewal_at") != "2027-03-01T09:00:00Z" {
		t.Errorf("get_subscription after renewal = %v", g)
	}
	feb := e.ok("get_statement", map[string]any{"customer": "ada", "asset": "USD"})
	if get(feb, "statement", "month") != "2027-02" || get(feb, "statement", "opening_balance") != "25.00" {
		t.Errorf("February statement = %v", feb)
	}

	t.Run("CancelAtPeriodEnd", func(t *testing.T) {
		r := e.ok("cancel_subscription", map[string]any{"subscription": subID, "at_period_end": true})
		if get(r, "subscription", "cancel_at_period_end") != true || get(r, "subscription", "next_renewal_at") != nil || get(r, "subscription", "status") != "active" {
			t.Errorf("cancel_subscription at period end = %v", r)
		}
		wantContains(t, "summary", r["summary"].(string), "ends on 2027-03-01", "will not renew")
	})
	t.Run("ErrFindSubscription", func(t *testing.T) {
		msg := e.fail("get_subscription", map[string]any{"subscription": "sub_nope"})
		wantContains(t, "error", msg, "sub_nope not found", "get_customer lists")
	})
}

// TestPlanChangesAndSuspension: a trial, a prorated upgrade, a plan that
// cannot renew is suspended and authorize_usage says why.
func TestPlanChangesAndSuspension(t *testing.T) {
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
	e.ok("create_customer", map[string]any{"external_id": "bob"})
	e.ok("create_customer", map[string]any{"external_id": "cy"})

	t.Run("ErrInsufficientFunds", func(t *testing.T) {
		msg := e.fail("subscribe_customer", map[string]any{"customer": "bob", "product": "chat"})
		wantContains(t, "error", msg, "insufficient funds", "20 USD")
	})

	t.Run("ChangeNowProrated", func(t *testing.T) {
		e.ok("create_adjustment", map[string]any{"transaction_id": "bob-1", "kind": "top_up", "customer": "bob", "asset": "USD", "amount": "100.00", "reason": "paid"})
		s := e.ok("subscribe_customer", map[string]any{"customer": "bob", "product": "chat", "version": 1})
		subID := get(s, "subscription", "id").(string)
		// Half of March (31 days) left at noon on the 16th: 15.5 days.
		clk.set(time.Date(2027, time.March, 16, 12, 0, 0, 0, time.UTC))
		later := e.ok("change_subscription", map[string]any{"subscription": subID, "version": 2, "at_period_end": true})
		if get(later, "subscription", "next_version") != float64(2) || get(later, "subscription", "id") != subID {
			t.Errorf("change_subscription at period end = %v", later)
		}
		r := e.ok("change_subscription", map[string]any{"subscription": subID, "version": 2})
		if get(r, "subscription", "version") != float64(2) || get(r, "previous_version") != float64(1) || get(r, "subscription", "id") == subID ||
			get(r, "subscription", "next_renewal_at") != "2027-04-01T00:00:00Z" {
			t.Errorf("change_subscription now = %v", r)
		}
		// (40 − 20) × 15.5/31 = 10.00 more paid.
		st := e.ok("get_statement", map[string]any{"customer": "bob", "asset": "USD", "month": "2027-03"})
		proration := "none"
		for _, l := range get(st, "statement", "lines").([]any) {
			if l := l.(map[string]any); l["kind"] == "proration" {
				proration = l["amount"].(string)
			}
		}
		if proration != "-10.00" {
			t.Errorf("proration line = %s, want -10.00", proration)
		}
		msg := e.fail("change_subscription", map[string]any{"subscription": subID, "version": 1})
		wantContains(t, "error", msg, "ended", "get_customer lists")
	})

	t.Run("TrialThenSuspended", func(t *testing.T) {
		clk.set(time.Date(2027, time.March, 1, 0, 0, 0, 0, time.UTC))
		s := e.ok("subscribe_customer", map[string]any{"customer": "cy", "product": "chat", "trial_days": 3})
		if get(s, "subscription", "status") != "trialing" || get(s, "subscription", "trial_ends_at") != "2027-03-04T00:00:00Z" {
			t.Fatalf("subscribe_customer with a trial = %v", s)
		}
		wantContains(t, "summary", s["summary"].(string), "Free trial until 2027-03-04")
		subID := get(s, "subscription", "id").(string)
		clk.set(time.Date(2027, time.March, 4, 1, 0, 0, 0, time.UTC))
		e.renew(t)
		g := e.ok("get_subscription", map[string]any{"subscription": subID})
		if get(g, "subscription", "status") != "past_due" || get(g, "subscription", "grace_ends_at") != "2027-03-05T01:00:00Z" {
			t.Errorf("get_subscription after an unpaid renewal = %v", g)
		}
		clk.set(time.Date(2027, time.March, 5, 2, 0, 0, 0, time.UTC))
		e.renew(t)
		a := e.ok("authorize_usage", map[string]any{"idempotency_key": "cy-1", "customer": "cy", "event_type": "chat.completed", "data": map[string]any{"credits": 1}})
		if a["approved"] != false || a["decline_reason"] != "subscription_suspended" {
			t.Fatalf("authorize_usage while suspended = %v", a)
		}
		wantContains(t, "summary", a["summary"].(string), "subscription_suspended", "renewal went unpaid")
		wantContains(t, "next_steps", mustJSON(a["next_steps"]), "tops up")
		c := e.ok("get_customer", map[string]any{"customer": "cy"})
		if get(c, "subscriptions", 0, "status") != "suspended" {
			t.Errorf("get_customer = %v", c)
		}
	})
}
