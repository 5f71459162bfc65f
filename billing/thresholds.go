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

// Balance alerts are outbox events written in the transaction of the
// balance write that causes them, under the balance's row lock, so that
// concurrent debits see each other's effect and a crossing fires once:
//
//   - balance.threshold_crossed: a write leaves the available balance below
//     an armed threshold. The threshold disarms. It re-arms when a later
//     write (a debit, hold or credit) leaves the available balance at or
//     above its rearm_at (by default the threshold plus 10%), so a balance
//     hovering around the threshold fires once, not on every debit.
//   - balance.depleted: a write leaves the available balance at zero or
//     below, and the balance was not depleted already.
//   - balance.recovered: a credit (a paid top-up, a gift, a refund, a
//     positive correction) takes a depleted balance back above zero. Holds
//     released and captures below their hold do not count, so holds made and
//     released around zero do not alternate depleted and recovered.

// MaxBalanceThresholds is how many thresholds a wallet may have per asset.
const MaxBalanceThresholds = 10

// BalanceThreshold is one threshold on a wallet's available balance in an
// asset.
type BalanceThreshold struct {
	WalletID  string
	Asset     string
	Precision int32
	Threshold rating.Decimal
	RearmAt   rating.Decimal
	Armed     bool
	CrossedAt *time.Time
	CreatedAt time.Time
}

// ThresholdInput is one threshold to set; RearmAt nil means Threshold plus
// 10%.
type ThresholdInput struct {
	Threshold rating.Decimal
	RearmAt   *rating.Decimal
}

// SetBalanceThresholdsInput replaces a wallet's thresholds in an asset.
type SetBalanceThresholdsInput struct {
	Customer   string
	Wallet     string
	Asset      string
	Thresholds []ThresholdInput // empty: remove them all
}

