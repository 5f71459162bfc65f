package wire

import (
	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/billing"
)

// TopUp is money paid into a wallet through a payment provider: amount in
// currency buys credit in asset, credited as a paid lot once the provider
// confirms the payment.
type TopUp struct {
	ID             string  `json:"id" jsonschema_description:"Top-up id" jsonschema:"example=topup_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CustomerID     string  `json:"customer_id" jsonschema_description:"The customer who pays" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	WalletID       string  `json:"wallet_id" jsonschema_description:"The wallet credited" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Status         string  `json:"status" jsonschema_description:"pending (waiting for the customer to pay), requires_action (the customer must authenticate at action_url), succeeded (the wallet is credited; final), failed (the card was declined; a checkout may still be paid with another card), expired or canceled (final, nothing credited)" jsonschema:"enum=pending,enum=requires_action,enum=succeeded,enum=failed,enum=expired,enum=canceled,example=pending"`
	Amount         Decimal `json:"amount" jsonschema_description:"What the customer pays, in currency (exact, the currency's precision)" jsonschema:"example=20.00"`
	Currency       string  `json:"currency" jsonschema_description:"ISO currency the customer pays in" jsonschema:"example=USD"`
	Credit         Decimal `json:"credit" jsonschema_description:"What the wallet is credited, in asset (exact, the asset's precision)" jsonschema:"example=2200"`
	Asset          string  `json:"asset" jsonschema_description:"Asset code of the credit" jsonschema:"example=credits"`
	CheckoutURL    string  `json:"checkout_url" jsonschema_description:"Where the customer pays; empty for an auto top-up (it charges the saved card)" jsonschema:"example=https://checkout.stripe.com/c/pay/cs_test_a1b2c3"`
	ActionURL      string  `json:"action_url" jsonschema_description:"Where the customer authenticates the payment, when status is requires_action; else empty" jsonschema:"example="`
	Provider       string  `json:"provider" jsonschema_description:"The payment provider: stripe, or test (the built-in test provider of test mode)" jsonschema:"example=test"`
	Auto           bool    `json:"auto" jsonschema_description:"true when auto top-up started it" jsonschema:"example=false"`
	PaymentID      string  `json:"payment_id" jsonschema_description:"The provider's payment id, once known" jsonschema:"example=pi_3Q0abc"`
	LotID          string  `json:"lot_id" jsonschema_description:"The paid lot credited, once succeeded" jsonschema:"example=lot_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	FailureCode    string  `json:"failure_code" jsonschema_description:"The provider's code for a failure, such as card_declined:generic_decline" jsonschema:"example="`
	FailureMessage string  `json:"failure_message" jsonschema_description:"The provider's message for a failure" jsonschema:"example="`
	Refunded       Decimal `json:"refunded" jsonschema_description:"Refunded so far, in currency" jsonschema:"example=0.00"`
	Replayed       bool    `json:"replayed" jsonschema_description:"true when this call replayed an earlier one with the same idempotency_key; nothing new was started" jsonschema:"example=false"`
	CreatedAt      string  `json:"created_at" jsonschema_description:"When it was asked for (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	UpdatedAt      string  `json:"updated_at" jsonschema_description:"When its status last changed (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:01:00Z"`
	Livemode       bool    `json:"livemode" jsonschema_description:"true for live money, false for test mode" jsonschema:"example=false"`
}

// FromTopUp maps a domain top-up: the amount and refunds in the currency's
// precision, the credit in the asset's.
func FromTopUp(t billing.TopUp, mode billing.Mode) TopUp {
	return TopUp{ID: t.ID, CustomerID: t.CustomerID, WalletID: t.WalletID, Status: t.Status,
		Amount: A(t.Paid, t.PaidPrecision), Currency: t.Currency, Credit: A(t.Credit, t.Precision), Asset: t.Asset,
		CheckoutURL: t.CheckoutURL, ActionURL: t.ActionURL, Provider: t.Provider, Auto: t.Auto, PaymentID: t.PaymentID, LotID: t.LotID,
		FailureCode: t.FailureCode, FailureMessage: t.FailureMessage, Refunded: A(t.Refunded, t.PaidPrecision), Replayed: t.Replayed,
		CreatedAt: Time(t.CreatedAt), UpdatedAt: Time(t.UpdatedAt), Livemode: mode == billing.ModeLive}
}

// TopUpParams asks for a top-up paid at the provider's checkout, but for its
// idempotency key: REST takes that from the body or the Idempotency-Key
// header (CreateTopUpRequest), MCP requires it (CreateTopUpArgs).
type TopUpParams struct {
	Customer   string   `json:"customer" jsonschema_description:"The customer who pays: Tollgate id (cus_…) or your external_id" jsonschema:"example=user_123"`
	Wallet     string   `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	Asset      string   `json:"asset" jsonschema_description:"Asset code the wallet is credited in: a currency (USD) or a custom asset (credits)" jsonschema:"example=USD"`
	Amount     Decimal  `json:"amount" jsonschema_description:"What the customer pays, in currency, in whole units of its precision (cents for USD) and at least the provider's minimum (0.50 USD)" jsonschema:"example=20.00"`
	Currency   string   `json:"currency,omitempty" jsonschema_description:"ISO currency the customer pays in; default asset when asset is a currency" jsonschema:"example=USD"`
	Credit     *Decimal `json:"credit,omitempty" jsonschema_description:"What the wallet receives, in asset, for a stated deal such as a bonus (pay 20 USD, get 2200 credits); default amount converted at the asset's rate (1:1 when asset is the currency)" jsonschema:"example=2200"`
	SuccessURL string   `json:"success_url" jsonschema_description:"Absolute http(s) URL of your app where the customer lands after paying; {CHECKOUT_SESSION_ID} in it is replaced" jsonschema:"example=https://app.example.com/billing?paid=1"`
	CancelURL  string   `json:"cancel_url" jsonschema_description:"Absolute http(s) URL of your app where the customer lands on cancel" jsonschema:"example=https://app.example.com/billing"`
}

