package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Subscription statuses. Usage-only subscriptions are always active.
const (
	SubscriptionTrialing  = "trialing"  // in a free trial: no fee until AnchorAt
	SubscriptionActive    = "active"    // the current period is paid
	SubscriptionPastDue   = "past_due"  // the renewal could not be paid; retried until GraceEndsAt
	SubscriptionSuspended = "suspended" // unpaid after the grace period: authorizations are declined
	SubscriptionCanceled  = "canceled"  // ended
)

// DefaultGracePeriod is how long a plan whose renewal could not be paid
// stays past_due before it is suspended (Options.GracePeriod changes it).
const DefaultGracePeriod = 3 * 24 * time.Hour

func (s *core) gracePeriod() time.Duration {
	if s.opts.GracePeriod > 0 {
		return s.opts.GracePeriod
	}
	return DefaultGracePeriod
}

// plan is what a version charges and grants each period.
type plan struct {
	fee      rating.Price // the recurring price
	interval string
	ents     []rating.Entitlement
}

// planOf returns the plan of a version: its first recurring price and its
// entitlements; ok is false for a usage-only version.
func planOf(v ProductVersion) (plan, bool) {
	for _, p := range v.Prices {
		if p.Model == rating.Recurring {
			return plan{fee: p, interval: p.Interval, ents: v.Entitlements}, true
		}
	}
	return plan{}, false
}

// periodStart returns the start of period k of a plan anchored at anchor:
// anchor + k intervals. Months and years count from the anchor, not from the
// previous period, and a day the month lacks becomes its last day, as Stripe
// does: anchored on January 31, periods start February 28 (29), March 31,
// April 30.
func periodStart(anchor time.Time, interval string, k int) time.Time {
	switch interval {
	case "day":
		return anchor.AddDate(0, 0, k)
	case "week":
		return anchor.AddDate(0, 0, 7*k)
	case "year":
		return addMonths(anchor, 12*k)
	default:
		return addMonths(anchor, k)
	}
}

func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// periodAt returns the index of the period in force at t (t ≥ anchor).
func periodAt(anchor time.Time, interval string, t time.Time) int {
	k := 0
	switch interval {
	case "day":
		k = int(t.Sub(anchor) / (24 * time.Hour))
	case "week":
		k = int(t.Sub(anchor) / (7 * 24 * time.Hour))
	default:
		k = (t.Year()-anchor.Year())*12 + int(t.Month()-anchor.Month())
		if interval == "year" {
			k /= 12
		}
	}
	for k > 0 && periodStart(anchor, interval, k).After(t) {
		k--
	}
	for !periodStart(anchor, interval, k+1).After(t) {
		k++
	}
	return k
}

// RenewDue runs the billing cycle of every plan that needs it, at most limit
// subscriptions per call: a plan whose period has ended renews (each missed
// period once, in order, after downtime); a past_due plan is retried and,
// once its grace period is over, suspended; a suspended plan that can now
// pay resumes. Several processes may run it at once: each subscription's
// cycle takes its row lock, and each period has one row (the key that makes
// a renewal happen once). `tollgate serve` runs it every minute; it returns
// how many steps it took. The plans of test clocks' customers are left to
// their clocks (AdvanceTestClock).
func (s *Plans) RenewDue(ctx context.Context, limit int) (int, error) {
	return s.renewDue(ctx, nil, s.clock(), limit)
}

// renewDue is RenewDue at now, for the customers on clock (nil: on none).
func (s *core) renewDue(ctx context.Context, clock *string, now time.Time, limit int) (int, error) {
	ids, err := queries.DueSubscriptions(ctx, s.pool, dbsqlc.DueSubscriptionsParams{PeriodEnd: &now, Clock: clock, Lim: int32(limit)})
	if err != nil {
		return 0, Translate(err)
	}
	steps := 0
	for _, id := range ids {
		n, err := s.cycle(ctx, id)
		steps += n
		if err != nil {
			s.log.Error("renew subscription; retried next run", "subscription", id, "err", err)
		}
	}
	return steps, nil
}

// cycle takes the steps a subscription is due, one transaction each, until
// none is left (a change of version continues on the new row).
func (s *core) cycle(ctx context.Context, id string) (int, error) {
	steps := 0
	for id != "" && steps < 10000 {
		var next string
		err := s.tx(ctx, func(tx pgx.Tx) error {
			var err error
			next, err = s.cycleStep(ctx, tx, id)
			return err
		})
		if err != nil {
			return steps, err
		}
		if next != "" {
			steps++
		}
		id = next
	}
	return steps, nil
}

