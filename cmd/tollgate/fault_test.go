package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/pgembed"
)

// Fault tests: the real binary under load while something breaks. Each is
// bounded (faultBound) so a hang fails instead of stalling the suite; nothing
// is asserted about how long anything took.

const faultBound = 50 * time.Second

// faultClient talks to one or more servers with one key.
type faultClient struct {
	t    *testing.T
	key  string
	http *http.Client
}

func newFaultClient(t *testing.T, key string) *faultClient {
	return &faultClient{t: t, key: key, http: &http.Client{Timeout: 40 * time.Second}}
}

// do sends one request; err is a transport error (nothing answered).
func (c *faultClient) do(addr, method, path, body string) (status int, resp []byte, err error) {
	req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	resp, err = io.ReadAll(res.Body)
	return res.StatusCode, resp, err
}

// must sends one request that has to answer want.
func (c *faultClient) must(addr, method, path, body string, want int) map[string]any {
	c.t.Helper()
	status, resp, err := c.do(addr, method, path, body)
	if err != nil || status != want {
		c.t.Fatalf("%s %s = %d %s, %v; want %d", method, path, status, resp, err, want)
	}
	var out map[string]any
	json.Unmarshal(resp, &out)
	return out
}

// faultPrice is what one event costs; faultFunds what the customer has.
const (
	faultPrice = "0.01"
	faultFunds = "1000.00"
)

// fixture creates the priced product and the funded customer the load uses.
func (c *faultClient) fixture(addr string) {
	c.t.Helper()
	c.must(addr, "POST", "/v1/products", `{"code": "calls", "name": "Calls", "event_type": "call.made",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "`+faultPrice+`"}]}`, 201)
	c.must(addr, "POST", "/v1/customers", `{"external_id": "load"}`, 201)
	c.must(addr, "POST", "/v1/adjustments", `{"transaction_id": "fund", "kind": "top_up", "customer": "load", "asset": "USD", "amount": "`+faultFunds+`"}`, 201)
}

func eventBody(id string) string {
	return `{"id": "` + id + `", "customer": "load", "event_type": "call.made"}`
}

// outcomes records what every event id got back.
type outcomes struct {
	mu      sync.Mutex
	acked   map[string]int    // 200 or 201: recorded (or replayed)
	refused map[string]string // 503, or no answer at all
	wrong   []string          // anything else: a 500 above all
	n       int               // acknowledgements so far
	retries int               // answers that asked for a retry (503, or none)
	at      int               // fire when n reaches at
	fire    chan struct{}
}

func newOutcomes(fireAt int) *outcomes {
	return &outcomes{acked: map[string]int{}, refused: map[string]string{}, at: fireAt, fire: make(chan struct{})}
}

// note records one answer and says whether the id is settled (no retry).
func (o *outcomes) note(id string, status int, body []byte, err error) (settled bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case err != nil:
		o.refused[id] = err.Error()
		o.retries++
		return false
	case status == 200 || status == 201:
		delete(o.refused, id)
		o.acked[id] = status
		if o.n++; o.n == o.at {
			close(o.fire)
		}
		return true
	case status == 503:
		o.refused[id] = fmt.Sprintf("503 %s", body)
		o.retries++
		return false
	default:
		o.wrong = append(o.wrong, fmt.Sprintf("%s: %d %s", id, status, body))
		return true
	}
}

// load runs workers senders of perWorker events each across addrs. With
// retry, a refused event is sent again (same id) until answered or attempts
// run out; without, a sender stops at its first refusal (its server is gone).
func (c *faultClient) load(o *outcomes, addrs []string, workers, perWorker int, retry bool) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				id := fmt.Sprintf("ev-%d-%d", w, i)
				for attempt := 0; ; attempt++ {
					addr := addrs[(w+attempt)%len(addrs)]
					status, body, err := c.do(addr, "POST", "/v1/events", eventBody(id))
					if o.note(id, status, body, err) {
						break
					}
					if !retry {
						return
					}
					if attempt == 400 {
						return // left in refused: reported by the caller
					}
					time.Sleep(25 * time.Millisecond) // a client's back-off, not an assertion
				}
			}
		}()
	}
	wg.Wait()
}

