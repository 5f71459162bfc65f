package gateway

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// DefaultCustomerKeyRate is a customer key's rate limit on the gateway, in
// calls a second (bursts twice that), unless the key has its own or
// Options.CustomerKeyRate says otherwise.
const DefaultCustomerKeyRate = 10

// keyLimiter holds one token bucket per customer key, in this process (N
// servers behind a load balancer allow up to N times the limit). A bucket
// idle long enough to be full again is dropped.
type keyLimiter struct {
	perSecond float64
	mu        sync.Mutex
	buckets   map[string]*keyBucket
	lastSweep time.Time
}

type keyBucket struct {
	lim  *rate.Limiter
	own  int32
	seen time.Time
}

func newKeyLimiter(perSecond float64) *keyLimiter {
	return &keyLimiter{perSecond: perSecond, buckets: map[string]*keyBucket{}}
}

// allow takes a token for key, whose own limit is own calls a second (0:
// the default); when there is none it says how long to wait.
func (k *keyLimiter) allow(key string, own int32, now time.Time) (bool, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastSweep) > time.Minute {
		for id, b := range k.buckets {
			if now.Sub(b.seen) > time.Minute {
				delete(k.buckets, id)
			}
		}
		k.lastSweep = now
	}
	b := k.buckets[key]
	if b == nil || b.own != own {
		perSecond := k.perSecond
		if own > 0 {
			perSecond = float64(own)
		}
		b = &keyBucket{lim: rate.NewLimiter(rate.Limit(perSecond), max(1, int(math.Ceil(2*perSecond)))), own: own}
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

func rateLimited(k billing.CustomerKey, wait time.Duration) *failure {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &failure{status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: secs,
		message: "too many calls with the customer key " + k.Prefix + "…; retry after " + strconv.Itoa(secs) + " s"}
}

// capHold is a call's hold admitted under its customer key's daily cap; it
// settles (the hold replaced with what the call was charged) when the call's
// own settlement has.
type capHold struct {
	h    *Handler
	key  billing.CustomerKey
	at   time.Time
	held rating.Decimal
}

// admit counts a call's hold against its customer key's daily cap (in the
// cap's asset, per UTC day) before the upstream is called: a hold that would
// take what the key's calls hold and were charged today past the cap is the
// 402 daily_cap failure. Nil for a call without a capped key.
func (h *Handler) admit(ctx context.Context, k *billing.CustomerKey, a billing.Authorization) (*capHold, error) {
	if k == nil || k.DailyCap == nil {
		return nil, nil
	}
	now := time.Now()
	ok, spent, err := h.svc.Accounts.ReserveCustomerKeySpend(ctx, *k, now, a.Asset, a.Amount)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, overCap(*k, a, spent)
	}
	return &capHold{h: h, key: *k, at: now, held: a.Amount}, nil
}

// settle replaces the reserved hold with captured, what the call was
// charged; nothing for a call without a capped key (nil).
func (c *capHold) settle(ctx context.Context, captured rating.Decimal) {
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	if err := c.h.svc.Accounts.SettleCustomerKeySpend(ctx, c.key, c.at, c.held, captured); err != nil {
		c.h.opts.Logger.Error("gateway: settle customer key spend; the key's day keeps the hold counted", "key", c.key.ID, "err", err)
	}
}

func overCap(k billing.CustomerKey, a billing.Authorization, spent rating.Decimal) *failure {
	amount := func(d rating.Decimal) string { return rating.FormatAmount(d, a.Precision) }
	msg := "Tollgate declined this call (daily_cap): the customer key " + k.Prefix + "… may spend " + amount(*k.DailyCap) + " " + k.DailyCapAsset +
		" a UTC day; its calls spent or hold " + amount(spent) + " today and this one needs " + amount(a.Amount) + "; retry tomorrow (UTC) or raise the cap"
	if a.Asset != k.DailyCapAsset {
		msg = "Tollgate declined this call (daily_cap): the customer key " + k.Prefix + "…'s daily cap is in " + k.DailyCapAsset +
			" and the gateway's holds are in " + a.Asset + ", so its spend cannot be counted; create the key with its cap in " + a.Asset
	}
	return &failure{status: http.StatusPaymentRequired, code: "daily_cap", message: msg,
		extra: map[string]any{"decline_reason": "daily_cap", "asset": a.Asset, "required": amount(a.Amount),
			"daily_cap": amount(*k.DailyCap), "daily_cap_asset": k.DailyCapAsset, "spent_today": amount(spent)}}
}
