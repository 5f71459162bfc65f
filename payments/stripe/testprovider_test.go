package stripe_test

import (
	"context"
	"github.com/tollgatehq/tollgate/payments/stripe"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
)

// inbound plays the domain's webhook handler: what it receives goes through
// ParseWebhook, as a Stripe webhook would.
type inbound struct {
	mu     sync.Mutex
	p      payments.Provider
	events []payments.Event
	err    error
}

func (in *inbound) deliver(_ context.Context, payload []byte, h http.Header) error {
	ev, err := in.p.ParseWebhook(payload, h, time.Now())
	in.mu.Lock()
	defer in.mu.Unlock()
	if err != nil {
		in.err = err
		return err
	}
	in.events = append(in.events, ev)
	return nil
}

func (in *inbound) types(t *testing.T) []string {
	t.Helper()
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.err != nil {
		t.Fatalf("ParseWebhook of a test provider event = %v", in.err)
	}
	var out []string
	for _, e := range in.events {
		out = append(out, e.Type)
	}
	return out
}

type testEnv struct {
	p      *stripe.TestProvider
	in     *inbound
	srv    *httptest.Server
	client *http.Client
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	env := &testEnv{in: &inbound{}}
	mux := http.NewServeMux()
	env.srv = httptest.NewServer(mux)
	t.Cleanup(env.srv.Close)
	p, err := stripe.NewTestProvider(stripe.TestConfig{BaseURL: env.srv.URL, Deliver: env.in.deliver})
	if err != nil {
		t.Fatalf("NewTestProvider = %v", err)
	}
	env.p, env.in.p = p, p
	mux.Handle("/pay/test/", p.Handler())
	// The app's own pages: where the checkout sends the customer back.
	mux.HandleFunc("/app/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app "+r.URL.String()) })
	env.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return env
}

func (env *testEnv) checkout(t *testing.T) payments.Checkout {
	t.Helper()
	ctx := context.Background()
	cus, err := env.p.EnsureCustomer(ctx, payments.CustomerRef{ID: "cust_01"})
	if err != nil {
		t.Fatalf("EnsureCustomer = %v", err)
	}
	co, err := env.p.CreateCheckout(ctx, payments.CheckoutInput{
		TopUpID: "tu_01", Account: "acc_1", Mode: "test", CustomerID: cus,
		Amount: payments.NewAmount(2000, "USD"), Description: "2,200 credits",
		SuccessURL: env.srv.URL + "/app/ok?cs={CHECKOUT_SESSION_ID}", CancelURL: env.srv.URL + "/app/cancel",
	})
	if err != nil {
		t.Fatalf("CreateCheckout = %v", err)
	}
	if !strings.HasPrefix(co.URL, env.srv.URL+"/pay/test/cs_test_") {
		t.Fatalf("CreateCheckout URL = %q, want %s/pay/test/cs_test_…", co.URL, env.srv.URL)
	}
	return co
}

