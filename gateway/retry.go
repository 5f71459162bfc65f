package gateway

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// The retry queue's bounds: how many events it keeps, and how long it waits
// between two attempts at one (doubling from the first).
const (
	maxPending      = 10_000
	firstRetryDelay = time.Second
	maxRetryDelay   = 30 * time.Second
)

// retryable says whether a failure to record usage may pass: the database
// could not take it now (unavailable), or whether it did is unknown (a
// COMMIT whose answer was lost); the event's id makes a second attempt
// charge at most once. Anything else (invalid input, a conflict) would fail
// again the same way.
func retryable(err error) bool {
	switch kernel.ErrorCode(err) {
	case kernel.EUnavailable, kernel.EOutcomeUnknown:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// pendingEvent is a usage event waiting to be recorded, with the caller it
// is recorded for.
type pendingEvent struct {
	caller   billing.Caller
	in       billing.UsageEventInput
	attempts int
	next     time.Time
}

// retryQueue keeps, in memory, the usage events of answered calls that the
// database could not take, and records them again with backoff until it
// takes each (or refuses it for good). Bounded: past maxPending events a new
// one is logged with its id and data instead, as is every event still
// waiting when the gateway closes.
type retryQueue struct {
	record func(ctx context.Context, in billing.UsageEventInput) (billing.Event, error)
	log    *slog.Logger
	// first and most are the delays before the first retry and between
	// later ones at most (firstRetryDelay, maxRetryDelay; shorter in tests).
	first, most time.Duration

	mu      sync.Mutex
	pending []*pendingEvent
	started bool
	closed  bool
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	// recorded is signalled (without blocking) with the id of each event a
	// retry recorded, once it has left the queue; for tests.
	recorded chan string
}

func newRetryQueue(record func(context.Context, billing.UsageEventInput) (billing.Event, error), log *slog.Logger) *retryQueue {
	return &retryQueue{record: record, log: log, first: firstRetryDelay, most: maxRetryDelay,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}), recorded: make(chan string, 64)}
}

// add keeps an event for a retry, starting the retrying goroutine on first
// use. It reports false when the event could not be kept (the queue full or
// closed); the event is then logged with its data.
func (q *retryQueue) add(c billing.Caller, in billing.UsageEventInput) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.pending) >= maxPending {
		q.log.Error("gateway: usage event not recorded and not kept for a retry (the retry queue is full or closed)",
			"event", in.ID, "account", c.AccountID, "mode", c.Mode, "customer", in.Customer, "event_type", in.EventType,
			"authorization", in.AuthorizationID, "occurred_at", in.OccurredAt, "data", in.Data, "costs", in.Costs)
		return false
	}
	q.pending = append(q.pending, &pendingEvent{caller: c, in: in, next: time.Now().Add(q.first)})
	if !q.started {
		q.started = true
		go q.run()
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// len is the number of events waiting.
func (q *retryQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// run retries the due events until the queue is closed.
func (q *retryQueue) run() {
	defer close(q.stopped)
	timer := time.NewTimer(q.first)
	defer timer.Stop()
	for {
		select {
		case <-q.stop:
			return
		case <-q.wake:
		case <-timer.C:
		}
		next := q.attemptDue(time.Now(), false)
		timer.Reset(max(time.Until(next), 10*time.Millisecond))
	}
}

// attemptDue tries every event due at now (all of them when all is set) and
// returns when the next one is due.
func (q *retryQueue) attemptDue(now time.Time, all bool) time.Time {
	q.mu.Lock()
	var due []*pendingEvent
	for _, p := range q.pending {
		if all || !p.next.After(now) {
			due = append(due, p)
		}
	}
	q.mu.Unlock()
	done := map[*pendingEvent]bool{}
	var recorded []string
	for _, p := range due {
		ok, rec := q.attempt(p)
		done[p] = ok
		if rec {
			recorded = append(recorded, p.in.ID)
		}
	}
	q.mu.Lock()
	defer func() {
		q.mu.Unlock()
		for _, id := range recorded {
			select {
			case q.recorded <- id:
			default:
			}
		}
	}()
	kept := q.pending[:0]
	next := now.Add(q.most)
	for _, p := range q.pending {
		if done[p] {
			continue
		}
		kept = append(kept, p)
		if p.next.Before(next) {
			next = p.next
		}
	}
	clear(q.pending[len(kept):])
	q.pending = kept
	return next
}

// attempt records one event; it reports whether the event is done with
// (recorded, recorded before, or refused for good), and whether this
// attempt recorded it.
func (q *retryQueue) attempt(p *pendingEvent) (done, recorded bool) {
	ctx, cancel := context.WithTimeout(billing.WithCaller(context.Background(), p.caller), settleTimeout)
	defer cancel()
	p.attempts++
	_, err := q.record(ctx, p.in)
	switch {
	case err == nil:
		q.log.Info("gateway: usage recorded on retry", "event", p.in.ID, "attempts", p.attempts+1)
		return true, true
	case retryable(err):
		delay := min(q.most, q.first<<min(p.attempts, 5))
		p.next = time.Now().Add(delay)
		q.log.Warn("gateway: usage still not recorded; retrying", "event", p.in.ID, "attempts", p.attempts+1, "next_in", delay, "err", err)
		return false, false
	case kernel.ErrorCode(err) == kernel.EConflict:
		q.log.Info("gateway: usage event recorded before its retry", "event", p.in.ID)
		return true, false
	default:
		q.log.Error("gateway: usage event refused on retry; not recorded", "event", p.in.ID, "account", p.caller.AccountID, "mode", p.caller.Mode,
			"customer", p.in.Customer, "event_type", p.in.EventType, "authorization", p.in.AuthorizationID, "occurred_at", p.in.OccurredAt,
			"data", p.in.Data, "costs", p.in.Costs, "err", err)
		return true, false
	}
}

// close stops the retrying, makes one last attempt at every event still
// waiting while ctx allows, and logs each that remains with its data, so
// none is lost silently.
func (q *retryQueue) close(ctx context.Context) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	started := q.started
	q.mu.Unlock()
	if started {
		close(q.stop)
		<-q.stopped
	}
	if ctx.Err() == nil {
		q.attemptDue(time.Now(), true)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, p := range q.pending {
		q.log.Error("gateway: usage event not recorded at shutdown", "event", p.in.ID, "account", p.caller.AccountID, "mode", p.caller.Mode,
			"customer", p.in.Customer, "event_type", p.in.EventType, "authorization", p.in.AuthorizationID, "occurred_at", p.in.OccurredAt,
			"data", p.in.Data, "costs", p.in.Costs, "attempts", p.attempts+1)
	}
	q.pending = nil
}
