package billing

import (
	"context"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

const walletColumns = `id, account_id, mode, customer_id, name, is_default, created_at`

func scanWallet(row pgx.Row) (Wallet, error) {
	var w Wallet
	err := row.Scan(&w.ID, &w.AccountID, &w.Mode, &w.CustomerID, &w.Name, &w.IsDefault, &w.CreatedAt)
	return w, translate(err)
}

func insertWallet(ctx context.Context, db dbtx, w Wallet) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO wallets (`+walletColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (customer_id, name) DO NOTHING`, w.ID, w.AccountID, w.Mode, w.CustomerID, w.Name, w.IsDefault, w.CreatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

func getWalletByID(ctx context.Context, db dbtx, c Caller, id string) (Wallet, error) {
	return scanWallet(db.QueryRow(ctx, `SELECT `+walletColumns+` FROM wallets WHERE account_id = $1 AND mode = $2 AND id = $3`, c.AccountID, c.Mode, id))
}

func getWalletByName(ctx context.Context, db dbtx, c Caller, customerID, name string) (Wallet, error) {
	return scanWallet(db.QueryRow(ctx, `SELECT `+walletColumns+` FROM wallets
		WHERE account_id = $1 AND mode = $2 AND customer_id = $3 AND name = $4`, c.AccountID, c.Mode, customerID, name))
}

func listWallets(ctx context.Context, db dbtx, c Caller, customerID string) ([]Wallet, error) {
	rows, err := db.Query(ctx, `SELECT `+walletColumns+` FROM wallets
		WHERE account_id = $1 AND mode = $2 AND customer_id = $3 ORDER BY is_default DESC, name`, c.AccountID, c.Mode, customerID)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Wallet, error) { return scanWallet(r) })
	return out, translate(err)
}

// queueLockBalance queues what creates a balance row if needed, locks it until
// the transaction ends (every movement of one balance is serialised there), and
// reads its open lots and active holds. The state is filled when the batch has
// run; call settle then.
func queueLockBalance(batch *pgx.Batch, c Caller, walletID string, asset Asset, now time.Time) *balanceState {
	b := &balanceState{c: c, walletID: walletID, asset: asset, now: now, touched: map[string]*Lot{}}
	batch.Queue(`INSERT INTO balances (wallet_id, asset, account_id, mode, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, walletID, asset.Code, c.AccountID, c.Mode, now)
	batch.Queue(`SELECT posted, debt, credit_limit FROM balances WHERE wallet_id = $1 AND asset = $2 FOR UPDATE`,
		walletID, asset.Code).QueryRow(func(row pgx.Row) error { return row.Scan(&b.posted, &b.debt, &b.creditLimit) })
	batch.Queue(`SELECT `+lotColumns+` FROM lots WHERE wallet_id = $1 AND asset = $2 AND remaining > 0`, walletID, asset.Code).
		Query(func(rows pgx.Rows) error {
			var err error
			b.lots, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Lot, error) { return scanLot(r) })
			return err
		})
	batch.Queue(`SELECT coalesce(sum(amount), 0) FROM authorizations
		WHERE wallet_id = $1 AND asset = $2 AND status = 'active' AND expires_at > $3`, walletID, asset.Code, now).
		QueryRow(func(row pgx.Row) error { return row.Scan(&b.held) })
	return b
}

const lotColumns = `id, wallet_id, asset, purpose, amount, remaining, priority, expires_at, expired_at,
	revenue_basis, coalesce(revenue_currency, ''), refunded, transaction_id, created_at`

func scanLot(row pgx.Row) (*Lot, error) {
	l := &Lot{}
	err := row.Scan(&l.ID, &l.WalletID, &l.Asset, &l.Purpose, &l.Amount, &l.Remaining, &l.Priority, &l.ExpiresAt, &l.ExpiredAt,
		&l.RevenueBasis, &l.RevenueCurrency, &l.Refunded, &l.TransactionID, &l.CreatedAt)
	return l, translate(err)
}

// openLots returns the lots with value left, expired or not.
func openLots(ctx context.Context, db dbtx, walletID, asset string) ([]*Lot, error) {
	rows, err := db.Query(ctx, `SELECT `+lotColumns+` FROM lots WHERE wallet_id = $1 AND asset = $2 AND remaining > 0`, walletID, asset)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Lot, error) { return scanLot(r) })
	return out, translate(err)
}

func getLot(ctx context.Context, db dbtx, walletID, id string) (*Lot, error) {
	return scanLot(db.QueryRow(ctx, `SELECT `+lotColumns+` FROM lots WHERE wallet_id = $1 AND id = $2`, walletID, id))
}

// heldAmount sums the active holds that have not expired at now.
func heldAmount(ctx context.Context, db dbtx, walletID, asset string, now time.Time) (Decimal, error) {
	var held Decimal
	err := db.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM authorizations
		WHERE wallet_id = $1 AND asset = $2 AND status = 'active' AND expires_at > $3`, walletID, asset, now).Scan(&held)
	return held, translate(err)
}