// ToInput maps the top-up to billing's input under its idempotency key.
func (p TopUpParams) ToInput(key string) billing.CreateTopUpInput {
	return billing.CreateTopUpInput{IdempotencyKey: key, Customer: p.Customer, Wallet: p.Wallet, Asset: p.Asset, Paid: p.Amount.Decimal,
		Currency: p.Currency, Credit: p.Credit.Ptr(), SuccessURL: p.SuccessURL, CancelURL: p.CancelURL}
}

// CreateTopUpRequest is the body of POST /v1/top_ups.
type CreateTopUpRequest struct {
	IdempotencyKey string `json:"idempotency_key,omitempty" jsonschema_description:"Your unique id for this top-up (1-200 characters), kept forever: a retry returns the same top-up and checkout, never a second charge; default the Idempotency-Key header" jsonschema:"example=topup-user_123-2026-11-01"`
	TopUpParams
}

// RefundTopUpParams is how much of a top-up to refund, but for its
// idempotency key (REST: body or header; MCP: required).
type RefundTopUpParams struct {
	Amount *Decimal `json:"amount,omitempty" jsonschema_description:"How much to refund, in the top-up's currency, whole units (cents for USD); default all that is refundable: what was paid less earlier refunds, never more than the credit its lot still holds" jsonschema:"example=5.00"`
}

// ToInput maps the refund of a top-up to billing's input.
func (p RefundTopUpParams) ToInput(topUpID, key string) billing.RefundTopUpInput {
	return billing.RefundTopUpInput{TopUpID: topUpID, IdempotencyKey: key, Amount: p.Amount.Ptr()}
}

// RefundTopUpRequest is the body of POST /v1/top_ups/{id}/refund.
type RefundTopUpRequest struct {
	IdempotencyKey string `json:"idempotency_key,omitempty" jsonschema_description:"Your unique id for this refund (1-200 characters): a retry refunds nothing twice; default the Idempotency-Key header" jsonschema:"example=refund-topup_01jd8x-1"`
	RefundTopUpParams
}

