package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/tollgatehq/tollgate/kernel"
)

// StripeConfig connects one Tollgate account (in one mode) to Stripe.
type StripeConfig struct {
	SecretKey     Secret // sk_test_…/rk_test_… in test mode, sk_live_…/rk_live_… in live mode
	WebhookSecret Secret // whsec_…, the signing secret of the account's webhook endpoint
	Livemode      bool
	// BackendURL replaces https://api.stripe.com, for stripe-mock in
	// tests. Empty means Stripe.
	BackendURL string
	// HTTPClient is used for API calls; nil means a client with an 80 s
	// timeout (stripe-go's).
	HTTPClient *http.Client
}

// Stripe is the Stripe provider of one account and mode: Checkout Sessions
// for top-ups, off-session PaymentIntents for auto top-up, refunds, and
// webhooks verified with the endpoint's signing secret. It is safe for
// concurrent use.
type Stripe struct {
	client        *stripe.Client
	key           Secret
	webhookSecret Secret
	livemode      bool
}

var _ Provider = (*Stripe)(nil)

// NewStripe returns the Stripe provider for cfg. It refuses, with an invalid
// error naming only the key's last 4 characters, a live key in test mode, a
// test key in live mode, a publishable key, and a webhook secret that is not
// whsec_….
func NewStripe(cfg StripeConfig) (*Stripe, error) {
	if err := checkSecretKey(cfg.SecretKey, cfg.Livemode); err != nil {
		return nil, err
	}
	if err := checkWebhookSecret(cfg.WebhookSecret); err != nil {
		return nil, err
	}
	bc := &stripe.BackendConfig{
		HTTPClient: cfg.HTTPClient,
		// Errors are returned to the caller, which logs them once;
		// stripe-go's own logger would print them a second time.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.BackendURL != "" {
		bc.URL = stripe.String(strings.TrimRight(cfg.BackendURL, "/"))
	}
	backends := stripe.NewBackendsWithConfig(bc)
	return &Stripe{
		client:        stripe.NewClient(string(cfg.SecretKey), stripe.WithBackends(backends)),
		key:           cfg.SecretKey,
		webhookSecret: cfg.WebhookSecret,
		livemode:      cfg.Livemode,
	}, nil
}

// Name returns ProviderStripe.
func (s *Stripe) Name() string { return ProviderStripe }

// String names the provider by mode and the last 4 characters of its key.
func (s *Stripe) String() string {
	return fmt.Sprintf("stripe(%s, key %s)", modeName(s.livemode), s.key.Redacted())
}

// GoString is String, so %#v shows no secret either.
func (s *Stripe) GoString() string { return s.String() }

// EnsureCustomer returns ref.ProviderID when Stripe still has that customer,
// and otherwise creates one carrying the Tollgate ids in its metadata. The
// creation's idempotency key is the Tollgate customer id, so two concurrent
// first top-ups make one Stripe customer.
func (s *Stripe) EnsureCustomer(ctx context.Context, ref CustomerRef) (string, error) {
	if ref.ID == "" {
		return "", kernel.Invalidf("customer", "a Tollgate customer id is required")
	}
	if ref.ProviderID != "" {
		c, err := s.client.V1Customers.Retrieve(ctx, ref.ProviderID, nil)
		if err == nil && !c.Deleted {
			return c.ID, nil
		}
		if err != nil && !isMissing(err) {
			return "", stripeError("retrieve Stripe customer", err)
		}
	}
	p := &stripe.CustomerCreateParams{
		Metadata: map[string]string{"tollgate_customer": ref.ID, metaAccount: ref.Account, metaMode: ref.Mode},
	}
	if ref.Email != "" {
		p.Email = stripe.String(ref.Email)
	}
	if ref.Name != "" {
		p.Name = stripe.String(ref.Name)
	}
	p.SetIdempotencyKey("tollgate-customer-" + ref.ID)
	c, err := s.client.V1Customers.Create(ctx, p)
	if err != nil {
		return "", stripeError("create Stripe customer", err)
	}
	return c.ID, nil
}

