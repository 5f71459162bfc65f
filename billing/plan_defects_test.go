package billing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// The amounts of a change now, worked by hand from the story: a
// 31-day period (2678400000000 µs) with 2678399933405 µs left, version 1
// at 20.00 a month with 10.00 of allowance, version 2 at 40.00 with 25.00.
// Each is amount × left / length, rounded once, half away from zero, at the
// 18th place:
//
//	20.00 × left / length = 19.99999950272550776583… → 19.999999502725507766 (credited)
//	40.00 × left / length = 39.99999900545101553166… → 39.999999005451015532 (charged)
//	25.00 × left / length = 24.99999937840688470728… → 24.999999378406884707 (granted)
//
// The difference charged is 39.999999005451015532 − 19.999999502725507766
// = 19.999999502725507766. Rounding the time share first (0.999999975136275388)
// and multiplying gives 24.999999378406884700 for the allowance: the defect.
const (
	storyCredit    = "19.999999502725507766"
	storyOwed      = "39.999999005451015532"
	storyNet       = "19.999999502725507766"
	storyAllowance = "24.999999378406884707"
)

// storyStart is the period's start: January has 31 days, so the period to
// February 1 is 2678400000000 µs long.
var storyStart = day(2027, time.January, 1)

// storyChangeAt leaves 2678399933405 µs of the period.
var storyChangeAt = storyStart.Add(66595 * time.Microsecond)

// upgradeStory sets up the story: a customer topped up with topUp
// subscribes to version 1 (20.00 fee, 10.00 allowance), uses 3.00 of the
// allowance (7.00 unused) and the clock stands where the change happens.
func upgradeStory(t *testing.T, topUp string) (*env, billing.Subscription) {
	t.Helper()
	e := newEnv(t)
	e.at(storyStart)
	credits := rating.Price{Name: "credits", Model: rating.PerVolume, Asset: "USD", Field: "credits", BlockSize: dec("1"), BlockAmount: dec("0.01")}
	version := func(fee, allowance string) ([]rating.Price, []rating.Entitlement) {
		return []rating.Price{credits, {Name: "plan", Model: rating.Recurring, Asset: "USD", Interval: "month", Amount: dec(fee)}},
			[]rating.Entitlement{{Kind: rating.EntitlementRecurring, Asset: "USD", Amount: dec(allowance), Interval: "month"}}
	}
	prices, ents := version("20.00", "10.00")
	if _, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: "chat", Name: "Chat", EventType: "chat.used", Prices: prices, Entitlements: ents}); err != nil {
		t.Fatalf("CreateProduct = %v", err)
	}
	prices, ents = version("40.00", "25.00")
	if _, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "chat", Prices: prices, Entitlements: ents, KeepDefault: true}); err != nil {
		t.Fatalf("CreateProductVersion(2) = %v", err)
	}
	prices, ents = version("20.00", "5.00") // the same fee, less allowance: nothing to pay
	if _, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "chat", Prices: prices, Entitlements: ents, KeepDefault: true}); err != nil {
		t.Fatalf("CreateProductVersion(3) = %v", err)
	}
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec(topUp), Reason: "paid"})
	sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat", Version: 1})
	if err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
	e.record(t, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "chat.used", Data: data("credits", "300")})
	e.at(storyChangeAt)
	return e, sub
}

// lotsBy sums the open lots of a balance by purpose.
func lotsBy(b billing.Balance) map[billing.LotPurpose]rating.Decimal {
	out := map[billing.LotPurpose]rating.Decimal{}
	for _, l := range b.Lots {
		out[l.Purpose] = out[l.Purpose].Add(l.Remaining)
	}
	return out
}