// AutoTopUp is a wallet's auto top-up in one asset: when a debit takes the
// available balance below threshold, amount is charged to the customer's
// saved card and credit is credited.
type AutoTopUp struct {
	WalletID       string   `json:"wallet_id" jsonschema_description:"The wallet" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Asset          string   `json:"asset" jsonschema_description:"Asset code of the balance watched and credited" jsonschema:"example=USD"`
	Enabled        bool     `json:"enabled" jsonschema_description:"true when a crossing of the threshold charges the card; turned off after repeated declines (see disabled_reason)" jsonschema:"example=true"`
	Threshold      Decimal  `json:"threshold" jsonschema_description:"The available balance, in asset, below which the card is charged" jsonschema:"example=5.00"`
	Amount         Decimal  `json:"amount" jsonschema_description:"What each auto top-up charges, in currency" jsonschema:"example=20.00"`
	Currency       string   `json:"currency" jsonschema_description:"ISO currency charged" jsonschema:"example=USD"`
	Credit         Decimal  `json:"credit" jsonschema_description:"What each auto top-up credits, in asset" jsonschema:"example=20.00"`
	MonthlyCap     *Decimal `json:"monthly_cap" jsonschema_description:"At most this much charged per calendar month (UTC), in currency; null for no cap" jsonschema:"example=100.00"`
	Failures       int      `json:"failures" jsonschema_description:"Declines in a row; auto top-up turns itself off after 3" jsonschema:"example=0"`
	RetryAfter     *string  `json:"retry_after" jsonschema_description:"After a decline, no charge before this time; null otherwise" jsonschema:"example=2026-11-01T12:15:00Z"`
	DisabledReason string   `json:"disabled_reason" jsonschema_description:"Why auto top-up turned itself off; empty otherwise" jsonschema:"example="`
	UpdatedAt      string   `json:"updated_at" jsonschema_description:"When it was last configured or changed (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	Livemode       bool     `json:"livemode" jsonschema_description:"true for live money, false for test mode" jsonschema:"example=false"`
}

// FromAutoTopUp maps a domain auto top-up: threshold and credit in the
// asset's precision, amount and cap in the currency's.
func FromAutoTopUp(a billing.AutoTopUp, mode billing.Mode) AutoTopUp {
	return AutoTopUp{WalletID: a.WalletID, Asset: a.Asset, Enabled: a.Enabled, Threshold: A(a.Threshold, a.Precision),
		Amount: A(a.Paid, a.PaidPrecision), Currency: a.Currency, Credit: A(a.Credit, a.Precision), MonthlyCap: AP(a.MonthlyCap, a.PaidPrecision),
		Failures: a.Failures, RetryAfter: TimeP(a.RetryAfter), DisabledReason: a.DisabledReason, UpdatedAt: Time(a.UpdatedAt),
		Livemode: mode == billing.ModeLive}
}

// ConfigureAutoTopUpRequest sets a wallet's auto top-up in one asset: the
// body of POST /v1/customers/{id}/wallets/{wallet}/auto_top_up;
// configure_auto_top_up adds the customer and wallet.
type ConfigureAutoTopUpRequest struct {
	Asset      string   `json:"asset" jsonschema_description:"Asset code of the balance watched and credited" jsonschema:"example=USD"`
	Enabled    bool     `json:"enabled" jsonschema_description:"true to turn auto top-up on (the customer needs a card saved by a paid top-up; earlier failures are cleared), false to turn it off" jsonschema:"example=true"`
	Threshold  Decimal  `json:"threshold" jsonschema_description:"Charge the card when a debit, hold or charge takes the available balance below this, in asset; zero or more" jsonschema:"example=5.00"`
	Amount     Decimal  `json:"amount" jsonschema_description:"What each auto top-up charges, in currency, whole units and at least the provider's minimum (0.50 USD)" jsonschema:"example=20.00"`
	Currency   string   `json:"currency,omitempty" jsonschema_description:"ISO currency charged; default asset when asset is a currency" jsonschema:"example=USD"`
	Credit     *Decimal `json:"credit,omitempty" jsonschema_description:"What each auto top-up credits, in asset; default amount at the asset's rate (1:1 when asset is the currency)" jsonschema:"example=20.00"`
	MonthlyCap *Decimal `json:"monthly_cap,omitempty" jsonschema_description:"At most this much charged per calendar month (UTC), in currency, at least amount; omit for no cap" jsonschema:"example=100.00"`
}

// ToInput maps the configuration of a customer's wallet to billing's input.
func (c ConfigureAutoTopUpRequest) ToInput(customer, wallet string) billing.ConfigureAutoTopUpInput {
	return billing.ConfigureAutoTopUpInput{Customer: customer, Wallet: wallet, Asset: c.Asset, Enabled: c.Enabled, Threshold: c.Threshold.Decimal,
		Paid: c.Amount.Decimal, Currency: c.Currency, Credit: c.Credit.Ptr(), MonthlyCap: c.MonthlyCap.Ptr()}
}

// PaymentWebhookAck is the answer to an inbound payment webhook that was
// verified and applied (or was a repeat).
type PaymentWebhookAck struct {
	Received bool `json:"received" jsonschema_description:"Always true" jsonschema:"example=true"`
}

// JSONSchemaExtend marks monthly_cap and retry_after nullable.
func (AutoTopUp) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableDecimal(s, "monthly_cap", "100.00")
	nullableTime(s, "retry_after", "2026-11-01T12:15:00Z")
}
