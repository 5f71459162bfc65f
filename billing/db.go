package billing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/kernel"
)

// DefaultMaxConns is the pool size unless the database URL sets
// pool_max_conns: enough concurrent transactions for PostgreSQL's group commit
// to share one WAL flush among many of them.
const DefaultMaxConns = 16

// Session limits every pooled connection gets unless the database URL sets
// its own: a stuck lock or a runaway statement fails its request (and
// releases its connection) instead of stalling a batch worker and every
// wallet hashed to it. Migrations run without them (see Migrate).
var sessionLimits = map[string]string{
	"lock_timeout":                        "5s",
	"statement_timeout":                   "30s",
	"idle_in_transaction_session_timeout": "60s",
}

// ConfigurePool prepares a pool config for the billing service: NUMERIC columns
// scan into and from Decimal exactly, the pool gets DefaultMaxConns
// connections unless the URL chose a size, and sessions get sessionLimits.
func ConfigurePool(c *pgxpool.Config) {
	if !strings.Contains(c.ConnString(), "pool_max_conns") {
		c.MaxConns = DefaultMaxConns
	}
	for k, v := range sessionLimits {
		if _, set := c.ConnConfig.RuntimeParams[k]; !set {
			c.ConnConfig.RuntimeParams[k] = v
		}
	}
	prev := c.AfterConnect
	c.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		pgxdecimal.Register(conn.TypeMap())
		if prev != nil {
			return prev(ctx, conn)
		}
		return nil
	}
}

// WithTx runs fn in one transaction: committed when fn returns nil, rolled back
// otherwise. The rollback runs even when ctx is cancelled. It is the one
// transaction helper: the domain packages beside billing (profitability) use
// it too.
//
// When the database is unreachable or restarting (EUnavailable), the whole
// transaction is tried again, up to txAttempts times over about two seconds:
// nothing of a failed attempt was committed. When the connection was lost
// during the COMMIT itself (EOutcomeUnknown: it may have committed), it is
// tried again the same way, which resolves the outcome, since every operation
// is idempotent under its client id: the retry finds what the lost COMMIT
// wrote and answers it as a replay, or writes it now. Should the database stay
// away past the retries, the answer is EOutcomeUnknown, never "nothing was
// written".
func WithTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	var r txRetry
	for {
		err := withTxOnce(ctx, pool, fn)
		if !r.again(ctx, err) {
			return r.result(err)
		}
	}
}

// txAttempts and txBackoff bound the retries of a transaction the database
// could not serve: 100 ms, 400 ms, 1.6 s.
const (
	txAttempts = 4
	txBackoff  = 100 * time.Millisecond
)

// txRetry paces the attempts of one operation whose transaction the
// database could not serve, and remembers whether an attempt's COMMIT was
// lost (so the operation may have been written).
type txRetry struct {
	attempt int
	// unknown is set once an attempt's COMMIT had no answer; it stays set,
	// for a later attempt that fails before committing does not tell
	// whether the lost one committed.
	unknown bool
}

// again reports whether to run the transaction again after err, having
// waited the backoff: for EUnavailable and EOutcomeUnknown, up to
// txAttempts in all, while ctx lasts.
func (r *txRetry) again(ctx context.Context, err error) bool {
	code := kernel.ErrorCode(err)
	if code == kernel.EOutcomeUnknown {
		r.unknown = true
	}
	if err == nil || code != kernel.EUnavailable && code != kernel.EOutcomeUnknown || r.attempt == txAttempts-1 {
		return false
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(txBackoff << (2 * r.attempt)):
	}
	r.attempt++
	return true
}

// result is the error of the operation once no attempt is left: an
// EUnavailable after a lost COMMIT is EOutcomeUnknown, since the lost
// COMMIT may have written it.
func (r *txRetry) result(err error) error {
	if r.unknown && kernel.ErrorCode(err) == kernel.EUnavailable {
		return outcomeUnknown()
	}
	return err
}

// outcomeUnknown is the error of a COMMIT whose answer was lost.
func outcomeUnknown() *kernel.Error {
	return &kernel.Error{Code: kernel.EOutcomeUnknown, Message: "the database connection was lost while committing, so whether this was written is not known; " +
		"retry the request with the same id: it is then written once, or answered as a replay if it was written"}
}

// commitFailed translates the error of a COMMIT, or of the batch that
// carries one; closed says the connection is closed now. An error the server
// sent about a statement (a constraint, a read-only database, a lock or
// statement timeout) means it rolled back, and translates as usual; so does
// an error of the client's own on a connection still open (nothing was
// sent). A connection that broke or closed, or the server ending the session
// (class 08, 57P), may have come after the COMMIT was applied with its answer
// lost: EOutcomeUnknown.
func commitFailed(err error, closed bool) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && !strings.HasPrefix(pe.Code, "08") && !strings.HasPrefix(pe.Code, "57P") {
		return Translate(err)
	}
	if u := Translate(err); !closed && pe == nil && kernel.ErrorCode(u) != kernel.EUnavailable {
		return u
	}
	return outcomeUnknown()
}

func withTxOnce(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return Translate(err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	h := &hookTx{Tx: tx}
	if err = fn(h); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", commitFailed(err, tx.Conn().IsClosed()))
	}
	for _, f := range h.committed {
		f()
	}
	return nil
}

