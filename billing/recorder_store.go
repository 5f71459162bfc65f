package billing

import (
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// Set-based statements for a batch of usage events: each step is one
// statement however many events, wallets or fees the batch holds.

type eventKey struct{ account, mode, id string }

// queueInsertEvents inserts events that are new; inserted collects the keys of
// those that were.
func queueInsertEvents(batch *pgx.Batch, callers []Caller, events []Event, hashes [][]byte, inserted map[eventKey]bool) error {
	n := len(events)
	accounts, modes, ids, customers, wallets, types, auths := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	datas, costs := make([]string, n), make([]*string, n)
	at, created := make([]time.Time, n), make([]time.Time, n)
	for i, e := range events {
		d, err := json.Marshal(e.Data)
		if err != nil {
			return Invalidf("data", "data must be a JSON object")
		}
		if e.Costs != nil {
			b, _ := json.Marshal(costRows(e.Costs))
			s := string(b)
			costs[i] = &s
		}
		accounts[i], modes[i], ids[i], customers[i], wallets[i], types[i], auths[i] = callers[i].AccountID, string(callers[i].Mode), e.ID, e.CustomerID, e.WalletID, e.EventType, e.AuthorizationID
		datas[i], at[i], created[i] = string(d), e.OccurredAt, e.CreatedAt
	}
	batch.Queue(`INSERT INTO events (account_id, mode, id, request_hash, customer_id, wallet_id, event_type, occurred_at, data, costs,
			authorization_id, created_at)
		SELECT a, m, id, h, cus, w, et, t, d::jsonb, c::jsonb, nullif(auth, ''), created
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[],
			$10::text[], $11::text[], $12::timestamptz[]) AS x(a, m, id, h, cus, w, et, t, d, c, auth, created)
		ON CONFLICT (account_id, mode, id) DO NOTHING
		RETURNING account_id, mode, id`,
		accounts, modes, ids, hashes, customers, wallets, types, at, datas, costs, auths, created).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k eventKey
				if err := rows.Scan(&k.account, &k.mode, &k.id); err != nil {
					return err
				}
				inserted[k] = true
			}
			return rows.Err()
		})
	return nil
}

// queueVersionsForEvents runs versionsForEventSQL for every (customer, event
// type, time) at once; out[i] receives the versions of the i-th.
func queueVersionsForEvents(batch *pgx.Batch, customers, types []string, at []time.Time, out [][]pricedVersion) {
	batch.Queue(`SELECT x.i, v.* FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS x(cus, et, t, i)
		CROSS JOIN LATERAL (`+versionsForEventLateral+`) v`, customers, types, at).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var i int64
				var pv pricedVersion
				var prices, ents []byte
				if err := rows.Scan(&i, &pv.ProductID, &pv.ProductCode, &pv.Version.ID, &pv.Version.ProductID, &pv.Version.Version, &prices, &ents, &pv.Version.PublishedAt); err != nil {
					return err
				}
				var err error
				if pv.Version.Prices, pv.Version.Entitlements, err = decodeVersion(prices, ents); err != nil {
					return err
				}
				out[i-1] = append(out[i-1], pv)
			}
			return rows.Err()
		})
}

// versionsForEventLateral is versionsForEventSQL over the columns of x.
const versionsForEventLateral = `SELECT DISTINCT ON (s.product_id) s.product_id, p.code,
		v.id, v.product_id, v.version, v.prices, v.entitlements, v.published_at
	FROM subscriptions s
	JOIN products p ON p.id = s.product_id
	JOIN product_versions v ON v.product_id = s.product_id AND v.version = s.version
	WHERE s.customer_id = x.cus AND p.event_type = x.et AND (s.ended_at IS NULL OR s.ended_at > x.t OR s.started_at > x.t)
	ORDER BY s.product_id, (s.started_at <= x.t) DESC, CASE WHEN s.started_at <= x.t THEN s.started_at END DESC, s.started_at`

