package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/tollgatehq/tollgate/payments/stripe"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stripe/stripe-go/v82/webhook"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
)

const (
	testKey       = "sk_test_51Hx0000000000000000000000secretABCD"
	liveKey       = "sk_live_51Hx0000000000000000000000secretWXYZ"
	webhookSecret = "whsec_0000000000000000000000000000sigQ"
)

// recorded is one request the Stripe provider sent.
type recorded struct {
	Method, Path, IdempotencyKey string
	Form                         url.Values
}

// recorder sits between the provider and stripe-mock and keeps each request,
// so a test sees the exact parameters sent, not only stripe-mock's fixture.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request reached stripe-mock")
	}
	return r.reqs[len(r.reqs)-1]
}

// newStripe returns a test-mode Stripe provider talking to stripe-mock
// through a recorder.
func newStripe(t *testing.T) (*stripe.Provider, *recorder) {
	t.Helper()
	target, err := url.Parse(stripeMockURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"), form})
		rec.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s, err := stripe.New(stripe.Config{SecretKey: testKey, WebhookSecret: webhookSecret, BackendURL: srv.URL})
	if err != nil {
		t.Fatalf("NewStripe = %v", err)
	}
	return s, rec
}

// newStripeAt returns a provider talking to a fake Stripe API.
func newStripeAt(t *testing.T, h http.HandlerFunc) *stripe.Provider {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s, err := stripe.New(stripe.Config{SecretKey: testKey, WebhookSecret: webhookSecret, BackendURL: srv.URL})
	if err != nil {
		t.Fatalf("NewStripe = %v", err)
	}
	return s
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := kernel.ErrorCode(err); got != code {
		t.Fatalf("%s = %v (code %q), want code %q", what, err, got, code)
	}
}

func TestNewStripe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		cfg      stripe.Config
		field    string
		contains string
	}{
		{"ErrLiveKeyInTestMode", stripe.Config{SecretKey: liveKey, WebhookSecret: webhookSecret}, "secret_key", "live-mode key"},
		{"ErrRestrictedLiveKeyInTestMode", stripe.Config{SecretKey: "rk_live_0000000000000000WXYZ", WebhookSecret: webhookSecret}, "secret_key", "live-mode key"},
		{"ErrTestKeyInLiveMode", stripe.Config{SecretKey: testKey, WebhookSecret: webhookSecret, Livemode: true}, "secret_key", "test-mode key"},
		{"ErrPublishableKey", stripe.Config{SecretKey: "pk_test_0000000000000000PUBL", WebhookSecret: webhookSecret}, "secret_key", "publishable"},
		{"ErrNoKey", stripe.Config{WebhookSecret: webhookSecret}, "secret_key", "required"},
		{"ErrWebhookSecret", stripe.Config{SecretKey: testKey, WebhookSecret: "not-a-whsec-secret"}, "webhook_secret", "whsec_"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := stripe.New(tc.cfg)
			wantCode(t, "NewStripe", err, kernel.EInvalid)
			if f := kernel.ErrorField(err); f != tc.field {
				t.Errorf("NewStripe field = %q, want %q", f, tc.field)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.contains) {
				t.Errorf("NewStripe = %q, want it to say %q", msg, tc.contains)
			}
			for _, s := range []payments.Secret{tc.cfg.SecretKey, tc.cfg.WebhookSecret} {
				if len(s) > 8 && strings.Contains(msg, string(s)[:len(s)-4]) {
					t.Errorf("NewStripe = %q, shows more than the last 4 characters of a secret", msg)
				}
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		for _, cfg := range []stripe.Config{
			{SecretKey: testKey, WebhookSecret: webhookSecret},
			{SecretKey: "rk_test_0000000000000000RSTR", WebhookSecret: webhookSecret},
			{SecretKey: liveKey, WebhookSecret: webhookSecret, Livemode: true},
		} {
			s, err := stripe.New(cfg)
			if err != nil {
				t.Fatalf("NewStripe(%v) = %v", cfg.SecretKey, err)
			}
			if s.Name() != payments.ProviderStripe {
				t.Errorf("Name() = %q, want %q", s.Name(), payments.ProviderStripe)
			}
		}
	})
}

