package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// topUpColumns are read by scanTopUp, with the precisions of the asset and
// the currency.
const topUpColumns = `t.id, t.customer_id, t.wallet_id, t.asset, a.precision, t.credit_amount, t.paid_minor, t.currency, cur.precision,
	t.provider, t.auto, t.status, t.checkout_url, t.action_url, coalesce(t.payment_id, ''), coalesce(t.lot_id, ''),
	t.failure_code, t.failure_message, t.refunded_minor, t.created_at, t.updated_at, t.request_hash`

const topUpFrom = ` FROM top_ups t
	JOIN assets a ON a.account_id = t.account_id AND a.mode = t.mode AND a.code = t.asset
	JOIN assets cur ON cur.account_id = t.account_id AND cur.mode = t.mode AND cur.code = t.currency`

func scanTopUp(row pgx.Row) (TopUp, []byte, error) {
	var t TopUp
	var paid, refunded int64
	var hash []byte
	err := row.Scan(&t.ID, &t.CustomerID, &t.WalletID, &t.Asset, &t.Precision, &t.Credit, &paid, &t.Currency, &t.PaidPrecision,
		&t.Provider, &t.Auto, &t.Status, &t.CheckoutURL, &t.ActionURL, &t.PaymentID, &t.LotID,
		&t.FailureCode, &t.FailureMessage, &refunded, &t.CreatedAt, &t.UpdatedAt, &hash)
	t.Paid, t.Refunded = fromMinor(paid, t.PaidPrecision), fromMinor(refunded, t.PaidPrecision)
	return t, hash, Translate(err)
}

// getTopUp loads a top-up of the caller's, locking it when forUpdate.
func getTopUp(ctx context.Context, db DBTX, c Caller, id string, forUpdate bool) (TopUp, error) {
	q := `SELECT ` + topUpColumns + topUpFrom + ` WHERE t.id = $1 AND t.account_id = $2 AND t.mode = $3`
	if forUpdate {
		q += ` FOR UPDATE OF t`
	}
	t, _, err := scanTopUp(db.QueryRow(ctx, q, id, c.AccountID, c.Mode))
	return t, err
}

func (s *core) topUpByKey(ctx context.Context, db DBTX, c Caller, key string) (TopUp, []byte, error) {
	return scanTopUp(db.QueryRow(ctx, `SELECT `+topUpColumns+topUpFrom+`
		WHERE t.request_key = $1 AND t.account_id = $2 AND t.mode = $3 AND t.request_key IS NOT NULL`, key, c.AccountID, c.Mode))
}

func listTopUps(ctx context.Context, db DBTX, c Caller, customerID string, limit int) ([]TopUp, error) {
	rows, err := db.Query(ctx, `SELECT `+topUpColumns+topUpFrom+`
		WHERE t.customer_id = $1 AND t.account_id = $2 AND t.mode = $3 ORDER BY t.id DESC LIMIT $4`, customerID, c.AccountID, c.Mode, limit)
	if err != nil {
		return nil, Translate(err)
	}
	defer rows.Close()
	out := []TopUp{}
	for rows.Next() {
		t, _, err := scanTopUp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, Translate(rows.Err())
}

// ensureBalance creates a wallet's balance row in an asset, at zero, unless
// it exists.
func ensureBalance(ctx context.Context, db DBTX, c Caller, walletID, asset string, now time.Time) error {
	_, err := db.Exec(ctx, `INSERT INTO balances (wallet_id, asset, account_id, mode, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, walletID, asset, c.AccountID, c.Mode, now)
	return Translate(err)
}
