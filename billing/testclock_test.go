package billing_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// clockEnv is an env whose service runs jobs, with a test clock whose
// customer u1 is subscribed to chat (20.00 USD a month, 10.00 allowance).
func newClockEnv(t *testing.T) (*env, billing.TestClock) {
	t.Helper()
	e := newEnv(t)
	e.startJobs(t)
	clk, _, err := e.svc.Plans.CreateTestClock(e.ctx, billing.CreateTestClockInput{IdempotencyKey: "clock-1", Name: "renewals", FrozenTime: jan1})
	if err != nil {
		t.Fatalf("CreateTestClock = %v", err)
	}
	return e, clk
}

var jan1 = time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC)

// advance moves the clock to `to` and waits (with a deadline) until its
// due work has run.
func (e *env) advance(t *testing.T, id string, to time.Time) billing.TestClock {
	t.Helper()
	clk, err := e.svc.Plans.AdvanceTestClock(e.ctx, id, to)
	if err != nil {
		t.Fatalf("AdvanceTestClock(%s) = %v", to.Format(time.DateOnly), err)
	}
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for clk.Status != billing.TestClockReady {
		if time.Now().After(deadline) {
			t.Fatalf("test clock still %s after 30 s (at %s, advancing to %s)", clk.Status, clk.FrozenTime, to)
		}
		<-tick.C
		if clk, err = e.svc.Plans.GetTestClock(e.ctx, id); err != nil {
			t.Fatalf("GetTestClock = %v", err)
		}
	}
	if !clk.FrozenTime.Equal(to) {
		t.Fatalf("test clock ready at %s, want %s", clk.FrozenTime, to)
	}
	return clk
}

func (e *env) subscription(t *testing.T, id string) billing.Subscription {
	t.Helper()
	sub, _, err := e.svc.Plans.GetSubscription(e.ctx, id)
	if err != nil {
		t.Fatalf("GetSubscription = %v", err)
	}
	return sub
}

// TestTestClockStory is the month of a plan on a test clock, with amounts
// computed by hand: a renewal, an allowance expiring unused, past_due then
// suspended then resumed by a top-up, and statements that close at the
// wallet's balance.
func TestTestClockStory(t *testing.T) {
	t.Parallel()
	e, clk := newClockEnv(t)
	e.planProduct(t, "chat", "month", "20.00", "10.00")
	cus, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: "u1", TestClock: clk.ID})
	if err != nil {
		t.Fatalf("CreateCustomer on a clock = %v", err)
	}
	if !cus.CreatedAt.Equal(jan1) || cus.TestClockID != clk.ID {
		t.Fatalf("customer created at %s on clock %q, want %s on %s", cus.CreatedAt, cus.TestClockID, jan1, clk.ID)
	}
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "paid-45", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("45.00")})
	sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat"})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	if !sub.PeriodStart.Equal(jan1) || !sub.PeriodEnd.Equal(jan1.AddDate(0, 1, 0)) {
		t.Fatalf("period %s to %s, want the clock's January", sub.PeriodStart, sub.PeriodEnd)
	}
	ev, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "ev-1", Customer: "u1", EventType: "chat.used"})
	if err != nil {
		t.Fatalf("RecordUsage = %v", err)
	}
	if !ev.OccurredAt.Equal(jan1) {
		t.Fatalf("event occurred at %s, want the clock's time %s", ev.OccurredAt, jan1)
	}
	wantDec(t, "January balance", e.balance(t, "u1", "USD").Total, "34.99") // 45 − 20 + 10 − 0.01

	// A month: the plan renews (20.00 from the paid 25.00), 9.99 of
	// allowance expires unused and 10.00 is granted.
	e.advance(t, clk.ID, jan1.AddDate(0, 1, 0))
	sub = e.subscription(t, sub.ID)
	if sub.Status != billing.SubscriptionActive || !sub.PeriodStart.Equal(jan1.AddDate(0, 1, 0)) {
		t.Fatalf("after a month: %s from %s, want active from February 1", sub.Status, sub.PeriodStart)
	}
	wantDec(t, "February balance", e.balance(t, "u1", "USD").Total, "15.00")
	jan, err := e.svc.Plans.GetStatement(e.ctx, "u1", "", "USD", jan1)
	if err != nil {
		t.Fatalf("GetStatement(January) = %v", err)
	}
	wantDec(t, "January closing", jan.Closing, "34.99")
	wantDec(t, "January usage", jan.Lines["usage"], "-0.01")

	// Another month: 5.00 cannot pay 20.00, so the plan is past_due (its
	// allowance has expired with the period) and, three days on, suspended.
	e.advance(t, clk.ID, jan1.AddDate(0, 2, 0))
	if sub = e.subscription(t, sub.ID); sub.Status != billing.SubscriptionPastDue {
		t.Fatalf("March 1: %s, want past_due", sub.Status)
	}
	wantDec(t, "March 1 balance", e.balance(t, "u1", "USD").Total, "5.00")
	e.advance(t, clk.ID, jan1.AddDate(0, 2, 4))
	if sub = e.subscription(t, sub.ID); sub.Status != billing.SubscriptionSuspended {
		t.Fatalf("March 5: %s, want suspended", sub.Status)
	}
	auth, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a-1", Customer: "u1", EventType: "chat.used"})
	if err != nil || auth.Approved {
		t.Fatalf("Authorize while suspended = %+v, %v; want declined", auth, err)
	}

	// A top-up resumes it: the running period is paid, its allowance granted.
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "paid-30", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("30.00")})
	if sub = e.subscription(t, sub.ID); sub.Status != billing.SubscriptionActive {
		t.Fatalf("after the top-up: %s, want active", sub.Status)
	}
	wantDec(t, "March 5 balance", e.balance(t, "u1", "USD").Total, "25.00") // 5 + 30 − 20 + 10
	feb, err := e.svc.Plans.GetStatement(e.ctx, "u1", "", "USD", jan1.AddDate(0, 1, 0))
	if err != nil {
		t.Fatalf("GetStatement(February) = %v", err)
	}
	wantDec(t, "February opening", feb.Opening, "34.99")
	wantDec(t, "February expiry", feb.Lines["expiry"], "-9.99")
	wantDec(t, "February closing", feb.Closing, "15.00")
	mar, err := e.svc.Plans.GetStatement(e.ctx, "u1", "", "USD", jan1.AddDate(0, 2, 0))
	if err != nil {
		t.Fatalf("GetStatement(March) = %v", err)
	}
	wantDec(t, "March closing", mar.Closing, e.balance(t, "u1", "USD").Total.String())
	periods := e.periods(t, sub.ID)
	if len(periods) != 3 || periods[2].Status != "paid" {
		t.Fatalf("periods = %+v, want January, February and March paid", periods)
	}
	e.verifyClean(t)
}

