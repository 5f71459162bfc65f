package profitability

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// Rollup grains (see the migration).
const (
	grainDay         = "day"
	grainMonth       = "month"
	grainMonthNoDims = "month_no_dims"
)

// foldBatch is how many events a fold reads per round trip.
const foldBatch = 50000

type rollupInterval struct {
	grain    string
	from, to time.Time
}

func reportingCurrency(ctx context.Context, db billing.DBTX, c billing.Caller) (string, error) {
	var cur string
	err := db.QueryRow(ctx, `SELECT reporting_currency FROM accounts WHERE id = $1`, c.AccountID).Scan(&cur)
	return cur, billing.Translate(err)
}

// effectiveDimensions returns the account's own dimension keys and those of
// every dimensional price in its catalog, sorted.
func effectiveDimensions(ctx context.Context, db billing.DBTX, c billing.Caller) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT key FROM profitability_dimensions WHERE account_id = $1 AND mode = $2
		UNION
		SELECT d FROM products p
			JOIN product_versions v ON v.product_id = p.id
			CROSS JOIN LATERAL jsonb_array_elements(v.prices) pr
			CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(pr->'dimensions', '[]'::jsonb)) d
		WHERE p.account_id = $1 AND p.mode = $2 AND pr->>'model' = 'dimensional'
		ORDER BY 1`, c.AccountID, c.Mode)
	if err != nil {
		return nil, billing.Translate(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if keys == nil {
		keys = []string{}
	}
	return keys, billing.Translate(err)
}

func replaceDimensions(ctx context.Context, tx pgx.Tx, c billing.Caller, keys []string, now time.Time) error {
	if _, err := tx.Exec(ctx, `DELETE FROM profitability_dimensions WHERE account_id = $1 AND mode = $2`, c.AccountID, c.Mode); err != nil {
		return billing.Translate(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO profitability_dimensions (account_id, mode, key, created_at)
		SELECT $1, $2, k, $4 FROM unnest($3::text[]) k`, c.AccountID, c.Mode, keys, now); err != nil {
		return billing.Translate(err)
	}
	return nil
}

// loadRateBook reads every rate into currency.
func loadRateBook(ctx context.Context, db billing.DBTX, c billing.Caller, currency string) (*rateBook, error) {
	rows, err := db.Query(ctx, `SELECT asset, rate, effective_at FROM asset_rates
		WHERE account_id = $1 AND mode = $2 AND currency = $3 ORDER BY asset, effective_at`, c.AccountID, c.Mode, currency)
	if err != nil {
		return nil, billing.Translate(err)
	}
	defer rows.Close()
	rb := &rateBook{currency: currency, rates: map[string][]datedRate{}}
	for rows.Next() {
		var asset string
		var r datedRate
		if err := rows.Scan(&asset, &r.rate, &r.at); err != nil {
			return nil, billing.Translate(err)
		}
		rb.rates[asset] = append(rb.rates[asset], r)
	}
	return rb, billing.Translate(rows.Err())
}

// eventSelector says which events scanEvents reads.
type eventSelector struct {
	kind     int
	from, to time.Time // selectRange: occurred_at in [from, to); selectRefold: occurred_at >= from
	through  int64     // selectRefold: folded events are those up to through and the pending ones
	id       string    // selectOne
}

const (
	selectNew    = iota // not folded yet: above folded_through and not pending
	selectRefold        // folded, occurred from a date on
	selectRange         // every event of a period
	selectOne           // one event by id
)

const eventScanSQL = `SELECT e.seq, e.id, e.customer_id, e.event_type, e.occurred_at,
		coalesce((SELECT jsonb_object_agg(d.key, d.value) FROM jsonb_each(e.data) d WHERE d.key = ANY($3::text[])), '{}'::jsonb),
		e.costs
	FROM events e
	WHERE e.account_id = $1 AND e.mode = $2 AND e.seq > $4 `

const pendingSQL = `EXISTS (SELECT 1 FROM profitability_pending p WHERE p.account_id = e.account_id AND p.mode = e.mode AND p.seq = e.seq)`

