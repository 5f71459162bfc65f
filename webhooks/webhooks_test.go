package webhooks_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fast retries: the schedule's shape, in milliseconds.
var fast = webhooks.Options{RetryDelays: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond,
	10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}, FanOutInterval: 200 * time.Millisecond}

type env struct {
	pool  *pgxpool.Pool
	svc   *billing.Service
	jobs  *jobs.Queue
	hooks *webhooks.Service
	ctx   context.Context
	// stopListen stops the outbox listener (Listen) when start ran it.
	stopListen func()
}

// start builds a billing and a webhooks service over pool and, when run,
// starts their jobs and the outbox listener, as `tollgate serve` does; stop
// them with close.
func start(t *testing.T, pool *pgxpool.Pool, opts webhooks.Options, run bool) *env {
	t.Helper()
	q := jobs.New(pool, nil)
	svc := billing.NewService(pool, billing.Options{Jobs: q})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if opts.Render == nil {
		opts.Render = wire.WebhookData(svc) // as tollgate serve does
	}
	opts.Jobs = q
	hooks := webhooks.New(pool, svc, opts)
	stopListen := func() {}
	if run {
		svc.Start(context.Background())
		if err := q.Start(context.Background(), jobs.Billing(svc), hooks.Jobs()); err != nil {
			t.Fatal(err)
		}
		listen, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); hooks.Listen(listen) }()
		stopListen = func() { stop(); <-done }
		t.Cleanup(stopListen)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	return &env{pool: pool, svc: svc, jobs: q, hooks: hooks, ctx: ctx, stopListen: stopListen}
}

// close stops what start started, as a server's shutdown does.
func (e *env) close() error {
	e.stopListen()
	if err := e.svc.Close(context.Background()); err != nil {
		return err
	}
	return e.jobs.Stop(context.Background())
}

func newEnv(t *testing.T) *env {
	e := start(t, testdb.New(t), fast, true)
	t.Cleanup(func() { _ = e.close() })
	return e
}

// message is one request a receiver got.
type message struct {
	header http.Header
	body   []byte
}

// receiver is a real HTTP server on loopback; answer decides each status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []message
	answer func(n int) int
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, message{req.Header.Clone(), b})
		n := len(r.got)
		r.mu.Unlock()
		code := 200
		if r.answer != nil {
			code = r.answer(n)
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "answer %d", code)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) messages() []message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]message(nil), r.got...)
}

// verify is a Standard Webhooks verifier written from the specification,
// apart from the package's signing code: any of the space-separated v1
// signatures must be the base64 HMAC-SHA256, keyed with the base64-decoded
// secret after whsec_, of id.timestamp.body; the timestamp within 5 minutes.
func verify(secret string, h http.Header, body []byte) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("missing headers: %v", h)
	}
	var sec int64
	if _, err := fmt.Sscan(ts, &sec); err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return fmt.Errorf("timestamp %q out of tolerance", ts)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.%s", id, ts, body)
	want := m.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("no signature matches")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle waits until every outbox row written so far is fanned out, every
// delivery is settled (succeeded or failed) and no delivery job is left to
// run. A delivery settles only after its request was answered, so what a
// receiver has got by then is all it will get for those rows: the wait
// tests "nothing more comes" without a sleep.
func (e *env) settle(t *testing.T) {
	t.Helper()
	waitFor(t, "the outbox to be fanned out and every delivery settled", func() bool {
		var left int
		err := e.pool.QueryRow(e.ctx, `SELECT (SELECT count(*) FROM outbox WHERE delivered_at IS NULL)
			+ (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')
			+ (SELECT count(*) FROM river_job WHERE kind = 'webhook_delivery' AND state NOT IN ('completed', 'discarded', 'cancelled'))`).Scan(&left)
		if err != nil {
			t.Fatal(err)
		}
		return left == 0
	})
}

