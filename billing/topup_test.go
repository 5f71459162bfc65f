package billing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/billingtest"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/payments/stripe"
)

// payEnv is a service that takes test-mode payments through the test
// provider, whose checkout pages are served by page; every event the
// provider sends is kept in delivered before it is handled.
type payEnv struct {
	*env
	prov      *stripe.TestProvider
	page      *httptest.Server
	mu        sync.Mutex
	delivered []delivery
}

type delivery struct {
	payload []byte
	header  http.Header
}

func newPayEnv(t *testing.T) *payEnv {
	t.Helper()
	pool := testdb.New(t)
	clk := billingtest.NewClock(time.Now().UTC().Truncate(time.Microsecond))
	pe := &payEnv{}
	var svc *billing.Service
	mux := http.NewServeMux()
	pe.page = httptest.NewServer(mux)
	t.Cleanup(pe.page.Close)
	prov, err := stripe.NewTestProvider(stripe.TestConfig{BaseURL: pe.page.URL, Now: clk.Now,
		Deliver: func(ctx context.Context, payload []byte, h http.Header) error {
			pe.mu.Lock()
			pe.delivered = append(pe.delivered, delivery{payload, h.Clone()})
			pe.mu.Unlock()
			return svc.Payments.HandlePaymentWebhook(ctx, payments.ProviderTest, "", "", payload, h)
		}})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/pay/test/", prov.Handler())
	q := jobs.New(pool, nil)
	svc = billing.NewService(pool, billing.Options{Now: clk.Now, TestPayments: prov, Jobs: q})
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	pe.env, pe.prov = &env{svc: svc, jobs: q, clock: clk, ctx: ctx, acct: acct}, prov
	return pe
}

