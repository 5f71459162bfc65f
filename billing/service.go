package billing

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/payments"
)

// Service is the billing core every surface (MCP tools, REST API, CLI,
// portal) calls. Its own methods are the ledger and what shares its one
// pipelined transaction: customers and their wallets, usage and
// authorizations, adjustments; the other nouns are services of their own
// over the same core (Accounts, Catalog, Plans, Payments, Portal, Gateway,
// Confirmations). Each method takes the caller's account and mode from the
// context.
type Service struct {
	*core
	Accounts *Accounts // accounts and API keys
	Catalog  *Catalog  // assets and rates, vendors, products and versions
	Plans    *Plans    // subscriptions, renewals, statements, test clocks
	Payments *Payments // Stripe connections, top-ups, auto top-up, refunds
	Portal   *Portal   // the customer portal's settings, links and reads
	// Operators are the people who sign in to the console, their roles
	// and sessions.
	Operators *Operators
	// Overview is what an operator reads first: counts, customer search,
	// open holds.
	Overview *Overview
	Gateway  *Gateway // the metering gateway's settings per account and mode
	// Confirmations says which agent calls wait for a person's yes, and
	// carries the yes (thresholds, automation keys, single-use tokens).
	Confirmations *Confirmations
}

// Accounts creates accounts and manages API keys.
type Accounts struct{ *core }

// Catalog holds assets and their rates, vendors, and products with their
// immutable versions, and prices hypothetical usage.
type Catalog struct{ *core }

// Plans puts customers on product versions and runs plans: renewals,
// changes, cancellations, statements, and the test clocks that move their
// time in test mode.
type Plans struct{ *core }

// Payments takes money in through a payment provider: connections,
// top-ups, auto top-up and refunds.
type Payments struct{ *core }

// Portal serves what the customer portal needs beyond the ledger: its
// settings and signing secret, single-use links, and per-customer reads.
type Portal struct{ *core }

// core is what every noun of billing shares: the pool, the caches, the
// clock and the usage recorder, with the unexported helpers that let one
// transaction span nouns.
type core struct {
	rec   recorder
	kicks chan string // auto top-ups to hand to the job queue
	// stopBackground ends what Start started; nil before Start.
	stopBackground context.CancelFunc
	cache          *cache
	pool           *pgxpool.Pool
	now            func() time.Time
	log            *slog.Logger
	opts           Options
}

// Options tune a Service; the zero value is valid.
type Options struct {
	// Now is the clock; nil means time.Now. Tests pass a fixed clock.
	Now func() time.Time
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
	// TestPayments is the test provider that takes payments in test mode
	// for accounts without a Stripe connection; nil: such accounts cannot
	// take payments in test mode.
	TestPayments payments.Provider
	// Stripe builds an account's Stripe provider from its saved connection
	// (stripe.Connector, built by main); nil: no Stripe.
	Stripe payments.Connector
	// Observer, if set, hears of authorization decisions and usage batch
	// sizes (for metrics).
	Observer Observer
	// Jobs takes the background work billing asks for (package jobs, built
	// by main); nil: none can be asked for (an auto top-up then waits for
	// the reconciler of a process that has one).
	Jobs JobQueue
	// GracePeriod is how long a plan whose renewal could not be paid stays
	// past_due (retried) before it is suspended; 0 means DefaultGracePeriod.
	GracePeriod time.Duration
}

// NewService returns a Service over a migrated database. The pool must have
// been configured with ConfigurePool.
func NewService(pool *pgxpool.Pool, opts Options) *Service {
	c := &core{cache: newCache(), pool: pool, now: opts.Now, log: opts.Logger, opts: opts, kicks: make(chan string, 1024)}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return &Service{core: c, Accounts: &Accounts{c}, Catalog: &Catalog{c}, Plans: &Plans{c}, Payments: &Payments{c}, Portal: &Portal{c},
		Gateway: &Gateway{c}, Confirmations: &Confirmations{c}, Operators: &Operators{c}, Overview: &Overview{c}}
}

// Now returns the service's clock reading, as every operation stamps it.
func (s *Service) Now() time.Time { return s.clock() }

// Pool returns the service's connection pool (for health checks).
func (s *Service) Pool() *pgxpool.Pool { return s.pool }

// clock returns the one "now" of an operation, in UTC and at the microsecond
// precision PostgreSQL keeps, so every row of a posting carries the same time.
func (s *core) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// DBTX is what both a pool and a transaction offer: the one interface every
// statement of billing, and of the packages beside it that read its tables
// (profitability), runs on.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// tx runs fn in a transaction.
func (s *core) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return WithTx(ctx, s.pool, fn)
}

// Observer hears what the hot path decided, for metrics. Calls must be cheap
// and must not block.
type Observer interface {
	ObserveAuthorization(approved bool, reason string)
	ObserveBatch(events int)
}

// QueueDepth is the number of usage calls waiting for a batch worker.
func (s *Service) QueueDepth() int {
	s.rec.mu.RLock()
	defer s.rec.mu.RUnlock()
	n := 0
	for _, ch := range s.rec.workers {
		n += len(ch)
	}
	return n
}
