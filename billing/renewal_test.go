package billing_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/rating"
)

// planProduct is "a $20 monthly plan with 1,000 credits included and $0.01
// per credit after": 20.00 USD a month, a 10.00 USD allowance (1,000 credits
// at 0.01) granted each period, usage at 0.01 USD per credit.
func (e *env) planProduct(t *testing.T, code, interval, fee, allowance string) billing.ProductView {
	t.Helper()
	in := billing.CreateProductInput{Code: code, Name: code, EventType: code + ".used",
		Prices: []rating.Price{perUnit("USD", "0.01"), {Name: "plan", Model: rating.Recurring, Asset: "USD", Interval: interval, Amount: dec(fee)}}}
	if allowance != "" {
		in.Entitlements = []rating.Entitlement{{Kind: rating.EntitlementRecurring, Asset: "USD", Amount: dec(allowance), Interval: interval}}
	}
	v, _, err := e.svc.Catalog.CreateProduct(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateProduct(%s) = %v", code, err)
	}
	return v
}

func (e *env) at(t time.Time) {
	e.clock.Set(t)
}

func (e *env) renew(t *testing.T) int {
	t.Helper()
	n, err := e.svc.Plans.RenewDue(e.ctx, 1000)
	if err != nil {
		t.Fatalf("RenewDue = %v", err)
	}
	return n
}

func (e *env) periods(t *testing.T, subID string) []billing.SubscriptionPeriod {
	t.Helper()
	_, ps, err := e.svc.Plans.GetSubscription(e.ctx, subID)
	if err != nil {
		t.Fatalf("GetSubscription(%s) = %v", subID, err)
	}
	return ps
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }

func TestPlanRenewsOnMonthEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.at(day(2027, time.January, 31))
	e.planProduct(t, "chat", "month", "20.00", "10.00")
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("100.00"), Reason: "p"})
	sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat"})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	if !sub.PeriodEnd.Equal(day(2027, time.February, 28)) {
		t.Fatalf("first period ends %v, want Feb 28", sub.PeriodEnd)
	}
	wantDec(t, "total after subscribing", e.balance(t, "u1", "USD").Total, "90.00") // 100 - 20 + 10 allowance

	e.at(day(2027, time.February, 28))
	if n := e.renew(t); n != 1 {
		t.Fatalf("RenewDue on Feb 28 = %d steps, want 1", n)
	}
	// The January allowance expired unused (10), the fee (20) was taken from
	// paid value, the February allowance (10) granted: 90 - 10 - 20 + 10.
	wantDec(t, "total on Feb 28", e.balance(t, "u1", "USD").Total, "70.00")
	e.at(day(2027, time.March, 30))
	if n := e.renew(t); n != 0 {
		t.Fatalf("RenewDue on Mar 30 = %d, want 0", n)
	}
	e.at(day(2027, time.March, 31))
	e.renew(t)
	ps := e.periods(t, sub.ID)
	want := []time.Time{day(2027, time.January, 31), day(2027, time.February, 28), day(2027, time.March, 31)}
	if len(ps) != len(want) {
		t.Fatalf("periods = %+v, want starts %v", ps, want)
	}
	for i, p := range ps {
		if !p.Start.Equal(want[i]) || p.Status != "paid" {
			t.Errorf("period %d = %s %s, want %s paid", i, p.Start, p.Status, want[i])
		}
	}
	if !ps[2].End.Equal(day(2027, time.April, 30)) {
		t.Errorf("March period ends %s, want Apr 30", ps[2].End)
	}
	e.verifyClean(t)
}

func TestPlanCatchesUpEachMissedPeriodOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := day(2027, time.May, 1)
	e.at(start)
	e.planProduct(t, "daily", "day", "1.00", "0.50")
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10.00"), Reason: "p"})
	sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "daily"})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	e.at(start.Add(3*24*time.Hour + time.Hour)) // down for three days
	if n := e.renew(t); n != 3 {
		t.Fatalf("RenewDue after three days = %d, want 3", n)
	}
	if n := e.renew(t); n != 0 {
		t.Fatalf("RenewDue again = %d, want 0", n)
	}
	ps := e.periods(t, sub.ID)
	if len(ps) != 4 {
		t.Fatalf("periods = %d, want 4", len(ps))
	}
	for i, p := range ps {
		if want := start.AddDate(0, 0, i); !p.Start.Equal(want) || p.Status != "paid" {
			t.Errorf("period %d = %s %s, want %s paid", i, p.Start, p.Status, want)
		}
	}
	// Four fees of 1.00 from paid value; the allowances of ended days expired.
	e.svc.SweepExpiredLots(e.ctx, 100)
	wantDec(t, "total", e.balance(t, "u1", "USD").Total, "6.50")
	e.verifyClean(t)
}

func TestPlanSuspendsAndTopUpResumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := day(2027, time.June, 1)
	e.at(start)
	e.planProduct(t, "chat", "month", "20.00", "10.00")
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("20.00"), Reason: "p"})
	sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat"})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	e.at(day(2027, time.July, 1))
	e.renew(t)
	if got := e.sub(t, sub.ID).Status; got != billing.SubscriptionPastDue {
		t.Fatalf("status after an unpaid renewal = %s, want past_due", got)
	}
	e.at(day(2027, time.July, 4).Add(time.Minute)) // the 3-day grace is over
	e.renew(t)
	if got := e.sub(t, sub.ID).Status; got != billing.SubscriptionSuspended {
		t.Fatalf("status after the grace period = %s, want suspended", got)
	}
	a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a1", Customer: "u1", EventType: "chat.used"})
	if err != nil || a.Approved || a.DeclineReason != billing.DeclineSuspended {
		t.Fatalf("Authorize while suspended = %+v, %v; want declined subscription_suspended", a, err)
	}
	e.record(t, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "chat.used"}) // usage still recorded

	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("50.00"), Reason: "p"})
	got := e.sub(t, sub.ID)
	if got.Status != billing.SubscriptionActive {
		t.Fatalf("status after the top-up = %s, want active", got.Status)
	}
	// 50 - 0.01 usage (as debt, repaid) - 20 due fee + 10 allowance.
	wantDec(t, "total after resuming", e.balance(t, "u1", "USD").Total, "39.99")
	if n := e.renew(t); n != 0 {
		t.Fatalf("RenewDue after resuming = %d, want 0 (charged once)", n)
	}
	a, err = e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a2", Customer: "u1", EventType: "chat.used"})
	if err != nil || !a.Approved {
		t.Fatalf("Authorize after resuming = %+v, %v; want approved", a, err)
	}
	e.verifyClean(t)
}

func (e *env) sub(t *testing.T, id string) billing.Subscription {
	t.Helper()
	s, _, err := e.svc.Plans.GetSubscription(e.ctx, id)
	if err != nil {
		t.Fatalf("GetSubscription(%s) = %v", id, err)
	}
	return s
}

// Two services on one database, each with its own River client, renew the
// same plans at once: each is charged once per period.
func TestPlanRenewalRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := day(2027, time.August, 1)
	e.at(start)
	e.planProduct(t, "daily", "day", "1.00", "")
	const n = 1000
	for i := range n {
		ext := fmt.Sprintf("u%d", i)
		e.customer(t, ext)
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "t" + ext, Kind: billing.AdjustTopUp, Customer: ext, Asset: "USD", Amount: dec("5.00"), Reason: "p"})
		if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: ext, Product: "daily"}); err != nil {
			t.Fatalf("Subscribe(%s) = %v", ext, err)
		}
	}
	e.at(start.Add(2*24*time.Hour + time.Minute))
	otherJobs := jobs.New(e.svc.Pool(), nil)
	other := billing.NewService(e.svc.Pool(), billing.Options{Now: e.clock.Now, Jobs: otherJobs})
	startJobs(t, e.svc, e.jobs)
	startJobs(t, other, otherJobs)
	var wg sync.WaitGroup
	for _, svc := range []*billing.Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := svc.Plans.RenewDue(e.ctx, 2*n); err != nil {
				t.Errorf("RenewDue = %v", err)
			}
		}()
	}
	wg.Wait()
	for i := range n {
		wantDec(t, fmt.Sprintf("u%d total", i), e.balance(t, fmt.Sprintf("u%d", i), "USD").Total, "2.00")
	}
	e.verifyClean(t)
}

