// Package payments is the boundary money crosses in and out: the Provider
// interface the billing domain charges through and its provider-neutral
// values. The providers themselves (Stripe for real payments, and a built-in
// test provider so that test mode works with no account anywhere) live in
// payments/stripe, which main builds and hands to billing; this package
// imports no provider's SDK.
//
// The package knows nothing of wallets, top-ups or the ledger. The billing
// domain calls a Provider to create customers, checkouts, off-session charges
// and refunds, and feeds every inbound webhook (Stripe's, and the test
// provider's, which follow the same path) to Provider.ParseWebhook, which
// verifies its signature and turns it into a provider-neutral Event.
//
// Money crossing this boundary is whole minor units of a currency (cents for
// USD, yen for JPY): never a float, never a fraction of a cent.
package payments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/kernel"
)

// Provider names.
const (
	ProviderStripe = "stripe"
	ProviderTest   = "test"
)

// Provider is a payment provider the domain charges customers through.
//
// Errors are *kernel.Error with codes: invalid (bad input, an amount below the
// provider's minimum, a refused webhook signature, a key the provider
// refused), not_found (an unknown payment or payment method), conflict (an
// idempotency key reused with other parameters), unavailable (the provider
// cannot be reached or is rate limiting; retry with the same idempotency key)
// and internal. A declined card is not an error: ChargeSaved reports it in
// Charge.Status.
type Provider interface {
	// Name is ProviderStripe or ProviderTest.
	Name() string
	// EnsureCustomer returns the provider's customer for a Tollgate
	// customer, creating it on first need. A ref.ProviderID already known
	// is reused.
	EnsureCustomer(ctx context.Context, ref CustomerRef) (providerCustomerID string, err error)
	// CreateCheckout starts a hosted payment page for a top-up. The card
	// used is saved on the customer for later off-session charges. The
	// top-up id is the idempotency key: calling again for the same top-up
	// returns the same checkout.
	CreateCheckout(ctx context.Context, in CheckoutInput) (Checkout, error)
	// ChargeSaved charges a saved payment method off-session (auto
	// top-up). The outcome (succeeded, failed, requires_action) is in the
	// Charge; the same outcome also arrives later as a webhook Event.
	ChargeSaved(ctx context.Context, in ChargeInput) (Charge, error)
	// Refund returns all or part of a payment.
	Refund(ctx context.Context, in RefundInput) (Refund, error)
	// ParseWebhook verifies a webhook's signature and age against now and
	// decodes it. A wrong or stale signature is an invalid error. An event
	// type this package does not use decodes to Type EventIgnored, which
	// the caller acknowledges and drops.
	ParseWebhook(payload []byte, h Header, now time.Time) (Event, error)
}

// Header is a webhook request's headers as a provider reads them; an
// http.Header is one (the package stays free of the transport).
type Header interface {
	Get(key string) string
}

// Connection is an account's credentials with a provider, in one mode, as
// the account saved them.
type Connection struct {
	SecretKey     Secret
	WebhookSecret Secret
	Livemode      bool
}

// Connector builds the provider of a saved connection; main hands billing
// the Stripe adapter's (stripe.Connector). It refuses credentials that
// cannot be the mode's with an invalid error.
type Connector func(Connection) (Provider, error)

// Amount is money in whole minor units of a currency. Currency is an ISO 4217
// code in upper case ("USD"), as Tollgate's assets write it; NewAmount and
// every provider normalise it.
type Amount struct {
	Minor    int64
	Currency string
}

// NewAmount returns an amount with its currency normalised to upper case.
func NewAmount(minor int64, currency string) Amount {
	return Amount{Minor: minor, Currency: strings.ToUpper(strings.TrimSpace(currency))}
}

// CustomerRef names the Tollgate customer a provider customer is for.
type CustomerRef struct {
	ID      string // the Tollgate customer id, kept in the provider's metadata
	Account string
	Mode    string // "test" or "live"
	Email   string
	Name    string
	// ProviderID is the provider customer already recorded for this
	// customer, if any; it is reused rather than created again.
	ProviderID string
}

// CheckoutInput asks for a hosted payment page for one top-up.
type CheckoutInput struct {
	TopUpID    string // idempotency key and metadata top_up_id
	Account    string // metadata account
	Mode       string // metadata mode
	CustomerID string // the provider customer (EnsureCustomer)
	Amount     Amount
	// Description is the line the customer sees ("Top-up: 2,200 credits").
	Description string
	// SuccessURL and CancelURL are where the customer lands afterwards.
	// "{CHECKOUT_SESSION_ID}" in them is replaced with the checkout id.
	SuccessURL string
	CancelURL  string
	// ExpiresAt, if set, is when the checkout expires (Stripe allows 30
	// minutes to 24 hours from now); zero means the provider's default.
	ExpiresAt time.Time
}

// Checkout is a hosted payment page.
type Checkout struct {
	ID        string
	URL       string
	ExpiresAt time.Time
}

// Charge statuses.
const (
	ChargeSucceeded      = "succeeded"
	ChargeFailed         = "failed"
	ChargeRequiresAction = "requires_action"
	// ChargeProcessing: the provider has not decided yet; the outcome
	// arrives as a webhook Event.
	ChargeProcessing = "processing"
)

