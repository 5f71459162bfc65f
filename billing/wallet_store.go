package billing

import (
	"context"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/rating"
)

// walletFromRow maps the row of GetWalletByID, GetWalletByName and
// ListWallets (a wallet's columns and its customer's test clock).
func walletFromRow(r dbsqlc.ListWalletsRow) Wallet {
	return Wallet{ID: r.ID, AccountID: r.AccountID, Mode: Mode(r.Mode), CustomerID: r.CustomerID, Name: r.Name,
		IsDefault: r.IsDefault, CreatedAt: r.CreatedAt, TestClockID: r.TestClockID}
}

func insertWallet(ctx context.Context, db DBTX, w Wallet) (bool, error) {
	n, err := queries.InsertWallet(ctx, db, dbsqlc.InsertWalletParams{ID: w.ID, AccountID: w.AccountID, Mode: string(w.Mode),
		CustomerID: w.CustomerID, Name: w.Name, IsDefault: w.IsDefault, CreatedAt: w.CreatedAt})
	return n == 1, Translate(err)
}

func getWalletByID(ctx context.Context, db DBTX, c Caller, id string) (Wallet, error) {
	r, err := queries.GetWalletByID(ctx, db, dbsqlc.GetWalletByIDParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: id})
	return walletFromRow(dbsqlc.ListWalletsRow(r)), Translate(err)
}

func getWalletByName(ctx context.Context, db DBTX, c Caller, customerID, name string) (Wallet, error) {
	r, err := queries.GetWalletByName(ctx, db, dbsqlc.GetWalletByNameParams{AccountID: c.AccountID, Mode: string(c.Mode),
		CustomerID: customerID, Name: name})
	return walletFromRow(dbsqlc.ListWalletsRow(r)), Translate(err)
}

func listWallets(ctx context.Context, db DBTX, c Caller, customerID string) ([]Wallet, error) {
	rows, err := queries.ListWallets(ctx, db, dbsqlc.ListWalletsParams{AccountID: c.AccountID, Mode: string(c.Mode), CustomerID: customerID})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Wallet, len(rows))
	for i, r := range rows {
		out[i] = walletFromRow(r)
	}
	return out, nil
}

// lotFromRow maps the row of OpenLots and GetLot (same fields).
func lotFromRow(r dbsqlc.OpenLotsRow) *Lot {
	return &Lot{ID: r.ID, WalletID: r.WalletID, Asset: r.Asset, Purpose: LotPurpose(r.Purpose), Amount: r.Amount, Remaining: r.Remaining,
		Priority: int(r.Priority), ExpiresAt: r.ExpiresAt, ExpiredAt: r.ExpiredAt, RevenueBasis: r.RevenueBasis,
		RevenueCurrency: r.RevenueCurrency, Refunded: r.Refunded, TransactionID: r.TransactionID, CreatedAt: r.CreatedAt}
}

// lotColumns and scanLot stay for the hand-written usage batch
// (recorder_store.go), which reads open lots of many balances in one
// statement on its pgx.Batch; keep them in step with OpenLots.
const lotColumns = `id, wallet_id, asset, purpose, amount, remaining, priority, expires_at, expired_at,
	revenue_basis, coalesce(revenue_currency, ''), refunded, transaction_id, created_at`

func scanLot(row pgx.Row) (*Lot, error) {
	l := &Lot{}
	err := row.Scan(&l.ID, &l.WalletID, &l.Asset, &l.Purpose, &l.Amount, &l.Remaining, &l.Priority, &l.ExpiresAt, &l.ExpiredAt,
		&l.RevenueBasis, &l.RevenueCurrency, &l.Refunded, &l.TransactionID, &l.CreatedAt)
	return l, Translate(err)
}

// openLots returns the lots with value left, expired or not.
func openLots(ctx context.Context, db DBTX, walletID, asset string) ([]*Lot, error) {
	rows, err := queries.OpenLots(ctx, db, dbsqlc.OpenLotsParams{WalletID: walletID, Asset: asset})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]*Lot, len(rows))
	for i, r := range rows {
		out[i] = lotFromRow(r)
	}
	return out, nil
}

func getLot(ctx context.Context, db DBTX, walletID, id string) (*Lot, error) {
	r, err := queries.GetLot(ctx, db, dbsqlc.GetLotParams{WalletID: walletID, ID: id})
	return lotFromRow(dbsqlc.OpenLotsRow(r)), Translate(err)
}

