package bench_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/api"
	"github.com/tollgatehq/tollgate/bench"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/profitability"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestHarness runs each workload briefly and checks that it did work and left
// the ledger consistent; the figures themselves come from `tollgate bench`.
func TestHarness(t *testing.T) {
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	f, err := bench.Seed(ctx, svc, 20, 4, "h")
	if err != nil {
		t.Fatalf("Seed = %v", err)
	}
	_, key, err := svc.Accounts.CreateAPIKey(context.Background(), acct.ID, billing.ModeTest, "bench")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(svc, profitability.New(pool, svc), api.Options{}))
	defer srv.Close()
	drivers := map[string]bench.Driver{
		"service": bench.ServiceDriver{Svc: svc, Ctx: ctx},
		"http":    bench.NewHTTPDriver(srv.URL, key, 4),
	}
	for name, drv := range drivers {
		for _, w := range bench.Workloads() {
			if w == bench.Gateway || w == bench.GatewayDirect {
				continue // TestGatewayWorkload
			}
			r := bench.Run(ctx, drv, f, bench.Spec{Workload: w, Clients: 4, Duration: 300 * time.Millisecond, RunID: name + "-" + w})
			if r.Ops == 0 || r.Errors != 0 {
				t.Errorf("Run(%s via %s) = %d ops, %d errors; want ops and no errors", w, name, r.Ops, r.Errors)
			}
		}
	}
	// Open loop: every operation due in the run is done, failed or dropped.
	at := bench.Run(ctx, drivers["http"], f, bench.Spec{Workload: bench.Authorize, Clients: 2, Duration: 300 * time.Millisecond, Rate: 50, RunID: "rate"})
	if at.Ops == 0 || at.Errors != 0 || at.Ops+at.Dropped != 15 {
		t.Errorf("Run(authorize at 50/s for 300ms) = %d ops, %d errors, %d dropped; want 15 done or dropped, no errors", at.Ops, at.Errors, at.Dropped)
	}
	rep, err := svc.Verify(ctx)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("Verify after the workloads = %v, %v", rep.Problems, err)
	}
}

// TestGatewayWorkload runs the gateway workloads briefly against the real
// gateway in front of the mock upstream: calls through the gateway and
// straight to the mock both complete without errors, each gateway call is
// recorded once (counted once the gateway has closed, which waits for the
// settlements that run after the answers), and the ledger stays consistent.
// No figure is checked.
func TestGatewayWorkload(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	f, err := bench.Seed(ctx, svc, 5, 2, "g")
	if err != nil {
		t.Fatalf("Seed = %v", err)
	}
	_, key, err := svc.Accounts.CreateAPIKey(context.Background(), acct.ID, billing.ModeTest, "bench")
	if err != nil {
		t.Fatal(err)
	}
	upstream, stop, err := bench.StartMockLLM()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	mux := http.NewServeMux()
	gw := gateway.New(svc, gateway.Options{EventType: f.EventType,
		OpenAI: gateway.Upstream{BaseURL: upstream, APIKey: payments.Secret(bench.MockLLMKey)}})
	mux.Handle("/gateway/", gw)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	drv := bench.NewHTTPDriver(srv.URL, key, 2).WithUpstream(upstream)
	var through int64
	for _, w := range []string{bench.GatewayDirect, bench.Gateway} {
		r := bench.Run(ctx, drv, f, bench.Spec{Workload: w, Clients: 2, Duration: 300 * time.Millisecond, RunID: w})
		if r.Ops == 0 || r.Errors != 0 {
			t.Errorf("Run(%s) = %d ops, %d errors; want ops and no errors", w, r.Ops, r.Errors)
		}
		if w == bench.Gateway {
			through = r.Ops
		}
	}
	// Every call was answered; their usage is recorded once the gateway's
	// settlements end.
	closeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	gw.Close(closeCtx)
	cancel()
	events := 0
	for _, c := range f.Customers {
		for cursor := ""; ; {
			p, err := svc.ListEvents(ctx, billing.ListEventsInput{Customer: c, Limit: 100, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			events += len(p.Items)
			if !p.HasMore {
				break
			}
			cursor = p.NextCursor
		}
	}
	if int64(events) != through {
		t.Errorf("%d events recorded, want one per gateway call (%d)", events, through)
	}
	if r := bench.Run(ctx, bench.NewHTTPDriver(srv.URL, key, 1), f, bench.Spec{Workload: bench.Gateway, Clients: 1, Duration: 50 * time.Millisecond, RunID: "nope"}); r.Errors == 0 {
		t.Errorf("Run(gateway) without the upstream's URL = %+v, want errors", r)
	}
	rep, err := svc.Verify(ctx)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("Verify after the workloads = %v, %v", rep.Problems, err)
	}
}