var eventScanWhere = map[int]string{
	selectNew:    `AND NOT ` + pendingSQL,
	selectRefold: `AND e.occurred_at >= $6 AND (e.seq <= $7 OR ` + pendingSQL + `)`,
	selectRange:  `AND e.occurred_at >= $6 AND e.occurred_at < $7`,
	selectOne:    `AND e.id = $6`,
}

// scanEvents reads the selected events in seq order, a batch at a time, with
// their fees and the wallet entries of the usage transactions that debited
// them, and hands each batch to fn.
func scanEvents(ctx context.Context, db billing.DBTX, c billing.Caller, dims []string, sel eventSelector, fn func([]*rawEvent, map[string][]rawPiece) error) error {
	var after int64
	for {
		args := []any{c.AccountID, c.Mode, dims, after, foldBatch}
		switch sel.kind {
		case selectRefold:
			args = append(args, sel.from, sel.through)
		case selectRange:
			args = append(args, sel.from, sel.to)
		case selectOne:
			args = append(args, sel.id)
		}
		evs, err := loadEventBatch(ctx, db, eventScanSQL+eventScanWhere[sel.kind]+` ORDER BY e.seq LIMIT $5`, args, dims)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		pieces, err := attachFees(ctx, db, c, evs)
		if err != nil {
			return err
		}
		if err := fn(evs, pieces); err != nil {
			return err
		}
		if len(evs) < foldBatch {
			return nil
		}
		after = evs[len(evs)-1].seq
	}
}

func loadEventBatch(ctx context.Context, db billing.DBTX, sql string, args []any, dims []string) ([]*rawEvent, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, billing.Translate(err)
	}
	defer rows.Close()
	var evs []*rawEvent
	for rows.Next() {
		ev := &rawEvent{}
		var data, costs []byte
		if err := rows.Scan(&ev.seq, &ev.id, &ev.customerID, &ev.eventType, &ev.occurredAt, &data, &costs); err != nil {
			return nil, billing.Translate(err)
		}
		m, cs, err := billing.DecodeEvent(data, costs)
		if err != nil {
			return nil, fmt.Errorf("decode event %s: %w", ev.id, err)
		}
		ev.costs = cs
		if costs != nil && cs == nil {
			ev.costs = []rating.Cost{}
		}
		ev.dims, ev.dimsJSON = dimsOf(m, dims)
		evs = append(evs, ev)
	}
	return evs, billing.Translate(rows.Err())
}

