package mcp

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/ratelimit"
)

// MCP requests are limited per API key like REST's management endpoints:
// an agent makes a few calls a second, a runaway loop many more.
const (
	DefaultMCPRatePerSecond = 50
	DefaultMCPRateBurst     = 100
)

// limitPerKey answers 429 with Retry-After and RateLimit-* headers when the
// caller's key (set by RequireKey) has no token left in its bucket of
// limiter; a nil limiter turns it off.
func limitPerKey(limiter *ratelimit.PerKey, next http.Handler) http.Handler {
	if limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := billing.RequireCaller(r.Context())
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		ok, wait, burst := limiter.Allow(c.KeyID, c.RateLimit, time.Now())
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("RateLimit-Limit", strconv.Itoa(burst))
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.Itoa(secs))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error":{"type":"rate_limit_error","code":"rate_limited","message":"too many MCP requests for this API key; retry after ` + strconv.Itoa(secs) + ` s"}}` + "\n"))
	})
}