// pay submits the checkout page of a top-up with a test card.
func (pe *payEnv) pay(t *testing.T, checkoutURL, card string) int {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(checkoutURL, url.Values{"card": {card}, "action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func (pe *payEnv) topUp(t *testing.T, key, amount string) billing.TopUp {
	t.Helper()
	tu, err := pe.svc.Payments.CreateTopUp(pe.ctx, billing.CreateTopUpInput{IdempotencyKey: key, Customer: "u1", Asset: "USD", Paid: dec(amount),
		SuccessURL: "https://app.example.com/ok", CancelURL: "https://app.example.com/cancel"})
	if err != nil {
		t.Fatalf("CreateTopUp(%s) = %v", amount, err)
	}
	return tu
}

func (pe *payEnv) getTopUp(t *testing.T, id string) billing.TopUp {
	t.Helper()
	tu, err := pe.svc.Payments.GetTopUp(pe.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return tu
}

func TestTopUpThroughTheTestProvider(t *testing.T) {
	t.Parallel()
	pe := newPayEnv(t)
	pe.customer(t, "u1")

	tu := pe.topUp(t, "topup-1", "20.00")
	if tu.Status != billing.TopUpPending || !strings.HasPrefix(tu.CheckoutURL, pe.page.URL+"/pay/test/") || !tu.Credit.Equal(dec("20")) {
		t.Fatalf("CreateTopUp = %+v, want pending with a checkout on the test provider, crediting 20", tu)
	}
	if again := pe.topUp(t, "topup-1", "20.00"); again.ID != tu.ID || !again.Replayed || again.CheckoutURL != tu.CheckoutURL {
		t.Errorf("replay = %+v, want the same top-up", again)
	}
	_, err := pe.svc.Payments.CreateTopUp(pe.ctx, billing.CreateTopUpInput{IdempotencyKey: "topup-1", Customer: "u1", Asset: "USD", Paid: dec("25.00"),
		SuccessURL: "https://app.example.com/ok", CancelURL: "https://app.example.com/cancel"})
	wantCode(t, "CreateTopUp(same key, 25.00)", err, kernel.EConflict)

	// A declined card: the top-up shows failed and no lot.
	if code := pe.pay(t, tu.CheckoutURL, "4000 0000 0000 0002"); code != http.StatusPaymentRequired {
		t.Errorf("paying with 0002 answered %d, want 402", code)
	}
	if got := pe.getTopUp(t, tu.ID); got.Status != billing.TopUpFailed || got.LotID != "" || !strings.Contains(got.FailureCode, "card_declined") {
		t.Errorf("after a decline: %+v, want failed, no lot", got)
	}
	wantDec(t, "balance after a decline", pe.balance(t, "u1", "USD").Total, "0")

	// The same checkout paid with a good card: credited once, as a paid lot.
	if code := pe.pay(t, tu.CheckoutURL, "4242 4242 4242 4242"); code != http.StatusSeeOther {
		t.Errorf("paying with 4242 answered %d, want a redirect to the success URL", code)
	}
	got := pe.getTopUp(t, tu.ID)
	b := pe.balance(t, "u1", "USD")
	if got.Status != billing.TopUpSucceeded || got.LotID == "" || len(b.Lots) != 1 || b.Lots[0].ID != got.LotID ||
		b.Lots[0].Purpose != billing.LotPaid || !b.Lots[0].RevenueBasis.Equal(dec("20")) {
		t.Fatalf("after paying: top-up %+v, balance %+v; want succeeded with a paid lot of basis 20", got, b)
	}
	wantDec(t, "balance", b.Total, "20")
	pe.verifyClean(t)
}

// TestPaymentWebhookAppliesOnce: one event delivered ten times at once
// credits one lot; a wrong signature changes nothing.
func TestPaymentWebhookAppliesOnce(t *testing.T) {
	t.Parallel()
	pe := newPayEnv(t)
	pe.customer(t, "u1")
	tu := pe.topUp(t, "topup-1", "10.00")
	pe.pay(t, tu.CheckoutURL, "4242424242424242")
	pe.mu.Lock()
	events := append([]delivery(nil), pe.delivered...)
	pe.mu.Unlock()
	if len(events) == 0 {
		t.Fatal("the test provider delivered no event")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 10*len(events))
	for range 10 {
		for _, d := range events {
			wg.Go(func() {
				errs <- pe.svc.Payments.HandlePaymentWebhook(context.Background(), payments.ProviderTest, "", "", d.payload, d.header)
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("redelivery = %v", err)
		}
	}
	if b := pe.balance(t, "u1", "USD"); len(b.Lots) != 1 || !b.Total.Equal(dec("10")) {
		t.Errorf("after 10 deliveries of each event: %+v, want one lot of 10", b)
	}

	tampered := events[0].header.Clone()
	for k := range tampered {
		if strings.EqualFold(k, "Stripe-Signature") {
			tampered.Set(k, "t=1,v1=00")
		}
	}
	err := pe.svc.Payments.HandlePaymentWebhook(context.Background(), payments.ProviderTest, "", "", events[0].payload, tampered)
	wantCode(t, "a webhook with a wrong signature", err, kernel.EInvalid)
	pe.verifyClean(t)
}

func TestTopUpRefusesWhatAProviderWould(t *testing.T) {
	t.Parallel()
	pe := newPayEnv(t)
	pe.customer(t, "u1")
	pe.asset(t, "credits", 0)
	for _, tc := range []struct {
		name, asset, currency, paid, field string
	}{
		{"BelowMinimum", "USD", "USD", "0.10", "amount"},
		{"FractionOfACent", "USD", "USD", "10.005", "amount"},
		{"NoRate", "credits", "USD", "10.00", "currency"},
	} {
		_, err := pe.svc.Payments.CreateTopUp(pe.ctx, billing.CreateTopUpInput{IdempotencyKey: tc.name, Customer: "u1", Asset: tc.asset, Currency: tc.currency,
			Paid: dec(tc.paid), SuccessURL: "https://a.example/ok", CancelURL: "https://a.example/no"})
		if kernel.ErrorField(err) != tc.field || err == nil {
			t.Errorf("%s: CreateTopUp = %v (field %q), want an error naming %s", tc.name, err, kernel.ErrorField(err), tc.field)
		}
	}
	// A stated credit: pay 20 USD, get 2,200 credits.
	tu, err := pe.svc.Payments.CreateTopUp(pe.ctx, billing.CreateTopUpInput{IdempotencyKey: "bonus", Customer: "u1", Asset: "credits", Currency: "USD",
		Paid: dec("20.00"), Credit: decp("2200"), SuccessURL: "https://a.example/ok", CancelURL: "https://a.example/no"})
	if err != nil || !tu.Credit.Equal(dec("2200")) {
		t.Fatalf("CreateTopUp(2200 credits for 20 USD) = %+v, %v", tu, err)
	}
	pe.pay(t, tu.CheckoutURL, "4242424242424242")
	if b := pe.balance(t, "u1", "credits"); !b.Total.Equal(dec("2200")) || !b.Lots[0].RevenueBasis.Equal(dec("20")) || b.Lots[0].RevenueCurrency != "USD" {
		t.Errorf("credits balance %+v, want 2200 with a revenue basis of 20 USD", b)
	}
}

func TestRefundTopUp(t *testing.T) {
	t.Parallel()
	pe := newPayEnv(t)
	pe.customer(t, "u1")
	tu := pe.topUp(t, "t1", "10.00")
	pe.pay(t, tu.CheckoutURL, "4242424242424242")
	pe.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("3.005"), Reason: "spent"})

	_, err := pe.svc.Payments.RefundTopUp(pe.ctx, billing.RefundTopUpInput{TopUpID: tu.ID, IdempotencyKey: "r0", Amount: decp("7.00")})
	wantField(t, "refund of more than the lot holds", err, kernel.EInvalid, "amount")
	got, err := pe.svc.Payments.RefundTopUp(pe.ctx, billing.RefundTopUpInput{TopUpID: tu.ID, IdempotencyKey: "r1"})
	if err != nil || !got.Refunded.Equal(dec("6.99")) {
		t.Fatalf("RefundTopUp(all) = %+v, %v; want 6.99 refunded (the lot holds 6.995: whole cents)", got, err)
	}
	if again, err := pe.svc.Payments.RefundTopUp(pe.ctx, billing.RefundTopUpInput{TopUpID: tu.ID, IdempotencyKey: "r1"}); err != nil || !again.Refunded.Equal(dec("6.99")) {
		t.Errorf("retried refund = %+v, %v; want nothing refunded twice", again, err)
	}
	wantDec(t, "balance after the refund", pe.balance(t, "u1", "USD").Total, "0.005")
	pe.verifyClean(t)
}

// TestAutoTopUpOneChargePerCrossing: 50 concurrent debits cross the
// threshold together and start exactly one auto top-up, which a job charges
// to the saved card and credits once.
func TestAutoTopUpOneChargePerCrossing(t *testing.T) {
	t.Parallel()
	pe := newPayEnv(t)
	pe.customer(t, "u1")
	tu := pe.topUp(t, "first", "20.00")
	pe.pay(t, tu.CheckoutURL, "4242424242424242") // saves the card
	if _, err := pe.svc.Payments.ConfigureAutoTopUp(pe.ctx, billing.ConfigureAutoTopUpInput{Customer: "u1", Asset: "USD", Enabled: true,
		Threshold: dec("10"), Paid: dec("15.00")}); err != nil {
		t.Fatalf("ConfigureAutoTopUp = %v", err)
	}

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			_, err := pe.svc.CreateAdjustment(pe.ctx, billing.CreateAdjustmentInput{TransactionID: fmt.Sprintf("c-%d", i), Kind: billing.AdjustCharge,
				Customer: "u1", Asset: "USD", Amount: dec("0.25")})
			if err != nil {
				t.Errorf("charge %d = %v", i, err)
			}
		})
	}
	wg.Wait()
	list, err := pe.svc.Payments.ListTopUps(pe.ctx, "u1", 100)
	if err != nil {
		t.Fatal(err)
	}
	var auto []billing.TopUp
	for _, x := range list {
		if x.Auto {
			auto = append(auto, x)
		}
	}
	if len(auto) != 1 || auto[0].Status != billing.TopUpPending {
		t.Fatalf("auto top-ups after 50 debits crossing together: %+v, want exactly one pending", auto)
	}

	pe.startJobs(t)
	waitFor(t, func() bool { return pe.getTopUp(t, auto[0].ID).Status == billing.TopUpSucceeded })
	pe.prov.Wait()
	wantDec(t, "balance: 20 − 50 × 0.25 + 15", pe.balance(t, "u1", "USD").Total, "22.5")
	pe.verifyClean(t)
}

