package billing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

// HandlePaymentWebhook verifies and applies one inbound provider webhook.
// For Stripe, account and mode name the connection whose signing secret
// verifies it (the endpoint's URL carries them); the test provider's events
// name their account and mode in their metadata and come with account "".
// Delivered any number of times, concurrently, late or out of order, an
// event is applied once: a top-up is credited once, and a succeeded top-up
// never goes back. Returns EInvalid (a wrong or stale signature, an event of
// another account), ENotFound.
func (s *Payments) HandlePaymentWebhook(ctx context.Context, provider, account string, mode Mode, payload []byte, h payments.Header) error {
	var prov payments.Provider
	switch {
	case provider == payments.ProviderTest && s.opts.TestPayments != nil:
		prov = s.opts.TestPayments
	case provider == payments.ProviderStripe:
		var err error
		if prov, err = s.providerFor(ctx, s.pool, Caller{AccountID: account, Mode: mode}); err != nil {
			return err
		}
		if prov.Name() != payments.ProviderStripe {
			return kernel.NotFoundf("account", "account %s has no Stripe connection in %s mode", account, mode).With(ActConnectPayments)
		}
	default:
		return kernel.NotFoundf("provider", "no payment provider %q takes webhooks here", provider)
	}
	ev, err := prov.ParseWebhook(payload, h, s.clock())
	if err != nil {
		return err
	}
	if account != "" && (ev.Account != "" && ev.Account != account || ev.Mode != "" && ev.Mode != string(mode)) {
		return kernel.Invalidf("account", "the event is for another account or mode than the endpoint it was sent to")
	}
	return s.applyPaymentEvent(ctx, prov.Name(), ev)
}

// applyPaymentEvent applies a verified event in one transaction, recording
// its id so a second delivery changes nothing.
func (s *core) applyPaymentEvent(ctx context.Context, provider string, ev payments.Event) error {
	if ev.Type == payments.EventIgnored || ev.TopUpID == "" || ev.Account == "" {
		return nil
	}
	c := Caller{AccountID: ev.Account, Mode: Mode(ev.Mode)}
	defer s.settleTopUp(ctx, c, ev.TopUpID)
	return s.tx(ctx, func(tx pgx.Tx) error {
		n, err := queries.InsertPaymentEvent(ctx, TranslateErrors(tx), dbsqlc.InsertPaymentEventParams{Provider: provider, ID: ev.ID,
			Type: ev.Type, ReceivedAt: s.clock()})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil // delivered before
		}
		return s.applyOutcome(ctx, tx, c, outcomeOf(ev))
	})
}

// outcome is what a provider said of a top-up's payment, from a webhook or
// from an off-session charge's answer: both apply through applyOutcome.
type outcome struct {
	topUpID, status   string // a TopUp… status, or "" for nothing to do
	paymentID, method string
	paidMinor         int64
	code, message     string
	actionURL         string
}

func outcomeOf(ev payments.Event) outcome {
	o := outcome{topUpID: ev.TopUpID, paymentID: ev.PaymentID, method: ev.PaymentMethodID, paidMinor: ev.Amount.Minor,
		code: ev.FailureCode, message: ev.FailureMessage, actionURL: ev.ActionURL}
	if ev.DeclineCode != "" {
		o.code = ev.FailureCode + ":" + ev.DeclineCode
	}
	switch ev.Type {
	case payments.EventCheckoutCompleted, payments.EventPaymentSucceeded:
		o.status = TopUpSucceeded
	case payments.EventPaymentFailed:
		o.status = TopUpFailed
	case payments.EventPaymentRequiresAction:
		o.status = TopUpRequiresAction
	case payments.EventCheckoutExpired:
		o.status = TopUpExpired
	}
	return o
}

