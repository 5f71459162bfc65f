package wire

import (
	"github.com/tollgatehq/tollgate/billing"
)

// Asset is a currency or custom unit.
type Asset struct {
	Code      string `json:"code" jsonschema:"description=Asset code: an ISO currency (USD) or a custom unit (credits),example=credits"`
	Kind      string `json:"kind" jsonschema:"enum=currency,enum=custom,description=currency or custom"`
	Name      string `json:"name" jsonschema:"description=Display name,example=Credits"`
	Symbol    string `json:"symbol" jsonschema:"description=Display symbol,example=cr"`
	Precision int32  `json:"precision" jsonschema:"description=Decimal places amounts in this asset may have (0-18),example=2"`
}

// FromAsset maps a domain asset.
func FromAsset(a billing.Asset) Asset {
	return Asset{Code: a.Code, Kind: string(a.Kind), Name: a.Name, Symbol: a.Symbol, Precision: a.Precision}
}

// AssetRate is a dated exchange rate.
type AssetRate struct {
	Asset       string  `json:"asset" jsonschema:"description=The asset priced,example=credits"`
	Currency    string  `json:"currency" jsonschema:"description=The currency it is priced in,example=USD"`
	Rate        Decimal `json:"rate" jsonschema:"description=Value of 1 asset in the currency (decimal string),example=0.05"`
	EffectiveAt string  `json:"effective_at" jsonschema:"format=date-time,description=When the rate takes effect (RFC 3339),example=2026-11-01T00:00:00Z"`
}

// FromAssetRate maps a domain rate.
func FromAssetRate(r billing.AssetRate) AssetRate {
	return AssetRate{Asset: r.Asset, Currency: r.Currency, Rate: D(r.Rate), EffectiveAt: Time(r.EffectiveAt)}
}

// Quote is a conversion between an asset and a currency.
type Quote struct {
	Asset          string  `json:"asset" jsonschema:"example=credits"`
	Currency       string  `json:"currency" jsonschema:"example=USD"`
	Rate           Decimal `json:"rate" jsonschema:"description=Value of 1 asset in the currency,example=0.05"`
	RateEffective  string  `json:"rate_effective_at" jsonschema:"format=date-time,description=When the rate used took effect"`
	AssetAmount    Decimal `json:"asset_amount" jsonschema:"description=Amount of the asset,example=200"`
	CurrencyAmount Decimal `json:"currency_amount" jsonschema:"description=Amount of the currency,example=10.00"`
	At             string  `json:"at" jsonschema:"format=date-time,description=The time the quote is for"`
}

// FromQuote maps a domain quote.
func FromQuote(q billing.Quote) Quote {
	return Quote{Asset: q.Asset, Currency: q.Currency, Rate: D(q.Rate), RateEffective: Time(q.RateEffective),
		AssetAmount: A(q.AssetAmount, q.AssetPrecision), CurrencyAmount: A(q.CurrencyAmount, q.CurrencyPrecision), At: Time(q.At)}
}

// Customer is the platform's end user.
type Customer struct {
	ID              string            `json:"id" jsonschema:"description=Tollgate customer id,example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ExternalID      string            `json:"external_id" jsonschema:"description=Your own id for this user,example=user_123"`
	Name            string            `json:"name" jsonschema:"example=Ada Lovelace"`
	Email           string            `json:"email" jsonschema:"example=ada@example.com"`
	Metadata        map[string]string `json:"metadata" jsonschema:"description=Your key-value data"`
	DefaultWalletID string            `json:"default_wallet_id" jsonschema:"description=The customer's default wallet,example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	TestClock       string            `json:"test_clock,omitempty" jsonschema:"description=The test clock it lives on (test mode),example=clock_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CreatedAt       string            `json:"created_at" jsonschema:"format=date-time"`
	Livemode        bool              `json:"livemode" jsonschema:"description=true for live data, false for test data"`
}

// FromCustomer maps a domain customer.
func FromCustomer(c billing.Customer) Customer {
	m := c.Metadata
	if m == nil {
		m = map[string]string{}
	}
	return Customer{ID: c.ID, ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Metadata: m,
		DefaultWalletID: c.DefaultWalletID, TestClock: c.TestClockID, CreatedAt: Time(c.CreatedAt), Livemode: c.Mode == billing.ModeLive}
}