// attachFees loads the events' fees and the wallet entries that paid them.
func attachFees(ctx context.Context, db billing.DBTX, c billing.Caller, evs []*rawEvent) (map[string][]rawPiece, error) {
	ids := make([]string, len(evs))
	byID := make(map[string]*rawEvent, len(evs))
	for i, ev := range evs {
		ids[i], byID[ev.id] = ev.id, ev
	}
	rows, err := db.Query(ctx, `SELECT event_id, product_id, version, asset, amount, coalesce(transaction_id, '') FROM fees
		WHERE account_id = $1 AND mode = $2 AND event_id = ANY($3::text[])`, c.AccountID, c.Mode, ids)
	if err != nil {
		return nil, billing.Translate(err)
	}
	txns := map[string]bool{}
	for rows.Next() {
		var id string
		var f rawFee
		if err := rows.Scan(&id, &f.productID, &f.version, &f.asset, &f.amount, &f.txn); err != nil {
			rows.Close()
			return nil, billing.Translate(err)
		}
		byID[id].fees = append(byID[id].fees, f)
		if f.txn != "" {
			txns[f.txn] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, billing.Translate(err)
	}
	pieces := map[string][]rawPiece{}
	if len(txns) == 0 {
		return pieces, nil
	}
	rows, err = db.Query(ctx, `SELECT le.transaction_id, le.amount, l.id IS NOT NULL, coalesce(l.purpose, ''), coalesce(l.amount, 0),
			l.revenue_basis, coalesce(l.revenue_currency, '')
		FROM ledger_entries le LEFT JOIN lots l ON l.id = le.lot_id
		WHERE le.transaction_id = ANY($1::text[]) AND le.ledger_account = 'wallet' AND le.account_id = $2 AND le.mode = $3
		ORDER BY le.transaction_id, le.id`, sortedKeys(txns), c.AccountID, c.Mode)
	if err != nil {
		return nil, billing.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var txn string
		var amount rating.Decimal
		var hasLot bool
		var lot rawLot
		if err := rows.Scan(&txn, &amount, &hasLot, &lot.purpose, &lot.amount, &lot.basis, &lot.basisCurrency); err != nil {
			return nil, billing.Translate(err)
		}
		p := rawPiece{take: amount.Neg()}
		if hasLot {
			p.lot = &lot
		}
		if p.take.IsPositive() {
			pieces[txn] = append(pieces[txn], p)
		}
	}
	return pieces, billing.Translate(rows.Err())
}

// foldState is the progress of an account's rollups (profitability_state).
type foldState struct {
	currency      string
	dims          []string
	foldedThrough int64
	horizonSeq    int64
	horizonVxids  []string
	maxOccurred   *time.Time
}

// foldProfitability brings the account's rollups up to date with every event
// committed before it started, and returns their state.
//
// events.seq is taken when an event is inserted, but transactions commit in
// any order: an event with a smaller seq than one already folded may still
// commit. So the fold keeps a watermark, folded_through, below which every
// event is folded and final, and lists the events folded above it
// (profitability_pending). The watermark moves up to the identity value read
// at an earlier fold (horizon_seq) once every transaction then writing to the
// events table (horizon_vxids, from pg_locks: a transaction holds that lock
// from before it draws a seq until it ends) has ended: any seq drawn before
// that read belonged to one of them, or to one that had already ended. Folds
// of one account and mode run one at a time under an advisory lock.
func (s *Service) foldProfitability(ctx context.Context, c billing.Caller) (foldState, error) {
	var st foldState
	err := billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			"tollgate.profitability:"+c.AccountID+":"+string(c.Mode)); err != nil {
			return billing.Translate(err)
		}
		var found, changed bool
		var err error
		if st, found, changed, err = startFold(ctx, tx, c); err != nil {
			return err
		}
		rb, err := loadRateBook(ctx, tx, c, st.currency)
		if err != nil {
			return err
		}
		refolded, err := refoldNewRates(ctx, tx, c, &st, rb)
		if err != nil {
			return err
		}
		through, err := advanceHorizon(ctx, tx, &st)
		if err != nil {
			return err
		}
		folded, pending, err := foldNew(ctx, tx, c, &st, rb, through)
		if err != nil {
			return err
		}
		if err := settlePending(ctx, tx, c, st.foldedThrough, through, pending); err != nil {
			return err
		}
		if folded == 0 && through == st.foldedThrough && found && !changed && !refolded {
			// Only the horizon would change, and it matters only while
			// events above the watermark are pending: a query that finds
			// nothing new writes nothing.
			var waiting bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM profitability_pending WHERE account_id = $1 AND mode = $2)`,
				c.AccountID, c.Mode).Scan(&waiting); err != nil || !waiting {
				return billing.Translate(err)
			}
		}
		st.foldedThrough = through
		return saveFoldState(ctx, tx, c, st, s.clock())
	})
	return st, err
}

// startFold loads the fold's state; when there is none, or the reporting
// currency or the dimension set changed (every value changes then), it
// empties the rollups and starts again from nothing.
func startFold(ctx context.Context, tx pgx.Tx, c billing.Caller) (st foldState, found, changed bool, err error) {
	currency, err := reportingCurrency(ctx, tx, c)
	if err != nil {
		return st, false, false, err
	}
	dims, err := effectiveDimensions(ctx, tx, c)
	if err != nil {
		return st, false, false, err
	}
	if st, found, err = loadFoldState(ctx, tx, c); err != nil {
		return st, false, false, err
	}
	changed = !found || st.currency != currency || !slices.Equal(st.dims, dims)
	if changed {
		if err := resetRollups(ctx, tx, c); err != nil {
			return st, found, changed, err
		}
		st = foldState{currency: currency, dims: dims}
	}
	return st, found, changed, nil
}

// refoldNewRates re-values what was folded since a rate no earlier fold had
// seen took effect (a rate added after the fact): it folds again from the
// start of that rate's month. It reports whether it did.
func refoldNewRates(ctx context.Context, tx pgx.Tx, c billing.Caller, st *foldState, rb *rateBook) (bool, error) {
	firstNew, err := markRatesSeen(ctx, tx, c, rb)
	if err != nil {
		return false, err
	}
	if firstNew == nil || st.maxOccurred == nil || firstNew.After(*st.maxOccurred) {
		return false, nil
	}
	from := rating.PeriodStart(*firstNew)
	if _, err := tx.Exec(ctx, `DELETE FROM profitability_rollups WHERE account_id = $1 AND mode = $2 AND period >= $3::date`,
		c.AccountID, c.Mode, from); err != nil {
		return true, billing.Translate(err)
	}
	acc := newRollupAcc(st, rb)
	refold := eventSelector{kind: selectRefold, from: from, through: st.foldedThrough}
	if err := scanEvents(ctx, tx, c, st.dims, refold, func(evs []*rawEvent, pieces map[string][]rawPiece) error {
		return acc.add(ctx, tx, c, evs, pieces)
	}); err != nil {
		return true, err
	}
	return true, acc.flush(ctx, tx, c, true)
}

// advanceHorizon returns how far the watermark may move (see
// foldProfitability) and, once the writers seen by the previous fold have
// ended, records a new horizon in st.
func advanceHorizon(ctx context.Context, tx pgx.Tx, st *foldState) (int64, error) {
	prevDone := true
	if len(st.horizonVxids) > 0 {
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY($1::text[]))`,
			st.horizonVxids).Scan(&prevDone); err != nil {
			return 0, billing.Translate(err)
		}
	}
	// The identity value first, then the writers: see foldProfitability.
	var last int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass), 0)`).Scan(&last); err != nil {
		return 0, billing.Translate(err)
	}
	var writers []string
	if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{}') FROM pg_locks
		WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND relation = 'events'::regclass
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND pid IS DISTINCT FROM pg_backend_pid()`).Scan(&writers); err != nil {
		return 0, billing.Translate(err)
	}
	through := st.foldedThrough
	if prevDone {
		through = max(through, st.horizonSeq)
		st.horizonSeq, st.horizonVxids = last, writers
	}
	if len(writers) == 0 {
		through = max(through, last)
	}
	return through, nil
}