// CreateCheckout creates a Checkout Session in payment mode for one card
// payment of in.Amount, saving the card on the customer for off-session use.
// The top-up id is the idempotency key and, with the account and mode, the
// metadata of both the session and its PaymentIntent, so every event of the
// payment names its top-up.
func (s *Stripe) CreateCheckout(ctx context.Context, in CheckoutInput) (Checkout, error) {
	amount, err := checkCheckout(in)
	if err != nil {
		return Checkout{}, err
	}
	meta := metadata(in.TopUpID, in.Account, in.Mode)
	p := &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModePayment)),
		Customer:           stripe.String(in.CustomerID),
		ClientReferenceID:  stripe.String(in.TopUpID),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		SuccessURL:         stripe.String(in.SuccessURL),
		CancelURL:          stripe.String(in.CancelURL),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:   stripe.String(strings.ToLower(amount.Currency)),
				UnitAmount: stripe.Int64(amount.Minor),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{
					Name: stripe.String(description(in.Description, amount)),
				},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			SetupFutureUsage: stripe.String(string(stripe.PaymentIntentSetupFutureUsageOffSession)),
			Metadata:         meta,
		},
		Metadata: meta,
	}
	if !in.ExpiresAt.IsZero() {
		p.ExpiresAt = stripe.Int64(in.ExpiresAt.Unix())
	}
	p.SetIdempotencyKey("tollgate-checkout-" + in.TopUpID)
	cs, err := s.client.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return Checkout{}, stripeError("create Stripe checkout session", err)
	}
	return Checkout{ID: cs.ID, URL: cs.URL, ExpiresAt: time.Unix(cs.ExpiresAt, 0).UTC()}, nil
}

// ChargeSaved confirms an off-session PaymentIntent on the saved card. A
// decline or a card that needs the customer (authentication_required) is not
// an error: it is the Charge's status, with Stripe's codes and message.
func (s *Stripe) ChargeSaved(ctx context.Context, in ChargeInput) (Charge, error) {
	amount, err := checkCharge(in)
	if err != nil {
		return Charge{}, err
	}
	p := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(amount.Minor),
		Currency:      stripe.String(strings.ToLower(amount.Currency)),
		Customer:      stripe.String(in.CustomerID),
		PaymentMethod: stripe.String(in.PaymentMethodID),
		Confirm:       stripe.Bool(true),
		OffSession:    stripe.Bool(true),
		Metadata:      metadata(in.TopUpID, in.Account, in.Mode),
	}
	if in.Description != "" {
		p.Description = stripe.String(in.Description)
	}
	p.SetIdempotencyKey(in.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		if c, ok := chargeFromCardError(err, amount); ok {
			return c, nil
		}
		return Charge{}, stripeError("charge saved card", err)
	}
	return chargeFromPaymentIntent(pi), nil
}

// chargeFromPaymentIntent maps a PaymentIntent Stripe answered with.
func chargeFromPaymentIntent(pi *stripe.PaymentIntent) Charge {
	c := Charge{ID: pi.ID, Amount: NewAmount(pi.Amount, string(pi.Currency))}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		c.Status = ChargeSucceeded
	case stripe.PaymentIntentStatusRequiresAction:
		c.Status = ChargeRequiresAction
		c.ActionURL = actionURL(pi.NextAction)
	case stripe.PaymentIntentStatusProcessing, stripe.PaymentIntentStatusRequiresCapture:
		c.Status = ChargeProcessing
	default: // requires_payment_method after a failed attempt, canceled
		c.Status = ChargeFailed
		if e := pi.LastPaymentError; e != nil {
			c.FailureCode, c.DeclineCode, c.FailureMessage = string(e.Code), string(e.DeclineCode), e.Msg
		} else {
			c.FailureCode, c.FailureMessage = string(pi.Status), "the payment was not completed"
		}
	}
	return c
}

// chargeFromCardError maps the 402 Stripe answers an off-session charge with
// when the card is declined or needs authentication: the PaymentIntent exists
// and the outcome is the charge's, not an error.
func chargeFromCardError(err error, amount Amount) (Charge, bool) {
	var se *stripe.Error
	if !errors.As(err, &se) || se.Type != stripe.ErrorTypeCard {
		return Charge{}, false
	}
	c := Charge{
		Status:         ChargeFailed,
		Amount:         amount,
		FailureCode:    string(se.Code),
		DeclineCode:    string(se.DeclineCode),
		FailureMessage: se.Msg,
	}
	if se.PaymentIntent != nil {
		c.ID = se.PaymentIntent.ID
		c.ActionURL = actionURL(se.PaymentIntent.NextAction)
	}
	if se.Code == stripe.ErrorCodeAuthenticationRequired {
		c.Status = ChargeRequiresAction
	}
	return c, true
}

