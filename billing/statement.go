package billing

import (
	"context"
	"time"

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
	rows, err := s.pool.Query(ctx, statementSQL, w.ID, a.Code, st.From, st.To)
	if err != nil {
		return Statement{}, Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var section, key string
		var amount rating.Decimal
		if err := rows.Scan(&section, &key, &amount); err != nil {
			return Statement{}, Translate(err)
		}
		switch section {
		case "opening":
			st.Opening = amount
		case "line":
			st.Lines[key] = amount
		case "allowance_used":
			st.AllowanceUsed = amount.Neg()
		case "product":
			st.UsageByProduct[key] = amount.Neg()
		}
	}
	if err := rows.Err(); err != nil {
		return Statement{}, Translate(err)
	}
	st.Closing = st.Opening
	for _, v := range st.Lines {
		st.Closing = st.Closing.Add(v)
	}
	return st, nil
}

// statementSQL reads a wallet's entries in an asset: the opening sum, the
// month's sums by movement kind, usage from bundled lots, usage by product.
const statementSQL = `WITH e AS (
	SELECT e.amount, e.created_at, e.lot_id, t.kind, t.reference, t.id AS txn
	FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
	WHERE e.ledger_account = 'wallet' AND e.wallet_id = $1 AND e.asset = $2 AND e.created_at < $4)
SELECT 'opening', '', coalesce(sum(amount), 0) FROM e WHERE created_at < $3
UNION ALL
SELECT 'line', kind, sum(amount) FROM e WHERE created_at >= $3 GROUP BY kind
UNION ALL
SELECT 'allowance_used', '', coalesce(sum(e.amount), 0) FROM e JOIN lots l ON l.id = e.lot_id
	WHERE e.created_at >= $3 AND e.kind = 'usage' AND l.purpose = 'bundled'
UNION ALL
SELECT 'product', p.code, sum(e.amount) FROM e JOIN (SELECT DISTINCT transaction_id, product_id FROM fees) f ON f.transaction_id = e.txn
	JOIN products p ON p.id = f.product_id
	WHERE e.created_at >= $3 AND e.kind = 'usage' GROUP BY p.code`