func (e *env) endpoint(t *testing.T, url string, types ...string) webhooks.Endpoint {
	t.Helper()
	ep, err := e.hooks.CreateEndpoint(e.ctx, webhooks.CreateEndpointInput{URL: url, EventTypes: types})
	if err != nil {
		t.Fatalf("CreateEndpoint(%s) = %v", url, err)
	}
	return ep
}

func (e *env) customer(t *testing.T, ext, gift string) {
	t.Helper()
	if _, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: ext}); err != nil {
		t.Fatal(err)
	}
	e.adjust(t, ext, "gift-"+ext, billing.AdjustGift, gift)
}

func (e *env) adjust(t *testing.T, ext, id string, kind billing.AdjustmentKind, amount string) {
	t.Helper()
	if _, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: id, Kind: kind, Customer: ext, Asset: "USD",
		Amount: decimal.RequireFromString(amount)}); err != nil {
		t.Fatalf("CreateAdjustment(%s) = %v", id, err)
	}
}

type envelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Livemode  bool            `json:"livemode"`
	Data      json.RawMessage `json:"data"`
}

func decode(t *testing.T, m message) envelope {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(m.body, &env); err != nil {
		t.Fatalf("body %s: %v", m.body, err)
	}
	return env
}

// TestDeliverySigned: a test event arrives signed, verified by an
// independent verifier; after a rotation both secrets sign.
func TestDeliverySigned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t, nil)
	ep := e.endpoint(t, r.URL+"/hooks")
	if !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) < len("whsec_")+32 || ep.SecretLast4 != ep.Secret[len(ep.Secret)-4:] {
		t.Fatalf("CreateEndpoint secret = %q (last4 %q), want whsec_ and base64 of 32 bytes", ep.Secret, ep.SecretLast4)
	}
	list, err := e.hooks.ListEndpoints(e.ctx)
	if err != nil || len(list) != 1 || list[0].Secret != "" {
		t.Fatalf("ListEndpoints = %+v, %v; want one, without its secret", list, err)
	}
	d, err := e.hooks.SendTestEvent(e.ctx, ep.ID)
	if err != nil {
		t.Fatalf("SendTestEvent = %v", err)
	}
	waitFor(t, "the test event", func() bool { return len(r.messages()) == 1 })
	m := r.messages()[0]
	if err := verify(ep.Secret, m.header, m.body); err != nil {
		t.Fatalf("verify = %v", err)
	}
	env := decode(t, m)
	if env.ID != d.EventID || env.Type != webhooks.TestEventType || env.Livemode || m.header.Get("webhook-id") != env.ID {
		t.Errorf("envelope = %+v, header id %s; want %s, webhook.test, test mode", env, m.header.Get("webhook-id"), d.EventID)
	}
	waitFor(t, "the delivery to succeed", func() bool {
		got, err := e.hooks.GetDelivery(e.ctx, d.ID)
		return err == nil && got.Status == webhooks.DeliverySucceeded && len(got.Attempts) == 1 && *got.Attempts[0].StatusCode == 200
	})

	rot, err := e.hooks.UpdateEndpoint(e.ctx, webhooks.UpdateEndpointInput{ID: ep.ID, RotateSecret: true})
	if err != nil || rot.Secret == "" || rot.Secret == ep.Secret || rot.PreviousSecretExpiresAt == nil {
		t.Fatalf("rotate = %+v, %v", rot, err)
	}
	if _, err := e.hooks.SendTestEvent(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second test event", func() bool { return len(r.messages()) == 2 })
	m = r.messages()[1]
	if n := len(strings.Fields(m.header.Get("webhook-signature"))); n != 2 {
		t.Errorf("signatures during the overlap = %d, want 2", n)
	}
	for _, s := range []string{ep.Secret, rot.Secret} {
		if err := verify(s, m.header, m.body); err != nil {
			t.Errorf("verify with %s…: %v", s[:10], err)
		}
	}
}

