package billing_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

func newCustomerKeyCustomer(t *testing.T, e *env, ext string) billing.Customer {
	t.Helper()
	cus, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: ext})
	if err != nil {
		t.Fatalf("CreateCustomer(%s) = %v", ext, err)
	}
	return cus
}

func TestCustomerKeyLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bg := context.Background()
	alice := newCustomerKeyCustomer(t, e, "alice")
	newCustomerKeyCustomer(t, e, "bob")
	capped := dec("5.00")
	k, secret, err := e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "alice", Name: "agent", RateLimit: 3, DailyCap: &capped})
	if err != nil {
		t.Fatalf("CreateCustomerKey = %v", err)
	}
	if !strings.HasPrefix(secret, billing.CustomerKeyPrefix) || k.Prefix != secret[:len(k.Prefix)] || k.CustomerID != alice.ID ||
		k.DailyCapAsset != "USD" || !k.DailyCap.Equal(capped) || k.RateLimit != 3 || k.Mode != billing.ModeTest {
		t.Fatalf("CreateCustomerKey = %+v, %.10s…; want alice's key capped at 5.00 USD, 3/s", k, secret)
	}

	t.Run("Authenticate", func(t *testing.T) {
		c, got, err := e.svc.Accounts.AuthenticateCustomerKey(bg, secret)
		if err != nil || c.AccountID != e.acct.ID || c.Mode != billing.ModeTest || c.KeyID != k.ID || got.CustomerID != alice.ID || !got.DailyCap.Equal(capped) {
			t.Fatalf("AuthenticateCustomerKey = %+v, %+v, %v; want alice's key in test mode", c, got, err)
		}
	})
	t.Run("ErrPlatformSurfaces", func(t *testing.T) {
		_, err := e.svc.Accounts.Authenticate(bg, secret)
		wantCode(t, "Authenticate(customer key)", err, kernel.EUnauthorized)
		if !strings.Contains(kernel.ErrorMessage(err), "only on the metering gateway") || strings.Contains(err.Error(), secret) {
			t.Errorf("Authenticate(customer key) = %v; want it to say customer keys work only on the gateway, without the key", err)
		}
		_, _, err = e.svc.Accounts.AuthenticateCustomerKey(bg, "tg_test_abc")
		wantCode(t, "AuthenticateCustomerKey(platform key)", err, kernel.EUnauthorized)
	})
	t.Run("List", func(t *testing.T) {
		keys, err := e.svc.Accounts.ListCustomerKeys(e.ctx, alice.ID)
		if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
			t.Fatalf("ListCustomerKeys(alice) = %+v, %v; want her one key", keys, err)
		}
		keys, err = e.svc.Accounts.ListCustomerKeys(e.ctx, "bob")
		if err != nil || len(keys) != 0 {
			t.Errorf("ListCustomerKeys(bob) = %+v, %v; want none", keys, err)
		}
		live := billing.WithCaller(bg, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
		_, err = e.svc.Accounts.ListCustomerKeys(live, alice.ID)
		wantCode(t, "ListCustomerKeys(alice) in live mode", err, kernel.ENotFound)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		zero := dec("0")
		_, _, err := e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "alice", DailyCap: &zero})
		wantField(t, "CreateCustomerKey(cap 0)", err, kernel.EInvalid, "daily_cap")
		fine := dec("1.001")
		_, _, err = e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "alice", DailyCap: &fine})
		wantField(t, "CreateCustomerKey(cap 1.001 USD)", err, kernel.EInvalid, "daily_cap")
		_, _, err = e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "alice", RateLimit: -1})
		wantField(t, "CreateCustomerKey(rate -1)", err, kernel.EInvalid, "rate_limit")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, _, err := e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "nobody"})
		wantField(t, "CreateCustomerKey(unknown customer)", err, kernel.ENotFound, "customer")
		one := dec("1")
		_, _, err = e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "alice", DailyCap: &one, DailyCapAsset: "XYZ"})
		wantField(t, "CreateCustomerKey(cap in XYZ)", err, kernel.ENotFound, "daily_cap_asset")
		_, err = e.svc.Accounts.RevokeCustomerKey(e.ctx, "ckey_nope")
		wantCode(t, "RevokeCustomerKey(ckey_nope)", err, kernel.ENotFound)
		live := billing.WithCaller(bg, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
		_, err = e.svc.Accounts.RevokeCustomerKey(live, k.ID)
		wantCode(t, "RevokeCustomerKey(test key) in live mode", err, kernel.ENotFound)
	})
	t.Run("Revoke", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		r, err := e.svc.Accounts.RevokeCustomerKey(e.ctx, k.ID)
		if err != nil || r.RevokedAt == nil || !r.RevokedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("RevokeCustomerKey = %+v, %v; want revoked at %v", r, err, t0.Add(time.Minute))
		}
		_, _, err = e.svc.Accounts.AuthenticateCustomerKey(bg, secret)
		wantCode(t, "AuthenticateCustomerKey(revoked)", err, kernel.EUnauthorized)
	})
}

