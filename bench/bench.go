// Package bench drives Tollgate's billing hot path under load: record-only
// usage over many wallets, one hot wallet, authorizations alone and
// authorize → record pairs, and streamed LLM calls through the metering
// gateway beside the same calls to its upstream, closed loop or at a target
// rate. It reports throughput, latency percentiles and what the processor
// time was spent on.
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
	"github.com/tollgatehq/tollgate/rating"
)

// Driver performs billing calls; the service itself or the REST API.
type Driver interface {
	Record(ctx context.Context, in billing.UsageEventInput) error
	RecordBatch(ctx context.Context, in []billing.UsageEventInput) error
	Authorize(ctx context.Context, in billing.AuthorizeInput) (authID string, approved bool, err error)
}

// Result is one workload's figures. Latencies count from when an operation
// started (closed loop) or was due (open loop), so queueing behind busy
// clients shows in them.
type Result struct {
	Workload string
	Clients  int
	Rate     float64 // the target, operations a second; 0: closed loop
	Ops      int64   // completed operations (events, authorizations or pairs)
	Errors   int64
	Late     int64 // open loop: operations due while every client was busy
	Dropped  int64 // open loop: operations never issued, the run having overrun
	Duration time.Duration
	P50, P99 time.Duration // per operation
	AuthP99  time.Duration // authorize latency (pairs only)
	CPU      CPU           // processor time spent during the run, by whom
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
	if _, _, err := svc.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: "bench", Name: "Bench", EventType: f.EventType,
		Prices: []rating.Price{{Name: "call", Model: rating.PerUnit, Asset: "USD", UnitAmount: rating.MustDecimal("0.01")}}}); err != nil {
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
				if _, _, err := svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: ext, Name: SeedName(ext), Email: SeedEmail(ext)}); err != nil {
					errc <- err
					return
				}
				if _, err := svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "seed-" + ext, Kind: billing.AdjustTopUp,
					Customer: ext, Asset: "USD", Amount: rating.MustDecimal("1000000")}); err != nil {
					errc <- err
					return
				}
				if _, err := svc.Plans.Subscribe(ctx, billing.SubscribeInput{Customer: ext, Product: "bench"}); err != nil {
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

// SeededFixture is the fixture Seed(ctx, svc, n, clients, prefix) made.
func SeededFixture(n int, prefix string) Fixture {
	f := Fixture{EventType: "bench.call", Customers: make([]string, n)}
	for i := range n {
		f.Customers[i] = fmt.Sprintf("%s-%06d", prefix, i)
	}
	return f
}

// SeedName is the name Seed gives the customer with external id ext.
func SeedName(ext string) string { return "Bench customer " + ext }

// SeedEmail is the email Seed gives the customer with external id ext.
func SeedEmail(ext string) string { return ext + "@bench.example.com" }

// Workload names.
const (
	Record    = "record"       // record-only over all customers
	Hot       = "record-hot"   // record-only, every client on one customer
	Pairs     = "auth+record"  // authorize then record with the authorization
	Batch     = "record-batch" // BatchSize events per call over all customers
	Authorize = "authorize"    // authorize only, each with its own idempotency key
)

// Workloads are the workloads Run knows. The gateway workloads need a driver
// that is a GatewayCaller.
func Workloads() []string {
	return []string{Record, Batch, Hot, Pairs, Authorize, GatewayDirect, Gateway}
}

// BatchSize is the number of events per call of the record-batch workload.
const BatchSize = 100

// Spec is one run of one workload.
type Spec struct {
	Workload string
	Clients  int
	Duration time.Duration
	// Rate is the operations a second across all clients, issued on a fixed
	// schedule (open loop); 0 runs each client back to back (closed loop).
	Rate  float64
	RunID string // prefixes event ids and idempotency keys: unique per run
}

// Run drives one workload as s says.
func Run(ctx context.Context, drv Driver, f Fixture, s Spec) Result {
	return newRunner(drv, f, s, realClock()).run(ctx)
}

// runner holds one run's state; each client has a slot, used by one
// operation at a time.
type runner struct {
	drv     Driver
	f       Fixture
	s       Spec
	clock   clock
	slots   []slot
	ops     atomic.Int64
	errs    atomic.Int64
	late    atomic.Int64 // open loop: operations due while every client was busy
	dropped int64        // open loop: operations never issued (the run overran)
}

type slot struct {
	rng          *rand.Rand
	n            int // operations issued
	lat, authLat []time.Duration
}

func newRunner(drv Driver, f Fixture, s Spec, c clock) *runner {
	r := &runner{drv: drv, f: f, s: s, clock: c, slots: make([]slot, s.Clients)}
	seed := uint64(c.now().UnixNano())
	for w := range r.slots {
		r.slots[w].rng = rand.New(rand.NewPCG(uint64(w), seed))
	}
	return r
}

func (r *runner) run(ctx context.Context) Result {
	start := r.clock.now()
	if r.s.Rate > 0 {
		r.openLoop(ctx, start)
	} else {
		r.closedLoop(ctx, start)
	}
	res := Result{Workload: r.s.Workload, Clients: r.s.Clients, Rate: r.s.Rate, Duration: r.clock.now().Sub(start),
		Ops: r.ops.Load(), Errors: r.errs.Load(), Late: r.late.Load(), Dropped: r.dropped, CPU: UnknownCPU}
	lat, authLat := make([][]time.Duration, len(r.slots)), make([][]time.Duration, len(r.slots))
	for w, s := range r.slots {
		lat[w], authLat[w] = s.lat, s.authLat
	}
	res.P50, res.P99 = percentiles(lat)
	_, res.AuthP99 = percentiles(authLat)
	return res
}

// closedLoop runs every client back to back until the run's end.
func (r *runner) closedLoop(ctx context.Context, start time.Time) {
	end := start.Add(r.s.Duration)
	var wg sync.WaitGroup
	for w := range r.slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := r.clock.now()
				if !t0.Before(end) {
					return
				}
				r.do(ctx, w, t0)
			}
		}()
	}
	wg.Wait()
}

