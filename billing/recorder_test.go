package billing_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/billingtest"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// TestBatchEdgeCases sends, in one batch, everything a group commit must keep
// apart: duplicates, a conflict, a rating error, an authorization of another
// wallet on a tiered price, and plain events around them.
func TestBatchEdgeCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	upTo := dec("2")
	e.product(t, "calls", "call", rating.Price{Name: "calls", Model: rating.Tiered, Asset: "USD", TierMode: rating.TierGraduated,
		Tiers: []rating.Tier{{UpTo: &upTo, UnitAmount: dec("1.00")}, {UnitAmount: dec("0.10")}}})
	e.product(t, "tokens", "chat", rating.Price{Name: "tokens", Model: rating.PerVolume, Asset: "USD", Field: "tokens", BlockSize: dec("1000"), BlockAmount: dec("1")})
	e.customer(t, "u1")
	e.customer(t, "u2")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u2", Asset: "USD", Amount: dec("10"), Reason: "p"})
	other, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a-u2", Customer: "u2", Amount: decp("1"), Asset: "USD"})
	if err != nil || !other.Approved {
		t.Fatalf("Authorize(u2) = %+v, %v", other, err)
	}
	res, err := e.svc.RecordUsageBatch(e.ctx, []billing.UsageEventInput{
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 1: 1.00
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0},                            // duplicate: replay of c1
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0, Data: data("x", "1")},      // same id, other payload: conflict
		{ID: "bad", Customer: "u1", EventType: "chat", Data: data("tokens", "many")},             // rating error
		{ID: "c2", Customer: "u1", EventType: "call", OccurredAt: t0, AuthorizationID: other.ID}, // another wallet's hold: refused
		{ID: "c3", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 1 still (c2 refused): 1.00
		{ID: "c4", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 2: 0.10
		{ID: "t1", Customer: "u1", EventType: "chat", Data: data("tokens", "500")},               // 0.50
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		code string
		fee  string
	}{{"", "1.00"}, {"", "1.00"}, {kernel.EConflict, ""}, {kernel.EInvalid, ""}, {kernel.EInvalid, ""}, {"", "1.00"}, {"", "0.10"}, {"", "0.50"}}
	for i, w := range want {
		r := res[i]
		if got := kernel.ErrorCode(r.Err); got != w.code {
			t.Errorf("event %d error = %v (code %q), want code %q", i, r.Err, got, w.code)
			continue
		}
		if w.fee != "" {
			wantDec(t, "fee of event "+r.Event.ID, r.Event.Fees[0].Amount, w.fee)
		}
	}
	if !res[1].Event.Replayed || res[1].Event.Fees[0].ID != res[0].Event.Fees[0].ID {
		t.Errorf("duplicate in batch = %+v, want a replay of the first", res[1].Event)
	}
	wantDec(t, "u1 total", e.balance(t, "u1", "USD").Total, "-2.60")
	for _, id := range []string{"bad", "c2"} {
		if _, err := e.svc.GetEvent(e.ctx, id); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("refused event %s was kept: %v", id, err)
		}
	}
	// The refused event's tier usage was taken back: the next call is 0.10 (4th unit).
	next := e.record(t, billing.UsageEventInput{ID: "c5", Customer: "u1", EventType: "call", OccurredAt: t0})
	wantDec(t, "next call", next.Fees[0].Amount, "0.10")
	if a, _ := e.svc.GetAuthorization(e.ctx, other.ID); a.Status != billing.AuthActive {
		t.Errorf("u2's hold = %s after a refused capture, want active", a.Status)
	}
	e.verifyClean(t)
}

func TestAuthorizeSameKeyConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "p"})
	ids := make(chan string, 10)
	done := make(chan struct{})
	for range 10 {
		go func() {
			defer func() { done <- struct{}{} }()
			a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "k", Customer: "u1", Amount: decp("2"), Asset: "USD"})
			if err != nil || !a.Approved {
				t.Errorf("Authorize = %+v, %v", a, err)
			}
			ids <- a.ID
		}()
	}
	for range 10 {
		<-done
	}
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("same key gave authorizations %s and %s", first, id)
		}
	}
	wantDec(t, "held", e.balance(t, "u1", "USD").Held, "2")
}