// TestCustomerKeyRevocationReachesOtherServers: a key revoked through one
// server is refused by another, which had it cached, within a second (the
// LISTEN/NOTIFY path of API keys), not after the cache's 5 s.
func TestCustomerKeyRevocationReachesOtherServers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := billing.NewService(e.svc.Pool(), billing.Options{})
	other.Start(context.Background())
	t.Cleanup(func() { other.Close(context.Background()) })
	newCustomerKeyCustomer(t, e, "carol")
	k, secret, err := e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Accounts.AuthenticateCustomerKey(context.Background(), secret); err != nil {
		t.Fatalf("AuthenticateCustomerKey on the other server = %v", err)
	}
	if _, err := e.svc.Accounts.RevokeCustomerKey(e.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		_, _, err := other.Accounts.AuthenticateCustomerKey(context.Background(), secret)
		if kernel.ErrorCode(err) == kernel.EUnauthorized {
			break
		}
		if time.Since(revoked) > time.Second {
			t.Fatalf("the other server still accepts the key 1 s after its revocation (err %v)", err)
		}
		<-tick.C
	}
}

// TestCustomerKeyDailyCapConcurrent: 60 concurrent holds of 0.07 against a
// cap of 1.00 admit exactly 14 (0.98), whatever the interleaving; a settled
// call counts what it was charged; the next UTC day starts afresh.
func TestCustomerKeyDailyCapConcurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	newCustomerKeyCustomer(t, e, "dave")
	capped := dec("1.00")
	k, _, err := e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "dave", DailyCap: &capped})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			ok, _, err := e.svc.Accounts.ReserveCustomerKeySpend(context.Background(), k, day, "USD", dec("0.07"))
			if err != nil {
				t.Errorf("ReserveCustomerKeySpend = %v", err)
			}
			if ok {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	held, captured, err := e.svc.Accounts.CustomerKeySpend(context.Background(), k.ID, day)
	if admitted.Load() != 14 || err != nil || !held.Equal(dec("0.98")) || !captured.IsZero() {
		t.Fatalf("60 concurrent holds of 0.07 under a cap of 1.00: %d admitted, held %s captured %s (%v); want 14, 0.98, 0", admitted.Load(), held, captured, err)
	}
	// Two calls settle: one charged 0.03 of its 0.07, one voided.
	for _, charged := range []string{"0.03", "0"} {
		if err := e.svc.Accounts.SettleCustomerKeySpend(context.Background(), k, day, dec("0.07"), dec(charged)); err != nil {
			t.Fatal(err)
		}
	}
	held, captured, _ = e.svc.Accounts.CustomerKeySpend(context.Background(), k.ID, day)
	if !held.Equal(dec("0.84")) || !captured.Equal(dec("0.03")) {
		t.Errorf("after settling = held %s captured %s; want 0.84, 0.03", held, captured)
	}
	// 0.84 + 0.03 + 0.13 = 1.00 fits; 0.01 more does not.
	if ok, _, err := e.svc.Accounts.ReserveCustomerKeySpend(context.Background(), k, day, "USD", dec("0.13")); !ok || err != nil {
		t.Errorf("Reserve(0.13) up to the cap = %v, %v; want admitted", ok, err)
	}
	if ok, spent, err := e.svc.Accounts.ReserveCustomerKeySpend(context.Background(), k, day, "USD", dec("0.01")); ok || err != nil || !spent.Equal(dec("1.00")) {
		t.Errorf("Reserve(0.01) past the cap = %v, spent %s, %v; want declined with 1.00 spent", ok, spent, err)
	}
	if ok, _, err := e.svc.Accounts.ReserveCustomerKeySpend(context.Background(), k, day, "EUR", dec("0.01")); ok || err != nil {
		t.Errorf("Reserve(0.01 EUR) on a USD cap = %v, %v; want declined", ok, err)
	}
	if ok, _, err := e.svc.Accounts.ReserveCustomerKeySpend(context.Background(), k, day.Add(2*time.Hour), "USD", dec("1.00")); !ok || err != nil {
		t.Errorf("Reserve(1.00) the next UTC day = %v, %v; want admitted", ok, err)
	}
	if ok, _, err := e.svc.Accounts.ReserveCustomerKeySpend(context.Background(), k, day.AddDate(0, 0, 5), "USD", dec("1.01")); ok || err != nil {
		t.Errorf("Reserve(1.01) over the cap on a fresh row = %v, %v; want declined", ok, err)
	}
}