// do performs one operation on client w and records its latency from
// since: when it started (closed loop) or was due (open loop).
func (r *runner) do(ctx context.Context, w int, since time.Time) {
	sl := &r.slots[w]
	id := fmt.Sprintf("%s-%d-%d", r.s.RunID, w, sl.n)
	sl.n++
	n, err := r.call(ctx, sl, id, since)
	if err != nil {
		r.errs.Add(1)
		return
	}
	sl.lat = append(sl.lat, r.clock.now().Sub(since))
	r.ops.Add(n)
}

// call makes the workload's call(s) and returns how many operations they
// count for.
func (r *runner) call(ctx context.Context, sl *slot, id string, since time.Time) (int64, error) {
	cus := r.f.Customers[0]
	if r.s.Workload != Hot {
		cus = r.f.Customers[sl.rng.IntN(len(r.f.Customers))]
	}
	switch r.s.Workload {
	case Gateway, GatewayDirect:
		g, ok := r.drv.(GatewayCaller)
		if !ok {
			return 0, fmt.Errorf("workload %s: the driver cannot call the gateway", r.s.Workload)
		}
		return 1, g.CallLLM(ctx, cus, r.s.Workload == GatewayDirect)
	case Batch:
		batch := make([]billing.UsageEventInput, BatchSize)
		for j := range batch {
			batch[j] = billing.UsageEventInput{ID: fmt.Sprintf("%s-%d", id, j), EventType: r.f.EventType,
				Customer: r.f.Customers[sl.rng.IntN(len(r.f.Customers))]}
		}
		return BatchSize, r.drv.RecordBatch(ctx, batch)
	case Authorize:
		_, err := r.authorize(ctx, cus, id)
		return 1, err
	case Pairs:
		authID, err := r.authorize(ctx, cus, id)
		sl.authLat = append(sl.authLat, r.clock.now().Sub(since))
		if err != nil {
			return 0, err
		}
		return 1, r.drv.Record(ctx, billing.UsageEventInput{ID: id, Customer: cus, EventType: r.f.EventType, AuthorizationID: authID})
	default:
		return 1, r.drv.Record(ctx, billing.UsageEventInput{ID: id, Customer: cus, EventType: r.f.EventType})
	}
}

// authorize holds the price of one event; a decline is an error here, since
// every seeded wallet can pay (each authorization holds 0.01 USD for
// billing.DefaultAuthorizationTTL out of 1,000,000).
func (r *runner) authorize(ctx context.Context, cus, key string) (string, error) {
	id, approved, err := r.drv.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: key, Customer: cus, EventType: r.f.EventType})
	if err == nil && !approved {
		err = fmt.Errorf("authorization %s declined", id)
	}
	return id, err
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