// cycleStep takes one step of a subscription's cycle under its row lock and
// returns the subscription to continue with ("" when nothing was due).
func (s *core) cycleStep(ctx context.Context, tx pgx.Tx, id string) (string, error) {
	sub, c, err := lockSubscription(ctx, tx, id)
	if err != nil {
		return "", err
	}
	now, err := s.customerTime(ctx, tx, c, sub.CustomerID, false)
	if err != nil {
		return "", err
	}
	if sub.EndedAt != nil || sub.PeriodEnd == nil {
		return "", nil
	}
	pl, err := s.planFor(ctx, tx, sub.ProductID, sub.Version)
	if err != nil {
		return "", err
	}
	if sub.Status == SubscriptionPastDue || sub.Status == SubscriptionSuspended {
		changed, err := s.retryDue(ctx, tx, c, &sub, pl, now)
		if !changed || err != nil {
			return "", err
		}
		return sub.ID, nil
	}
	if sub.PeriodEnd.After(now) {
		return "", nil
	}
	switch {
	case sub.CancelAtPeriodEnd:
		return "", s.endPlan(ctx, tx, c, &sub, *sub.PeriodEnd, now)
	case sub.NextVersion != 0:
		if sub, err = s.switchVersion(ctx, tx, c, sub, sub.NextVersion, *sub.PeriodEnd); err != nil {
			return "", err
		}
		if pl, err = s.planFor(ctx, tx, sub.ProductID, sub.Version); err != nil {
			return "", err
		}
	}
	return sub.ID, s.renew(ctx, tx, c, &sub, pl, now)
}

func (s *core) planFor(ctx context.Context, db DBTX, productID string, version int) (plan, error) {
	v, err := versionOf(ctx, db, productID, version)
	if err != nil {
		return plan{}, err
	}
	pl, _ := planOf(v)
	return pl, nil
}

// renew starts the next period: its fee is charged in advance and its
// allowance granted; a wallet that cannot pay makes the plan past_due.
func (s *core) renew(ctx context.Context, tx txn, c Caller, sub *Subscription, pl plan, now time.Time) error {
	idx := sub.PeriodIndex + 1
	start, end := periodStart(*sub.AnchorAt, pl.interval, idx), periodStart(*sub.AnchorAt, pl.interval, idx+1)
	ch, err := s.chargePeriod(ctx, tx, c, sub, pl, start, end, false, false, now)
	if err != nil {
		return err
	}
	sub.PeriodIndex, sub.PeriodStart, sub.PeriodEnd = idx, &start, &end
	p := period{start: start, end: end, status: "paid", asset: pl.fee.Asset, fee: pl.fee.Amount, txnID: ch.txnID}
	event := "subscription.renewed"
	if ch.paid {
		sub.Status, sub.GraceEndsAt, sub.AllowanceLots = SubscriptionActive, nil, ch.lots
	} else {
		grace := now.Add(s.gracePeriod())
		sub.Status, sub.GraceEndsAt, sub.AllowanceLots, p.status, event = SubscriptionPastDue, &grace, nil, "due", "subscription.past_due"
	}
	if err := insertPeriod(ctx, tx, c, sub.ID, p, now); err != nil {
		return err
	}
	if err := saveCycle(ctx, tx, *sub); err != nil {
		return err
	}
	return s.outbox(ctx, tx, c, event, *sub, now)
}

// outbox writes a subscription event for the webhooks to deliver.
func (s *core) outbox(ctx context.Context, tx txn, c Caller, typ string, sub Subscription, now time.Time) error {
	payload := map[string]any{"subscription_id": sub.ID, "customer_id": sub.CustomerID, "product": sub.ProductCode,
		"version": sub.Version, "status": sub.Status}
	if sub.PeriodStart != nil {
		payload["period_start"], payload["period_end"] = sub.PeriodStart.Format(time.RFC3339), sub.PeriodEnd.Format(time.RFC3339)
	}
	batch := &pgx.Batch{}
	queueOutbox(batch, c, typ, payload, now)
	return Translate(tx.SendBatch(ctx, batch).Close())
}

// charge is what chargePeriod did.
type charge struct {
	paid  bool
	txnID string   // the fee's posting
	lots  []string // the allowance granted
}

