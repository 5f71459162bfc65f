package main

import (
	"bufio"
	"bytes"
	"context"
	be "encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// commitCutter is a PostgreSQL proxy on a Unix socket that loses the answer
// to a COMMIT the server applied: armed with a needle (an event id, an
// idempotency key), the first connection whose client sends it has its next
// COMMIT's CommandComplete swallowed and is cut, exactly as when the
// database stops after committing and before answering. With down, every
// connection is then cut and new ones are refused until up is called, so
// the outage outlasts serve's retries.
type commitCutter struct {
	t      *testing.T
	url    string // the database URL through the proxy
	target string // the server's socket
	ln     net.Listener

	mu        sync.Mutex
	needle    []byte
	downAfter bool
	down      bool
	cut       chan struct{} // closed once the armed COMMIT's answer is swallowed
	conns     map[net.Conn]bool
}

func newCommitCutter(t *testing.T, dbURL string) *commitCutter {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	dir, err := os.MkdirTemp("", "tgcut")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := ".s.PGSQL." + port
	ln, err := net.Listen("unix", filepath.Join(dir, sock))
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(q.Get("host"), sock)
	if q.Get("host") == "" {
		t.Skip("the test database is not on a Unix socket")
	}
	q.Set("host", dir)
	u.RawQuery = q.Encode()
	p := &commitCutter{t: t, url: u.String(), target: target, ln: ln, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.closeAll() })
	return p
}

// arm makes the next connection that sends needle lose its COMMIT's answer;
// with down, the database then stays away until up.
func (p *commitCutter) arm(needle string, down bool) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.needle, p.downAfter, p.cut = []byte(needle), down, make(chan struct{})
	return p.cut
}

// up lets connections through again.
func (p *commitCutter) up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func (p *commitCutter) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *commitCutter) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := net.Dial("unix", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		go p.pipe(c, s)
	}
}