// TestTestClockSeparatesTime: the real-time sweeps leave a clock's customers
// alone, and a customer off the clock is not moved by it.
func TestTestClockSeparatesTime(t *testing.T) {
	t.Parallel()
	e, clk := newClockEnv(t)
	e.planProduct(t, "chat", "month", "20.00", "")
	if _, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: "onclock", TestClock: clk.ID}); err != nil {
		t.Fatalf("CreateCustomer = %v", err)
	}
	e.customer(t, "real")
	for _, ext := range []string{"onclock", "real"} {
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "p-" + ext, Kind: billing.AdjustTopUp, Customer: ext, Asset: "USD", Amount: dec("100.00")})
		if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: ext, Product: "chat"}); err != nil {
			t.Fatalf("Subscribe(%s) = %v", ext, err)
		}
	}
	// The service's clock passes the clock customer's renewal (Feb 1 2027
	// is before real time + 5 months) but its clock has not.
	e.at(t0.AddDate(0, 5, 0))
	if n := e.renew(t); n != 5 {
		t.Fatalf("RenewDue = %d steps, want the 5 months of the customer on real time", n)
	}
	wantDec(t, "clock customer", e.balance(t, "onclock", "USD").Total, "80.00")
	e.advance(t, clk.ID, jan1.AddDate(0, 2, 0))
	wantDec(t, "clock customer after two months", e.balance(t, "onclock", "USD").Total, "40.00")
	wantDec(t, "real customer", e.balance(t, "real", "USD").Total, "0.00")
}