// applyOutcome moves a top-up to o's status under its row lock: a success
// credits the wallet exactly once; nothing leaves succeeded; a failure of
// an auto top-up backs off or disables it.
func (s *core) applyOutcome(ctx context.Context, tx pgx.Tx, c Caller, o outcome) error {
	t, err := getTopUp(ctx, tx, c, o.topUpID, true)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil // not ours (or a charge whose top-up rolled back)
	}
	if err != nil {
		return err
	}
	if o.method != "" && o.status == TopUpSucceeded { // the card that paid, saved for auto top-up
		if _, err := tx.Exec(ctx, `UPDATE provider_customers SET payment_method_id = $3, updated_at = $4
			WHERE customer_id = $1 AND provider = $2`, t.CustomerID, t.Provider, o.method, s.clock()); err != nil {
			return Translate(err)
		}
	}
	// Succeeded, expired and canceled are final. A failed checkout stays
	// open (the customer may try another card), so failed may still succeed.
	final := t.Status == TopUpSucceeded || t.Status == TopUpExpired || t.Status == TopUpCanceled
	if o.status == "" || final || o.status == t.Status || (t.Auto && t.Status == TopUpFailed) {
		return nil
	}
	batch := &pgx.Batch{}
	switch o.status {
	case TopUpSucceeded:
		if o.paidMinor != 0 && o.paidMinor != t.paidMinor() {
			s.log.Error("payment amount differs from its top-up; not credited", "top_up", t.ID, "paid_minor", o.paidMinor, "want", t.paidMinor())
			return nil
		}
		if err := s.creditTopUp(ctx, tx, c, &t, o.paymentID); err != nil {
			return err
		}
		queueOutbox(batch, c, "top_up.succeeded", map[string]any{"top_up_id": t.ID, "customer_id": t.CustomerID, "wallet_id": t.WalletID,
			"asset": t.Asset, "credit": canonicalDecimal(t.Credit), "paid": rating.FormatAmount(t.Paid, t.PaidPrecision), "currency": t.Currency}, s.clock())
		if t.Auto {
			batch.Queue(`UPDATE auto_top_ups SET failures = 0, retry_after = NULL WHERE wallet_id = $1 AND asset = $2`, t.WalletID, t.Asset)
		}
	case TopUpFailed, TopUpRequiresAction, TopUpExpired:
		batch.Queue(`UPDATE top_ups SET status = $2, failure_code = $3, failure_message = $4, action_url = $5,
			payment_id = coalesce(payment_id, nullif($6, '')), updated_at = $7 WHERE id = $1`,
			t.ID, o.status, o.code, o.message, o.actionURL, o.paymentID, s.clock())
		if o.status != TopUpExpired {
			queueOutbox(batch, c, "top_up."+o.status, map[string]any{"top_up_id": t.ID, "customer_id": t.CustomerID,
				"code": o.code, "message": o.message, "action_url": o.actionURL}, s.clock())
		}
		if t.Auto && o.status == TopUpFailed {
			// The retry is due by the customer's time (its test clock's).
			now, err := s.customerTime(ctx, tx, c, t.CustomerID, false)
			if err != nil {
				return err
			}
			s.queueAutoTopUpFailure(batch, c, t, o, now)
		}
	}
	return Translate(tx.SendBatch(ctx, batch).Close())
}

// creditTopUp credits a top-up's wallet with a paid lot whose revenue basis
// is what was paid, and marks it succeeded.
func (s *core) creditTopUp(ctx context.Context, tx pgx.Tx, c Caller, t *TopUp, paymentID string) error {
	now, err := s.customerTime(ctx, tx, c, t.CustomerID, false)
	if err != nil {
		return err
	}
	asset, err := s.assetTx(ctx, tx, c, "asset", t.Asset)
	if err != nil {
		return err
	}
	b, err := s.lockBalance(ctx, tx, c, t.WalletID, asset, now)
	if err != nil {
		return err
	}
	p := b.newPosting("top_up", t.ID, fmt.Sprintf("top-up %s: %s %s paid", t.ID, rating.FormatAmount(t.Paid, t.PaidPrecision), t.Currency))
	basis := t.Paid
	l := &Lot{Purpose: LotPaid, Amount: t.Credit, RevenueBasis: &basis, RevenueCurrency: t.Currency}
	b.credit(p, LedgerFunding, l)
	if err := b.check(); err != nil {
		return err
	}
	batch := &pgx.Batch{}
	queueBalanceWrites(batch, b)
	s.queueBalanceAlerts(batch, now, true, b)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Translate(err)
	}
	t.Status, t.LotID, t.PaymentID = TopUpSucceeded, l.ID, paymentID
	return queries.SucceedTopUp(ctx, TranslateErrors(tx), dbsqlc.SucceedTopUpParams{ID: t.ID, LotID: l.ID, PaymentID: paymentID, UpdatedAt: now})
}

// settleTopUp lets the plans a top-up's wallet owes for pay, once its
// credit has committed.
func (s *core) settleTopUp(ctx context.Context, c Caller, id string) {
	if t, err := getTopUp(ctx, s.pool, c, id, false); err == nil && t.Status == TopUpSucceeded {
		s.settleOwing(ctx, t.WalletID)
	}
}
