package wire

import (
	"time"
)

// The request bodies of the REST API (package api). Unknown fields are
// refused; amounts are decimal strings; times are RFC 3339.

// CreateAssetRequest defines a custom asset.
type CreateAssetRequest struct {
	Code      string `json:"code" jsonschema_description:"1-32 lower-case letters, digits or _, starting with a letter (upper-case ISO currencies are built in)" jsonschema:"example=credits"`
	Name      string `json:"name,omitempty" jsonschema_description:"Display name; defaults to the code" jsonschema:"example=Credits"`
	Symbol    string `json:"symbol,omitempty" jsonschema_description:"Display symbol" jsonschema:"example=cr"`
	Precision int32  `json:"precision,omitempty" jsonschema_description:"Decimal places, 0-18; default 0" jsonschema:"minimum=0,maximum=18,example=2"`
}

// AddAssetRateRequest dates an exchange rate of the asset in the path.
type AddAssetRateRequest struct {
	Currency    string     `json:"currency" jsonschema_description:"ISO code of the currency the asset is priced in" jsonschema:"example=USD"`
	Rate        Decimal    `json:"rate" jsonschema_description:"Value of 1 unit of the asset in the currency, above zero" jsonschema:"example=0.05"`
	EffectiveAt *time.Time `json:"effective_at,omitempty" jsonschema_description:"When the rate takes effect; default now" jsonschema:"example=2026-12-01T00:00:00Z"`
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
	Version  int                `json:"version,omitempty" jsonschema_description:"Version to price with; default the product's default version" jsonschema:"example=1"`
	Customer string             `json:"customer,omitempty" jsonschema_description:"Use this customer's period usage for tiered prices" jsonschema:"example=user_123"`
	Data     map[string]any     `json:"data,omitempty" jsonschema_description:"The event's volume fields and dimensions"`
	Costs    []Cost             `json:"costs,omitempty" jsonschema_description:"Vendor costs, for cost_plus prices"`
	Prior    map[string]Decimal `json:"prior,omitempty" jsonschema_description:"Period usage per price id, for tiered prices (overrides customer)"`
}

// CreateVendorRequest registers a cost provider.
type CreateVendorRequest struct {
	Code string `json:"code" jsonschema_description:"Lower-case letters, digits, '.', '_' or '-'; the same code again returns the existing vendor" jsonschema:"example=openai"`
	Name string `json:"name,omitempty" jsonschema_description:"Display name; defaults to the code" jsonschema:"example=OpenAI"`
}

// CreateCustomerRequest creates a customer with its default wallet.
type CreateCustomerRequest struct {
	ExternalID string            `json:"external_id" jsonschema_description:"Your own id for this user (1-200 characters); the same external_id again returns the existing customer (200)" jsonschema:"example=user_123"`
	Name       string            `json:"name,omitempty" jsonschema_description:"Display name, at most 200 characters" jsonschema:"example=Ada Lovelace"`
	Email      string            `json:"email,omitempty" jsonschema_description:"Email address" jsonschema:"format=email,example=ada@example.com"`
	Metadata   map[string]string `json:"metadata,omitempty" jsonschema_description:"Your key-value data: at most 50 keys of 1-40 characters, values at most 500"`
}

// UpdateCustomerRequest changes the fields that are present.
type UpdateCustomerRequest struct {
	Name     *string           `json:"name,omitempty" jsonschema_description:"New display name" jsonschema:"example=Ada King"`
	Email    *string           `json:"email,omitempty" jsonschema_description:"New email address; empty clears it" jsonschema:"example=ada@example.org"`
	Metadata map[string]string `json:"metadata,omitempty" jsonschema_description:"Replaces the metadata when present"`
}

// SubscribeRequest puts the customer in the path on a product version.
type SubscribeRequest struct {
	Product string `json:"product" jsonschema_description:"Product code or id" jsonschema:"example=image-generation"`
	Version int    `json:"version,omitempty" jsonschema_description:"Version; default the product's default version" jsonschema:"example=1"`
}

// CreateWalletRequest names a further wallet for the customer in the path.
type CreateWalletRequest struct {
	Name string `json:"name" jsonschema_description:"1-64 lower-case letters, digits, '.', '_' or '-'; the same name again returns the existing wallet (200)" jsonschema:"example=project-alpha"`
}

// SetCreditLimitRequest sets how far below zero charges may take a balance.
type SetCreditLimitRequest struct {
	Asset       string  `json:"asset" jsonschema_description:"Asset of the balance" jsonschema:"example=USD"`
	CreditLimit Decimal `json:"credit_limit" jsonschema_description:"Zero or more; authorizations never draw on it" jsonschema:"example=50.00"`
}