// chargePeriod takes a period's fee from the plan's wallet (within its
// available balance plus credit limit) and grants the period's allowance.
// A wallet that cannot pay is left as it was, except that an auto top-up is
// started as if the fee had been taken. free skips the fee (a trial); first
// grants the one-off entitlements too.
func (s *core) chargePeriod(ctx context.Context, tx txn, c Caller, sub *Subscription, pl plan, start, end time.Time, free, first bool, now time.Time) (charge, error) {
	asset, err := s.assetTx(ctx, tx, c, "asset", pl.fee.Asset)
	if err != nil {
		return charge{}, err
	}
	b, err := s.lockBalance(ctx, tx, c, sub.WalletID, asset, now)
	if err != nil {
		return charge{}, err
	}
	fee := pl.fee.Amount
	if free {
		fee = rating.Zero
	}
	if fee.GreaterThan(b.available().Add(b.creditLimit)) {
		after := *b // the wallet as the fee would leave it, for the auto top-up's threshold
		after.held = b.held.Add(fee)
		if err := b.check(); err != nil {
			return charge{}, err
		}
		batch := &pgx.Batch{}
		queueBalanceWrites(batch, b)
		s.queueAutoTopUpTriggers(tx, batch, now, &after)
		return charge{}, Translate(tx.SendBatch(ctx, batch).Close())
	}
	ch := charge{paid: true}
	if fee.IsPositive() {
		p := b.newPosting("plan_fee", sub.ID, fmt.Sprintf("%s plan fee, %s to %s", sub.ProductCode, start.Format(time.DateOnly), end.Format(time.DateOnly)))
		b.debit(p, LedgerRevenue, fee)
		ch.txnID = p.id
	}
	bs := s.newBalances(c, sub.WalletID, now, b)
	if ch.lots, err = s.grantAllowance(ctx, tx, sub, pl.ents, bs, wholePeriod, first, end); err != nil {
		return charge{}, err
	}
	return ch, bs.flush(ctx, tx)
}

// balances are the balances of one wallet an operation locked, by asset, in
// the order it locked them.
type balances struct {
	s        *core
	c        Caller
	walletID string
	now      time.Time
	byAsset  map[string]*balanceState
	order    []*balanceState
}

func (s *core) newBalances(c Caller, walletID string, now time.Time, first *balanceState) *balances {
	bs := &balances{s: s, c: c, walletID: walletID, now: now, byAsset: map[string]*balanceState{}}
	if first != nil {
		bs.byAsset[first.asset.Code], bs.order = first, []*balanceState{first}
	}
	return bs
}

// get locks the balance in an asset, once.
func (bs *balances) get(ctx context.Context, tx txn, code string) (*balanceState, error) {
	if b, ok := bs.byAsset[code]; ok {
		return b, nil
	}
	asset, err := bs.s.assetTx(ctx, tx, bs.c, "asset", code)
	if err != nil {
		return nil, err
	}
	b, err := bs.s.lockBalance(ctx, tx, bs.c, bs.walletID, asset, bs.now)
	if err != nil {
		return nil, err
	}
	bs.byAsset[code], bs.order = b, append(bs.order, b)
	return b, nil
}

// flush writes every balance and starts the auto top-ups the debits call for.
func (bs *balances) flush(ctx context.Context, tx txn) error {
	for _, b := range bs.order {
		if err := b.flush(ctx, tx); err != nil {
			return err
		}
	}
	batch := &pgx.Batch{}
	bs.s.queueAutoTopUpTriggers(tx, batch, bs.now, bs.order...)
	return Translate(tx.SendBatch(ctx, batch).Close())
}

// grantAllowance grants the plan's entitlements for a period ending at end,
// for part of it (the whole period, or what is left after a change: each
// amount × left / length, rounded once).
// Recurring entitlements are granted every period, one-off ones with the
// first. A grant lasts until the period's end unless the entitlement sets
// lifetime_days. The caller flushes bs.
func (s *core) grantAllowance(ctx context.Context, tx txn, sub *Subscription, ents []rating.Entitlement, bs *balances,
	part fraction, first bool, end time.Time) ([]string, error) {
	lots := []string{}
	for _, e := range ents {
		if e.Kind == rating.EntitlementOneOff && !first {
			continue
		}
		b, err := bs.get(ctx, tx, e.Asset)
		if err != nil {
			return nil, err
		}
		amount := part.of(e.Amount)
		if !amount.IsPositive() {
			continue
		}
		l := &Lot{Purpose: LotBundled, Amount: amount}
		counter := LedgerRevenue
		if e.Purpose == rating.PurposePromotion {
			l.Purpose, counter = LotPromotion, LedgerPromotions
		}
		switch {
		case e.LifetimeDays > 0:
			exp := bs.now.AddDate(0, 0, e.LifetimeDays)
			l.ExpiresAt = &exp
		case e.Kind == rating.EntitlementRecurring:
			exp := end
			l.ExpiresAt = &exp
		}
		p := b.newPosting("allowance", sub.ID, fmt.Sprintf("%s allowance until %s", sub.ProductCode, end.Format(time.DateOnly)))
		b.credit(p, counter, l)
		lots = append(lots, l.ID)
	}
	return lots, nil
}