// Refund refunds in.Amount of a PaymentIntent.
func (s *Stripe) Refund(ctx context.Context, in RefundInput) (Refund, error) {
	amount, err := checkRefund(in)
	if err != nil {
		return Refund{}, err
	}
	p := &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(in.PaymentID),
		Amount:        stripe.Int64(amount.Minor),
		Metadata:      in.Metadata,
	}
	p.SetIdempotencyKey(in.IdempotencyKey)
	r, err := s.client.V1Refunds.Create(ctx, p)
	if err != nil {
		return Refund{}, stripeError("refund payment "+in.PaymentID, err)
	}
	out := Refund{ID: r.ID, PaymentID: in.PaymentID, Amount: NewAmount(r.Amount, string(r.Currency))}
	if r.PaymentIntent != nil {
		out.PaymentID = r.PaymentIntent.ID
	}
	switch r.Status {
	case stripe.RefundStatusSucceeded:
		out.Status = RefundSucceeded
	case stripe.RefundStatusFailed, stripe.RefundStatusCanceled:
		out.Status = RefundFailed
	default:
		out.Status = RefundPending
	}
	return out, nil
}

// ParseWebhook verifies a Stripe webhook with the endpoint's signing secret
// (Stripe-Signature, within Tolerance of now) and decodes it.
func (s *Stripe) ParseWebhook(payload []byte, h http.Header, now time.Time) (Event, error) {
	return parseSignedEvent(payload, h, s.webhookSecret, s.livemode, now)
}

func metadata(topUpID, account, mode string) map[string]string {
	return map[string]string{metaTopUpID: topUpID, metaAccount: account, metaMode: mode}
}

func description(d string, a Amount) string {
	if d != "" {
		return d
	}
	return "Top-up of " + FormatAmount(a)
}

// isMissing reports Stripe's "no such resource" answer.
func isMissing(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && (se.Code == stripe.ErrorCodeResourceMissing || se.HTTPStatusCode == http.StatusNotFound)
}

// stripeError translates an error of the Stripe API into the kernel's codes,
// once. Stripe's messages name parameters and show keys redacted, and are
// shown; what answers at --stripe-api-base may echo a key whole
// (stripe-mock does, a proxy might), so every key in a message is redacted
// first, for the caller and the log alike. Internal errors keep Stripe's
// error wrapped for the log.
func stripeError(op string, err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		// The network: Stripe was not reached or did not answer.
		return &unavailableError{op: op, err: err}
	}
	se.Msg = redactKeys(se.Msg)
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		return kernel.Invalidf("secret_key", "Stripe refused the account's secret key (%s); connect Stripe again with a valid key", se.Msg)
	case se.Type == stripe.ErrorTypeIdempotency:
		return kernel.Errorf(kernel.EConflict, "Stripe: %s", se.Msg)
	case isMissing(err):
		return kernel.NotFoundf(se.Param, "Stripe: %s", se.Msg)
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500:
		return &unavailableError{op: op, err: err}
	case se.Type == stripe.ErrorTypeInvalidRequest || se.Type == stripe.ErrorTypeCard:
		return kernel.Invalidf(se.Param, "Stripe: %s", se.Msg)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// unavailableError is a kernel unavailable error that keeps the cause for
// the log while showing only a generic message.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string { return fmt.Sprintf("%s: %v", e.op, e.err) }
func (e *unavailableError) Unwrap() []error {
	return []error{kernel.Errorf(kernel.EUnavailable, "the payment provider is unavailable; retry the same request"), e.err}
}

// stripeKeyRE matches Stripe API keys: secret, restricted and publishable.
var stripeKeyRE = regexp.MustCompile(`\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9_]+`)

// redactKeys replaces every Stripe key in s by its redacted form (…last4).
func redactKeys(s string) string {
	return stripeKeyRE.ReplaceAllStringFunc(s, func(k string) string { return Secret(k).Redacted() })
}
