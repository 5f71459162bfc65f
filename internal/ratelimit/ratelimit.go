// Package ratelimit limits requests per API key, a token bucket each, for
// the REST API and the MCP server. The buckets live in the process, so N
// processes behind a load balancer allow up to N times the limit.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// PerKey holds one bucket per key: perSecond sustained, burst at once, or
// the key's own limit when it has one. A bucket idle long enough to be full
// again is dropped, so memory follows the keys in use. A nil *PerKey allows
// everything.
type PerKey struct {
	perSecond float64
	burst     int
	idle      time.Duration // after this a bucket is full again

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
	own  int32 // the key's own limit the bucket was made for; 0: the default
}

// New returns buckets of perSecond requests a second sustained and burst at
// once (burst 0: twice perSecond, at least 1); nil, which allows everything,
// when perSecond is not positive.
func New(perSecond float64, burst int) *PerKey {
	if perSecond <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = Burst(perSecond)
	}
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &PerKey{perSecond: perSecond, burst: burst, idle: max(refill, time.Minute), buckets: map[string]*bucket{}}
}

// Burst is the burst of a limit given in requests a second alone: twice
// that, at least 1. A key's own limit has it.
func Burst(perSecond float64) int { return max(1, int(math.Ceil(2*perSecond))) }

// Allow takes a token from key's bucket at now. own, when positive, is the
// key's own limit in requests a second (with Burst(own)), in place of the
// default. ok is false when the bucket is empty, and wait then says how long
// until a token; burst is the burst of the limit applied, for the
// RateLimit-Limit header.
func (k *PerKey) Allow(key string, own int32, now time.Time) (ok bool, wait time.Duration, burst int) {
	if k == nil {
		return true, 0, 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastSweep) > k.idle {
		for id, b := range k.buckets {
			if now.Sub(b.seen) > k.idle {
				delete(k.buckets, id)
			}
		}
		k.lastSweep = now
	}
	b := k.buckets[key]
	if b == nil || b.own != own {
		lim := rate.NewLimiter(rate.Limit(k.perSecond), k.burst)
		if own > 0 {
			lim = rate.NewLimiter(rate.Limit(own), Burst(float64(own)))
		}
		b = &bucket{lim: lim, own: own}
		k.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, b.lim.Burst()
	}
	return true, 0, b.lim.Burst()
}
