package billing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// MaxTrialDays is the longest free trial a plan may start with.
const MaxTrialDays = 730

// startPlan starts a subscription to a plan: a trial (no fee, the allowance
// granted, the first fee at its end) or the first period, charged at once. A
// wallet that cannot pay the first fee is EInsufficientFunds and nothing is
// written.
func (s *core) startPlan(ctx context.Context, tx txn, c Caller, sub Subscription, pl plan, in SubscribeInput) (Subscription, error) {
	if in.TrialDays < 0 || in.TrialDays > MaxTrialDays {
		return Subscription{}, kernel.Invalidf("trial_days", "trial_days must be between 0 and %d; got %d", MaxTrialDays, in.TrialDays)
	}
	w, err := s.walletFor(ctx, tx, c, sub.CustomerID, in.Wallet)
	if err != nil {
		return Subscription{}, err
	}
	now := sub.StartedAt
	anchor := now.AddDate(0, 0, in.TrialDays)
	start, end := now, periodStart(anchor, pl.interval, 1)
	sub.WalletID, sub.AnchorAt, sub.Status, sub.PeriodIndex = w.ID, &anchor, SubscriptionActive, 0
	if in.TrialDays > 0 {
		end, sub.Status, sub.PeriodIndex = anchor, SubscriptionTrialing, -1
	}
	sub.PeriodStart, sub.PeriodEnd = &start, &end
	if err := insertSubscription(ctx, tx, c, sub); err != nil {
		return Subscription{}, err
	}
	ch, err := s.chargePeriod(ctx, tx, c, &sub, pl, start, end, in.TrialDays > 0, true, now)
	if err != nil {
		return Subscription{}, err
	}
	if !ch.paid {
		return Subscription{}, &kernel.Error{Code: kernel.EInsufficientFunds, Field: "wallet", Message: fmt.Sprintf(
			"insufficient funds: the first period of %s costs %s %s, charged in advance, and the wallet cannot pay it; top up the wallet or start with a trial",
			sub.ProductCode, rating.Plain(pl.fee.Amount), pl.fee.Asset)}
	}
	p := period{start: start, end: end, status: "paid", asset: pl.fee.Asset, fee: pl.fee.Amount, txnID: ch.txnID}
	if in.TrialDays > 0 {
		p.status, p.fee = "trial", rating.Zero
	}
	if err := insertPeriod(ctx, tx, c, sub.ID, p, now); err != nil {
		return Subscription{}, err
	}
	sub.AllowanceLots = ch.lots
	return sub, saveCycle(ctx, tx, sub)
}

// GetSubscription returns a subscription by id with its periods, newest
// last. Returns ENotFound.
func (s *Plans) GetSubscription(ctx context.Context, id string) (Subscription, []SubscriptionPeriod, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Subscription{}, nil, err
	}
	var sub Subscription
	var periods []SubscriptionPeriod
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var owner Caller
		sub, owner, err = lockSubscription(ctx, tx, id)
		if kernel.ErrorCode(err) == kernel.ENotFound || (err == nil && (owner.AccountID != c.AccountID || owner.Mode != c.Mode)) {
			return kernel.NotFoundf("subscription", "subscription %s not found", id).With(ActFindSubscription)
		}
		if err != nil {
			return err
		}
		periods, err = listPeriods(ctx, tx, id)
		return err
	})
	return sub, periods, err
}
