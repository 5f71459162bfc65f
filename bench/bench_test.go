package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/bench"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestHarness runs each workload briefly and checks that it did work and left
// the ledger consistent; the figures themselves come from `tollgate bench`.
func TestHarness(t *testing.T) {
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	f, err := bench.Seed(ctx, svc, 20, 4, "h")
	if err != nil {
		t.Fatalf("Seed = %v", err)
	}
	drv := bench.ServiceDriver{Svc: svc, Ctx: ctx}
	for _, w := range []string{bench.Record, bench.Hot, bench.Pairs} {
		r := bench.Run(ctx, drv, f, w, 4, 300*time.Millisecond, "run-"+w)
		if r.Ops == 0 || r.Errors != 0 {
			t.Errorf("Run(%s) = %d ops, %d errors; want ops and no errors", w, r.Ops, r.Errors)
		}
	}
	rep, err := svc.Verify(ctx)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("Verify after the workloads = %v, %v", rep.Problems, err)
	}
}