// TestCloseDrainsAndRefuses: Close waits for the batches already taken, and
// usage after it is refused with EUnavailable, never lost half-done. A batch
// is held at the start of its work (holdFirstBatch) until Close has closed
// the queue, so Close surely meets one in flight.
func TestCloseDrainsAndRefuses(t *testing.T) {
	t.Parallel()
	hold := &holdFirstBatch{taken: make(chan int, 1), release: make(chan struct{})}
	clk := billingtest.NewClock(t0)
	svc := billing.NewService(testdb.New(t), billing.Options{Now: clk.Now, Observer: hold})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{svc: svc, clock: clk, ctx: billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}), acct: acct}
	e.customer(t, "u1")
	if _, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: "p", Name: "p", EventType: "x.used",
		Prices: []rating.Price{{Model: rating.PerUnit, Asset: "USD", UnitAmount: dec("0.001")}}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 40)
	for i := range results {
		wg.Go(func() {
			_, results[i] = e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: fmt.Sprintf("e-%d", i), Customer: "u1", EventType: "x.used"})
		})
	}
	var held int
	select {
	case held = <-hold.taken:
	case <-time.After(30 * time.Second):
		t.Fatal("no batch taken within 30 s")
	}
	closed := make(chan error, 1)
	go func() { closed <- e.svc.Close(context.Background()) }()
	deadline := time.Now().Add(30 * time.Second)
	for !e.svc.RecorderClosed() {
		if time.Now().After(deadline) {
			t.Fatal("Close did not close the queue within 30 s")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close = %v while a batch was still held; want it to wait for the batch", err)
	default:
	}
	close(hold.release)
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return within 30 s of the batch's release")
	}
	wg.Wait()
	recorded := 0
	for _, err := range results {
		switch kernel.ErrorCode(err) {
		case "":
			recorded++
		case kernel.EUnavailable:
		default:
			t.Errorf("RecordUsage during Close = %v, want recorded or unavailable", err)
		}
	}
	if recorded < held {
		t.Errorf("%d events recorded, but the batch taken before Close held %d", recorded, held)
	}
	if _, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "late", Customer: "u1", EventType: "x.used"}); kernel.ErrorCode(err) != kernel.EUnavailable {
		t.Errorf("RecordUsage after Close = %v, want unavailable", err)
	}
	want := dec("0.001").Mul(decimal.NewFromInt(int64(recorded))).Neg()
	if got := e.balance(t, "u1", "USD").Total; !got.Equal(want) {
		t.Errorf("balance = %s after %d recorded events, want %s", got, recorded, want)
	}
	e.verifyClean(t)
}

// holdFirstBatch is an Observer that holds the first usage batch at the
// start of its work, once a worker has taken it: it sends the batch's size
// on taken and waits for release.
type holdFirstBatch struct {
	once    sync.Once
	taken   chan int
	release chan struct{}
}

func (h *holdFirstBatch) ObserveAuthorization(bool, string) {}

func (h *holdFirstBatch) ObserveBatch(events int) {
	h.once.Do(func() {
		h.taken <- events
		<-h.release
	})
}