// queueLockBalances creates missing balance rows, locks the rows in key order
// and loads their lots and holds: four statements for any number of balances.
// states must be sorted by (wallet, asset).
func queueLockBalances(batch *pgx.Batch, states []*balanceState, now time.Time) {
	n := len(states)
	if n == 0 {
		return
	}
	wallets, assets, accounts, modes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	index := make(map[[2]string]*balanceState, n)
	for i, b := range states {
		wallets[i], assets[i], accounts[i], modes[i] = b.walletID, b.asset.Code, b.c.AccountID, string(b.c.Mode)
		b.touched = map[string]*Lot{}
		index[[2]string{b.walletID, b.asset.Code}] = b
	}
	batch.Queue(`INSERT INTO balances (wallet_id, asset, account_id, mode, updated_at)
		SELECT w, s, a, m, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(w, s, a, m)
		ON CONFLICT DO NOTHING`, wallets, assets, accounts, modes, now)
	// One primary-key probe per balance, locked in key order. A join would let
	// the planner hash the whole table, a plan that, chosen while it is small,
	// stays cached as it grows; the lateral subquery leaves it only the key.
	batch.Queue(`SELECT b.* FROM (SELECT * FROM unnest($1::text[], $2::text[]) AS x(w, s) ORDER BY w, s) x
		CROSS JOIN LATERAL (SELECT wallet_id, asset, posted, debt, credit_limit FROM balances
			WHERE wallet_id = x.w AND asset = x.s FOR UPDATE) b`, wallets, assets).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var w, s string
				var posted, debt, limit Decimal
				if err := rows.Scan(&w, &s, &posted, &debt, &limit); err != nil {
					return err
				}
				b := index[[2]string{w, s}]
				b.posted, b.debt, b.creditLimit = posted, debt, limit
			}
			return rows.Err()
		})
	batch.Queue(`SELECT l.* FROM unnest($1::text[], $2::text[]) AS x(w, s)
		CROSS JOIN LATERAL (SELECT `+lotColumns+` FROM lots WHERE wallet_id = x.w AND asset = x.s AND remaining > 0 OFFSET 0) l`, wallets, assets).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				l, err := scanLot(rows)
				if err != nil {
					return err
				}
				b := index[[2]string{l.WalletID, l.Asset}]
				b.lots = append(b.lots, l)
			}
			return rows.Err()
		})
	batch.Queue(`SELECT x.w, x.s, h.held FROM unnest($1::text[], $2::text[]) AS x(w, s)
		CROSS JOIN LATERAL (SELECT coalesce(sum(amount), 0) AS held FROM authorizations
			WHERE wallet_id = x.w AND asset = x.s AND status = 'active' AND expires_at > $3) h`, wallets, assets, now).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var w, s string
				var held Decimal
				if err := rows.Scan(&w, &s, &held); err != nil {
					return err
				}
				index[[2]string{w, s}].held = held
			}
			return rows.Err()
		})
}

// feeRow is a fee with what its row needs besides the fee.
type feeRow struct {
	c          Caller
	fee        Fee
	customerID string
	txn        string
	occurredAt time.Time
	createdAt  time.Time
}

// queueInsertFeeRows inserts fees of many events with one statement.
func queueInsertFeeRows(batch *pgx.Batch, rows []feeRow) {
	n := len(rows)
	if n == 0 {
		return
	}
	ids, accounts, modes, events, customers, products, prices, names, assets, breakdowns := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	txns := make([]*string, n)
	versions := make([]int32, n)
	amounts, quantities := make([]Decimal, n), make([]Decimal, n)
	at, created := make([]time.Time, n), make([]time.Time, n)
	for i, r := range rows {
		f := r.fee
		ids[i], accounts[i], modes[i], events[i], customers[i] = f.ID, r.c.AccountID, string(r.c.Mode), f.EventID, r.customerID
		products[i], prices[i], names[i], assets[i], breakdowns[i] = f.ProductID, f.PriceID, f.PriceName, f.Asset, f.Breakdown
		txns[i], versions[i], amounts[i], quantities[i], at[i], created[i] = nullable(r.txn), int32(f.Version), f.Amount, f.Quantity, r.occurredAt, r.createdAt
	}
	batch.Queue(`INSERT INTO fees (id, account_id, mode, event_id, customer_id, product_id, version, price_id, price_name, asset, amount, quantity,
			breakdown, transaction_id, occurred_at, created_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[],
			$10::text[], $11::numeric[], $12::numeric[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[])`,
		ids, accounts, modes, events, customers, products, versions, prices, names, assets, amounts, quantities, breakdowns, txns, at, created)
}
