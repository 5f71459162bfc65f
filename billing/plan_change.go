package billing

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// ChangeSubscriptionInput moves a plan to another version of its product.
type ChangeSubscriptionInput struct {
	Subscription string // the subscription's id
	Version      int
	// AtPeriodEnd defers the change to the next renewal, which charges the
	// new version's fee; otherwise it happens now, prorated.
	AtPeriodEnd bool
}

// ChangeSubscription upgrades or downgrades a plan. Now, it prorates by the
// time left in the period, left = period_end − now over length = period_end −
// period_start (microseconds), each amount × left / length rounded once: the
// old allowance's unused value expires first, then the wallet is credited old
// fee × left / length and charged new fee × left / length (the difference
// moves, one way, taken as a plan fee is: the allowance never pays for a
// change), and new allowance × left / length is granted until the period's
// end. The period and its renewal date stay; the new subscription's first
// period row runs from the change to the period's end. Returns EInvalid,
// ENotFound, EInsufficientFunds (the difference cannot be paid; nothing is
// written), EConflict (the period has ended and its renewal has not run yet).
func (s *Plans) ChangeSubscription(ctx context.Context, in ChangeSubscriptionInput) (Subscription, error) {
	var sub Subscription
	err := s.withPlan(ctx, in.Subscription, func(tx pgx.Tx, c Caller, cur Subscription, now time.Time) error {
		pl, err := s.planFor(ctx, tx, cur.ProductID, in.Version)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.Invalidf("version", "product %s has no version %d", cur.ProductCode, in.Version)
		}
		if err != nil {
			return err
		}
		old, err := s.planFor(ctx, tx, cur.ProductID, cur.Version)
		if err != nil {
			return err
		}
		if pl.interval != old.interval || pl.fee.Asset != old.fee.Asset {
			return kernel.Invalidf("version", "version %d of %s bills %s per %s and this plan bills %s per %s; a change keeps the interval and asset: cancel and subscribe instead",
				in.Version, cur.ProductCode, pl.fee.Asset, pl.interval, old.fee.Asset, old.interval)
		}
		if cur.Status == SubscriptionPastDue || cur.Status == SubscriptionSuspended {
			return kernel.Invalidf("subscription", "subscription %s is %s: its renewal must be paid (a top-up pays it) before the plan changes", cur.ID, cur.Status)
		}
		switch {
		case in.Version == cur.Version:
			cur.NextVersion = 0
			sub = cur
			return saveCycle(ctx, tx, cur)
		case in.AtPeriodEnd:
			cur.NextVersion = in.Version
			sub = cur
			return saveCycle(ctx, tx, cur)
		}
		if !cur.PeriodEnd.After(now) {
			// No time is left to prorate: the period the change would split
			// is over and the next one has not been charged yet.
			return &kernel.Error{Code: kernel.EConflict, Field: "subscription", Message: fmt.Sprintf(
				"subscription %s's period ended at %s and its renewal has not run yet; change it once it has (the renewal runs every minute)",
				cur.ID, cur.PeriodEnd.Format(time.RFC3339))}
		}
		sub, err = s.changeNow(ctx, tx, c, cur, old, pl, in.Version, now)
		return err
	})
	return sub, err
}

// withPlan runs fn on a plan of the caller's, locked. Returns ENotFound,
// EInvalid (not a plan, or ended).
func (s *core) withPlan(ctx context.Context, id string, fn func(tx pgx.Tx, c Caller, sub Subscription, now time.Time) error) error {
	c, err := RequireCaller(ctx)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		sub, owner, err := lockSubscription(ctx, tx, id)
		if kernel.ErrorCode(err) == kernel.ENotFound || (err == nil && (owner.AccountID != c.AccountID || owner.Mode != c.Mode)) {
			return kernel.NotFoundf("subscription", "subscription %s not found", id).With(ActFindSubscription)
		}
		if err != nil {
			return err
		}
		if sub.EndedAt != nil {
			return kernel.Invalidf("subscription", "subscription %s ended on %s", id, sub.EndedAt.Format(time.RFC3339)).With(ActFindSubscription)
		}
		if sub.PeriodEnd == nil {
			return kernel.Invalidf("subscription", "subscription %s is usage-only (its version has no recurring price): subscribe to another version instead", id)
		}
		now, err := s.customerTime(ctx, tx, c, sub.CustomerID, true)
		if err != nil {
			return err
		}
		return fn(tx, c, sub, now)
	})
}

