package billing

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
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

// recorder feeds the batch workers. Each event goes to the worker its customer
// reference hashes to, so the events of one customer queue at one worker, in
// arrival order, and share its batches: no two workers take turns at a
// wallet's lock or a tier counter, and two batches never wait for each
// other's commit. A unit is one call's events for one worker, taken whole
// into one transaction; a RecordUsageBatch call over many customers is split
// into one unit per worker (each event is answered on its own either way).
type recorder struct {
	once    sync.Once
	mu      sync.RWMutex // held for reading while a unit is handed over
	closed  bool
	workers []chan []*recordJob
	done    sync.WaitGroup // the running workers
}

// errClosed answers a call that arrives after Close.
var errClosed = kernel.Errorf(kernel.EUnavailable, "the server is shutting down and takes no new usage; retry with the same event ids")

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
	if s.stopBackground != nil {
		s.stopBackground()
	}
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
func (s *core) enqueue(ctx context.Context, jobs []*recordJob) error {
	s.rec.once.Do(func() {
		// Under the lock Close takes: a Close racing the first call either
		// sees the workers to stop or stops them from ever starting.
		s.rec.mu.Lock()
		defer s.rec.mu.Unlock()
		if s.rec.closed {
			return
		}
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
	s.rec.mu.RLock()
	if s.rec.closed {
		s.rec.mu.RUnlock()
		return errClosed
	}
	units := make([][]*recordJob, len(s.rec.workers))
	for _, j := range jobs {
		w := workerOf(j, len(units))
		units[w] = append(units[w], j)
	}
	for w, unit := range units {
		if len(unit) == 0 {
			continue
		}
		select {
		case s.rec.workers[w] <- unit:
		case <-ctx.Done():
			s.rec.mu.RUnlock()
			return ctx.Err()
		}
	}
	s.rec.mu.RUnlock()
	for _, j := range jobs {
		select {
		case <-j.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// workerOf is the worker of a job's customer reference (its wallet
// reference when it names no customer).
func workerOf(j *recordJob, workers int) int {
	ref := j.in.Customer
	if ref == "" {
		ref = j.in.Wallet
	}
	h := fnv.New32a()
	h.Write([]byte(j.c.AccountID))
	h.Write([]byte{0})
	h.Write([]byte(j.c.Mode))
	h.Write([]byte{0})
	h.Write([]byte(ref))
	return int(h.Sum32() % uint32(workers))
}

func (s *core) recordLoop(units chan []*recordJob) {
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
func (s *core) recordBatch(jobs []*recordJob) {
	if s.opts.Observer != nil {
		s.opts.Observer.ObserveBatch(len(jobs))
	}
	// A batch no caller can cancel still has a bound: a stuck lock or
	// statement ends it (the pool's lock_timeout and statement_timeout end
	// it sooner), and its events are answered with the error.
	ctx, cancel := context.WithTimeout(context.Background(), recordBatchTimeout)
	defer cancel()
	results, err := s.recordTx(ctx, jobs)
	if code := kernel.ErrorCode(err); code == kernel.EUnavailable || code == kernel.EOutcomeUnknown {
		// The database is down or read-only: every event alone would fail the
		// same way, each after its own retries. Nothing was written, or, when
		// the connection broke during the COMMIT, the events may have been
		// (EOutcomeUnknown): a retry with the same ids tells.
		for _, j := range jobs {
			j.err = err
			close(j.done)
		}
		return
	}
	if err != nil {
		if kernel.ErrorCode(err) == kernel.EInternal {
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

// recordAttempts bounds how often one batch is run again after losing a race
// for an event id (see errRecordedConcurrently).
const recordAttempts = 3

// errRecordedConcurrently says another transaction recorded one of the
// batch's event ids between the batch's look-up and its insert (possible
// only when the same id arrives through two workers or two servers). The
// batch is rolled back and run again, when the look-up sees the other
// transaction's event and answers it as a replay or a conflict.
var errRecordedConcurrently = kernel.Errorf(kernel.EConflict, "an event id of this request was being recorded concurrently; retry with the same event ids")

// recordTx records jobs in one transaction, run again from the start if it
// lost a race for an event id, or, as WithTx does, when the database was
// unreachable or restarting or the COMMIT's answer was lost; and answers each
// job. After a lost COMMIT the next attempt finds the events that COMMIT
// wrote: they are answered as recorded, not as replays, since this call is
// the one that recorded them.
func (s *core) recordTx(ctx context.Context, jobs []*recordJob) ([]batchResult, error) {
	raced := 0
	var retry txRetry
	var written []bool // the jobs the last lost COMMIT would have recorded
	for {
		var results []batchResult
		err := withPipeTx(ctx, s.pool, func(tx *pipeTx) error {
			var err error
			results, err = s.recordBatchTx(ctx, tx, jobs, s.clock())
			return err
		})
		if errors.Is(err, errRecordedConcurrently) && raced < recordAttempts-1 {
			raced++
			continue
		}
		if kernel.ErrorCode(err) == kernel.EOutcomeUnknown && results != nil {
			if written == nil {
				written = make([]bool, len(jobs))
			}
			for i, r := range results {
				written[i] = written[i] || r.err == nil && !r.ev.Replayed
			}
		}
		if retry.again(ctx, err) {
			continue
		}
		for i := range written {
			if err == nil && written[i] {
				results[i].ev.Replayed = false
			}
		}
		return results, retry.result(err)
	}
}

type batchResult struct {
	ev  Event
	err error
}

// batchItem is one event's progress through a batch.
type batchItem struct {
	job      *recordJob
	wallet   Wallet
	hash     []byte
	ev       Event
	versions []pricedVersion
	ratings  []itemRating
	err      error // the event's own answer, decided before the writes
	follows  int   // index of an earlier item with the same event id, or -1
	done     bool  // answered without writes (replay, conflict, refusal)
}

// live says the item is to be recorded by this batch.
func (it *batchItem) live() bool { return it.err == nil && it.follows < 0 && !it.done }

// refuse answers the item with err; nothing of it is written.
func (it *batchItem) refuse(err error) { it.err, it.done = err, true }

func (it *batchItem) authKey() authKey {
	return authKey{it.job.c.AccountID, string(it.job.c.Mode), it.ev.AuthorizationID}
}

type itemRating struct {
	v     pricedVersion
	byID  map[string]rating.Price
	rated []rating.RatedFee
}

type counterKey struct {
	customer, price string
	period          time.Time
}

type authKey struct{ account, mode, id string }

type balanceKey struct{ wallet, asset string }

// batchTx is one batch's state as it goes through the phases of
// recordBatchTx. Every key list is sorted: it is the order its rows are
// locked in.
type batchTx struct {
	tx    txn
	now   time.Time
	items []*batchItem

	deltas      map[counterKey]rating.Decimal  // the batch's usage of each tier counter
	after       map[counterKey]*rating.Decimal // each counter's total once bumped
	counterKeys []counterKey

	auths    map[authKey]*Authorization
	authKeys []authKey

	balances    map[balanceKey]*balanceState
	balanceKeys []balanceKey
}

// live returns the items still to be recorded, in arrival order.
func (b *batchTx) live() []*batchItem {
	var out []*batchItem
	for _, it := range b.items {
		if it.live() {
			out = append(out, it)
		}
	}
	return out
}

// recordBatchTx records a batch of validated events in tx and answers each,
// in five phases. Every event that will not be recorded is answered before
// anything is written: nothing is inserted and then deleted, no counter
// bumped and then taken back. A database error fails the whole batch (its
// events are then recorded one by one); errRecordedConcurrently asks for the
// batch to be run again.
func (s *core) recordBatchTx(ctx context.Context, tx txn, jobs []*recordJob, now time.Time) ([]batchResult, error) {
	b := &batchTx{tx: tx, now: now}
	s.resolveBatch(ctx, b, jobs)
	if err := s.decideBatch(ctx, b); err != nil {
		return nil, err
	}
	if err := s.writeBatch(ctx, b); err != nil {
		return nil, err
	}
	if err := s.settleBatch(ctx, b); err != nil {
		if kernel.ErrorCode(err) == kernel.EOutcomeUnknown { // what the lost COMMIT would have answered
			return answers(b.items), err
		}
		return nil, err
	}
	return answers(b.items), nil
}

// resolveBatch is phase one, validate and resolve: each event's wallet and
// payload hash, and which events repeat an id earlier in the batch (those
// follow the first and are answered from it).
func (s *core) resolveBatch(ctx context.Context, b *batchTx, jobs []*recordJob) {
	b.items = make([]*batchItem, len(jobs))
	first := map[eventKey]int{}
	for i, j := range jobs {
		it := &batchItem{job: j, follows: -1}
		b.items[i] = it
		if it.wallet, it.err = s.walletFor(ctx, b.tx, j.c, j.in.Customer, j.in.Wallet); it.err != nil {
			continue
		}
		if it.hash, it.err = eventHash(j.in, it.wallet.ID, j.sentAt); it.err != nil {
			continue
		}
		key := eventKey{j.c.AccountID, string(j.c.Mode), j.in.ID}
		if k, ok := first[key]; ok {
			it.follows = k
			continue
		}
		first[key] = i
		in := j.in
		it.ev = Event{ID: in.ID, CustomerID: it.wallet.CustomerID, WalletID: it.wallet.ID, EventType: in.EventType, OccurredAt: in.OccurredAt,
			Data: in.Data, Costs: in.Costs, AuthorizationID: in.AuthorizationID, CreatedAt: b.now}
	}
}

// decideBatch is phase two, decide eligibility, with phase three, rate once,
// inside it. One round trip reads, for every event at once, whether its id is
// already recorded, the versions that price it and the wallet of the
// authorization it names. Then each event is answered or kept, checked in
// the order the single-event path always checked: a recorded id is a replay
// (or a conflict, when the payload differs), then the subscription, the
// rating and the authorization.
func (s *core) decideBatch(ctx context.Context, b *batchTx) error {
	live := b.live()
	if len(live) == 0 {
		return nil
	}
	keys := make([]eventKey, len(live))
	customers, types, at := make([]string, len(live)), make([]string, len(live)), make([]time.Time, len(live))
	var auths []authKey
	for k, it := range live {
		keys[k] = eventKey{it.job.c.AccountID, string(it.job.c.Mode), it.ev.ID}
		customers[k], types[k], at[k] = it.ev.CustomerID, it.ev.EventType, it.ev.OccurredAt
		if it.ev.AuthorizationID != "" {
			auths = append(auths, it.authKey())
		}
	}
	batch := &pgx.Batch{}
	recorded := map[eventKey]bool{}
	queueRecordedEvents(batch, keys, recorded)
	versions := make([][]pricedVersion, len(live))
	queueVersionsForEvents(batch, customers, types, at, versions, s.decodeVersion)
	authWallets := map[authKey]string{}
	queueAuthorizationWallets(batch, auths, authWallets)
	if err := b.tx.SendBatch(ctx, batch).Close(); err != nil {
		return Translate(err)
	}
	for k, it := range live {
		if recorded[keys[k]] {
			s.answerRecorded(ctx, b.tx, it)
			continue
		}
		if err := s.subscriptionOf(ctx, b.tx, it, versions[k]); err != nil {
			return err
		}
		if !it.live() {
			continue
		}
		if err := s.rateOnce(ctx, b.tx, it); err != nil {
			return err
		}
		if it.live() && it.ev.AuthorizationID != "" {
			checkAuthorization(it, authWallets)
		}
	}
	return nil
}

// answerRecorded answers an event whose id is already recorded: a replay of
// the recorded event when the payload is the same, a conflict otherwise.
func (s *core) answerRecorded(ctx context.Context, tx txn, it *batchItem) {
	old, hash, err := getEvent(ctx, tx, it.job.c, it.ev.ID)
	switch {
	case err != nil:
		it.refuse(err)
		return
	case string(hash) != string(it.hash):
		it.refuse(conflictingEvent(it.ev.ID))
		return
	}
	old.Replayed = true
	it.ev, it.done = old, true
}

func conflictingEvent(id string) error {
	return &kernel.Error{Code: kernel.EConflict, Field: "id", Message: fmt.Sprintf("event id %q was already recorded with a different payload; a new event needs a new id", id)}
}

// subscriptionOf sets the versions that price the event: those of its
// customer's subscriptions (found is what the batch look-up found), else the
// only active product with its event type, to which the customer is then
// subscribed. With neither the event is refused. The error is the
// database's.
func (s *core) subscriptionOf(ctx context.Context, tx txn, it *batchItem, found []pricedVersion) error {
	if len(found) > 0 {
		it.versions = found
		return nil
	}
	c := it.job.c
	vs, err := s.versionsFor(ctx, tx, c, it.ev.CustomerID, it.ev.EventType, it.ev.OccurredAt, true)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		it.refuse(s.noSubscription(ctx, tx, c, it.job.in.Customer, it.ev.EventType))
		return nil
	}
	it.versions = vs
	return nil
}

// rateOnce prices the event against each of its versions with no prior usage.
// Its tiered fees are priced again in settleBatch, once the counters say
// where the period stands, but the quantities (what the counters are bumped
// by) and any rating error are known here. A rating error refuses the event;
// the error returned is the database's.
func (s *core) rateOnce(ctx context.Context, tx txn, it *batchItem) error {
	assets, err := s.assetsOf(ctx, tx, it.job.c, pricedAssets(it.versions)...)
	if err != nil {
		return err
	}
	rev := rating.RatingEvent{EventType: it.ev.EventType, Data: it.ev.Data, Costs: it.ev.Costs}
	for _, v := range it.versions {
		r := itemRating{v: v, byID: map[string]rating.Price{}}
		for _, p := range v.Version.Prices {
			r.byID[p.ID] = p
		}
		if r.rated, err = rating.Rate(v.Version.Prices, rev, nil, precisionsOf(assets)); err != nil {
			it.ratings = nil
			it.refuse(err)
			return nil
		}
		it.ratings = append(it.ratings, r)
	}
	return nil
}

// checkAuthorization refuses an event whose authorization does not exist or
// holds money in another wallet. An authorization's existence and wallet
// never change, so the unlocked read decides; writeBatch locks it for the
// capture.
func checkAuthorization(it *batchItem, wallets map[authKey]string) {
	c := it.job.c
	w, ok := wallets[it.authKey()]
	switch {
	case !ok:
		it.refuse(kernel.NotFoundf("authorization_id", "authorization %q not found in %s mode", it.ev.AuthorizationID, c.Mode))
	case w != it.ev.WalletID:
		it.refuse(kernel.Invalidf("authorization_id", "authorization %s holds money in another wallet than this event's; send the event for the same customer and wallet", it.ev.AuthorizationID))
	}
}

// writeBatch is phase four, write: in one round trip it inserts the events
// the batch records, bumps their tier counters (the batch's usage of a
// counter summed into one update) and locks their authorizations and
// balances, in that order and each sorted, so batches cannot deadlock with
// each other or with single operations. An id another transaction recorded
// since decideBatch looked returns errRecordedConcurrently.
func (s *core) writeBatch(ctx context.Context, b *batchTx) error {
	live := b.live()
	if len(live) == 0 {
		return nil
	}
	if err := s.planLocks(ctx, b, live); err != nil {
		return err
	}
	callers, events, hashes := make([]Caller, len(live)), make([]Event, len(live)), make([][]byte, len(live))
	for k, it := range live {
		callers[k], events[k], hashes[k] = it.job.c, it.ev, it.hash
	}
	batch := &pgx.Batch{}
	inserted := map[eventKey]bool{}
	if err := queueInsertEvents(batch, callers, events, hashes, inserted); err != nil {
		return err
	}
	b.after = make(map[counterKey]*rating.Decimal, len(b.counterKeys))
	for _, k := range b.counterKeys {
		b.after[k] = new(rating.Decimal)
		queueBumpCounter(batch, k.customer, k.price, k.period, b.deltas[k], b.after[k])
	}
	found := make(map[authKey]*bool, len(b.authKeys))
	for _, k := range b.authKeys {
		found[k] = new(bool)
		queueFindAuthorization(batch, Caller{AccountID: k.account, Mode: Mode(k.mode)}, k.id, b.auths[k], found[k])
	}
	states := make([]*balanceState, len(b.balanceKeys))
	for i, k := range b.balanceKeys {
		states[i] = b.balances[k]
	}
	queueLockBalances(batch, states, b.now, &s.cache.balances)
	if err := b.tx.SendBatch(ctx, batch).Close(); err != nil {
		return Translate(err)
	}
	s.rememberBalances(b.tx, states...)
	for _, it := range live {
		if !inserted[eventKey{it.job.c.AccountID, string(it.job.c.Mode), it.ev.ID}] {
			return errRecordedConcurrently
		}
	}
	for _, k := range b.authKeys {
		if !*found[k] {
			return fmt.Errorf("lock authorization %s: found before the batch wrote, gone after", k.id)
		}
	}
	return nil
}

// planLocks lists, each sorted, the tier counters, authorizations and
// balances the live events touch, with the batch's usage of each counter.
func (s *core) planLocks(ctx context.Context, b *batchTx, live []*batchItem) error {
	b.deltas = map[counterKey]rating.Decimal{}
	b.auths = map[authKey]*Authorization{}
	b.balances = map[balanceKey]*balanceState{}
	for _, it := range live {
		if it.ev.AuthorizationID != "" {
			if _, ok := b.auths[it.authKey()]; !ok {
				b.auths[it.authKey()] = &Authorization{}
				b.authKeys = append(b.authKeys, it.authKey())
			}
		}
		assets, err := s.assetsOf(ctx, b.tx, it.job.c)
		if err != nil {
			return err
		}
		for _, r := range it.ratings {
			for _, f := range r.rated {
				if r.byID[f.PriceID].Model == rating.Tiered {
					k := counterKey{it.ev.CustomerID, f.PriceID, rating.PeriodStart(it.ev.OccurredAt)}
					if _, ok := b.deltas[k]; !ok {
						b.counterKeys = append(b.counterKeys, k)
					}
					b.deltas[k] = b.deltas[k].Add(f.Quantity)
				}
				k := balanceKey{it.ev.WalletID, f.Asset}
				if _, ok := b.balances[k]; !ok {
					b.balances[k] = &balanceState{c: it.job.c, walletID: k.wallet, asset: assets[f.Asset], now: b.now}
					b.balanceKeys = append(b.balanceKeys, k)
				}
			}
		}
	}
	sort.Slice(b.counterKeys, func(i, j int) bool {
		x, y := b.counterKeys[i], b.counterKeys[j]
		if x.customer != y.customer {
			return x.customer < y.customer
		}
		if x.price != y.price {
			return x.price < y.price
		}
		return x.period.Before(y.period)
	})
	sort.Slice(b.authKeys, func(i, j int) bool { return b.authKeys[i].id < b.authKeys[j].id })
	sort.Slice(b.balanceKeys, func(i, j int) bool {
		x, y := b.balanceKeys[i], b.balanceKeys[j]
		return x.wallet < y.wallet || x.wallet == y.wallet && x.asset < y.asset
	})
	return nil
}

// settleBatch is phase five, settle: in arrival order, each event's tiered
// fees are priced again from where its counters stood, its wallet is debited
// (lots burn in order), its authorization captured; then, in the round trip
// that commits, the settlements, fees, below-zero notices and every balance
// touched, written once.
func (s *core) settleBatch(ctx context.Context, b *batchTx) error {
	running := make(map[counterKey]rating.Decimal, len(b.counterKeys))
	for _, k := range b.counterKeys {
		running[k] = b.after[k].Sub(b.deltas[k]) // the period's usage before this batch
	}
	before := make(map[balanceKey]rating.Decimal, len(b.balanceKeys))
	for _, k := range b.balanceKeys {
		b.balances[k].settle()
		before[k] = b.balances[k].total()
	}
	batch := &pgx.Batch{}
	var fees []feeRow
	for _, it := range b.live() {
		rows, err := s.chargeEvent(ctx, b, batch, it, running)
		if err != nil {
			return err
		}
		fees = append(fees, rows...)
	}
	queueInsertFeeRows(batch, fees)
	touched := make([]*balanceState, 0, len(b.balanceKeys))
	for _, k := range b.balanceKeys {
		bal := b.balances[k]
		if err := bal.check(); err != nil {
			return err
		}
		touched = append(touched, bal)
		if !before[k].IsNegative() && bal.total().IsNegative() {
			queueOutbox(batch, bal.c, "balance.below_zero", map[string]any{"wallet_id": bal.walletID, "asset": bal.asset.Code, "total": bal.total().String()}, b.now)
		}
	}
	queueBalanceWrites(batch, touched...)
	s.queueAutoTopUpTriggers(b.tx, batch, b.now, touched...)
	s.queueBalanceAlerts(batch, b.now, false, touched...)
	return sendFinal(ctx, b.tx, batch)
}

// chargeEvent prices one event's tiered fees from the running counters
// (advancing them), gives its fees their ids, captures its authorization
// into batch and debits its wallet. It returns the event's fee rows.
func (s *core) chargeEvent(ctx context.Context, b *batchTx, batch *pgx.Batch, it *batchItem, running map[counterKey]rating.Decimal) ([]feeRow, error) {
	c := it.job.c
	assets, err := s.assetsOf(ctx, b.tx, c)
	if err != nil {
		return nil, err
	}
	for ri := range it.ratings {
		r := &it.ratings[ri]
		prior := map[string]rating.Decimal{}
		for _, f := range r.rated {
			if r.byID[f.PriceID].Model == rating.Tiered {
				k := counterKey{it.ev.CustomerID, f.PriceID, rating.PeriodStart(it.ev.OccurredAt)}
				prior[f.PriceID] = running[k]
				running[k] = running[k].Add(f.Quantity)
			}
		}
		if len(prior) > 0 {
			rated, err := rating.Rate(r.v.Version.Prices, rating.RatingEvent{EventType: it.ev.EventType, Data: it.ev.Data, Costs: it.ev.Costs}, prior, precisionsOf(assets))
			if err != nil {
				return nil, err // rated once already; cannot differ but for a bug
			}
			r.rated = rated
		}
		it.ev.Fees = append(it.ev.Fees, toFees(r.v, r.rated, r.byID)...)
	}
	for i := range it.ev.Fees {
		it.ev.Fees[i].ID, it.ev.Fees[i].EventID = kernel.NewID(prefixFee, b.now), it.ev.ID
	}
	totals := feeTotals(it.ev.Fees)
	if it.ev.AuthorizationID != "" {
		it.ev.Settlement = s.capture(batch, b.auths[it.authKey()], it.ev.ID, totals, b.now)
	}
	txnByAsset := map[string]string{}
	for _, code := range sortedKeys(totals) {
		if amount := totals[code]; amount.IsPositive() {
			bal := b.balances[balanceKey{it.ev.WalletID, code}]
			p := bal.newPosting("usage", it.ev.ID, it.ev.EventType+" usage")
			bal.debit(p, LedgerRevenue, amount)
			txnByAsset[code] = p.id
		}
	}
	rows := make([]feeRow, len(it.ev.Fees))
	for i, f := range it.ev.Fees {
		rows[i] = feeRow{c: c, fee: f, customerID: it.ev.CustomerID, txn: txnByAsset[f.Asset], occurredAt: it.ev.OccurredAt, createdAt: it.ev.CreatedAt}
	}
	return rows, nil
}

// answers gives each item its answer; an event that repeats an id earlier in
// the batch gets the first one's, as a replay (or a conflict, when its
// payload differs).
func answers(items []*batchItem) []batchResult {
	results := make([]batchResult, len(items))
	for i, it := range items {
		switch {
		case it.follows >= 0:
			lead := items[it.follows]
			switch {
			case lead.err != nil:
				results[i].err = lead.err
			case string(lead.hash) != string(it.hash):
				results[i].err = conflictingEvent(it.job.in.ID)
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
	return results
}
