package stripe

import (
	"encoding/json"
	"errors"
	"github.com/tollgatehq/tollgate/payments"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
	"github.com/tollgatehq/tollgate/kernel"
)

// SignatureHeader is the header that carries a webhook's signature. The test
// provider signs its events the same way Stripe does, so one inbound handler
// and one parser serve both.
const SignatureHeader = "Stripe-Signature"

// Tolerance is how far a webhook's signed timestamp may be from now, as
// Stripe's libraries allow.
const Tolerance = webhook.DefaultTolerance

// Metadata keys this package sets on checkouts and payments, and reads back
// from events.
const (
	metaTopUpID = "top_up_id"
	metaAccount = "account"
	metaMode    = "mode"
)

// parseSignedEvent verifies a Stripe-scheme webhook with stripe-go's webhook
// package and decodes it. The signature is checked by stripe-go; the age is
// checked here against the caller's clock (stripe-go's own check reads the
// wall clock), in both directions. The event's livemode must match the
// provider's.
func parseSignedEvent(payload []byte, h payments.Header, secret payments.Secret, livemode bool, now time.Time) (payments.Event, error) {
	header := h.Get(SignatureHeader)
	ev, err := webhook.ConstructEventWithOptions(payload, header, string(secret), webhook.ConstructEventOptions{
		IgnoreTolerance: true,
		// Only the fields this package reads are decoded; an endpoint on
		// another API version carries them alike.
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		return payments.Event{}, signatureError(err)
	}
	signed, err := signedAt(header)
	if err != nil {
		return payments.Event{}, signatureError(err)
	}
	if age := now.Sub(signed); age > Tolerance || age < -Tolerance {
		return payments.Event{}, kernel.Invalidf("Stripe-Signature", "the webhook was signed at %s, more than %s from now; it is refused as a possible replay", signed.UTC().Format(time.RFC3339), Tolerance)
	}
	if ev.Livemode != livemode {
		return payments.Event{}, kernel.Invalidf("livemode", "a %s-mode event reached a %s-mode endpoint", modeName(ev.Livemode), modeName(livemode))
	}
	return decodeEvent(ev)
}

func signatureError(err error) error {
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return kernel.Invalidf("Stripe-Signature", "the webhook has no Stripe-Signature header")
	case errors.Is(err, webhook.ErrInvalidHeader):
		return kernel.Invalidf("Stripe-Signature", "the webhook's Stripe-Signature header is malformed")
	case errors.Is(err, webhook.ErrNoValidSignature):
		return kernel.Invalidf("Stripe-Signature", "the webhook's signature does not match its payload and the signing secret")
	default:
		return kernel.Invalidf("payload", "the webhook payload is not a Stripe event")
	}
}

// signedAt reads t= from a Stripe-Signature header that stripe-go has
// already parsed and verified.
func signedAt(header string) (time.Time, error) {
	for _, pair := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(pair, "t="); ok {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, webhook.ErrInvalidHeader
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, webhook.ErrInvalidHeader
}

func modeName(livemode bool) string {
	if livemode {
		return "live"
	}
	return "test"
}

// decodeEvent maps the Stripe event types the domain uses to a payments.Event.
func decodeEvent(ev stripego.Event) (payments.Event, error) {
	out := payments.Event{
		ID:           ev.ID,
		ProviderType: string(ev.Type),
		Created:      time.Unix(ev.Created, 0).UTC(),
	}
	if ev.Data == nil {
		return payments.Event{}, kernel.Invalidf("payload", "the webhook event %s has no data", ev.ID)
	}
	switch ev.Type {
	case stripego.EventTypeCheckoutSessionCompleted, stripego.EventTypeCheckoutSessionAsyncPaymentSucceeded, stripego.EventTypeCheckoutSessionExpired:
		var s stripego.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return payments.Event{}, kernel.Invalidf("payload", "the webhook event %s does not hold a checkout session", ev.ID)
		}
		out.Type = checkoutEventType(ev.Type, s.PaymentStatus)
		out.CheckoutID = s.ID
		setMetadata(&out, s.Metadata)
		if s.ClientReferenceID != "" && out.TopUpID == "" {
			out.TopUpID = s.ClientReferenceID
		}
		if s.PaymentIntent != nil {
			out.PaymentID = s.PaymentIntent.ID
		}
		if s.Customer != nil {
			out.CustomerID = s.Customer.ID
		}
		out.Amount = payments.NewAmount(s.AmountTotal, string(s.Currency))
	case stripego.EventTypePaymentIntentSucceeded, stripego.EventTypePaymentIntentPaymentFailed, stripego.EventTypePaymentIntentRequiresAction:
		var pi stripego.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return payments.Event{}, kernel.Invalidf("payload", "the webhook event %s does not hold a payment intent", ev.ID)
		}
		out.Type = paymentEventType(ev.Type)
		out.PaymentID = pi.ID
		setMetadata(&out, pi.Metadata)
		if pi.Customer != nil {
			out.CustomerID = pi.Customer.ID
		}
		if pi.PaymentMethod != nil {
			out.PaymentMethodID = pi.PaymentMethod.ID
		}
		out.Amount = payments.NewAmount(pi.Amount, string(pi.Currency))
		if ev.Type == stripego.EventTypePaymentIntentSucceeded && pi.AmountReceived != 0 {
			out.Amount.Minor = pi.AmountReceived
		}
		if e := pi.LastPaymentError; e != nil && ev.Type == stripego.EventTypePaymentIntentPaymentFailed {
			out.FailureCode, out.DeclineCode = string(e.Code), string(e.DeclineCode)
			out.FailureMessage = e.Msg
		}
		out.ActionURL = actionURL(pi.NextAction)
	default:
		out.Type = payments.EventIgnored
	}
	return out, nil
}

func setMetadata(e *payments.Event, m map[string]string) {
	e.TopUpID, e.Account, e.Mode = m[metaTopUpID], m[metaAccount], m[metaMode]
}

// checkoutEventType: a session completes unpaid only for a delayed payment
// method; its money arrives with async_payment_succeeded, so the completion
// itself is ignored.
func checkoutEventType(t stripego.EventType, status stripego.CheckoutSessionPaymentStatus) string {
	switch {
	case t == stripego.EventTypeCheckoutSessionExpired:
		return payments.EventCheckoutExpired
	case status == stripego.CheckoutSessionPaymentStatusPaid:
		return payments.EventCheckoutCompleted
	default:
		return payments.EventIgnored
	}
}

func paymentEventType(t stripego.EventType) string {
	switch t {
	case stripego.EventTypePaymentIntentSucceeded:
		return payments.EventPaymentSucceeded
	case stripego.EventTypePaymentIntentPaymentFailed:
		return payments.EventPaymentFailed
	default:
		return payments.EventPaymentRequiresAction
	}
}

func actionURL(na *stripego.PaymentIntentNextAction) string {
	if na != nil && na.RedirectToURL != nil {
		return na.RedirectToURL.URL
	}
	return ""
}