func setCreditLimit(ctx context.Context, db dbtx, walletID, asset string, limit Decimal, now time.Time) error {
	_, err := db.Exec(ctx, `UPDATE balances SET credit_limit = $3, updated_at = $4 WHERE wallet_id = $1 AND asset = $2`, walletID, asset, limit, now)
	return translate(err)
}

// queueBalanceWrites queues everything an operation did to one balance:
// ledger transactions, new lots, entries, changed lots, the balance row.
func queueBalanceWrites(batch *pgx.Batch, b *balanceState) {
	for _, p := range b.postings {
		batch.Queue(`INSERT INTO ledger_transactions (id, account_id, mode, kind, reference, wallet_id, description, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.id, b.c.AccountID, b.c.Mode, p.kind, p.reference, p.walletID, p.description, b.now)
	}
	isNew := map[string]bool{}
	for _, l := range b.newLots {
		isNew[l.ID] = true
		batch.Queue(`INSERT INTO lots (id, account_id, mode, wallet_id, asset, purpose, amount, remaining, priority, expires_at,
			revenue_basis, revenue_currency, transaction_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, nullif($12, ''), $13, $14)`,
			l.ID, b.c.AccountID, b.c.Mode, l.WalletID, l.Asset, l.Purpose, l.Amount, l.Remaining, l.Priority, l.ExpiresAt,
			l.RevenueBasis, l.RevenueCurrency, l.TransactionID, l.CreatedAt)
	}
	for _, p := range b.postings {
		queueEntries(batch, b.c, p, b.now)
	}
	ids := make([]string, 0, len(b.touched))
	for id := range b.touched {
		if !isNew[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		l := b.touched[id]
		batch.Queue(`UPDATE lots SET remaining = $2, expired_at = $3, refunded = $4 WHERE id = $1`, l.ID, l.Remaining, l.ExpiredAt, l.Refunded)
	}
	batch.Queue(`UPDATE balances SET posted = $3, debt = $4, updated_at = $5 WHERE wallet_id = $1 AND asset = $2`,
		b.walletID, b.asset.Code, b.posted, b.debt, b.now)
}

func queueEntries(batch *pgx.Batch, c Caller, p *posting, now time.Time) {
	n := len(p.entries)
	accounts, wallets, lots, assets := make([]string, n), make([]*string, n), make([]*string, n), make([]string, n)
	amounts := make([]Decimal, n)
	for i, e := range p.entries {
		accounts[i], assets[i], amounts[i] = e.account, e.asset, e.amount
		if e.wallet != "" {
			wallets[i] = &p.entries[i].wallet
		}
		if e.lot != "" {
			lots[i] = &p.entries[i].lot
		}
	}
	batch.Queue(`INSERT INTO ledger_entries (transaction_id, account_id, mode, ledger_account, wallet_id, lot_id, asset, amount, created_at)
		SELECT $1, $2, $3, a, w, l, s, m, $4 FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::numeric[]) AS e(a, w, l, s, m)`,
		p.id, c.AccountID, c.Mode, now, accounts, wallets, lots, assets, amounts)
}

// readBalances reads a wallet's balances as of now, without locking.
func readBalances(ctx context.Context, db dbtx, walletID string, now time.Time) ([]Balance, error) {
	rows, err := db.Query(ctx, `SELECT asset, debt, credit_limit FROM balances WHERE wallet_id = $1 ORDER BY asset`, walletID)
	if err != nil {
		return nil, translate(err)
	}
	bals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Balance, error) {
		var b Balance
		err := r.Scan(&b.Asset, &b.Debt, &b.CreditLimit)
		return b, err
	})
	if err != nil {
		return nil, translate(err)
	}
	for i := range bals {
		b := &bals[i]
		b.At = now
		lots, err := openLots(ctx, db, walletID, b.Asset)
		if err != nil {
			return nil, err
		}
		sum := Zero
		b.Lots = []Lot{}
		sort.SliceStable(lots, func(i, j int) bool { return burnsBefore(lots[i], lots[j]) })
		for _, l := range lots {
			if l.ExpiresAt != nil && !l.ExpiresAt.After(now) {
				continue // expired: never counts, swept or not
			}
			sum = sum.Add(l.Remaining)
			b.Lots = append(b.Lots, *l)
		}
		if b.Held, err = heldAmount(ctx, db, walletID, b.Asset, now); err != nil {
			return nil, err
		}
		b.Total = sum.Sub(b.Debt)
		b.Available = b.Total.Sub(b.Held)
	}
	return bals, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
