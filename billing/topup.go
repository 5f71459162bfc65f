package billing

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

// Top-up statuses. A top-up is pending until its provider confirms it;
// succeeded never goes back.
const (
	TopUpPending        = "pending"
	TopUpRequiresAction = "requires_action"
	TopUpSucceeded      = "succeeded"
	TopUpFailed         = "failed"
	TopUpExpired        = "expired"
	TopUpCanceled       = "canceled"
)

// TopUp is money paid into a wallet through a payment provider: Paid in
// Currency buys Credit of Asset, credited as a paid lot whose revenue basis
// is what was paid, exactly once, when the provider confirms the payment.
type TopUp struct {
	ID            string
	CustomerID    string
	WalletID      string
	Asset         string
	Precision     int32          // the asset's
	Credit        rating.Decimal // credited to the wallet, exact
	Paid          rating.Decimal // charged, whole units of Currency
	Currency      string
	PaidPrecision int32 // the currency's
	Provider      string
	Auto          bool // started by auto top-up
	Status        string
	// CheckoutURL is where the customer pays (pending); ActionURL where
	// they authenticate (requires_action).
	CheckoutURL    string
	ActionURL      string
	PaymentID      string
	LotID          string
	FailureCode    string
	FailureMessage string
	Refunded       rating.Decimal // in Currency
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Replayed       bool
}

// CreateTopUpInput asks for a top-up paid through the account's provider.
type CreateTopUpInput struct {
	IdempotencyKey string // the client's id for this top-up
	Customer       string // id or external_id
	Wallet         string // empty: the default wallet
	Asset          string // what the wallet is credited in
	Paid           rating.Decimal
	Currency       string // what the customer pays in; empty: Asset when it is a currency
	// Credit states what Paid buys ("pay 20 USD, get 2,200 credits"); nil
	// converts Paid at the asset's rate (1:1 when Asset is Currency).
	Credit     *rating.Decimal
	SuccessURL string
	CancelURL  string
}

// CreateTopUp records a pending top-up and opens the provider's checkout for
// it; the customer pays at CheckoutURL and the provider's confirmation credits
// the wallet. The same IdempotencyKey returns the same top-up (Replayed);
// with another payload it is EConflict. Returns EInvalid (an amount below the
// provider's minimum, a currency it does not take, no rate from the asset to
// the currency), ENotFound (the account takes no payments in this mode),
// EConflict, EUnavailable (the provider could not be reached: retry with the
// same key).
func (s *Payments) CreateTopUp(ctx context.Context, in CreateTopUpInput) (TopUp, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return TopUp{}, err
	}
	t, err := s.priceTopUp(ctx, c, &in)
	if err != nil {
		return TopUp{}, err
	}
	prov, err := s.providerFor(ctx, s.pool, c)
	if err != nil {
		return TopUp{}, err
	}
	t.Provider = prov.Name()
	if err := s.insertTopUpOnce(ctx, c, in, &t); err != nil || t.Status != TopUpPending || t.CheckoutURL != "" {
		return t, err
	}
	return s.openCheckout(ctx, c, prov, in, t)
}

