package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	svc   *billing.Service
	jobs  *jobs.Queue // the service's job queue: inserts only until startJobs
	clock *clock
	ctx   context.Context // the default account, test mode
	acct  billing.Account
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testdb.New(t)
	clk := &clock{t: t0}
	q := jobs.New(pool, nil)
	svc := billing.NewService(pool, billing.Options{Now: clk.Now, Jobs: q})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	return &env{svc: svc, jobs: q, clock: clk, ctx: ctx, acct: acct}
}

// startJobs runs the service's background work and its jobs, as serve
// does, until the test ends.
func (e *env) startJobs(t *testing.T) {
	t.Helper()
	startJobs(t, e.svc, e.jobs)
}

func startJobs(t *testing.T, svc *billing.Service, q *jobs.Queue) {
	t.Helper()
	svc.Start(context.Background())
	if err := q.Start(context.Background(), jobs.Billing(svc)); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	t.Cleanup(func() {
		_ = svc.Close(context.Background())
		_ = q.Stop(context.Background())
	})
}

func dec(s string) rating.Decimal { return decimal.RequireFromString(s) }
func decp(s string) *rating.Decimal {
	d := dec(s)
	return &d
}

func (e *env) customer(t *testing.T, ext string) billing.Customer {
	t.Helper()
	c, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: ext})
	if err != nil {
		t.Fatalf("CreateCustomer(%s) = %v", ext, err)
	}
	return c
}

func (e *env) adjust(t *testing.T, in billing.CreateAdjustmentInput) billing.Adjustment {
	t.Helper()
	if in.TransactionID == "" {
		in.TransactionID = "txn-" + time.Now().Format("150405.000000000") + in.Reason
	}
	a, err := e.svc.CreateAdjustment(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateAdjustment(%+v) = %v", in, err)
	}
	return a
}

func (e *env) balance(t *testing.T, customer, asset string) billing.Balance {
	t.Helper()
	v, err := e.svc.GetWallet(e.ctx, customer, "")
	if err != nil {
		t.Fatalf("GetWallet(%s) = %v", customer, err)
	}
	for _, b := range v.Balances {
		if b.Asset == asset {
			return b
		}
	}
	return billing.Balance{Asset: asset}
}

func (e *env) verifyClean(t *testing.T) {
	t.Helper()
	r, err := e.svc.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if len(r.Problems) > 0 {
		t.Fatalf("Verify found problems:\n%v", r.Problems)
	}
}

func wantDec(t *testing.T, what string, got rating.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := kernel.ErrorCode(err); got != code {
		t.Fatalf("%s error = %v (code %q), want code %q", what, err, got, code)
	}
}
