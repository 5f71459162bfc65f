package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// newPatientEnv is newEnv over a pool that waits for a lock as long as it
// is held (no lock_timeout): a settlement held back by lockHold waits for
// the test, never fails into the retry queue, so a caller who would wait for
// it waits too.
func newPatientEnv(t *testing.T) *env {
	t.Helper()
	conf, err := pgxpool.ParseConfig(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	conf.ConnConfig.RuntimeParams["lock_timeout"] = "0"
	billing.ConfigurePool(conf)
	conf.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return newEnvOn(t, pool, gateway.Options{})
}

// lockHold locks the customer's one active hold, as its capture or void
// would, in a transaction that ends with the test or when the caller rolls
// it back: the call's settlement cannot commit until then.
func (e *env) lockHold(t *testing.T, customer string) pgx.Tx {
	t.Helper()
	tx, err := e.pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	rows, err := tx.Query(context.Background(), `SELECT a.id FROM authorizations a JOIN customers c ON c.id = a.customer_id
		WHERE c.external_id = $1 AND a.status = 'active' FOR UPDATE OF a`, customer)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) != 1 {
		t.Fatalf("active holds of %s = %v, %v; want one", customer, ids, err)
	}
	return tx
}

// answer is what a caller got: the status and the whole body, read to its
// end (err is the end's error, nil at EOF).
type answer struct {
	status int
	body   string
	err    error
}

// call sends a call from any goroutine and reads its whole answer, without
// waiting for its settlement.
func (e *env) call(path, customer, body string, header ...string) answer {
	req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set(gateway.CustomerHeader, customer)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), err}
}

// within waits for a signal, failing the test after 30 s with what it waited
// for.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("waited 30 s in vain for %s", what)
	}
	var zero T
	return zero
}