// recorded returns, per event id in the database, how many fees it has.
func recorded(t *testing.T, dbURL string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT e.id, (SELECT count(*) FROM fees f
		WHERE f.account_id = e.account_id AND f.mode = e.mode AND f.event_id = e.id) FROM events e`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkVerify runs `tollgate verify` and wants no problem.
func checkVerify(t *testing.T, dbURL string) {
	t.Helper()
	cmd := exec.Command(binary, "verify")
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+dbURL)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), " 0 problems") {
		t.Fatalf("tollgate verify = %v:\n%s", err, out)
	}
}

// checkOnce wants every acknowledged event recorded with exactly one fee,
// and nothing recorded that was not sent; with exact, also nothing recorded
// that was not acknowledged.
func checkOnce(t *testing.T, o *outcomes, got map[string]int, exact bool) {
	t.Helper()
	for _, w := range o.wrong {
		t.Errorf("unexpected answer %s", w)
	}
	for id := range o.acked {
		if got[id] != 1 {
			t.Errorf("acknowledged event %s has %d fees, want 1 (present? %v)", id, got[id], hasKey(got, id))
		}
	}
	for id, n := range got {
		if _, ok := o.acked[id]; ok {
			continue
		}
		if _, sent := o.refused[id]; !sent {
			t.Errorf("event %s is recorded but was never sent", id)
		} else if exact {
			t.Errorf("event %s is recorded (%d fees) but was refused: %s", id, n, o.refused[id])
		}
	}
}

func (o *outcomes) retried() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.retries
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// TestFaultSIGTERMUnderLoad: SIGTERM while 8 senders record usage. Every
// request is answered with its real result or refused before it was
// processed (503, or the connection refused): what is recorded is exactly
// what was acknowledged.
func TestFaultSIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	p := runServe(t, anyPort, "TOLLGATE_DATABASE_URL="+dbURL)
	c := newFaultClient(t, createKey(t, dbURL))
	c.fixture(p.addr)

	o := newOutcomes(200)
	done := make(chan struct{})
	go func() { defer close(done); c.load(o, []string{p.addr}, 8, 1000, false) }()
	select {
	case <-o.fire:
	case <-done:
		t.Fatal("the load ended before 200 events were acknowledged")
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if p.err != nil {
			t.Errorf("serve exited with %v after SIGTERM; stderr:\n%s", p.err, p.stderr)
		}
	case <-time.After(faultBound):
		p.cmd.Process.Kill()
		t.Fatalf("serve still running %v after SIGTERM", faultBound)
	}
	<-done
	checkOnce(t, o, recorded(t, dbURL), true)
	t.Logf("%d acknowledged, %d refused", len(o.acked), len(o.refused))
	checkVerify(t, dbURL)
}

// TestFaultKillUnderLoad: kill -9 of serve while 8 senders record usage;
// after a restart on the same address every acknowledged event is there
// once.
func TestFaultKillUnderLoad(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	p := runServeRestartable(t, "TOLLGATE_DATABASE_URL="+dbURL)
	addr := p.addr
	c := newFaultClient(t, createKey(t, dbURL))
	c.fixture(addr)

	o := newOutcomes(200)
	done := make(chan struct{})
	go func() { defer close(done); c.load(o, []string{addr}, 8, 1000, false) }()
	select {
	case <-o.fire:
	case <-done:
		t.Fatal("the load ended before 200 events were acknowledged")
	}
	p.cmd.Process.Kill()
	p.wait() // its listener is gone only once it has exited
	<-done
	runServe(t, addr, "TOLLGATE_DATABASE_URL="+dbURL)
	checkOnce(t, o, recorded(t, dbURL), false)
	t.Logf("%d acknowledged, %d cut off", len(o.acked), len(o.refused))
	checkVerify(t, dbURL)
	// What was cut off is sent again: recorded once, or replayed.
	for id := range o.refused {
		c.must(addr, "POST", "/v1/events", eventBody(id), map[bool]int{true: 200, false: 201}[hasKey(recorded(t, dbURL), id)])
	}
	checkVerify(t, dbURL)
}

// TestFaultPostgresRestart: the database restarts while 8 senders record
// usage and retry what is refused. No 500; in the end every event is
// recorded once. The cluster is this test's own: the shared one must not
// restart under the other tests.
func TestFaultPostgresRestart(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "tgpg")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), faultBound)
	defer cancel()
	t.Cleanup(func() {
		pgembed.Stop(context.Background(), dir, "")
		os.RemoveAll(dir)
	})
	cl, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	dbURL := cl.URL()
	p := runServe(t, anyPort, "TOLLGATE_DATABASE_URL="+dbURL)
	c := newFaultClient(t, createKey(t, dbURL))
	c.fixture(p.addr)

	o := newOutcomes(200)
	done := make(chan struct{})
	go func() { defer close(done); c.load(o, []string{p.addr}, 8, 150, true) }()
	select {
	case <-o.fire:
	case <-done:
		t.Fatal("the load ended before 200 events were acknowledged")
	}
	if err := pgembed.Stop(ctx, dir, ""); err != nil {
		t.Fatal(err)
	}
	// Down until the clients have seen it (a 503 past serve's own retries),
	// so the outage is one no retry inside serve could hide.
	for o.retried() == 0 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	again, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	<-done
	if len(o.refused) != 0 {
		t.Errorf("%d events never acknowledged after the restart, such as %v", len(o.refused), firstOf(o.refused))
	}
	got := recorded(t, dbURL)
	t.Logf("%d events recorded; %d answers asked for a retry", len(got), o.retries)
	checkOnce(t, o, got, true)
	if len(got) != 8*150 {
		t.Errorf("%d events recorded, want %d", len(got), 8*150)
	}
	checkVerify(t, dbURL)
	if t.Failed() {
		t.Logf("serve's log:\n%s", p.stderr)
	}
}

func firstOf(m map[string]string) string {
	for k, v := range m {
		return k + ": " + v
	}
	return ""
}

// TestFaultReadOnlyDatabase: the database turns read-only (as a primary that
// failed over does) and every connection is cut. Writes are answered 503
// naming the cause, reads still work, and nothing is half-written.
func TestFaultReadOnlyDatabase(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	p := runServe(t, anyPort, "TOLLGATE_DATABASE_URL="+dbURL)
	c := newFaultClient(t, createKey(t, dbURL))
	c.fixture(p.addr)
	c.must(p.addr, "POST", "/v1/events", eventBody("before"), 201)

	ctx, cancel := context.WithTimeout(context.Background(), faultBound)
	defer cancel()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	readOnly := func(on bool) {
		t.Helper()
		stmt := `ALTER DATABASE ` + pgx.Identifier{admin.Config().Database}.Sanitize() + ` SET default_transaction_read_only = ` + map[bool]string{true: "on", false: "off"}[on]
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
		// Sessions read the setting when they start: cut them all.
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
	}
	readOnly(true)
	before := recorded(t, dbURL)

	writes := []struct{ method, path, body string }{
		{"POST", "/v1/events", eventBody("during")},
		{"POST", "/v1/events/batch", `{"events": [` + eventBody("during-b1") + `, ` + eventBody("during-b2") + `]}`},
		{"POST", "/v1/authorizations", `{"idempotency_key": "ro-1", "customer": "load", "event_type": "call.made"}`},
		{"POST", "/v1/customers", `{"external_id": "newcomer"}`},
		{"POST", "/v1/adjustments", `{"transaction_id": "ro-topup", "kind": "top_up", "customer": "load", "asset": "USD", "amount": "5.00"}`},
	}
	for _, w := range writes {
		status, body, err := c.do(p.addr, w.method, w.path, w.body)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("read-only")) {
			t.Errorf("%s %s on a read-only database = %d %s, want 503 saying read-only", w.method, w.path, status, body)
		}
	}
	c.must(p.addr, "GET", "/v1/customers/load", "", 200)

	readOnly(false)
	after := recorded(t, dbURL)
	if len(after) != len(before) {
		t.Errorf("%d events after the read-only writes, %d before: something was written", len(after), len(before))
	}
	checkVerify(t, dbURL)
	// Writable again: the same requests go through.
	c.must(p.addr, "POST", "/v1/events", eventBody("during"), 201)
	c.must(p.addr, "POST", "/v1/customers", `{"external_id": "newcomer"}`, 201)
}
