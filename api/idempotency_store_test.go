package api

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/kernel"
)

// idempotencyEnv is a key store on its own database with a settable clock.
type idempotencyEnv struct {
	svc   idempotencyStore
	clock *testClock
	ctx   context.Context
	acct  billing.Account
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newIdempotencyEnv(t *testing.T) *idempotencyEnv {
	t.Helper()
	pool := testdb.New(t)
	clk := &testClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	acct, err := billing.NewService(pool, billing.Options{Now: clk.Now}).Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	return &idempotencyEnv{svc: idempotencyStore{pool: pool, now: clk.Now}, clock: clk, ctx: ctx, acct: acct}
}

func TestIdempotencyKeyLifecycle(t *testing.T) {
	t.Parallel()
	e := newIdempotencyEnv(t)
	hash, other := []byte("request-1"), []byte("request-2")
	claim := func(key string, h []byte) idempotencyClaim {
		t.Helper()
		c, err := e.svc.claim(e.ctx, key, h)
		if err != nil {
			t.Fatalf("claim(%s) = %v", key, err)
		}
		return c
	}
	want := func(c idempotencyClaim, o claimOutcome) {
		t.Helper()
		if c.Outcome != o {
			t.Fatalf("outcome = %d, want %d", c.Outcome, o)
		}
	}

	t.Run("ProceedThenReplay", func(t *testing.T) {
		c := claim("k1", hash)
		want(c, claimProceed)
		want(claim("k1", hash), claimInProgress)
		want(claim("k1", other), claimMismatch)
		if err := e.svc.complete(e.ctx, c, storedResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"a":1}`)}); err != nil {
			t.Fatal(err)
		}
		r := claim("k1", hash)
		want(r, claimReplay)
		if r.Stored.Status != 201 || string(r.Stored.Body) != `{"a":1}` || r.Stored.ContentType != "application/json" {
			t.Errorf("stored = %+v", r.Stored)
		}
		want(claim("k1", other), claimMismatch)
	})

	t.Run("Release", func(t *testing.T) {
		c := claim("k2", hash)
		if err := e.svc.release(e.ctx, c); err != nil {
			t.Fatal(err)
		}
		want(claim("k2", other), claimProceed)
	})

	t.Run("AbandonedLease", func(t *testing.T) {
		dead := claim("k3", hash)
		want(dead, claimProceed)
		e.clock.Advance(IdempotencyLease + time.Second)
		want(claim("k3", other), claimMismatch) // only the same request takes over
		taker := claim("k3", hash)
		want(taker, claimProceed)
		// The first request's late completion must not overwrite the new owner's.
		if err := e.svc.complete(e.ctx, dead, storedResponse{Status: 500}); err != nil {
			t.Fatal(err)
		}
		want(claim("k3", hash), claimInProgress)
		if err := e.svc.complete(e.ctx, taker, storedResponse{Status: 200}); err != nil {
			t.Fatal(err)
		}
		if r := claim("k3", hash); r.Outcome != claimReplay || r.Stored.Status != 200 {
			t.Errorf("after takeover = %+v, want a replay of 200", r)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		c := claim("k4", hash)
		if err := e.svc.complete(e.ctx, c, storedResponse{Status: 200}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(IdempotencyKeyTTL + time.Second)
		want(claim("k4", other), claimProceed) // an expired key is free again
		e.clock.Advance(IdempotencyKeyTTL + time.Second)
		n, err := e.svc.prune(e.ctx, 1000)
		if err != nil || n == 0 {
			t.Errorf("prune = %d, %v; want the expired keys deleted", n, err)
		}
	})

	t.Run("Scope", func(t *testing.T) {
		c := claim("k5", hash)
		want(c, claimProceed)
		live := billing.WithCaller(e.ctx, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
		if c, err := e.svc.claim(live, "k5", hash); err != nil || c.Outcome != claimProceed {
			t.Errorf("the same key in live mode = %+v, %v; want its own claim", c, err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, k := range []string{"", "with space", string(make([]byte, MaxIdempotencyKeyLen+1))} {
			if _, err := e.svc.claim(e.ctx, k, hash); kernel.ErrorCode(err) != kernel.EInvalid {
				t.Errorf("claim(%q) = %v, want invalid", k, err)
			}
		}
	})
}
