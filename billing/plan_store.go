package billing

import (
	"context"
	"time"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optVersion(v int) *int32 {
	if v == 0 {
		return nil
	}
	n := int32(v)
	return &n
}

// lockSubscription locks a subscription's row for its billing cycle and
// returns it with the account and mode it belongs to.
func lockSubscription(ctx context.Context, tx txn, id string) (Subscription, Caller, error) {
	r, err := queries.LockSubscription(ctx, tx, id)
	if err != nil {
		return Subscription{}, Caller{}, Translate(err)
	}
	sub := subscriptionFromRow(dbsqlc.ListSubscriptionsRow{ID: r.ID, CustomerID: r.CustomerID, ProductID: r.ProductID, ProductCode: r.ProductCode,
		Version: r.Version, StartedAt: r.StartedAt, EndedAt: r.EndedAt, WalletID: r.WalletID, Status: r.Status, AnchorAt: r.AnchorAt,
		PeriodIndex: r.PeriodIndex, PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, GraceEndsAt: r.GraceEndsAt,
		CancelAtPeriodEnd: r.CancelAtPeriodEnd, NextVersion: r.NextVersion, AllowanceLots: r.AllowanceLots})
	return sub, Caller{AccountID: r.AccountID, Mode: Mode(r.Mode)}, nil
}

// saveCycle writes a subscription's billing state.
func saveCycle(ctx context.Context, tx txn, sub Subscription) error {
	lots := sub.AllowanceLots
	if lots == nil {
		lots = []string{}
	}
	return Translate(queries.UpdateSubscriptionCycle(ctx, tx, dbsqlc.UpdateSubscriptionCycleParams{ID: sub.ID, Status: sub.Status,
		PeriodIndex: int32(sub.PeriodIndex), PeriodStart: sub.PeriodStart, PeriodEnd: sub.PeriodEnd, GraceEndsAt: sub.GraceEndsAt,
		CancelAtPeriodEnd: sub.CancelAtPeriodEnd, NextVersion: optVersion(sub.NextVersion), AllowanceLots: lots, EndedAt: sub.EndedAt}))
}

// period is one billing period of a plan as recorded.
type period struct {
	start, end time.Time
	status     string // paid, trial, due, waived
	asset      string
	fee        rating.Decimal
	txnID      string
}

// insertPeriod records a period once: a second insert for the same
// subscription and start is a bug the caller's lock should have prevented,
// and rolls the renewal back.
func insertPeriod(ctx context.Context, tx txn, c Caller, subID string, p period, now time.Time) error {
	var paidAt *time.Time
	if p.status == "paid" {
		paidAt = &now
	}
	n, err := queries.InsertSubscriptionPeriod(ctx, tx, dbsqlc.InsertSubscriptionPeriodParams{SubscriptionID: subID, PeriodStart: p.start,
		PeriodEnd: p.end, AccountID: c.AccountID, Mode: string(c.Mode), Status: p.status, Asset: p.asset, Fee: p.fee,
		TransactionID: optString(p.txnID), PaidAt: paidAt, CreatedAt: now})
	if err != nil {
		return Translate(err)
	}
	if n == 0 {
		return kernel.Errorf(kernel.EConflict, "subscription %s was already renewed for the period starting %s", subID, p.start.Format(time.RFC3339))
	}
	return nil
}

// SubscriptionPeriod is one period of a plan: what it cost and whether it
// was paid.
type SubscriptionPeriod struct {
	Start, End    time.Time
	Status        string // paid, trial, due (unpaid), waived (never charged: the plan was suspended)
	Asset         string
	Fee           rating.Decimal
	TransactionID string
	PaidAt        *time.Time
}

func listPeriods(ctx context.Context, db DBTX, subID string) ([]SubscriptionPeriod, error) {
	rows, err := queries.ListSubscriptionPeriods(ctx, db, subID)
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]SubscriptionPeriod, len(rows))
	for i, r := range rows {
		out[i] = SubscriptionPeriod{Start: r.PeriodStart, End: r.PeriodEnd, Status: r.Status, Asset: r.Asset, Fee: r.Fee, PaidAt: r.PaidAt}
		if r.TransactionID != nil {
			out[i].TransactionID = *r.TransactionID
		}
	}
	return out, nil
}
