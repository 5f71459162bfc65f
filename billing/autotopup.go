package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

// Auto top-up retries a declined card after autoTopUpBackoff, four times
// longer after each further decline, and turns itself off after
// autoTopUpMaxFailures declines in a row, recording why.
const (
	autoTopUpBackoff     = 15 * time.Minute
	autoTopUpMaxFailures = 3
)

// AutoTopUp is a wallet's auto top-up in one asset: when a debit, hold or
// charge takes the available balance below Threshold, Paid (whole units of
// Currency) is charged to the customer's saved card and Credit is credited.
type AutoTopUp struct {
	WalletID       string
	Asset          string
	Precision      int32
	Enabled        bool
	Threshold      rating.Decimal
	Credit         rating.Decimal
	Paid           rating.Decimal
	Currency       string
	PaidPrecision  int32
	MonthlyCap     *rating.Decimal // in Currency; nil: no cap
	Failures       int
	RetryAfter     *time.Time
	DisabledReason string
	UpdatedAt      time.Time
}

// ConfigureAutoTopUpInput sets a wallet's auto top-up.
type ConfigureAutoTopUpInput struct {
	Customer   string
	Wallet     string
	Asset      string
	Enabled    bool
	Threshold  rating.Decimal
	Paid       rating.Decimal
	Currency   string          // empty: Asset when it is a currency
	Credit     *rating.Decimal // nil: Paid at the asset's rate
	MonthlyCap *rating.Decimal // nil: no cap
}

// ConfigureAutoTopUp sets (or turns off) a wallet's auto top-up. Turning it
// on needs a card the customer saved by paying a top-up, and clears earlier
// failures. Returns EInvalid, ENotFound.
func (s *Payments) ConfigureAutoTopUp(ctx context.Context, in ConfigureAutoTopUpInput) (AutoTopUp, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return AutoTopUp{}, err
	}
	if err := rating.CheckAmount("threshold", in.Threshold); err != nil {
		return AutoTopUp{}, err
	}
	if in.Threshold.IsNegative() {
		return AutoTopUp{}, kernel.Invalidf("threshold", "threshold must be zero or more: the available balance below which the card is charged")
	}
	t, err := s.priceTopUp(ctx, c, &CreateTopUpInput{IdempotencyKey: "auto", Customer: in.Customer, Wallet: in.Wallet, Asset: in.Asset,
		Paid: in.Paid, Currency: in.Currency, Credit: in.Credit, SuccessURL: "https://auto.invalid", CancelURL: "https://auto.invalid"})
	if err != nil {
		return AutoTopUp{}, err
	}
	var capMinor *int64
	if in.MonthlyCap != nil {
		if err := rating.CheckWholeUnits("monthly_cap", *in.MonthlyCap, t.Currency, t.PaidPrecision); err != nil {
			return AutoTopUp{}, err
		}
		if in.MonthlyCap.LessThan(t.Paid) {
			return AutoTopUp{}, kernel.Invalidf("monthly_cap", "monthly_cap %s %s is less than one top-up of %s %s; raise it or leave it out",
				rating.FormatAmount(*in.MonthlyCap, t.PaidPrecision), t.Currency, rating.FormatAmount(t.Paid, t.PaidPrecision), t.Currency)
		}
		m := in.MonthlyCap.Shift(t.PaidPrecision).IntPart()
		capMinor = &m
	}
	if in.Enabled {
		if _, _, err := s.savedCard(ctx, s.pool, c, t.CustomerID); err != nil {
			return AutoTopUp{}, err
		}
	}
	now := s.clock()
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := ensureBalance(ctx, tx, c, t.WalletID, t.Asset, now); err != nil {
			return err
		}
		return queries.UpsertAutoTopUp(ctx, TranslateErrors(tx), dbsqlc.UpsertAutoTopUpParams{WalletID: t.WalletID, Asset: t.Asset,
			Enabled: in.Enabled, Threshold: in.Threshold, CreditAmount: t.Credit, PaidMinor: t.paidMinor(), Currency: t.Currency,
			MonthlyCapMinor: capMinor, UpdatedAt: now})
	})
	if err != nil {
		return AutoTopUp{}, err
	}
	return s.getAutoTopUp(ctx, s.pool, t.WalletID, t.Asset)
}

// GetAutoTopUp returns a wallet's auto top-up in an asset. Returns ENotFound.
func (s *Payments) GetAutoTopUp(ctx context.Context, customer, wallet, asset string) (AutoTopUp, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return AutoTopUp{}, err
	}
	w, err := s.walletFor(ctx, s.pool, c, customer, wallet)
	if err != nil {
		return AutoTopUp{}, err
	}
	return s.getAutoTopUp(ctx, s.pool, w.ID, asset)
}

