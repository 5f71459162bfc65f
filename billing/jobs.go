package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Background work runs as River jobs on PostgreSQL: durable, retried with
// backoff, and taken by exactly one of several `tollgate serve` processes.

// autoTopUpArgs charges the card for one pending auto top-up.
type autoTopUpArgs struct {
	TopUpID string `json:"top_up_id"`
}

func (autoTopUpArgs) Kind() string { return "auto_top_up" }

type autoTopUpWorker struct {
	river.WorkerDefaults[autoTopUpArgs]
	s *Service
}

func (w *autoTopUpWorker) Work(ctx context.Context, job *river.Job[autoTopUpArgs]) error {
	return w.s.chargeAutoTopUp(ctx, job.Args.TopUpID)
}

// reconcileArgs finds pending auto top-ups whose job was never inserted (the
// process stopped between the debit's commit and the insert) and inserts it.
type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return "reconcile_auto_top_ups" }

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	s *Service
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[reconcileArgs]) error {
	rows, err := w.s.pool.Query(ctx, `SELECT id FROM top_ups WHERE auto AND status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT 500`,
		w.s.clock().Add(-time.Minute))
	if err != nil {
		return translate(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return translate(err)
	}
	for _, id := range ids {
		if err := w.s.insertAutoTopUpJob(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// renewArgs runs the billing cycle of plans (RenewDue): renewals, retries
// of past_due plans, suspensions.
type renewArgs struct{}

func (renewArgs) Kind() string { return "renew_subscriptions" }

type renewWorker struct {
	river.WorkerDefaults[renewArgs]
	s *Service
}

func (w *renewWorker) Work(ctx context.Context, _ *river.Job[renewArgs]) error {
	for {
		n, err := w.s.RenewDue(ctx, 500)
		if err != nil || n == 0 {
			return err
		}
	}
}

var uniqueByArgs = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}

func (s *Service) insertAutoTopUpJob(ctx context.Context, id string) error {
	_, err := s.jobs.Insert(ctx, autoTopUpArgs{TopUpID: id}, uniqueByArgs)
	return err
}

// kick hands a started auto top-up to the job queue without waiting; when
// the queue is not running here or is full, the reconciler of a process
// that runs jobs finds it.
func (s *Service) kick(id string) {
	select {
	case s.kicks <- id:
	default:
	}
}

// StartJobs starts the background jobs of this process (auto top-up
// charges and their reconciler) until Close. serve calls it; a process that
// only serves MCP over stdio leaves the jobs to a serve process.
func (s *Service) StartJobs(ctx context.Context) error {
	workers := river.NewWorkers()
	river.AddWorker(workers, &autoTopUpWorker{s: s})
	river.AddWorker(workers, &reconcileWorker{s: s})
	river.AddWorker(workers, &renewWorker{s: s})
	client, err := river.NewClient(riverpgxv5.New(s.pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return reconcileArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
				func() (river.JobArgs, *river.InsertOpts) { return renewArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		},
		Logger:     s.log,
		JobTimeout: time.Minute,
	})
	if err != nil {
		return err
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	s.jobs = client
	go func() {
		for id := range s.kicks {
			if err := s.insertAutoTopUpJob(context.Background(), id); err != nil {
				s.log.Error("insert auto top-up job; the reconciler will", "top_up", id, "err", err)
			}
		}
	}()
	return nil
}