// heldAmount sums the active holds that have not expired at now.
func heldAmount(ctx context.Context, db DBTX, walletID, asset string, now time.Time) (rating.Decimal, error) {
	held, err := queries.HeldAmount(ctx, db, dbsqlc.HeldAmountParams{WalletID: walletID, Asset: asset, Now: now})
	return held, Translate(err)
}

func setCreditLimit(ctx context.Context, db DBTX, walletID, asset string, limit rating.Decimal, now time.Time) error {
	return Translate(queries.SetCreditLimit(ctx, db, dbsqlc.SetCreditLimitParams{WalletID: walletID, Asset: asset, CreditLimit: limit, UpdatedAt: now}))
}

// queueBalanceWrites queues everything operations did to a set of balances —
// ledger transactions, new lots, entries, changed lots, balance rows — as five
// multi-row statements however many balances and postings there are.
//
// It stays hand-written pgx, not sqlc: it queues its statements on the
// caller's pgx.Batch, which a pipeTx sends with BEGIN and COMMIT in one round
// trip, and queues only the statements that have rows; sqlc's generated
// methods each run one statement on their own round trip.
func queueBalanceWrites(batch *pgx.Batch, states ...*balanceState) {
	var t struct {
		id, account, mode, kind, ref, wallet, desc []string
		at                                         []time.Time
	}
	var e struct {
		txn, account, mode, ledger, asset []string
		wallet, lot                       []*string
		amount                            []rating.Decimal
		at                                []time.Time
	}
	var nl struct {
		id, account, mode, wallet, asset, purpose, revCy, txn []string
		amount, remaining                                     []rating.Decimal
		basis                                                 []*rating.Decimal
		priority                                              []int32
		expires                                               []*time.Time
		created                                               []time.Time
	}
	var ul struct {
		id                  []string
		remaining, refunded []rating.Decimal
		expired             []*time.Time
	}
	var ub struct {
		wallet, asset []string
		posted, debt  []rating.Decimal
		at            []time.Time
	}
	for _, b := range states {
		acct, mode := b.c.AccountID, string(b.c.Mode)
		for _, p := range b.postings {
			t.id, t.account, t.mode, t.kind = append(t.id, p.id), append(t.account, acct), append(t.mode, mode), append(t.kind, p.kind)
			t.ref, t.wallet, t.desc, t.at = append(t.ref, p.reference), append(t.wallet, p.walletID), append(t.desc, p.description), append(t.at, b.now)
			for k := range p.entries {
				en := &p.entries[k]
				e.txn, e.account, e.mode, e.ledger, e.asset = append(e.txn, p.id), append(e.account, acct), append(e.mode, mode), append(e.ledger, en.account), append(e.asset, en.asset)
				e.wallet, e.lot = append(e.wallet, nullable(en.wallet)), append(e.lot, nullable(en.lot))
				e.amount, e.at = append(e.amount, en.amount), append(e.at, b.now)
			}
		}
		isNew := map[string]bool{}
		for _, l := range b.newLots {
			isNew[l.ID] = true
			nl.id, nl.account, nl.mode, nl.wallet, nl.asset = append(nl.id, l.ID), append(nl.account, acct), append(nl.mode, mode), append(nl.wallet, l.WalletID), append(nl.asset, l.Asset)
			nl.purpose, nl.revCy, nl.txn = append(nl.purpose, string(l.Purpose)), append(nl.revCy, l.RevenueCurrency), append(nl.txn, l.TransactionID)
			nl.amount, nl.remaining, nl.basis = append(nl.amount, l.Amount), append(nl.remaining, l.Remaining), append(nl.basis, l.RevenueBasis)
			nl.priority, nl.expires, nl.created = append(nl.priority, int32(l.Priority)), append(nl.expires, l.ExpiresAt), append(nl.created, l.CreatedAt)
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
			ul.id, ul.remaining, ul.refunded, ul.expired = append(ul.id, l.ID), append(ul.remaining, l.Remaining), append(ul.refunded, l.Refunded), append(ul.expired, l.ExpiredAt)
		}
		if len(b.postings) == 0 && len(ids) == 0 && len(b.newLots) == 0 {
			continue // unchanged (an authorization's hold only reads it): no write
		}
		ub.wallet, ub.asset, ub.posted, ub.debt, ub.at = append(ub.wallet, b.walletID), append(ub.asset, b.asset.Code), append(ub.posted, b.posted), append(ub.debt, b.debt), append(ub.at, b.now)
	}
	if len(t.id) > 0 {
		batch.Queue(`INSERT INTO ledger_transactions (id, account_id, mode, kind, reference, wallet_id, description, created_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])`,
			t.id, t.account, t.mode, t.kind, t.ref, t.wallet, t.desc, t.at)
	}
	if len(nl.id) > 0 {
		batch.Queue(`INSERT INTO lots (id, account_id, mode, wallet_id, asset, purpose, amount, remaining, priority, expires_at,
			revenue_basis, revenue_currency, transaction_id, created_at)
			SELECT id, a, m, w, s, p, amt, rem, pri, exp, basis, nullif(cy, ''), txn, at
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::int[],
				$10::timestamptz[], $11::numeric[], $12::text[], $13::text[], $14::timestamptz[])
				AS l(id, a, m, w, s, p, amt, rem, pri, exp, basis, cy, txn, at)`,
			nl.id, nl.account, nl.mode, nl.wallet, nl.asset, nl.purpose, nl.amount, nl.remaining, nl.priority, nl.expires, nl.basis, nl.revCy, nl.txn, nl.created)
	}
	if len(e.txn) > 0 {
		batch.Queue(`INSERT INTO ledger_entries (transaction_id, account_id, mode, ledger_account, wallet_id, lot_id, asset, amount, created_at)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[], $9::timestamptz[])`,
			e.txn, e.account, e.mode, e.ledger, e.wallet, e.lot, e.asset, e.amount, e.at)
	}
	if len(ul.id) > 0 {
		// Each row is found by its key in a lateral subquery and updated by its
		// ctid: a join on the key would let the planner hash the whole table, a
		// plan that, chosen while the table is small, stays cached as it grows.
		batch.Queue(`UPDATE lots SET remaining = v.remaining, expired_at = v.expired_at, refunded = v.refunded
			FROM (SELECT u.*, k.tid FROM unnest($1::text[], $2::numeric[], $3::timestamptz[], $4::numeric[]) AS u(id, remaining, expired_at, refunded)
				CROSS JOIN LATERAL (SELECT ctid AS tid FROM lots WHERE id = u.id OFFSET 0) k) v
			WHERE lots.ctid = v.tid`, ul.id, ul.remaining, ul.expired, ul.refunded)
	}
	if len(ub.wallet) > 0 {
		batch.Queue(`UPDATE balances SET posted = v.posted, debt = v.debt, updated_at = v.at
			FROM (SELECT u.*, k.tid FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::timestamptz[]) AS u(wallet, asset, posted, debt, at)
				CROSS JOIN LATERAL (SELECT ctid AS tid FROM balances WHERE wallet_id = u.wallet AND asset = u.asset OFFSET 0) k) v
			WHERE balances.ctid = v.tid`, ub.wallet, ub.asset, ub.posted, ub.debt, ub.at)
	}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// readBalances reads a wallet's balances as of now, without locking.
func readBalances(ctx context.Context, db DBTX, walletID string, now time.Time) ([]Balance, error) {
	rows, err := queries.ListBalances(ctx, db, walletID)
	if err != nil {
		return nil, Translate(err)
	}
	bals := make([]Balance, len(rows))
	for i, r := range rows {
		bals[i] = Balance{Asset: r.Asset, Precision: r.Precision, Debt: r.Debt, CreditLimit: r.CreditLimit}
	}
	for i := range bals {
		b := &bals[i]
		b.At = now
		lots, err := openLots(ctx, db, walletID, b.Asset)
		if err != nil {
			return nil, err
		}
		sum := rating.Zero
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

type dueBalance struct {
	c             Caller
	wallet, asset string
}

// dueBalances finds balances holding lots whose expiry is due but not yet
// written to the ledger.
func dueBalances(ctx context.Context, db DBTX, clock *string, now time.Time, limit int) ([]dueBalance, error) {
	rows, err := queries.DueBalances(ctx, db, dbsqlc.DueBalancesParams{Now: &now, Clock: clock, Lim: int32(limit)})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]dueBalance, len(rows))
	for i, r := range rows {
		out[i] = dueBalance{c: Caller{AccountID: r.AccountID, Mode: Mode(r.Mode)}, wallet: r.WalletID, asset: r.Asset}
	}
	return out, nil
}
