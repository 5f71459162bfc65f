package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

// TestPlans drives a plan through REST on the real clock: every response is
// checked against the OpenAPI document by serve.
func TestPlans(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{
		"code": "chat", "name": "Chat plan", "event_type": "chat.completed",
		"prices": []any{
			map[string]any{"name": "Plan", "model": "recurring", "asset": "USD", "interval": "month", "amount": "20.00"},
			map[string]any{"name": "Credits", "model": "per_volume", "asset": "USD", "field": "credits", "block_size": "1", "block_amount": "0.01"},
		},
		"entitlements": []any{map[string]any{"kind": "recurring", "asset": "USD", "amount": "10.00", "interval": "month"}},
	}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "ada", "name": "Ada <Lovelace>"}, nil)

	t.Run("ErrInsufficientFunds", func(t *testing.T) {
		e.wantError(t, e.do("POST", "/v1/customers/ada/subscriptions", e.key, map[string]any{"product": "chat"}), http.StatusPaymentRequired, typeInsufficientFunds, "insufficient_funds", "wallet")
	})

	e.must(t, http.StatusCreated, "POST", "/v1/adjustments", map[string]any{"transaction_id": "pay-1", "kind": "top_up", "customer": "ada", "asset": "USD", "amount": "50.00", "reason": "paid"}, nil)
	var sub wire.Subscription
	e.must(t, http.StatusOK, "POST", "/v1/customers/ada/subscriptions", map[string]any{"product": "chat", "wallet": "default"}, &sub)
	if sub.Status != "active" || !sub.Plan || sub.NextRenewalAt == nil || sub.CurrentPeriodEnd == nil || *sub.NextRenewalAt != *sub.CurrentPeriodEnd {
		t.Fatalf("subscribe = %+v", sub)
	}
	e.must(t, http.StatusCreated, "POST", "/v1/events", map[string]any{"id": "ev-1", "customer": "ada", "event_type": "chat.completed", "data": map[string]any{"credits": 1500}}, nil)

	t.Run("Customer", func(t *testing.T) {
		var c wire.CustomerDetail
		e.must(t, http.StatusOK, "GET", "/v1/customers/ada", nil, &c)
		if c.ExternalID != "ada" || len(c.Subscriptions) != 1 || c.Subscriptions[0].ID != sub.ID || c.Subscriptions[0].NextRenewalAt == nil {
			t.Errorf("GET /v1/customers/ada = %+v", c)
		}
	})
	t.Run("Subscription", func(t *testing.T) {
		var d wire.SubscriptionDetail
		e.must(t, http.StatusOK, "GET", "/v1/subscriptions/"+sub.ID, nil, &d)
		if d.Status != "active" || len(d.Periods) != 1 || d.Periods[0].Fee.String() != "20" || d.Periods[0].Status != "paid" {
			t.Errorf("GET /v1/subscriptions/%s = %+v", sub.ID, d)
		}
		e.wantError(t, e.do("GET", "/v1/subscriptions/sub_nope", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "subscription")
	})
	t.Run("Statement", func(t *testing.T) {
		res := e.must(t, http.StatusOK, "GET", "/v1/customers/ada/statements?asset=USD", nil, nil)
		for _, want := range []string{`"opening_balance":"0.00"`, `"kind":"plan_fee","label":"Plan fees","amount":"-20.00"`, `"kind":"usage","label":"Usage","amount":"-15.00"`,
			`"allowance_used":"10.00"`, `"closing_balance":"25.00"`} {
			if !strings.Contains(string(res.body), want) {
				t.Errorf("statement %s lacks %s", res.body, want)
			}
		}
		e.wantError(t, e.do("GET", "/v1/customers/ada/statements?asset=USD&month=2027-13", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "month")
		e.wantError(t, e.do("GET", "/v1/customers/ada/statements", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "missing_parameter", "asset")
		e.wantError(t, e.do("GET", "/v1/customers/ada/statements?asset=USD&nope=1", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "unknown_parameter", "nope")
	})
	t.Run("StatementPage", func(t *testing.T) {
		res := e.must(t, http.StatusOK, "GET", "/v1/customers/ada/statements.html?asset=USD", nil, nil)
		page := string(res.body)
		if ct := res.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		for _, want := range []string{"Ada &lt;Lovelace&gt; (ada)", "Opening balance", "0.00 USD", "Plan fees", "-20.00 USD", "Closing balance", "25.00 USD", "@media print"} {
			if !strings.Contains(page, want) {
				t.Errorf("statement page lacks %q:\n%s", want, page)
			}
		}
		if res := e.do("GET", "/v1/customers/ada/statements.html?asset=USD", "", nil); res.status != http.StatusUnauthorized {
			t.Errorf("statement page without a key = %d, want 401", res.status)
		}
	})
	t.Run("ChangeAndCancel", func(t *testing.T) {
		var later wire.Subscription
		e.must(t, http.StatusOK, "POST", "/v1/subscriptions/"+sub.ID+"/change", map[string]any{"version": 1, "at_period_end": true}, &later)
		if later.ID != sub.ID || later.NextVersion != 0 {
			t.Errorf("change to the version in force = %+v", later)
		}
		e.wantError(t, e.do("POST", "/v1/subscriptions/"+sub.ID+"/change", e.key, map[string]any{"version": 7}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "version")
		var c wire.Subscription
		e.must(t, http.StatusOK, "POST", "/v1/subscriptions/"+sub.ID+"/cancel", map[string]any{"at_period_end": true}, &c)
		if !c.CancelAtPeriodEnd || c.NextRenewalAt != nil || c.Status != "active" {
			t.Errorf("cancel at period end = %+v", c)
		}
		e.must(t, http.StatusOK, "POST", "/v1/subscriptions/"+sub.ID+"/cancel", nil, &c)
		if c.Status != "canceled" || c.EndedAt == nil {
			t.Errorf("cancel now = %+v", c)
		}
		body := e.wantError(t, e.do("POST", "/v1/subscriptions/"+sub.ID+"/cancel", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "subscription")
		if !strings.Contains(body.Message, "GET /v1/customers/{id}/subscriptions") {
			t.Errorf("message %q does not say where to find the subscriptions", body.Message)
		}
	})
}