// TestRetryUntilSuccess: a receiver answering 500 three times, then 200,
// gets the event on the fourth attempt, once; every attempt is recorded.
func TestRetryUntilSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t, func(n int) int {
		if n <= 3 {
			return 500
		}
		return 200
	})
	ep := e.endpoint(t, r.URL, "balance.depleted")
	e.customer(t, "u1", "1")
	e.adjust(t, "u1", "c1", billing.AdjustCharge, "1")
	waitFor(t, "four attempts", func() bool { return len(r.messages()) >= 4 })
	var ds []webhooks.Delivery
	waitFor(t, "the delivery to succeed", func() bool {
		var err error
		ds, _, err = e.hooks.ListDeliveries(e.ctx, webhooks.ListDeliveriesInput{EndpointID: ep.ID})
		return err == nil && len(ds) == 1 && ds[0].Status == webhooks.DeliverySucceeded
	})
	e.settle(t)
	msgs := r.messages()
	if len(msgs) != 4 {
		t.Fatalf("receiver got %d requests, want 4", len(msgs))
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[m.header.Get("webhook-id")] = true
		if err := verify(ep.Secret, m.header, m.body); err != nil {
			t.Error(err)
		}
	}
	if len(ids) != 1 || decode(t, msgs[3]).Type != "balance.depleted" {
		t.Errorf("webhook-ids = %v, want one event (balance.depleted) sent four times", ids)
	}
	var codes []int
	for _, a := range ds[0].Attempts {
		codes = append(codes, *a.StatusCode)
		if a.ResponseExcerpt == "" {
			t.Errorf("attempt %d has no response excerpt", a.Number)
		}
	}
	if fmt.Sprint(codes) != "[500 500 500 200]" {
		t.Errorf("attempts = %v, want [500 500 500 200]", codes)
	}
}

// TestGoneDisables: 410 Gone disables the endpoint, saying why; a failing
// delivery becomes failed after its last retry; a manual retry sends again.
func TestGoneDisables(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	gone := newReceiver(t, func(int) int { return 410 })
	ep := e.endpoint(t, gone.URL)
	if _, err := e.hooks.SendTestEvent(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the endpoint to be disabled", func() bool {
		got, err := e.hooks.GetEndpoint(e.ctx, ep.ID)
		return err == nil && !got.Enabled && strings.Contains(got.DisabledReason, "410")
	})

	failing := newReceiver(t, func(int) int { return 503 })
	ep2 := e.endpoint(t, failing.URL)
	d, err := e.hooks.SendTestEvent(e.ctx, ep2.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the delivery to fail after 8 attempts", func() bool {
		got, err := e.hooks.GetDelivery(e.ctx, d.ID)
		return err == nil && got.Status == webhooks.DeliveryFailed && len(got.Attempts) == 8
	})
	failing.answer = func(int) int { return 204 }
	if _, err := e.hooks.RetryDelivery(e.ctx, d.ID); err != nil {
		t.Fatalf("RetryDelivery = %v", err)
	}
	waitFor(t, "the retried delivery to succeed", func() bool {
		got, err := e.hooks.GetDelivery(e.ctx, d.ID)
		return err == nil && got.Status == webhooks.DeliverySucceeded && len(got.Attempts) == 9
	})
}

