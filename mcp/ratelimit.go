package mcp

import (
	"math"
	"net/http"
	"strconv"
	"sync"

	"golang.org/x/time/rate"

	"github.com/tollgatehq/tollgate/billing"
)

// MCP requests are limited per API key like REST's management endpoints:
// an agent makes a few calls a second, a runaway loop many more.
const (
	DefaultMCPRatePerSecond = 50
	DefaultMCPRateBurst     = 100
)

// limitPerKey answers 429 with Retry-After and RateLimit-* headers when the
// caller's key (set by RequireKey) exceeds perSecond sustained, burst at once.
// perSecond 0 turns it off.
func limitPerKey(perSecond float64, burst int, next http.Handler) http.Handler {
	if perSecond <= 0 {
		return next
	}
	var mu sync.Mutex
	type bucket struct {
		lim *rate.Limiter
		own int32 // the key's own limit (0: the default)
	}
	buckets := map[string]*bucket{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := billing.RequireCaller(r.Context())
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		b := buckets[c.KeyID]
		if b == nil || b.own != c.RateLimit {
			if len(buckets) > 100_000 { // keys come and go: start afresh rather than grow
				buckets = map[string]*bucket{}
			}
			b = &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst), own: c.RateLimit}
			if c.RateLimit > 0 { // the key's own limit
				b.lim = rate.NewLimiter(rate.Limit(c.RateLimit), 2*int(c.RateLimit))
			}
			buckets[c.KeyID] = b
		}
		res := b.lim.Reserve()
		wait := res.Delay()
		if wait > 0 {
			res.Cancel()
		}
		mu.Unlock()
		if wait <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("RateLimit-Limit", strconv.Itoa(b.lim.Burst()))
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.Itoa(secs))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error":{"type":"rate_limit_error","code":"rate_limited","message":"too many MCP requests for this API key; retry after ` + strconv.Itoa(secs) + ` s"}}` + "\n"))
	})
}
