package billing_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/billingtest"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// imageProduct charges 0.04 USD per image.
func (e *env) product(t *testing.T, code, eventType string, prices ...rating.Price) billing.ProductView {
	return billingtest.Product(t, e.ctx, e.svc, code, eventType, prices...)
}

func perUnit(asset, amount string) rating.Price { return billingtest.PerUnit(asset, amount) }

func data(kv ...any) map[string]any { return billingtest.Data(kv...) }

func (e *env) record(t *testing.T, in billing.UsageEventInput) billing.Event {
	return billingtest.Record(t, e.ctx, e.svc, in)
}

func TestUsageCycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("1.00"), Reason: "p"})
	auth, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a1", Customer: "u1", EventType: "image.generated"})
	if err != nil || !auth.Approved {
		t.Fatalf("Authorize = %+v, %v; want approved", auth, err)
	}
	wantDec(t, "held", auth.Amount, "0.04")
	wantDec(t, "available after hold", auth.Available, "0.96")
	ev := e.record(t, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "image.generated", AuthorizationID: auth.ID})
	if len(ev.Fees) != 1 {
		t.Fatalf("fees = %+v, want 1", ev.Fees)
	}
	wantDec(t, "fee", ev.Fees[0].Amount, "0.04")
	if ev.Settlement == nil || ev.Settlement.Status != billing.AuthCaptured {
		t.Fatalf("settlement = %+v, want captured", ev.Settlement)
	}
	b := e.balance(t, "u1", "USD")
	wantDec(t, "total", b.Total, "0.96")
	wantDec(t, "held after capture", b.Held, "0")
	got, err := e.svc.GetEvent(e.ctx, "ev1")
	if err != nil || len(got.Fees) != 1 || got.Fees[0].Version != 1 || !strings.Contains(got.Fees[0].Breakdown, "0.04") {
		t.Fatalf("GetEvent = %+v, %v", got, err)
	}
	t.Run("Replay", func(t *testing.T) {
		again, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "image.generated", AuthorizationID: auth.ID})
		if err != nil || !again.Replayed || again.Fees[0].ID != ev.Fees[0].ID {
			t.Fatalf("replay = %+v, %v; want the original fee", again, err)
		}
		wantDec(t, "total after replay", e.balance(t, "u1", "USD").Total, "0.96")
	})
	t.Run("ErrConflict", func(t *testing.T) {
		_, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "image.generated", Data: data("n", "2")})
		wantCode(t, "same id, other payload", err, kernel.EConflict)
	})
	e.verifyClean(t)
}

func TestOverdraftBlocksAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "images", "image.generated", perUnit("USD", "0.50"))
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("0.30"), Reason: "p"})
	a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a1", Customer: "u1", EventType: "image.generated"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Approved || a.DeclineReason != billing.DeclineInsufficientFunds {
		t.Fatalf("Authorize = %+v, want declined for insufficient funds", a)
	}
	wantDec(t, "shortfall", a.Shortfall, "0.20")
	// The work happened anyway: usage is recorded and the wallet goes negative.
	e.record(t, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "image.generated"})
	b := e.balance(t, "u1", "USD")
	wantDec(t, "total", b.Total, "-0.20")
	wantDec(t, "debt", b.Debt, "0.20")
	// Even a zero-cost authorization is blocked while in debt.
	a2, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a2", Customer: "u1", Amount: decp("0.01"), Asset: "USD"})
	if err != nil || a2.Approved {
		t.Fatalf("Authorize in debt = %+v, %v; want declined", a2, err)
	}
	// Paying the debt back unblocks.
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("1.00"), Reason: "p2"})
	a3, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a3", Customer: "u1", EventType: "image.generated"})
	if err != nil || !a3.Approved {
		t.Fatalf("Authorize after repaying = %+v, %v; want approved", a3, err)
	}
	wantDec(t, "available", a3.Available, "0.30")
	e.verifyClean(t)
}

func TestHoldsNeverUseCreditLimitAndExpire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("1.00"), Reason: "p"})
	e.svc.SetCreditLimit(e.ctx, billing.SetCreditLimitInput{Customer: "u1", Asset: "USD", Limit: dec("100")})
	a, _ := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a1", Customer: "u1", Amount: decp("1.01"), Asset: "USD"})
	if a.Approved {
		t.Fatalf("hold of 1.01 on 1.00 with a credit limit approved; holds must not use the credit limit")
	}
	a, _ = e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a2", Customer: "u1", Amount: decp("1.00"), Asset: "USD", TTL: time.Minute})
	if !a.Approved {
		t.Fatalf("hold of 1.00 declined")
	}
	wantDec(t, "available while held", e.balance(t, "u1", "USD").Available, "0")
	e.clock.Advance(time.Minute)
	wantDec(t, "available once the hold expired", e.balance(t, "u1", "USD").Available, "1.00")
	got, _ := e.svc.GetAuthorization(e.ctx, a.ID)
	if got.Status != billing.AuthExpired {
		t.Errorf("status = %s, want expired", got.Status)
	}
}

func TestBatchKeepsGoodEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "tokens", "chat", rating.Price{Name: "tokens", Model: rating.PerVolume, Asset: "USD", Field: "total_tokens", BlockSize: dec("1000000"), BlockAmount: dec("1.25")})
	e.customer(t, "u1")
	res, err := e.svc.RecordUsageBatch(e.ctx, []billing.UsageEventInput{
		{ID: "b1", Customer: "u1", EventType: "chat", Data: data("total_tokens", "800000")},
		{ID: "b2", Customer: "u1", EventType: "chat", Data: data("total_tokens", "-5")},
		{ID: "b3", Customer: "u1", EventType: "chat", Data: data("total_tokens", "400000")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[2].Err != nil || kernel.ErrorCode(res[1].Err) != kernel.EInvalid {
		t.Fatalf("batch results = %v, %v, %v; want ok, invalid, ok", res[0].Err, res[1].Err, res[2].Err)
	}
	wantDec(t, "fee b1", res[0].Event.Fees[0].Amount, "1.00")
	wantDec(t, "fee b3", res[2].Event.Fees[0].Amount, "0.50")
	wantDec(t, "total", e.balance(t, "u1", "USD").Total, "-1.50")
	if _, err := e.svc.GetEvent(e.ctx, "b2"); kernel.ErrorCode(err) != kernel.ENotFound {
		t.Errorf("rejected event b2 was stored: %v", err)
	}
}

func TestTieredFollowsCumulativeUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	upTo := dec("100")
	e.product(t, "api", "api.call", rating.Price{Name: "calls", Model: rating.Tiered, Asset: "USD", TierMode: rating.TierGraduated,
		Tiers: []rating.Tier{{UpTo: &upTo, UnitAmount: dec("0.10")}, {UnitAmount: dec("0.05")}}})
	e.customer(t, "u1")
	a := e.record(t, billing.UsageEventInput{ID: "t1", Customer: "u1", EventType: "api.call"})
	wantDec(t, "first call", a.Fees[0].Amount, "0.10")
	// Fill tier 1 up to 100 with a batch of 99 calls, then the 101st is cheaper.
	var batch []billing.UsageEventInput
	for i := 2; i <= 101; i++ {
		batch = append(batch, billing.UsageEventInput{ID: fmt.Sprintf("t%d", i), Customer: "u1", EventType: "api.call"})
	}
	res, err := e.svc.RecordUsageBatch(e.ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	wantDec(t, "100th call", res[98].Event.Fees[0].Amount, "0.10")
	wantDec(t, "101st call", res[99].Event.Fees[0].Amount, "0.05")
	wantDec(t, "total", e.balance(t, "u1", "USD").Total, "-10.05")
}

func TestLateEventPricesAtVersionInForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	e.customer(t, "u1")
	e.record(t, billing.UsageEventInput{ID: "e0", Customer: "u1", EventType: "image.generated"}) // subscribes u1 to v1 at t0
	e.clock.Advance(2 * time.Hour)
	if _, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "images", Prices: []rating.Price{perUnit("USD", "0.05")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "images"}); err != nil {
		t.Fatal(err)
	}
	now := e.record(t, billing.UsageEventInput{ID: "e1", Customer: "u1", EventType: "image.generated"})
	late := e.record(t, billing.UsageEventInput{ID: "e2", Customer: "u1", EventType: "image.generated", OccurredAt: t0.Add(time.Hour)})
	wantDec(t, "current event", now.Fees[0].Amount, "0.05")
	wantDec(t, "late event", late.Fees[0].Amount, "0.04")
	if late.Fees[0].Version != 1 || now.Fees[0].Version != 2 {
		t.Errorf("versions = %d (late), %d (now); want 1 and 2", late.Fees[0].Version, now.Fees[0].Version)
	}
	// The first event keeps its version: a new version re-prices nothing.
	first, _ := e.svc.GetEvent(e.ctx, "e0")
	wantDec(t, "first event after v2", first.Fees[0].Amount, "0.04")
	t.Run("ErrTooLate", func(t *testing.T) {
		_, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "old", Customer: "u1", EventType: "image.generated", OccurredAt: e.clock.Now().Add(-36 * 24 * time.Hour)})
		wantCode(t, "36 days late", err, kernel.EInvalid)
	})
	t.Run("ErrFuture", func(t *testing.T) {
		_, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "fut", Customer: "u1", EventType: "image.generated", OccurredAt: e.clock.Now().Add(time.Hour)})
		wantCode(t, "an hour ahead", err, kernel.EInvalid)
	})
}

