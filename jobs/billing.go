package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/tollgatehq/tollgate/billing"
)

// insertOpts are the insert options of billing's jobs by kind: one pending
// charge of an auto top-up a minute, however many times it is handed over.
var insertOpts = map[string]*river.InsertOpts{
	billing.AutoTopUpJob{}.Kind(): {UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}},
}

// Billing is the background work of billing: the jobs it enqueues, and
// every minute its sweeps (plans due for renewal, lots due to expire,
// auto top-ups whose job was never inserted).
func Billing(svc *billing.Service) Set {
	every := func(args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil }, &river.PeriodicJobOpts{RunOnStart: true})
	}
	return Set{
		Register: func(w *river.Workers) {
			river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[billing.AutoTopUpJob]) error {
				return svc.Payments.ChargeAutoTopUp(ctx, j.Args.TopUpID)
			}))
			river.AddWorker(w, &clockWorker{svc: svc})
			river.AddWorker(w, river.WorkFunc(func(ctx context.Context, _ *river.Job[reconcileArgs]) error {
				return svc.Payments.ReconcileAutoTopUps(ctx)
			}))
			river.AddWorker(w, river.WorkFunc(func(ctx context.Context, _ *river.Job[renewArgs]) error {
				return untilNone(ctx, svc.Plans.RenewDue)
			}))
			river.AddWorker(w, river.WorkFunc(func(ctx context.Context, _ *river.Job[expiryArgs]) error {
				return untilNone(ctx, svc.SweepExpiredLots)
			}))
		},
		Periodic: []*river.PeriodicJob{every(reconcileArgs{}), every(renewArgs{}), every(expiryArgs{})},
	}
}

// untilNone runs a sweep of at most 500 items until one finds none.
func untilNone(ctx context.Context, sweep func(context.Context, int) (int, error)) error {
	for {
		n, err := sweep(ctx, 500)
		if err != nil || n == 0 {
			return err
		}
	}
}

// clockWorker advances a test clock: every step of what fell due, which on
// a clock with many customers may take longer than JobTimeout.
type clockWorker struct {
	river.WorkerDefaults[billing.AdvanceTestClockJob]
	svc *billing.Service
}

func (w *clockWorker) Timeout(*river.Job[billing.AdvanceTestClockJob]) time.Duration {
	return 10 * time.Minute
}

func (w *clockWorker) Work(ctx context.Context, j *river.Job[billing.AdvanceTestClockJob]) error {
	return w.svc.Plans.RunTestClock(ctx, j.Args.ClockID)
}

// reconcileArgs runs billing's ReconcileAutoTopUps.
type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return "reconcile_auto_top_ups" }

// renewArgs runs billing's RenewDue until nothing is due.
type renewArgs struct{}

func (renewArgs) Kind() string { return "renew_subscriptions" }

// expiryArgs runs billing's SweepExpiredLots until nothing is due.
type expiryArgs struct{}

func (expiryArgs) Kind() string { return "sweep_expired_lots" }
