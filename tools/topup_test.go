package tools

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/payments/stripe"
)

// newPayEnv is an MCP env whose test mode takes payments through the
// built-in test provider, its pages served by an httptest server.
func newPayEnv(t *testing.T) *env {
	t.Helper()
	var svc *billing.Service
	var pay *stripe.TestProvider
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { pay.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	pay, err := stripe.NewTestProvider(stripe.TestConfig{BaseURL: srv.URL,
		Deliver: func(ctx context.Context, payload []byte, h http.Header) error {
			return svc.Payments.HandlePaymentWebhook(ctx, payments.ProviderTest, "", "", payload, h)
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pay.Wait)
	svc = billing.NewService(testdb.New(t), billing.Options{TestPayments: pay})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return newEnvFor(t, svc, profFor(svc), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
}

// payAt opens a checkout page as the customer's browser would and pays
// with card, returning the status of the form post.
func payAt(t *testing.T, checkoutURL, card string) int {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(checkoutURL)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %v, %v; want 200", checkoutURL, res, err)
	}
	res.Body.Close()
	res, err = client.PostForm(checkoutURL, url.Values{"card": {card}, "action": {"pay"}})
	if err != nil {
		t.Fatalf("POST %s: %v", checkoutURL, err)
	}
	res.Body.Close()
	return res.StatusCode
}

func topUpArgs(key, customer, amount string) map[string]any {
	return map[string]any{"idempotency_key": key, "customer": customer, "asset": "USD", "amount": amount,
		"success_url": "https://app.example.com/billing?paid=1", "cancel_url": "https://app.example.com/billing"}
}

// TestTopUpAsANewUser is the story of a new user in test mode with no
// Stripe account: create_top_up, open the checkout, pay with 4242, and the
// wallet shows the paid lot; with 4000…0002 the top-up fails and nothing is
// credited.
func TestTopUpAsANewUser(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	e.ok("create_customer", map[string]any{"external_id": "user_1"})
	e.ok("create_customer", map[string]any{"external_id": "user_2"})
	e.ok("create_customer", map[string]any{"external_id": "user_3"})

	t.Run("OK", func(t *testing.T) {
		r := e.ok("create_top_up", topUpArgs("topup-1", "user_1", "20.00"))
		checkout, _ := get(r, "top_up", "checkout_url").(string)
		id, _ := get(r, "top_up", "id").(string)
		if get(r, "top_up", "status") != "pending" || checkout == "" || get(r, "top_up", "amount") != "20.00" {
			t.Fatalf("create_top_up = %v, want pending with a checkout_url", r)
		}
		if steps := mustJSON(r["next_steps"]); !strings.Contains(steps, "checkout_url") || !strings.Contains(r["summary"].(string), "pays 20.00 USD") {
			t.Errorf("summary %q, next_steps %s: want the amount and to send the customer to checkout_url", r["summary"], steps)
		}
		if again := e.ok("create_top_up", topUpArgs("topup-1", "user_1", "20.00")); get(again, "top_up", "id") != id || get(again, "top_up", "replayed") != true {
			t.Errorf("replay = %v, want the same top-up", again)
		}
		if got := payAt(t, checkout, "4242 4242 4242 4242"); got != http.StatusSeeOther {
			t.Fatalf("pay with 4242 = %d, want 303", got)
		}
		w := e.ok("get_wallet", map[string]any{"customer": "user_1"})
		lot := get(w, "wallet", "balances", 0, "lots", 0)
		if get(lot, "purpose") != "paid" || get(lot, "amount") != "20.00" || get(lot, "revenue_basis") != "20" {
			t.Errorf("lot = %v, want the paid lot of 20.00 USD", lot)
		}
		g := e.ok("get_top_up", map[string]any{"top_up_id": id})
		if get(g, "top_up", "status") != "succeeded" || get(g, "top_up", "lot_id") != get(lot, "id") {
			t.Errorf("get_top_up = %v, want succeeded with the lot", g)
		}
		l := e.ok("list_top_ups", map[string]any{"customer": "user_1"})
		if items, _ := l["data"].([]any); len(items) != 1 {
			t.Errorf("list_top_ups = %v, want one", l)
		}

		a := e.ok("configure_auto_top_up", map[string]any{"customer": "user_1", "asset": "USD", "enabled": true, "threshold": "5", "amount": "20.00"})
		if get(a, "auto_top_up", "enabled") != true || get(a, "auto_top_up", "threshold") != "5.00" {
			t.Errorf("configure_auto_top_up = %v", a)
		}
		rf := e.ok("refund_top_up", map[string]any{"top_up_id": id, "idempotency_key": "refund-1", "amount": "5.00"})
		if get(rf, "top_up", "refunded") != "5.00" {
			t.Errorf("refund_top_up = %v, want 5.00 refunded", rf)
		}
		if again := e.ok("refund_top_up", map[string]any{"top_up_id": id, "idempotency_key": "refund-1", "amount": "5.00"}); get(again, "top_up", "refunded") != "5.00" {
			t.Errorf("refund replay = %v, want still 5.00 refunded", again)
		}
		if got := get(e.ok("get_wallet", map[string]any{"customer": "user_1"}), "wallet", "balances", 0, "available"); got != "15.00" {
			t.Errorf("available after the refund = %v, want 15.00", got)
		}
	})

	t.Run("Declined", func(t *testing.T) {
		r := e.ok("create_top_up", topUpArgs("topup-2", "user_2", "20.00"))
		id, _ := get(r, "top_up", "id").(string)
		if got := payAt(t, get(r, "top_up", "checkout_url").(string), "4000 0000 0000 0002"); got != http.StatusPaymentRequired {
			t.Fatalf("pay with 0002 = %d, want 402", got)
		}
		g := e.ok("get_top_up", map[string]any{"top_up_id": id})
		if get(g, "top_up", "status") != "failed" || get(g, "top_up", "lot_id") != "" {
			t.Errorf("get_top_up = %v, want failed with no lot", g)
		}
		w := e.ok("get_wallet", map[string]any{"customer": "user_2"})
		for _, b := range get(w, "wallet", "balances").([]any) {
			if lots := get(b, "lots").([]any); len(lots) != 0 {
				t.Errorf("balance %v after a decline, want no lot", b)
			}
		}
		t.Run("ErrDeclinedCardNotSaved", func(t *testing.T) {
			e.fail("configure_auto_top_up", map[string]any{"customer": "user_2", "asset": "USD", "enabled": true, "threshold": "5", "amount": "20.00"})
		})
	})

	t.Run("ErrBadInput", func(t *testing.T) {
		wantContains(t, "below minimum", e.fail("create_top_up", topUpArgs("topup-3", "user_1", "0.10")), "0.50")
		e.ok("create_asset", map[string]any{"code": "credits"})
		args := topUpArgs("topup-4", "user_1", "20.00")
		args["asset"], args["currency"] = "credits", "USD"
		wantContains(t, "no rate", e.fail("create_top_up", args), "rate")
		args = topUpArgs("topup-5", "user_1", "20.00")
		args["secret_key"] = "sk_test_123"
		wantContains(t, "secret argument", e.fail("create_top_up", args), "secret_key")
		wantContains(t, "no idempotency key", e.fail("create_top_up", map[string]any{"customer": "user_1", "asset": "USD", "amount": "20.00",
			"success_url": "https://app.example.com/a", "cancel_url": "https://app.example.com/b"}), "idempotency_key")
		wantContains(t, "unknown top-up", e.fail("get_top_up", map[string]any{"top_up_id": "topup_nope"}), "not found")
		wantContains(t, "no saved card", e.fail("configure_auto_top_up", map[string]any{"customer": "user_3", "asset": "USD", "enabled": true,
			"threshold": "5", "amount": "20.00"}), "create_top_up")
	})
}