func TestStripeRedactsSecrets(t *testing.T) {
	t.Parallel()
	cfg := stripe.Config{SecretKey: testKey, WebhookSecret: webhookSecret}
	s, err := stripe.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("connected", "provider", s, "config", cfg, "key", cfg.SecretKey)
	js, err := json.Marshal(map[string]any{"secret_key": cfg.SecretKey, "webhook_secret": cfg.WebhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", s, s, s, s, cfg, cfg, cfg) + logged.String() + string(js)
	for _, secret := range []string{testKey, webhookSecret} {
		if strings.Contains(out, secret[:len(secret)-4]) {
			t.Fatalf("printed provider and config show a secret: %s", out)
		}
	}
	if !strings.Contains(out, "ABCD") {
		t.Errorf("printed provider = %q, want the key's last 4 characters", out)
	}
}

func TestStripeEnsureCustomer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		s, rec := newStripe(t)
		id, err := s.EnsureCustomer(ctx, payments.CustomerRef{ID: "cust_01", Account: "acc_1", Mode: "test", Email: "ada@example.com", Name: "Ada"})
		if err != nil {
			t.Fatalf("EnsureCustomer = %v", err)
		}
		if !strings.HasPrefix(id, "cus_") {
			t.Errorf("EnsureCustomer = %q, want a cus_ id", id)
		}
		r := rec.last(t)
		if r.Path != "/v1/customers" || r.IdempotencyKey != "tollgate-customer-cust_01" || r.Form.Get("metadata[tollgate_customer]") != "cust_01" || r.Form.Get("email") != "ada@example.com" {
			t.Errorf("EnsureCustomer sent %+v", r)
		}
	})
	t.Run("OKReuses", func(t *testing.T) {
		t.Parallel()
		s, rec := newStripe(t)
		id, err := s.EnsureCustomer(ctx, payments.CustomerRef{ID: "cust_01", ProviderID: "cus_existing"})
		if err != nil {
			t.Fatalf("EnsureCustomer = %v", err)
		}
		if id != "cus_existing" {
			t.Errorf("EnsureCustomer = %q, want cus_existing", id)
		}
		if r := rec.last(t); r.Method != http.MethodGet || r.Path != "/v1/customers/cus_existing" {
			t.Errorf("EnsureCustomer sent %+v, want a retrieve", r)
		}
	})
}

func checkoutInput() payments.CheckoutInput {
	return payments.CheckoutInput{
		TopUpID:     "tu_01",
		Account:     "acc_1",
		Mode:        "test",
		CustomerID:  "cus_123",
		Amount:      payments.NewAmount(2000, "usd"),
		Description: "2,200 credits",
		SuccessURL:  "https://app.example.com/ok?cs={CHECKOUT_SESSION_ID}",
		CancelURL:   "https://app.example.com/cancel",
	}
}

func TestStripeCreateCheckout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		s, rec := newStripe(t)
		co, err := s.CreateCheckout(ctx, checkoutInput())
		if err != nil {
			t.Fatalf("CreateCheckout = %v", err)
		}
		if !strings.HasPrefix(co.ID, "cs_") || co.URL == "" {
			t.Errorf("CreateCheckout = %+v, want a cs_ id and a URL", co)
		}
		r := rec.last(t)
		want := map[string]string{
			"mode":                "payment",
			"customer":            "cus_123",
			"client_reference_id": "tu_01",
			"payment_intent_data[setup_future_usage]":  "off_session",
			"payment_intent_data[metadata][top_up_id]": "tu_01",
			"metadata[top_up_id]":                      "tu_01",
			"metadata[account]":                        "acc_1",
			"metadata[mode]":                           "test",
			"line_items[0][price_data][currency]":      "usd",
			"line_items[0][price_data][unit_amount]":   "2000",
			"line_items[0][quantity]":                  "1",
			"success_url":                              "https://app.example.com/ok?cs={CHECKOUT_SESSION_ID}",
		}
		for k, v := range want {
			if got := r.Form.Get(k); got != v {
				t.Errorf("CreateCheckout sent %s=%q, want %q", k, got, v)
			}
		}
		if r.IdempotencyKey != "tollgate-checkout-tu_01" {
			t.Errorf("CreateCheckout idempotency key = %q, want tollgate-checkout-tu_01", r.IdempotencyKey)
		}
	})
	for _, tc := range []struct {
		name   string
		edit   func(*payments.CheckoutInput)
		field  string
		substr string
	}{
		{"ErrBelowMinimumUSD", func(in *payments.CheckoutInput) { in.Amount = payments.NewAmount(49, "USD") }, "amount", "USD 0.50"},
		{"ErrBelowMinimumEUR", func(in *payments.CheckoutInput) { in.Amount = payments.NewAmount(49, "eur") }, "amount", "EUR 0.50"},
		{"ErrBelowMinimumGBP", func(in *payments.CheckoutInput) { in.Amount = payments.NewAmount(29, "GBP") }, "amount", "GBP 0.30"},
		{"ErrUnsupportedCurrency", func(in *payments.CheckoutInput) { in.Amount = payments.NewAmount(5000, "XYZ") }, "amount", "not supported"},
		{"ErrSuccessURL", func(in *payments.CheckoutInput) { in.SuccessURL = "/relative" }, "success_url", "absolute"},
		{"ErrNoCustomer", func(in *payments.CheckoutInput) { in.CustomerID = "" }, "customer", "EnsureCustomer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStripeAt(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("%s reached Stripe", tc.name) })
			in := checkoutInput()
			tc.edit(&in)
			_, err := s.CreateCheckout(ctx, in)
			wantCode(t, "CreateCheckout", err, kernel.EInvalid)
			if kernel.ErrorField(err) != tc.field || !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("CreateCheckout = %q (field %q), want field %q and %q", err, kernel.ErrorField(err), tc.field, tc.substr)
			}
		})
	}
	t.Run("OKAtMinimum", func(t *testing.T) {
		t.Parallel()
		s, _ := newStripe(t)
		in := checkoutInput()
		in.Amount = payments.NewAmount(30, "GBP")
		if _, err := s.CreateCheckout(ctx, in); err != nil {
			t.Fatalf("CreateCheckout(GBP 0.30) = %v", err)
		}
	})
}

