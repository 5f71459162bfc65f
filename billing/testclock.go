package billing

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
)

// Test clocks let a test-mode account watch time pass: a clock is a frozen
// time, and customers created on it live on that time (their events default
// to it, their holds, lots and plans are due by it). Advancing a clock runs,
// in time order and once, what falls due for its customers up to the new
// time, as a River job; the real-time sweeps leave those customers alone.

// Test clock statuses.
const (
	TestClockReady     = "ready"     // at its frozen time; its customers can be used
	TestClockAdvancing = "advancing" // its due work is running; its customers wait
)

// Bounds of a test clock.
const (
	// MaxTestClockStart is how far ahead of now a clock may start.
	MaxTestClockStart = 2 * 365 * 24 * time.Hour
	// noPlanInterval is the interval an advance is bounded by (twice) when
	// the clock's customers have no plan: the longest a plan can have.
	noPlanInterval = "year"
)

// TestClock is a frozen time for the test-mode customers created on it.
type TestClock struct {
	ID         string
	Name       string
	FrozenTime time.Time
	Status     string
	AdvanceTo  *time.Time // the target while advancing
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CreateTestClockInput creates a test clock; FrozenTime zero means now.
type CreateTestClockInput struct {
	IdempotencyKey string
	Name           string
	FrozenTime     time.Time
}

// CreateTestClock creates a test clock in test mode. It is idempotent under
// IdempotencyKey: a retry returns the clock (replayed true), another payload
// under the key is EConflict. The frozen time is now or later (up to two
// years): the catalog, rates and keys a clock's customers use exist at its
// time. Returns EInvalid, EConflict.
func (s *Plans) CreateTestClock(ctx context.Context, in CreateTestClockInput) (clk TestClock, replayed bool, err error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return TestClock{}, false, err
	}
	if c.Mode != ModeTest {
		return TestClock{}, false, kernel.Invalidf("mode", "test clocks exist only in test mode; use a test key (tg_test_…)")
	}
	if strings.TrimSpace(in.IdempotencyKey) == "" || len(in.IdempotencyKey) > 200 {
		return TestClock{}, false, kernel.Invalidf("idempotency_key", "idempotency_key is required: a unique id you choose for this clock (1-200 characters), so a retry never makes a second one")
	}
	if len(in.Name) > 200 {
		return TestClock{}, false, kernel.Invalidf("name", "name is %d characters; the limit is 200", len(in.Name))
	}
	now := s.clock()
	frozen := in.FrozenTime.UTC().Truncate(time.Microsecond)
	if in.FrozenTime.IsZero() {
		frozen = now
	}
	if frozen.Before(now.Add(-time.Minute)) || frozen.After(now.Add(MaxTestClockStart)) {
		return TestClock{}, false, kernel.Invalidf("frozen_time", "frozen_time %s must be between now (%s) and two years ahead; omit it to start the clock now",
			frozen.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	var frozenPart string
	if !in.FrozenTime.IsZero() {
		frozenPart = in.FrozenTime.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	hash := kernel.Fingerprint('|', in.Name, frozenPart)
	err = s.tx(ctx, func(tx pgx.Tx) error {
		clk = TestClock{ID: kernel.NewID(prefixTestClock, now), Name: in.Name, FrozenTime: frozen, Status: TestClockReady, CreatedAt: now, UpdatedAt: now}
		n, err := queries.InsertTestClock(ctx, tx, dbsqlc.InsertTestClockParams{ID: clk.ID, AccountID: c.AccountID, Mode: string(c.Mode),
			Name: in.Name, IdempotencyKey: in.IdempotencyKey, RequestHash: hash, FrozenTime: frozen, CreatedAt: now})
		if err != nil || n == 1 {
			return Translate(err)
		}
		r, err := queries.GetTestClockByKey(ctx, tx, dbsqlc.GetTestClockByKeyParams{IdempotencyKey: in.IdempotencyKey, AccountID: c.AccountID, Mode: string(c.Mode)})
		if err != nil {
			return Translate(err)
		}
		if string(r.RequestHash) != string(hash) {
			return kernel.Errorf(kernel.EConflict, "idempotency_key %q was already used for another test clock; use a new key for a new clock", in.IdempotencyKey)
		}
		clk, replayed = testClockFromRow(dbsqlc.GetTestClockRow(r)), true
		return nil
	})
	return clk, replayed, err
}

// GetTestClock returns one of the caller's test clocks. Returns ENotFound.
func (s *Plans) GetTestClock(ctx context.Context, id string) (TestClock, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return TestClock{}, err
	}
	r, err := queries.GetTestClock(ctx, s.pool, dbsqlc.GetTestClockParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: id})
	if err != nil {
		return TestClock{}, clockNotFound(Translate(err), id)
	}
	return testClockFromRow(dbsqlc.GetTestClockRow(r)), nil
}

// ListTestClocks lists the caller's test clocks, newest first.
func (s *Plans) ListTestClocks(ctx context.Context, limit int, cursor string) (Page[TestClock], error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Page[TestClock]{}, err
	}
	n, err := pageSize(limit)
	if err != nil {
		return Page[TestClock]{}, err
	}
	rows, err := queries.ListTestClocks(ctx, s.pool, dbsqlc.ListTestClocksParams{AccountID: c.AccountID, Mode: string(c.Mode), Cursor: nullable(cursor), Lim: int32(n + 1)})
	if err != nil {
		return Page[TestClock]{}, Translate(err)
	}
	var p Page[TestClock]
	for i, r := range rows {
		if i == n {
			p.HasMore, p.NextCursor = true, p.Items[n-1].ID
			break
		}
		p.Items = append(p.Items, testClockFromRow(dbsqlc.GetTestClockRow(r)))
	}
	return p, nil
}