// settlePending forgets the pending events the watermark moved past and
// lists those just folded above it.
func settlePending(ctx context.Context, tx pgx.Tx, c billing.Caller, foldedThrough, through int64, pending []int64) error {
	if through > foldedThrough {
		if _, err := tx.Exec(ctx, `DELETE FROM profitability_pending WHERE account_id = $1 AND mode = $2 AND seq <= $3`,
			c.AccountID, c.Mode, through); err != nil {
			return billing.Translate(err)
		}
	}
	if len(pending) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO profitability_pending (account_id, mode, seq) SELECT $1, $2, unnest($3::bigint[])
			ON CONFLICT DO NOTHING`, c.AccountID, c.Mode, pending); err != nil {
			return billing.Translate(err)
		}
	}
	return nil
}

// foldNew folds the events not folded yet and returns how many it folded and
// the seqs it folded above through, which become pending.
func foldNew(ctx context.Context, tx pgx.Tx, c billing.Caller, st *foldState, rb *rateBook, through int64) (int, []int64, error) {
	var pending []int64
	folded := 0
	acc := newRollupAcc(st, rb)
	after := st.foldedThrough
	for {
		evs, err := loadEventBatch(ctx, tx, eventScanSQL+eventScanWhere[selectNew]+` ORDER BY e.seq LIMIT $5`,
			[]any{c.AccountID, c.Mode, st.dims, after, foldBatch}, st.dims)
		if err != nil {
			return 0, nil, err
		}
		if len(evs) == 0 {
			break
		}
		pieces, err := attachFees(ctx, tx, c, evs)
		if err != nil {
			return 0, nil, err
		}
		if err := acc.add(ctx, tx, c, evs, pieces); err != nil {
			return 0, nil, err
		}
		folded += len(evs)
		for _, ev := range evs {
			if ev.seq > through {
				pending = append(pending, ev.seq)
			}
		}
		if len(evs) < foldBatch {
			break
		}
		after = evs[len(evs)-1].seq
	}
	return folded, pending, acc.flush(ctx, tx, c, true)
}

type rollupKey struct {
	grain      string
	period     time.Time
	customerID string
	productID  string
	version    int
	eventType  string
	dims       string
}

// maxDayRows is how many daily rows a fold gathers before writing them.
const maxDayRows = 50000

// rollupAcc gathers the rows a fold adds to and writes each once: daily rows
// when there are many (events come in seq order, which follows time, so a
// written day rarely comes back), monthly rows at the end. A row updated
// again and again in one transaction leaves a dead version each time, which
// no vacuum can remove before it commits.
type rollupAcc struct {
	st         *foldState
	rb         *rateBook
	day, month map[rollupKey]*sums
}

func newRollupAcc(st *foldState, rb *rateBook) *rollupAcc {
	return &rollupAcc{st: st, rb: rb, day: map[rollupKey]*sums{}, month: map[rollupKey]*sums{}}
}

// add values a batch of events and adds each to its five rows: day and month,
// with its customer and for all customers, and month by customer without
// dimension values.
func (a *rollupAcc) add(ctx context.Context, tx pgx.Tx, c billing.Caller, evs []*rawEvent, pieces map[string][]rawPiece) error {
	put := func(m map[rollupKey]*sums, k rollupKey, s sums) {
		if x := m[k]; x != nil {
			x.add(s)
			return
		}
		m[k] = &s
	}
	for _, ev := range evs {
		if a.st.maxOccurred == nil || ev.occurredAt.After(*a.st.maxOccurred) {
			t := ev.occurredAt
			a.st.maxOccurred = &t
		}
		day, month := utcDay(ev.occurredAt), rating.PeriodStart(ev.occurredAt)
		for _, ct := range valueEvent(ev, pieces, a.rb).contributions() {
			k := rollupKey{grainDay, day, ev.customerID, ct.productID, ct.version, ev.eventType, ev.dimsJSON}
			put(a.day, k, ct.s)
			k.customerID = ""
			put(a.day, k, ct.s)
			k.grain, k.period = grainMonth, month
			put(a.month, k, ct.s)
			k.customerID = ev.customerID
			put(a.month, k, ct.s)
			k.grain, k.dims = grainMonthNoDims, "{}"
			put(a.month, k, ct.s)
		}
	}
	if len(a.day) >= maxDayRows {
		return a.flush(ctx, tx, c, false)
	}
	return nil
}

// flush writes the daily rows, and the monthly ones too when all is set.
func (a *rollupAcc) flush(ctx context.Context, tx pgx.Tx, c billing.Caller, all bool) error {
	if err := upsertRollups(ctx, tx, c, a.day); err != nil {
		return err
	}
	a.day = map[rollupKey]*sums{}
	if all {
		if err := upsertRollups(ctx, tx, c, a.month); err != nil {
			return err
		}
		a.month = map[rollupKey]*sums{}
	}
	return nil
}

// upsertRollups adds sums to their rollup rows.
func upsertRollups(ctx context.Context, tx pgx.Tx, c billing.Caller, agg map[rollupKey]*sums) error {
	if len(agg) == 0 {
		return nil
	}
	keys := make([]rollupKey, 0, len(agg))
	for k := range agg {
		keys = append(keys, k)
	}
	// In key order: the rows of one period and customer land together, in
	// the table and in its indexes.
	slices.SortFunc(keys, func(a, b rollupKey) int {
		return cmp.Or(strings.Compare(a.grain, b.grain), a.period.Compare(b.period), strings.Compare(a.customerID, b.customerID),
			strings.Compare(a.productID, b.productID), cmp.Compare(a.version, b.version), strings.Compare(a.eventType, b.eventType),
			strings.Compare(a.dims, b.dims))
	})
	n := len(keys)
	grains, customers, products, types, dims := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	periods, versions := make([]time.Time, n), make([]int32, n)
	events, revenueEvents, costEvents := make([]int64, n), make([]int64, n), make([]int64, n)
	revenue, billed, promotional, bundled := make([]rating.Decimal, n), make([]rating.Decimal, n), make([]rating.Decimal, n), make([]rating.Decimal, n)
	cost, marginRevenue, marginCost := make([]rating.Decimal, n), make([]rating.Decimal, n), make([]rating.Decimal, n)
	for i, k := range keys {
		s := agg[k]
		grains[i], periods[i], customers[i], products[i], versions[i], types[i], dims[i] = k.grain, k.period, k.customerID, k.productID, int32(k.version), k.eventType, k.dims
		events[i], revenueEvents[i], costEvents[i] = s.events, s.revenueEvents, s.costEvents
		revenue[i], billed[i], promotional[i], bundled[i] = s.revenue, s.billed, s.promotional, s.bundled
		cost[i], marginRevenue[i], marginCost[i] = s.cost, s.marginRevenue, s.marginCost
	}
	_, err := tx.Exec(ctx, `INSERT INTO profitability_rollups AS r (account_id, mode, grain, period, customer_id, product_id, version,
			event_type, dims, events, revenue_events, cost_events, revenue, billed, promotional, bundled, cost, margin_revenue, margin_cost)
		SELECT $1, $2, g, p, cu, pr, v, et, d::jsonb, n, rn, cn, rv, bi, pm, bu, co, mr, mc
		FROM unnest($3::text[], $4::date[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::bigint[], $11::bigint[],
			$12::bigint[], $13::numeric[], $14::numeric[], $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[], $19::numeric[])
			AS u(g, p, cu, pr, v, et, d, n, rn, cn, rv, bi, pm, bu, co, mr, mc)
		ON CONFLICT (account_id, mode, grain, period, customer_id, product_id, version, event_type, dims) DO UPDATE SET
			events = r.events + excluded.events, revenue_events = r.revenue_events + excluded.revenue_events,
			cost_events = r.cost_events + excluded.cost_events, revenue = r.revenue + excluded.revenue,
			billed = r.billed + excluded.billed, promotional = r.promotional + excluded.promotional,
			bundled = r.bundled + excluded.bundled, cost = r.cost + excluded.cost,
			margin_revenue = r.margin_revenue + excluded.margin_revenue, margin_cost = r.margin_cost + excluded.margin_cost`,
		c.AccountID, c.Mode, grains, periods, customers, products, versions, types, dims, events, revenueEvents, costEvents,
		revenue, billed, promotional, bundled, cost, marginRevenue, marginCost)
	return billing.Translate(err)
}

func loadFoldState(ctx context.Context, tx pgx.Tx, c billing.Caller) (foldState, bool, error) {
	var st foldState
	err := tx.QueryRow(ctx, `SELECT currency, dimensions, folded_through, horizon_seq, horizon_vxids, max_occurred_at
		FROM profitability_state WHERE account_id = $1 AND mode = $2`, c.AccountID, c.Mode).
		Scan(&st.currency, &st.dims, &st.foldedThrough, &st.horizonSeq, &st.horizonVxids, &st.maxOccurred)
	if err == pgx.ErrNoRows {
		return st, false, nil
	}
	if st.dims == nil {
		st.dims = []string{}
	}
	return st, err == nil, billing.Translate(err)
}

func saveFoldState(ctx context.Context, tx pgx.Tx, c billing.Caller, st foldState, now time.Time) error {
	if st.horizonVxids == nil {
		st.horizonVxids = []string{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO profitability_state (account_id, mode, currency, dimensions, folded_through, horizon_seq,
			horizon_vxids, max_occurred_at, folded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (account_id, mode) DO UPDATE SET currency = excluded.currency, dimensions = excluded.dimensions,
			folded_through = excluded.folded_through, horizon_seq = excluded.horizon_seq, horizon_vxids = excluded.horizon_vxids,
			max_occurred_at = excluded.max_occurred_at, folded_at = excluded.folded_at`,
		c.AccountID, c.Mode, st.currency, st.dims, st.foldedThrough, st.horizonSeq, st.horizonVxids, st.maxOccurred, now)
	return billing.Translate(err)
}

