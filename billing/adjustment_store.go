package billing

import "context"

func insertAdjustment(ctx context.Context, db dbtx, c Caller, a Adjustment, hash []byte) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO adjustments (id, account_id, mode, transaction_id, request_hash, kind, wallet_id, asset, amount, reason,
		ledger_transaction_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (account_id, mode, transaction_id) DO NOTHING`,
		a.ID, c.AccountID, c.Mode, a.TransactionID, hash, a.Kind, a.WalletID, a.Asset, a.Amount, a.Reason, a.LedgerTxnID, a.CreatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

func setAdjustmentLot(ctx context.Context, db dbtx, id, lotID string) error {
	_, err := db.Exec(ctx, `UPDATE adjustments SET lot_id = $2 WHERE id = $1`, id, lotID)
	return translate(err)
}

func getAdjustment(ctx context.Context, db dbtx, c Caller, transactionID string) (Adjustment, []byte, error) {
	var a Adjustment
	var hash []byte
	var lot *string
	err := db.QueryRow(ctx, `SELECT a.id, a.transaction_id, a.kind, a.wallet_id, w.customer_id, a.asset, a.amount, a.reason, a.lot_id,
		a.ledger_transaction_id, a.created_at, a.request_hash
		FROM adjustments a JOIN wallets w ON w.id = a.wallet_id
		WHERE a.account_id = $1 AND a.mode = $2 AND a.transaction_id = $3`, c.AccountID, c.Mode, transactionID).
		Scan(&a.ID, &a.TransactionID, &a.Kind, &a.WalletID, &a.CustomerID, &a.Asset, &a.Amount, &a.Reason, &lot, &a.LedgerTxnID, &a.CreatedAt, &hash)
	if lot != nil {
		a.LotID = *lot
	}
	return a, hash, translate(err)
}