// transactionsOf lists the wallet's ledger transactions of a kind, newest first.
func (e *env) transactionsOf(t *testing.T, customer, kind string) []billing.Transaction {
	t.Helper()
	page, err := e.svc.ListTransactions(e.ctx, billing.ListTransactionsInput{Customer: customer, Kind: kind, Limit: 100})
	if err != nil {
		t.Fatalf("ListTransactions(%s, %s) = %v", customer, kind, err)
	}
	return page.Items
}

// A change now expires the old period's unused allowance before it takes
// the difference, so the allowance neither pays for the change nor counts
// as room for it.
func TestPlanChangeNowAllowanceDoesNotPayTheProration(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		e, sub := upgradeStory(t, "50.00") // 30.00 paid, 7.00 allowance left
		if l := lotsBy(e.balance(t, "u1", "USD")); !l[billing.LotPaid].Equal(dec("30.00")) || !l[billing.LotBundled].Equal(dec("7.00")) {
			t.Fatalf("before the change: lots %v, want 30.00 paid and 7.00 bundled", l)
		}
		if _, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2}); err != nil {
			t.Fatalf("ChangeSubscription = %v", err)
		}
		b := e.balance(t, "u1", "USD")
		l := lotsBy(b)
		// 30.00 − 19.999999502725507766 paid; the 7.00 expired; the new
		// allowance is the only bundled value.
		wantDec(t, "paid after the change", l[billing.LotPaid], "10.000000497274492234")
		wantDec(t, "bundled after the change", l[billing.LotBundled], storyAllowance)
		wantDec(t, "total after the change", b.Total, "34.999999875681376941")

		st, err := e.svc.Plans.GetStatement(e.ctx, "u1", "", "USD", storyChangeAt)
		if err != nil {
			t.Fatalf("GetStatement = %v", err)
		}
		wantDec(t, "expiry line", st.Lines["expiry"], "-7.00")
		wantDec(t, "proration line", st.Lines["proration"], "-"+storyNet)
		wantDec(t, "allowance used", st.AllowanceUsed, "3.00")
		pr := e.transactionsOf(t, "u1", "proration")
		if len(pr) != 1 {
			t.Fatalf("proration transactions = %d, want 1", len(pr))
		}
		for _, en := range pr[0].Entries {
			if en.LedgerAccount == billing.LedgerWallet && slices.Contains(sub.AllowanceLots, en.LotID) {
				t.Errorf("the proration took %s from the allowance lot %s, want paid lots only", en.Amount, en.LotID)
			}
		}
		e.verifyClean(t)
	})
	t.Run("ErrInsufficientFunds", func(t *testing.T) {
		t.Parallel()
		// 15.00 paid and 7.00 of allowance: 22.00 would cover the
		// 19.999999502725507766, but the allowance does not pay for a change.
		e, sub := upgradeStory(t, "35.00")
		before := e.balance(t, "u1", "USD")
		txns := len(e.transactionsOf(t, "u1", ""))
		_, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2})
		wantCode(t, "ChangeSubscription", err, kernel.EInsufficientFunds)

		// Nothing was written: no expiry, no proration, the same plan.
		after := e.balance(t, "u1", "USD")
		wantDec(t, "total", after.Total, before.Total.String())
		if l := lotsBy(after); !l[billing.LotPaid].Equal(dec("15.00")) || !l[billing.LotBundled].Equal(dec("7.00")) {
			t.Errorf("lots after the refused change = %v, want 15.00 paid and 7.00 bundled", l)
		}
		if n := len(e.transactionsOf(t, "u1", "")); n != txns {
			t.Errorf("transactions after the refused change = %d, want %d", n, txns)
		}
		got, periods, err := e.svc.Plans.GetSubscription(e.ctx, sub.ID)
		if err != nil {
			t.Fatalf("GetSubscription = %v", err)
		}
		if got.EndedAt != nil || got.Version != 1 || got.Status != billing.SubscriptionActive || len(got.AllowanceLots) != 1 || len(periods) != 1 {
			t.Errorf("after the refused change: %+v with %d periods, want version 1 active, its allowance and 1 period", got, len(periods))
		}
		subs, err := e.svc.Plans.ListSubscriptions(e.ctx, "u1")
		if err != nil {
			t.Fatalf("ListSubscriptions = %v", err)
		}
		if len(subs) != 1 {
			t.Errorf("subscriptions after the refused change = %d, want 1", len(subs))
		}
		e.verifyClean(t)
	})
}