// pipe copies one connection both ways, watching the client's bytes for
// the needle and the server's messages for the victim's COMMIT.
func (p *commitCutter) pipe(c, s net.Conn) {
	var victim sync.Once
	isVictim := make(chan struct{})
	done := func() {
		c.Close()
		s.Close()
		p.mu.Lock()
		delete(p.conns, c)
		delete(p.conns, s)
		p.mu.Unlock()
	}
	defer done()
	go func() { // client → server
		defer done()
		var tail []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				p.mu.Lock()
				needle := p.needle
				if len(needle) > 0 && bytes.Contains(append(tail, buf[:n]...), needle) {
					p.needle = nil
					victim.Do(func() { close(isVictim) })
				}
				p.mu.Unlock()
				if keep := len(needle) - 1; keep > 0 {
					tail = append(tail, buf[:n]...)
					if len(tail) > keep {
						tail = tail[len(tail)-keep:]
					}
				}
				if _, err := s.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	// server → client, message by message (type, length, body).
	r, w := bufio.NewReaderSize(s, 64<<10), bufio.NewWriterSize(c, 64<<10)
	head := make([]byte, 5)
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			return
		}
		body := make([]byte, be.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		select {
		case <-isVictim:
			if head[0] == 'C' && bytes.HasPrefix(body, []byte("COMMIT\x00")) {
				w.Flush() // what came before the COMMIT's answer, not the answer
				p.mu.Lock()
				if p.downAfter {
					p.down = true
					for x := range p.conns {
						x.Close()
					}
				}
				close(p.cut)
				p.mu.Unlock()
				return
			}
		default:
		}
		w.Write(head)
		w.Write(body)
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// TestFaultCommitAnswerLost: PostgreSQL applies a COMMIT and goes away
// before answering it. An event, a batch, an authorization or an adjustment
// whose COMMIT went through is never answered "nothing was written": serve
// finds it when the database is back within its retries and answers it as
// done (201, not a replay), or, when the database stays away, answers 503
// outcome_unknown saying to retry with the same id; that retry then finds
// it, written once.
func TestFaultCommitAnswerLost(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	px := newCommitCutter(t, dbURL)
	p := runServe(t, anyPort, "TOLLGATE_DATABASE_URL="+px.url)
	c := newFaultClient(t, createKey(t, dbURL))
	c.fixture(p.addr)
	ctx, cancel := context.WithTimeout(context.Background(), faultBound)
	defer cancel()

	// send posts body with its COMMIT's answer lost; down keeps the database
	// away until the answer is in.
	send := func(t *testing.T, path, body, needle string, down bool) (int, map[string]any) {
		t.Helper()
		cut := px.arm(needle, down)
		status, resp, err := c.do(p.addr, "POST", path, body)
		px.up()
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		select {
		case <-cut:
		default:
			t.Fatalf("POST %s = %d %s, but no COMMIT's answer was lost: the fault was not injected", path, status, resp)
		}
		var out map[string]any
		json.Unmarshal(resp, &out)
		return status, out
	}
	// again sends the same request until the database answers it (serve
	// reconnects on demand).
	again := func(t *testing.T, path, body string, want int) map[string]any {
		t.Helper()
		for ctx.Err() == nil {
			status, resp, err := c.do(p.addr, "POST", path, body)
			if err == nil && status == 503 {
				continue
			}
			if err != nil || status != want {
				t.Fatalf("retry POST %s = %d %s, %v; want %d", path, status, resp, err, want)
			}
			var out map[string]any
			json.Unmarshal(resp, &out)
			return out
		}
		t.Fatalf("retry POST %s: the database never came back", path)
		return nil
	}
	unknown := func(t *testing.T, status int, out map[string]any) {
		t.Helper()
		e, _ := out["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if status != 503 || e["code"] != "outcome_unknown" || strings.Contains(msg, "nothing was written") || !strings.Contains(msg, "same id") {
			t.Errorf("answer = %d %v, want 503 outcome_unknown telling to retry with the same id, not that nothing was written", status, out)
		}
	}
	authorization := func(key string) string {
		return `{"idempotency_key": "` + key + `", "customer": "load", "event_type": "call.made"}`
	}
	adjustment := func(id string) string {
		return `{"transaction_id": "` + id + `", "kind": "gift", "customer": "load", "asset": "USD", "amount": "1.00"}`
	}

	t.Run("EventResolved", func(t *testing.T) {
		status, out := send(t, "/v1/events", eventBody("lost-1"), "lost-1", false)
		if status != 201 || out["replayed"] != false {
			t.Errorf("event whose COMMIT's answer was lost = %d %v, want 201 recorded (not a replay)", status, out)
		}
		if out := again(t, "/v1/events", eventBody("lost-1"), 200); out["replayed"] != true {
			t.Errorf("retry = %v, want the replay", out)
		}
	})
	t.Run("EventOutcomeUnknown", func(t *testing.T) {
		status, out := send(t, "/v1/events", eventBody("lost-2"), "lost-2", true)
		unknown(t, status, out)
		if out := again(t, "/v1/events", eventBody("lost-2"), 200); out["replayed"] != true {
			t.Errorf("retry = %v, want the replay of what the lost COMMIT wrote", out)
		}
	})
	t.Run("BatchOutcomeUnknown", func(t *testing.T) {
		batch := `{"events": [` + eventBody("lost-b1") + `, ` + eventBody("lost-b2") + `]}`
		status, out := send(t, "/v1/events/batch", batch, "lost-b1", true)
		unknown(t, status, out)
		out = again(t, "/v1/events/batch", batch, 200)
		for i, r := range out["data"].([]any) {
			if st := r.(map[string]any)["status"]; st != "replayed" {
				t.Errorf("retry: event %d is %v, want replayed", i, st)
			}
		}
	})
	t.Run("AuthorizationResolved", func(t *testing.T) {
		status, out := send(t, "/v1/authorizations", authorization("authz-lost-1"), "authz-lost-1", false)
		if status != 201 || out["approved"] != true || out["replayed"] != false {
			t.Errorf("authorization whose COMMIT's answer was lost = %d %v, want 201 approved (not a replay)", status, out)
		}
		if out := again(t, "/v1/authorizations", authorization("authz-lost-1"), 200); out["replayed"] != true {
			t.Errorf("retry = %v, want the replay", out)
		}
	})
	t.Run("AuthorizationOutcomeUnknown", func(t *testing.T) {
		status, out := send(t, "/v1/authorizations", authorization("authz-lost-2"), "authz-lost-2", true)
		unknown(t, status, out)
		if out := again(t, "/v1/authorizations", authorization("authz-lost-2"), 200); out["replayed"] != true {
			t.Errorf("retry = %v, want the replay of what the lost COMMIT wrote", out)
		}
	})
	t.Run("AdjustmentOutcomeUnknown", func(t *testing.T) {
		status, out := send(t, "/v1/adjustments", adjustment("adj-lost-1"), "adj-lost-1", true)
		unknown(t, status, out)
		if out := again(t, "/v1/adjustments", adjustment("adj-lost-1"), 200); out["replayed"] != true {
			t.Errorf("retry = %v, want the replay of what the lost COMMIT wrote", out)
		}
	})

	// Each was written once.
	got := recorded(t, dbURL)
	for _, id := range []string{"lost-1", "lost-2", "lost-b1", "lost-b2"} {
		if got[id] != 1 {
			t.Errorf("event %s has %d fees, want 1", id, got[id])
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var auths, gifts int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM authorizations WHERE idempotency_key LIKE 'authz-lost-%'),
		(SELECT count(*) FROM adjustments WHERE transaction_id = 'adj-lost-1')`).Scan(&auths, &gifts); err != nil {
		t.Fatal(err)
	}
	if auths != 2 || gifts != 1 {
		t.Errorf("%d authorizations and %d adjustments, want 2 and 1", auths, gifts)
	}
	checkVerify(t, dbURL)
	if t.Failed() {
		t.Logf("serve's log:\n%s", p.stderr)
	}
}
