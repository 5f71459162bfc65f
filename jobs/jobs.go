// Package jobs is the River adapter: the one job client of a process, on
// the database's own tables, durable, retried with backoff and taken by
// exactly one of several `tollgate serve` processes. main builds it, hands
// it to billing (billing.JobQueue) and webhooks (their inserts), and starts
// it with every package's workers and periodic jobs in serve. The domain
// packages never import River: billing names its work as plain job values
// and Service methods, and this package runs them.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/tollgatehq/tollgate/billing"
)

// Set is the background work of one package: its workers, periodic jobs and
// queues (besides River's default queue).
type Set struct {
	Register func(*river.Workers)
	Periodic []*river.PeriodicJob
	Queues   map[string]river.QueueConfig
}

// Queue inserts jobs, and once started runs them. Before Start (and in a
// process that never starts it, such as `tollgate mcp`) it inserts through
// an insert-only client; a serve process works what it inserts.
type Queue struct {
	pool *pgxpool.Pool
	log  *slog.Logger

	mu      sync.Mutex
	client  *river.Client[pgx.Tx] // nil until Start or the first insert
	running bool
}

// New returns a queue on pool's database; log receives River's logs (nil:
// discarded).
func New(pool *pgxpool.Pool, log *slog.Logger) *Queue {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Queue{pool: pool, log: log}
}

// JobTimeout bounds one job unless its worker says otherwise.
const JobTimeout = time.Minute

// Start runs the jobs of sets until Stop. Call it once, before the process
// serves (jobs inserted before it are worked once it runs).
func (q *Queue) Start(ctx context.Context, sets ...Set) error {
	workers := river.NewWorkers()
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
	var periodic []*river.PeriodicJob
	for _, s := range sets {
		if s.Register != nil {
			s.Register(workers)
		}
		periodic = append(periodic, s.Periodic...)
		maps.Copy(queues, s.Queues)
	}
	client, err := river.NewClient(riverpgxv5.New(q.pool), &river.Config{
		Queues: queues, Workers: workers, PeriodicJobs: periodic, Logger: q.log, JobTimeout: JobTimeout,
	})
	if err != nil {
		return err
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	q.mu.Lock()
	q.client, q.running = client, true
	q.mu.Unlock()
	return nil
}

// Stop stops working jobs, letting running ones finish until ctx ends.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	client, running := q.client, q.running
	q.running = false
	q.mu.Unlock()
	if !running {
		return nil
	}
	return client.Stop(ctx)
}

// InsertTx inserts a job in tx, so that it exists if and only if tx
// commits; tx nil inserts it at once.
func (q *Queue) InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	client, err := q.inserter()
	if err != nil {
		return err
	}
	if tx == nil {
		_, err = client.Insert(ctx, args, opts)
	} else {
		_, err = client.InsertTx(ctx, tx, args, opts)
	}
	return err
}

// Enqueue inserts one of billing's jobs (billing.JobQueue).
func (q *Queue) Enqueue(ctx context.Context, tx pgx.Tx, job billing.Job) error {
	return q.InsertTx(ctx, tx, job, insertOpts[job.Kind()])
}

func (q *Queue) inserter() (*river.Client[pgx.Tx], error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.client == nil {
		client, err := river.NewClient(riverpgxv5.New(q.pool), &river.Config{Logger: q.log})
		if err != nil {
			return nil, errors.Join(errors.New("job client"), err)
		}
		q.client = client
	}
	return q.client, nil
}

// Migrate creates or updates River's own tables at the version of the River
// this binary was built with (a billing.MigrateStep).
func Migrate(ctx context.Context, db *sql.DB) error {
	rm, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}
