package billing

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Group commit for usage. Concurrent RecordUsage calls are gathered into one
// transaction per batch: one round trip per step for the whole batch, one
// balance row update per wallet and asset however many of its events the batch
// holds, one WAL flush. A call is answered only after its batch commits. Under
// no load a batch holds one event, so nothing waits for company.
//
// Correctness is the single-event path's: the same locks in the same order
// (counters, then authorizations, then balances, each sorted by key, so
// batches cannot deadlock with each other or with single operations), events
// applied in arrival order, and any event the batch cannot take (invalid,
// replayed, conflicting, rating error) answered on its own without touching
// the others. Should a whole batch fail, each of its events is retried alone
// through the single-event path.

const (
	recordBatchMax     = 256
	recordBatchWorkers = 2
	// recordBatchTimeout bounds one batch's transaction.
	recordBatchTimeout = time.Minute
)

type recordJob struct {
	c      Caller
	in     UsageEventInput
	sentAt time.Time
	done   chan struct{}
	ev     Event
	err    error
}

// recorder feeds the batch workers. A unit is one call's events: a worker takes
// it whole, so the events of one RecordUsageBatch call are applied in order in
// one transaction. Units go to a worker chosen by their wallet reference, so
// the events of one busy wallet queue at one worker and share its batches
// instead of two workers taking turns at the wallet's lock.
type recorder struct {
	once    sync.Once
	mu      sync.RWMutex // held for reading while a unit is handed over
	closed  bool
	workers []chan []*recordJob
	done    sync.WaitGroup // the running workers
}

// errClosed answers a call that arrives after Close.
var errClosed = Errorf(EUnavailable, "the server is shutting down and takes no new usage; retry with the same event ids")