// A create retried under its idempotency key returns the key the first one
// made, without its secret; the customer may be named by id or external id;
// another payload is a conflict that changes nothing; 20 concurrent creates
// with one key make one key, whose secret exactly one of them gets; the same
// idempotency key in the other mode is another key.
func TestCreateCustomerKeyIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := newCustomerKeyCustomer(t, e, "ada")
	capped := dec("5.00")
	in := billing.CreateCustomerKeyInput{Customer: "ada", Name: "agent", RateLimit: 3, DailyCap: &capped, IdempotencyKey: "ada-agent"}
	first, secret, err := e.svc.Accounts.CreateCustomerKey(e.ctx, in)
	if err != nil || secret == "" || first.Replayed {
		t.Fatalf("CreateCustomerKey = %+v, %q, %v; want a new key with its secret", first, secret, err)
	}
	byID := in
	byID.Customer = ada.ID
	again, secret2, err := e.svc.Accounts.CreateCustomerKey(e.ctx, byID)
	if err != nil || again.ID != first.ID || !again.Replayed || secret2 != "" || again.Prefix != first.Prefix || !again.DailyCap.Equal(capped) {
		t.Fatalf("CreateCustomerKey again = %+v, %q, %v; want key %s replayed, without a secret", again, secret2, err, first.ID)
	}
	for _, edit := range []func(*billing.CreateCustomerKeyInput){
		func(in *billing.CreateCustomerKeyInput) { in.Name = "other" },
		func(in *billing.CreateCustomerKeyInput) { in.RateLimit = 4 },
		func(in *billing.CreateCustomerKeyInput) { in.DailyCap = nil },
	} {
		other := in
		edit(&other)
		_, s, err := e.svc.Accounts.CreateCustomerKey(e.ctx, other)
		wantCode(t, "CreateCustomerKey(same key, other payload)", err, kernel.EConflict)
		if kernel.ErrorField(err) != "idempotency_key" || !strings.Contains(kernel.ErrorMessage(err), first.ID) || s != "" {
			t.Errorf("the conflict = %v, field %q; want idempotency_key, naming %s", err, kernel.ErrorField(err), first.ID)
		}
	}

	race := in
	race.IdempotencyKey = "ada-race"
	var wg sync.WaitGroup
	var secrets atomic.Int64
	ids := make([]string, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, s, err := e.svc.Accounts.CreateCustomerKey(e.ctx, race)
			ids[i], errs[i] = k.ID, err
			if s != "" {
				secrets.Add(1)
			}
		}()
	}
	wg.Wait()
	for i := range 20 {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("concurrent create %d = %s, %v; want %s", i, ids[i], errs[i], ids[0])
		}
	}
	if secrets.Load() != 1 {
		t.Errorf("%d concurrent creates got a secret, want exactly 1", secrets.Load())
	}
	keys, err := e.svc.Accounts.ListCustomerKeys(e.ctx, "ada")
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListCustomerKeys(ada) = %d keys, %v; want 2 (ada-agent and ada-race)", len(keys), err)
	}

	live := billing.WithCaller(e.ctx, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
	if _, _, err := e.svc.CreateCustomer(live, billing.CreateCustomerInput{ExternalID: "ada"}); err != nil {
		t.Fatal(err)
	}
	noCap := in
	noCap.DailyCap = nil
	lk, ls, err := e.svc.Accounts.CreateCustomerKey(live, noCap)
	if err != nil || lk.Replayed || ls == "" || lk.ID == first.ID {
		t.Errorf("CreateCustomerKey(live, same idempotency key) = %+v, %v; want a new live key", lk, err)
	}
	if _, _, err := e.svc.Accounts.CreateCustomerKey(e.ctx, billing.CreateCustomerKeyInput{Customer: "ada", IdempotencyKey: strings.Repeat("k", 201)}); kernel.ErrorField(err) != "idempotency_key" {
		t.Errorf("CreateCustomerKey(201-character key) = %v, want invalid idempotency_key", err)
	}
}