func (s *core) getAutoTopUp(ctx context.Context, db DBTX, walletID, asset string) (AutoTopUp, error) {
	r, err := queries.GetAutoTopUp(ctx, TranslateErrors(db), dbsqlc.GetAutoTopUpParams{WalletID: walletID, Asset: asset})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return AutoTopUp{}, kernel.NotFoundf("asset", "the wallet has no auto top-up in %s", asset)
	}
	if err != nil {
		return AutoTopUp{}, err
	}
	a := AutoTopUp{WalletID: r.WalletID, Asset: r.Asset, Precision: r.Precision, Enabled: r.Enabled, Threshold: r.Threshold, Credit: r.CreditAmount,
		Paid: fromMinor(r.PaidMinor, r.PaidPrecision), Currency: r.Currency, PaidPrecision: r.PaidPrecision, Failures: int(r.Failures),
		RetryAfter: r.RetryAfter, DisabledReason: r.DisabledReason, UpdatedAt: r.UpdatedAt}
	if r.MonthlyCapMinor != nil {
		m := fromMinor(*r.MonthlyCapMinor, a.PaidPrecision)
		a.MonthlyCap = &m
	}
	return a, nil
}

// savedCard returns the provider customer and saved card of a customer.
// Returns EInvalid naming the fix when there is none.
func (s *core) savedCard(ctx context.Context, db DBTX, c Caller, customerID string) (string, string, error) {
	prov, err := s.providerFor(ctx, db, c)
	if err != nil {
		return "", "", err
	}
	r, err := queries.GetSavedCardCharge(ctx, TranslateErrors(db), dbsqlc.GetSavedCardChargeParams{CustomerID: customerID, Provider: prov.Name()})
	if err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
		return "", "", err
	}
	cus, card := r.ProviderCustomerID, r.PaymentMethodID
	if card == "" {
		return "", "", kernel.Invalidf("customer", "the customer has no saved card to charge: auto top-up charges the card of a paid top-up").With(ActSaveCard)
	}
	return cus, card, nil
}

// queueAutoTopUpTriggers queues, for each balance written, the start of an
// auto top-up when its available balance is now below its threshold: a
// pending top-up row, in the transaction of the debit itself. At most one is
// in flight per wallet and asset (a unique index), so debits crossing
// together start one; while it is pending it stands for the money to come.
// Each top-up started is handed to kick once tx has committed, for a job to
// charge the card: a job that ran before the commit would find no pending
// top-up and end, leaving it to the reconciler (which finds any kick that was
// lost, a minute later).
func (s *core) queueAutoTopUpTriggers(tx txn, batch *pgx.Batch, now time.Time, states ...*balanceState) {
	var ids, wallets, assets, accounts, modes []string
	var avail []rating.Decimal
	for _, b := range states {
		if b.config != nil && !b.config.autoTopUp {
			continue // read with its lock: no auto top-up to start
		}
		ids, wallets, assets = append(ids, kernel.NewID(prefixTopUp, now)), append(wallets, b.walletID), append(assets, b.asset.Code)
		accounts, modes, avail = append(accounts, b.c.AccountID), append(modes, string(b.c.Mode)), append(avail, b.available())
	}
	if len(ids) == 0 {
		return
	}
	// One statement for the batch's balances; each probes its own auto top-up
	// by key (most have none), then its wallet.
	batch.Queue(`INSERT INTO top_ups (id, account_id, mode, customer_id, wallet_id, asset, credit_amount, paid_minor, currency,
			auto, status, created_at, updated_at)
		SELECT s.id, s.account_id, s.mode, w.customer_id, x.wallet_id, x.asset, x.credit_amount, x.paid_minor, x.currency, true, 'pending', $7, $7
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[]) AS s(id, wallet_id, asset, account_id, mode, available)
		CROSS JOIN LATERAL (SELECT * FROM auto_top_ups x WHERE x.wallet_id = s.wallet_id AND x.asset = s.asset) x
		CROSS JOIN LATERAL (SELECT customer_id FROM wallets w WHERE w.id = s.wallet_id) w
		WHERE x.enabled AND s.available < x.threshold AND (x.retry_after IS NULL OR x.retry_after <= $7)
		ON CONFLICT (wallet_id, asset) WHERE auto AND status = 'pending' DO NOTHING
		RETURNING id`, ids, wallets, assets, accounts, modes, avail, now).
		Query(func(rows pgx.Rows) error {
			var started []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				started = append(started, id)
			}
			if len(started) > 0 {
				onCommit(tx, func() {
					for _, id := range started {
						s.kick(id)
					}
				})
			}
			return rows.Err()
		})
}