func chargeInput() payments.ChargeInput {
	return payments.ChargeInput{
		TopUpID: "tu_02", Account: "acc_1", Mode: "test",
		CustomerID: "cus_123", PaymentMethodID: "pm_123",
		Amount: payments.NewAmount(1500, "USD"), IdempotencyKey: "auto-tu_02",
	}
}

func TestStripeChargeSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		s, rec := newStripe(t)
		c, err := s.ChargeSaved(ctx, chargeInput())
		if err != nil {
			t.Fatalf("ChargeSaved = %v", err)
		}
		if !strings.HasPrefix(c.ID, "pi_") || c.Status == "" {
			t.Errorf("ChargeSaved = %+v, want a pi_ id and a status", c)
		}
		r := rec.last(t)
		for k, v := range map[string]string{
			"amount": "1500", "currency": "usd", "customer": "cus_123", "payment_method": "pm_123",
			"confirm": "true", "off_session": "true", "metadata[top_up_id]": "tu_02",
		} {
			if got := r.Form.Get(k); got != v {
				t.Errorf("ChargeSaved sent %s=%q, want %q", k, got, v)
			}
		}
		if r.IdempotencyKey != "auto-tu_02" {
			t.Errorf("ChargeSaved idempotency key = %q, want auto-tu_02", r.IdempotencyKey)
		}
	})
	// stripe-mock answers every charge with one fixture, so the outcomes
	// Stripe gives a real card come from a fake API with Stripe's bodies.
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   payments.Charge
	}{
		{"OKSucceeded", 200, `{"id":"pi_1","object":"payment_intent","amount":1500,"currency":"usd","status":"succeeded"}`,
			payments.Charge{ID: "pi_1", Status: payments.ChargeSucceeded, Amount: payments.NewAmount(1500, "USD")}},
		{"Declined", 402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","payment_intent":{"id":"pi_2","object":"payment_intent","status":"requires_payment_method"}}}`,
			payments.Charge{ID: "pi_2", Status: payments.ChargeFailed, Amount: payments.NewAmount(1500, "USD"), FailureCode: "card_declined", DeclineCode: "insufficient_funds", FailureMessage: "Your card has insufficient funds."}},
		{"RequiresAction", 402, `{"error":{"type":"card_error","code":"authentication_required","message":"This payment requires authentication.","payment_intent":{"id":"pi_3","object":"payment_intent","status":"requires_payment_method"}}}`,
			payments.Charge{ID: "pi_3", Status: payments.ChargeRequiresAction, Amount: payments.NewAmount(1500, "USD"), FailureCode: "authentication_required", FailureMessage: "This payment requires authentication."}},
		{"RequiresActionWithURL", 200, `{"id":"pi_4","object":"payment_intent","amount":1500,"currency":"usd","status":"requires_action","next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"https://hooks.stripe.com/3ds/pi_4"}}}`,
			payments.Charge{ID: "pi_4", Status: payments.ChargeRequiresAction, Amount: payments.NewAmount(1500, "USD"), ActionURL: "https://hooks.stripe.com/3ds/pi_4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStripeAt(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			got, err := s.ChargeSaved(ctx, chargeInput())
			if err != nil {
				t.Fatalf("ChargeSaved = %v", err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ChargeSaved mismatch (-want +got):\n%s", d)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
		code   string
	}{
		{"ErrBadKey", 401, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****ABCD"}}`, kernel.EInvalid},
		{"ErrIdempotencyKeyReused", 400, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`, kernel.EConflict},
		{"ErrUnavailable", 503, `{"error":{"type":"api_error","message":"try again"}}`, kernel.EUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStripeAt(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Stripe-Should-Retry", "false")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := s.ChargeSaved(ctx, chargeInput())
			wantCode(t, "ChargeSaved", err, tc.code)
		})
	}
	t.Run("ErrNoIdempotencyKey", func(t *testing.T) {
		t.Parallel()
		s := newStripeAt(t, func(w http.ResponseWriter, r *http.Request) { t.Error("reached Stripe") })
		in := chargeInput()
		in.IdempotencyKey = ""
		_, err := s.ChargeSaved(ctx, in)
		wantCode(t, "ChargeSaved", err, kernel.EInvalid)
	})
}

func TestStripeRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		s, rec := newStripe(t)
		r, err := s.Refund(ctx, payments.RefundInput{PaymentID: "pi_123", Amount: payments.NewAmount(700, "USD"), IdempotencyKey: "refund-1", Metadata: map[string]string{"top_up_id": "tu_01"}})
		if err != nil {
			t.Fatalf("Refund = %v", err)
		}
		if !strings.HasPrefix(r.ID, "re_") || r.Status == "" {
			t.Errorf("Refund = %+v, want a re_ id and a status", r)
		}
		got := rec.last(t)
		if got.Form.Get("payment_intent") != "pi_123" || got.Form.Get("amount") != "700" || got.IdempotencyKey != "refund-1" {
			t.Errorf("Refund sent %+v", got)
		}
	})
	t.Run("ErrAmount", func(t *testing.T) {
		t.Parallel()
		s := newStripeAt(t, func(w http.ResponseWriter, r *http.Request) { t.Error("reached Stripe") })
		_, err := s.Refund(ctx, payments.RefundInput{PaymentID: "pi_123", Amount: payments.NewAmount(0, "USD"), IdempotencyKey: "k"})
		wantCode(t, "Refund", err, kernel.EInvalid)
	})
}

// Webhooks.

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func stripeEvent(id, typ string, livemode bool, object string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2025-07-30.basil","created":%d,"livemode":%t,"type":%q,"data":{"object":%s}}`,
		id, now.Add(-time.Second).Unix(), livemode, typ, object))
}

func signed(payload []byte, secret string, at time.Time) http.Header {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	h := http.Header{}
	h.Set("Stripe-Signature", sp.Header)
	return h
}

const (
	sessionPaid    = `{"id":"cs_test_1","object":"checkout.session","amount_total":2000,"currency":"usd","customer":"cus_1","payment_intent":"pi_1","payment_status":"paid","status":"complete","client_reference_id":"tu_01","metadata":{"top_up_id":"tu_01","account":"acc_1","mode":"test"}}`
	sessionExpired = `{"id":"cs_test_1","object":"checkout.session","amount_total":2000,"currency":"usd","customer":"cus_1","payment_intent":null,"payment_status":"unpaid","status":"expired","metadata":{"top_up_id":"tu_01","account":"acc_1","mode":"test"}}`
	piSucceeded    = `{"id":"pi_1","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd","customer":"cus_1","payment_method":"pm_1","status":"succeeded","metadata":{"top_up_id":"tu_01","account":"acc_1","mode":"test"}}`
	piFailed       = `{"id":"pi_2","object":"payment_intent","amount":1500,"currency":"usd","customer":"cus_1","payment_method":"pm_1","status":"requires_payment_method","last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."},"metadata":{"top_up_id":"tu_02"}}`
	piAction       = `{"id":"pi_3","object":"payment_intent","amount":1500,"currency":"usd","customer":"cus_1","status":"requires_action","next_action":{"type":"redirect_to_url","redirect_to_url":{"url":"https://hooks.stripe.com/3ds"}},"metadata":{"top_up_id":"tu_03"}}`
)

func TestStripeParseWebhook(t *testing.T) {
	t.Parallel()
	s, err := stripe.New(stripe.Config{SecretKey: testKey, WebhookSecret: webhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	created := now.Add(-time.Second)
	for _, tc := range []struct {
		name, typ, object string
		want              payments.Event
	}{
		{"CheckoutCompleted", "checkout.session.completed", sessionPaid, payments.Event{
			ID: "evt_1", Type: payments.EventCheckoutCompleted, ProviderType: "checkout.session.completed",
			TopUpID: "tu_01", Account: "acc_1", Mode: "test", PaymentID: "pi_1", CheckoutID: "cs_test_1", CustomerID: "cus_1",
			Amount: payments.NewAmount(2000, "USD"), Created: created}},
		{"CheckoutExpired", "checkout.session.expired", sessionExpired, payments.Event{
			ID: "evt_1", Type: payments.EventCheckoutExpired, ProviderType: "checkout.session.expired",
			TopUpID: "tu_01", Account: "acc_1", Mode: "test", CheckoutID: "cs_test_1", CustomerID: "cus_1",
			Amount: payments.NewAmount(2000, "USD"), Created: created}},
		{"PaymentSucceeded", "payment_intent.succeeded", piSucceeded, payments.Event{
			ID: "evt_1", Type: payments.EventPaymentSucceeded, ProviderType: "payment_intent.succeeded",
			TopUpID: "tu_01", Account: "acc_1", Mode: "test", PaymentID: "pi_1", CustomerID: "cus_1", PaymentMethodID: "pm_1",
			Amount: payments.NewAmount(2000, "USD"), Created: created}},
		{"PaymentFailed", "payment_intent.payment_failed", piFailed, payments.Event{
			ID: "evt_1", Type: payments.EventPaymentFailed, ProviderType: "payment_intent.payment_failed",
			TopUpID: "tu_02", PaymentID: "pi_2", CustomerID: "cus_1", PaymentMethodID: "pm_1",
			Amount: payments.NewAmount(1500, "USD"), FailureCode: "card_declined", DeclineCode: "generic_decline",
			FailureMessage: "Your card was declined.", Created: created}},
		{"PaymentRequiresAction", "payment_intent.requires_action", piAction, payments.Event{
			ID: "evt_1", Type: payments.EventPaymentRequiresAction, ProviderType: "payment_intent.requires_action",
			TopUpID: "tu_03", PaymentID: "pi_3", CustomerID: "cus_1", Amount: payments.NewAmount(1500, "USD"),
			ActionURL: "https://hooks.stripe.com/3ds", Created: created}},
		{"Ignored", "customer.created", `{"id":"cus_1","object":"customer"}`, payments.Event{
			ID: "evt_1", Type: payments.EventIgnored, ProviderType: "customer.created", Created: created}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			payload := stripeEvent("evt_1", tc.typ, false, tc.object)
			got, err := s.ParseWebhook(payload, signed(payload, webhookSecret, now.Add(-time.Minute)), now)
			if err != nil {
				t.Fatalf("ParseWebhook = %v", err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ParseWebhook mismatch (-want +got):\n%s", d)
			}
		})
	}
	payload := stripeEvent("evt_1", "checkout.session.completed", false, sessionPaid)
	for _, tc := range []struct {
		name    string
		payload []byte
		header  http.Header
	}{
		{"ErrWrongSecret", payload, signed(payload, "whsec_another_secret_entirely", now)},
		{"ErrStale", payload, signed(payload, webhookSecret, now.Add(-stripe.Tolerance-time.Second))},
		{"ErrFuture", payload, signed(payload, webhookSecret, now.Add(stripe.Tolerance+time.Second))},
		{"ErrNoSignature", payload, http.Header{}},
		{"ErrMalformedSignature", payload, http.Header{"Stripe-Signature": {"garbage"}}},
		{"ErrTamperedPayload", bytes.Replace(payload, []byte("2000"), []byte("9000"), 1), signed(payload, webhookSecret, now)},
		{"ErrLiveEventInTestMode", stripeEvent("evt_1", "checkout.session.completed", true, sessionPaid), signed(stripeEvent("evt_1", "checkout.session.completed", true, sessionPaid), webhookSecret, now)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.ParseWebhook(tc.payload, tc.header, now)
			wantCode(t, "ParseWebhook", err, kernel.EInvalid)
		})
	}
}

// TestStripeErrorRedactsKeys: an API that echoes the secret key in its
// error (stripe-mock does, a proxy might) never gets it into the error.
func TestStripeErrorRedactsKeys(t *testing.T) {
	t.Parallel()
	s := newStripeAt(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":{"type":"invalid_request_error","message":"Authorization was '%s'."}}`, r.Header.Get("Authorization"))
	})
	_, err := s.CreateCheckout(context.Background(), checkoutInput())
	wantCode(t, "CreateCheckout", err, kernel.EInvalid)
	if strings.Contains(err.Error(), string(testKey)) || !strings.Contains(err.Error(), payments.Secret(testKey).Redacted()) {
		t.Errorf("CreateCheckout = %q, want the key redacted to %s", err, payments.Secret(testKey).Redacted())
	}
}
