package billing

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

// RefundTopUpInput refunds all or part of a succeeded top-up.
type RefundTopUpInput struct {
	TopUpID        string
	IdempotencyKey string          // the client's id for this refund
	Amount         *rating.Decimal // in the top-up's currency, whole units; nil: all that is refundable
}

// RefundTopUp gives money back for a succeeded top-up: never more than was
// paid less earlier refunds, nor more than its lot still holds (credit the
// customer spent is not refunded), in whole units of the currency. The lot
// is debited in the ledger exactly once per IdempotencyKey, then the
// provider refunds with the same key; a retry after a provider error asks
// it again and debits nothing twice. Returns EInvalid, ENotFound,
// EUnavailable.
func (s *Payments) RefundTopUp(ctx context.Context, in RefundTopUpInput) (TopUp, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return TopUp{}, err
	}
	if strings.TrimSpace(in.IdempotencyKey) == "" || len(in.IdempotencyKey) > 200 {
		return TopUp{}, kernel.Invalidf("idempotency_key", "idempotency_key is required: your unique id for this refund (1-200 characters), so a retry never refunds twice")
	}
	if in.Amount != nil {
		if err := rating.CheckAmount("amount", *in.Amount); err != nil {
			return TopUp{}, err
		}
	}
	var t TopUp
	var refundID string
	var minor int64
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		t, err = getTopUp(ctx, tx, c, in.TopUpID, true)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.NotFoundf("top_up_id", "top-up %q not found in %s mode", in.TopUpID, c.Mode)
		}
		if err != nil {
			return err
		}
		refundID, minor, err = s.debitRefund(ctx, tx, c, &t, in)
		return err
	})
	if err != nil {
		return TopUp{}, err
	}
	prov, err := s.providerNamed(ctx, s.pool, c, t.Provider)
	if err != nil {
		return TopUp{}, err
	}
	r, err := prov.Refund(ctx, payments.RefundInput{PaymentID: t.PaymentID, Amount: payments.NewAmount(minor, t.Currency),
		IdempotencyKey: "tollgate-refund-" + refundID, Metadata: map[string]string{"top_up_id": t.ID, "refund_id": refundID}})
	if err != nil {
		return TopUp{}, err
	}
	if err := queries.SetRefundProviderID(ctx, TranslateErrors(s.pool), dbsqlc.SetRefundProviderIDParams{ID: refundID, ProviderRefundID: r.ID}); err != nil {
		return TopUp{}, err
	}
	return getTopUp(ctx, s.pool, c, t.ID, false)
}

// debitRefund takes a refund's credit from the top-up's lot, once per key,
// and returns the refund's id and its amount in minor units.
func (s *core) debitRefund(ctx context.Context, tx pgx.Tx, c Caller, t *TopUp, in RefundTopUpInput) (string, int64, error) {
	prev, err := queries.GetRefundByKey(ctx, TranslateErrors(tx), dbsqlc.GetRefundByKeyParams{TopUpID: t.ID, RequestKey: in.IdempotencyKey})
	if err == nil {
		if in.Amount != nil && in.Amount.Shift(t.PaidPrecision).IntPart() != prev.AmountMinor {
			return "", 0, kernel.Errorf(kernel.EConflict, "idempotency_key %q was already used for a refund of %s %s; use a new key for a new refund",
				in.IdempotencyKey, rating.FormatAmount(fromMinor(prev.AmountMinor, t.PaidPrecision), t.PaidPrecision), t.Currency)
		}
		return prev.ID, prev.AmountMinor, nil // a retry: the ledger has it; ask the provider again
	}
	if kernel.ErrorCode(err) != kernel.ENotFound {
		return "", 0, err
	}
	if t.Status != TopUpSucceeded || t.LotID == "" {
		return "", 0, kernel.Invalidf("top_up_id", "top-up %s is %s; only a succeeded top-up can be refunded", t.ID, t.Status)
	}
	now := s.clock()
	asset, err := s.assetTx(ctx, tx, c, "asset", t.Asset)
	if err != nil {
		return "", 0, err
	}
	b, err := s.lockBalance(ctx, tx, c, t.WalletID, asset, now)
	if err != nil {
		return "", 0, err
	}
	var lot *Lot
	for _, l := range b.lots {
		if l.ID == t.LotID {
			lot = l
		}
	}
	held := rating.Zero
	if lot != nil {
		held = lot.Remaining
	}
	// What the lot still holds is worth held × paid / credit; a refund moves
	// whole minor units of that, never more than was paid less refunds.
	worth, _ := rating.Divide(held.Mul(t.Paid), t.Credit)
	whole, _ := rating.WholeUnits(decMin(worth, t.Paid.Sub(t.Refunded)), t.PaidPrecision)
	want := whole
	if in.Amount != nil {
		if err := rating.CheckWholeUnits("amount", *in.Amount, t.Currency, t.PaidPrecision); err != nil {
			return "", 0, err
		}
		want = *in.Amount
	}
	if !want.IsPositive() || want.GreaterThan(whole) {
		return "", 0, kernel.Invalidf("amount", "top-up %s can be refunded at most %s %s now (its lot holds %s %s; credit already spent is not refunded)",
			t.ID, rating.FormatAmount(whole, t.PaidPrecision), t.Currency, rating.FormatAmount(held, t.Precision), t.Asset)
	}
	credit, _ := rating.Divide(want.Mul(t.Credit), t.Paid)
	credit = decMin(credit, held)
	p := b.newPosting("refund", t.ID, fmt.Sprintf("refund of top-up %s: %s %s", t.ID, rating.FormatAmount(want, t.PaidPrecision), t.Currency))
	p.add(entry{account: LedgerFunding, asset: asset.Code, amount: credit})
	p.add(entry{account: LedgerWallet, wallet: b.walletID, lot: lot.ID, asset: asset.Code, amount: credit.Neg()})
	b.posted = b.posted.Sub(credit)
	lot.Remaining, lot.Refunded = lot.Remaining.Sub(credit), lot.Refunded.Add(credit)
	b.touched[lot.ID] = lot
	if err := b.flush(ctx, tx); err != nil {
		return "", 0, err
	}
	minor := want.Shift(t.PaidPrecision).IntPart()
	id := kernel.NewID("refund", now)
	db := TranslateErrors(tx)
	if err := queries.InsertRefund(ctx, db, dbsqlc.InsertRefundParams{ID: id, TopUpID: t.ID, RequestKey: in.IdempotencyKey, AmountMinor: minor,
		Credit: credit, CreatedAt: now}); err != nil {
		return "", 0, err
	}
	return id, minor, queries.AddTopUpRefunded(ctx, db, dbsqlc.AddTopUpRefundedParams{ID: t.ID, Minor: minor, UpdatedAt: now})
}
