package wire

// CreateWalletArgs are create_wallet's arguments: the customer and the
// wallet's name.
type CreateWalletArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	CreateWalletRequest
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
	Customer string `json:"customer,omitempty" jsonschema_description:"Customer id (cus_…) or external_id; needed unless wallet is an id" jsonschema:"example=user_123"`
	Wallet   string `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
}

// GetWalletResult is a wallet with its balances.
type GetWalletResult struct {
	Wallet Wallet `json:"wallet" jsonschema_description:"The wallet with one balance per asset it has held"`
	Guidance
}

// SetCreditLimitArgs are set_credit_limit's arguments: the wallet and its
// new limit. Charges may take the balance down to -credit_limit.
type SetCreditLimitArgs struct {
	Customer string `json:"customer,omitempty" jsonschema_description:"Customer id (cus_…) or external_id; needed unless wallet is an id" jsonschema:"example=user_123"`
	Wallet   string `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	SetCreditLimitRequest
}

// SetCreditLimitResult is the balance with its new limit.
type SetCreditLimitResult struct {
	WalletID string  `json:"wallet_id" jsonschema_description:"The wallet" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Balance  Balance `json:"balance" jsonschema_description:"The balance in the asset, with its new credit limit"`
	Livemode bool    `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}