// priceTopUp validates a top-up request and works out what it credits and
// charges, without writing anything.
func (s *core) priceTopUp(ctx context.Context, c Caller, in *CreateTopUpInput) (TopUp, error) {
	if strings.TrimSpace(in.IdempotencyKey) == "" || len(in.IdempotencyKey) > 200 {
		return TopUp{}, kernel.Invalidf("idempotency_key", "idempotency_key is required: your unique id for this top-up (1-200 characters), so a retry never charges twice")
	}
	for field, u := range map[string]string{"success_url": in.SuccessURL, "cancel_url": in.CancelURL} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || len(u) > 2000 {
			return TopUp{}, kernel.Invalidf(field, "%s must be an absolute http(s) URL of your app, where the customer lands after paying, such as \"https://app.example.com/billing\"", field)
		}
	}
	if err := rating.CheckAmount("amount", in.Paid); err != nil {
		return TopUp{}, err
	}
	if !in.Paid.IsPositive() {
		return TopUp{}, kernel.Invalidf("amount", "amount must be above zero: what the customer pays, such as \"20.00\"")
	}
	w, err := s.walletFor(ctx, s.pool, c, in.Customer, in.Wallet)
	if err != nil {
		return TopUp{}, err
	}
	asset, err := s.assetTx(ctx, s.pool, c, "asset", in.Asset)
	if err != nil {
		return TopUp{}, err
	}
	if in.Currency == "" {
		in.Currency = asset.Code
	}
	cur, err := s.assetTx(ctx, s.pool, c, "currency", in.Currency)
	if err != nil {
		return TopUp{}, err
	}
	if cur.Kind != AssetCurrency {
		return TopUp{}, kernel.Invalidf("currency", "currency %s is not a currency; a customer pays in a currency such as USD", cur.Code)
	}
	if err := rating.CheckWholeUnits("amount", in.Paid, cur.Code, cur.Precision); err != nil {
		return TopUp{}, err
	}
	t := TopUp{CustomerID: w.CustomerID, WalletID: w.ID, Asset: asset.Code, Precision: asset.Precision, Paid: in.Paid,
		Currency: cur.Code, PaidPrecision: cur.Precision, Status: TopUpPending, Refunded: rating.Zero}
	if err := s.checkChargeable(t); err != nil {
		return TopUp{}, err
	}
	switch {
	case in.Credit != nil:
		if err := rating.CheckAmount("credit", *in.Credit); err != nil {
			return TopUp{}, err
		}
		if !in.Credit.IsPositive() {
			return TopUp{}, kernel.Invalidf("credit", "credit must be above zero: what the wallet receives, such as \"2200\"")
		}
		t.Credit = *in.Credit
	case asset.Code == cur.Code:
		t.Credit = in.Paid
	default:
		rate, err := s.rateAt(ctx, s.pool, c, asset.Code, cur.Code, s.clock())
		if err != nil {
			return TopUp{}, err
		}
		t.Credit, _ = rating.Divide(in.Paid, rate.Rate)
	}
	return t, nil
}

// checkChargeable refuses an amount a provider would refuse: below its
// minimum charge, or in a currency it does not take.
func (s *core) checkChargeable(t TopUp) error {
	minimum, ok := payments.MinimumCharge(t.Currency)
	if !ok {
		return kernel.Invalidf("currency", "payments cannot be taken in %s; use a currency such as USD or EUR", t.Currency)
	}
	if t.paidMinor() < minimum.Minor {
		return kernel.Invalidf("amount", "amount %s %s is below the smallest charge the payment provider takes, %s %s",
			rating.FormatAmount(t.Paid, t.PaidPrecision), t.Currency, rating.FormatAmount(fromMinor(minimum.Minor, t.PaidPrecision), t.PaidPrecision), t.Currency)
	}
	return nil
}

// paidMinor is Paid in minor units (whole by CheckWholeUnits).
func (t TopUp) paidMinor() int64 { return t.Paid.Shift(t.PaidPrecision).IntPart() }

// fromMinor turns minor units into an amount of a currency of precision.
func fromMinor(minor int64, precision int32) rating.Decimal { return decimal.New(minor, -precision) }

// insertTopUpOnce stores t as a new top-up under in's key, or loads the
// top-up the key already has (a replay) and refuses a different payload.
func (s *core) insertTopUpOnce(ctx context.Context, c Caller, in CreateTopUpInput, t *TopUp) error {
	now := s.clock()
	t.ID, t.CreatedAt, t.UpdatedAt = kernel.NewID(prefixTopUp, now), now, now
	hash := topUpHash(in, t)
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := ensureBalance(ctx, tx, c, t.WalletID, t.Asset, now); err != nil {
			return err
		}
		n, err := queries.InsertTopUp(ctx, TranslateErrors(tx), dbsqlc.InsertTopUpParams{ID: t.ID, AccountID: c.AccountID, Mode: string(c.Mode),
			RequestKey: in.IdempotencyKey, RequestHash: hash, CustomerID: t.CustomerID, WalletID: t.WalletID, Asset: t.Asset,
			CreditAmount: t.Credit, PaidMinor: t.paidMinor(), Currency: t.Currency, Provider: t.Provider, SuccessUrl: in.SuccessURL,
			CancelUrl: in.CancelURL, Now: now})
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		old, oldHash, err := s.topUpByKey(ctx, tx, c, in.IdempotencyKey)
		if err != nil {
			return err
		}
		if string(oldHash) != string(hash) {
			return kernel.Errorf(kernel.EConflict, "idempotency_key %q was already used for another top-up (%s %s for %s %s); use a new key for a new top-up",
				in.IdempotencyKey, rating.FormatAmount(old.Paid, old.PaidPrecision), old.Currency, rating.FormatAmount(old.Credit, old.Precision), old.Asset)
		}
		*t = old
		t.Replayed = true
		return nil
	})
}