// lockedBuffer is a log destination goroutines may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestBatchFailureRecordsEventsOneByOne makes a whole batch fail and checks
// that its events, recorded one by one, get the answers the batch would have
// given them. The failure is a data condition only a batch trips: a trigger
// refuses a statement that inserts the fees of more than one event, which
// the batch does and an event recorded alone never does.
func TestBatchFailureRecordsEventsOneByOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.svc.Pool().Exec(e.ctx, `
		CREATE FUNCTION refuse_fees_of_several_events() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF (SELECT count(DISTINCT event_id) FROM inserted) > 1 THEN
				RAISE EXCEPTION 'fees of several events in one statement';
			END IF;
			RETURN NULL;
		END $$;
		CREATE TRIGGER refuse_fees_of_several_events AFTER INSERT ON fees REFERENCING NEW TABLE AS inserted
			FOR EACH STATEMENT EXECUTE FUNCTION refuse_fees_of_several_events();`); err != nil {
		t.Fatalf("create trigger: %v", err)
	}
	logs := &lockedBuffer{}
	e.svc = billing.NewService(e.svc.Pool(), billing.Options{Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	upTo := dec("2")
	e.product(t, "calls", "call", rating.Price{Name: "calls", Model: rating.Tiered, Asset: "USD", TierMode: rating.TierGraduated,
		Tiers: []rating.Tier{{UpTo: &upTo, UnitAmount: dec("1.00")}, {UnitAmount: dec("0.10")}}})
	e.product(t, "tokens", "chat", rating.Price{Name: "tokens", Model: rating.PerVolume, Asset: "USD", Field: "tokens", BlockSize: dec("1000"), BlockAmount: dec("1")})
	e.customer(t, "u1")
	e.customer(t, "u2")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("1.50"), Reason: "p"})
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u2", Asset: "USD", Amount: dec("10"), Reason: "p"})
	other, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a-u2", Customer: "u2", Amount: decp("1"), Asset: "USD"})
	if err != nil || !other.Approved {
		t.Fatalf("Authorize(u2) = %+v, %v", other, err)
	}
	own, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a-u1", Customer: "u1", Amount: decp("0.50"), Asset: "USD"})
	if err != nil || !own.Approved {
		t.Fatalf("Authorize(u1) = %+v, %v", own, err)
	}
	e.record(t, billing.UsageEventInput{ID: "before", Customer: "u1", EventType: "chat", Data: data("tokens", "100")}) // 0.10
	res, err := e.svc.RecordUsageBatch(e.ctx, []billing.UsageEventInput{
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 1: 1.00
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0},                            // duplicate: replay of c1
		{ID: "c1", Customer: "u1", EventType: "call", OccurredAt: t0, Data: data("x", "1")},      // same id, other payload: conflict
		{ID: "before", Customer: "u1", EventType: "chat", Data: data("tokens", "100")},           // recorded before: replay
		{ID: "bad", Customer: "u1", EventType: "chat", Data: data("tokens", "many")},             // rating error
		{ID: "c2", Customer: "u1", EventType: "call", OccurredAt: t0, AuthorizationID: other.ID}, // another wallet's hold: refused
		{ID: "c3", Customer: "u1", EventType: "call", OccurredAt: t0, AuthorizationID: own.ID},   // tier 1 still: 1.00, captures 0.50 held
		{ID: "c4", Customer: "u1", EventType: "call", OccurredAt: t0},                            // tier 2: 0.10
		{ID: "nosub", Customer: "u1", EventType: "unknown.type"},                                 // no product: refused
		{ID: "t1", Customer: "u1", EventType: "chat", Data: data("tokens", "500")},               // 0.50
	})
	if err != nil {
		t.Fatalf("RecordUsageBatch = %v", err)
	}
	if !strings.Contains(logs.String(), "recording its events one by one") {
		t.Fatalf("the batch did not fail (log: %q); the test no longer covers the fallback", logs.String())
	}
	want := []struct {
		code string
		fee  string
	}{{"", "1.00"}, {"", "1.00"}, {kernel.EConflict, ""}, {"", "0.10"}, {kernel.EInvalid, ""}, {kernel.EInvalid, ""},
		{"", "1.00"}, {"", "0.10"}, {kernel.EInvalid, ""}, {"", "0.50"}}
	if len(res) != len(want) {
		t.Fatalf("RecordUsageBatch returned %d results, want %d", len(res), len(want))
	}
	for i, w := range want {
		r := res[i]
		if got := kernel.ErrorCode(r.Err); got != w.code {
			t.Errorf("event %d error = %v (code %q), want code %q", i, r.Err, got, w.code)
			continue
		}
		if w.fee != "" {
			if len(r.Event.Fees) != 1 {
				t.Errorf("event %d fees = %+v, want one", i, r.Event.Fees)
				continue
			}
			wantDec(t, "fee of event "+r.Event.ID, r.Event.Fees[0].Amount, w.fee)
		}
	}
	if !res[1].Event.Replayed || res[1].Event.Fees[0].ID != res[0].Event.Fees[0].ID {
		t.Errorf("duplicate in batch = %+v, want a replay of the first", res[1].Event)
	}
	if !res[3].Event.Replayed {
		t.Errorf("event recorded before the batch = %+v, want a replay", res[3].Event)
	}
	if st := res[6].Event.Settlement; st == nil || st.Status != billing.AuthCaptured || !st.Captured.Equal(dec("1.00")) {
		t.Errorf("c3 settlement = %+v, want captured 1.00", st)
	}
	// 1.50 - 0.10 (before) - 1.00 - 1.00 - 0.10 - 0.50
	b := e.balance(t, "u1", "USD")
	wantDec(t, "u1 total", b.Total, "-1.20")
	wantDec(t, "u1 held", b.Held, "0")
	for _, id := range []string{"bad", "c2", "nosub"} {
		if _, err := e.svc.GetEvent(e.ctx, id); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("GetEvent(%s) = %v, want not found: a refused event was kept", id, err)
		}
	}
	// Only recorded events moved the tier counter: the next call is the 4th unit.
	next := e.record(t, billing.UsageEventInput{ID: "c5", Customer: "u1", EventType: "call", OccurredAt: t0})
	wantDec(t, "next call", next.Fees[0].Amount, "0.10")
	if a, err := e.svc.GetAuthorization(e.ctx, other.ID); err != nil || a.Status != billing.AuthActive {
		t.Errorf("GetAuthorization(u2's hold) = %s, %v; want active after a refused capture", a.Status, err)
	}
	e.verifyClean(t)
}