// Lot is one grant or purchase inside a balance.
type Lot struct {
	ID        string   `json:"id" jsonschema:"example=lot_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Purpose   string   `json:"purpose" jsonschema:"enum=paid,enum=promotion,enum=bundled,description=Where the value came from"`
	Amount    Decimal  `json:"amount" jsonschema:"description=Granted amount,example=10.00"`
	Remaining Decimal  `json:"remaining" jsonschema:"description=Amount left,example=7.50"`
	Priority  int      `json:"priority" jsonschema:"description=Lower burns first,example=0"`
	ExpiresAt *string  `json:"expires_at" jsonschema:"format=date-time,description=When the rest expires; null never"`
	Revenue   *Decimal `json:"revenue_basis,omitempty" jsonschema:"description=What was paid for a paid lot,example=10.00"`
	RevenueCy string   `json:"revenue_currency,omitempty" jsonschema:"example=USD"`
	CreatedAt string   `json:"created_at" jsonschema:"format=date-time"`
}

// FromLot maps a domain lot.
// precision is the precision of the lot's asset; the revenue basis is
// written exactly.
func FromLot(l billing.Lot, precision int32) Lot {
	return Lot{ID: l.ID, Purpose: string(l.Purpose), Amount: A(l.Amount, precision), Remaining: A(l.Remaining, precision), Priority: l.Priority,
		ExpiresAt: TimeP(l.ExpiresAt), Revenue: DP(l.RevenueBasis), RevenueCy: l.RevenueCurrency, CreatedAt: Time(l.CreatedAt)}
}

// Balance is a wallet's position in one asset.
type Balance struct {
	Asset       string  `json:"asset" jsonschema:"example=USD"`
	Total       Decimal `json:"total" jsonschema:"description=Unexpired lots minus debt (negative when overdrawn),example=12.50"`
	Held        Decimal `json:"held" jsonschema:"description=Reserved by active authorizations,example=2.00"`
	Available   Decimal `json:"available" jsonschema:"description=Total minus held: what a new authorization may hold,example=10.50"`
	Debt        Decimal `json:"debt" jsonschema:"description=Overdraft from usage or charges, repaid by the next credit,example=0"`
	CreditLimit Decimal `json:"credit_limit" jsonschema:"description=How far below zero charges may go (authorizations never use it),example=0"`
	Lots        []Lot   `json:"lots" jsonschema:"description=Open lots in burn order"`
}

// FromBalance maps a domain balance.
func FromBalance(b billing.Balance) Balance {
	p := b.Precision
	out := Balance{Asset: b.Asset, Total: A(b.Total, p), Held: A(b.Held, p), Available: A(b.Available, p), Debt: A(b.Debt, p), CreditLimit: A(b.CreditLimit, p), Lots: []Lot{}}
	for _, l := range b.Lots {
		out.Lots = append(out.Lots, FromLot(l, p))
	}
	return out
}

// Wallet is a wallet with its balances.
type Wallet struct {
	ID                 string    `json:"id" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CustomerID         string    `json:"customer_id" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CustomerExternalID string    `json:"customer_external_id,omitempty" jsonschema:"example=user_123"`
	Name               string    `json:"name" jsonschema:"description=default, or the name given at creation,example=default"`
	IsDefault          bool      `json:"is_default"`
	Balances           []Balance `json:"balances" jsonschema:"description=One balance per asset the wallet has held"`
	CreatedAt          string    `json:"created_at" jsonschema:"format=date-time"`
}

// FromWallet maps a wallet without balances.
func FromWallet(w billing.Wallet) Wallet {
	return Wallet{ID: w.ID, CustomerID: w.CustomerID, Name: w.Name, IsDefault: w.IsDefault, Balances: []Balance{}, CreatedAt: Time(w.CreatedAt)}
}

// FromWalletView maps a wallet with balances.
func FromWalletView(v billing.WalletView) Wallet {
	out := FromWallet(v.Wallet)
	out.CustomerExternalID = v.CustomerExternalID
	for _, b := range v.Balances {
		out.Balances = append(out.Balances, FromBalance(b))
	}
	return out
}

// Adjustment is a manual credit or debit.
type Adjustment struct {
	ID            string  `json:"id" jsonschema:"example=adj_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	TransactionID string  `json:"transaction_id" jsonschema:"description=Your idempotency id,example=gift-2026-11-welcome-user_123"`
	Kind          string  `json:"kind" jsonschema:"enum=gift,enum=top_up,enum=charge,enum=refund,enum=correction"`
	CustomerID    string  `json:"customer_id"`
	WalletID      string  `json:"wallet_id"`
	Asset         string  `json:"asset" jsonschema:"example=USD"`
	Amount        Decimal `json:"amount" jsonschema:"example=10.00"`
	Reason        string  `json:"reason"`
	LotID         string  `json:"lot_id,omitempty" jsonschema:"description=The lot created (credits) or refunded"`
	LedgerTxnID   string  `json:"ledger_transaction_id" jsonschema:"example=txn_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Replayed      bool    `json:"replayed" jsonschema:"description=true when this call replayed an earlier one with the same transaction_id; nothing was applied again"`
	Balance       Balance `json:"balance" jsonschema:"description=The wallet's balance in this asset after the adjustment"`
	CreatedAt     string  `json:"created_at" jsonschema:"format=date-time"`
	Livemode      bool    `json:"livemode"`
}

// FromAdjustment maps a domain adjustment.
func FromAdjustment(a billing.Adjustment, mode billing.Mode) Adjustment {
	return Adjustment{ID: a.ID, TransactionID: a.TransactionID, Kind: string(a.Kind), CustomerID: a.CustomerID, WalletID: a.WalletID,
		Asset: a.Asset, Amount: A(a.Amount, a.Balance.Precision), Reason: a.Reason, LotID: a.LotID, LedgerTxnID: a.LedgerTxnID, Replayed: a.Replayed,
		Balance: FromBalance(a.Balance), CreatedAt: Time(a.CreatedAt), Livemode: mode == billing.ModeLive}
}

// LedgerEntry is one line of a ledger transaction.
type LedgerEntry struct {
	LedgerAccount string  `json:"ledger_account" jsonschema:"description=wallet, revenue, funding, promotions, expired or corrections"`
	WalletID      string  `json:"wallet_id,omitempty"`
	LotID         string  `json:"lot_id,omitempty"`
	Asset         string  `json:"asset"`
	Amount        Decimal `json:"amount" jsonschema:"description=Signed: positive adds to the ledger account"`
}

// Transaction is a ledger transaction as a wallet sees it.
type Transaction struct {
	ID          string             `json:"id" jsonschema:"example=txn_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Kind        string             `json:"kind" jsonschema:"description=gift, top_up, charge, refund, correction, usage, capture, expiry…"`
	Reference   string             `json:"reference" jsonschema:"description=The adjustment, event or lot behind it"`
	Description string             `json:"description"`
	Amounts     map[string]Decimal `json:"amounts" jsonschema:"description=Net change to the wallet per asset"`
	Entries     []LedgerEntry      `json:"entries"`
	CreatedAt   string             `json:"created_at" jsonschema:"format=date-time"`
}

// FromTransaction maps a domain transaction.
func FromTransaction(t billing.Transaction) Transaction {
	out := Transaction{ID: t.ID, Kind: t.Kind, Reference: t.Reference, Description: t.Description, Amounts: map[string]Decimal{}, Entries: []LedgerEntry{}, CreatedAt: Time(t.CreatedAt)}
	for k, v := range t.Amounts {
		out.Amounts[k] = D(v)
	}
	for _, e := range t.Entries {
		out.Entries = append(out.Entries, LedgerEntry{LedgerAccount: e.LedgerAccount, WalletID: e.WalletID, LotID: e.LotID, Asset: e.Asset, Amount: D(e.Amount)})
	}
	return out
}

// Map applies f to each item.
func Map[T, U any](items []T, f func(T) U) []U {
	out := make([]U, 0, len(items))
	for _, x := range items {
		out = append(out, f(x))
	}
	return out
}