// The prorated allowance is amount × left / length rounded once, not the
// time share rounded and then multiplied.
func TestPlanChangeNowProratesTheAllowanceOnce(t *testing.T) {
	t.Parallel()
	e, sub := upgradeStory(t, "50.00")
	next, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2})
	if err != nil {
		t.Fatalf("ChangeSubscription = %v", err)
	}
	if len(next.AllowanceLots) != 1 {
		t.Fatalf("allowance lots after the change = %v, want 1", next.AllowanceLots)
	}
	var granted *billing.Lot
	for _, l := range e.balance(t, "u1", "USD").Lots {
		if l.ID == next.AllowanceLots[0] {
			granted = &l
		}
	}
	if granted == nil {
		t.Fatalf("the new allowance lot %s is not open", next.AllowanceLots[0])
	}
	wantDec(t, "new allowance", granted.Amount, storyAllowance)
	if granted.ExpiresAt == nil || !granted.ExpiresAt.Equal(day(2027, time.February, 1)) {
		t.Errorf("new allowance expires %v, want the period's end", granted.ExpiresAt)
	}
	// The fee's credit and charge are rounded once each too: the posting
	// moves exactly their difference.
	pr := e.transactionsOf(t, "u1", "proration")
	if len(pr) != 1 {
		t.Fatalf("proration transactions = %d, want 1", len(pr))
	}
	wantDec(t, "proration", pr[0].Amounts["USD"], "-"+storyNet)
	wantDec(t, "owed − credit", dec(storyOwed).Sub(dec(storyCredit)), storyNet)
	e.verifyClean(t)
}

