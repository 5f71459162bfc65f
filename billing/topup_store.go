package billing

import (
	"context"
	"time"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
)

// topUpFromRow maps a top-up read (queries/top_ups.sql: its four reads share
// GetTopUpRow's columns) to a TopUp and its request hash.
func topUpFromRow(r dbsqlc.GetTopUpRow) (TopUp, []byte) {
	return TopUp{ID: r.ID, CustomerID: r.CustomerID, WalletID: r.WalletID, Asset: r.Asset, Precision: r.Precision, Credit: r.CreditAmount,
		Paid: fromMinor(r.PaidMinor, r.PaidPrecision), Currency: r.Currency, PaidPrecision: r.PaidPrecision,
		Provider: r.Provider, Auto: r.Auto, Status: r.Status, CheckoutURL: r.CheckoutUrl, ActionURL: r.ActionUrl, PaymentID: r.PaymentID, LotID: r.LotID,
		FailureCode: r.FailureCode, FailureMessage: r.FailureMessage, Refunded: fromMinor(r.RefundedMinor, r.PaidPrecision),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, r.RequestHash
}

// getTopUp loads a top-up of the caller's, locking it when forUpdate.
func getTopUp(ctx context.Context, db DBTX, c Caller, id string, forUpdate bool) (TopUp, error) {
	var r dbsqlc.GetTopUpRow
	var err error
	if forUpdate {
		var l dbsqlc.GetTopUpForUpdateRow
		l, err = queries.GetTopUpForUpdate(ctx, TranslateErrors(db), dbsqlc.GetTopUpForUpdateParams{ID: id, AccountID: c.AccountID, Mode: string(c.Mode)})
		r = dbsqlc.GetTopUpRow(l)
	} else {
		r, err = queries.GetTopUp(ctx, TranslateErrors(db), dbsqlc.GetTopUpParams{ID: id, AccountID: c.AccountID, Mode: string(c.Mode)})
	}
	if err != nil {
		return TopUp{}, err
	}
	t, _ := topUpFromRow(r)
	return t, nil
}

// topUpByKey returns the top-up created with an idempotency key, and its
// request hash.
func (s *core) topUpByKey(ctx context.Context, db DBTX, c Caller, key string) (TopUp, []byte, error) {
	r, err := queries.GetTopUpByKey(ctx, TranslateErrors(db), dbsqlc.GetTopUpByKeyParams{RequestKey: key, AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return TopUp{}, nil, err
	}
	t, hash := topUpFromRow(dbsqlc.GetTopUpRow(r))
	return t, hash, nil
}

func listTopUps(ctx context.Context, db DBTX, c Caller, customerID string, limit int) ([]TopUp, error) {
	rows, err := queries.ListTopUps(ctx, TranslateErrors(db), dbsqlc.ListTopUpsParams{CustomerID: customerID, AccountID: c.AccountID,
		Mode: string(c.Mode), Limit: int32(min(limit, 100))}) // ListTopUps passes 1-100
	if err != nil {
		return nil, err
	}
	out := make([]TopUp, len(rows))
	for i, r := range rows {
		out[i], _ = topUpFromRow(dbsqlc.GetTopUpRow(r))
	}
	return out, nil
}

// ensureBalance creates a wallet's balance row in an asset, at zero, unless
// it exists.
func ensureBalance(ctx context.Context, db DBTX, c Caller, walletID, asset string, now time.Time) error {
	return queries.EnsureBalance(ctx, TranslateErrors(db), dbsqlc.EnsureBalanceParams{WalletID: walletID, Asset: asset,
		AccountID: c.AccountID, Mode: string(c.Mode), UpdatedAt: now})
}