// queueAutoTopUpFailure records a declined auto top-up: it retries after a
// backoff from now, and after autoTopUpMaxFailures in a row it turns itself
// off.
func (s *core) queueAutoTopUpFailure(batch *pgx.Batch, c Caller, t TopUp, o outcome, now time.Time) {
	reason := fmt.Sprintf("%d declines in a row; the last: %s %s", autoTopUpMaxFailures, o.code, o.message)
	batch.Queue(`UPDATE auto_top_ups SET failures = failures + 1,
			retry_after = $3::timestamptz + $4::interval * power(4, failures),
			enabled = enabled AND failures + 1 < $5,
			disabled_reason = CASE WHEN failures + 1 >= $5 THEN $6 ELSE disabled_reason END, updated_at = $3
		WHERE wallet_id = $1 AND asset = $2`, t.WalletID, t.Asset, now, autoTopUpBackoff, autoTopUpMaxFailures, reason)
	payload := map[string]any{"top_up_id": t.ID, "wallet_id": t.WalletID, "asset": t.Asset, "code": o.code, "message": o.message}
	queueOutbox(batch, c, "auto_top_up.failed", payload, now)
	batch.Queue(`INSERT INTO outbox (account_id, mode, type, payload, created_at)
		SELECT $1, $2, 'auto_top_up.disabled', $3, $4 FROM auto_top_ups WHERE wallet_id = $5 AND asset = $6 AND NOT enabled AND failures = $7`,
		c.AccountID, c.Mode, map[string]any{"top_up_id": t.ID, "wallet_id": t.WalletID, "asset": t.Asset, "reason": reason}, now, t.WalletID, t.Asset, autoTopUpMaxFailures)
}

// ChargeAutoTopUp charges the card for a pending auto top-up (AutoTopUpJob's
// work). It is safe to run more than once: the charge's idempotency key is
// the top-up's id, and its outcome applies through applyOutcome like a
// webhook's.
func (s *Payments) ChargeAutoTopUp(ctx context.Context, id string) error {
	p, err := queries.GetPendingAutoTopUp(ctx, TranslateErrors(s.pool), id)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil // settled already, or never committed
	}
	if err != nil {
		return err
	}
	c := Caller{AccountID: p.AccountID, Mode: Mode(p.Mode)}
	t, err := getTopUp(ctx, s.pool, c, id, false)
	if err != nil {
		return err
	}
	if reason := s.autoTopUpBlocked(ctx, t, p.Enabled, p.MonthlyCapMinor); reason != "" {
		return s.tx(ctx, func(tx pgx.Tx) error {
			return queries.CancelPendingTopUp(ctx, TranslateErrors(tx), dbsqlc.CancelPendingTopUpParams{ID: id, FailureMessage: reason, UpdatedAt: s.clock()})
		})
	}
	prov, err := s.providerFor(ctx, s.pool, c)
	if err != nil {
		return err
	}
	cus, card, err := s.savedCard(ctx, s.pool, c, t.CustomerID)
	if err != nil {
		return s.tx(ctx, func(tx pgx.Tx) error {
			return s.applyOutcome(ctx, tx, c, outcome{topUpID: id, status: TopUpFailed, code: "no_saved_card", message: kernel.ErrorMessage(err)})
		})
	}
	if err := queries.SetTopUpProvider(ctx, TranslateErrors(s.pool), dbsqlc.SetTopUpProviderParams{ID: id, Provider: prov.Name()}); err != nil {
		return err
	}
	ch, err := prov.ChargeSaved(ctx, payments.ChargeInput{TopUpID: id, Account: c.AccountID, Mode: string(c.Mode), CustomerID: cus, PaymentMethodID: card,
		Amount: payments.NewAmount(t.paidMinor(), t.Currency), Description: fmt.Sprintf("Auto top-up: %s %s", rating.Display(t.Credit, t.Precision), t.Asset),
		IdempotencyKey: "tollgate-auto-" + id})
	if err != nil {
		return err // the job retries with the same key
	}
	o := outcome{topUpID: id, paymentID: ch.ID, paidMinor: ch.Amount.Minor, code: ch.FailureCode, message: ch.FailureMessage, actionURL: ch.ActionURL}
	switch ch.Status {
	case payments.ChargeSucceeded:
		o.status = TopUpSucceeded
	case payments.ChargeFailed:
		o.status = TopUpFailed
		if ch.DeclineCode != "" {
			o.code += ":" + ch.DeclineCode
		}
	case payments.ChargeRequiresAction:
		o.status = TopUpRequiresAction
	default:
		return nil // processing: the webhook settles it
	}
	defer s.settleTopUp(ctx, c, id)
	return s.tx(ctx, func(tx pgx.Tx) error { return s.applyOutcome(ctx, tx, c, o) })
}

// autoTopUpBlocked says why a pending auto top-up must not charge: turned
// off since, or over its monthly cap.
func (s *core) autoTopUpBlocked(ctx context.Context, t TopUp, enabled bool, capMinor *int64) string {
	if !enabled {
		return "auto top-up was turned off"
	}
	if capMinor == nil {
		return ""
	}
	start := rating.PeriodStart(s.clock())
	spent, err := queries.AutoTopUpSpent(ctx, TranslateErrors(s.pool), dbsqlc.AutoTopUpSpentParams{CustomerID: t.CustomerID, WalletID: t.WalletID,
		Asset: t.Asset, Since: start})
	if err != nil {
		return "" // charge; the cap is a guard, not a lock
	}
	if spent+t.paidMinor() > *capMinor {
		return fmt.Sprintf("the monthly cap of %s %s is reached", rating.FormatAmount(fromMinor(*capMinor, t.PaidPrecision), t.PaidPrecision), t.Currency)
	}
	return ""
}