func resetRollups(ctx context.Context, tx pgx.Tx, c billing.Caller) error {
	for _, table := range []string{"profitability_rollups", "profitability_pending", "profitability_rates_seen"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE account_id = $1 AND mode = $2`, c.AccountID, c.Mode); err != nil {
			return billing.Translate(err)
		}
	}
	return nil
}

// markRatesSeen records the book's rates and returns the earliest effective
// time of those no earlier fold had seen.
func markRatesSeen(ctx context.Context, tx pgx.Tx, c billing.Caller, rb *rateBook) (*time.Time, error) {
	var assets []string
	var ats []time.Time
	for asset, rs := range rb.rates {
		for _, r := range rs {
			assets, ats = append(assets, asset), append(ats, r.at)
		}
	}
	if len(assets) == 0 {
		return nil, nil
	}
	var seen int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM profitability_rates_seen WHERE account_id = $1 AND mode = $2 AND currency = $3`,
		c.AccountID, c.Mode, rb.currency).Scan(&seen); err != nil {
		return nil, billing.Translate(err)
	}
	if seen == len(assets) { // rates are only ever added
		return nil, nil
	}
	var first *time.Time
	err := tx.QueryRow(ctx, `WITH added AS (
			INSERT INTO profitability_rates_seen (account_id, mode, asset, currency, effective_at)
			SELECT $1, $2, a, $3, t FROM unnest($4::text[], $5::timestamptz[]) AS u(a, t)
			ON CONFLICT DO NOTHING RETURNING effective_at)
		SELECT min(effective_at) FROM added`, c.AccountID, c.Mode, rb.currency, assets, ats).Scan(&first)
	return first, billing.Translate(err)
}

