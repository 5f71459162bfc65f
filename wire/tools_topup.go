package wire

// CreateTopUpArgs are create_top_up's arguments: the idempotency key is
// required.
type CreateTopUpArgs struct {
	IdempotencyKey string `json:"idempotency_key" jsonschema_description:"Your unique id for this top-up (1-200 characters): a retry with the same key and payload returns the same top-up and checkout_url, never a second charge; the same key with another payload is refused" jsonschema:"example=topup-user_123-2026-11-01"`
	TopUpParams
}

// CreateTopUpResult is the top-up started, with where the customer pays.
type CreateTopUpResult struct {
	TopUp TopUp `json:"top_up" jsonschema_description:"The top-up, pending until the customer pays at checkout_url"`
	Guidance
}

// TopUpArg names a top-up.
type TopUpArg struct {
	TopUpID string `json:"top_up_id" jsonschema_description:"The top-up id create_top_up or list_top_ups returned (topup_…)" jsonschema:"example=topup_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// GetTopUpArgs names the top-up to read.
type GetTopUpArgs = TopUpArg

// GetTopUpResult is a top-up with its status.
type GetTopUpResult struct {
	TopUp TopUp `json:"top_up" jsonschema_description:"The top-up"`
	Guidance
}

// ListTopUpsArgs names the customer whose top-ups to list.
type ListTopUpsArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	Limit    int    `json:"limit,omitempty" jsonschema_description:"At most this many, newest first, 1-100; default 20" jsonschema:"minimum=1,maximum=100,example=20"`
}

// ListTopUpsResult is a customer's latest top-ups.
type ListTopUpsResult struct {
	Data []TopUp `json:"data" jsonschema_description:"Top-ups, newest first"`
	Guidance
}

// ConfigureAutoTopUpArgs are configure_auto_top_up's arguments: the wallet
// and its auto top-up in one asset.
type ConfigureAutoTopUpArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	Wallet   string `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	ConfigureAutoTopUpRequest
}

// ConfigureAutoTopUpResult is the auto top-up as now set.
type ConfigureAutoTopUpResult struct {
	AutoTopUp AutoTopUp `json:"auto_top_up" jsonschema_description:"The wallet's auto top-up in the asset, as now set"`
	Guidance
}

// RefundTopUpArgs are refund_top_up's arguments: the top-up and the refund's
// idempotency key are required.
type RefundTopUpArgs struct {
	TopUpID        string `json:"top_up_id" jsonschema_description:"The succeeded top-up to refund (topup_…)" jsonschema:"example=topup_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	IdempotencyKey string `json:"idempotency_key" jsonschema_description:"Your unique id for this refund (1-200 characters): a retry with the same key refunds nothing twice" jsonschema:"example=refund-topup_01jd8x-1"`
	RefundTopUpParams
}

// RefundTopUpResult is the top-up after the refund.
type RefundTopUpResult struct {
	TopUp TopUp `json:"top_up" jsonschema_description:"The top-up, with refunded now including this refund"`
	Guidance
}
