package billing

import (
	"context"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
)

func insertAdjustment(ctx context.Context, db DBTX, c Caller, a Adjustment, hash []byte) (bool, error) {
	n, err := queries.InsertAdjustment(ctx, db, dbsqlc.InsertAdjustmentParams{ID: a.ID, AccountID: c.AccountID, Mode: string(c.Mode),
		TransactionID: a.TransactionID, RequestHash: hash, Kind: string(a.Kind), WalletID: a.WalletID, Asset: a.Asset, Amount: a.Amount,
		Reason: a.Reason, LedgerTransactionID: a.LedgerTxnID, CreatedAt: a.CreatedAt})
	return n == 1, Translate(err)
}

func setAdjustmentLot(ctx context.Context, db DBTX, id, lotID string) error {
	return Translate(queries.SetAdjustmentLot(ctx, db, dbsqlc.SetAdjustmentLotParams{ID: id, LotID: &lotID}))
}

func getAdjustment(ctx context.Context, db DBTX, c Caller, transactionID string) (Adjustment, []byte, error) {
	r, err := queries.GetAdjustment(ctx, db, dbsqlc.GetAdjustmentParams{AccountID: c.AccountID, Mode: string(c.Mode), TransactionID: transactionID})
	a := Adjustment{ID: r.ID, TransactionID: r.TransactionID, Kind: AdjustmentKind(r.Kind), WalletID: r.WalletID, CustomerID: r.CustomerID,
		Asset: r.Asset, Amount: r.Amount, Reason: r.Reason, LedgerTxnID: r.LedgerTransactionID, CreatedAt: r.CreatedAt}
	if r.LotID != nil {
		a.LotID = *r.LotID
	}
	return a, r.RequestHash, Translate(err)
}
