package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tollgatehq/tollgate/billing"
)

// The default per-key rate limits. The hot path (authorize, record, batch,
// void) has its own bucket, sized for a backend that authorizes and records
// every request of an app serving 2,500 requests a second (5,000 calls a
// second, bursts twice that), which no single key on one core of this
// machine reaches (docs/BENCHMARKS.md); the management endpoints share a
// smaller one that only a runaway loop meets.
const (
	DefaultRatePerSecond    = 100
	DefaultRateBurst        = 200
	DefaultHotRatePerSecond = 5000
	DefaultHotRateBurst     = 10000
)

// DefaultHotRateLimit returns the default limit of the hot path.
func DefaultHotRateLimit() RateLimit {
	return RateLimit{PerSecond: DefaultHotRatePerSecond, Burst: DefaultHotRateBurst}
}

// hotRoutes are the routes a backend calls on every request of its app.
var hotRoutes = map[string]bool{
	"POST /v1/authorizations": true, "POST /v1/authorizations/{id}/void": true,
	"POST /v1/events": true, "POST /v1/events/batch": true,
}

// RateLimit is a token bucket per API key: PerSecond requests a second
// sustained, Burst at once. PerSecond 0 turns limiting off. The buckets live
// in each Tollgate process, so N processes behind a load balancer allow up to
// N times the limit.
type RateLimit struct {
	PerSecond float64
	Burst     int // 0: twice PerSecond, at least 1
}

// DefaultRateLimit returns DefaultRatePerSecond with DefaultRateBurst.
func DefaultRateLimit() RateLimit {
	return RateLimit{PerSecond: DefaultRatePerSecond, Burst: DefaultRateBurst}
}

// ParseRateLimit reads a limit written "100" (per second, burst twice that),
// "100/200" (per second / burst), or "0" or "off" (no limit); an empty string
// is DefaultRateLimit.
func ParseRateLimit(s string) (RateLimit, error) { return ParseRateLimitOr(s, DefaultRateLimit()) }

// ParseRateLimitOr is ParseRateLimit with def for an empty string.
func ParseRateLimitOr(s string, def RateLimit) (RateLimit, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return def, nil
	case "off":
		return RateLimit{}, nil
	}
	perSecond, burst, hasBurst := strings.Cut(s, "/")
	var rl RateLimit
	var err error
	if rl.PerSecond, err = strconv.ParseFloat(perSecond, 64); err != nil || rl.PerSecond < 0 || math.IsInf(rl.PerSecond, 0) || math.IsNaN(rl.PerSecond) {
		return RateLimit{}, fmt.Errorf("rate limit %q: want requests per second such as 100, optionally /burst such as 100/200, or off", s)
	}
	if hasBurst {
		if rl.Burst, err = strconv.Atoi(burst); err != nil || rl.Burst < 1 {
			return RateLimit{}, fmt.Errorf("rate limit %q: the burst after / must be a whole number of at least 1", s)
		}
	}
	return rl, nil
}

func (rl RateLimit) String() string {
	if rl.PerSecond <= 0 {
		return "off"
	}
	return fmt.Sprintf("%g/s burst %d", rl.PerSecond, rl.burst())
}

func (rl RateLimit) burst() int {
	if rl.Burst > 0 {
		return rl.Burst
	}
	return max(1, int(math.Ceil(2*rl.PerSecond)))
}

// keyLimiter holds one bucket per API key. A bucket idle long enough to be
// full again is dropped, so memory follows the keys in use.
type keyLimiter struct {
	limit     RateLimit
	idle      time.Duration // after this a bucket is full again
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim     *rate.Limiter
	seen    time.Time
	ownRate int32 // the key's own limit the bucket was made for; 0: the default
}

func newKeyLimiter(rl RateLimit) *keyLimiter {
	if rl.PerSecond <= 0 {
		return nil
	}
	refill := time.Duration(float64(rl.burst()) / rl.PerSecond * float64(time.Second))
	return &keyLimiter{limit: rl, idle: max(refill, time.Minute), buckets: map[string]*bucket{}}
}

// allow takes a token for key, whose own limit is own requests a second
// (0: the limiter's); when there is none it says how long to wait.
func (k *keyLimiter) allow(key string, own int32, now time.Time) (bool, time.Duration) {
	if k == nil {
		return true, 0
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
	if b == nil || b.ownRate != own {
		lim := k.limit
		if own > 0 {
			lim = RateLimit{PerSecond: float64(own)}
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(lim.PerSecond), lim.burst()), ownRate: own}
		k.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// limit enforces the rate limit of route for key: a 429 with Retry-After
// (whole seconds, at least 1) and the RateLimit-* headers when the bucket
// is empty.
func (s *server) limit(w http.ResponseWriter, route string, c billing.Caller) error {
	lim, which, own := s.limiter, "management", c.RateLimit
	if hotRoutes[route] {
		lim, which, own = s.hotLimiter, "hot path", c.HotRateLimit
	}
	ok, wait := lim.allow(c.KeyID, own, time.Now())
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	shown := lim.limit
	if own > 0 {
		shown = RateLimit{PerSecond: float64(own)}
	}
	w.Header().Set("RateLimit-Limit", strconv.Itoa(shown.burst()))
	w.Header().Set("RateLimit-Remaining", "0")
	w.Header().Set("RateLimit-Reset", strconv.Itoa(secs))
	return &apiError{status: http.StatusTooManyRequests, typ: typeRateLimit, code: "rate_limited",
		message: fmt.Sprintf("too many %s requests for this API key (limit %s); retry after %d s", which, shown, secs)}
}
