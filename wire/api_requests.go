package wire

import (
	"time"

	"github.com/tollgatehq/tollgate/billing"
)

// The request bodies of the REST API (package api). Unknown fields are
// refused; amounts are decimal strings; times are RFC 3339.

// CreateAssetRequest defines a custom asset: the body of POST /v1/assets and
// create_asset's arguments.
type CreateAssetRequest struct {
	Code      string `json:"code" jsonschema_description:"Unit code: 1-32 of a-z 0-9 _" jsonschema:"example=credits"`
	Name      string `json:"name,omitempty" jsonschema_description:"Display name; defaults to the code" jsonschema:"example=Credits"`
	Symbol    string `json:"symbol,omitempty" jsonschema_description:"Display symbol" jsonschema:"example=cr"`
	Precision int32  `json:"precision,omitempty" jsonschema_description:"Decimal places, 0-18; default 0" jsonschema:"minimum=0,maximum=18,example=2"`
}

// AddAssetRateRequest dates an exchange rate of an asset: the body of POST
// /v1/assets/{code}/rates; add_asset_rate adds the asset.
type AddAssetRateRequest struct {
	Currency    string   `json:"currency" jsonschema_description:"Currency" jsonschema:"example=USD"`
	Rate        Decimal  `json:"rate" jsonschema_description:"Value of 1 unit in the currency" jsonschema:"example=0.05"`
	EffectiveAt *TimeArg `json:"effective_at,omitempty" jsonschema_description:"Takes effect; default now" jsonschema:"example=2026-12-01T00:00:00Z"`
}

// ToInput maps the rate of the given asset to billing's input.
func (a AddAssetRateRequest) ToInput(asset string) billing.AddAssetRateInput {
	return billing.AddAssetRateInput{Asset: asset, Currency: a.Currency, Rate: a.Rate.Decimal, EffectiveAt: a.EffectiveAt.Value()}
}

// CreateProductRequest is a product with its first version.
type CreateProductRequest struct {
	Code         string        `json:"code" jsonschema_description:"1-64 lower-case letters, digits, '.', '_' or '-'; the same code and definition again returns the existing product" jsonschema:"example=image-generation"`
	Name         string        `json:"name,omitempty" jsonschema_description:"Display name; defaults to the code" jsonschema:"example=Image generation"`
	Description  string        `json:"description,omitempty" jsonschema_description:"What it is" jsonschema:"example=AI images from text prompts"`
	EventType    string        `json:"event_type" jsonschema_description:"The event type your app reports for this activity" jsonschema:"example=image.generated"`
	Prices       []Price       `json:"prices" jsonschema_description:"At least one price"`
	Entitlements []Entitlement `json:"entitlements,omitempty" jsonschema_description:"Credits the version grants"`
}

// CreateVersionRequest publishes a new version of the product in the path.
type CreateVersionRequest struct {
	Prices       []Price       `json:"prices" jsonschema_description:"At least one price"`
	Entitlements []Entitlement `json:"entitlements,omitempty" jsonschema_description:"Credits the version grants"`
	KeepDefault  bool          `json:"keep_default,omitempty" jsonschema_description:"Leave the current default version for new subscriptions" jsonschema:"example=false"`
}

// SimulateRequest prices a hypothetical event against the product in the path.
type SimulateRequest struct {
	Version  int                `json:"version,omitempty" jsonschema_description:"Version; default: the product's default" jsonschema:"example=1"`
	Customer string             `json:"customer,omitempty" jsonschema_description:"Use this customer's period usage for tiered prices" jsonschema:"example=user_123"`
	Data     map[string]any     `json:"data,omitempty" jsonschema_description:"The event's volume fields and dimensions"`
	Costs    []Cost             `json:"costs,omitempty" jsonschema_description:"Vendor costs, for cost_plus prices"`
	Prior    map[string]Decimal `json:"prior,omitempty" jsonschema_description:"Period usage per price id, for tiered prices (overrides customer)"`
}