// TestConcurrentBatchesOnOneWallet sends overlapping batches for one wallet
// from many goroutines, through two services on one database and two
// references to the customer (so they land on different workers and race
// for the wallet's locks and for the same event ids): every id is recorded
// once, each replay answers with its fees, the tier counter counts each
// unit once, and the ledger verifies.
func TestConcurrentBatchesOnOneWallet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	upTo := dec("10")
	e.product(t, "calls", "call", rating.Price{Name: "calls", Model: rating.Tiered, Asset: "USD", TierMode: rating.TierGraduated,
		Tiers: []rating.Tier{{UpTo: &upTo, UnitAmount: dec("1.00")}, {UnitAmount: dec("0.10")}}})
	cus := e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "p"})
	other := billing.NewService(e.svc.Pool(), billing.Options{Now: e.clock.Now})
	const goroutines, perBatch, ids = 8, 20, 60
	var wg sync.WaitGroup
	results := make([][]billing.RecordResult, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			svc, ref := e.svc, "u1"
			if g%2 == 1 {
				ref = cus.ID
			}
			if g%4 >= 2 {
				svc = other
			}
			batch := make([]billing.UsageEventInput, perBatch)
			for k := range batch {
				batch[k] = billing.UsageEventInput{ID: fmt.Sprintf("e%d", (g*10+k)%ids), Customer: ref, EventType: "call", OccurredAt: t0}
			}
			res, err := svc.RecordUsageBatch(e.ctx, batch)
			if err != nil {
				t.Errorf("RecordUsageBatch #%d = %v", g, err)
			}
			results[g] = res
		})
	}
	wg.Wait()
	fees := map[string]billing.Fee{}
	for g, res := range results {
		for _, r := range res {
			if r.Err != nil {
				t.Errorf("batch %d: event error %v", g, r.Err)
				continue
			}
			if len(r.Event.Fees) != 1 {
				t.Errorf("batch %d: event %s fees = %+v, want one", g, r.Event.ID, r.Event.Fees)
				continue
			}
			f := r.Event.Fees[0]
			if first, ok := fees[r.Event.ID]; !ok {
				fees[r.Event.ID] = f
			} else if first.ID != f.ID || !first.Amount.Equal(f.Amount) {
				t.Errorf("event %s answered with fee %s %s and %s %s, want one fee", r.Event.ID, first.ID, first.Amount, f.ID, f.Amount)
			}
		}
	}
	if len(fees) != ids {
		t.Fatalf("%d distinct events answered, want %d", len(fees), ids)
	}
	sum := rating.Zero
	for _, f := range fees {
		sum = sum.Add(f.Amount)
	}
	// Graduated tiers charge the same for 60 units in any order: 10 × 1.00 + 50 × 0.10.
	wantDec(t, "sum of fees", sum, "15.00")
	wantDec(t, "total", e.balance(t, "u1", "USD").Total, "-10.00")
	next := e.record(t, billing.UsageEventInput{ID: "next", Customer: "u1", EventType: "call", OccurredAt: t0})
	wantDec(t, "61st call", next.Fees[0].Amount, "0.10")
	e.verifyClean(t)
}