// queryRollups sums the rollup rows of a query per group.
func queryRollups(ctx context.Context, db billing.DBTX, c billing.Caller, q profitQuery) ([]groupRow, error) {
	args := []any{c.AccountID, c.Mode}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	customer := `customer_id = ''`
	switch {
	case q.customerID != "":
		customer = `customer_id = ` + arg(q.customerID) + `::text`
	case q.byCustomer():
		customer = `customer_id <> ''`
	}
	var branches []string
	for _, iv := range q.intervals() {
		branches = append(branches, fmt.Sprintf(`SELECT * FROM profitability_rollups WHERE account_id = $1 AND mode = $2
			AND grain = '%s' AND %s AND period >= %s::date AND period < %s::date`, iv.grain, customer, arg(iv.from), arg(iv.to)))
	}
	where := []string{"true"}
	if q.productID != "" {
		where = append(where, `product_id = `+arg(q.productID)+`::text`)
	}
	if q.eventType != "" {
		where = append(where, `event_type = `+arg(q.eventType)+`::text`)
	}
	for _, k := range sortedKeys(q.dimFilter) {
		where = append(where, fmt.Sprintf(`coalesce(dims->>%s::text, '') = %s::text`, arg(k), arg(q.dimFilter[k])))
	}
	var groups, ordinals []string
	for i, k := range q.keys {
		var expr string
		switch k.name {
		case GroupCustomer:
			expr = `customer_id`
		case GroupProduct:
			expr = `product_id`
		case GroupVersion:
			expr = `version::text`
		case GroupEventType:
			expr = `event_type`
		case GroupDay:
			expr = `to_char(period, 'YYYY-MM-DD')`
		case GroupWeek:
			expr = `to_char(period - (extract(isodow FROM period)::int - 1), 'YYYY-MM-DD')`
		case GroupMonth:
			expr = `to_char(period, 'YYYY-MM')`
		default:
			expr = `coalesce(dims->>` + arg(k.dim) + `::text, '')`
		}
		groups = append(groups, expr+", ")
		ordinals = append(ordinals, strconv.Itoa(i+1))
	}
	sql := `SELECT ` + strings.Join(groups, "") + `sum(events)::bigint, sum(revenue_events)::bigint, sum(cost_events)::bigint,
			sum(revenue), sum(billed), sum(promotional), sum(bundled), sum(cost), sum(margin_revenue), sum(margin_cost)
		FROM (` + strings.Join(branches, " UNION ALL ") + `) r
		WHERE ` + strings.Join(where, " AND ")
	if len(ordinals) > 0 {
		sql += ` GROUP BY ` + strings.Join(ordinals, ", ")
	}
	sql += ` HAVING count(*) > 0`
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, billing.Translate(err)
	}
	defer rows.Close()
	var out []groupRow
	for rows.Next() {
		g := groupRow{vals: make([]string, len(q.keys))}
		dest := make([]any, 0, len(q.keys)+10)
		for i := range g.vals {
			dest = append(dest, &g.vals[i])
		}
		s := &g.s
		dest = append(dest, &s.events, &s.revenueEvents, &s.costEvents, &s.revenue, &s.billed, &s.promotional, &s.bundled, &s.cost,
			&s.marginRevenue, &s.marginCost)
		if err := rows.Scan(dest...); err != nil {
			return nil, billing.Translate(err)
		}
		out = append(out, g)
	}
	return out, billing.Translate(rows.Err())
}

