package bench

import (
	"context"
	"sync"
	"time"
)

// clock is the time a run reads and waits on; tests pass a fake one.
type clock struct {
	now        func() time.Time
	sleepUntil func(ctx context.Context, t time.Time)
}

func realClock() clock {
	return clock{now: time.Now, sleepUntil: func(ctx context.Context, t time.Time) {
		d := time.Until(t)
		if d <= 0 {
			return
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
		}
	}}
}

// openLoop issues operation k at start + k/Rate seconds until the run's end,
// each on an idle client. One due while every client is busy is late: it
// starts when a client frees up, and its latency still counts from when it
// was due, so a slow server cannot hide its queue by slowing the clients
// down (coordinated omission). Every operation due within the run is issued
// unless the run has overrun to twice its duration; the rest are dropped.
func (r *runner) openLoop(ctx context.Context, start time.Time) {
	due := func(k int) time.Duration { return time.Duration(float64(k) * float64(time.Second) / r.s.Rate) }
	limit := start.Add(2 * r.s.Duration)
	idle := make(chan int, len(r.slots))
	for w := range r.slots {
		idle <- w
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for k := 0; due(k) < r.s.Duration; k++ {
		at := start.Add(due(k))
		r.clock.sleepUntil(ctx, at)
		w, ok := r.idleClient(ctx, idle)
		if !ok || ctx.Err() != nil || r.clock.now().After(limit) {
			for ; due(k) < r.s.Duration; k++ {
				r.dropped++
			}
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.do(ctx, w, at)
			idle <- w
		}()
	}
}

// idleClient takes an idle client, waiting for one (and counting the
// operation late) when all are busy; false when ctx ends first.
func (r *runner) idleClient(ctx context.Context, idle chan int) (int, bool) {
	select {
	case w := <-idle:
		return w, true
	default:
	}
	r.late.Add(1)
	select {
	case w := <-idle:
		return w, true
	case <-ctx.Done():
		return 0, false
	}
}
