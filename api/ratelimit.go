package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/ratelimit"
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
	return ratelimit.Burst(rl.PerSecond)
}

// perKey returns the buckets of this limit, one per API key; nil (no limit)
// for PerSecond 0.
func (rl RateLimit) perKey() *ratelimit.PerKey { return ratelimit.New(rl.PerSecond, rl.Burst) }

// limit enforces the rate limit of route for key: a 429 with Retry-After
// (whole seconds, at least 1) and the RateLimit-* headers when the bucket
// is empty.
func (s *server) limit(w http.ResponseWriter, route string, c billing.Caller) error {
	lim, shown, which, own := s.limiter, s.opts.RateLimit, "management", c.RateLimit
	if hotRoutes[route] {
		lim, shown, which, own = s.hotLimiter, s.opts.HotRateLimit, "hot path", c.HotRateLimit
	}
	ok, wait, burst := lim.Allow(c.KeyID, own, time.Now())
	if ok {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	if own > 0 {
		shown = RateLimit{PerSecond: float64(own)}
	}
	w.Header().Set("RateLimit-Limit", strconv.Itoa(burst))
	w.Header().Set("RateLimit-Remaining", "0")
	w.Header().Set("RateLimit-Reset", strconv.Itoa(secs))
	return &apiError{status: http.StatusTooManyRequests, typ: typeRateLimit, code: "rate_limited",
		message: fmt.Sprintf("too many %s requests for this API key (limit %s); retry after %d s", which, shown, secs)}
}
