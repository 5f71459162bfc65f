package billing

import (
	"context"
	"time"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/rating"
)

// Statement is a wallet's month in one asset, read from the ledger: Opening
// plus every line equals Closing exactly. Lines sum the wallet's ledger
// entries of the month by the kind of movement (top_up, gift, plan_fee,
// allowance, usage, refund, expiry, proration, charge, correction).
type Statement struct {
	CustomerID     string
	WalletID       string
	Asset          string
	Precision      int32
	From, To       time.Time // [From, To): the UTC calendar month
	Opening        rating.Decimal
	Lines          map[string]rating.Decimal
	AllowanceUsed  rating.Decimal            // usage paid from bundled lots
	UsageByProduct map[string]rating.Decimal // product code → usage debited
	Closing        rating.Decimal
}

// GetStatement returns a customer's statement for the UTC calendar month
// holding month, for a wallet (empty: the default) and asset. Expiries count
// once written to the ledger (serve writes due ones every minute). Returns
// EInvalid, ENotFound.
func (s *Plans) GetStatement(ctx context.Context, customer, wallet, asset string, month time.Time) (Statement, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Statement{}, err
	}
	w, err := s.walletFor(ctx, s.pool, c, customer, wallet)
	if err != nil {
		return Statement{}, err
	}
	a, err := s.assetTx(ctx, s.pool, c, "asset", asset)
	if err != nil {
		return Statement{}, err
	}
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	st := Statement{CustomerID: w.CustomerID, WalletID: w.ID, Asset: a.Code, Precision: a.Precision, From: from, To: from.AddDate(0, 1, 0),
		Opening: rating.Zero, Closing: rating.Zero, AllowanceUsed: rating.Zero, Lines: map[string]rating.Decimal{}, UsageByProduct: map[string]rating.Decimal{}}
	rows, err := queries.StatementSums(ctx, TranslateErrors(s.pool), dbsqlc.StatementSumsParams{AccountID: c.AccountID, Mode: string(c.Mode), WalletID: w.ID, Asset: a.Code,
		MonthStart: st.From, MonthEnd: st.To})
	if err != nil {
		return Statement{}, err
	}
	for _, r := range rows {
		switch r.Section {
		case "opening":
			st.Opening = r.Amount
		case "line":
			st.Lines[r.Key] = r.Amount
		case "allowance_used":
			st.AllowanceUsed = r.Amount.Neg()
		case "product":
			st.UsageByProduct[r.Key] = r.Amount.Neg()
		}
	}
	st.Closing = st.Opening
	for _, v := range st.Lines {
		st.Closing = st.Closing.Add(v)
	}
	return st, nil
}
