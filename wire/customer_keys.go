package wire

import (
	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/billing"
)

// CustomerKey is a customer key's record (tg_cust_…): scoped to one
// customer, accepted only by the metering gateway. The secret is never shown
// again after its creation.
type CustomerKey struct {
	ID            string   `json:"id" jsonschema:"description=Customer key id,example=ckey_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CustomerID    string   `json:"customer_id" jsonschema:"description=The customer who pays for the key's calls,example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Name          string   `json:"name" jsonschema:"description=A label,example=Ada's agent"`
	Prefix        string   `json:"prefix" jsonschema:"description=The secret's first characters; safe to show,example=tg_cust_4f9a2c"`
	RateLimit     int32    `json:"rate_limit" jsonschema:"description=Gateway calls a second (bursts twice that); 0: the server's default,example=10"`
	DailyCap      *Decimal `json:"daily_cap" jsonschema:"description=Most the key's calls may spend per UTC day in daily_cap_asset; null: no cap,example=5.00"`
	DailyCapAsset string   `json:"daily_cap_asset,omitempty" jsonschema:"description=The asset of the cap (that of the gateway's holds),example=USD"`
	CreatedAt     string   `json:"created_at" jsonschema:"format=date-time,example=2026-01-15T09:30:00Z"`
	LastUsedAt    *string  `json:"last_used_at" jsonschema:"format=date-time,description=Its last gateway call (to the minute); null if never used,example=2026-01-15T10:02:00Z"`
	RevokedAt     *string  `json:"revoked_at" jsonschema:"format=date-time,description=When revoked; null while active,example=2026-01-16T08:00:00Z"`
	Livemode      bool     `json:"livemode" jsonschema:"description=true for live data, false for test data"`
}

// FromCustomerKey maps a domain customer key.
func FromCustomerKey(k billing.CustomerKey) CustomerKey {
	return CustomerKey{ID: k.ID, CustomerID: k.CustomerID, Name: k.Name, Prefix: k.Prefix, RateLimit: k.RateLimit,
		DailyCap: DP(k.DailyCap), DailyCapAsset: k.DailyCapAsset, CreatedAt: Time(k.CreatedAt), LastUsedAt: TimeP(k.LastUsedAt),
		RevokedAt: TimeP(k.RevokedAt), Livemode: k.Mode == billing.ModeLive}
}

// CreatedCustomerKey is a new customer key with its secret, shown this once;
// a replay under its idempotency key has no secret.
type CreatedCustomerKey struct {
	CustomerKey
	Secret   string `json:"secret,omitempty" jsonschema:"description=The key itself (tg_cust_…): shown only in the answer that created it (never stored; absent from a replay); give it to the customer's client or agent as its OpenAI or Anthropic SDK key,example=tg_cust_4f9a2c…"`
	Replayed bool   `json:"replayed,omitempty" jsonschema:"description=true when an earlier create with the same idempotency_key made this key: its secret is not shown again (revoke it and create another if it was lost),example=false"`
}

// CreateCustomerKeyRequest describes a new customer key.
type CreateCustomerKeyRequest struct {
	Name          string   `json:"name,omitempty" jsonschema_description:"A label (≤200 chars)" jsonschema:"example=Ada's agent"`
	RateLimit     int32    `json:"rate_limit,omitempty" jsonschema_description:"Gateway calls a second, 1-1000000; 0 or absent: the server's default" jsonschema:"example=10"`
	DailyCap      *Decimal `json:"daily_cap,omitempty" jsonschema_description:"Most the key may spend per UTC day; absent: no cap" jsonschema:"example=5.00"`
	DailyCapAsset string   `json:"daily_cap_asset,omitempty" jsonschema_description:"The cap's asset, that of the gateway's holds; default the account's reporting currency" jsonschema:"example=USD"`
	// IdempotencyKey makes a retry return the key made, without its secret.
	IdempotencyKey string `json:"idempotency_key,omitempty" jsonschema_description:"Your unique id for this key (1-200 characters): a retry with the same key and payload returns the same customer key (without its secret, which is shown once), not a second one; the same key with another payload is refused (REST: default the Idempotency-Key header)" jsonschema:"example=key-user_123-agent"`
}

// ToInput maps the request for customer.
func (r CreateCustomerKeyRequest) ToInput(customer string) billing.CreateCustomerKeyInput {
	in := billing.CreateCustomerKeyInput{Customer: customer, Name: r.Name, RateLimit: r.RateLimit, DailyCapAsset: r.DailyCapAsset, IdempotencyKey: r.IdempotencyKey}
	if r.DailyCap != nil {
		d := r.DailyCap.Decimal
		in.DailyCap = &d
	}
	return in
}

// CreateCustomerKeyArgs are create_customer_key's arguments.
type CreateCustomerKeyArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	CreateCustomerKeyRequest
}

// CustomerKeyResult is a customer key as a tool answers it; Secret only
// from create_customer_key.
type CustomerKeyResult struct {
	Key    CustomerKey `json:"key" jsonschema_description:"The key's record"`
	Secret string      `json:"secret,omitempty" jsonschema_description:"The key itself (tg_cust_…), only in the create_customer_key answer that made it (not in a replay): hand it to the customer's app" jsonschema:"example=tg_cust_4f9a2c…"`
	// Replayed: an earlier create with the same idempotency_key made it.
	Replayed bool `json:"replayed,omitempty" jsonschema_description:"true when an earlier create_customer_key with the same idempotency_key made this key; its secret is not shown again"`
	Guidance
}

// ListCustomerKeysArgs names the customer.
type ListCustomerKeysArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
}

// ListCustomerKeysResult lists a customer's keys.
type ListCustomerKeysResult struct {
	Data []CustomerKey `json:"data" jsonschema_description:"The customer's keys, oldest first"`
	Guidance
}

// RevokeCustomerKeyArgs names the key.
type RevokeCustomerKeyArgs struct {
	ID string `json:"id" jsonschema_description:"Customer key id (ckey_…)" jsonschema:"example=ckey_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// JSONSchemaExtend marks the optional cap and times nullable.
func (CustomerKey) JSONSchemaExtend(s *jsonschema.Schema) { customerKeyNullables(s) }

// JSONSchemaExtend marks the optional cap and times nullable.
func (CreatedCustomerKey) JSONSchemaExtend(s *jsonschema.Schema) { customerKeyNullables(s) }

func customerKeyNullables(s *jsonschema.Schema) {
	nullableDecimal(s, "daily_cap", "5.00")
	nullableTime(s, "last_used_at", exampleTime)
	nullableTime(s, "revoked_at", exampleTime)
}
