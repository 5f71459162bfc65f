package wire

// CreateAdjustmentArgs are create_adjustment's arguments: the
// transaction id is required.
type CreateAdjustmentArgs struct {
	TransactionID string `json:"transaction_id" jsonschema_description:"Your unique id (1-200 chars); a retry moves nothing again" jsonschema:"example=topup-user_123-2026-11-01"`
	AdjustmentParams
}

// CreateAdjustmentResult is the adjustment applied, or replayed.
type CreateAdjustmentResult struct {
	Adjustment Adjustment `json:"adjustment" jsonschema_description:"The adjustment, with the wallet's balance in its asset right after it (or now, on a replay)"`
	Livemode   bool       `json:"livemode" jsonschema_description:"true when this moved live balances" jsonschema:"example=false"`
	Guidance
}

// ListTransactionsArgs pages through a wallet's ledger transactions, newest first.
type ListTransactionsArgs struct {
	Customer string   `json:"customer,omitempty" jsonschema_description:"Customer id (cus_…) or external_id; needed unless wallet is an id" jsonschema:"example=user_123"`
	Wallet   string   `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	Kind     string   `json:"kind,omitempty" jsonschema_description:"Only this kind (top_up, gift, usage, …)" jsonschema:"example=top_up"`
	From     *TimeArg `json:"from,omitempty" jsonschema_description:"At or after" jsonschema:"example=2026-11-01T00:00:00Z"`
	To       *TimeArg `json:"to,omitempty" jsonschema_description:"Before" jsonschema:"example=2026-12-01T00:00:00Z"`
	Limit    int      `json:"limit,omitempty" jsonschema_description:"Page size, 1-100; default 20" jsonschema:"minimum=1,maximum=100,example=20"`
	Cursor   string   `json:"cursor,omitempty" jsonschema_description:"next_cursor of the previous page" jsonschema:"example=txn_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// ListTransactionsResult is one page of transactions.
type ListTransactionsResult struct {
	Data       []Transaction `json:"data" jsonschema_description:"Transactions, newest first"`
	NextCursor *string       `json:"next_cursor" jsonschema_description:"Pass as cursor for the next page; null on the last page" jsonschema:"example=txn_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	HasMore    bool          `json:"has_more" jsonschema_description:"true when another page follows" jsonschema:"example=false"`
	Guidance
}