// ChargeInput is an off-session charge of a saved payment method.
type ChargeInput struct {
	TopUpID         string // metadata top_up_id
	Account         string // metadata account
	Mode            string // metadata mode
	CustomerID      string // the provider customer
	PaymentMethodID string // the saved card
	Amount          Amount
	Description     string
	// IdempotencyKey makes a retried call return the first call's charge
	// instead of charging twice.
	IdempotencyKey string
}

// Charge is the outcome of ChargeSaved.
type Charge struct {
	ID     string // the provider's payment id (Stripe PaymentIntent)
	Status string // ChargeSucceeded, ChargeFailed, ChargeRequiresAction, ChargeProcessing
	Amount Amount
	// FailureCode is the provider's error code ("card_declined",
	// "authentication_required"), DeclineCode the issuer's reason when it
	// gave one ("insufficient_funds", "generic_decline"), and
	// FailureMessage the provider's text, when Status is failed.
	FailureCode    string
	DeclineCode    string
	FailureMessage string
	// ActionURL is where the customer completes authentication, when
	// Status is requires_action and the provider gives one. Stripe gives
	// none for an off-session charge: the domain then offers the customer
	// a new checkout instead.
	ActionURL string
}

// RefundInput returns all or part of a payment. Amount is always stated:
// the whole payment is refunded by stating its whole amount.
type RefundInput struct {
	PaymentID      string
	Amount         Amount
	IdempotencyKey string
	// Metadata is kept on the provider's refund (top_up_id, refund id…).
	Metadata map[string]string
}

// Refund statuses.
const (
	RefundSucceeded = "succeeded"
	RefundPending   = "pending"
	RefundFailed    = "failed"
)

// Refund is a refund the provider accepted.
type Refund struct {
	ID        string
	PaymentID string
	Amount    Amount
	Status    string // RefundSucceeded, RefundPending, RefundFailed
}

// Event types, the same for every provider.
const (
	EventCheckoutCompleted     = "checkout.completed"
	EventCheckoutExpired       = "checkout.expired"
	EventPaymentSucceeded      = "payment.succeeded"
	EventPaymentFailed         = "payment.failed"
	EventPaymentRequiresAction = "payment.requires_action"
	// EventIgnored is a verified event of a type the domain does not use;
	// acknowledge it and drop it.
	EventIgnored = "ignored"
)

// Event is a verified webhook, decoded to what the domain needs. Fields a
// type does not carry are empty.
type Event struct {
	ID   string // the provider's event id; deliveries of one event share it
	Type string // one of the Event… constants
	// ProviderType is the provider's own name for the event
	// ("checkout.session.completed").
	ProviderType    string
	TopUpID         string // from the metadata this package set
	Account         string
	Mode            string
	PaymentID       string
	CheckoutID      string
	CustomerID      string
	PaymentMethodID string // the card, with payment.succeeded
	Amount          Amount
	FailureCode     string // as in Charge
	DeclineCode     string
	FailureMessage  string
	ActionURL       string
	Created         time.Time // UTC
}

// minimumCharge is Stripe's smallest charge per currency, in minor units
// (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts):
// about 0.50 USD. The test provider applies the same table, so test mode
// refuses what live mode would.
var minimumCharge = map[string]int64{
	"USD": 50, "EUR": 50, "GBP": 30, "AUD": 50, "CAD": 50, "CHF": 50,
	"NZD": 50, "SGD": 50, "BRL": 50, "INR": 50, "JPY": 50, "DKK": 250,
	"NOK": 300, "SEK": 300, "HKD": 400, "PLN": 200, "CZK": 1500, "MXN": 1000,
}

// MinimumCharge returns the smallest amount a provider charges in a
// currency, and false for a currency this package does not know.
func MinimumCharge(currency string) (Amount, bool) {
	c := strings.ToUpper(currency)
	m, ok := minimumCharge[c]
	return Amount{Minor: m, Currency: c}, ok
}

// checkChargeable refuses an amount a provider would refuse: an unknown
// currency or less than the minimum charge.
func checkChargeable(field string, a Amount) (Amount, error) {
	a = NewAmount(a.Minor, a.Currency)
	if len(a.Currency) != 3 {
		return a, kernel.Invalidf(field, "currency %q is not a three-letter ISO 4217 code", a.Currency)
	}
	minimum, ok := MinimumCharge(a.Currency)
	if !ok {
		return a, kernel.Invalidf(field, "payments in %s are not supported; pay in one of %s", a.Currency, supportedCurrencies())
	}
	if a.Minor < minimum.Minor {
		return a, kernel.Invalidf(field, "%s is below the smallest charge the payment provider accepts, %s", FormatAmount(a), FormatAmount(minimum))
	}
	return a, nil
}

func supportedCurrencies() string {
	return "AUD, BRL, CAD, CHF, CZK, DKK, EUR, GBP, HKD, INR, JPY, MXN, NOK, NZD, PLN, SEK, SGD, USD"
}

// zeroDecimal lists the currencies of minimumCharge without minor units.
var zeroDecimal = map[string]bool{"JPY": true}

// FormatAmount writes an amount for a person: "USD 0.50", "JPY 50".
func FormatAmount(a Amount) string {
	if zeroDecimal[a.Currency] {
		return fmt.Sprintf("%s %d", a.Currency, a.Minor)
	}
	sign, m := "", uint64(a.Minor)
	if a.Minor < 0 {
		sign, m = "-", uint64(-(a.Minor+1))+1
	}
	return fmt.Sprintf("%s %s%d.%02d", a.Currency, sign, m/100, m%100)
}
