package stripe

import (
	"context"
	"errors"
	"fmt"
	"github.com/tollgatehq/tollgate/payments"
	"net/http"
	"regexp"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/tollgatehq/tollgate/kernel"
)

// Config connects one Tollgate account (in one mode) to Stripe.
type Config struct {
	SecretKey     payments.Secret // sk_test_…/rk_test_… in test mode, sk_live_…/rk_live_… in live mode
	WebhookSecret payments.Secret // whsec_…, the signing secret of the account's webhook endpoint
	Livemode      bool
	// BackendURL replaces https://api.stripe.com, for stripe-mock in
	// tests. Empty means Stripe.
	BackendURL string
	// HTTPClient is used for API calls; nil means a client with an 80 s
	// timeout (stripe-go's).
	HTTPClient *http.Client
}

// Provider is the Stripe provider of one account and mode: Checkout Sessions
// for top-ups, off-session PaymentIntents for auto top-up, refunds, and
// webhooks verified with the endpoint's signing secret. It is safe for
// concurrent use.
type Provider struct {
	client        *stripego.Client
	key           payments.Secret
	webhookSecret payments.Secret
	livemode      bool
}

var _ payments.Provider = (*Provider)(nil)

// New returns the Stripe provider for cfg. It refuses, with an invalid
// error naming only the key's last 4 characters, a live key in test mode, a
// test key in live mode, a publishable key, and a webhook secret that is not
// whsec_….
func New(cfg Config) (*Provider, error) {
	if err := checkSecretKey(cfg.SecretKey, cfg.Livemode); err != nil {
		return nil, err
	}
	if err := checkWebhookSecret(cfg.WebhookSecret); err != nil {
		return nil, err
	}
	bc := &stripego.BackendConfig{
		HTTPClient: cfg.HTTPClient,
		// Errors are returned to the caller, which logs them once;
		// stripe-go's own logger would print them a second time.
		LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull},
	}
	if cfg.BackendURL != "" {
		bc.URL = stripego.String(strings.TrimRight(cfg.BackendURL, "/"))
	}
	backends := stripego.NewBackendsWithConfig(bc)
	return &Provider{
		client:        stripego.NewClient(string(cfg.SecretKey), stripego.WithBackends(backends)),
		key:           cfg.SecretKey,
		webhookSecret: cfg.WebhookSecret,
		livemode:      cfg.Livemode,
	}, nil
}

