package billing_test

import (
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
)

func TestIdempotencyKeyLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hash, other := []byte("request-1"), []byte("request-2")
	claim := func(key string, h []byte) billing.IdempotencyClaim {
		t.Helper()
		c, err := e.svc.ClaimIdempotencyKey(e.ctx, key, h)
		if err != nil {
			t.Fatalf("ClaimIdempotencyKey(%s) = %v", key, err)
		}
		return c
	}
	want := func(c billing.IdempotencyClaim, o billing.IdempotencyOutcome) {
		t.Helper()
		if c.Outcome != o {
			t.Fatalf("outcome = %d, want %d", c.Outcome, o)
		}
	}

	t.Run("ProceedThenReplay", func(t *testing.T) {
		c := claim("k1", hash)
		want(c, billing.IdempotencyProceed)
		want(claim("k1", hash), billing.IdempotencyInProgress)
		want(claim("k1", other), billing.IdempotencyMismatch)
		if err := e.svc.CompleteIdempotencyKey(e.ctx, c, billing.StoredResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"a":1}`)}); err != nil {
			t.Fatal(err)
		}
		r := claim("k1", hash)
		want(r, billing.IdempotencyReplay)
		if r.Stored.Status != 201 || string(r.Stored.Body) != `{"a":1}` || r.Stored.ContentType != "application/json" {
			t.Errorf("stored = %+v", r.Stored)
		}
		want(claim("k1", other), billing.IdempotencyMismatch)
	})

	t.Run("Release", func(t *testing.T) {
		c := claim("k2", hash)
		if err := e.svc.ReleaseIdempotencyKey(e.ctx, c); err != nil {
			t.Fatal(err)
		}
		want(claim("k2", other), billing.IdempotencyProceed)
	})

	t.Run("AbandonedLease", func(t *testing.T) {
		dead := claim("k3", hash)
		want(dead, billing.IdempotencyProceed)
		e.clock.Advance(billing.IdempotencyLease + time.Second)
		want(claim("k3", other), billing.IdempotencyMismatch) // only the same request takes over
		taker := claim("k3", hash)
		want(taker, billing.IdempotencyProceed)
		// The first request's late completion must not overwrite the new owner's.
		if err := e.svc.CompleteIdempotencyKey(e.ctx, dead, billing.StoredResponse{Status: 500}); err != nil {
			t.Fatal(err)
		}
		want(claim("k3", hash), billing.IdempotencyInProgress)
		if err := e.svc.CompleteIdempotencyKey(e.ctx, taker, billing.StoredResponse{Status: 200}); err != nil {
			t.Fatal(err)
		}
		if r := claim("k3", hash); r.Outcome != billing.IdempotencyReplay || r.Stored.Status != 200 {
			t.Errorf("after takeover = %+v, want a replay of 200", r)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		c := claim("k4", hash)
		if err := e.svc.CompleteIdempotencyKey(e.ctx, c, billing.StoredResponse{Status: 200}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(billing.IdempotencyKeyTTL + time.Second)
		want(claim("k4", other), billing.IdempotencyProceed) // an expired key is free again
		e.clock.Advance(billing.IdempotencyKeyTTL + time.Second)
		n, err := e.svc.PruneIdempotencyKeys(e.ctx, 1000)
		if err != nil || n == 0 {
			t.Errorf("PruneIdempotencyKeys = %d, %v; want the expired keys deleted", n, err)
		}
	})

	t.Run("Scope", func(t *testing.T) {
		c := claim("k5", hash)
		want(c, billing.IdempotencyProceed)
		live := billing.WithCaller(e.ctx, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
		if c, err := e.svc.ClaimIdempotencyKey(live, "k5", hash); err != nil || c.Outcome != billing.IdempotencyProceed {
			t.Errorf("the same key in live mode = %+v, %v; want its own claim", c, err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, k := range []string{"", "with space", string(make([]byte, billing.MaxIdempotencyKeyLen+1))} {
			if _, err := e.svc.ClaimIdempotencyKey(e.ctx, k, hash); billing.ErrorCode(err) != billing.EInvalid {
				t.Errorf("ClaimIdempotencyKey(%q) = %v, want invalid", k, err)
			}
		}
	})
}
