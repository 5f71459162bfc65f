package wire

// CreateAdjustmentArgs is a manual credit or debit.
type CreateAdjustmentArgs struct {
	TransactionID string   `json:"transaction_id" jsonschema_description:"Idempotency id you choose (1-200 characters): a retry with the same id and payload returns the first result and applies nothing again; the same id with another payload is refused" jsonschema:"example=topup-user_123-2026-11-01"`
	Kind          string   `json:"kind" jsonschema_description:"gift (free credit, a promotion lot), top_up (money the customer paid you, a paid lot), charge (a debit), refund (returns value of paid lots), correction (signed fix)" jsonschema:"enum=gift,enum=top_up,enum=charge,enum=refund,enum=correction,example=top_up"`
	Customer      string   `json:"customer" jsonschema_description:"The customer: Tollgate id (cus_…) or your external_id" jsonschema:"example=user_123"`
	Wallet        string   `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default the customer's default wallet" jsonschema:"example=default"`
	Asset         string   `json:"asset" jsonschema_description:"Asset code of the amount" jsonschema:"example=USD"`
	Amount        Decimal  `json:"amount" jsonschema_description:"Amount, above zero; a correction may be negative (a debit). Kept exact to 18 places, but a top_up in a currency and a refund move money, so whole units of the asset's precision (cents for USD)" jsonschema:"example=10.00"`
	Reason        string   `json:"reason,omitempty" jsonschema_description:"Why, in a few words; kept in the ledger" jsonschema:"example=Welcome gift"`
	ExpiresAt     *TimeArg `json:"expires_at,omitempty" jsonschema_description:"Credits only: when the unused rest expires; default never" jsonschema:"example=2026-12-31T23:59:59Z"`
	Priority      int      `json:"priority,omitempty" jsonschema_description:"Credits only: lots with a lower priority are spent first; default 0" jsonschema:"example=0"`
	Purpose       string   `json:"purpose,omitempty" jsonschema_description:"Positive corrections only: the kind of lot created; default promotion" jsonschema:"enum=promotion,enum=bundled,enum=paid,example=promotion"`
	PaidAmount    *Decimal `json:"paid_amount,omitempty" jsonschema_description:"top_up only: what the customer paid (the revenue these units stand for); required for a custom asset, defaults to the amount for a currency" jsonschema:"example=10.00"`
	PaidCurrency  string   `json:"paid_currency,omitempty" jsonschema_description:"top_up only: ISO currency of paid_amount" jsonschema:"example=USD"`
	LotID         string   `json:"lot_id,omitempty" jsonschema_description:"refund only: the paid lot to refund (get_wallet lists lots); default paid lots newest first" jsonschema:"example=lot_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// CreateAdjustmentResult is the adjustment applied, or replayed.
type CreateAdjustmentResult struct {
	Adjustment Adjustment `json:"adjustment" jsonschema_description:"The adjustment, with the wallet's balance in its asset right after it (or now, on a replay)"`
	Livemode   bool       `json:"livemode" jsonschema_description:"true when this moved live balances" jsonschema:"example=false"`
	Guidance
}

// ListTransactionsArgs pages through a wallet's ledger transactions, newest first.
type ListTransactionsArgs struct {
	Customer string   `json:"customer,omitempty" jsonschema_description:"The customer: Tollgate id (cus_…) or your external_id; required unless wallet is a wallet id" jsonschema:"example=user_123"`
	Wallet   string   `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default the customer's default wallet" jsonschema:"example=default"`
	Kind     string   `json:"kind,omitempty" jsonschema_description:"Only transactions of this kind, such as top_up, gift, charge, refund, correction or usage" jsonschema:"example=top_up"`
	From     *TimeArg `json:"from,omitempty" jsonschema_description:"Only transactions at or after this time" jsonschema:"example=2026-11-01T00:00:00Z"`
	To       *TimeArg `json:"to,omitempty" jsonschema_description:"Only transactions before this time" jsonschema:"example=2026-12-01T00:00:00Z"`
	Limit    int      `json:"limit,omitempty" jsonschema_description:"Transactions per page, 1-100; default 20" jsonschema:"minimum=1,maximum=100,example=20"`
	Cursor   string   `json:"cursor,omitempty" jsonschema_description:"next_cursor from the previous page; omit for the first page" jsonschema:"example=txn_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// ListTransactionsResult is one page of transactions.
type ListTransactionsResult struct {
	Items      []Transaction `json:"items" jsonschema_description:"Transactions, newest first"`
	NextCursor string        `json:"next_cursor" jsonschema_description:"Pass as cursor for the next page; empty on the last page" jsonschema:"example=txn_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	HasMore    bool          `json:"has_more" jsonschema_description:"true when another page follows" jsonschema:"example=false"`
	Guidance
}