// Connector returns the payments.Connector billing builds an account's
// Stripe provider with; backendURL replaces Stripe's API address (empty:
// Stripe's own).
func Connector(backendURL string) payments.Connector {
	return func(c payments.Connection) (payments.Provider, error) {
		p, err := New(Config{SecretKey: c.SecretKey, WebhookSecret: c.WebhookSecret, Livemode: c.Livemode, BackendURL: backendURL})
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

// Name returns payments.ProviderStripe.
func (s *Provider) Name() string { return payments.ProviderStripe }

// String names the provider by mode and the last 4 characters of its key.
func (s *Provider) String() string {
	return fmt.Sprintf("stripe(%s, key %s)", modeName(s.livemode), s.key.Redacted())
}

// GoString is String, so %#v shows no secret either.
func (s *Provider) GoString() string { return s.String() }

// EnsureCustomer returns ref.ProviderID when Stripe still has that customer,
// and otherwise creates one carrying the Tollgate ids in its metadata. The
// creation's idempotency key is the Tollgate customer id, so two concurrent
// first top-ups make one Stripe customer.
func (s *Provider) EnsureCustomer(ctx context.Context, ref payments.CustomerRef) (string, error) {
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
	p := &stripego.CustomerCreateParams{
		Metadata: map[string]string{"tollgate_customer": ref.ID, metaAccount: ref.Account, metaMode: ref.Mode},
	}
	if ref.Email != "" {
		p.Email = stripego.String(ref.Email)
	}
	if ref.Name != "" {
		p.Name = stripego.String(ref.Name)
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
func (s *Provider) CreateCheckout(ctx context.Context, in payments.CheckoutInput) (payments.Checkout, error) {
	amount, err := in.Validate()
	if err != nil {
		return payments.Checkout{}, err
	}
	meta := metadata(in.TopUpID, in.Account, in.Mode)
	p := &stripego.CheckoutSessionCreateParams{
		Mode:               stripego.String(string(stripego.CheckoutSessionModePayment)),
		Customer:           stripego.String(in.CustomerID),
		ClientReferenceID:  stripego.String(in.TopUpID),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		SuccessURL:         stripego.String(in.SuccessURL),
		CancelURL:          stripego.String(in.CancelURL),
		LineItems: []*stripego.CheckoutSessionCreateLineItemParams{{
			Quantity: stripego.Int64(1),
			PriceData: &stripego.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:   stripego.String(strings.ToLower(amount.Currency)),
				UnitAmount: stripego.Int64(amount.Minor),
				ProductData: &stripego.CheckoutSessionCreateLineItemPriceDataProductDataParams{
					Name: stripego.String(description(in.Description, amount)),
				},
			},
		}},
		PaymentIntentData: &stripego.CheckoutSessionCreatePaymentIntentDataParams{
			SetupFutureUsage: stripego.String(string(stripego.PaymentIntentSetupFutureUsageOffSession)),
			Metadata:         meta,
		},
		Metadata: meta,
	}
	if !in.ExpiresAt.IsZero() {
		p.ExpiresAt = stripego.Int64(in.ExpiresAt.Unix())
	}
	p.SetIdempotencyKey("tollgate-checkout-" + in.TopUpID)
	cs, err := s.client.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return payments.Checkout{}, stripeError("create Stripe checkout session", err)
	}
	return payments.Checkout{ID: cs.ID, URL: cs.URL, ExpiresAt: time.Unix(cs.ExpiresAt, 0).UTC()}, nil
}

// ChargeSaved confirms an off-session PaymentIntent on the saved card. A
// decline or a card that needs the customer (authentication_required) is not
// an error: it is the Charge's status, with Stripe's codes and message.
func (s *Provider) ChargeSaved(ctx context.Context, in payments.ChargeInput) (payments.Charge, error) {
	amount, err := in.Validate()
	if err != nil {
		return payments.Charge{}, err
	}
	p := &stripego.PaymentIntentCreateParams{
		Amount:        stripego.Int64(amount.Minor),
		Currency:      stripego.String(strings.ToLower(amount.Currency)),
		Customer:      stripego.String(in.CustomerID),
		PaymentMethod: stripego.String(in.PaymentMethodID),
		Confirm:       stripego.Bool(true),
		OffSession:    stripego.Bool(true),
		Metadata:      metadata(in.TopUpID, in.Account, in.Mode),
	}
	if in.Description != "" {
		p.Description = stripego.String(in.Description)
	}
	p.SetIdempotencyKey(in.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		if c, ok := chargeFromCardError(err, amount); ok {
			return c, nil
		}
		return payments.Charge{}, stripeError("charge saved card", err)
	}
	return chargeFromPaymentIntent(pi), nil
}

// chargeFromPaymentIntent maps a PaymentIntent Stripe answered with.
func chargeFromPaymentIntent(pi *stripego.PaymentIntent) payments.Charge {
	c := payments.Charge{ID: pi.ID, Amount: payments.NewAmount(pi.Amount, string(pi.Currency))}
	switch pi.Status {
	case stripego.PaymentIntentStatusSucceeded:
		c.Status = payments.ChargeSucceeded
	case stripego.PaymentIntentStatusRequiresAction:
		c.Status = payments.ChargeRequiresAction
		c.ActionURL = actionURL(pi.NextAction)
	case stripego.PaymentIntentStatusProcessing, stripego.PaymentIntentStatusRequiresCapture:
		c.Status = payments.ChargeProcessing
	default: // requires_payment_method after a failed attempt, canceled
		c.Status = payments.ChargeFailed
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
func chargeFromCardError(err error, amount payments.Amount) (payments.Charge, bool) {
	var se *stripego.Error
	if !errors.As(err, &se) || se.Type != stripego.ErrorTypeCard {
		return payments.Charge{}, false
	}
	c := payments.Charge{
		Status:         payments.ChargeFailed,
		Amount:         amount,
		FailureCode:    string(se.Code),
		DeclineCode:    string(se.DeclineCode),
		FailureMessage: se.Msg,
	}
	if se.PaymentIntent != nil {
		c.ID = se.PaymentIntent.ID
		c.ActionURL = actionURL(se.PaymentIntent.NextAction)
	}
	if se.Code == stripego.ErrorCodeAuthenticationRequired {
		c.Status = payments.ChargeRequiresAction
	}
	return c, true
}

// Refund refunds in.Amount of a PaymentIntent.
func (s *Provider) Refund(ctx context.Context, in payments.RefundInput) (payments.Refund, error) {
	amount, err := in.Validate()
	if err != nil {
		return payments.Refund{}, err
	}
	p := &stripego.RefundCreateParams{
		PaymentIntent: stripego.String(in.PaymentID),
		Amount:        stripego.Int64(amount.Minor),
		Metadata:      in.Metadata,
	}
	p.SetIdempotencyKey(in.IdempotencyKey)
	r, err := s.client.V1Refunds.Create(ctx, p)
	if err != nil {
		return payments.Refund{}, stripeError("refund payment "+in.PaymentID, err)
	}
	out := payments.Refund{ID: r.ID, PaymentID: in.PaymentID, Amount: payments.NewAmount(r.Amount, string(r.Currency))}
	if r.PaymentIntent != nil {
		out.PaymentID = r.PaymentIntent.ID
	}
	switch r.Status {
	case stripego.RefundStatusSucceeded:
		out.Status = payments.RefundSucceeded
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		out.Status = payments.RefundFailed
	default:
		out.Status = payments.RefundPending
	}
	return out, nil
}

// ParseWebhook verifies a Stripe webhook with the endpoint's signing secret
// (Stripe-Signature, within Tolerance of now) and decodes it.
func (s *Provider) ParseWebhook(payload []byte, h payments.Header, now time.Time) (payments.Event, error) {
	return parseSignedEvent(payload, h, s.webhookSecret, s.livemode, now)
}

func metadata(topUpID, account, mode string) map[string]string {
	return map[string]string{metaTopUpID: topUpID, metaAccount: account, metaMode: mode}
}

func description(d string, a payments.Amount) string {
	if d != "" {
		return d
	}
	return "Top-up of " + payments.FormatAmount(a)
}

// isMissing reports Stripe's "no such resource" answer.
func isMissing(err error) bool {
	var se *stripego.Error
	return errors.As(err, &se) && (se.Code == stripego.ErrorCodeResourceMissing || se.HTTPStatusCode == http.StatusNotFound)
}

// stripeError translates an error of the Stripe API into the kernel's codes,
// once. Stripe's messages name parameters and show keys redacted, and are
// shown; what answers at --stripe-api-base may echo a key whole
// (stripe-mock does, a proxy might), so every key in a message is redacted
// first, for the caller and the log alike. Internal errors keep Stripe's
// error wrapped for the log.
func stripeError(op string, err error) error {
	var se *stripego.Error
	if !errors.As(err, &se) {
		// The network: Stripe was not reached or did not answer.
		return &unavailableError{op: op, err: err}
	}
	se.Msg = redactKeys(se.Msg)
	switch {
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		return kernel.Invalidf("secret_key", "Stripe refused the account's secret key (%s); connect Stripe again with a valid key", se.Msg)
	case se.Type == stripego.ErrorTypeIdempotency:
		return kernel.Errorf(kernel.EConflict, "Stripe: %s", se.Msg)
	case isMissing(err):
		return kernel.NotFoundf(se.Param, "Stripe: %s", se.Msg)
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500:
		return &unavailableError{op: op, err: err}
	case se.Type == stripego.ErrorTypeInvalidRequest || se.Type == stripego.ErrorTypeCard:
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
	return stripeKeyRE.ReplaceAllStringFunc(s, func(k string) string { return payments.Secret(k).Redacted() })
}