func TestPlanDowngradeMidMonthProrates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.at(day(2027, time.June, 1)) // June has 30 days: the period is 30 days
	e.planProduct(t, "chat", "month", "30.00", "15.00")
	if _, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "chat",
		Prices:       []rating.Price{perUnit("USD", "0.01"), {Name: "plan", Model: rating.Recurring, Asset: "USD", Interval: "month", Amount: dec("10.00")}},
		Entitlements: []rating.Entitlement{{Kind: rating.EntitlementRecurring, Asset: "USD", Amount: dec("5.00"), Interval: "month"}}}); err != nil {
		t.Fatalf("CreateProductVersion = %v", err)
	}
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("100.00"), Reason: "p"})
	sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat", Version: 1})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	wantDec(t, "total after subscribing", e.balance(t, "u1", "USD").Total, "85.00")
	e.at(day(2027, time.June, 16)) // half the period left
	next, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2})
	if err != nil {
		t.Fatalf("ChangeSubscription = %v", err)
	}
	if next.Version != 2 || !next.PeriodEnd.Equal(day(2027, time.July, 1)) {
		t.Fatalf("after the change = version %d, period end %v; want 2, Jul 1", next.Version, next.PeriodEnd)
	}
	// +15.00 credited (half of 30), -5.00 charged (half of 10), the unused
	// 15.00 allowance expires, 2.50 (half of 5) granted: 85 + 10 - 15 + 2.5.
	wantDec(t, "total after the downgrade", e.balance(t, "u1", "USD").Total, "82.50")
	e.at(day(2027, time.July, 1))
	e.renew(t)
	// The 2.50 expires, the fee of version 2 (10.00) is charged, 5.00 granted.
	wantDec(t, "total after renewing", e.balance(t, "u1", "USD").Total, "75.00")
	if _, err := e.svc.Plans.CancelSubscription(e.ctx, next.ID, true); err != nil {
		t.Fatalf("CancelSubscription = %v", err)
	}
	e.at(day(2027, time.August, 1))
	e.renew(t)
	if got := e.sub(t, next.ID); got.Status != billing.SubscriptionCanceled || got.EndedAt == nil {
		t.Fatalf("after canceling at period end = %s, ended %v; want canceled", got.Status, got.EndedAt)
	}
	e.svc.SweepExpiredLots(e.ctx, 100)
	wantDec(t, "total after canceling", e.balance(t, "u1", "USD").Total, "70.00")
	e.verifyClean(t)
}

func TestStatementReconcilesWithTheWallet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.at(day(2027, time.June, 20))
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("3.00"), Reason: "june"})
	e.at(time.Date(2027, time.July, 1, 9, 0, 0, 0, time.UTC))
	if _, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: "chat", Name: "Chat", EventType: "chat.used",
		Prices: []rating.Price{{Name: "credits", Model: rating.PerVolume, Asset: "USD", Field: "credits", BlockSize: dec("1"), BlockAmount: dec("0.01")},
			{Name: "plan", Model: rating.Recurring, Asset: "USD", Interval: "month", Amount: dec("20.00")}},
		Entitlements: []rating.Entitlement{{Kind: rating.EntitlementRecurring, Asset: "USD", Amount: dec("10.00"), Interval: "month"}}}); err != nil {
		t.Fatalf("CreateProduct = %v", err)
	}
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("100.00"), Reason: "july"})
	e.at(day(2027, time.July, 1))
	if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat"}); err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	e.at(day(2027, time.July, 5))
	e.record(t, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "chat.used", Data: data("credits", "1500")}) // 10 allowance + 5 overage
	exp := day(2027, time.July, 20)
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("5.00"), Reason: "gift", ExpiresAt: &exp})
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustRefund, Customer: "u1", Asset: "USD", Amount: dec("10.00"), Reason: "refund"})
	e.at(day(2027, time.July, 21))
	e.svc.SweepExpiredLots(e.ctx, 100)
	e.at(time.Date(2027, time.July, 31, 23, 59, 0, 0, time.UTC))
	atEnd := e.balance(t, "u1", "USD").Total
	e.at(day(2027, time.August, 2)) // renewed on Aug 1: next month's
	e.renew(t)
	st, err := e.svc.Plans.GetStatement(e.ctx, "u1", "", "USD", day(2027, time.July, 15))
	if err != nil {
		t.Fatalf("GetStatement = %v", err)
	}
	wantDec(t, "opening", st.Opening, "3.00")
	for kind, want := range map[string]string{"top_up": "100.00", "plan_fee": "-20.00", "allowance": "10.00", "usage": "-15.00",
		"gift": "5.00", "expiry": "-5.00", "refund": "-10.00"} {
		wantDec(t, "line "+kind, st.Lines[kind], want)
	}
	wantDec(t, "allowance used", st.AllowanceUsed, "10.00")
	wantDec(t, "usage of chat", st.UsageByProduct["chat"], "15.00")
	wantDec(t, "closing", st.Closing, "68.00")
	if !st.Closing.Equal(atEnd) {
		t.Errorf("closing %s, want the wallet's total at the month's end %s", st.Closing, atEnd)
	}
	e.verifyClean(t)
}