// profitLabels maps customer ids to external ids and product ids to codes.
func profitLabels(ctx context.Context, db billing.DBTX, c billing.Caller, customerIDs, productIDs []string) (map[string]string, error) {
	labels := map[string]string{}
	for _, q := range []struct {
		sql string
		ids []string
	}{
		{`SELECT id, external_id FROM customers WHERE account_id = $1 AND mode = $2 AND id = ANY($3::text[])`, customerIDs},
		{`SELECT id, code FROM products WHERE account_id = $1 AND mode = $2 AND id = ANY($3::text[])`, productIDs},
	} {
		if len(q.ids) == 0 {
			continue
		}
		rows, err := db.Query(ctx, q.sql, c.AccountID, c.Mode, q.ids)
		if err != nil {
			return nil, billing.Translate(err)
		}
		for rows.Next() {
			var id, label string
			if err := rows.Scan(&id, &label); err != nil {
				rows.Close()
				return nil, billing.Translate(err)
			}
			labels[id] = label
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, billing.Translate(err)
		}
	}
	return labels, nil
}

// scanProductEvents streams, in seq order, the events of [from, to) that a
// product charged, with their full data and the product's fees and version.
func scanProductEvents(ctx context.Context, db billing.DBTX, c billing.Caller, productID, customerID string, from, to time.Time,
	fn func(ev *rawEvent, data map[string]any, version int) error) error {
	rows, err := db.Query(ctx, `SELECT e.seq, e.id, e.customer_id, e.event_type, e.occurred_at, e.data, e.costs, min(f.version),
			array_agg(f.asset ORDER BY f.id), array_agg(f.amount ORDER BY f.id)
		FROM fees f JOIN events e ON e.account_id = f.account_id AND e.mode = f.mode AND e.id = f.event_id
		WHERE f.account_id = $1 AND f.mode = $2 AND f.product_id = $3 AND f.occurred_at >= $4 AND f.occurred_at < $5
		  AND ($6::text = '' OR f.customer_id = $6::text)
		GROUP BY e.account_id, e.mode, e.id
		ORDER BY e.seq`, c.AccountID, c.Mode, productID, from, to, customerID)
	if err != nil {
		return billing.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		ev := &rawEvent{}
		var raw, costs []byte
		var version int
		var assets []string
		var amounts []rating.Decimal
		if err := rows.Scan(&ev.seq, &ev.id, &ev.customerID, &ev.eventType, &ev.occurredAt, &raw, &costs, &version, &assets, &amounts); err != nil {
			return billing.Translate(err)
		}
		data, cs, err := billing.DecodeEvent(raw, costs)
		if err != nil {
			return fmt.Errorf("decode event %s: %w", ev.id, err)
		}
		ev.costs = cs
		for i := range assets {
			ev.fees = append(ev.fees, rawFee{productID: productID, version: version, asset: assets[i], amount: amounts[i]})
		}
		if err := fn(ev, data, version); err != nil {
			return err
		}
	}
	return billing.Translate(rows.Err())
}
