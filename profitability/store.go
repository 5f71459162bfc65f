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
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/rating"
)

// Rollup grains (see the migration).
const (
	grainDay         = "day"
	grainMonth       = "month"
	grainMonthNoDims = "month_no_dims"
)

// queries runs the statements sqlc compiles from profitability/queries/*.sql
// (regenerate with `sqlc generate` at the repository root) on the dbtx each
// method takes. Two kinds of statement stay hand-written here, on on(db):
// queryRollups, whose GROUP BY columns and UNION branches are chosen per
// query, and advanceHorizon's reads of pg_locks, which sqlc's catalog lacks.
var queries = dbsqlc.New()

// on is where a statement runs: db (the pool or a transaction) with every
// driver error translated once, by billing.TranslateErrors, so no call site
// translates by hand. A missing row comes back as ENotFound.
func on(db dbsqlc.DBTX) dbsqlc.DBTX { return billing.TranslateErrors(db) }

// foldBatch is how many events a fold reads per round trip.
const foldBatch = 50000

type rollupInterval struct {
	grain    string
	from, to time.Time
}

func reportingCurrency(ctx context.Context, db billing.DBTX, c billing.Caller) (string, error) {
	return queries.ReportingCurrency(ctx, on(db), c.AccountID)
}

// effectiveDimensions returns the account's own dimension keys and those of
// every dimensional price in its catalog, sorted.
func effectiveDimensions(ctx context.Context, db billing.DBTX, c billing.Caller) ([]string, error) {
	keys, err := queries.CatalogDimensions(ctx, on(db), dbsqlc.CatalogDimensionsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if keys == nil {
		keys = []string{}
	}
	return keys, err
}

func replaceDimensions(ctx context.Context, tx pgx.Tx, c billing.Caller, keys []string, now time.Time) error {
	if err := queries.DeleteDimensions(ctx, on(tx), dbsqlc.DeleteDimensionsParams{AccountID: c.AccountID, Mode: string(c.Mode)}); err != nil {
		return err
	}
	return queries.InsertDimensions(ctx, on(tx), dbsqlc.InsertDimensionsParams{AccountID: c.AccountID, Mode: string(c.Mode), Keys: keys, CreatedAt: now})
}

// loadRateBook reads every rate into currency.
func loadRateBook(ctx context.Context, db billing.DBTX, c billing.Caller, currency string) (*rateBook, error) {
	rows, err := queries.RateBook(ctx, on(db), dbsqlc.RateBookParams{AccountID: c.AccountID, Mode: string(c.Mode), Currency: currency})
	if err != nil {
		return nil, err
	}
	rb := &rateBook{currency: currency, rates: map[string][]datedRate{}}
	for _, r := range rows {
		rb.rates[r.Asset] = append(rb.rates[r.Asset], datedRate{rate: r.Rate, at: r.EffectiveAt})
	}
	return rb, nil
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

// scanEvents reads the selected events in seq order, a batch at a time, with
// their fees and the wallet entries of the usage transactions that debited
// them, and hands each batch to fn.
func scanEvents(ctx context.Context, db billing.DBTX, c billing.Caller, dims []string, sel eventSelector, fn func([]*rawEvent, map[string][]rawPiece) error) error {
	var after int64
	for {
		evs, err := loadEventBatch(ctx, db, c, dims, sel, after)
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

// loadEventBatch reads up to foldBatch selected events after seq after, with
// the values of the dimension keys dims.
func loadEventBatch(ctx context.Context, db billing.DBTX, c billing.Caller, dims []string, sel eventSelector, after int64) ([]*rawEvent, error) {
	var rows []dbsqlc.NewEventsRow
	var err error
	// Each selection's rows have the same columns: converted to NewEvents'.
	switch sel.kind {
	case selectNew:
		rows, err = queries.NewEvents(ctx, on(db), dbsqlc.NewEventsParams{AccountID: c.AccountID, Mode: string(c.Mode), Dims: dims,
			After: after, Lim: foldBatch})
	case selectRefold:
		rows, err = convertRows(queries.RefoldEvents(ctx, on(db), dbsqlc.RefoldEventsParams{AccountID: c.AccountID, Mode: string(c.Mode), Dims: dims,
			After: after, Lim: foldBatch, FromAt: sel.from, Through: sel.through}))
	case selectRange:
		rows, err = convertRows(queries.RangeEvents(ctx, on(db), dbsqlc.RangeEventsParams{AccountID: c.AccountID, Mode: string(c.Mode), Dims: dims,
			After: after, Lim: foldBatch, FromAt: sel.from, ToAt: sel.to}))
	case selectOne:
		rows, err = convertRows(queries.OneEvent(ctx, on(db), dbsqlc.OneEventParams{AccountID: c.AccountID, Mode: string(c.Mode), Dims: dims,
			After: after, Lim: foldBatch, ID: sel.id}))
	}
	if err != nil {
		return nil, err
	}
	evs := make([]*rawEvent, 0, len(rows))
	for _, r := range rows {
		ev := &rawEvent{seq: *r.Seq, id: r.ID, customerID: r.CustomerID, eventType: r.EventType, occurredAt: r.OccurredAt}
		m, cs, err := billing.DecodeEvent(r.Dims, r.Costs)
		if err != nil {
			return nil, fmt.Errorf("decode event %s: %w", ev.id, err)
		}
		ev.costs = cs
		if r.Costs != nil && cs == nil {
			ev.costs = []rating.Cost{}
		}
		ev.dims, ev.dimsJSON = dimsOf(m, dims)
		evs = append(evs, ev)
	}
	return evs, nil
}

// convertRows converts the rows of an event selection to NewEvents' (the
// same columns).
func convertRows[R dbsqlc.RefoldEventsRow | dbsqlc.RangeEventsRow | dbsqlc.OneEventRow](rows []R, err error) ([]dbsqlc.NewEventsRow, error) {
	out := make([]dbsqlc.NewEventsRow, len(rows))
	for i, r := range rows {
		out[i] = dbsqlc.NewEventsRow(r)
	}
	return out, err
}

// attachFees loads the events' fees and the wallet entries that paid them.
func attachFees(ctx context.Context, db billing.DBTX, c billing.Caller, evs []*rawEvent) (map[string][]rawPiece, error) {
	ids := make([]string, len(evs))
	byID := make(map[string]*rawEvent, len(evs))
	for i, ev := range evs {
		ids[i], byID[ev.id] = ev.id, ev
	}
	fees, err := queries.EventFees(ctx, on(db), dbsqlc.EventFeesParams{AccountID: c.AccountID, Mode: string(c.Mode), EventIds: ids})
	if err != nil {
		return nil, err
	}
	txns := map[string]bool{}
	for _, r := range fees {
		f := rawFee{productID: r.ProductID, version: int(r.Version), asset: r.Asset, amount: r.Amount, txn: r.TransactionID}
		byID[r.EventID].fees = append(byID[r.EventID].fees, f)
		if f.txn != "" {
			txns[f.txn] = true
		}
	}
	pieces := map[string][]rawPiece{}
	if len(txns) == 0 {
		return pieces, nil
	}
	rows, err := queries.WalletPieces(ctx, on(db), dbsqlc.WalletPiecesParams{TransactionIds: sortedKeys(txns), AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		p := rawPiece{take: r.Amount.Neg()}
		if r.HasLot {
			p.lot = &rawLot{purpose: billing.LotPurpose(r.Purpose), amount: r.LotAmount, basis: r.RevenueBasis, basisCurrency: r.RevenueCurrency}
		}
		if p.take.IsPositive() {
			pieces[r.TransactionID] = append(pieces[r.TransactionID], p)
		}
	}
	return pieces, nil
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
		if err := queries.LockFold(ctx, on(tx), "tollgate.profitability:"+c.AccountID+":"+string(c.Mode)); err != nil {
			return err
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
			waiting, err := queries.AnyPending(ctx, on(tx), dbsqlc.AnyPendingParams{AccountID: c.AccountID, Mode: string(c.Mode)})
			if err != nil || !waiting {
				return err
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
	if err := queries.DeleteRollupsFrom(ctx, on(tx), dbsqlc.DeleteRollupsFromParams{AccountID: c.AccountID, Mode: string(c.Mode),
		FromPeriod: pgtype.Date{Time: from, Valid: true}}); err != nil {
		return true, err
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
		// pg_locks is not in sqlc's catalog: the two reads of it stay here.
		if err := on(tx).QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY($1::text[]))`,
			st.horizonVxids).Scan(&prevDone); err != nil {
			return 0, err
		}
	}
	// The identity value first, then the writers: see foldProfitability.
	last, err := queries.LastEventSeq(ctx, on(tx))
	if err != nil {
		return 0, err
	}
	var writers []string
	if err := on(tx).QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{}') FROM pg_locks
		WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND relation = 'events'::regclass
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND pid IS DISTINCT FROM pg_backend_pid()`).Scan(&writers); err != nil {
		return 0, err
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
		if err := queries.DeletePendingThrough(ctx, on(tx), dbsqlc.DeletePendingThroughParams{AccountID: c.AccountID, Mode: string(c.Mode),
			Through: through}); err != nil {
			return err
		}
	}
	if len(pending) > 0 {
		return queries.InsertPending(ctx, on(tx), dbsqlc.InsertPendingParams{AccountID: c.AccountID, Mode: string(c.Mode), Seqs: pending})
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
		evs, err := loadEventBatch(ctx, tx, c, st.dims, eventSelector{kind: selectNew}, after)
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
	p := dbsqlc.UpsertRollupsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		Grains: make([]string, n), Periods: make([]pgtype.Date, n), CustomerIds: make([]string, n), ProductIds: make([]string, n),
		Versions: make([]int32, n), EventTypes: make([]string, n), Dims: make([]string, n),
		Events: make([]int64, n), RevenueEvents: make([]int64, n), CostEvents: make([]int64, n),
		Revenue: make([]rating.Decimal, n), Billed: make([]rating.Decimal, n), Promotional: make([]rating.Decimal, n), Bundled: make([]rating.Decimal, n),
		Cost: make([]rating.Decimal, n), MarginRevenue: make([]rating.Decimal, n), MarginCost: make([]rating.Decimal, n)}
	for i, k := range keys {
		s := agg[k]
		p.Grains[i], p.Periods[i], p.CustomerIds[i], p.ProductIds[i] = k.grain, pgtype.Date{Time: k.period, Valid: true}, k.customerID, k.productID
		p.Versions[i], p.EventTypes[i], p.Dims[i] = int32(k.version), k.eventType, k.dims
		p.Events[i], p.RevenueEvents[i], p.CostEvents[i] = s.events, s.revenueEvents, s.costEvents
		p.Revenue[i], p.Billed[i], p.Promotional[i], p.Bundled[i] = s.revenue, s.billed, s.promotional, s.bundled
		p.Cost[i], p.MarginRevenue[i], p.MarginCost[i] = s.cost, s.marginRevenue, s.marginCost
	}
	return queries.UpsertRollups(ctx, on(tx), p)
}

func loadFoldState(ctx context.Context, tx pgx.Tx, c billing.Caller) (foldState, bool, error) {
	r, err := queries.GetFoldState(ctx, on(tx), dbsqlc.GetFoldStateParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return foldState{}, false, nil
	}
	st := foldState{currency: r.Currency, dims: r.Dimensions, foldedThrough: r.FoldedThrough, horizonSeq: r.HorizonSeq,
		horizonVxids: r.HorizonVxids, maxOccurred: r.MaxOccurredAt}
	if st.dims == nil {
		st.dims = []string{}
	}
	return st, err == nil, err
}

func saveFoldState(ctx context.Context, tx pgx.Tx, c billing.Caller, st foldState, now time.Time) error {
	if st.horizonVxids == nil {
		st.horizonVxids = []string{}
	}
	return queries.SaveFoldState(ctx, on(tx), dbsqlc.SaveFoldStateParams{AccountID: c.AccountID, Mode: string(c.Mode), Currency: st.currency,
		Dimensions: st.dims, FoldedThrough: st.foldedThrough, HorizonSeq: st.horizonSeq, HorizonVxids: st.horizonVxids,
		MaxOccurredAt: st.maxOccurred, FoldedAt: &now})
}

func resetRollups(ctx context.Context, tx pgx.Tx, c billing.Caller) error {
	db := on(tx)
	if err := queries.DeleteRollups(ctx, db, dbsqlc.DeleteRollupsParams{AccountID: c.AccountID, Mode: string(c.Mode)}); err != nil {
		return err
	}
	if err := queries.DeleteAllPending(ctx, db, dbsqlc.DeleteAllPendingParams{AccountID: c.AccountID, Mode: string(c.Mode)}); err != nil {
		return err
	}
	return queries.DeleteRatesSeen(ctx, db, dbsqlc.DeleteRatesSeenParams{AccountID: c.AccountID, Mode: string(c.Mode)})
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
	seen, err := queries.CountRatesSeen(ctx, on(tx), dbsqlc.CountRatesSeenParams{AccountID: c.AccountID, Mode: string(c.Mode), Currency: rb.currency})
	if err != nil {
		return nil, err
	}
	if int(seen) == len(assets) { // rates are only ever added
		return nil, nil
	}
	first, err := queries.MarkRatesSeen(ctx, on(tx), dbsqlc.MarkRatesSeenParams{AccountID: c.AccountID, Mode: string(c.Mode), Currency: rb.currency,
		Assets: assets, EffectiveAts: ats})
	if len(first) == 0 {
		return nil, err
	}
	return &first[0], err
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
	rows, err := on(db).Query(ctx, sql, args...)
	if err != nil {
		return nil, err
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
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// profitLabels maps customer ids to external ids and product ids to codes.
func profitLabels(ctx context.Context, db billing.DBTX, c billing.Caller, customerIDs, productIDs []string) (map[string]string, error) {
	labels := map[string]string{}
	if len(customerIDs) > 0 {
		rows, err := queries.CustomerLabels(ctx, on(db), dbsqlc.CustomerLabelsParams{AccountID: c.AccountID, Mode: string(c.Mode), Ids: customerIDs})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			labels[r.ID] = r.Label
		}
	}
	if len(productIDs) > 0 {
		rows, err := queries.ProductLabels(ctx, on(db), dbsqlc.ProductLabelsParams{AccountID: c.AccountID, Mode: string(c.Mode), Ids: productIDs})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			labels[r.ID] = r.Label
		}
	}
	return labels, nil
}

// scanProductEvents streams, in seq order, the events of [from, to) that a
// product charged, with their full data and the product's fees and version.
func scanProductEvents(ctx context.Context, db billing.DBTX, c billing.Caller, productID, customerID string, from, to time.Time,
	fn func(ev *rawEvent, data map[string]any, version int) error) error {
	rows, err := queries.ProductEvents(ctx, on(db), dbsqlc.ProductEventsParams{AccountID: c.AccountID, Mode: string(c.Mode), ProductID: productID,
		FromAt: from, ToAt: to, CustomerID: customerID})
	if err != nil {
		return err
	}
	for _, r := range rows {
		ev := &rawEvent{seq: *r.Seq, id: r.ID, customerID: r.CustomerID, eventType: r.EventType, occurredAt: r.OccurredAt}
		data, cs, err := billing.DecodeEvent(r.Data, r.Costs)
		if err != nil {
			return fmt.Errorf("decode event %s: %w", ev.id, err)
		}
		ev.costs = cs
		version := int(r.Version)
		for i := range r.Assets {
			ev.fees = append(ev.fees, rawFee{productID: productID, version: version, asset: r.Assets[i], amount: r.Amounts[i]})
		}
		if err := fn(ev, data, version); err != nil {
			return err
		}
	}
	return nil
}