// retryDue tries again to charge a past_due or suspended plan. Paid, it
// resumes: the due period is paid if it is still running, else the period in
// force now is (the periods in between are waived: the plan was not
// serving), so what was due is charged once. Unpaid after its grace period,
// a past_due plan is suspended. changed reports a new status.
func (s *core) retryDue(ctx context.Context, tx txn, c Caller, sub *Subscription, pl plan, now time.Time) (changed bool, err error) {
	idx, start, end := sub.PeriodIndex, *sub.PeriodStart, *sub.PeriodEnd
	if !end.After(now) {
		idx = periodAt(*sub.AnchorAt, pl.interval, now)
		start, end = periodStart(*sub.AnchorAt, pl.interval, idx), periodStart(*sub.AnchorAt, pl.interval, idx+1)
	}
	ch, err := s.chargePeriod(ctx, tx, c, sub, pl, start, end, false, false, now)
	if err != nil {
		return false, err
	}
	if !ch.paid {
		if sub.Status == SubscriptionPastDue && !sub.GraceEndsAt.After(now) {
			sub.Status = SubscriptionSuspended
			if err := saveCycle(ctx, tx, *sub); err != nil {
				return false, err
			}
			return true, s.outbox(ctx, tx, c, "subscription.suspended", *sub, now)
		}
		return false, nil
	}
	if err := queries.PayDuePeriods(ctx, tx, dbsqlc.PayDuePeriodsParams{SubscriptionID: sub.ID, PaidStart: start,
		TransactionID: optString(ch.txnID), PaidAt: now}); err != nil {
		return false, Translate(err)
	}
	if !start.Equal(*sub.PeriodStart) {
		p := period{start: start, end: end, status: "paid", asset: pl.fee.Asset, fee: pl.fee.Amount, txnID: ch.txnID}
		if err := insertPeriod(ctx, tx, c, sub.ID, p, now); err != nil {
			return false, err
		}
	}
	sub.PeriodIndex, sub.PeriodStart, sub.PeriodEnd = idx, &start, &end
	sub.Status, sub.GraceEndsAt, sub.AllowanceLots = SubscriptionActive, nil, ch.lots
	if err := saveCycle(ctx, tx, *sub); err != nil {
		return false, err
	}
	return true, s.outbox(ctx, tx, c, "subscription.resumed", *sub, now)
}

// settleOwing retries, right after money came into a wallet, the plans that
// wallet owes for. It runs after the credit's own transaction (a renewal
// locks the subscription before the balance, a top-up the balance first) and
// only logs a failure: the renewal job retries every minute anyway.
func (s *core) settleOwing(ctx context.Context, walletID string) {
	ids, err := queries.OwingSubscriptions(ctx, s.pool, &walletID)
	if err != nil {
		s.log.Error("find plans owing; the renewal job retries", "wallet", walletID, "err", err)
		return
	}
	for _, id := range ids {
		if _, err := s.cycle(ctx, id); err != nil {
			s.log.Error("settle plan; the renewal job retries", "subscription", id, "err", err)
		}
	}
}

// endPlan ends a subscription at `at` (a cancellation).
func (s *core) endPlan(ctx context.Context, tx txn, c Caller, sub *Subscription, at, now time.Time) error {
	sub.EndedAt, sub.Status, sub.CancelAtPeriodEnd, sub.NextVersion = &at, SubscriptionCanceled, false, 0
	if err := saveCycle(ctx, tx, *sub); err != nil {
		return err
	}
	return s.outbox(ctx, tx, c, "subscription.canceled", *sub, now)
}

// switchVersion ends a plan's row at `at` and starts the same plan on
// another version from then, carrying its billing cycle over (the history of
// rows is what prices late events).
func (s *core) switchVersion(ctx context.Context, tx txn, c Caller, sub Subscription, version int, at time.Time) (Subscription, error) {
	if err := endSubscription(ctx, tx, sub.ID, at); err != nil {
		return Subscription{}, err
	}
	next := sub
	next.ID, next.Version, next.StartedAt, next.EndedAt, next.NextVersion = kernel.NewID(prefixSubscription, at), version, at, nil, 0
	return next, insertSubscription(ctx, tx, c, next)
}
