package wire

// CreateWalletArgs names a further wallet for a customer.
type CreateWalletArgs struct {
	Customer string `json:"customer" jsonschema_description:"The customer: Tollgate id (cus_…) or your external_id" jsonschema:"example=user_123"`
	Name     string `json:"name" jsonschema_description:"Wallet name: 1-64 lower-case letters, digits, '.', '_' or '-'; calling again with the same name returns the existing wallet" jsonschema:"example=project-alpha"`
}

// CreateWalletResult is the wallet created, or the one that existed.
type CreateWalletResult struct {
	Wallet   Wallet `json:"wallet" jsonschema_description:"The wallet (a new wallet has no balances yet)"`
	Existed  bool   `json:"existed" jsonschema_description:"true when the customer already had a wallet with this name; it is returned unchanged" jsonschema:"example=false"`
	Livemode bool   `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// GetWalletArgs names a wallet: a customer (its default wallet, or the named
// one), or a wallet id.
type GetWalletArgs struct {
	Customer string `json:"customer,omitempty" jsonschema_description:"The customer: Tollgate id (cus_…) or your external_id; required unless wallet is a wallet id" jsonschema:"example=user_123"`
	Wallet   string `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default the customer's default wallet" jsonschema:"example=default"`
}

// GetWalletResult is a wallet with its balances.
type GetWalletResult struct {
	Wallet Wallet `json:"wallet" jsonschema_description:"The wallet with one balance per asset it has held"`
	Guidance
}

// SetCreditLimitArgs lets charges take a balance below zero, down to -credit_limit.
type SetCreditLimitArgs struct {
	Customer    string  `json:"customer,omitempty" jsonschema_description:"The customer: Tollgate id (cus_…) or your external_id; required unless wallet is a wallet id" jsonschema:"example=user_123"`
	Wallet      string  `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default the customer's default wallet" jsonschema:"example=default"`
	Asset       string  `json:"asset" jsonschema_description:"Asset code of the balance" jsonschema:"example=USD"`
	CreditLimit Decimal `json:"credit_limit" jsonschema_description:"How far below zero charges may take the balance; 0 allows no overdraft. Authorizations never use it" jsonschema:"example=50.00"`
}

// SetCreditLimitResult is the balance with its new limit.
type SetCreditLimitResult struct {
	WalletID string  `json:"wallet_id" jsonschema_description:"The wallet" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Balance  Balance `json:"balance" jsonschema_description:"The balance in the asset, with its new credit limit"`
	Livemode bool    `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}