// changeNow switches a plan's version now with the proration ChangeSubscription
// documents, and records the new subscription's part of the period.
func (s *core) changeNow(ctx context.Context, tx txn, c Caller, cur Subscription, old, pl plan, version int, now time.Time) (Subscription, error) {
	left := fraction{num: decimalFromMicros(cur.PeriodEnd.Sub(now)), den: decimalFromMicros(cur.PeriodEnd.Sub(*cur.PeriodStart))}
	bs := s.newBalances(c, cur.WalletID, now, nil)
	b, err := bs.get(ctx, tx, pl.fee.Asset)
	if err != nil {
		return Subscription{}, err
	}
	for _, e := range old.ents {
		if _, err := bs.get(ctx, tx, e.Asset); err != nil {
			return Subscription{}, err
		}
	}
	// The old allowance expires before anything is taken: it is not value
	// the customer paid, so it neither pays for the change nor counts as room.
	for _, ob := range bs.order {
		ob.expireLots(cur.AllowanceLots)
	}
	p := period{start: now, end: *cur.PeriodEnd, status: "trial", asset: pl.fee.Asset, fee: rating.Zero}
	if cur.Status != SubscriptionTrialing {
		p.status = "paid"
		if p.fee, p.txnID, err = prorate(b, cur, old, pl, version, left); err != nil {
			return Subscription{}, err
		}
	}
	next, err := s.switchVersion(ctx, tx, c, cur, version, now)
	if err != nil {
		return Subscription{}, err
	}
	if next.AllowanceLots, err = s.grantAllowance(ctx, tx, &next, pl.ents, bs, left, false, *cur.PeriodEnd); err != nil {
		return Subscription{}, err
	}
	if err := bs.flush(ctx, tx); err != nil {
		return Subscription{}, err
	}
	if err := insertPeriod(ctx, tx, c, next.ID, p, now); err != nil {
		return Subscription{}, err
	}
	return next, saveCycle(ctx, tx, next)
}

// prorate credits the old version's fee for the time left and charges the
// new one's, moving only the difference, within the wallet's available
// balance plus credit limit (EInsufficientFunds otherwise, before anything
// moves). It returns the new fee for the time left and the posting ("" when
// the two fees were equal and nothing moved).
func prorate(b *balanceState, cur Subscription, old, pl plan, version int, left fraction) (owed rating.Decimal, txnID string, err error) {
	credit := left.of(old.fee.Amount)
	owed = left.of(pl.fee.Amount)
	net := owed.Sub(credit)
	if room := b.available().Add(b.creditLimit); net.GreaterThan(room) {
		return rating.Zero, "", &kernel.Error{Code: kernel.EInsufficientFunds, Field: "version", Message: fmt.Sprintf(
			"insufficient funds: the change costs %s %s now (%s for the rest of the period less %s credited for the old version) but %s %s is available; the old allowance expires with the change and does not pay for it",
			net, b.asset.Code, owed, credit, b.available(), b.asset.Code)}
	}
	if net.IsZero() {
		return owed, "", nil
	}
	p := b.newPosting("proration", cur.ID, fmt.Sprintf("%s version %d to %d for the rest of the period to %s", cur.ProductCode, cur.Version, version, cur.PeriodEnd.Format(time.DateOnly)))
	if net.IsPositive() {
		b.debit(p, LedgerRevenue, net)
	} else {
		zero := rating.Zero
		b.credit(p, LedgerRevenue, &Lot{Purpose: LotPaid, Amount: net.Neg(), RevenueBasis: &zero, RevenueCurrency: b.asset.Code})
	}
	return owed, p.id, nil
}

// fraction is a part of a billing period, num/den: the microseconds left
// over the period's length after a change, or the whole period.
type fraction struct{ num, den rating.Decimal }

var wholePeriod = fraction{num: rating.One, den: rating.One}

// of returns amount × num / den, rounded once by Divide: a prorated fee or
// allowance is never computed from a rounded share.
func (f fraction) of(amount rating.Decimal) rating.Decimal {
	q, _ := rating.Divide(amount.Mul(f.num), f.den)
	return q
}

// expireLots expires now the open lots among ids (a replaced allowance).
func (b *balanceState) expireLots(ids []string) {
	kept := b.lots[:0]
	for _, l := range b.lots {
		if slices.Contains(ids, l.ID) {
			b.expire(l)
			continue
		}
		kept = append(kept, l)
	}
	b.lots = kept
}

func decimalFromMicros(d time.Duration) rating.Decimal { return decimal.NewFromInt(d.Microseconds()) }

// CancelSubscription cancels a plan now (no refund: the period is paid in
// advance and its allowance stays until it expires) or at the period's end
// (nothing more is charged). Returns ENotFound, EInvalid (usage-only or
// ended).
func (s *Plans) CancelSubscription(ctx context.Context, id string, atPeriodEnd bool) (Subscription, error) {
	var sub Subscription
	err := s.withPlan(ctx, id, func(tx pgx.Tx, c Caller, cur Subscription, now time.Time) error {
		sub = cur
		if atPeriodEnd {
			sub.CancelAtPeriodEnd = true
			return saveCycle(ctx, tx, sub)
		}
		return s.endPlan(ctx, tx, c, &sub, now, now)
	})
	return sub, err
}