func (env *testEnv) post(t *testing.T, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := env.client.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s = %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (env *testEnv) get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := env.client.Get(u)
	if err != nil {
		t.Fatalf("GET %s = %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestTestCheckout(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		env := newTestEnv(t)
		co := env.checkout(t)
		resp, page := env.get(t, co.URL)
		if resp.StatusCode != 200 || !strings.Contains(page, "USD 20.00") || !strings.Contains(page, `name="card"`) || !strings.Contains(page, "Cancel") || strings.Contains(page, "<script") {
			t.Fatalf("GET checkout = %d %s", resp.StatusCode, page)
		}
		resp, _ = env.post(t, co.URL, url.Values{"action": {"pay"}, "card": {"4242 4242 4242 4242"}})
		if want := env.srv.URL + "/app/ok?cs=" + co.ID; resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Fatalf("pay with 4242 = %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
		}
		if got := env.in.types(t); !equal(got, []string{payments.EventCheckoutCompleted, payments.EventPaymentSucceeded}) {
			t.Fatalf("events = %v", got)
		}
		done, paid := env.in.events[0], env.in.events[1]
		if done.TopUpID != "tu_01" || done.Account != "acc_1" || done.Mode != "test" || done.CheckoutID != co.ID ||
			done.Amount != payments.NewAmount(2000, "USD") || !strings.HasPrefix(done.PaymentID, "pi_test_") || !strings.HasPrefix(done.ID, "evt_test_") {
			t.Errorf("checkout.completed = %+v", done)
		}
		if paid.PaymentID != done.PaymentID || !strings.HasPrefix(paid.PaymentMethodID, "pm_test_4242_") || paid.TopUpID != "tu_01" {
			t.Errorf("payment.succeeded = %+v", paid)
		}
		// The saved card charges off-session.
		ch, err := env.p.ChargeSaved(context.Background(), payments.ChargeInput{
			TopUpID: "tu_02", CustomerID: paid.CustomerID, PaymentMethodID: paid.PaymentMethodID,
			Amount: payments.NewAmount(1500, "USD"), IdempotencyKey: "auto-tu_02",
		})
		if err != nil || ch.Status != payments.ChargeSucceeded {
			t.Fatalf("ChargeSaved(saved 4242) = %+v, %v", ch, err)
		}
		env.p.Wait()
		if got := env.in.types(t); len(got) != 3 || got[2] != payments.EventPaymentSucceeded {
			t.Fatalf("events = %v", got)
		}
		// Refunds: part, then more than is left.
		ctx := context.Background()
		if _, err := env.p.Refund(ctx, payments.RefundInput{PaymentID: paid.PaymentID, Amount: payments.NewAmount(1500, "USD"), IdempotencyKey: "r1"}); err != nil {
			t.Fatalf("Refund(15.00 of 20.00) = %v", err)
		}
		_, err = env.p.Refund(ctx, payments.RefundInput{PaymentID: paid.PaymentID, Amount: payments.NewAmount(501, "USD"), IdempotencyKey: "r2"})
		wantCode(t, "Refund(5.01 of 5.00 left)", err, kernel.EInvalid)
		// The page now says paid; paying again does not pay twice.
		if resp, page := env.get(t, co.URL); resp.StatusCode != 200 || !strings.Contains(page, "paid") {
			t.Errorf("GET paid checkout = %d %s", resp.StatusCode, page)
		}
	})
	t.Run("Declined", func(t *testing.T) {
		t.Parallel()
		env := newTestEnv(t)
		co := env.checkout(t)
		resp, page := env.post(t, co.URL, url.Values{"action": {"pay"}, "card": {"4000 0000 0000 0002"}})
		if resp.StatusCode != http.StatusPaymentRequired || !strings.Contains(page, "Your card was declined.") {
			t.Fatalf("pay with 0002 = %d %s", resp.StatusCode, page)
		}
		if got := env.in.types(t); !equal(got, []string{payments.EventPaymentFailed}) {
			t.Fatalf("events = %v", got)
		}
		if e := env.in.events[0]; e.FailureCode != "card_declined" || e.DeclineCode != "generic_decline" || e.TopUpID != "tu_01" {
			t.Errorf("payment.failed = %+v", e)
		}
		// The checkout stays open: a good card still pays it.
		if resp, _ := env.post(t, co.URL, url.Values{"action": {"pay"}, "card": {"4242424242424242"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("pay with 4242 after a decline = %d, want 303", resp.StatusCode)
		}
	})
	t.Run("RequiresAuthentication", func(t *testing.T) {
		t.Parallel()
		env := newTestEnv(t)
		co := env.checkout(t)
		resp, _ := env.post(t, co.URL, url.Values{"action": {"pay"}, "card": {"4000 0025 0000 3155"}})
		auth := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(auth, "/pay/test/authenticate/pi_test_") {
			t.Fatalf("pay with 3155 = %d to %q", resp.StatusCode, auth)
		}
		if resp, page := env.get(t, env.srv.URL+auth); resp.StatusCode != 200 || !strings.Contains(page, "Complete authentication") {
			t.Fatalf("GET authenticate = %d %s", resp.StatusCode, page)
		}
		resp, _ = env.post(t, env.srv.URL+auth, url.Values{"action": {"complete"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/app/ok") {
			t.Fatalf("authenticate = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		want := []string{payments.EventPaymentRequiresAction, payments.EventCheckoutCompleted, payments.EventPaymentSucceeded}
		if got := env.in.types(t); !equal(got, want) {
			t.Fatalf("events = %v, want %v", got, want)
		}
		if e := env.in.events[0]; !strings.Contains(e.ActionURL, "/pay/test/authenticate/") {
			t.Errorf("payment.requires_action = %+v, want an action URL", e)
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		t.Parallel()
		env := newTestEnv(t)
		co := env.checkout(t)
		resp, _ := env.post(t, co.URL, url.Values{"action": {"cancel"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != env.srv.URL+"/app/cancel" {
			t.Fatalf("cancel = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if err := env.p.Expire(context.Background(), co.ID); err != nil {
			t.Fatalf("Expire = %v", err)
		}
		if got := env.in.types(t); !equal(got, []string{payments.EventCheckoutExpired}) {
			t.Fatalf("events = %v", got)
		}
		if resp, _ := env.get(t, co.URL); resp.StatusCode != http.StatusGone {
			t.Errorf("GET expired checkout = %d, want 410", resp.StatusCode)
		}
	})
	t.Run("ErrCardNumber", func(t *testing.T) {
		t.Parallel()
		env := newTestEnv(t)
		co := env.checkout(t)
		resp, page := env.post(t, co.URL, url.Values{"action": {"pay"}, "card": {"1234"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "incorrect") {
			t.Fatalf("pay with 1234 = %d %s", resp.StatusCode, page)
		}
		if got := env.in.types(t); len(got) != 0 {
			t.Errorf("events = %v, want none", got)
		}
	})
	t.Run("ErrBelowMinimum", func(t *testing.T) {
		t.Parallel()
		env := newTestEnv(t)
		_, err := env.p.CreateCheckout(context.Background(), payments.CheckoutInput{
			TopUpID: "tu_x", CustomerID: "cus_test_1", Amount: payments.NewAmount(49, "EUR"),
			SuccessURL: "https://a.example/ok", CancelURL: "https://a.example/no",
		})
		wantCode(t, "CreateCheckout(EUR 0.49)", err, kernel.EInvalid)
	})
	t.Run("OKIdempotent", func(t *testing.T) {
		t.Parallel()
		env := newTestEnv(t)
		a, b := env.checkout(t), env.checkout(t)
		if a != b {
			t.Errorf("CreateCheckout twice for one top-up = %+v, %+v, want the same", a, b)
		}
	})
}

// TestTestEventParsesAsStripe: an event of the test provider, given to the
// Stripe provider holding the same signing secret, parses to the same Event,
// so the domain's one inbound handler serves both.
func TestTestEventParsesAsStripe(t *testing.T) {
	t.Parallel()
	var payload []byte
	var header http.Header
	tp, err := stripe.NewTestProvider(stripe.TestConfig{
		BaseURL: "http://tollgate.test", WebhookSecret: webhookSecret,
		Deliver: func(_ context.Context, p []byte, h http.Header) error { payload, header = p, h; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := tp.SaveCard("cus_test_1", "4000 0000 0000 9995")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := tp.ChargeSaved(context.Background(), payments.ChargeInput{TopUpID: "tu_9", CustomerID: "cus_test_1", PaymentMethodID: pm, Amount: payments.NewAmount(500, "GBP"), IdempotencyKey: "k"})
	if err != nil || ch.Status != payments.ChargeFailed || ch.DeclineCode != "insufficient_funds" {
		t.Fatalf("ChargeSaved(9995) = %+v, %v", ch, err)
	}
	tp.Wait()
	s, err := stripe.New(stripe.Config{SecretKey: testKey, WebhookSecret: webhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	fromTest, err := tp.ParseWebhook(payload, header, time.Now())
	if err != nil {
		t.Fatalf("TestProvider.ParseWebhook = %v", err)
	}
	fromStripe, err := s.ParseWebhook(payload, header, time.Now())
	if err != nil {
		t.Fatalf("Stripe.ParseWebhook(test event) = %v", err)
	}
	if fromTest != fromStripe || fromTest.Type != payments.EventPaymentFailed || fromTest.PaymentID != ch.ID || fromTest.Amount != payments.NewAmount(500, "GBP") {
		t.Errorf("parsed = %+v and %+v", fromTest, fromStripe)
	}
	// The retried charge is the same charge, and its key cannot be reused.
	again, err := tp.ChargeSaved(context.Background(), payments.ChargeInput{TopUpID: "tu_9", CustomerID: "cus_test_1", PaymentMethodID: pm, Amount: payments.NewAmount(500, "GBP"), IdempotencyKey: "k"})
	if err != nil || again != ch {
		t.Errorf("ChargeSaved retried = %+v, %v, want %+v", again, err, ch)
	}
	_, err = tp.ChargeSaved(context.Background(), payments.ChargeInput{TopUpID: "tu_9", CustomerID: "cus_test_1", PaymentMethodID: pm, Amount: payments.NewAmount(600, "GBP"), IdempotencyKey: "k"})
	wantCode(t, "ChargeSaved(same key, other amount)", err, kernel.EConflict)
	tp.Wait()
	// A wrong secret is refused.
	other, _ := stripe.NewTestProvider(stripe.TestConfig{BaseURL: "http://tollgate.test", Deliver: func(context.Context, []byte, http.Header) error { return nil }})
	_, err = other.ParseWebhook(payload, header, time.Now())
	wantCode(t, "ParseWebhook(another secret)", err, kernel.EInvalid)
}
