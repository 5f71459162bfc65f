package bench

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
)

// fakeClock moves only when the test sets it; waiting for a time in the
// future jumps to it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) clock() clock {
	return clock{now: c.now, sleepUntil: func(_ context.Context, t time.Time) {
		if t.After(c.now()) {
			c.set(t)
		}
	}}
}

// gatedDriver says when a call starts and returns when the test lets it.
type gatedDriver struct {
	entered chan string // the idempotency key or event id
	release chan struct{}
}

func (g gatedDriver) wait(id string) { g.entered <- id; <-g.release }

func (g gatedDriver) Record(_ context.Context, in billing.UsageEventInput) error {
	g.wait(in.ID)
	return nil
}

func (g gatedDriver) RecordBatch(_ context.Context, in []billing.UsageEventInput) error {
	g.wait(in[0].ID)
	return nil
}

func (g gatedDriver) Authorize(_ context.Context, in billing.AuthorizeInput) (string, bool, error) {
	g.wait(in.IdempotencyKey)
	return "auth_" + in.IdempotencyKey, true, nil
}

// TestBenchOpenLoopMeasuresLateOperationsFromWhenDue runs one client at 100
// operations a second for 30 ms of a fake clock (operations due at 0, 10 and
// 20 ms) against a driver whose calls last 25 then 15 then 5 ms: the second
// and third are due while the client is busy, so they are late, and their
// latency counts from when they were due, not from when they started.
func TestBenchOpenLoopMeasuresLateOperationsFromWhenDue(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_000_000, 0)
	fc := &fakeClock{t: t0}
	drv := gatedDriver{entered: make(chan string), release: make(chan struct{})}
	r := newRunner(drv, Fixture{EventType: "bench.call", Customers: []string{"c"}},
		Spec{Workload: Authorize, Clients: 1, Duration: 30 * time.Millisecond, Rate: 100, RunID: "r"}, fc.clock())
	done := make(chan Result)
	go func() { done <- r.run(context.Background()) }()
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	var keys []string
	keys = append(keys, <-drv.entered) // due at 0, started at 0
	waitLate(t, r, 1)                  // due at 10: the only client is busy
	fc.set(ms(25))
	drv.release <- struct{}{}
	keys = append(keys, <-drv.entered) // due at 10, started at 25
	waitLate(t, r, 2)                  // due at 20: busy again
	fc.set(ms(40))
	drv.release <- struct{}{}
	keys = append(keys, <-drv.entered) // due at 20, started at 40
	fc.set(ms(45))
	drv.release <- struct{}{}
	res := <-done

	if want := []string{"r-0-0", "r-0-1", "r-0-2"}; !slices.Equal(keys, want) {
		t.Errorf("idempotency keys = %v, want %v", keys, want)
	}
	wantLat := []time.Duration{25 * time.Millisecond, 30 * time.Millisecond, 25 * time.Millisecond}
	if got := r.slots[0].lat; !slices.Equal(got, wantLat) {
		t.Errorf("latencies = %v, want %v (from when each was due)", got, wantLat)
	}
	if res.Ops != 3 || res.Late != 2 || res.Dropped != 0 || res.Errors != 0 {
		t.Errorf("run = %d ops, %d late, %d dropped, %d errors; want 3, 2, 0, 0", res.Ops, res.Late, res.Dropped, res.Errors)
	}
	if res.P50 != 25*time.Millisecond || res.P99 != 30*time.Millisecond || res.Duration != 45*time.Millisecond {
		t.Errorf("p50, p99, duration = %v, %v, %v; want 25ms, 30ms, 45ms", res.P50, res.P99, res.Duration)
	}
}

// TestBenchOpenLoopDropsWhatIsDueAfterAnOverrun: when the first call outlasts
// twice the run's duration, the operations still due are dropped, not issued.
func TestBenchOpenLoopDropsWhatIsDueAfterAnOverrun(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_000_000, 0)
	fc := &fakeClock{t: t0}
	drv := gatedDriver{entered: make(chan string), release: make(chan struct{})}
	r := newRunner(drv, Fixture{EventType: "bench.call", Customers: []string{"c"}},
		Spec{Workload: Record, Clients: 1, Duration: 30 * time.Millisecond, Rate: 100, RunID: "r"}, fc.clock())
	done := make(chan Result)
	go func() { done <- r.run(context.Background()) }()
	<-drv.entered
	waitLate(t, r, 1)
	fc.set(t0.Add(70 * time.Millisecond))
	drv.release <- struct{}{}
	res := <-done
	if res.Ops != 1 || res.Late != 1 || res.Dropped != 2 || res.P99 != 70*time.Millisecond {
		t.Errorf("run = %d ops, %d late, %d dropped, p99 %v; want 1, 1, 2, 70ms", res.Ops, res.Late, res.Dropped, res.P99)
	}
}

// waitLate waits until the scheduler has counted n late operations; it
// must, since the client it waits for is held by the test.
func waitLate(t *testing.T, r *runner, n int64) {
	t.Helper()
	for r.late.Load() < n {
		time.Sleep(100 * time.Microsecond)
	}
}