// AdvanceTestClock moves a clock forward to `to` and starts the job that
// runs what falls due for its customers on the way; the clock is advancing
// until that is done, then ready at `to`. Asking again for the target it is
// at or advancing to returns it unchanged. A clock moves at most two
// intervals of the longest plan of its customers per advance (two years
// without plans). Returns EInvalid, ENotFound, EConflict (advancing
// elsewhere).
func (s *Plans) AdvanceTestClock(ctx context.Context, id string, to time.Time) (TestClock, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return TestClock{}, err
	}
	if to.IsZero() {
		return TestClock{}, kernel.Invalidf("frozen_time", "frozen_time is required: the time to advance the clock to, such as \"2027-02-01T00:00:00Z\"")
	}
	to = to.UTC().Truncate(time.Microsecond)
	var clk TestClock
	err = s.tx(ctx, func(tx pgx.Tx) error {
		r, err := queries.LockTestClock(ctx, tx, dbsqlc.LockTestClockParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: id})
		if err != nil {
			return clockNotFound(Translate(err), id)
		}
		clk = testClockFromRow(dbsqlc.GetTestClockRow(r))
		switch {
		case clk.Status == TestClockAdvancing && clk.AdvanceTo.Equal(to), clk.Status == TestClockReady && clk.FrozenTime.Equal(to):
			return nil // a retry
		case clk.Status == TestClockAdvancing:
			return kernel.Errorf(kernel.EConflict, "test clock %s is advancing to %s; wait until its status is ready, then advance it again", id, clk.AdvanceTo.Format(time.RFC3339))
		case to.Before(clk.FrozenTime):
			return kernel.Invalidf("frozen_time", "a test clock only moves forward: %s is at %s and %s is before it", id, clk.FrozenTime.Format(time.RFC3339), to.Format(time.RFC3339))
		}
		interval, err := s.longestInterval(ctx, tx, id)
		if err != nil {
			return err
		}
		if limit := periodStart(clk.FrozenTime, interval, 2); to.After(limit) {
			return kernel.Invalidf("frozen_time", "a test clock advances at most two intervals of its customers' longest plan (%s) at a time: from %s, up to %s; advance in steps",
				interval, clk.FrozenTime.Format(time.RFC3339), limit.Format(time.RFC3339))
		}
		now := s.clock()
		if err := queries.StartTestClockAdvance(ctx, tx, dbsqlc.StartTestClockAdvanceParams{ID: id, AdvanceTo: &to, UpdatedAt: now}); err != nil {
			return Translate(err)
		}
		clk.Status, clk.AdvanceTo, clk.UpdatedAt = TestClockAdvancing, &to, now
		return s.enqueueJob(ctx, tx, AdvanceTestClockJob{ClockID: id})
	})
	return clk, err
}

// longestInterval is the longest interval among the running plans of a
// clock's customers.
func (s *core) longestInterval(ctx context.Context, db DBTX, clockID string) (string, error) {
	rows, err := queries.TestClockPlans(ctx, db, &clockID)
	if err != nil {
		return "", Translate(err)
	}
	longest, rank := "", map[string]int{"": 0, "day": 1, "week": 2, "month": 3, "year": 4}
	for _, r := range rows {
		pl, err := s.planFor(ctx, db, r.ProductID, int(r.Version))
		if err != nil {
			return "", err
		}
		if rank[pl.interval] > rank[longest] {
			longest = pl.interval
		}
	}
	if longest == "" {
		longest = noPlanInterval
	}
	return longest, nil
}

