package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
)

// BenchmarkWebhookLatency measures, one event at a time, how long an event
// takes from the request that causes it (an authorization declined for
// want of funds, committed with its outbox row) to the first attempt's
// arrival at a receiver on loopback, with the server's default options
// (webhooks.Options{} as `tollgate serve` passes them). It reports the
// median, p90 and maximum in milliseconds (docs/BENCHMARKS.md):
//
//	go test -run '^$' -bench WebhookLatency -benchtime 40x ./webhooks
func BenchmarkWebhookLatency(b *testing.B) {
	pool := testdb.New(b)
	q := jobs.New(pool, nil)
	svc := billing.NewService(pool, billing.Options{Jobs: q})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	hooks := webhooks.New(pool, svc, webhooks.Options{Render: wire.WebhookData(svc), Jobs: q})
	svc.Start(context.Background())
	if err := q.Start(context.Background(), jobs.Billing(svc), hooks.Jobs()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = svc.Close(context.Background())
		_ = q.Stop(context.Background())
	})
	listen, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hooks.Listen(listen) }()
	b.Cleanup(func() { stop(); <-done })
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	arrived := make(chan time.Time, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- time.Now()
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(recv.Close)
	if _, err := hooks.CreateEndpoint(ctx, webhooks.CreateEndpointInput{URL: recv.URL, EventTypes: []string{"authorization.declined"}}); err != nil {
		b.Fatal(err)
	}
	if _, _, err := svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: "broke"}); err != nil {
		b.Fatal(err)
	}
	amount := decimal.RequireFromString("1.00")
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		a, err := svc.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: fmt.Sprintf("bench-%d", i), Customer: "broke", Asset: "USD", Amount: &amount})
		if err != nil || a.Status != "declined" {
			b.Fatalf("Authorize = %+v, %v; want declined", a, err)
		}
		select {
		case at := <-arrived:
			lat = append(lat, at.Sub(start))
		case <-time.After(30 * time.Second):
			b.Fatalf("event %d did not arrive within 30s", i)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*9/10]), "p90-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(0, "ns/op")
}

// TestFanOutOnCommit: with the periodic fan-out an hour apart (it runs once
// at start), events still go out as soon as their outbox rows commit
// (Listen): the second one surely after that first periodic run.
func TestFanOutOnCommit(t *testing.T) {
	t.Parallel()
	opts := fast
	opts.FanOutInterval = time.Hour
	e := start(t, testdb.New(t), opts, true)
	t.Cleanup(func() { _ = e.close() })
	r := newReceiver(t, nil)
	e.endpoint(t, r.URL, "balance.depleted")
	for i := 1; i <= 2; i++ {
		u := fmt.Sprintf("u%d", i)
		e.customer(t, u, "1")
		e.adjust(t, u, "charge-"+u, billing.AdjustCharge, "1") // balance.depleted
		waitFor(t, fmt.Sprintf("event %d, long before the next periodic fan-out", i), func() bool { return len(r.messages()) == i })
	}
	for _, m := range r.messages() {
		if got := decode(t, m); got.Type != "balance.depleted" {
			t.Errorf("event = %s, want balance.depleted", got.Type)
		}
	}
}
