package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/payments/stripe"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/wire"
)

// payEnv is an API whose test mode takes payments through the built-in test
// provider, its checkout pages served by an httptest server.
type payEnv struct {
	*env
	pay    *stripe.TestProvider
	client *http.Client // does not follow redirects: the success URL is not ours
}

func newPayEnv(t *testing.T) *payEnv {
	t.Helper()
	logs := &syncBuffer{}
	log := jsonLogger(logs)
	pool := testdb.New(t)
	var svc *billing.Service
	var pay *stripe.TestProvider
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { pay.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	pay, err := stripe.NewTestProvider(stripe.TestConfig{BaseURL: srv.URL, Logger: log,
		Deliver: func(ctx context.Context, payload []byte, h http.Header) error {
			return svc.Payments.HandlePaymentWebhook(ctx, payments.ProviderTest, "", "", payload, h)
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pay.Wait)
	svc = billing.NewService(pool, billing.Options{Logger: log, TestPayments: pay, Stripe: stripe.Connector("")})
	ctx := context.Background()
	acct, err := svc.Accounts.EnsureDefaultAccount(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	_, key, err := svc.Accounts.CreateAPIKey(ctx, acct.ID, billing.ModeTest, "api test")
	if err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	e := &env{t: t, svc: svc, server: newServer(svc, profitability.New(pool, svc), Options{Logger: log}), acct: acct, key: key, logs: logs}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &payEnv{env: e, pay: pay, client: client}
}

// payCheckout opens a checkout page as a customer's browser would and
// submits card; it returns the status of the form post.
func (p *payEnv) payCheckout(t *testing.T, checkoutURL, card string) int {
	t.Helper()
	res, err := p.client.Get(checkoutURL)
	if err != nil {
		t.Fatalf("GET %s: %v", checkoutURL, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, want 200", checkoutURL, res.StatusCode)
	}
	res, err = p.client.PostForm(checkoutURL, url.Values{"card": {card}, "action": {"pay"}})
	if err != nil {
		t.Fatalf("POST %s: %v", checkoutURL, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// topUpBody is a top-up of amount USD for user_1.
func topUpBody(key, amount string) map[string]any {
	return map[string]any{"idempotency_key": key, "customer": "user_1", "asset": "USD", "amount": amount,
		"success_url": "https://app.example.com/billing?paid={CHECKOUT_SESSION_ID}", "cancel_url": "https://app.example.com/billing"}
}

// openAPISchema compiles a component schema of the committed OpenAPI
// document, to hold responses to it.
func openAPISchema(t *testing.T, component string) *jsonschema.Schema {
	t.Helper()
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	raw, ok := doc.Components.Schemas[component]
	if !ok {
		t.Fatalf("openapi.json has no component %s", component)
	}
	s, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("component.json", s); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile("component.json")
	if err != nil {
		t.Fatalf("compile %s: %v", component, err)
	}
	return compiled
}

// conformsTo checks a JSON body against a component of the OpenAPI document.
func conformsTo(t *testing.T, component string, body []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if err := openAPISchema(t, component).Validate(v); err != nil {
		t.Errorf("response does not match #/components/schemas/%s: %v\n%s", component, err, body)
	}
}

// topUp sends a request answering a top-up, checks it against the document
// and decodes it.
func (p *payEnv) topUp(t *testing.T, want int, method, path string, body any, headers ...string) wire.TopUp {
	t.Helper()
	var out wire.TopUp
	res := p.must(t, want, method, path, body, &out, headers...)
	conformsTo(t, "TopUp", res.body)
	return out
}

func TestTopUps(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t)
	p.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_1", "email": "ada@example.com"}, nil)

	t.Run("OK", func(t *testing.T) {
		tu := p.topUp(t, http.StatusCreated, "POST", "/v1/top_ups", topUpBody("topup-ok", "20.00"))
		if tu.Status != billing.TopUpPending || !strings.HasPrefix(tu.CheckoutURL, "http") || tu.Amount.String() != "20" || tu.Provider != "test" || tu.Livemode {
			t.Fatalf("POST /v1/top_ups = %+v, want pending with a checkout URL", tu)
		}
		if res := p.do("POST", "/v1/top_ups", p.key, topUpBody("topup-ok", "20.00")); !bytes.Contains(res.body, []byte(`"amount":"20.00"`)) {
			t.Errorf("amount not written with the currency's precision: %s", res.body)
		}
		again := p.topUp(t, http.StatusOK, "POST", "/v1/top_ups", topUpBody("topup-ok", "20.00"))
		if again.ID != tu.ID || again.CheckoutURL != tu.CheckoutURL || !again.Replayed {
			t.Errorf("replay = %+v, want the same top-up and checkout", again)
		}
		if got := p.payCheckout(t, tu.CheckoutURL, "4242 4242 4242 4242"); got != http.StatusSeeOther {
			t.Fatalf("pay with 4242 = %d, want 303 to the success URL", got)
		}
		paid := p.topUp(t, http.StatusOK, "GET", "/v1/top_ups/"+tu.ID, nil)
		if paid.Status != billing.TopUpSucceeded || paid.LotID == "" || paid.PaymentID == "" {
			t.Fatalf("after paying: %+v, want succeeded with a lot", paid)
		}
		var w wire.Wallet
		p.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &w)
		if len(w.Balances) != 1 || len(w.Balances[0].Lots) != 1 {
			t.Fatalf("wallet = %+v, want one lot", w)
		}
		lot := w.Balances[0].Lots[0]
		if lot.ID != paid.LotID || lot.Purpose != "paid" || lot.Amount.String() != "20" || lot.Revenue == nil || lot.Revenue.String() != "20" || lot.RevenueCy != "USD" {
			t.Errorf("lot = %+v, want the paid lot of 20 USD", lot)
		}
		items := list[wire.TopUp](t, p.must(t, http.StatusOK, "GET", "/v1/customers/user_1/top_ups", nil, nil))
		if len(items.Data) != 1 || items.Data[0].ID != tu.ID {
			t.Errorf("list = %+v, want the one top-up", items.Data)
		}

		refunded := p.topUp(t, http.StatusOK, "POST", "/v1/top_ups/"+tu.ID+"/refund", map[string]any{"amount": "5.00"}, "Idempotency-Key", "refund-1")
		if refunded.Refunded.String() != "5" {
			t.Errorf("refunded = %s, want 5", refunded.Refunded)
		}
		p.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &w)
		if got := w.Balances[0].Available.String(); got != "15" {
			t.Errorf("available after refunding 5 = %s, want 15", got)
		}
		p.topUp(t, http.StatusOK, "POST", "/v1/top_ups/"+tu.ID+"/refund", map[string]any{"idempotency_key": "refund-2"})
		p.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &w)
		if got := w.Balances[0].Available.String(); got != "0" {
			t.Errorf("available after refunding the rest = %s, want 0", got)
		}
	})

	t.Run("Declined", func(t *testing.T) {
		p.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_2"}, nil)
		tu := p.topUp(t, http.StatusCreated, "POST", "/v1/top_ups", map[string]any{"customer": "user_2", "asset": "USD", "amount": "7.00",
			"success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/no"}, "Idempotency-Key", "topup-declined")
		if got := p.payCheckout(t, tu.CheckoutURL, "4000 0000 0000 0002"); got != http.StatusPaymentRequired {
			t.Fatalf("pay with 0002 = %d, want 402 (the page says declined)", got)
		}
		failed := p.topUp(t, http.StatusOK, "GET", "/v1/top_ups/"+tu.ID, nil)
		if failed.Status != billing.TopUpFailed || failed.LotID != "" || !strings.Contains(failed.FailureCode, "card_declined") {
			t.Errorf("after a decline: %+v, want failed, card_declined, no lot", failed)
		}
		var w wire.Wallet
		p.must(t, http.StatusOK, "GET", "/v1/customers/user_2/wallets/default", nil, &w)
		for _, b := range w.Balances {
			if len(b.Lots) != 0 || !b.Total.IsZero() {
				t.Errorf("balance after a decline = %+v, want nothing credited", b)
			}
		}
	})

	t.Run("ErrNoSavedCard", func(t *testing.T) {
		p.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_4"}, nil)
		res := p.do("POST", "/v1/customers/user_4/wallets/default/auto_top_up", p.key, map[string]any{"asset": "USD", "enabled": true, "threshold": "5", "amount": "20.00"})
		if b := p.wantError(t, res, http.StatusUnprocessableEntity, "invalid_request_error", "invalid", ""); !strings.Contains(b.Message, "POST /v1/top_ups") {
			t.Errorf("auto top-up without a saved card: %q, want the REST hint", b.Message)
		}
	})

	t.Run("ErrDeclinedCardNotSaved", func(t *testing.T) {
		res := p.do("POST", "/v1/customers/user_2/wallets/default/auto_top_up", p.key, map[string]any{"asset": "USD", "enabled": true, "threshold": "5", "amount": "20.00"})
		p.wantError(t, res, http.StatusUnprocessableEntity, "invalid_request_error", "invalid", "")
	})

	t.Run("AutoTopUp", func(t *testing.T) {
		p.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_3"}, nil)
		body := topUpBody("topup-auto", "10.00")
		body["customer"] = "user_3"
		tu := p.topUp(t, http.StatusCreated, "POST", "/v1/top_ups", body)
		if got := p.payCheckout(t, tu.CheckoutURL, "4242424242424242"); got != http.StatusSeeOther {
			t.Fatalf("pay = %d", got)
		}
		var a wire.AutoTopUp
		res := p.must(t, http.StatusOK, "POST", "/v1/customers/user_3/wallets/default/auto_top_up",
			map[string]any{"asset": "USD", "enabled": true, "threshold": "5", "amount": "20.00", "monthly_cap": "100.00"}, &a)
		conformsTo(t, "AutoTopUp", res.body)
		if !a.Enabled || a.Threshold.String() != "5" || a.Amount.String() != "20" || a.Credit.String() != "20" || a.MonthlyCap == nil || a.MonthlyCap.String() != "100" {
			t.Errorf("configured %+v", a)
		}
		if !bytes.Contains(res.body, []byte(`"threshold":"5.00"`)) {
			t.Errorf("threshold not written with the asset's precision: %s", res.body)
		}
		var got wire.AutoTopUp
		res = p.must(t, http.StatusOK, "GET", "/v1/customers/user_3/wallets/default/auto_top_up?asset=USD", nil, &got)
		conformsTo(t, "AutoTopUp", res.body)
		if got.Enabled != a.Enabled || got.Threshold.String() != "5" {
			t.Errorf("GET = %+v, want what was set", got)
		}
		p.wantError(t, p.do("GET", "/v1/customers/user_3/wallets/default/auto_top_up", p.key, nil), http.StatusBadRequest, "invalid_request_error", "missing_parameter", "asset")
		p.wantError(t, p.do("GET", "/v1/customers/user_3/wallets/default/auto_top_up?asset=EUR", p.key, nil), http.StatusNotFound, "invalid_request_error", "not_found", "")
		p.must(t, http.StatusOK, "POST", "/v1/customers/user_3/wallets/default/auto_top_up",
			map[string]any{"asset": "USD", "enabled": false, "threshold": "5", "amount": "20.00"}, &a)
		if a.Enabled || a.MonthlyCap != nil {
			t.Errorf("turned off: %+v", a)
		}
	})

	t.Run("ErrBadInput", func(t *testing.T) {
		res := p.do("POST", "/v1/top_ups", p.key, topUpBody("topup-small", "0.10"))
		b := p.wantError(t, res, http.StatusUnprocessableEntity, "invalid_request_error", "invalid", "amount")
		if !strings.Contains(b.Message, "0.50") {
			t.Errorf("message %q does not name the minimum", b.Message)
		}
		p.must(t, http.StatusCreated, "POST", "/v1/assets", map[string]any{"code": "credits"}, nil)
		body := topUpBody("topup-norate", "20.00")
		body["asset"], body["currency"] = "credits", "USD"
		res = p.do("POST", "/v1/top_ups", p.key, body)
		if res.status != http.StatusUnprocessableEntity && res.status != http.StatusNotFound {
			t.Fatalf("top-up of credits with no rate = %d %s, want 422 or 404", res.status, res.body)
		}
		if b := res.errorBody(t); !strings.Contains(b.Message, "rate") {
			t.Errorf("message %q does not say a rate is missing", b.Message)
		}
		res = p.do("POST", "/v1/top_ups", p.key, map[string]any{"customer": "user_1", "asset": "USD", "amount": "20.00",
			"success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/no"})
		p.wantError(t, res, http.StatusUnprocessableEntity, "invalid_request_error", "invalid", "idempotency_key")
		res = p.do("POST", "/v1/top_ups", p.key, map[string]any{"idempotency_key": "x", "customer": "user_1", "asset": "USD", "amount": "20.00", "secret_key": "sk_test_x"})
		p.wantError(t, res, http.StatusBadRequest, "invalid_request_error", "unknown_field", "secret_key")
		res = p.do("GET", "/v1/top_ups/topup_nope", p.key, nil)
		p.wantError(t, res, http.StatusNotFound, "invalid_request_error", "not_found", "")
	})
}

// TestStripeWebhook drives the public webhook route with events signed by
// Stripe's scheme: a wrong or stale signature is 400 and changes nothing; a
// good one credits the top-up once, however often it is delivered.
func TestStripeWebhook(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t)
	p.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_1"}, nil)
	tu := p.topUp(t, http.StatusCreated, "POST", "/v1/top_ups", topUpBody("topup-hook", "20.00"))
	// The account now connects Stripe: its events reach /v1/webhooks/stripe/{account}/test.
	const secret = "whsec_api_test_0123456789"
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: p.acct.ID, Mode: billing.ModeTest})
	if _, err := p.svc.Payments.ConnectStripe(ctx, "sk_test_api_0123456789", secret); err != nil {
		t.Fatalf("ConnectStripe = %v", err)
	}
	path := "/v1/webhooks/stripe/" + p.acct.ID + "/test"
	event, _ := json.Marshal(map[string]any{"id": "evt_api_1", "object": "event", "type": "checkout.session.completed", "livemode": false,
		"created": time.Now().Unix(), "api_version": "2025-01-27.acacia",
		"data": map[string]any{"object": map[string]any{"id": "cs_test_api", "object": "checkout.session", "mode": "payment",
			"amount_total": 2000, "currency": "usd", "client_reference_id": tu.ID, "payment_status": "paid", "status": "complete",
			"payment_intent": "pi_test_api", "metadata": map[string]any{"top_up_id": tu.ID, "account": p.acct.ID, "mode": "test"}}}})
	sign := func(secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: at}).Header
	}
	status := func() string { return p.topUp(t, http.StatusOK, "GET", "/v1/top_ups/"+tu.ID, nil).Status }

	for name, header := range map[string]string{
		"ErrWrongSecret": sign("whsec_someone_else_000000", time.Now()),
		"ErrStale":       sign(secret, time.Now().Add(-time.Hour)),
		"ErrMalformed":   "t=1,v1=nothex",
	} {
		res := p.do("POST", path, "", string(event), "Stripe-Signature", header)
		p.wantError(t, res, http.StatusBadRequest, "invalid_request_error", "invalid", "")
		if got := status(); got != billing.TopUpPending {
			t.Errorf("%s: top-up is %s after a refused webhook, want pending", name, got)
		}
	}
	p.wantError(t, p.do("POST", path, "", string(event)), http.StatusBadRequest, "invalid_request_error", "invalid", "Stripe-Signature")
	p.wantError(t, p.do("POST", "/v1/webhooks/stripe/"+p.acct.ID+"/staging", "", string(event), "Stripe-Signature", sign(secret, time.Now())),
		http.StatusNotFound, "invalid_request_error", "not_found", "mode")
	p.wantError(t, p.do("POST", "/v1/webhooks/stripe/"+p.acct.ID+"/live", "", string(event), "Stripe-Signature", sign(secret, time.Now())),
		http.StatusNotFound, "invalid_request_error", "not_found", "")

	for range 3 {
		res := p.do("POST", path, "", string(event), "Stripe-Signature", sign(secret, time.Now()))
		if res.status != http.StatusOK || !bytes.Equal(bytes.TrimSpace(res.body), []byte(`{"received":true}`)) {
			t.Fatalf("signed webhook = %d %s, want 200 {\"received\":true}", res.status, res.body)
		}
		conformsTo(t, "PaymentWebhookAck", res.body)
	}
	if got := status(); got != billing.TopUpSucceeded {
		t.Fatalf("top-up is %s after a good webhook, want succeeded", got)
	}
	var w wire.Wallet
	p.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &w)
	if len(w.Balances) != 1 || len(w.Balances[0].Lots) != 1 || w.Balances[0].Total.String() != "20" {
		t.Errorf("wallet after 3 deliveries = %+v, want one lot of 20 USD", w.Balances)
	}
	if strings.Contains(p.logs.String(), secret) {
		t.Errorf("the webhook secret reached the log")
	}
}
