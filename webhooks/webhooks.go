// Package webhooks delivers Tollgate's events to the platform's endpoints:
// the events billing writes to its outbox, in the transaction of the change
// they report, are fanned out to the endpoints that want them and sent by
// River jobs, signed to the Standard Webhooks specification, at least once.
//
// An outbox row is taken once (its fan-out creates the event, one delivery
// per endpoint and one job per delivery in one transaction, and marks the
// row); a delivery's job retries on the schedule of Options.RetryDelays and
// records every attempt. A process that stops at any point loses nothing:
// an outbox row not marked is fanned out by the next process, a job not
// finished is worked again (receivers dedupe on webhook-id).
package webhooks

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/jobs"
)

// DefaultRetryDelays are the waits before each retry of a failed delivery;
// after the last one fails the delivery is failed.
var DefaultRetryDelays = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Defaults of Options.
const (
	DefaultTimeout         = 15 * time.Second
	DefaultFanOutInterval  = time.Second
	DefaultDisableAfter    = 5 * 24 * time.Hour
	DefaultRotationOverlap = 24 * time.Hour
	// MaxEndpoints is how many endpoints an account may have per mode.
	MaxEndpoints = 20
	// queue is the River queue of deliveries, apart from billing's jobs so
	// slow receivers never hold up auto top-ups.
	queue = "webhooks"
	// The delivery queue fetches as soon as River's insert notification
	// wakes it (at most every queueFetchCooldown), and polls every
	// queueFetchPollInterval for the jobs whose notification River folded
	// into an earlier one (it sends at most one per queue per 100 ms).
	// River's defaults, 100 ms and 1 s, put up to a second between the
	// fan-out and the first attempt (docs/BENCHMARKS.md).
	queueFetchCooldown     = 10 * time.Millisecond
	queueFetchPollInterval = 100 * time.Millisecond
)

// EventTypes are the events an endpoint may subscribe to.
var EventTypes = []string{
	"authorization.declined",
	"balance.threshold_crossed", "balance.depleted", "balance.recovered", "balance.below_zero",
	"top_up.succeeded", "top_up.failed", "top_up.requires_action",
	"auto_top_up.failed", "auto_top_up.disabled",
	"subscription.renewed", "subscription.past_due", "subscription.suspended", "subscription.resumed", "subscription.canceled",
}

// TestEventType is the type of send_test_webhook's event, sent to one
// endpoint whatever its types.
const TestEventType = "webhook.test"

// Options tune a Service; the zero value is valid.
type Options struct {
	// RetryDelays replaces DefaultRetryDelays (tests pass milliseconds).
	RetryDelays []time.Duration
	// Timeout bounds one attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// FanOutInterval is how often the outbox is read; 0 means DefaultFanOutInterval.
	FanOutInterval time.Duration
	// DisableAfter disables an endpoint failing for that long; 0 means DefaultDisableAfter.
	DisableAfter time.Duration
	// RotationOverlap is how long a rotated secret keeps signing; 0 means DefaultRotationOverlap.
	RotationOverlap time.Duration
	// Logger receives delivery failures (never secrets); nil discards.
	Logger *slog.Logger
	// Render makes an event's data, the object as the REST API shows it,
	// from the ids its outbox row carries (see Render). Servers pass
	// wire.WebhookData; nil sends the outbox payload as it is, which only
	// the tests of the delivery machinery want.
	Render Render
	// Jobs inserts the deliveries' jobs in the transaction that queues them
	// (the process's *jobs.Queue, built by main); nil: a queue of its own
	// that only inserts (a serve process on the database works them).
	Jobs Inserter
}

// Inserter inserts a River job in a transaction (*jobs.Queue).
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Render returns the data of an event of type typ from its outbox payload
// (the ids of what changed), reading the objects now; ctx carries the
// caller of the event's account and mode. The fan-out calls it once per
// event and stores the result: every attempt, and a manual retry, sends
// that snapshot. A billing error of code ENotFound or EInvalid drops the
// event (what it reports is gone, or the row is malformed) with a log line;
// any other error leaves the outbox row for the next fan-out.
type Render func(ctx context.Context, typ string, payload json.RawMessage) (any, error)

// Service manages endpoints and delivers events.
type Service struct {
	pool    *pgxpool.Pool
	billing *billing.Service
	opts    Options
	log     *slog.Logger
	clients map[billing.Mode]*http.Client
}

// New returns the webhooks service over billing's database; its jobs (the
// fan-out and the deliveries) run where main starts Jobs().
func New(pool *pgxpool.Pool, svc *billing.Service, opts Options) *Service {
	if len(opts.RetryDelays) == 0 {
		opts.RetryDelays = DefaultRetryDelays
	}
	opts.Timeout = cmp.Or(opts.Timeout, DefaultTimeout)
	opts.FanOutInterval = cmp.Or(opts.FanOutInterval, DefaultFanOutInterval)
	opts.DisableAfter = cmp.Or(opts.DisableAfter, DefaultDisableAfter)
	opts.RotationOverlap = cmp.Or(opts.RotationOverlap, DefaultRotationOverlap)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Jobs == nil {
		opts.Jobs = jobs.New(pool, log)
	}
	s := &Service{pool: pool, billing: svc, opts: opts, log: log}
	s.clients = map[billing.Mode]*http.Client{
		billing.ModeTest: newClient(billing.ModeTest, opts.Timeout),
		billing.ModeLive: newClient(billing.ModeLive, opts.Timeout),
	}
	return s
}

// Jobs is the background work of webhooks for the job queue: the
// deliveries, and the fan-out of the outbox every FanOutInterval (a
// fallback: Listen fans out as events commit).
func (s *Service) Jobs() jobs.Set {
	return jobs.Set{
		Register: func(w *river.Workers) {
			river.AddWorker(w, &deliverWorker{s: s})
			river.AddWorker(w, &fanOutWorker{s: s})
		},
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(s.opts.FanOutInterval),
			func() (river.JobArgs, *river.InsertOpts) { return fanOutArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
		Queues: map[string]river.QueueConfig{queue: {MaxWorkers: 20, FetchCooldown: queueFetchCooldown, FetchPollInterval: queueFetchPollInterval}},
	}
}

func (s *Service) now() time.Time { return s.billing.Now() }

func (s *Service) caller(ctx context.Context) (billing.Caller, error) {
	return billing.RequireCaller(ctx)
}