// CreateVendorRequest registers a cost provider: the body of POST
// /v1/vendors and create_vendor's arguments.
type CreateVendorRequest struct {
	Code string `json:"code" jsonschema_description:"Vendor code events use in costs (a-z 0-9 . _ -)" jsonschema:"example=openai"`
	Name string `json:"name,omitempty" jsonschema_description:"Display name; defaults to the code" jsonschema:"example=OpenAI"`
}

// CreateCustomerRequest creates a customer with its default wallet: the body
// of POST /v1/customers; create_customer adds subscriptions.
type CreateCustomerRequest struct {
	ExternalID string            `json:"external_id" jsonschema_description:"Your id for this user (1-200 chars)" jsonschema:"example=user_123"`
	Name       string            `json:"name,omitempty" jsonschema_description:"Display name" jsonschema:"example=Ada Lovelace"`
	Email      string            `json:"email,omitempty" jsonschema_description:"Email address" jsonschema:"format=email,example=ada@example.com"`
	Metadata   map[string]string `json:"metadata,omitempty" jsonschema_description:"Your key-values (≤50 keys)"`
	TestClock  string            `json:"test_clock,omitempty" jsonschema_description:"Test mode: a test clock (clock_…) to live on" jsonschema:"example=clock_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// ToInput maps the request.
func (r CreateCustomerRequest) ToInput() billing.CreateCustomerInput {
	return billing.CreateCustomerInput{ExternalID: r.ExternalID, Name: r.Name, Email: r.Email, Metadata: r.Metadata, TestClock: r.TestClock}
}

// UpdateCustomerRequest changes the fields that are present.
type UpdateCustomerRequest struct {
	Name     *string           `json:"name,omitempty" jsonschema_description:"New display name" jsonschema:"example=Ada King"`
	Email    *string           `json:"email,omitempty" jsonschema_description:"New email address; empty clears it" jsonschema:"example=ada@example.org"`
	Metadata map[string]string `json:"metadata,omitempty" jsonschema_description:"Replaces the metadata when present"`
}

// SubscribeRequest names a product version to subscribe a customer to: the
// body of POST /v1/customers/{id}/subscriptions, and in subscribe_customer's
// and create_customer's arguments.
type SubscribeRequest struct {
	Product string `json:"product" jsonschema_description:"Product code or id (prod_…)" jsonschema:"example=image-generation"`
	Version int    `json:"version,omitempty" jsonschema_description:"Version; default: the product's default" jsonschema:"minimum=1,example=1"`
	// For a plan (a version with a recurring price).
	Wallet    string `json:"wallet,omitempty" jsonschema_description:"Plan: wallet paying its fees; default: the default wallet" jsonschema:"example=default"`
	TrialDays int    `json:"trial_days,omitempty" jsonschema_description:"Plan: free trial days, 0-730; default 0 (first fee now)" jsonschema:"minimum=0,maximum=730,example=14"`
}

// CreateWalletRequest names a further wallet for a customer: the body of
// POST /v1/customers/{id}/wallets; create_wallet adds the customer.
type CreateWalletRequest struct {
	Name string `json:"name" jsonschema_description:"Wallet name: 1-64 of a-z 0-9 . _ -" jsonschema:"example=project-alpha"`
}

// SetCreditLimitRequest sets how far below zero charges may take a balance:
// the body of POST /v1/customers/{id}/wallets/{wallet}/credit_limit;
// set_credit_limit adds the customer and wallet.
type SetCreditLimitRequest struct {
	Asset       string  `json:"asset" jsonschema_description:"Asset code" jsonschema:"example=USD"`
	CreditLimit Decimal `json:"credit_limit" jsonschema_description:"How far below zero charges may go; 0: none" jsonschema:"example=50.00"`
}

// AdjustmentParams is a manual credit or debit, but for its idempotency id:
// REST takes that from the body or the Idempotency-Key header
// (CreateAdjustmentRequest), MCP requires it (CreateAdjustmentArgs).
type AdjustmentParams struct {
	Kind         string   `json:"kind" jsonschema_description:"gift: free credit; top_up: money paid you; charge: debit; refund: returns paid lots; correction: signed fix" jsonschema:"enum=gift,enum=top_up,enum=charge,enum=refund,enum=correction,example=top_up"`
	Customer     string   `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	Wallet       string   `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	Asset        string   `json:"asset" jsonschema_description:"Asset code of the amount" jsonschema:"example=USD"`
	Amount       Decimal  `json:"amount" jsonschema_description:"Above zero (a correction may be negative); top_up in a currency and refund: whole cents" jsonschema:"example=10.00"`
	Reason       string   `json:"reason,omitempty" jsonschema_description:"Why, kept in the ledger" jsonschema:"example=Welcome gift"`
	ExpiresAt    *TimeArg `json:"expires_at,omitempty" jsonschema_description:"Credits: expiry; default never" jsonschema:"example=2026-12-31T23:59:59Z"`
	Priority     int      `json:"priority,omitempty" jsonschema_description:"Credits: lower is spent first; default 0" jsonschema:"example=0"`
	Purpose      string   `json:"purpose,omitempty" jsonschema_description:"Positive correction: lot purpose; default promotion" jsonschema:"enum=promotion,enum=bundled,enum=paid,example=promotion"`
	PaidAmount   *Decimal `json:"paid_amount,omitempty" jsonschema_description:"top_up: money paid; required for a custom asset" jsonschema:"example=10.00"`
	PaidCurrency string   `json:"paid_currency,omitempty" jsonschema_description:"top_up: currency of paid_amount" jsonschema:"example=USD"`
	LotID        string   `json:"lot_id,omitempty" jsonschema_description:"refund: a paid lot's id (get_wallet); default newest first" jsonschema:"example=lot_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// ToInput maps the adjustment to billing's input under its idempotency id.
func (a AdjustmentParams) ToInput(transactionID string) billing.CreateAdjustmentInput {
	return billing.CreateAdjustmentInput{TransactionID: transactionID, Kind: billing.AdjustmentKind(a.Kind), Customer: a.Customer,
		Wallet: a.Wallet, Asset: a.Asset, Amount: a.Amount.Decimal, Reason: a.Reason, ExpiresAt: a.ExpiresAt.TimeP(), Priority: a.Priority,
		Purpose: billing.LotPurpose(a.Purpose), PaidAmount: a.PaidAmount.Ptr(), PaidCurrency: a.PaidCurrency, LotID: a.LotID}
}

// CreateAdjustmentRequest is the body of POST /v1/adjustments.
type CreateAdjustmentRequest struct {
	TransactionID string `json:"transaction_id,omitempty" jsonschema_description:"Your idempotency id for this adjustment (1-200 characters), kept forever; default the Idempotency-Key header" jsonschema:"example=topup-user_123-2026-11-01"`
	AdjustmentParams
}

// AuthorizeParams asks to hold the cost of something about to happen:
// event_type with estimated data, or amount with asset. REST takes the
// idempotency key from the body or the Idempotency-Key header
// (AuthorizeRequest), MCP requires it (AuthorizeUsageArgs).
type AuthorizeParams struct {
	Customer   string         `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	Wallet     string         `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	EventType  string         `json:"event_type,omitempty" jsonschema_description:"Estimate with this activity's prices (with data), or send amount+asset" jsonschema:"example=image.generated"`
	Data       map[string]any `json:"data,omitempty" jsonschema_description:"With event_type: estimated event data"`
	Amount     *Decimal       `json:"amount,omitempty" jsonschema_description:"Or: the amount to hold, with asset" jsonschema:"example=0.50"`
	Asset      string         `json:"asset,omitempty" jsonschema_description:"With amount: its asset" jsonschema:"example=USD"`
	TTLSeconds int            `json:"ttl_seconds,omitempty" jsonschema_description:"Hold lifetime, 1-86400 s; 0 or absent: 900; negative or more is refused" jsonschema:"minimum=0,maximum=86400,example=900"`
}

// ToInput maps the request to billing's input under its idempotency key.
func (a AuthorizeParams) ToInput(key string) billing.AuthorizeInput {
	return billing.AuthorizeInput{IdempotencyKey: key, Customer: a.Customer, Wallet: a.Wallet, EventType: a.EventType, Data: a.Data,
		Amount: a.Amount.Ptr(), Asset: a.Asset, TTL: time.Duration(a.TTLSeconds) * time.Second}
}

// AuthorizeRequest is the body of POST /v1/authorizations.
type AuthorizeRequest struct {
	IdempotencyKey string `json:"idempotency_key,omitempty" jsonschema_description:"Your unique key for this authorization, kept forever; default the Idempotency-Key header" jsonschema:"example=req_8f2a-authorize"`
	AuthorizeParams
}

// RecordEventRequest is one usage event to record, after the work: the
// body of POST /v1/events, an item of POST /v1/events/batch and of
// record_usage's events.
type RecordEventRequest struct {
	ID              string         `json:"id" jsonschema_description:"Your unique id (1-200 chars), such as the request id; a resend charges nothing again" jsonschema:"example=req_8f2a"`
	Customer        string         `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	Wallet          string         `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	EventType       string         `json:"event_type" jsonschema_description:"A product's event_type" jsonschema:"example=image.generated"`
	OccurredAt      *TimeArg       `json:"occurred_at,omitempty" jsonschema_description:"When it happened (≤35 days ago); default now" jsonschema:"example=2026-11-01T12:00:00Z"`
	Data            map[string]any `json:"data,omitempty" jsonschema_description:"Quantities and dimensions the prices read, such as {\"total_tokens\": 1500}"`
	Costs           []Cost         `json:"costs,omitempty" jsonschema_description:"Vendor costs (for cost_plus)"`
	AuthorizationID string         `json:"authorization_id,omitempty" jsonschema_description:"The authorization this settles" jsonschema:"example=auth_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// ToInput maps the event to billing's input.
func (e RecordEventRequest) ToInput() billing.UsageEventInput {
	return billing.UsageEventInput{ID: e.ID, Customer: e.Customer, Wallet: e.Wallet, EventType: e.EventType, OccurredAt: e.OccurredAt.Value(),
		Data: e.Data, Costs: ToCosts(e.Costs), AuthorizationID: e.AuthorizationID}
}

// RecordBatchRequest reports up to 1000 events; each is recorded on its own.
type RecordBatchRequest struct {
	Events []RecordEventRequest `json:"events" jsonschema_description:"1 to 1000 events"`
}

// EventOutcome is what became of one event of a batch (or of record_usage's
// single event). Each surface adds its error in its own shape: BatchResult
// (REST) an error object, UsageResult (MCP) a message that says how to fix it.
type EventOutcome struct {
	Index  int    `json:"index" jsonschema_description:"Position of the event in events (0 for a single event)" jsonschema:"example=0"`
	ID     string `json:"id" jsonschema_description:"The event's id" jsonschema:"example=req_8f2a"`
	Status string `json:"status" jsonschema_description:"recorded, replayed (this id was already recorded with the same payload: the original fees, nothing charged again) or failed" jsonschema:"enum=recorded,enum=replayed,enum=failed,example=recorded"`
	Event  *Event `json:"event,omitempty" jsonschema_description:"The event with its fees and settlement, unless it failed"`
}

// BatchResult is one event's outcome in a REST batch.
type BatchResult struct {
	EventOutcome
	Error *ErrorBody `json:"error,omitempty" jsonschema_description:"Why it failed"`
}