// TestConcurrentDebitsOneCrossing: 200 concurrent debits taking one wallet
// across a threshold deliver exactly one balance.threshold_crossed.
func TestConcurrentDebitsOneCrossing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := newReceiver(t, nil)
	e.endpoint(t, r.URL, "balance.threshold_crossed")
	e.customer(t, "u1", "100")
	if _, err := e.svc.SetBalanceThresholds(e.ctx, billing.SetBalanceThresholdsInput{Customer: "u1", Asset: "USD",
		Thresholds: []billing.ThresholdInput{{Threshold: decimal.RequireFromString("60")}}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: fmt.Sprintf("c-%d", i), Kind: billing.AdjustCharge,
				Customer: "u1", Asset: "USD", Amount: decimal.RequireFromString("0.25")})
			if err != nil {
				t.Errorf("charge %d = %v", i, err)
			}
		})
	}
	wg.Wait()
	// Every debit has committed: the outbox holds all it will.
	var crossings int
	if err := e.pool.QueryRow(e.ctx, `SELECT count(*) FROM outbox WHERE type = 'balance.threshold_crossed'`).Scan(&crossings); err != nil || crossings != 1 {
		t.Errorf("balance.threshold_crossed outbox rows = %d, %v; want 1", crossings, err)
	}
	e.settle(t)
	msgs := r.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want exactly one", len(msgs))
	}
	var data struct {
		Threshold, Available, Total, Asset string
		WalletID                           string `json:"wallet_id"`
		CustomerID                         string `json:"customer_id"`
		Lots                               []json.RawMessage
	}
	if err := json.Unmarshal(decode(t, msgs[0]).Data, &data); err != nil {
		t.Fatal(err)
	}
	// The wallet's balance as the REST API shows it, with the threshold.
	if data.Threshold != "60.00" || data.Asset != "USD" || data.Total == "" || data.Lots == nil ||
		!strings.HasPrefix(data.WalletID, "wal_") || !strings.HasPrefix(data.CustomerID, "cus_") {
		t.Errorf("data = %+v, want the USD balance of a wallet with threshold 60.00", data)
	}
}

// TestLiveModeRefusesInternalAddresses: in live mode an endpoint must be
// https and public, when saved and again when connecting.
func TestLiveModeRefusesInternalAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, _ := billing.CallerFrom(e.ctx)
	c.Mode = billing.ModeLive
	live := billing.WithCaller(context.Background(), c)
	for _, u := range []string{"https://169.254.169.254/latest/meta-data", "https://10.0.0.1/hooks", "https://127.0.0.1/x", "https://localhost/x",
		"http://example.com/x", "https://[::1]/x", "https://100.64.0.1/x", "https://192.168.1.1/x"} {
		_, err := e.hooks.CreateEndpoint(live, webhooks.CreateEndpointInput{URL: u})
		if kernel.ErrorCode(err) != kernel.EInvalid || kernel.ErrorField(err) != "url" {
			t.Errorf("CreateEndpoint(live, %s) = %v, want EInvalid on url", u, err)
			continue
		}
		t.Logf("%s: %s", u, kernel.ErrorMessage(err))
	}
	_, err := e.hooks.CreateEndpoint(live, webhooks.CreateEndpointInput{URL: "https://169.254.169.254/latest"})
	if msg := kernel.ErrorMessage(err); !strings.Contains(msg, "metadata") {
		t.Errorf("metadata refusal = %q, want it named", msg)
	}
	_, err = e.hooks.CreateEndpoint(live, webhooks.CreateEndpointInput{URL: "https://10.0.0.1/hooks"})
	if msg := kernel.ErrorMessage(err); !strings.Contains(msg, "private") {
		t.Errorf("10.0.0.1 refusal = %q, want it named private", msg)
	}
	// Test mode may target loopback.
	if _, err := e.hooks.CreateEndpoint(e.ctx, webhooks.CreateEndpointInput{URL: "http://127.0.0.1:9/x"}); err != nil {
		t.Errorf("CreateEndpoint(test, loopback) = %v", err)
	}
	if _, err := e.hooks.CreateEndpoint(e.ctx, webhooks.CreateEndpointInput{URL: "http://169.254.169.254/x"}); err == nil {
		t.Errorf("CreateEndpoint(test, metadata) accepted")
	}
}