// SetBalanceThresholds replaces the thresholds of a wallet in an asset. A
// threshold kept keeps its state; a new one starts armed when the available
// balance is at or above it. Returns EInvalid, ENotFound.
func (s *Service) SetBalanceThresholds(ctx context.Context, in SetBalanceThresholdsInput) ([]BalanceThreshold, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.Thresholds) > MaxBalanceThresholds {
		return nil, kernel.Invalidf("thresholds", "at most %d thresholds per wallet and asset; got %d", MaxBalanceThresholds, len(in.Thresholds))
	}
	w, err := s.walletFor(ctx, s.pool, c, in.Customer, in.Wallet)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	err = s.tx(ctx, func(tx pgx.Tx) error {
		asset, err := s.assetTx(ctx, tx, c, "asset", in.Asset)
		if err != nil {
			return err
		}
		levels, rearms, err := thresholdLevels(in.Thresholds, asset)
		if err != nil {
			return err
		}
		if err := ensureBalance(ctx, tx, c, w.ID, asset.Code, now); err != nil {
			return err
		}
		b, err := s.lockBalance(ctx, tx, c, w.ID, asset, now)
		if err != nil {
			return err
		}
		batch := &pgx.Batch{}
		queueBalanceWrites(batch, b) // the expiries lockBalance found due
		if batch.Len() > 0 {
			if err := tx.SendBatch(ctx, batch).Close(); err != nil {
				return Translate(err)
			}
		}
		// A config write, not a hot path: its two statements run one after
		// the other in the transaction, after the expiries.
		db := TranslateErrors(tx)
		if err := queries.DeleteBalanceThresholdsExcept(ctx, db, dbsqlc.DeleteBalanceThresholdsExceptParams{WalletID: w.ID, Asset: asset.Code,
			Levels: levels}); err != nil {
			return err
		}
		return queries.UpsertBalanceThresholds(ctx, db, dbsqlc.UpsertBalanceThresholdsParams{WalletID: w.ID, Asset: asset.Code,
			Levels: levels, Rearms: rearms, Available: b.available(), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return s.listBalanceThresholds(ctx, w.ID, in.Asset)
}

// thresholdLevels checks thresholds and returns them, and their re-arm
// levels, written at the asset's precision.
func thresholdLevels(in []ThresholdInput, asset Asset) ([]string, []string, error) {
	levels, rearms := make([]string, 0, len(in)), make([]string, 0, len(in))
	seen := map[string]bool{}
	for i, t := range in {
		field := fmt.Sprintf("thresholds[%d]", i)
		if err := rating.CheckAmount(field+".threshold", t.Threshold); err != nil {
			return nil, nil, err
		}
		if !t.Threshold.IsPositive() {
			return nil, nil, kernel.Invalidf(field+".threshold", "a threshold must be more than zero; balance.depleted already reports zero")
		}
		if !t.Threshold.Equal(t.Threshold.Truncate(asset.Precision)) {
			return nil, nil, kernel.Invalidf(field+".threshold", "%s has more decimals than %s's %d", t.Threshold, asset.Code, asset.Precision)
		}
		rearm := t.Threshold.Add(t.Threshold.Shift(-1)).Truncate(asset.Precision)
		if t.RearmAt != nil {
			rearm = *t.RearmAt
			if err := rating.CheckAmount(field+".rearm_at", rearm); err != nil {
				return nil, nil, err
			}
		}
		if !rearm.GreaterThan(t.Threshold) {
			if t.RearmAt == nil { // the 10% rounded away at the asset's precision
				rearm = t.Threshold.Add(rating.One.Shift(-asset.Precision))
			} else {
				return nil, nil, kernel.Invalidf(field+".rearm_at", "rearm_at must be above the threshold %s", rating.FormatAmount(t.Threshold, asset.Precision))
			}
		}
		level := rating.FormatAmount(t.Threshold, asset.Precision)
		if seen[level] {
			return nil, nil, kernel.Invalidf(field+".threshold", "threshold %s is listed twice", level)
		}
		seen[level] = true
		levels, rearms = append(levels, level), append(rearms, rating.FormatAmount(rearm, asset.Precision))
	}
	return levels, rearms, nil
}

// ListBalanceThresholds returns a wallet's thresholds in an asset, highest
// first. Returns ENotFound.
func (s *Service) ListBalanceThresholds(ctx context.Context, customer, wallet, asset string) ([]BalanceThreshold, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.walletFor(ctx, s.pool, c, customer, wallet)
	if err != nil {
		return nil, err
	}
	if _, err := s.assetTx(ctx, s.pool, c, "asset", asset); err != nil {
		return nil, err
	}
	return s.listBalanceThresholds(ctx, w.ID, asset)
}

func (s *core) listBalanceThresholds(ctx context.Context, walletID, asset string) ([]BalanceThreshold, error) {
	rows, err := queries.ListBalanceThresholds(ctx, TranslateErrors(s.pool), dbsqlc.ListBalanceThresholdsParams{WalletID: walletID, Asset: asset})
	if err != nil {
		return nil, err
	}
	out := make([]BalanceThreshold, len(rows))
	for i, r := range rows {
		out[i] = BalanceThreshold{WalletID: r.WalletID, Asset: r.Asset, Precision: r.Precision, Threshold: r.Threshold, RearmAt: r.RearmAt,
			Armed: r.Armed, CrossedAt: r.CrossedAt, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// queueBalanceAlerts queues, on the batch that writes the balances, one
// statement that fires and re-arms their thresholds and their depleted
// state, writing the events to the outbox (see the rules above). credit
// says whether the write credited the balances (only a credit recovers).
// It runs under the balances' row locks, taken earlier in the transaction,
// so concurrent debits of one balance see each other's threshold state.
func (s *core) queueBalanceAlerts(batch *pgx.Batch, now time.Time, credit bool, states ...*balanceState) {
	if len(states) == 0 {
		return
	}
	n := len(states)
	wallets, assets, avail, shown := make([]string, 0, n), make([]string, 0, n), make([]rating.Decimal, 0, n), make([]string, 0, n)
	accounts, modes, precisions := make([]string, 0, n), make([]string, 0, n), make([]int32, 0, n)
	// Which balances may start or end a depletion is decided here, so the
	// statement reads only the rows it writes.
	var zeroW, zeroA, upW, upA []string
	for _, b := range states {
		a := b.available()
		if b.config != nil && !b.config.thresholds && a.IsPositive() && !credit {
			continue // no threshold to cross, no depletion to start or end
		}
		wallets, assets, avail = append(wallets, b.walletID), append(assets, b.asset.Code), append(avail, a)
		shown, accounts, modes = append(shown, rating.FormatAmount(a, b.asset.Precision)), append(accounts, b.c.AccountID), append(modes, string(b.c.Mode))
		precisions = append(precisions, b.asset.Precision)
		switch {
		case !a.IsPositive():
			zeroW, zeroA = append(zeroW, b.walletID), append(zeroA, b.asset.Code)
		case credit:
			upW, upA = append(upW, b.walletID), append(upA, b.asset.Code)
		}
	}
	if len(wallets) == 0 {
		return
	}
	batch.Queue(balanceAlertsSQL, wallets, assets, avail, shown, accounts, modes, now, precisions, zeroW, zeroA, upW, upA)
}

const balanceAlertsSQL = `WITH s AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[], $8::int[])
		AS s(wallet_id, asset, available, shown, account_id, mode, precision)
), fired AS (
	UPDATE balance_thresholds t SET armed = false, crossed_at = $7
	FROM s WHERE t.wallet_id = s.wallet_id AND t.asset = s.asset AND t.armed AND s.available < t.threshold
	RETURNING s.wallet_id, s.asset, t.threshold
), rearmed AS (
	UPDATE balance_thresholds t SET armed = true
	FROM s WHERE t.wallet_id = s.wallet_id AND t.asset = s.asset AND NOT t.armed AND s.available >= t.rearm_at
	RETURNING t.threshold
), depleted AS (
	INSERT INTO balance_depletions (wallet_id, asset, since)
	SELECT w, a, $7 FROM unnest($9::text[], $10::text[]) AS z(w, a)
	ON CONFLICT DO NOTHING
	RETURNING wallet_id, asset
), recovered AS (
	DELETE FROM balance_depletions d USING unnest($11::text[], $12::text[]) AS u(w, a)
	WHERE d.wallet_id = u.w AND d.asset = u.a
	RETURNING d.wallet_id, d.asset
), events AS (
	SELECT 1 AS n, 'balance.threshold_crossed' AS type, wallet_id, asset, threshold FROM fired
	UNION ALL SELECT 2, 'balance.depleted', wallet_id, asset, NULL FROM depleted
	UNION ALL SELECT 3, 'balance.recovered', wallet_id, asset, NULL FROM recovered
)
INSERT INTO outbox (account_id, mode, type, payload, created_at)
SELECT s.account_id, s.mode, e.type, jsonb_strip_nulls(jsonb_build_object('customer_id', w.customer_id, 'wallet_id', e.wallet_id,
		'asset', e.asset, 'available', s.shown, 'threshold', round(e.threshold, s.precision)::text)), $7
FROM events e JOIN s ON s.wallet_id = e.wallet_id AND s.asset = e.asset JOIN wallets w ON w.id = e.wallet_id
ORDER BY e.n, e.wallet_id, e.threshold DESC`
