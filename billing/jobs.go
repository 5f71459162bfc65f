package billing

import (
	"context"
	"errors"
	"maps"
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

// advanceClockWorker runs an advancing test clock's due work.
type advanceClockWorker struct {
	river.WorkerDefaults[advanceClockArgs]
	s *Service
}

func (w *advanceClockWorker) Work(ctx context.Context, job *river.Job[advanceClockArgs]) error {
	return w.s.advanceClock(ctx, job.Args.ClockID)
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
	river.AddWorker(workers, &advanceClockWorker{s: s})
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return reconcileArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return renewArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
	}
	for _, j := range s.extraJobs {
		if j.Register != nil {
			j.Register(workers)
		}
		periodic = append(periodic, j.Periodic...)
		maps.Copy(queues, j.Queues)
	}
	client, err := river.NewClient(riverpgxv5.New(s.pool), &river.Config{
		Queues:       queues,
		Workers:      workers,
		PeriodicJobs: periodic,
		Logger:       s.log,
		JobTimeout:   time.Minute,
	})
	if err != nil {
		return err
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	s.jobs = client
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBackground = cancel
	go s.listenRevocations(bg)
	go func() {
		for id := range s.kicks {
			if err := s.insertAutoTopUpJob(context.Background(), id); err != nil {
				s.log.Error("insert auto top-up job; the reconciler will", "top_up", id, "err", err)
			}
		}
	}()
	return nil
}

// Jobs is background work a package beside billing (webhooks) runs on the
// service's one River client: its workers, periodic jobs and queues.
type Jobs struct {
	Register func(*river.Workers)
	Periodic []*river.PeriodicJob
	Queues   map[string]river.QueueConfig
}

// AddJobs adds background work to the jobs StartJobs starts; call it
// before StartJobs.
func (s *Service) AddJobs(j Jobs) { s.extraJobs = append(s.extraJobs, j) }

// InsertJobTx inserts a job in tx, so that it exists if and only if tx
// commits. A process that runs no jobs (StartJobs not called) inserts
// through an insert-only client; a serve process works the job.
func (s *Service) InsertJobTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	client, err := s.inserter()
	if err != nil {
		return err
	}
	_, err = client.InsertTx(ctx, tx, args, opts)
	return err
}

func (s *Service) inserter() (*river.Client[pgx.Tx], error) {
	if s.jobs != nil {
		return s.jobs, nil
	}
	s.insertOnce.Do(func() {
		s.insertOnly, s.insertErr = river.NewClient(riverpgxv5.New(s.pool), &river.Config{Logger: s.log})
	})
	if s.insertOnly == nil {
		return nil, errors.Join(errors.New("job client"), s.insertErr)
	}
	return s.insertOnly, nil
}
