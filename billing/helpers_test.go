package billing_test

import (
	"context"
	"testing"

	"github.com/tollgatehq/tollgate/internal/billingtest"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// clock is a settable test clock.
type clock = billingtest.Clock

var t0 = billingtest.T0

type env struct {
	svc   *billing.Service
	jobs  *jobs.Queue // the service's job queue: inserts only until startJobs
	clock *clock
	ctx   context.Context // the default account, test mode
	acct  billing.Account
}

func newEnv(t *testing.T) *env {
	t.Helper()
	b := billingtest.New(t)
	return &env{svc: b.Svc, jobs: b.Jobs, clock: b.Clock, ctx: b.Ctx, acct: b.Acct}
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

func dec(s string) rating.Decimal { return billingtest.Dec(s) }
func decp(s string) *rating.Decimal {
	d := dec(s)
	return &d
}

func (e *env) customer(t *testing.T, ext string) billing.Customer {
	return billingtest.Customer(t, e.ctx, e.svc, ext)
}

func (e *env) adjust(t *testing.T, in billing.CreateAdjustmentInput) billing.Adjustment {
	return billingtest.Adjust(t, e.ctx, e.svc, in)
}

func (e *env) balance(t *testing.T, customer, asset string) billing.Balance {
	return billingtest.Balance(t, e.ctx, e.svc, customer, asset)
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
