package billing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

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

// verifyLedger stays hand-written: it is a table of diagnostic checks, each a
// statement paired with the sentence that reports a row it finds, run in a
// loop; one generated method and row type per check would spread that table
// over two files and add nothing the loop needs.
func verifyLedger(ctx context.Context, db DBTX) (VerifyReport, error) {
	var r VerifyReport
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM ledger_transactions), (SELECT count(*) FROM lots), (SELECT count(*) FROM balances)`).
		Scan(&r.Transactions, &r.Lots, &r.Balances); err != nil {
		return r, Translate(err)
	}
	checks := []struct {
		sql    string
		format func(rows pgx.Rows) (string, error)
	}{
		{`SELECT transaction_id, asset, sum(amount)::text FROM ledger_entries GROUP BY transaction_id, asset HAVING sum(amount) <> 0`,
			func(rows pgx.Rows) (string, error) {
				var id, asset, sum string
				err := rows.Scan(&id, &asset, &sum)
				return fmt.Sprintf("transaction %s does not balance: its %s entries sum to %s", id, asset, sum), err
			}},
		{`SELECT t.id FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)`,
			func(rows pgx.Rows) (string, error) {
				var id string
				err := rows.Scan(&id)
				return fmt.Sprintf("transaction %s has no entries", id), err
			}},
		// What the ledger's dropped foreign keys checked (migration 00013).
		{`SELECT e.id, e.transaction_id FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = e.transaction_id)`,
			func(rows pgx.Rows) (string, error) {
				var id int64
				var txn string
				err := rows.Scan(&id, &txn)
				return fmt.Sprintf("ledger entry %d names transaction %s, which does not exist", id, txn), err
			}},
		{`SELECT e.id, e.lot_id FROM ledger_entries e WHERE e.lot_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lots l WHERE l.id = e.lot_id)`,
			func(rows pgx.Rows) (string, error) {
				var id int64
				var lot string
				err := rows.Scan(&id, &lot)
				return fmt.Sprintf("ledger entry %d names lot %s, which does not exist", id, lot), err
			}},
		{`SELECT t.id, t.account_id FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id)`,
			func(rows pgx.Rows) (string, error) {
				var id, acct string
				err := rows.Scan(&id, &acct)
				return fmt.Sprintf("transaction %s names account %s, which does not exist", id, acct), err
			}},
		{`SELECT l.id, l.remaining::text, coalesce(e.sum, 0)::text FROM lots l
			LEFT JOIN (SELECT lot_id, sum(amount) AS sum FROM ledger_entries WHERE lot_id IS NOT NULL GROUP BY lot_id) e ON e.lot_id = l.id
			WHERE l.remaining <> coalesce(e.sum, 0)`,
			func(rows pgx.Rows) (string, error) {
				var id, rem, sum string
				err := rows.Scan(&id, &rem, &sum)
				return fmt.Sprintf("lot %s says %s remaining but its ledger entries sum to %s", id, rem, sum), err
			}},
		{`SELECT id, remaining::text, amount::text FROM lots WHERE remaining < 0 OR remaining > amount`,
			func(rows pgx.Rows) (string, error) {
				var id, rem, amt string
				err := rows.Scan(&id, &rem, &amt)
				return fmt.Sprintf("lot %s has %s remaining of %s", id, rem, amt), err
			}},
		{`SELECT b.wallet_id, b.asset, b.posted::text, coalesce(e.sum, 0)::text FROM balances b
			LEFT JOIN (SELECT wallet_id, asset, sum(amount) AS sum FROM ledger_entries WHERE ledger_account = 'wallet' GROUP BY wallet_id, asset) e
			  ON e.wallet_id = b.wallet_id AND e.asset = b.asset
			WHERE b.posted <> coalesce(e.sum, 0)`,
			func(rows pgx.Rows) (string, error) {
				var w, asset, posted, sum string
				err := rows.Scan(&w, &asset, &posted, &sum)
				return fmt.Sprintf("wallet %s %s balance says %s but its ledger entries sum to %s", w, asset, posted, sum), err
			}},
		{`SELECT b.wallet_id, b.asset, b.debt::text, (-coalesce(e.sum, 0))::text FROM balances b
			LEFT JOIN (SELECT wallet_id, asset, sum(amount) AS sum FROM ledger_entries WHERE ledger_account = 'wallet' AND lot_id IS NULL GROUP BY wallet_id, asset) e
			  ON e.wallet_id = b.wallet_id AND e.asset = b.asset
			WHERE b.debt <> -coalesce(e.sum, 0)`,
			func(rows pgx.Rows) (string, error) {
				var w, asset, debt, sum string
				err := rows.Scan(&w, &asset, &debt, &sum)
				return fmt.Sprintf("wallet %s %s debt says %s but its ledger entries give %s", w, asset, debt, sum), err
			}},
		{`SELECT b.wallet_id, b.asset, b.posted::text, (coalesce(l.sum, 0) - b.debt)::text FROM balances b
			LEFT JOIN (SELECT wallet_id, asset, sum(remaining) AS sum FROM lots GROUP BY wallet_id, asset) l
			  ON l.wallet_id = b.wallet_id AND l.asset = b.asset
			WHERE b.posted <> coalesce(l.sum, 0) - b.debt`,
			func(rows pgx.Rows) (string, error) {
				var w, asset, posted, lots string
				err := rows.Scan(&w, &asset, &posted, &lots)
				return fmt.Sprintf("wallet %s %s balance says %s but its lots minus debt give %s", w, asset, posted, lots), err
			}},
	}
	for _, ch := range checks {
		rows, err := db.Query(ctx, ch.sql)
		if err != nil {
			return r, Translate(err)
		}
		for rows.Next() {
			msg, err := ch.format(rows)
			if err != nil {
				rows.Close()
				return r, Translate(err)
			}
			r.Problems = append(r.Problems, msg)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return r, Translate(err)
		}
	}
	return r, nil
}
