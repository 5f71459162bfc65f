package payments

import (
	"net/url"

	"github.com/tollgatehq/tollgate/kernel"
)

// Both providers check their input the same way, so test mode refuses what
// live mode would.

// Validate checks a checkout before a provider sees it and returns its
// chargeable amount.
func (in CheckoutInput) Validate() (Amount, error) {
	if in.TopUpID == "" {
		return Amount{}, kernel.Invalidf("top_up_id", "a top-up id is required")
	}
	if in.CustomerID == "" {
		return Amount{}, kernel.Invalidf("customer", "a provider customer is required; call EnsureCustomer first")
	}
	if err := CheckURL("success_url", in.SuccessURL); err != nil {
		return Amount{}, err
	}
	if err := CheckURL("cancel_url", in.CancelURL); err != nil {
		return Amount{}, err
	}
	return checkChargeable("amount", in.Amount)
}

// Validate checks a charge before a provider sees it and returns its
// chargeable amount.
func (in ChargeInput) Validate() (Amount, error) {
	switch {
	case in.CustomerID == "":
		return Amount{}, kernel.Invalidf("customer", "a provider customer is required")
	case in.PaymentMethodID == "":
		return Amount{}, kernel.Invalidf("payment_method", "a saved payment method is required")
	case in.IdempotencyKey == "":
		return Amount{}, kernel.Invalidf("idempotency_key", "an idempotency key is required, so that a retry never charges twice")
	}
	return checkChargeable("amount", in.Amount)
}

// Validate checks a refund before a provider sees it and returns its
// amount.
func (in RefundInput) Validate() (Amount, error) {
	a := NewAmount(in.Amount.Minor, in.Amount.Currency)
	switch {
	case in.PaymentID == "":
		return a, kernel.Invalidf("payment", "the payment to refund is required")
	case in.IdempotencyKey == "":
		return a, kernel.Invalidf("idempotency_key", "an idempotency key is required, so that a retry never refunds twice")
	case a.Minor <= 0:
		return a, kernel.Invalidf("amount", "a refund must be a positive amount, got %s", FormatAmount(a))
	case len(a.Currency) != 3:
		return a, kernel.Invalidf("amount", "currency %q is not a three-letter ISO 4217 code", a.Currency)
	}
	return a, nil
}

// CheckURL refuses a URL that is not absolute http(s), naming field.
func CheckURL(field, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return kernel.Invalidf(field, "%s must be an absolute http(s) URL, got %q", field, s)
	}
	return nil
}
