package wire

// SubscriptionArg names a subscription.
type SubscriptionArg struct {
	Subscription string `json:"subscription" jsonschema_description:"Subscription id (sub_…)" jsonschema:"example=sub_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// GetSubscriptionArgs names the subscription to read.
type GetSubscriptionArgs = SubscriptionArg

// GetSubscriptionResult is a subscription with its billing periods.
type GetSubscriptionResult struct {
	Subscription Subscription         `json:"subscription" jsonschema_description:"The subscription: its state, current period, next renewal and grace end"`
	Periods      []SubscriptionPeriod `json:"periods" jsonschema_description:"The plan's billing periods, oldest first; empty for usage-only subscriptions"`
	Guidance
}

// ChangeSubscriptionArgs move a plan to another version.
type ChangeSubscriptionArgs struct {
	SubscriptionArg
	ChangeSubscriptionRequest
}

// ChangeSubscriptionResult is the plan after the change.
type ChangeSubscriptionResult struct {
	Subscription    Subscription `json:"subscription" jsonschema_description:"The subscription in force after the change (a change now starts a new subscription id)"`
	PreviousVersion int          `json:"previous_version" jsonschema_description:"The version the plan was on" jsonschema:"example=1"`
	Livemode        bool         `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// CancelSubscriptionArgs end a plan now or at its period's end.
type CancelSubscriptionArgs struct {
	SubscriptionArg
	CancelSubscriptionRequest
}

// CancelSubscriptionResult is the plan after the cancellation.
type CancelSubscriptionResult struct {
	Subscription Subscription `json:"subscription" jsonschema_description:"The subscription: canceled, or still active with cancel_at_period_end"`
	Livemode     bool         `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// GetStatementArgs name a customer's wallet, asset and month.
type GetStatementArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	Asset    string `json:"asset" jsonschema_description:"Asset code" jsonschema:"example=USD"`
	Month    string `json:"month,omitempty" jsonschema_description:"UTC month; default current" jsonschema:"pattern=^[0-9]{4}-[0-9]{2}$,example=2026-11"`
	Wallet   string `json:"wallet,omitempty" jsonschema_description:"Wallet id or name; default: the default wallet" jsonschema:"example=default"`
}

// GetStatementResult is a wallet's month.
type GetStatementResult struct {
	Statement Statement `json:"statement" jsonschema_description:"Opening balance, the month's movements by kind, allowance used, usage by product, closing balance; opening plus the lines equals the closing exactly"`
	Guidance
}