func TestTestClockRules(t *testing.T) {
	t.Parallel()
	e, clk := newClockEnv(t)

	again, replayed, err := e.svc.Plans.CreateTestClock(e.ctx, billing.CreateTestClockInput{IdempotencyKey: "clock-1", Name: "renewals", FrozenTime: jan1})
	if err != nil || !replayed || again.ID != clk.ID {
		t.Fatalf("CreateTestClock retried = %s, %v, %v; want %s replayed", again.ID, replayed, err, clk.ID)
	}
	_, _, err = e.svc.Plans.CreateTestClock(e.ctx, billing.CreateTestClockInput{IdempotencyKey: "clock-1", Name: "other"})
	wantCode(t, "CreateTestClock, same key, other payload", err, kernel.EConflict)
	_, _, err = e.svc.Plans.CreateTestClock(e.ctx, billing.CreateTestClockInput{IdempotencyKey: "past", FrozenTime: t0.AddDate(0, 0, -1)})
	wantCode(t, "CreateTestClock in the past", err, kernel.EInvalid)
	live := billing.WithCaller(context.Background(), billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
	_, _, err = e.svc.Plans.CreateTestClock(live, billing.CreateTestClockInput{IdempotencyKey: "live"})
	wantCode(t, "CreateTestClock in live mode", err, kernel.EInvalid)
	_, _, err = e.svc.CreateCustomer(live, billing.CreateCustomerInput{ExternalID: "x", TestClock: clk.ID})
	wantCode(t, "CreateCustomer on a clock in live mode", err, kernel.EInvalid)
	_, _, err = e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: "x", TestClock: "clock_nope"})
	wantCode(t, "CreateCustomer on an unknown clock", err, kernel.ENotFound)

	_, err = e.svc.Plans.AdvanceTestClock(e.ctx, clk.ID, jan1.Add(-time.Hour))
	wantCode(t, "AdvanceTestClock backwards", err, kernel.EInvalid)
	_, err = e.svc.Plans.AdvanceTestClock(e.ctx, clk.ID, jan1.AddDate(2, 0, 1))
	wantCode(t, "AdvanceTestClock past two years without plans", err, kernel.EInvalid)
	e.planProduct(t, "chat", "month", "1.00", "")
	if _, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: "u1", TestClock: clk.ID}); err != nil {
		t.Fatalf("CreateCustomer = %v", err)
	}
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "p", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10.00")})
	if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat"}); err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	_, err = e.svc.Plans.AdvanceTestClock(e.ctx, clk.ID, jan1.AddDate(0, 2, 1))
	wantCode(t, "AdvanceTestClock past two months with a monthly plan", err, kernel.EInvalid)
	_, _, err = e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: "u1"})
	wantCode(t, "CreateCustomer again off the clock", err, kernel.EConflict)

	done := e.advance(t, clk.ID, jan1.AddDate(0, 2, 0))
	if replay, err := e.svc.Plans.AdvanceTestClock(e.ctx, clk.ID, done.FrozenTime); err != nil || replay.Status != billing.TestClockReady {
		t.Fatalf("AdvanceTestClock to where it is = %+v, %v; want it unchanged", replay, err)
	}
	wantDec(t, "balance after two renewals", e.balance(t, "u1", "USD").Total, "7.00")
}

// TestTestClockRaces races advances of one clock to one time, and usage of
// its customer, against the advance: the plan renews once, and every event
// is either recorded at the clock's time before the advance or refused
// while it runs (EConflict), or recorded at the new time once it is done;
// never at a time in between.
func TestTestClockRaces(t *testing.T) {
	t.Parallel()
	e, clk := newClockEnv(t)
	e.planProduct(t, "chat", "day", "1.00", "")
	if _, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: "u1", TestClock: clk.ID}); err != nil {
		t.Fatalf("CreateCustomer = %v", err)
	}
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "p", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("100.00")})
	if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat"}); err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	to := jan1.AddDate(0, 0, 2)
	var recorded, refused atomic.Int64
	run(t, 8, 40, func(i int) error {
		if i%4 == 0 {
			_, err := e.svc.Plans.AdvanceTestClock(e.ctx, clk.ID, to)
			return err
		}
		ev, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: fmt.Sprintf("ev-%d", i), Customer: "u1", EventType: "chat.used"})
		switch {
		case kernel.ErrorCode(err) == kernel.EConflict:
			refused.Add(1)
			return nil
		case err != nil:
			return err
		case !ev.OccurredAt.Equal(jan1) && !ev.OccurredAt.Equal(to):
			return fmt.Errorf("event %s recorded at %s, want the clock's time before (%s) or after (%s) the advance", ev.ID, ev.OccurredAt, jan1, to)
		}
		recorded.Add(1)
		return nil
	})
	e.advance(t, clk.ID, to)
	// 100 − 1 at subscribing − 2 renewals − 0.01 per event recorded.
	want := dec("97.00").Sub(dec("0.01").Mul(decimal.NewFromInt(recorded.Load())))
	wantDec(t, "balance after the races", e.balance(t, "u1", "USD").Total, want.String())
	if recorded.Load()+refused.Load() != 30 {
		t.Errorf("%d recorded and %d refused, want the 30 events answered one way or the other", recorded.Load(), refused.Load())
	}
	e.verifyClean(t)
}