// A caller's answer ends (the end of the stream its SDK waits for) before
// the call's usage is committed: with the capture held back by a lock on the
// hold, the caller still reads its stream to the end, and then the usage is
// not recorded yet and the hold still counts. Close waits for that
// settlement: once it returns, the event is recorded and the wallet charged,
// read at once, not polled.
func TestGatewaySettlesAfterTheAnswer(t *testing.T) {
	t.Parallel()
	e := newPatientEnv(t)
	e.customer(t, "late", "10")
	e.up.hold = make(chan struct{})
	resp, err := http.DefaultClient.Do(e.request(context.Background(), t, "/gateway/openai/v1/chat/completions", "late",
		`{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true}`))
	if err != nil {
		t.Fatalf("POST = %v", err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	readUntil(t, br, "Hello") // the hold was made before the upstream was called
	tx := e.lockHold(t, "late")
	close(e.up.hold)
	ended := make(chan answer, 1)
	go func() {
		rest, err := io.ReadAll(br)
		ended <- answer{resp.StatusCode, string(rest), err}
	}()
	a := within(t, ended, "end of the answer while its usage could not be recorded: the caller waits for the commit")
	if a.err != nil || !strings.HasSuffix(a.body, "data: [DONE]\n\n") {
		t.Fatalf("rest of the stream = %q, %v; want it to the end, [DONE] and EOF", a.body, a.err)
	}
	if ev := e.events(t, "late"); len(ev) != 0 {
		t.Fatalf("events = %+v while the hold is locked, want none yet", ev)
	}
	if b := e.balance(t, "late"); !b.Total.Equal(dec("10")) || b.Held.IsZero() {
		t.Fatalf("balance = total %s held %s, want 10 with the hold still counted", b.Total, b.Held)
	}

	closed := make(chan struct{})
	go func() {
		e.gw.Close(context.Background())
		close(closed)
	}()
	within(t, gateway.Closing(e.gw), "start of Close")
	select {
	case <-closed:
		t.Fatal("Close returned while a settlement was still running")
	default:
	}
	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	within(t, closed, "return of Close once the settlement could run")
	e.wantBalance(t, "late", "9.980")
	if ev := e.events(t, "late"); len(ev) != 1 {
		t.Errorf("events = %+v when Close returned, want the call's", ev)
	}
}

// The Idempotency-Key rules hold with settlements after the answers: after
// a call was charged the same key is 409 and reaches no upstream; after an
// upstream error (its hold voided before the error's answer ended) it holds
// anew at once; and a retry that arrives while its earlier call's
// settlement still runs waits for it, then answers as it would after: 409
// when that call was charged, a new hold when its hold was released.
func TestGatewayIdempotencyKey(t *testing.T) {
	t.Parallel()
	const chat = `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true}`
	const path = "/gateway/openai/v1/chat/completions"

	t.Run("AfterCharged", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.customer(t, "u", "10")
		if status, body := e.post(t, path, "u", chat, "Idempotency-Key", "k1"); status != http.StatusOK {
			t.Fatalf("first call = %d %s", status, body)
		}
		status, body := e.post(t, path, "u", chat, "Idempotency-Key", "k1")
		if status != http.StatusConflict || !strings.Contains(body, "idempotency_key_reused") {
			t.Errorf("same key again = %d %s, want 409 idempotency_key_reused", status, body)
		}
		if n := e.up.calls.Load(); n != 1 {
			t.Errorf("upstream calls = %d, want 1", n)
		}
		e.wantBalance(t, "u", "9.980")
	})

	t.Run("AfterUpstreamError", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.customer(t, "u", "10")
		e.up.status = http.StatusInternalServerError
		if a := e.call(path, "u", chat, "Idempotency-Key", "k2"); a.err != nil || a.status != http.StatusInternalServerError {
			t.Fatalf("first call = %d %s (%v), want the upstream's 500", a.status, a.body, a.err)
		}
		// At once, as an SDK's retry would: the hold was released before
		// the 500 ended.
		e.up.status = 0
		if status, body := e.post(t, path, "u", chat, "Idempotency-Key", "k2"); status != http.StatusOK {
			t.Fatalf("retry = %d %s, want 200 with a new hold", status, body)
		}
		e.settled(t, 1) // the first call
		e.wantBalance(t, "u", "9.980")
	})

	// retryWhileSettling makes a first call with key k whose settlement is
	// held back by a lock on its hold, sends the retry, and releases the
	// lock once the retry waits for that settlement. It returns the retry's
	// answer.
	retryWhileSettling := func(t *testing.T, e *env, k string) answer {
		t.Helper()
		e.customer(t, "u", "10")
		e.up.gate, e.up.arrived = make(chan struct{}), make(chan struct{}, 2)
		first := make(chan answer, 1)
		go func() { first <- e.call(path, "u", chat, "Idempotency-Key", k) }()
		within(t, e.up.arrived, "first call at the upstream")
		tx := e.lockHold(t, "u")
		close(e.up.gate)
		// The first call's answer ends while its settlement waits for the lock.
		if f := within(t, first, "end of the first call's answer while its settlement could not commit"); f.err != nil || f.status != http.StatusOK {
			t.Fatalf("first call = %d %s (%v), want 200", f.status, f.body, f.err)
		}
		waiting := make(chan struct{}, 1)
		gateway.OnAwait(e.gw, func() { waiting <- struct{}{} })
		retry := make(chan answer, 1)
		go func() { retry <- e.call(path, "u", chat, "Idempotency-Key", k) }()
		select {
		case <-waiting:
		case a := <-retry:
			t.Fatalf("the retry answered %d %s while its first call's settlement was still running, want it to wait", a.status, a.body)
		case <-time.After(30 * time.Second):
			t.Fatal("the retry did not wait for the first call's settlement within 30 s")
		}
		if err := tx.Rollback(context.Background()); err != nil {
			t.Fatal(err)
		}
		a := within(t, retry, "answer of the retry")
		e.settled(t, 2)
		return a
	}

	t.Run("RetryWhileCapturing", func(t *testing.T) {
		t.Parallel()
		e := newPatientEnv(t)
		a := retryWhileSettling(t, e, "k3")
		if a.err != nil || a.status != http.StatusConflict || !strings.Contains(a.body, "captured") {
			t.Errorf("retry = %d %s (%v), want 409 naming the captured hold", a.status, a.body, a.err)
		}
		if n := e.up.calls.Load(); n != 1 {
			t.Errorf("upstream calls = %d, want 1", n)
		}
		e.wantBalance(t, "u", "9.980")
	})

	t.Run("RetryWhileVoiding", func(t *testing.T) {
		t.Parallel()
		e := newPatientEnv(t)
		e.up.pieces, e.up.cut = nil, true // 200 with nothing in it: the hold is voided
		a := retryWhileSettling(t, e, "k4")
		if a.err != nil || a.status != http.StatusOK {
			t.Errorf("retry = %d %s (%v), want 200 with a new hold", a.status, a.body, a.err)
		}
		if n := e.up.calls.Load(); n != 2 {
			t.Errorf("upstream calls = %d, want 2", n)
		}
		e.wantBalance(t, "u", "10")
	})
}