// topUpHash fingerprints a top-up's payload for idempotency. Two URLs side
// by side once made it ambiguous ("a|b", "c" against "a", "b|c"):
// kernel.Fingerprint writes such a payload in its versioned form.
func topUpHash(in CreateTopUpInput, t *TopUp) []byte {
	return kernel.Fingerprint('|', t.WalletID, t.Asset, canonicalDecimal(t.Credit), canonicalDecimal(t.Paid), t.Currency, in.SuccessURL, in.CancelURL)
}

// openCheckout creates the provider's customer (once) and the checkout of
// a pending top-up, and records its URL. Failing, the top-up stays pending
// without a URL; a retry with the same key opens it.
func (s *core) openCheckout(ctx context.Context, c Caller, prov payments.Provider, in CreateTopUpInput, t TopUp) (TopUp, error) {
	cusID, err := s.providerCustomer(ctx, c, prov, t.CustomerID)
	if err != nil {
		return t, err
	}
	co, err := prov.CreateCheckout(ctx, payments.CheckoutInput{TopUpID: t.ID, Account: c.AccountID, Mode: string(c.Mode), CustomerID: cusID,
		Amount: payments.NewAmount(t.paidMinor(), t.Currency), Description: fmt.Sprintf("Top-up: %s %s", rating.Display(t.Credit, t.Precision), t.Asset),
		SuccessURL: in.SuccessURL, CancelURL: in.CancelURL})
	if err != nil {
		return t, err
	}
	t.CheckoutURL, t.UpdatedAt = co.URL, s.clock()
	return t, queries.SetTopUpCheckout(ctx, TranslateErrors(s.pool), dbsqlc.SetTopUpCheckoutParams{ID: t.ID, Provider: prov.Name(),
		CheckoutID: co.ID, CheckoutUrl: co.URL, UpdatedAt: t.UpdatedAt})
}

// providerCustomer returns the provider's customer for a Tollgate customer,
// creating it on first need.
func (s *core) providerCustomer(ctx context.Context, c Caller, prov payments.Provider, customerID string) (string, error) {
	known, err := queries.GetProviderCustomer(ctx, TranslateErrors(s.pool), dbsqlc.GetProviderCustomerParams{CustomerID: customerID, Provider: prov.Name()})
	if err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
		return "", err
	}
	cus, err := getCustomerByID(ctx, s.pool, c, customerID)
	if err != nil {
		return "", err
	}
	id, err := prov.EnsureCustomer(ctx, payments.CustomerRef{ID: cus.ID, Account: c.AccountID, Mode: string(c.Mode), Email: cus.Email, Name: cus.Name, ProviderID: known})
	if err != nil || id == known {
		return id, err
	}
	return id, queries.UpsertProviderCustomer(ctx, TranslateErrors(s.pool), dbsqlc.UpsertProviderCustomerParams{CustomerID: customerID,
		Provider: prov.Name(), ProviderCustomerID: id, UpdatedAt: s.clock()})
}

// GetTopUp returns a top-up by id. Returns ENotFound.
func (s *Payments) GetTopUp(ctx context.Context, id string) (TopUp, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return TopUp{}, err
	}
	t, err := getTopUp(ctx, s.pool, c, id, false)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return t, kernel.NotFoundf("id", "top-up %q not found in %s mode", id, c.Mode)
	}
	return t, err
}

// ListTopUps lists a customer's top-ups, newest first, up to limit (1-100).
func (s *Payments) ListTopUps(ctx context.Context, customer string, limit int) ([]TopUp, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if limit < 1 || limit > 100 {
		limit = 20
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return nil, err
	}
	return listTopUps(ctx, s.pool, c, cus.ID, limit)
}
