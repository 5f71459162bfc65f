// Package bench drives Tollgate's billing hot path under load: record-only
// usage over many wallets, one hot wallet, and authorize → record pairs. It
// reports throughput and latency percentiles and checks the ledger afterwards.
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgatehq/tollgate/billing"
)

// Driver performs billing calls; the service itself or the REST API.
type Driver interface {
	Record(ctx context.Context, in billing.UsageEventInput) error
	RecordBatch(ctx context.Context, in []billing.UsageEventInput) error
	Authorize(ctx context.Context, in billing.AuthorizeInput) (authID string, approved bool, err error)
}

// Result is one workload's figures.
type Result struct {
	Workload string
	Clients  int
	Ops      int64 // completed operations (events, or pairs)
	Errors   int64
	Duration time.Duration
	P50, P99 time.Duration // per operation
	AuthP99  time.Duration // authorize latency (pairs only)
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 { return float64(r.Ops) / r.Duration.Seconds() }

// Fixture is what Seed created.
type Fixture struct {
	EventType string
	Customers []string // external ids
}

// Seed creates a per-unit product and n funded customers, using clients
// concurrent workers.
func Seed(ctx context.Context, svc *billing.Service, n, clients int, prefix string) (Fixture, error) {
	f := Fixture{EventType: "bench.call", Customers: make([]string, n)}
	if _, _, err := svc.CreateProduct(ctx, billing.CreateProductInput{Code: "bench", Name: "Bench", EventType: f.EventType,
		Prices: []billing.Price{{Name: "call", Model: billing.PerUnit, Asset: "USD", UnitAmount: billing.MustDecimal("0.01")}}}); err != nil {
		return f, err
	}
	var next atomic.Int64
	errc := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				ext := fmt.Sprintf("%s-%06d", prefix, i)
				f.Customers[i] = ext
				if _, _, err := svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: ext}); err != nil {
					errc <- err
					return
				}
				if _, err := svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "seed-" + ext, Kind: billing.AdjustTopUp,
					Customer: ext, Asset: "USD", Amount: billing.MustDecimal("1000000")}); err != nil {
					errc <- err
					return
				}
				if _, err := svc.Subscribe(ctx, billing.SubscribeInput{Customer: ext, Product: "bench"}); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return f, <-errc
}

// Workload names.
const (
	Record = "record"       // record-only over all customers
	Hot    = "record-hot"   // record-only, every client on one customer
	Pairs  = "auth+record"  // authorize then record with the authorization
	Batch  = "record-batch" // BatchSize events per call over all customers
)

// BatchSize is the number of events per call of the record-batch workload.
const BatchSize = 100

// Run drives one workload for d with clients concurrent workers.
func Run(ctx context.Context, drv Driver, f Fixture, workload string, clients int, d time.Duration, runID string) Result {
	res := Result{Workload: workload, Clients: clients}
	var ops, errs atomic.Int64
	lat := make([][]time.Duration, clients)
	authLat := make([][]time.Duration, clients)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for i := 0; time.Now().Before(deadline); i++ {
				cus := f.Customers[0]
				if workload != Hot {
					cus = f.Customers[rng.IntN(len(f.Customers))]
				}
				id := fmt.Sprintf("%s-%d-%d", runID, w, i)
				t0 := time.Now()
				var err error
				n := int64(1)
				if workload == Batch {
					n = BatchSize
					batch := make([]billing.UsageEventInput, BatchSize)
					for j := range batch {
						batch[j] = billing.UsageEventInput{ID: fmt.Sprintf("%s-%d", id, j), EventType: f.EventType,
							Customer: f.Customers[rng.IntN(len(f.Customers))]}
					}
					err = drv.RecordBatch(ctx, batch)
				} else if workload == Pairs {
					var authID string
					authID, _, err = drv.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: id, Customer: cus, EventType: f.EventType})
					authLat[w] = append(authLat[w], time.Since(t0))
					if err == nil {
						err = drv.Record(ctx, billing.UsageEventInput{ID: id, Customer: cus, EventType: f.EventType, AuthorizationID: authID})
					}
				} else {
					err = drv.Record(ctx, billing.UsageEventInput{ID: id, Customer: cus, EventType: f.EventType})
				}
				if err != nil {
					errs.Add(1)
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
				ops.Add(n)
			}
		}()
	}
	wg.Wait()
	res.Duration = time.Since(start)
	res.Ops, res.Errors = ops.Load(), errs.Load()
	res.P50, res.P99 = percentiles(lat)
	_, res.AuthP99 = percentiles(authLat)
	return res
}

func percentiles(per [][]time.Duration) (p50, p99 time.Duration) {
	var all []time.Duration
	for _, l := range per {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return 0, 0
	}
	slices.Sort(all)
	return all[len(all)*50/100], all[min(len(all)-1, len(all)*99/100)]
}

// ServiceDriver calls the billing service in process.
type ServiceDriver struct {
	Svc *billing.Service
	Ctx context.Context // carries the caller
}

// Record implements Driver.
func (d ServiceDriver) Record(_ context.Context, in billing.UsageEventInput) error {
	_, err := d.Svc.RecordUsage(d.Ctx, in)
	return err
}

// RecordBatch implements Driver; one failed event fails the batch.
func (d ServiceDriver) RecordBatch(_ context.Context, in []billing.UsageEventInput) error {
	res, err := d.Svc.RecordUsageBatch(d.Ctx, in)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

// Authorize implements Driver.
func (d ServiceDriver) Authorize(_ context.Context, in billing.AuthorizeInput) (string, bool, error) {
	a, err := d.Svc.Authorize(d.Ctx, in)
	return a.ID, a.Approved, err
}