func TestAuthorizationRaceApprovesExactlyK(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("37.00"), Reason: "p"})
	const n, k = 500, 37
	var approved, declined atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: fmt.Sprintf("r%d", i), Customer: "u1", Amount: decp("1.00"), Asset: "USD"})
			switch {
			case err != nil:
				t.Errorf("Authorize #%d = %v", i, err)
			case a.Approved:
				approved.Add(1)
			default:
				declined.Add(1)
			}
		}()
	}
	wg.Wait()
	if approved.Load() != k || declined.Load() != n-k {
		t.Fatalf("approved %d, declined %d; want %d and %d", approved.Load(), declined.Load(), k, n-k)
	}
	b := e.balance(t, "u1", "USD")
	wantDec(t, "available", b.Available, "0")
	wantDec(t, "held", b.Held, "37")
}

func TestCaptureVoidRaceSettlesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "images", "image.generated", perUnit("USD", "0.40"))
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("100"), Reason: "p"})
	for i := range 20 {
		a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: fmt.Sprintf("a%d", i), Customer: "u1", EventType: "image.generated"})
		if err != nil || !a.Approved {
			t.Fatalf("Authorize = %v, %v", a, err)
		}
		var wg sync.WaitGroup
		var voidErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			e.record(t, billing.UsageEventInput{ID: fmt.Sprintf("ev%d", i), Customer: "u1", EventType: "image.generated", AuthorizationID: a.ID})
		}()
		go func() { defer wg.Done(); _, voidErr = e.svc.VoidAuthorization(e.ctx, a.ID) }()
		wg.Wait()
		got, _ := e.svc.GetAuthorization(e.ctx, a.ID)
		switch got.Status {
		case billing.AuthCaptured:
			if kernel.ErrorCode(voidErr) != kernel.EConflict {
				t.Errorf("captured, but void said %v; want conflict", voidErr)
			}
		case billing.AuthVoided:
			if voidErr != nil {
				t.Errorf("voided, but void said %v", voidErr)
			}
		default:
			t.Errorf("authorization status %s after capture/void race", got.Status)
		}
	}
	b := e.balance(t, "u1", "USD")
	wantDec(t, "total: every event debited once", b.Total, "92.00")
	wantDec(t, "held", b.Held, "0")
	e.verifyClean(t)
}

func TestSameEventIDConcurrentlyYieldsOneFee(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	e.customer(t, "u1")
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "dup", Customer: "u1", EventType: "image.generated", OccurredAt: t0}); err != nil {
				t.Errorf("RecordUsage = %v", err)
			}
		}()
	}
	wg.Wait()
	wantDec(t, "total after 20 sends", e.balance(t, "u1", "USD").Total, "-0.04")
	e.verifyClean(t)
}

func TestMixedRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "images", "image.generated", perUnit("USD", "0.25"))
	e.customer(t, "u1")
	exp := t0.Add(30 * time.Second)
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("3.00"), ExpiresAt: &exp, Reason: "g"})
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5.00"), Reason: "p"})
	var wg sync.WaitGroup
	var recorded, toppedUp atomic.Int32
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0, 1: // authorize then capture
				a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: fmt.Sprintf("a%d", i), Customer: "u1", EventType: "image.generated"})
				if err != nil {
					t.Errorf("Authorize = %v", err)
					return
				}
				if _, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: fmt.Sprintf("e%d", i), Customer: "u1", EventType: "image.generated", AuthorizationID: a.ID}); err != nil {
					t.Errorf("RecordUsage = %v", err)
					return
				}
				recorded.Add(1)
			case 2: // authorize then void
				a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: fmt.Sprintf("a%d", i), Customer: "u1", EventType: "image.generated"})
				if err == nil && a.Approved {
					if _, err := e.svc.VoidAuthorization(e.ctx, a.ID); err != nil {
						t.Errorf("Void = %v", err)
					}
				}
			case 3: // top up
				e.adjust(t, billing.CreateAdjustmentInput{TransactionID: fmt.Sprintf("top%d", i), Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("0.50")})
				toppedUp.Add(1)
			}
			if i == 20 {
				e.clock.Advance(time.Minute) // the gift expires mid-race
			}
		}()
	}
	wg.Wait()
	// A last movement writes off whatever of the gift expired unused.
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "last", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("0.01")})
	r, err := e.svc.ListTransactions(e.ctx, billing.ListTransactionsInput{Customer: "u1", Kind: "expiry"})
	if err != nil {
		t.Fatal(err)
	}
	expired := rating.Zero
	for _, x := range r.Items {
		expired = expired.Add(x.Amounts["USD"].Neg())
	}
	if expired.GreaterThan(dec("3")) {
		t.Fatalf("expired %s, more than the 3.00 gift", expired)
	}
	// Hand-computed: 3.00 gift + 5.00 + 0.50 per top-up + 0.01 - 0.25 per event - what expired.
	b := e.balance(t, "u1", "USD")
	want := dec("8.01").Add(dec("0.50").Mul(dec(fmt.Sprint(toppedUp.Load())))).Sub(dec("0.25").Mul(dec(fmt.Sprint(recorded.Load())))).Sub(expired)
	wantDec(t, "total", b.Total, want.String())
	wantDec(t, "held after every hold settled", b.Held, "0")
	e.verifyClean(t)
}

// TestAuthorizeWhenTheAssetChanges: an authorization locks, in its first round
// trip, the balance of the asset the customer's last estimate came to. When
// the customer's prices move to another asset the guess is wrong: the
// transaction is run again and holds the right asset, once.
func TestAuthorizeWhenTheAssetChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, _, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: "credits", Name: "Credits", Precision: 0}); err != nil {
		t.Fatal(err)
	}
	e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("1.00"), Reason: "p"})
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "credits", Amount: dec("10"), Reason: "g"})
	authorize := func(key, asset, amount string) {
		t.Helper()
		a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: key, Customer: "u1", EventType: "image.generated"})
		if err != nil || !a.Approved || a.Asset != asset || !a.Amount.Equal(dec(amount)) {
			t.Fatalf("Authorize(%s) = %+v, %v; want %s %s approved", key, a, err, amount, asset)
		}
	}
	authorize("a1", "USD", "0.04")
	authorize("a2", "USD", "0.04")
	// The customer moves to a product priced in credits.
	e.product(t, "images-credits", "image.generated", perUnit("credits", "2"))
	if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "images-credits"}); err != nil {
		t.Fatal(err)
	}
	authorize("a3", "credits", "2") // the guess (USD) is wrong
	authorize("a4", "credits", "2") // the guess is now credits
	if b := e.balance(t, "u1", "USD"); !b.Held.Equal(dec("0.08")) || !b.Available.Equal(dec("0.92")) {
		t.Errorf("USD held %s available %s, want 0.08 and 0.92", b.Held, b.Available)
	}
	if b := e.balance(t, "u1", "credits"); !b.Held.Equal(dec("4")) || !b.Available.Equal(dec("6")) {
		t.Errorf("credits held %s available %s, want 4 and 6", b.Held, b.Available)
	}
	e.verifyClean(t)
}

// TestBalanceCreatedByARolledBackAuthorization: a hot transaction that creates
// a balance row and then rolls back (here: an idempotency key reused with
// another payload, refused after its balance was locked in the first round
// trip) must not leave the balance remembered as existing: the next
// authorization creates it and decides.
func TestBalanceCreatedByARolledBackAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, _, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: "credits", Name: "Credits", Precision: 0}); err != nil {
		t.Fatal(err)
	}
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "p"})
	if a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "k1", Customer: "u1", Amount: decp("1"), Asset: "USD"}); err != nil || !a.Approved {
		t.Fatalf("Authorize(k1) = %+v, %v", a, err)
	}
	_, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "k1", Customer: "u1", Amount: decp("1"), Asset: "credits"})
	if kernel.ErrorCode(err) != kernel.EConflict {
		t.Fatalf("Authorize(k1 again, in credits) = %v, want a conflict", err)
	}
	a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "k2", Customer: "u1", Amount: decp("1"), Asset: "credits"})
	if err != nil || a.Approved || a.DeclineReason != billing.DeclineInsufficientFunds {
		t.Fatalf("Authorize(k2 in credits) = %+v, %v; want declined for insufficient funds", a, err)
	}
	e.verifyClean(t)
}
