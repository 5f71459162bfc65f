package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
)

// Background work runs as jobs on PostgreSQL, through the job queue main
// builds (package jobs, on River) and hands in as Options.Jobs: durable,
// retried with backoff, and taken by exactly one of several `tollgate
// serve` processes. billing names its work as plain job values and the
// Service methods that do it; it does not import the queue.

// Job is a piece of background work billing asks for.
type Job interface {
	// Kind names the work; the queue runs each kind with one Service
	// method (see each job type).
	Kind() string
}

// JobQueue takes billing's jobs (package jobs implements it).
type JobQueue interface {
	// Enqueue inserts job in tx, so that it exists if and only if tx
	// commits; tx nil inserts it at once.
	Enqueue(ctx context.Context, tx pgx.Tx, job Job) error
}

// AutoTopUpJob charges the card for one pending auto top-up:
// ChargeAutoTopUp.
type AutoTopUpJob struct {
	TopUpID string `json:"top_up_id"`
}

// Kind is the job's kind.
func (AutoTopUpJob) Kind() string { return "auto_top_up" }

// AdvanceTestClockJob runs an advancing test clock's due work:
// RunTestClock.
type AdvanceTestClockJob struct {
	ClockID string `json:"clock_id"`
}

// Kind is the job's kind.
func (AdvanceTestClockJob) Kind() string { return "advance_test_clock" }

// enqueueJob hands a job to the queue main gave, in tx (nil: at once).
func (s *core) enqueueJob(ctx context.Context, tx pgx.Tx, job Job) error {
	if s.opts.Jobs == nil {
		return kernel.Errorf(kernel.EUnavailable, "this process has no job queue; %s work runs in `tollgate serve`", job.Kind())
	}
	return s.opts.Jobs.Enqueue(ctx, tx, job)
}

// ReconcileAutoTopUps finds pending auto top-ups whose job was never
// inserted (the process stopped between the debit's commit and the insert)
// and inserts it. The queue runs it every minute.
func (s *Payments) ReconcileAutoTopUps(ctx context.Context) error {
	ids, err := queries.StalePendingAutoTopUps(ctx, TranslateErrors(s.pool), s.clock().Add(-time.Minute))
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.enqueueJob(ctx, nil, AutoTopUpJob{TopUpID: id}); err != nil {
			return err
		}
	}
	return nil
}

// kick hands a started auto top-up to the job queue without waiting; when
// the queue is not running here or is full, the reconciler of a process
// that runs jobs finds it.
func (s *core) kick(id string) {
	select {
	case s.kicks <- id:
	default:
	}
}

// Start starts what this process runs beside its requests until Close: the
// listener that drops revoked keys from the cache at once, and the hand-over
// of started auto top-ups to the job queue. serve calls it; the jobs
// themselves run where main starts the queue.
func (s *Service) Start(ctx context.Context) {
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopBackground = cancel
	go s.listenRevocations(bg)
	go func() {
		for {
			select {
			case <-bg.Done():
				return
			case id := <-s.kicks:
				if err := s.enqueueJob(bg, nil, AutoTopUpJob{TopUpID: id}); err != nil {
					s.log.Error("insert auto top-up job; the reconciler will", "top_up", id, "err", err)
				}
			}
		}
	}()
}
