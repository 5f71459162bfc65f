package bench_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/api"
	"github.com/tollgatehq/tollgate/bench"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
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