// CreateAdjustmentRequest is a manual credit or debit.
type CreateAdjustmentRequest struct {
	TransactionID string     `json:"transaction_id,omitempty" jsonschema_description:"Your idempotency id for this adjustment (1-200 characters), kept forever; default the Idempotency-Key header" jsonschema:"example=topup-user_123-2026-11-01"`
	Kind          string     `json:"kind" jsonschema_description:"gift, top_up, charge, refund or correction" jsonschema:"enum=gift,enum=top_up,enum=charge,enum=refund,enum=correction,example=top_up"`
	Customer      string     `json:"customer" jsonschema_description:"Tollgate id (cus_…) or your external_id" jsonschema:"example=user_123"`
	Wallet        string     `json:"wallet,omitempty" jsonschema_description:"Wallet id or name; default the customer's default wallet" jsonschema:"example=default"`
	Asset         string     `json:"asset" jsonschema_description:"Asset of the amount" jsonschema:"example=USD"`
	Amount        Decimal    `json:"amount" jsonschema_description:"Positive; a correction may be negative" jsonschema:"example=10.00"`
	Reason        string     `json:"reason,omitempty" jsonschema_description:"Why; shown in the ledger" jsonschema:"example=Stripe payment pi_123"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty" jsonschema_description:"Credits: when the lot expires; default never" jsonschema:"example=2027-11-01T00:00:00Z"`
	Priority      int        `json:"priority,omitempty" jsonschema_description:"Credits: lower burns first" jsonschema:"example=0"`
	Purpose       string     `json:"purpose,omitempty" jsonschema_description:"Correction credits: promotion (default), bundled or paid" jsonschema:"enum=promotion,enum=bundled,enum=paid,example=promotion"`
	PaidAmount    *Decimal   `json:"paid_amount,omitempty" jsonschema_description:"top_up: what the customer paid (default the amount, for a currency)" jsonschema:"example=10.00"`
	PaidCurrency  string     `json:"paid_currency,omitempty" jsonschema_description:"top_up: currency of paid_amount" jsonschema:"example=USD"`
	LotID         string     `json:"lot_id,omitempty" jsonschema_description:"refund: the paid lot to refund; default paid lots newest first" jsonschema:"example=lot_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// AuthorizeRequest asks to hold the cost of something about to happen: send
// event_type with estimated data, or amount with asset.
type AuthorizeRequest struct {
	IdempotencyKey string         `json:"idempotency_key,omitempty" jsonschema_description:"Your unique key for this authorization, kept forever; default the Idempotency-Key header" jsonschema:"example=req_8f2a-authorize"`
	Customer       string         `json:"customer" jsonschema_description:"Tollgate id (cus_…) or your external_id" jsonschema:"example=user_123"`
	Wallet         string         `json:"wallet,omitempty" jsonschema_description:"Wallet id or name; default the customer's default wallet" jsonschema:"example=default"`
	EventType      string         `json:"event_type,omitempty" jsonschema_description:"Price this activity with the customer's subscription" jsonschema:"example=image.generated"`
	Data           map[string]any `json:"data,omitempty" jsonschema_description:"Estimated volume fields and dimensions of the event"`
	Amount         *Decimal       `json:"amount,omitempty" jsonschema_description:"Or: an explicit amount to hold, with asset" jsonschema:"example=0.50"`
	Asset          string         `json:"asset,omitempty" jsonschema_description:"Asset of amount" jsonschema:"example=USD"`
	TTLSeconds     int            `json:"ttl_seconds,omitempty" jsonschema_description:"How long the hold lasts, 1-86400; default 900" jsonschema:"minimum=1,maximum=86400,example=900"`
}

// RecordEventRequest reports usage after the work.
type RecordEventRequest struct {
	ID              string         `json:"id" jsonschema_description:"Your unique id for this event (1-200 characters); resending it never charges twice" jsonschema:"example=evt_123"`
	Customer        string         `json:"customer" jsonschema_description:"Tollgate id (cus_…) or your external_id" jsonschema:"example=user_123"`
	Wallet          string         `json:"wallet,omitempty" jsonschema_description:"Wallet id or name; default the customer's default wallet" jsonschema:"example=default"`
	EventType       string         `json:"event_type" jsonschema_description:"The activity, as a product's event_type" jsonschema:"example=image.generated"`
	OccurredAt      *time.Time     `json:"occurred_at,omitempty" jsonschema_description:"When it happened; default now; at most 35 days ago" jsonschema:"example=2026-11-01T12:00:00Z"`
	Data            map[string]any `json:"data,omitempty" jsonschema_description:"Volume fields and dimensions, such as {\"total_tokens\": 1500, \"model\": \"gpt-4o\"}"`
	Costs           []Cost         `json:"costs,omitempty" jsonschema_description:"Vendor costs; omit when unknown"`
	AuthorizationID string         `json:"authorization_id,omitempty" jsonschema_description:"The authorization this usage settles" jsonschema:"example=auth_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// RecordBatchRequest reports up to 1000 events; each is recorded on its own.
type RecordBatchRequest struct {
	Events []RecordEventRequest `json:"events" jsonschema_description:"1 to 1000 events"`
}

// BatchResult is one event's outcome in a batch.
type BatchResult struct {
	Index  int        `json:"index" jsonschema_description:"Position of the event in the request" jsonschema:"example=0"`
	ID     string     `json:"id" jsonschema_description:"The event's id" jsonschema:"example=evt_123"`
	Status string     `json:"status" jsonschema_description:"recorded, replayed (already recorded; nothing charged again) or failed" jsonschema:"enum=recorded,enum=replayed,enum=failed,example=recorded"`
	Event  *Event     `json:"event,omitempty" jsonschema_description:"The event, unless it failed"`
	Error  *ErrorBody `json:"error,omitempty" jsonschema_description:"Why it failed"`
}
