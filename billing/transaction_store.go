package billing

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/rating"
)

func listTransactions(ctx context.Context, db DBTX, c Caller, walletID string, in ListTransactionsInput, limit int) ([]Transaction, error) {
	rows, err := queries.ListWalletTransactions(ctx, db, dbsqlc.ListWalletTransactionsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		WalletID: &walletID, Cursor: nullable(in.Cursor), Kind: nullable(in.Kind), CreatedFrom: nullTime(in.From), CreatedTo: nullTime(in.To),
		Lim: int32(limit)})
	if err != nil {
		return nil, Translate(err)
	}
	var out []Transaction
	for _, r := range rows {
		e := LedgerEntry{LedgerAccount: r.LedgerAccount, WalletID: r.EntryWalletID, LotID: r.LotID, Asset: r.Asset, Amount: r.Amount}
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, Transaction{ID: r.ID, Kind: r.Kind, Reference: r.Reference, WalletID: walletID, Description: r.Description,
				CreatedAt: r.CreatedAt, Amounts: map[string]rating.Decimal{}})
		}
		last := &out[len(out)-1]
		last.Entries = append(last.Entries, e)
		if e.LedgerAccount == LedgerWallet && e.WalletID == walletID {
			last.Amounts[e.Asset] = last.Amounts[e.Asset].Add(e.Amount)
		}
	}
	return out, nil
}

// verifyLedger runs the ledger checks of queries/verify.sql, each paired
// with the sentence that reports a row it finds, in order.
func verifyLedger(ctx context.Context, db DBTX) (VerifyReport, error) {
	var r VerifyReport
	db = TranslateErrors(db)
	n, err := queries.VerifyCounts(ctx, db)
	if err != nil {
		return r, err
	}
	r.Transactions, r.Lots, r.Balances = int(n.Transactions), int(n.Lots), int(n.Balances)
	checks := []func() error{
		func() error {
			return report(ctx, &r, queries.VerifyUnbalancedTransactions, db, func(x dbsqlc.VerifyUnbalancedTransactionsRow) string {
				return fmt.Sprintf("transaction %s does not balance: its %s entries sum to %s", x.TransactionID, x.Asset, x.Sum)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyEmptyTransactions, db, func(id string) string {
				return fmt.Sprintf("transaction %s has no entries", id)
			})
		},
		// What the ledger's dropped foreign keys checked (migration 00013).
		func() error {
			return report(ctx, &r, queries.VerifyEntriesWithoutTransaction, db, func(x dbsqlc.VerifyEntriesWithoutTransactionRow) string {
				return fmt.Sprintf("ledger entry %d names transaction %s, which does not exist", x.ID, x.TransactionID)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyEntriesWithoutLot, db, func(x dbsqlc.VerifyEntriesWithoutLotRow) string {
				return fmt.Sprintf("ledger entry %d names lot %s, which does not exist", x.ID, x.LotID)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyTransactionsWithoutAccount, db, func(x dbsqlc.VerifyTransactionsWithoutAccountRow) string {
				return fmt.Sprintf("transaction %s names account %s, which does not exist", x.ID, x.AccountID)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyLotRemaining, db, func(x dbsqlc.VerifyLotRemainingRow) string {
				return fmt.Sprintf("lot %s says %s remaining but its ledger entries sum to %s", x.ID, x.Remaining, x.Sum)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyLotBounds, db, func(x dbsqlc.VerifyLotBoundsRow) string {
				return fmt.Sprintf("lot %s has %s remaining of %s", x.ID, x.Remaining, x.Amount)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyBalancePosted, db, func(x dbsqlc.VerifyBalancePostedRow) string {
				return fmt.Sprintf("wallet %s %s balance says %s but its ledger entries sum to %s", x.WalletID, x.Asset, x.Posted, x.Sum)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyBalanceDebt, db, func(x dbsqlc.VerifyBalanceDebtRow) string {
				return fmt.Sprintf("wallet %s %s debt says %s but its ledger entries give %s", x.WalletID, x.Asset, x.Debt, x.Sum)
			})
		},
		func() error {
			return report(ctx, &r, queries.VerifyBalanceLots, db, func(x dbsqlc.VerifyBalanceLotsRow) string {
				return fmt.Sprintf("wallet %s %s balance says %s but its lots minus debt give %s", x.WalletID, x.Asset, x.Posted, x.Lots)
			})
		},
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return r, err
		}
	}
	return r, nil
}

// report runs one ledger check and adds a problem for each row it finds.
func report[R any](ctx context.Context, r *VerifyReport, check func(context.Context, dbsqlc.DBTX) ([]R, error), db DBTX, say func(R) string) error {
	rows, err := check(ctx, db)
	if err != nil {
		return err
	}
	for _, x := range rows {
		r.Problems = append(r.Problems, say(x))
	}
	return nil
}