// Close stops taking usage, waits until every batch already handed to a
// worker is written (or ctx ends), and returns. Calls after it are refused
// with EUnavailable; serve and mcp call it on shutdown, after their
// listeners stop.
func (s *Service) Close(ctx context.Context) error {
	s.rec.mu.Lock()
	if !s.rec.closed {
		s.rec.closed = true
		for _, ch := range s.rec.workers {
			close(ch)
		}
	}
	s.rec.mu.Unlock()
	drained := make(chan struct{})
	go func() { s.rec.done.Wait(); close(drained) }()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enqueue hands jobs to their worker and waits until every one is answered.
// If ctx ends first it returns ctx's error and the jobs must not be read (the
// batch still commits or fails on its own; a retry with the same event id
// returns whatever happened).
func (s *Service) enqueue(ctx context.Context, jobs []*recordJob) error {
	s.rec.once.Do(func() {
		for range recordBatchWorkers {
			ch := make(chan []*recordJob, recordBatchMax)
			s.rec.workers = append(s.rec.workers, ch)
			s.rec.done.Add(1)
			go func() { defer s.rec.done.Done(); s.recordLoop(ch) }()
		}
	})
	if len(jobs) == 0 {
		return nil
	}
	h := fnv.New32a()
	j := jobs[0]
	h.Write([]byte(j.c.AccountID + "\x00" + string(j.c.Mode) + "\x00" + j.in.Customer + "\x00" + j.in.Wallet))
	s.rec.mu.RLock()
	if s.rec.closed {
		s.rec.mu.RUnlock()
		return errClosed
	}
	select {
	case s.rec.workers[h.Sum32()%uint32(len(s.rec.workers))] <- jobs:
		s.rec.mu.RUnlock()
	case <-ctx.Done():
		s.rec.mu.RUnlock()
		return ctx.Err()
	}
	for _, j := range jobs {
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (s *Service) recordLoop(units chan []*recordJob) {
	for unit := range units {
		batch := unit
	gather:
		for len(batch) < recordBatchMax {
			select {
			case unit, ok := <-units:
				if !ok { // closed: write what was taken, then the loop ends
					break gather
				}
				batch = append(batch, unit...)
			default:
				break gather
			}
		}
		s.recordBatch(batch)
	}
}

// recordBatch records jobs in one transaction, or each alone if that fails.
func (s *Service) recordBatch(jobs []*recordJob) {
	// A batch no caller can cancel still has a bound: a stuck lock or
	// statement ends it (the pool's lock_timeout and statement_timeout end
	// it sooner), and its events are answered with the error.
	ctx, cancel := context.WithTimeout(context.Background(), recordBatchTimeout)
	defer cancel()
	now := s.clock()
	var results []batchResult
	err := withPipeTx(ctx, s.pool, func(tx *pipeTx) error {
		var err error
		results, err = s.recordBatchTx(ctx, tx, jobs, now)
		return err
	})
	if err != nil {
		if ErrorCode(err) == EInternal {
			s.log.Warn("usage batch failed; recording its events one by one", "events", len(jobs), "err", err)
		}
		for _, j := range jobs {
			j.ev, j.err = s.recordSingle(ctx, j.c, j.in, j.sentAt)
			close(j.done)
		}
		return
	}
	for i, j := range jobs {
		j.ev, j.err = results[i].ev, results[i].err
		close(j.done)
	}
}

type batchResult struct {
	ev  Event
	err error
}

// batchItem is one event's progress through a batch.
type batchItem struct {
	job     *recordJob
	wallet  Wallet
	hash    []byte
	ev      Event
	ratings []itemRating
	totals  map[string]Decimal
	err     error // decided before the writes: answered alone
	follows int   // index of an earlier item with the same event id, or -1
	done    bool  // answered without writes (replay, conflict, error)
}

type itemRating struct {
	v     pricedVersion
	byID  map[string]Price
	rated []RatedFee
}

func (s *Service) recordBatchTx(ctx context.Context, tx txn, jobs []*recordJob, now time.Time) ([]batchResult, error) {
	items := make([]*batchItem, len(jobs))
	first := map[[3]string]int{} // (account, mode, event id) → first item
	for i, j := range jobs {
		it := &batchItem{job: j, follows: -1}
		items[i] = it
		it.wallet, it.err = s.walletFor(ctx, tx, j.c, j.in.Customer, j.in.Wallet)
		if it.err != nil {
			continue
		}
		if it.hash, it.err = eventHash(j.in, it.wallet.ID, j.sentAt); it.err != nil {
			continue
		}
		key := [3]string{j.c.AccountID, string(j.c.Mode), j.in.ID}
		if k, ok := first[key]; ok {
			it.follows = k
			continue
		}
		first[key] = i
		in := j.in
		it.ev = Event{ID: in.ID, CustomerID: it.wallet.CustomerID, WalletID: it.wallet.ID, EventType: in.EventType, OccurredAt: in.OccurredAt,
			Data: in.Data, Costs: in.Costs, AuthorizationID: in.AuthorizationID, CreatedAt: now}
	}
	live := func(it *batchItem) bool { return it.err == nil && it.follows < 0 && !it.done }

	// (1) Insert the events; those already recorded are replays or conflicts.
	// Versions in force for every event, in the same round trip.
	batch := &pgx.Batch{}
	var liveIdx []int
	var callers []Caller
	var events []Event
	var hashes [][]byte
	for i, it := range items {
		if live(it) {
			liveIdx, callers, events, hashes = append(liveIdx, i), append(callers, it.job.c), append(events, it.ev), append(hashes, it.hash)
		}
	}
	inserted := map[eventKey]bool{}
	versionsOf := make([][]pricedVersion, len(liveIdx))
	if len(liveIdx) > 0 {
		if err := queueInsertEvents(batch, callers, events, hashes, inserted); err != nil {
			return nil, err
		}
		customers, types, at := make([]string, len(events)), make([]string, len(events)), make([]time.Time, len(events))
		for k, e := range events {
			customers[k], types[k], at[k] = e.CustomerID, e.EventType, e.OccurredAt
		}
		queueVersionsForEvents(batch, customers, types, at, versionsOf)
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return nil, translate(err)
		}
	}
	versions := make([][]pricedVersion, len(items))
	for k, i := range liveIdx {
		versions[i] = versionsOf[k]
	}
	var undo []*batchItem // events inserted but then refused: removed before commit
	for i, it := range items {
		if !live(it) {
			continue
		}
		if !inserted[eventKey{it.job.c.AccountID, string(it.job.c.Mode), it.ev.ID}] {
			it.done = true
			old, oldHash, err := getEvent(ctx, tx, it.job.c, it.ev.ID)
			switch {
			case err != nil:
				it.err = err
			case string(oldHash) != string(it.hash):
				it.err = &Error{Code: EConflict, Field: "id", Message: fmt.Sprintf("event id %q was already recorded with a different payload; a new event needs a new id", it.ev.ID)}
			default:
				old.Replayed = true
				it.ev = old
			}
			continue
		}
		c := it.job.c
		vs := versions[i]
		if len(vs) == 0 {
			var err error
			if vs, err = s.versionsFor(ctx, tx, c, it.ev.CustomerID, it.ev.EventType, it.ev.OccurredAt, true); err != nil {
				return nil, err // a database error: the whole batch retries alone
			}
			if len(vs) == 0 {
				it.err = s.noSubscription(ctx, tx, c, it.job.in.Customer, it.ev.EventType)
				undo = append(undo, it)
				continue
			}
		}
		assets, err := s.assetsOf(ctx, tx, c, pricedAssets(vs)...)
		if err != nil {
			return nil, err
		}
		rev := RatingEvent{EventType: it.ev.EventType, Data: it.ev.Data, Costs: it.ev.Costs}
		for _, v := range vs {
			r := itemRating{v: v, byID: map[string]Price{}}
			for _, p := range v.Version.Prices {
				r.byID[p.ID] = p
			}
			if r.rated, err = Rate(v.Version.Prices, rev, nil, precisionsOf(assets)); err != nil {
				it.err = err
				break
			}
			it.ratings = append(it.ratings, r)
		}
		if it.err != nil {
			undo = append(undo, it)
		}
	}

	// (2) Tier counters, authorizations, balances: locked in that order, each
	// sorted, with the batch's usage of a counter summed into one update.
	type counterKey struct {
		customer, price string
		period          time.Time
	}
	deltas := map[counterKey]Decimal{}
	for _, it := range items {
		if !live(it) {
			continue
		}
		for _, r := range it.ratings {
			for _, f := range r.rated {
				if r.byID[f.PriceID].Model == Tiered {
					k := counterKey{it.ev.CustomerID, f.PriceID, PeriodStart(it.ev.OccurredAt)}
					deltas[k] = deltas[k].Add(f.Quantity)
				}
			}
		}
	}
	counterKeys := make([]counterKey, 0, len(deltas))
	for k := range deltas {
		counterKeys = append(counterKeys, k)
	}
	sort.Slice(counterKeys, func(i, j int) bool {
		a, b := counterKeys[i], counterKeys[j]
		if a.customer != b.customer {
			return a.customer < b.customer
		}
		if a.price != b.price {
			return a.price < b.price
		}
		return a.period.Before(b.period)
	})
	batch = &pgx.Batch{}
	after := make(map[counterKey]*Decimal, len(counterKeys))
	for _, k := range counterKeys {
		after[k] = new(Decimal)
		queueBumpCounter(batch, k.customer, k.price, k.period, deltas[k], after[k])
	}
	authIDs := map[[3]string]*Authorization{}
	var authKeys [][3]string
	for _, it := range items {
		if live(it) && it.ev.AuthorizationID != "" {
			k := [3]string{it.job.c.AccountID, string(it.job.c.Mode), it.ev.AuthorizationID}
			if _, ok := authIDs[k]; !ok {
				authIDs[k] = &Authorization{}
				authKeys = append(authKeys, k)
			}
		}
	}
	sort.Slice(authKeys, func(i, j int) bool { return authKeys[i][2] < authKeys[j][2] })
	found := map[[3]string]*bool{}
	for _, k := range authKeys {
		found[k] = new(bool)
		queueFindAuthorization(batch, Caller{AccountID: k[0], Mode: Mode(k[1])}, k[2], authIDs[k], found[k])
	}
	type balanceKey struct{ wallet, asset string }
	states := map[balanceKey]*balanceState{}
	var balanceKeys []balanceKey
	for _, it := range items {
		if !live(it) {
			continue
		}
		assets, err := s.assetsOf(ctx, tx, it.job.c)
		if err != nil {
			return nil, err
		}
		for _, r := range it.ratings {
			for _, f := range r.rated {
				k := balanceKey{it.ev.WalletID, f.Asset}
				if _, ok := states[k]; !ok {
					states[k] = &balanceState{c: it.job.c, walletID: k.wallet, asset: assets[f.Asset], now: now}
					balanceKeys = append(balanceKeys, k)
				}
			}
		}
	}
	sort.Slice(balanceKeys, func(i, j int) bool {
		a, b := balanceKeys[i], balanceKeys[j]
		return a.wallet < b.wallet || a.wallet == b.wallet && a.asset < b.asset
	})
	sortedStates := make([]*balanceState, len(balanceKeys))
	for i, k := range balanceKeys {
		sortedStates[i] = states[k]
	}
	queueLockBalances(batch, sortedStates, now)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return nil, translate(err)
	}

	var fees []feeRow
	// Re-rate tiered prices in arrival order from the counters' totals, then
	// apply every event to the in-memory balances.
	running := make(map[counterKey]Decimal, len(counterKeys))
	for _, k := range counterKeys {
		running[k] = after[k].Sub(deltas[k]) // the period's usage before this batch
	}
	batch = &pgx.Batch{}
	for _, k := range balanceKeys {
		states[k].settle()
	}
	var balancesBefore = map[balanceKey]Decimal{}
	for _, k := range balanceKeys {
		balancesBefore[k] = states[k].total()
	}
	for _, it := range items {
		if !live(it) {
			continue
		}
		c := it.job.c
		if it.ev.AuthorizationID != "" {
			k := [3]string{c.AccountID, string(c.Mode), it.ev.AuthorizationID}
			if !*found[k] {
				it.err = NotFoundf("authorization_id", "authorization %q not found in %s mode", it.ev.AuthorizationID, c.Mode)
			} else if a := authIDs[k]; a.WalletID != it.ev.WalletID {
				it.err = Invalidf("authorization_id", "authorization %s holds money in another wallet than this event's; send the event for the same customer and wallet", a.ID)
			}
			if it.err != nil {
				// Its counters moved with the batch (rows this transaction
				// already holds); take its share back out.
				undo = append(undo, it)
				for _, r := range it.ratings {
					for _, f := range r.rated {
						if r.byID[f.PriceID].Model == Tiered {
							k := counterKey{it.ev.CustomerID, f.PriceID, PeriodStart(it.ev.OccurredAt)}
							queueBumpCounter(batch, k.customer, k.price, k.period, f.Quantity.Neg(), new(Decimal))
						}
					}
				}
				continue
			}
		}
		assets, err := s.assetsOf(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		for ri := range it.ratings {
			r := &it.ratings[ri]
			prior := map[string]Decimal{}
			for _, f := range r.rated {
				if r.byID[f.PriceID].Model == Tiered {
					k := counterKey{it.ev.CustomerID, f.PriceID, PeriodStart(it.ev.OccurredAt)}
					prior[f.PriceID] = running[k]
					running[k] = running[k].Add(f.Quantity)
				}
			}
			if len(prior) > 0 {
				rated, err := Rate(r.v.Version.Prices, RatingEvent{EventType: it.ev.EventType, Data: it.ev.Data, Costs: it.ev.Costs}, prior, precisionsOf(assets))
				if err != nil {
					return nil, err // rated once already; cannot differ but for a bug
				}
				r.rated = rated
			}
			it.ev.Fees = append(it.ev.Fees, toFees(r.v, r.rated, r.byID)...)
		}
		for i := range it.ev.Fees {
			it.ev.Fees[i].ID, it.ev.Fees[i].EventID = newID(prefixFee, now), it.ev.ID
		}
		it.totals = feeTotals(it.ev.Fees)
		if it.ev.AuthorizationID != "" {
			a := authIDs[[3]string{c.AccountID, string(c.Mode), it.ev.AuthorizationID}]
			it.ev.Settlement = s.capture(batch, a, it.ev.ID, it.totals, now)
		}
		txnByAsset := map[string]string{}
		for _, code := range sortedKeys(it.totals) {
			if amount := it.totals[code]; amount.IsPositive() {
				b := states[balanceKey{it.ev.WalletID, code}]
				p := b.newPosting("usage", it.ev.ID, it.ev.EventType+" usage")
				b.debit(p, LedgerRevenue, amount)
				txnByAsset[code] = p.id
			}
		}
		for _, f := range it.ev.Fees {
			fees = append(fees, feeRow{c: c, fee: f, customerID: it.ev.CustomerID, txn: txnByAsset[f.Asset], occurredAt: it.ev.OccurredAt, createdAt: it.ev.CreatedAt})
		}
	}
	queueInsertFeeRows(batch, fees)

	// (3) Writes: every balance touched, once.
	touched := make([]*balanceState, 0, len(balanceKeys))
	for _, k := range balanceKeys {
		b := states[k]
		if err := b.check(); err != nil {
			return nil, err
		}
		touched = append(touched, b)
		if !balancesBefore[k].IsNegative() && b.total().IsNegative() {
			queueOutbox(batch, b.c, "balance.below_zero", map[string]any{"wallet_id": b.walletID, "asset": b.asset.Code, "total": b.total().String()}, now)
		}
	}
	queueBalanceWrites(batch, touched...)
	for _, it := range undo {
		batch.Queue(`DELETE FROM events WHERE account_id = $1 AND mode = $2 AND id = $3`, it.job.c.AccountID, it.job.c.Mode, it.ev.ID)
	}
	if err := sendFinal(ctx, tx, batch); err != nil {
		return nil, err
	}

	results := make([]batchResult, len(items))
	for i, it := range items {
		switch {
		case it.follows >= 0:
			lead := items[it.follows]
			switch {
			case lead.err != nil:
				results[i].err = lead.err
			case string(lead.hash) != string(it.hash):
				results[i].err = &Error{Code: EConflict, Field: "id", Message: fmt.Sprintf("event id %q was already recorded with a different payload; a new event needs a new id", it.job.in.ID)}
			default:
				ev := lead.ev
				ev.Replayed = true
				results[i].ev = ev
			}
		case it.err != nil:
			results[i].err = it.err
		default:
			results[i].ev = it.ev
		}
	}
	return results, nil
}
