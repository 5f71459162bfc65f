package stripe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/tollgatehq/tollgate/payments"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
	"github.com/tollgatehq/tollgate/kernel"
)

// DeliverFunc hands a signed webhook to the inbound handler the domain uses
// for Stripe, which calls ParseWebhook. An error means "not delivered".
type DeliverFunc func(ctx context.Context, payload []byte, header http.Header) error

// TestConfig configures the test provider.
type TestConfig struct {
	// BaseURL is Tollgate's public base URL; checkout pages are served at
	// BaseURL + "/pay/test/{checkout_id}" by Handler.
	BaseURL string
	// WebhookSecret signs the provider's events. Empty means a secret
	// made for this process; processes sharing a database should share
	// one, so each can verify the others' events.
	WebhookSecret payments.Secret
	// Deliver receives every event, signed.
	Deliver DeliverFunc
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs deliveries that failed after retries; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Test card numbers, as in Stripe's test mode.
const (
	CardSucceeds       = "4242424242424242"
	CardDeclines       = "4000000000000002" // card_declined, generic_decline
	CardNoFunds        = "4000000000009995" // card_declined, insufficient_funds
	CardAuthentication = "4000002500003155" // requires authentication
)

// testCard is how a card number behaves. A saved card's behaviour is kept in
// its payment method id (pm_test_<last4>_…), so it outlives the process.
type testCard struct {
	last4, code, decline, message string
	authenticate                  bool
}

var testCards = map[string]testCard{
	CardSucceeds:       {last4: "4242"},
	CardDeclines:       {last4: "0002", code: "card_declined", decline: "generic_decline", message: "Your card was declined."},
	CardNoFunds:        {last4: "9995", code: "card_declined", decline: "insufficient_funds", message: "Your card has insufficient funds."},
	CardAuthentication: {last4: "3155", authenticate: true},
}

func cardByLast4(last4 string) (testCard, bool) {
	for _, c := range testCards {
		if c.last4 == last4 {
			return c, true
		}
	}
	return testCard{}, false
}

// TestProvider is the payment provider of test mode: no account anywhere.
// Its checkout is a page Tollgate serves itself (Handler), where test card
// numbers succeed, decline or ask for authentication; a card paid with is
// saved, and ChargeSaved charges it off-session with the same behaviour. Its
// events are Stripe-shaped, signed with Stripe's scheme and its own secret,
// and handed to Deliver, so they take the same inbound path and parser as
// Stripe's.
//
// State (checkouts, payments, idempotency keys, refunds) lives in this
// process's memory: a checkout page is served only by the process that
// created it, and a restart forgets open checkouts and what can be refunded.
// The domain persists top-ups and their provider ids; saved cards survive a
// restart because their behaviour is in their id. It is safe for concurrent
// use.
type TestProvider struct {
	base    string
	secret  payments.Secret
	deliver DeliverFunc
	now     func() time.Time
	log     *slog.Logger

	mu        sync.Mutex
	customers map[string]string // Tollgate customer id → cus_test_…
	checkouts map[string]*testCheckout
	byTopUp   map[string]*testCheckout
	payments  map[string]*testPayment
	charges   map[string]testIdempotent[payments.ChargeInput, payments.Charge]
	refunds   map[string]testIdempotent[payments.RefundInput, payments.Refund]
	inflight  sync.WaitGroup
}

type testIdempotent[I, O any] struct {
	in  I
	out O
}

// testCheckout is an open, completed or expired checkout.
type testCheckout struct {
	in        payments.CheckoutInput
	amount    payments.Amount
	id        string
	expiresAt time.Time
	status    string   // "open", "complete", "expired"
	delivered [][]byte // the completion's events, redelivered on a retry
}

// testPayment is a PaymentIntent of the test provider.
type testPayment struct {
	id, customer, paymentMethod string
	amount                      payments.Amount
	meta                        map[string]string
	status                      stripego.PaymentIntentStatus
	checkout                    *testCheckout // nil for an off-session charge
	refunded                    int64
}

var _ payments.Provider = (*TestProvider)(nil)

// NewTestProvider returns a test provider.
func NewTestProvider(cfg TestConfig) (*TestProvider, error) {
	if err := payments.CheckURL("base_url", cfg.BaseURL); err != nil {
		return nil, err
	}
	if cfg.Deliver == nil {
		return nil, kernel.Invalidf("deliver", "the test provider needs a Deliver function for its webhooks")
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = payments.Secret("whsec_test_" + randomID())
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &TestProvider{
		base:      strings.TrimRight(cfg.BaseURL, "/"),
		secret:    cfg.WebhookSecret,
		deliver:   cfg.Deliver,
		now:       cfg.Now,
		log:       cfg.Logger,
		customers: map[string]string{},
		checkouts: map[string]*testCheckout{},
		byTopUp:   map[string]*testCheckout{},
		payments:  map[string]*testPayment{},
		charges:   map[string]testIdempotent[payments.ChargeInput, payments.Charge]{},
		refunds:   map[string]testIdempotent[payments.RefundInput, payments.Refund]{},
	}, nil
}

// Name returns payments.ProviderTest.
func (p *TestProvider) Name() string { return payments.ProviderTest }

// String names the provider without its secret.
func (p *TestProvider) String() string { return "test provider (" + p.base + ")" }

// GoString is String.
func (p *TestProvider) GoString() string { return p.String() }

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// EnsureCustomer returns ref.ProviderID when it is a test customer, and
// otherwise one cus_test_… per Tollgate customer.
func (p *TestProvider) EnsureCustomer(_ context.Context, ref payments.CustomerRef) (string, error) {
	if ref.ID == "" {
		return "", kernel.Invalidf("customer", "a Tollgate customer id is required")
	}
	if strings.HasPrefix(ref.ProviderID, "cus_test_") {
		return ref.ProviderID, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	id, ok := p.customers[ref.ID]
	if !ok {
		id = "cus_test_" + randomID()
		p.customers[ref.ID] = id
	}
	return id, nil
}

// CreateCheckout opens a checkout page on Tollgate. The top-up id is the
// idempotency key: the same top-up gets the same checkout, and a different
// amount or customer for it is a conflict.
func (p *TestProvider) CreateCheckout(_ context.Context, in payments.CheckoutInput) (payments.Checkout, error) {
	amount, err := in.Validate()
	if err != nil {
		return payments.Checkout{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.byTopUp[in.TopUpID]; ok {
		if c.amount != amount || c.in.CustomerID != in.CustomerID {
			return payments.Checkout{}, kernel.Errorf(kernel.EConflict, "top-up %s already has a checkout for %s", in.TopUpID, payments.FormatAmount(c.amount))
		}
		return p.checkout(c), nil
	}
	expires := in.ExpiresAt
	if expires.IsZero() {
		expires = p.now().Add(24 * time.Hour)
	}
	c := &testCheckout{in: in, amount: amount, id: "cs_test_" + randomID(), expiresAt: expires.UTC(), status: "open"}
	p.checkouts[c.id] = c
	p.byTopUp[in.TopUpID] = c
	return p.checkout(c), nil
}

func (p *TestProvider) checkout(c *testCheckout) payments.Checkout {
	return payments.Checkout{ID: c.id, URL: p.base + "/pay/test/" + c.id, ExpiresAt: c.expiresAt}
}

// SaveCard saves a test card number on a customer, as a checkout paid with
// it would, and returns its payment method id. For tests and seeding.
func (p *TestProvider) SaveCard(customerID, number string) (string, error) {
	card, ok := testCards[cardDigits(number)]
	if !ok {
		return "", kernel.Invalidf("card", "%q is not a test card number", number)
	}
	return newPaymentMethodID(card), nil
}

func newPaymentMethodID(c testCard) string { return "pm_test_" + c.last4 + "_" + randomID() }

func cardDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ChargeSaved charges a saved test card off-session. 4242 succeeds, 0002
// and 9995 decline, and 3155 requires authentication at ActionURL (unlike
// Stripe, where 3155 asks only on-session, so that the path can be tried).
// The matching event is delivered in the background, as Stripe's would be;
// Wait waits for it.
func (p *TestProvider) ChargeSaved(ctx context.Context, in payments.ChargeInput) (payments.Charge, error) {
	amount, err := in.Validate()
	if err != nil {
		return payments.Charge{}, err
	}
	last4, _, _ := strings.Cut(strings.TrimPrefix(in.PaymentMethodID, "pm_test_"), "_")
	card, ok := cardByLast4(last4)
	if !strings.HasPrefix(in.PaymentMethodID, "pm_test_") || !ok {
		return payments.Charge{}, kernel.NotFoundf("payment_method", "no saved test card %s", in.PaymentMethodID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.charges[in.IdempotencyKey]; ok {
		if prev.in != in {
			return payments.Charge{}, kernel.Errorf(kernel.EConflict, "idempotency key %s was used for another charge", in.IdempotencyKey)
		}
		return prev.out, nil
	}
	pay := &testPayment{
		id: "pi_test_" + randomID(), customer: in.CustomerID, paymentMethod: in.PaymentMethodID,
		amount: amount, meta: metadata(in.TopUpID, in.Account, in.Mode),
	}
	p.payments[pay.id] = pay
	var ch payments.Charge
	var event []byte
	switch {
	case card.authenticate:
		pay.status = stripego.PaymentIntentStatusRequiresAction
		ch = payments.Charge{ID: pay.id, Status: payments.ChargeRequiresAction, Amount: amount, ActionURL: p.authenticateURL(pay.id)}
		event = p.paymentEvent(pay, stripego.EventTypePaymentIntentRequiresAction, testCard{})
	case card.code != "":
		pay.status = stripego.PaymentIntentStatusRequiresPaymentMethod
		ch = payments.Charge{ID: pay.id, Status: payments.ChargeFailed, Amount: amount, FailureCode: card.code, DeclineCode: card.decline, FailureMessage: card.message}
		event = p.paymentEvent(pay, stripego.EventTypePaymentIntentPaymentFailed, card)
	default:
		pay.status = stripego.PaymentIntentStatusSucceeded
		ch = payments.Charge{ID: pay.id, Status: payments.ChargeSucceeded, Amount: amount}
		event = p.paymentEvent(pay, stripego.EventTypePaymentIntentSucceeded, testCard{})
	}
	p.charges[in.IdempotencyKey] = testIdempotent[payments.ChargeInput, payments.Charge]{in, ch}
	p.deliverLater(context.WithoutCancel(ctx), event)
	return ch, nil
}

// Refund refunds part or all of a succeeded test payment, never more than
// what is left of it.
func (p *TestProvider) Refund(_ context.Context, in payments.RefundInput) (payments.Refund, error) {
	amount, err := in.Validate()
	if err != nil {
		return payments.Refund{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.refunds[in.IdempotencyKey]; ok {
		if prev.in.PaymentID != in.PaymentID || prev.in.Amount != in.Amount {
			return payments.Refund{}, kernel.Errorf(kernel.EConflict, "idempotency key %s was used for another refund", in.IdempotencyKey)
		}
		return prev.out, nil
	}
	pay, ok := p.payments[in.PaymentID]
	if !ok || pay.status != stripego.PaymentIntentStatusSucceeded {
		return payments.Refund{}, kernel.NotFoundf("payment", "no succeeded test payment %s in this process", in.PaymentID)
	}
	if amount.Currency != pay.amount.Currency {
		return payments.Refund{}, kernel.Invalidf("amount", "payment %s was in %s, not %s", pay.id, pay.amount.Currency, amount.Currency)
	}
	if left := pay.amount.Minor - pay.refunded; amount.Minor > left {
		return payments.Refund{}, kernel.Invalidf("amount", "%s is more than the %s left of payment %s", payments.FormatAmount(amount), payments.FormatAmount(payments.Amount{Minor: left, Currency: amount.Currency}), pay.id)
	}
	pay.refunded += amount.Minor
	r := payments.Refund{ID: "re_test_" + randomID(), PaymentID: pay.id, Amount: amount, Status: payments.RefundSucceeded}
	p.refunds[in.IdempotencyKey] = testIdempotent[payments.RefundInput, payments.Refund]{in, r}
	return r, nil
}

// ParseWebhook verifies an event of this provider and decodes it, with the
// parser Stripe's events go through.
func (p *TestProvider) ParseWebhook(payload []byte, h payments.Header, now time.Time) (payments.Event, error) {
	return parseSignedEvent(payload, h, p.secret, false, now)
}

// Expire expires an open checkout now, as Stripe does after its expiry
// time, and delivers checkout.session.expired.
func (p *TestProvider) Expire(ctx context.Context, checkoutID string) error {
	p.mu.Lock()
	c, ok := p.checkouts[checkoutID]
	if !ok || c.status != "open" {
		p.mu.Unlock()
		return kernel.NotFoundf("checkout", "no open test checkout %s", checkoutID)
	}
	c.status = "expired"
	event := p.checkoutEvent(c, stripego.EventTypeCheckoutSessionExpired, nil)
	p.mu.Unlock()
	return p.send(ctx, event)
}

// Wait waits for the events delivered in the background.
func (p *TestProvider) Wait() { p.inflight.Wait() }

// Events.

// event returns a Stripe-shaped event holding object.
func (p *TestProvider) event(typ stripego.EventType, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": "evt_test_" + randomID(), "object": "event", "api_version": stripego.APIVersion,
		"created": p.now().Unix(), "livemode": false, "type": typ,
		"data": map[string]any{"object": object},
	})
	if err != nil {
		panic(fmt.Sprintf("marshal test event: %v", err)) // maps of strings and numbers always marshal
	}
	return b
}

func (p *TestProvider) checkoutEvent(c *testCheckout, typ stripego.EventType, pay *testPayment) []byte {
	obj := map[string]any{
		"id": c.id, "object": "checkout.session", "mode": "payment",
		"amount_total": c.amount.Minor, "currency": strings.ToLower(c.amount.Currency),
		"customer": c.in.CustomerID, "client_reference_id": c.in.TopUpID,
		"metadata": metadata(c.in.TopUpID, c.in.Account, c.in.Mode),
		"status":   c.status, "payment_status": "unpaid", "payment_intent": nil,
	}
	if pay != nil {
		obj["payment_intent"], obj["payment_status"] = pay.id, "paid"
	}
	return p.event(typ, obj)
}

func (p *TestProvider) paymentEvent(pay *testPayment, typ stripego.EventType, failure testCard) []byte {
	obj := map[string]any{
		"id": pay.id, "object": "payment_intent", "amount": pay.amount.Minor,
		"currency": strings.ToLower(pay.amount.Currency), "customer": pay.customer,
		"payment_method": pay.paymentMethod, "status": pay.status, "metadata": pay.meta,
	}
	if pay.status == stripego.PaymentIntentStatusSucceeded {
		obj["amount_received"] = pay.amount.Minor
	}
	if pay.status == stripego.PaymentIntentStatusRequiresAction {
		obj["next_action"] = map[string]any{"type": "redirect_to_url", "redirect_to_url": map[string]any{"url": p.authenticateURL(pay.id)}}
	}
	if failure.code != "" {
		obj["last_payment_error"] = map[string]any{"type": "card_error", "code": failure.code, "decline_code": failure.decline, "message": failure.message}
	}
	return p.event(typ, obj)
}

func (p *TestProvider) authenticateURL(paymentID string) string {
	return p.base + "/pay/test/authenticate/" + paymentID
}

// send signs an event with Stripe's scheme and delivers it.
func (p *TestProvider) send(ctx context.Context, payload []byte) error {
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: string(p.secret), Timestamp: p.now()})
	h := http.Header{}
	h.Set(SignatureHeader, signed.Header)
	h.Set("Content-Type", "application/json")
	if err := p.deliver(ctx, bytes.Clone(payload), h); err != nil {
		return fmt.Errorf("deliver test payment event: %w", err)
	}
	return nil
}

// deliverLater delivers an event in the background, retrying a few times as
// Stripe retries; the caller holds p.mu.
func (p *TestProvider) deliverLater(ctx context.Context, payload []byte) {
	p.inflight.Add(1)
	go func() {
		defer p.inflight.Done()
		var err error
		for attempt := range 4 {
			time.Sleep(time.Duration(attempt*attempt) * 100 * time.Millisecond)
			if err = p.send(ctx, payload); err == nil {
				return
			}
		}
		p.log.Error("test payment event not delivered", "error", err)
	}()
}