// Translate turns driver errors into domain errors (no rows: ENotFound; a
// unique violation: EConflict; a serialization failure or deadlock: EConflict;
// a database that is read-only, busy or unreachable: EUnavailable). It is the
// only place that inspects them, for billing and for the domain packages
// beside it that run their own SQL.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return kernel.Errorf(kernel.ENotFound, "not found")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return &kernel.Error{Code: kernel.EConflict, Message: "already exists: " + pe.ConstraintName}
		case pe.Code == "40001", pe.Code == "40P01":
			return &kernel.Error{Code: kernel.EConflict, Message: "concurrent update; retry the request"}
		case pe.Code == "25006":
			return unavailable("the database is read-only (a primary that failed over?); nothing was written")
		case pe.Code == "55P03", pe.Code == "57014":
			return unavailable("the database is busy (a lock or a statement took too long); nothing was written")
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "57P"), pe.Code == "53300":
			return unavailable("the database is restarting or unreachable; nothing was written")
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) {
		return unavailable("the database is unreachable or too slow to answer")
	}
	return err
}

// unavailable is an EUnavailable error: the request did nothing and may be
// sent again as it was.
func unavailable(what string) *kernel.Error {
	return &kernel.Error{Code: kernel.EUnavailable, Message: what + "; retry the request with the same id (it is idempotent)"}
}

// txn is what an operation inside a transaction uses: a pgx.Tx, or a
// pipeTx whose BEGIN and COMMIT ride on its first and last batch.
type txn interface {
	DBTX
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// pipeTx is a transaction that costs no round trip of its own: BEGIN is sent
// with the first statement or batch, and sendAndCommit sends COMMIT with the
// last batch. The hot paths (usage batches, authorizations) use it; everything
// else uses WithTx.
type pipeTx struct {
	conn      *pgxpool.Conn
	begun     bool
	done      bool     // committed
	committed []func() // run once the transaction has committed
}

// onCommit runs fn after tx commits, never if it rolls back: tx is a pipeTx
// or the transaction WithTx hands its function. On any other transaction (a
// savepoint, a caller's own) it does nothing.
func onCommit(tx txn, fn func()) {
	switch t := tx.(type) {
	case *pipeTx:
		t.committed = append(t.committed, fn)
	case *hookTx:
		t.committed = append(t.committed, fn)
	}
}

// hookTx is the transaction WithTx hands its function: what onCommit
// registers on it runs once it has committed.
type hookTx struct {
	pgx.Tx
	committed []func()
}

// beginHot opens a hot-path transaction. Its statements take one plan each,
// made once per connection from their parameters' types (a generic plan):
// they look every row up by its key whatever the data, and PostgreSQL would
// otherwise plan the array-driven ones again at every call, a third of the
// database's CPU per usage batch, measured (docs/BENCHMARKS.md).
// TestHotPathPlans checks these plans.
const beginHot = "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan"

func (t *pipeTx) begin(ctx context.Context) error {
	if t.begun {
		return nil
	}
	// Without arguments Exec uses the simple protocol: both statements in one round trip.
	if _, err := t.conn.Exec(ctx, beginHot); err != nil {
		return err
	}
	t.begun = true
	return nil
}

func (t *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := t.begin(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.conn.Exec(ctx, sql, args...)
}

func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.conn.Query(ctx, sql, args...)
}

func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := t.begin(ctx); err != nil {
		return errRow{err}
	}
	return t.conn.QueryRow(ctx, sql, args...)
}

func (t *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if !t.begun {
		nb := &pgx.Batch{}
		nb.Queue("BEGIN")
		nb.Queue("SET LOCAL plan_cache_mode = force_generic_plan")
		nb.QueuedQueries = append(nb.QueuedQueries, b.QueuedQueries...)
		b, t.begun = nb, true
	}
	return t.conn.SendBatch(ctx, b)
}

// sendAndCommit runs b and commits in one round trip. Should any statement
// fail, PostgreSQL skips the rest, COMMIT included, and the caller rolls back.
func (t *pipeTx) sendAndCommit(ctx context.Context, b *pgx.Batch) error {
	b.Queue("COMMIT")
	if err := t.SendBatch(ctx, b).Close(); err != nil {
		return commitFailed(err, t.conn.Conn().IsClosed())
	}
	t.done = true
	return nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// sendFinal sends the last batch of an operation: with COMMIT on a pipeTx,
// alone on an ordinary transaction (committed by WithTx).
func sendFinal(ctx context.Context, tx txn, b *pgx.Batch) error {
	if p, ok := tx.(*pipeTx); ok {
		return p.sendAndCommit(ctx, b)
	}
	return Translate(tx.SendBatch(ctx, b).Close())
}

// withPipeTx runs fn in a pipeTx: committed by fn's final batch (sendFinal),
// or here if fn did not; rolled back if fn fails.
func withPipeTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx *pipeTx) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return Translate(err)
	}
	defer conn.Release() // a connection left inside a transaction is closed by the pool
	t := &pipeTx{conn: conn}
	if err := fn(t); err != nil {
		if t.begun && !t.done {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
		// fn's statements return driver errors as they come; a broken
		// connection must still read as EUnavailable to the caller.
		if u := Translate(err); kernel.ErrorCode(u) == kernel.EUnavailable {
			return u
		}
		return err
	}
	if t.begun && !t.done {
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("commit: %w", commitFailed(err, conn.Conn().IsClosed()))
		}
	}
	for _, fn := range t.committed {
		fn()
	}
	return nil
}
