package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/payments/stripe"
	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
)

// TestWebhookEventData renders the data of every event type, as the
// fan-out does, and holds it to the OpenAPI component the document's
// webhooks section names. The events come from real changes (their outbox
// rows) where a request makes them; the rest (below_zero, auto top-up
// declines, subscription renewals, which need the card or the clock) are
// rendered from outbox payloads of the same form over real objects.
func TestWebhookEventData(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t)
	p.setup(t) // user_1 with 10 USD
	render := wire.WebhookData(p.svc)
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: p.acct.ID, Mode: billing.ModeTest})

	p.must(t, http.StatusOK, "POST", "/v1/customers/user_1/wallets/default/thresholds",
		map[string]any{"asset": "USD", "thresholds": []map[string]any{{"threshold": "5.00"}}}, nil)
	p.must(t, http.StatusOK, "POST", "/v1/authorizations", map[string]any{"idempotency_key": "too-much", "customer": "user_1", "amount": "50", "asset": "USD"}, nil)
	p.must(t, http.StatusCreated, "POST", "/v1/authorizations", map[string]any{"idempotency_key": "half", "customer": "user_1", "amount": "6", "asset": "USD"}, nil)
	p.must(t, http.StatusCreated, "POST", "/v1/adjustments", map[string]any{"transaction_id": "rest", "kind": "charge", "customer": "user_1", "asset": "USD", "amount": "4.00"}, nil)
	for card, key := range map[string]string{stripe.CardDeclines: "declined", stripe.CardAuthentication: "3ds", stripe.CardSucceeds: "paid"} {
		tu := p.topUp(t, http.StatusCreated, "POST", "/v1/top_ups", topUpBody("hook-"+key, "20.00"))
		p.payCheckout(t, tu.CheckoutURL, card)
	}
	var sub wire.Subscription
	p.must(t, http.StatusOK, "POST", "/v1/customers/user_1/subscriptions", map[string]any{"product": "images"}, &sub)
	p.must(t, http.StatusOK, "POST", "/v1/customers/user_1/wallets/default/auto_top_up",
		map[string]any{"asset": "USD", "enabled": true, "threshold": "1", "amount": "20.00"}, nil)

	rows, err := p.svc.Pool().Query(ctx, `SELECT type, payload FROM outbox WHERE account_id = $1 ORDER BY id`, p.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		typ     string
		payload json.RawMessage
	}
	outbox, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var o row
		err := r.Scan(&o.typ, &o.payload)
		return o, err
	})
	if err != nil {
		t.Fatal(err)
	}
	var wallet, topUp string
	for _, o := range outbox {
		var ids struct {
			WalletID string `json:"wallet_id"`
			TopUpID  string `json:"top_up_id"`
		}
		_ = json.Unmarshal(o.payload, &ids)
		wallet = max(wallet, ids.WalletID)
		if o.typ == "top_up.succeeded" {
			topUp = ids.TopUpID
		}
	}
	synthetic := map[string]string{
		"balance.below_zero":     `{"wallet_id": "` + wallet + `", "asset": "USD", "total": "-1"}`,
		"auto_top_up.failed":     `{"top_up_id": "` + topUp + `", "wallet_id": "` + wallet + `", "asset": "USD"}`,
		"auto_top_up.disabled":   `{"top_up_id": "` + topUp + `", "wallet_id": "` + wallet + `", "asset": "USD"}`,
		"subscription.renewed":   `{"subscription_id": "` + sub.ID + `"}`,
		"subscription.past_due":  `{"subscription_id": "` + sub.ID + `"}`,
		"subscription.suspended": `{"subscription_id": "` + sub.ID + `"}`,
		"subscription.resumed":   `{"subscription_id": "` + sub.ID + `"}`,
		"subscription.canceled":  `{"subscription_id": "` + sub.ID + `"}`,
	}
	for typ, payload := range synthetic {
		outbox = append(outbox, row{typ, json.RawMessage(payload)})
	}

	component := map[string]string{}
	for _, ev := range webhookEvents {
		component[ev.typ] = ev.data.Name()
	}
	seen := map[string]bool{}
	for _, o := range outbox {
		name, ok := component[o.typ]
		if !ok {
			t.Errorf("outbox event %s is not in the OpenAPI document's webhooks", o.typ)
			continue
		}
		v, err := render(ctx, o.typ, o.payload)
		if err != nil {
			t.Errorf("render %s %s: %v", o.typ, o.payload, err)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s", o.typ, b)
		conformsTo(t, name, b)
		seen[o.typ] = true
	}
	for _, typ := range webhooks.EventTypes {
		if !seen[typ] {
			t.Errorf("no %s event rendered", typ)
		}
	}
	if _, ok := component[webhooks.TestEventType]; !ok {
		t.Errorf("webhook.test is not in the document")
	}
	if len(webhookEvents) != len(webhooks.EventTypes)+1 {
		t.Errorf("the document has %d webhooks, want the %d event types and webhook.test", len(webhookEvents), len(webhooks.EventTypes))
	}
}