// After a change now the new subscription lists its part of the period:
// from the change to the renewal, at the new version's prorated fee, paid by
// the proration; the old subscription keeps the period it paid for.
func TestPlanChangeNowListsTheNewPeriod(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		e, sub := upgradeStory(t, "50.00")
		next, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2})
		if err != nil {
			t.Fatalf("ChangeSubscription = %v", err)
		}
		pr := e.transactionsOf(t, "u1", "proration")
		if len(pr) != 1 {
			t.Fatalf("proration transactions = %d, want 1", len(pr))
		}
		end := day(2027, time.February, 1)
		ps := e.periods(t, next.ID)
		if len(ps) != 1 {
			t.Fatalf("periods of the new subscription = %+v, want 1", ps)
		}
		wantPeriod(t, "new subscription's period", ps[0], storyChangeAt, end, "paid", storyOwed, pr[0].ID)
		if ps[0].PaidAt == nil || !ps[0].PaidAt.Equal(storyChangeAt) {
			t.Errorf("paid_at = %v, want the change's time %v", ps[0].PaidAt, storyChangeAt)
		}
		fees := e.transactionsOf(t, "u1", "plan_fee")
		if len(fees) != 1 {
			t.Fatalf("plan_fee transactions = %d, want 1", len(fees))
		}
		old := e.periods(t, sub.ID)
		if len(old) != 1 {
			t.Fatalf("periods of the old subscription = %+v, want 1", old)
		}
		wantPeriod(t, "old subscription's period", old[0], storyStart, end, "paid", "20.00", fees[0].ID)

		// The renewal continues the new subscription's list.
		e.at(end.Add(time.Minute))
		e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("50.00"), Reason: "renewal"})
		e.renew(t)
		ps = e.periods(t, next.ID)
		if len(ps) != 2 {
			t.Fatalf("periods after the renewal = %+v, want 2", ps)
		}
		wantPeriod(t, "renewed period", ps[1], end, day(2027, time.March, 1), "paid", "40.00", "*")
		e.verifyClean(t)
	})
	t.Run("NothingToPay", func(t *testing.T) {
		t.Parallel()
		// Version 3 costs what version 1 does: the credit pays the rest of
		// the period and no proration is posted.
		e, sub := upgradeStory(t, "50.00")
		next, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 3})
		if err != nil {
			t.Fatalf("ChangeSubscription = %v", err)
		}
		if n := len(e.transactionsOf(t, "u1", "proration")); n != 0 {
			t.Errorf("proration transactions = %d, want none", n)
		}
		ps := e.periods(t, next.ID)
		if len(ps) != 1 {
			t.Fatalf("periods of the new subscription = %+v, want 1", ps)
		}
		wantPeriod(t, "new subscription's period", ps[0], storyChangeAt, day(2027, time.February, 1), "paid", storyCredit, "")
		e.verifyClean(t)
	})
	t.Run("Trial", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.at(storyStart)
		e.planProduct(t, "chat", "month", "20.00", "10.00")
		if _, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "chat",
			Prices: []rating.Price{perUnit("USD", "0.01"), {Name: "plan", Model: rating.Recurring, Asset: "USD", Interval: "month", Amount: dec("40.00")}}}); err != nil {
			t.Fatalf("CreateProductVersion = %v", err)
		}
		e.customer(t, "u1")
		sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u1", Product: "chat", Version: 1, TrialDays: 7})
		if err != nil {
			t.Fatalf("Subscribe = %v", err)
		}
		changeAt := storyStart.Add(3 * 24 * time.Hour)
		e.at(changeAt)
		next, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2})
		if err != nil {
			t.Fatalf("ChangeSubscription = %v", err)
		}
		ps := e.periods(t, next.ID)
		if len(ps) != 1 {
			t.Fatalf("periods of the new subscription = %+v, want 1", ps)
		}
		wantPeriod(t, "new subscription's trial", ps[0], changeAt, storyStart.Add(7*24*time.Hour), "trial", "0", "")
		if ps[0].PaidAt != nil {
			t.Errorf("paid_at of a trial = %v, want none", ps[0].PaidAt)
		}
		e.verifyClean(t)
	})
	t.Run("ErrRenewalDue", func(t *testing.T) {
		t.Parallel()
		// The period has ended and the renewal has not run yet: no time is
		// left to prorate, so the change waits for the renewal.
		e, sub := upgradeStory(t, "100.00")
		e.at(day(2027, time.February, 1).Add(time.Second))
		_, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2})
		wantCode(t, "ChangeSubscription after the period's end", err, kernel.EConflict)
		if n := len(e.transactionsOf(t, "u1", "proration")); n != 0 {
			t.Errorf("proration transactions = %d, want none", n)
		}
		e.renew(t)
		if _, err := e.svc.Plans.ChangeSubscription(e.ctx, billing.ChangeSubscriptionInput{Subscription: sub.ID, Version: 2}); err != nil {
			t.Fatalf("ChangeSubscription after the renewal = %v", err)
		}
		e.verifyClean(t)
	})
}

// wantPeriod checks a period; txn is its transaction, "" for none, "*" for any.
func wantPeriod(t *testing.T, what string, p billing.SubscriptionPeriod, start, end time.Time, status, fee, txn string) {
	t.Helper()
	if !p.Start.Equal(start) || !p.End.Equal(end) || p.Status != status || p.Asset != "USD" || !p.Fee.Equal(dec(fee)) ||
		(txn != "*" && p.TransactionID != txn) || (txn == "*" && p.TransactionID == "") {
		t.Errorf("%s = %s to %s, %s, %s %s, transaction %q; want %s to %s, %s, USD %s, transaction %q",
			what, p.Start, p.End, p.Status, p.Asset, p.Fee, p.TransactionID, start, end, status, fee, txn)
	}
}