// RunTestClock runs what falls due for a clock's customers between its
// frozen time and its target, in time order: at each instant something is
// due, the clock is set to it (so every operation on its customers runs at
// that time) and the due work runs, as the real-time sweeps would; then the
// clock is ready at its target. Each step is committed before the next, so
// a job that stops half way resumes where it stopped, and each piece of
// work is keyed as in real time (a period's row, a lot's remaining value),
// so none runs twice. The job queue runs it (AdvanceTestClockJob).
func (s *Plans) RunTestClock(ctx context.Context, id string) error {
	for {
		r, err := queries.ClockTime(ctx, s.pool, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return Translate(err)
		}
		if r.Status != TestClockAdvancing {
			return nil
		}
		if err := s.runDue(ctx, id, r.FrozenTime); err != nil {
			return err
		}
		if r.FrozenTime.Equal(*r.AdvanceTo) {
			_, err := queries.FinishTestClockAdvance(ctx, s.pool, dbsqlc.FinishTestClockAdvanceParams{ID: id, UpdatedAt: s.clock()})
			return Translate(err)
		}
		next, err := queries.TestClockNextDue(ctx, s.pool, dbsqlc.TestClockNextDueParams{Clock: &id, After: &r.FrozenTime, Until: r.AdvanceTo})
		if err != nil {
			return Translate(err)
		}
		if _, err := queries.StepTestClock(ctx, s.pool, dbsqlc.StepTestClockParams{ID: id, FrozenTime: next, UpdatedAt: s.clock()}); err != nil {
			return Translate(err)
		}
	}
}

// runDue runs the work due at `at` (the clock's time) for a clock's
// customers, as the real-time sweeps do for everyone else.
func (s *core) runDue(ctx context.Context, clockID string, at time.Time) error {
	for {
		n, err := s.sweepExpiredLots(ctx, &clockID, at, 500)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	for {
		n, err := s.renewDue(ctx, &clockID, at, 500)
		if err != nil || n == 0 {
			return err
		}
	}
}

// clockTime is the time of a test clock for an operation on one of its
// customers. A write takes the clock FOR SHARE, so an advance waits for it,
// and is refused while the clock advances (its customers are then the
// advance's). Returns EConflict.
func (s *core) clockTime(ctx context.Context, db DBTX, clockID string, write bool) (time.Time, error) {
	var r dbsqlc.ClockTimeRow
	var err error
	if write {
		var shared dbsqlc.ClockTimeSharedRow
		shared, err = queries.ClockTimeShared(ctx, db, clockID)
		r = dbsqlc.ClockTimeRow(shared)
	} else {
		r, err = queries.ClockTime(ctx, db, clockID)
	}
	if err != nil {
		return time.Time{}, Translate(err)
	}
	if write && r.Status == TestClockAdvancing {
		return time.Time{}, kernel.Errorf(kernel.EConflict, "test clock %s is advancing; its customers can be changed again once its status is ready (read the clock to see it)", clockID)
	}
	return r.FrozenTime.UTC(), nil
}

// timeOf is the now of an operation on wallet w's customer: its test
// clock's time, or the service's clock. write: see clockTime.
func (s *core) timeOf(ctx context.Context, db DBTX, w Wallet, write bool) (time.Time, error) {
	if w.TestClockID == "" {
		return s.clock(), nil
	}
	return s.clockTime(ctx, db, w.TestClockID, write)
}

// customerTime is timeOf for a customer known by id.
func (s *core) customerTime(ctx context.Context, db DBTX, c Caller, customerID string, write bool) (time.Time, error) {
	if c.Mode != ModeTest {
		return s.clock(), nil
	}
	clockID, ok := s.cache.clocks.Load(customerID)
	if !ok {
		id, err := queries.GetCustomerTestClock(ctx, TranslateErrors(db), customerID)
		if err != nil {
			return time.Time{}, err
		}
		if id != nil {
			clockID = *id
		}
		s.cache.clocks.Store(customerID, clockID)
	}
	return s.timeOf(ctx, db, Wallet{TestClockID: clockID}, write)
}

func testClockFromRow(r dbsqlc.GetTestClockRow) TestClock {
	clk := TestClock{ID: r.ID, Name: r.Name, FrozenTime: r.FrozenTime.UTC(), Status: r.Status, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.AdvanceTo != nil {
		t := r.AdvanceTo.UTC()
		clk.AdvanceTo = &t
	}
	return clk
}

func clockNotFound(err error, id string) error {
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return kernel.NotFoundf("test_clock", "test clock %q not found in this account's test mode", id)
	}
	return err
}