// TestAutoTopUpDeclinesBackOffThenDisable: a declining saved card fails,
// backs off, and auto top-up turns itself off after repeated failures.
func TestAutoTopUpDeclines(t *testing.T) {
	t.Parallel()
	pe := newPayEnv(t)
	pe.customer(t, "u1")
	tu := pe.topUp(t, "first", "20.00")
	pe.pay(t, tu.CheckoutURL, "4000000000000002") // declined; the card is not saved
	_, err := pe.svc.Payments.ConfigureAutoTopUp(pe.ctx, billing.ConfigureAutoTopUpInput{Customer: "u1", Asset: "USD", Enabled: true, Threshold: dec("10"), Paid: dec("15.00")})
	if kernel.ErrorAction(err) != billing.ActSaveCard {
		t.Errorf("ConfigureAutoTopUp without a saved card = %v, want an error naming the fix", err)
	}

	// A saved card that declines every charge.
	cus := pe.customerID(t, "u1")
	card, err := pe.prov.SaveCard("cus_test_u1", "4000000000000002")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pe.svc.Pool().Exec(pe.ctx, `INSERT INTO provider_customers (customer_id, provider, provider_customer_id, payment_method_id, updated_at)
		VALUES ($1, 'test', 'cus_test_u1', $2, now())
		ON CONFLICT (customer_id, provider) DO UPDATE SET payment_method_id = EXCLUDED.payment_method_id`, cus, card); err != nil {
		t.Fatal(err)
	}
	if _, err := pe.svc.Payments.ConfigureAutoTopUp(pe.ctx, billing.ConfigureAutoTopUpInput{Customer: "u1", Asset: "USD", Enabled: true,
		Threshold: dec("10"), Paid: dec("15.00")}); err != nil {
		t.Fatalf("ConfigureAutoTopUp = %v", err)
	}
	pe.startJobs(t)
	pe.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("20"), Reason: "gift"})
	for n := 1; n <= 3; n++ {
		spend := map[bool]string{true: "11", false: "1"}[n == 1] // 20 → 9, then 1 less each time
		pe.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec(spend), Reason: fmt.Sprintf("spend-%d", n)})
		waitFor(t, func() bool {
			a, err := pe.svc.Payments.GetAutoTopUp(pe.ctx, "u1", "", "USD")
			return err == nil && a.Failures == n
		})
		a, _ := pe.svc.Payments.GetAutoTopUp(pe.ctx, "u1", "", "USD")
		if n < 3 && (!a.Enabled || a.RetryAfter == nil || !a.RetryAfter.After(pe.clock.Now())) {
			t.Fatalf("after decline %d: %+v, want enabled with a retry_after in the future", n, a)
		}
		if n == 3 && (a.Enabled || !strings.Contains(a.DisabledReason, "card_declined")) {
			t.Fatalf("after decline 3: %+v, want disabled with the reason", a)
		}
		// Within the backoff, another debit starts nothing.
		pe.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("0.01"), Reason: fmt.Sprintf("within-%d", n)})
		pe.clock.Advance(24 * time.Hour)
	}
	list, _ := pe.svc.Payments.ListTopUps(pe.ctx, "u1", 100)
	failed := 0
	for _, x := range list {
		if x.Auto {
			if x.Status != billing.TopUpFailed {
				t.Errorf("auto top-up %+v, want failed", x)
			}
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("%d auto top-ups, want 3 (one per decline, none within a backoff or once disabled)", failed)
	}
	var disabled int
	if err := pe.svc.Pool().QueryRow(pe.ctx, `SELECT count(*) FROM outbox WHERE type = 'auto_top_up.disabled'`).Scan(&disabled); err != nil || disabled != 1 {
		t.Errorf("auto_top_up.disabled events = %d, %v; want 1", disabled, err)
	}
	wantDec(t, "balance: nothing credited", pe.balance(t, "u1", "USD").Total, "6.97")
	pe.verifyClean(t)
}

func (e *env) customerID(t *testing.T, ext string) string {
	t.Helper()
	c, err := e.svc.GetCustomer(e.ctx, ext)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// waitFor polls cond until it holds, failing after a generous bound; it
// waits for background work, it does not time it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTopUpWhileDebiting: a top-up succeeds while the wallet is being
// debited; the balance is exact and the ledger verifies.
func TestTopUpWhileDebiting(t *testing.T) {
	t.Parallel()
	pe := newPayEnv(t)
	pe.customer(t, "u1")
	pe.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "gift"})
	tu := pe.topUp(t, "t1", "10.00")
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if _, err := pe.svc.CreateAdjustment(pe.ctx, billing.CreateAdjustmentInput{TransactionID: fmt.Sprintf("d-%d", i), Kind: billing.AdjustCharge,
				Customer: "u1", Asset: "USD", Amount: dec("0.125")}); err != nil {
				t.Errorf("charge %d = %v", i, err)
			}
		})
	}
	wg.Go(func() { pe.pay(t, tu.CheckoutURL, "4242424242424242") })
	wg.Wait()
	wantDec(t, "balance: 5 + 10 − 30 × 0.125", pe.balance(t, "u1", "USD").Total, "11.25")
	pe.verifyClean(t)
}
