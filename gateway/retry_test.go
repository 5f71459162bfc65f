package gateway_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// syncBuffer is a log destination goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The database goes away while a streamed answer is on its way: the caller
// gets the whole answer, the usage is kept for a retry instead of being only
// logged, and once the database is back it is recorded and the hold
// captured, charged exactly once.
func TestGatewayUsageKeptForRetry(t *testing.T) {
	t.Parallel()
	conf, err := pgxpool.ParseConfig(testdb.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	billing.ConfigurePool(conf)
	var down atomic.Bool
	conf.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if down.Load() {
			return nil, &net.OpError{Op: "dial", Net: network, Err: io.ErrClosedPipe}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	conf.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var logs syncBuffer
	e := newEnvOn(t, pool, gateway.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	e.customer(t, "outage", "10")
	e.up.hold = make(chan struct{})

	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(e.request(context.Background(), t, "/gateway/anthropic/v1/messages", "outage",
			`{"model":"claude-x","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"Hi"}]}`))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- answer{resp.StatusCode, string(b), err}
	}()
	// The hold is made and the stream has begun: the database goes away.
	deadline := time.Now().Add(20 * time.Second)
	for e.balance(t, "outage").Held.IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("no hold within 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	down.Store(true)
	pool.Reset()
	close(e.up.hold)
	a := <-answered
	if a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, "message_stop") {
		t.Fatalf("answer = %d %v %q, want the whole stream", a.status, a.err, a.body)
	}
	e.settled(t, 1)
	if n := e.gw.Pending(); n != 1 || !strings.Contains(logs.String(), "kept for a retry") {
		t.Fatalf("%d events waiting, log:\n%s\nwant the event kept for a retry", n, logs.String())
	}

	down.Store(false)
	deadline = time.Now().Add(30 * time.Second)
	for e.gw.Pending() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the event was not recorded within 30 s of the database's return; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// claude-x: 0.0409 (see TestGatewayOpenAIChat's table), the hold
	// captured, nothing held.
	e.wantBalance(t, "outage", "9.9591")
	if ev := e.events(t, "outage"); len(ev) != 1 || ev[0].AuthorizationID == "" {
		t.Fatalf("events = %+v, want the one event with its authorization", ev)
	}
	if !strings.Contains(logs.String(), "usage recorded on retry") {
		t.Errorf("log:\n%s\nwant the retry's success", logs.String())
	}
}