// TestReceiverDownAcrossRestart: events written while the receiver is down
// and the server restarts all arrive afterwards, each verified.
func TestReceiverDownAcrossRestart(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	var up sync.Mutex
	down := true
	r := newReceiver(t, func(int) int {
		up.Lock()
		defer up.Unlock()
		if down {
			return 502
		}
		return 200
	})
	slow := fast
	slow.RetryDelays = []time.Duration{200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond,
		time.Second, time.Second, 2 * time.Second}
	first := start(t, pool, slow, true)
	ep := first.endpoint(t, r.URL)
	for i := range 5 {
		first.customer(t, fmt.Sprintf("u%d", i), "1")
		first.adjust(t, fmt.Sprintf("u%d", i), fmt.Sprintf("c%d", i), billing.AdjustCharge, "1") // balance.depleted
	}
	waitFor(t, "failed attempts while down", func() bool { return len(r.messages()) >= 5 })
	if err := first.close(); err != nil {
		t.Fatal(err)
	}
	// Written while no server runs jobs: only the outbox holds them.
	stopped := start(t, pool, slow, false)
	for i := 5; i < 8; i++ {
		stopped.customer(t, fmt.Sprintf("u%d", i), "1")
		stopped.adjust(t, fmt.Sprintf("u%d", i), fmt.Sprintf("c%d", i), billing.AdjustCharge, "1")
	}
	up.Lock()
	down = false
	up.Unlock()
	second := start(t, pool, slow, true)
	t.Cleanup(func() { _ = second.close() })
	waitFor(t, "every event delivered", func() bool {
		ok := map[string]bool{}
		for _, m := range r.messages() {
			if verify(ep.Secret, m.header, m.body) == nil && m.header.Get("webhook-id") != "" {
				ok[m.header.Get("webhook-id")] = true
			}
		}
		ds, _, err := second.hooks.ListDeliveries(second.ctx, webhooks.ListDeliveriesInput{EndpointID: ep.ID, Status: webhooks.DeliverySucceeded, Limit: 100})
		return err == nil && len(ds) == 8 && len(ok) == 8
	})
}

// TestSignatureVerifiedByStandardWebhooksNPM: the messages a receiver got
// verify with the npm package standardwebhooks on Node, as a TypeScript
// receiver would check them; a tampered body does not.
func TestSignatureVerifiedByStandardWebhooksNPM(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir, err := filepath.Abs("../tests/tsclient")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks")); err != nil {
		t.Skip("tests/tsclient/node_modules is missing: run npm ci in tests/tsclient")
	}
	e := newEnv(t)
	r := newReceiver(t, nil)
	ep := e.endpoint(t, r.URL)
	if _, err := e.hooks.SendTestEvent(e.ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	e.customer(t, "u1", "1")
	e.adjust(t, "u1", "c1", billing.AdjustCharge, "1")
	waitFor(t, "two messages", func() bool { return len(r.messages()) >= 2 })

	run := func(msgs []message) ([]byte, error) {
		type msg struct {
			Headers map[string]string `json:"headers"`
			Body    string            `json:"body"`
		}
		in := struct {
			Secret   string `json:"secret"`
			Messages []msg  `json:"messages"`
		}{Secret: ep.Secret}
		for _, m := range msgs {
			h := map[string]string{}
			for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
				h[k] = m.header.Get(k)
			}
			in.Messages = append(in.Messages, msg{h, string(m.body)})
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, "verify-webhook.mjs")
		cmd.Dir, cmd.Stdin = dir, bytes.NewReader(b)
		return cmd.CombinedOutput()
	}
	msgs := r.messages()
	out, err := run(msgs)
	if err != nil {
		t.Fatalf("node verify-webhook.mjs: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), `"verified":true`); n != len(msgs) {
		t.Fatalf("node verified %d of %d messages:\n%s", n, len(msgs), out)
	}
	t.Logf("%s", out)
	tampered := msgs[0]
	tampered.body = bytes.Replace(tampered.body, []byte("test"), []byte("tost"), 1)
	if out, err := run([]message{tampered}); err == nil {
		t.Fatalf("node verified a tampered body:\n%s", out)
	}
}
