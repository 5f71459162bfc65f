package billing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// AdjustmentKind is what a manual movement does.
type AdjustmentKind string

// Adjustment kinds.
const (
	AdjustGift       AdjustmentKind = "gift"       // a promotion lot, optionally expiring
	AdjustTopUp      AdjustmentKind = "top_up"     // a paid lot, recorded from an external payment
	AdjustCharge     AdjustmentKind = "charge"     // a debit, within available balance plus credit limit
	AdjustRefund     AdjustmentKind = "refund"     // returns value of a paid lot, never more than it holds
	AdjustCorrection AdjustmentKind = "correction" // a signed fix: positive credits a lot, negative debits
)

// CreateAdjustmentInput is a manual credit or debit. TransactionID is the
// client's idempotency id: a replay returns the original adjustment; the same
// id with another payload is EConflict.
type CreateAdjustmentInput struct {
	TransactionID string
	Kind          AdjustmentKind
	Customer      string // id or external_id
	Wallet        string // wallet id or name; empty: the default wallet
	Asset         string
	Amount        rating.Decimal // positive; a correction may be negative
	Reason        string
	// Credits (gift, top_up, positive correction):
	ExpiresAt *time.Time
	Priority  int
	Purpose   LotPurpose // correction credits only; default promotion
	// top_up: what the customer paid, the lot's revenue basis. Defaults to the
	// amount itself when the asset is a currency.
	PaidAmount   *rating.Decimal
	PaidCurrency string
	// refund: the paid lot to refund; empty refunds paid lots newest first.
	LotID string
}

// Adjustment is a recorded manual movement.
type Adjustment struct {
	ID            string
	TransactionID string
	Kind          AdjustmentKind
	WalletID      string
	CustomerID    string
	Asset         string
	Amount        rating.Decimal
	Reason        string
	LotID         string
	LedgerTxnID   string
	CreatedAt     time.Time
	Replayed      bool    // true when this call replayed an earlier one
	Balance       Balance // the wallet's balance in Asset right after (or now, on a replay)
}

// CreateAdjustment applies a gift, top-up, charge, refund or correction.
// Returns EInvalid, ENotFound, EConflict, EInsufficientFunds.
func (s *Service) CreateAdjustment(ctx context.Context, in CreateAdjustmentInput) (Adjustment, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Adjustment{}, err
	}
	if err := validateAdjustment(in); err != nil {
		return Adjustment{}, err
	}
	var adj Adjustment
	var precision int32
	err = s.tx(ctx, func(tx pgx.Tx) error {
		w, err := s.walletFor(ctx, tx, c, in.Customer, in.Wallet)
		if err != nil {
			return err
		}
		asset, err := s.assetTx(ctx, tx, c, "asset", in.Asset)
		if err != nil {
			return err
		}
		precision = asset.Precision
		if movesMoney(in.Kind, asset) {
			if err := rating.CheckWholeUnits("amount", in.Amount, asset.Code, asset.Precision); err != nil {
				return err
			}
		}
		now, err := s.timeOf(ctx, tx, w, true)
		if err != nil {
			return err
		}
		adj = Adjustment{ID: kernel.NewID(prefixAdjustment, now), TransactionID: in.TransactionID, Kind: in.Kind, WalletID: w.ID, CustomerID: w.CustomerID,
			Asset: asset.Code, Amount: in.Amount, Reason: in.Reason, LedgerTxnID: kernel.NewID(prefixTransaction, now), CreatedAt: now}
		hash := adjustmentHash(in, w.ID)
		inserted, err := insertAdjustment(ctx, tx, c, adj, hash)
		if err != nil {
			return err
		}
		if !inserted {
			old, oldHash, err := getAdjustment(ctx, tx, c, in.TransactionID)
			if err != nil {
				return err
			}
			if string(oldHash) != string(hash) {
				return kernel.Errorf(kernel.EConflict, "transaction_id %q was already used for a different adjustment (%s %s %s); use a new transaction_id for a new adjustment", in.TransactionID, old.Kind, old.Amount, old.Asset)
			}
			adj = old
			adj.Replayed = true
			return nil
		}
		b, err := s.lockBalance(ctx, tx, c, w.ID, asset, now)
		if err != nil {
			return err
		}
		if adj.LotID, err = s.applyAdjustment(ctx, tx, b, in, adj); err != nil {
			return err
		}
		if adj.LotID != "" {
			if err := setAdjustmentLot(ctx, tx, adj.ID, adj.LotID); err != nil {
				return err
			}
		}
		if err := b.check(); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		queueBalanceWrites(batch, b)
		debit := in.Kind == AdjustCharge || (in.Kind == AdjustCorrection && in.Amount.IsNegative())
		if debit {
			s.queueAutoTopUpTriggers(tx, batch, now, b)
		}
		credit := in.Kind == AdjustGift || in.Kind == AdjustTopUp || (in.Kind == AdjustCorrection && in.Amount.IsPositive())
		s.queueBalanceAlerts(batch, now, credit, b)
		return Translate(tx.SendBatch(ctx, batch).Close())
	})
	if err != nil {
		return Adjustment{}, err
	}
	if !adj.Replayed && (in.Kind == AdjustTopUp || in.Kind == AdjustGift || (in.Kind == AdjustCorrection && in.Amount.IsPositive())) {
		s.settleOwing(ctx, adj.WalletID)
	}
	view, err := s.GetWallet(ctx, "", adj.WalletID)
	if err != nil {
		return Adjustment{}, err
	}
	adj.Balance = Balance{Asset: adj.Asset, Precision: precision, Total: rating.Zero, Held: rating.Zero, Available: rating.Zero, Debt: rating.Zero, CreditLimit: rating.Zero, Lots: []Lot{}}
	for _, b := range view.Balances {
		if b.Asset == adj.Asset {
			adj.Balance = b
		}
	}
	return adj, nil
}

// movesMoney reports whether an adjustment stands for money crossing the
// boundary: a top-up paid in a currency, or a refund. Those move whole units
// of the asset's precision; every other adjustment is kept exact at
// AccrualScale.
func movesMoney(kind AdjustmentKind, asset Asset) bool {
	return kind == AdjustRefund || (kind == AdjustTopUp && asset.Kind == AssetCurrency)
}

func validateAdjustment(in CreateAdjustmentInput) error {
	if strings.TrimSpace(in.TransactionID) == "" || len(in.TransactionID) > 200 {
		return kernel.Invalidf("transaction_id", "transaction_id is required: a unique id you choose for this adjustment (1-200 characters), so a retry never applies it twice")
	}
	if err := rating.CheckAmount("amount", in.Amount); err != nil {
		return err
	}
	if in.PaidAmount != nil {
		if err := rating.CheckAmount("paid_amount", *in.PaidAmount); err != nil {
			return err
		}
	}
	switch in.Kind {
	case AdjustGift, AdjustTopUp, AdjustCharge, AdjustRefund:
		if !in.Amount.IsPositive() {
			return kernel.Invalidf("amount", "amount must be above zero for a %s; got %s", in.Kind, in.Amount)
		}
	case AdjustCorrection:
		if in.Amount.IsZero() {
			return kernel.Invalidf("amount", "a correction's amount must not be zero: positive credits the wallet, negative debits it")
		}
	default:
		return kernel.Invalidf("kind", "kind must be one of gift, top_up, charge, refund, correction; got %q", in.Kind)
	}
	if in.Purpose != "" && in.Purpose != LotPromotion && in.Purpose != LotBundled && in.Purpose != LotPaid {
		return kernel.Invalidf("purpose", "purpose must be promotion, bundled or paid; got %q", in.Purpose)
	}
	return nil
}

func (s *core) applyAdjustment(ctx context.Context, tx txn, b *balanceState, in CreateAdjustmentInput, adj Adjustment) (lotID string, err error) {
	p := &posting{id: adj.LedgerTxnID, kind: string(in.Kind), reference: adj.ID, walletID: b.walletID, description: in.Reason}
	b.postings = append(b.postings, p)
	if in.ExpiresAt != nil && !in.ExpiresAt.After(b.now) {
		return "", kernel.Invalidf("expires_at", "expires_at %s is not in the future", in.ExpiresAt.Format(time.RFC3339))
	}
	switch {
	case in.Kind == AdjustGift:
		l := &Lot{Purpose: LotPromotion, Amount: in.Amount, Priority: in.Priority, ExpiresAt: in.ExpiresAt}
		b.credit(p, LedgerPromotions, l)
		return l.ID, nil
	case in.Kind == AdjustTopUp:
		l := &Lot{Purpose: LotPaid, Amount: in.Amount, Priority: in.Priority, ExpiresAt: in.ExpiresAt}
		if err := s.revenueBasis(ctx, tx, b, in, l); err != nil {
			return "", err
		}
		b.credit(p, LedgerFunding, l)
		return l.ID, nil
	case in.Kind == AdjustCorrection && in.Amount.IsPositive():
		purpose := in.Purpose
		if purpose == "" {
			purpose = LotPromotion
		}
		l := &Lot{Purpose: purpose, Amount: in.Amount, Priority: in.Priority, ExpiresAt: in.ExpiresAt}
		if purpose == LotPaid {
			zero := rating.Zero
			l.RevenueBasis, l.RevenueCurrency = &zero, b.asset.Code
		}
		b.credit(p, LedgerCorrections, l)
		return l.ID, nil
	case in.Kind == AdjustCharge || in.Kind == AdjustCorrection:
		amount := in.Amount.Abs()
		if room := b.available().Add(b.creditLimit); amount.GreaterThan(room) {
			return "", &kernel.Error{Code: kernel.EInsufficientFunds, Field: "amount", Message: fmt.Sprintf(
				"insufficient funds: the %s needs %s %s but %s %s is available (credit limit %s); top up the wallet or raise its credit limit",
				in.Kind, amount, b.asset.Code, b.available(), b.asset.Code, b.creditLimit)}
		}
		counter := LedgerRevenue
		if in.Kind == AdjustCorrection {
			counter = LedgerCorrections
		}
		b.debit(p, counter, amount)
		return "", nil
	default: // refund
		return s.refund(ctx, tx, b, p, in)
	}
}

// refund returns value from paid lots: the named lot, else paid lots newest
// first. It never takes more than a lot holds nor more than is available
// (value reserved by holds stays reserved).
func (s *core) refund(ctx context.Context, tx txn, b *balanceState, p *posting, in CreateAdjustmentInput) (string, error) {
	var targets []*Lot
	for i := len(b.lots) - 1; i >= 0; i-- {
		l := b.lots[i]
		if l.Purpose == LotPaid && (in.LotID == "" || l.ID == in.LotID) {
			targets = append(targets, l)
		}
	}
	if in.LotID != "" && len(targets) == 0 {
		if _, err := getLot(ctx, tx, b.walletID, in.LotID); err != nil {
			return "", kernel.NotFoundf("lot_id", "lot %s not found in this wallet", in.LotID).With(ActFindLot)
		}
		return "", kernel.Invalidf("lot_id", "lot %s cannot be refunded: only paid lots with value left (not expired) can", in.LotID).With(ActFindLot)
	}
	refundable := rating.Zero
	for _, l := range targets {
		refundable = refundable.Add(l.Remaining)
	}
	if in.Amount.GreaterThan(refundable) {
		whole, rest := rating.WholeUnits(refundable, b.asset.Precision)
		fmtA := func(d rating.Decimal) string { return rating.FormatAmount(d, b.asset.Precision) }
		if rest.IsZero() {
			return "", kernel.Invalidf("amount", "refund of %s %s exceeds what the paid lot(s) hold (%s %s); refund at most that", fmtA(in.Amount), b.asset.Code, fmtA(refundable), b.asset.Code)
		}
		return "", kernel.Invalidf("amount", "refund of %s %s exceeds what the paid lot(s) hold (%s %s); a refund moves whole units, so refund at most %s %s; the remaining %s %s stays in the wallet, spendable",
			fmtA(in.Amount), b.asset.Code, fmtA(refundable), b.asset.Code, fmtA(whole), b.asset.Code, fmtA(rest), b.asset.Code)
	}
	if in.Amount.GreaterThan(b.available()) {
		return "", &kernel.Error{Code: kernel.EInsufficientFunds, Field: "amount", Message: fmt.Sprintf(
			"refund of %s %s exceeds the available balance (%s %s); void open authorizations first", in.Amount, b.asset.Code, b.available(), b.asset.Code)}
	}
	p.add(entry{account: LedgerFunding, asset: b.asset.Code, amount: in.Amount})
	b.posted = b.posted.Sub(in.Amount)
	rest := in.Amount
	for _, l := range targets {
		take := decMin(rest, l.Remaining)
		if !take.IsPositive() {
			continue
		}
		p.add(entry{account: LedgerWallet, wallet: b.walletID, lot: l.ID, asset: l.Asset, amount: take.Neg()})
		l.Remaining, l.Refunded = l.Remaining.Sub(take), l.Refunded.Add(take)
		b.touched[l.ID] = l
		rest = rest.Sub(take)
	}
	kept := b.lots[:0]
	for _, l := range b.lots {
		if l.Remaining.IsPositive() {
			kept = append(kept, l)
		}
	}
	b.lots = kept
	return in.LotID, nil
}

// revenueBasis sets what was paid for a top-up lot: the given paid amount, or
// the amount itself for a currency asset.
func (s *core) revenueBasis(ctx context.Context, tx txn, b *balanceState, in CreateAdjustmentInput, l *Lot) error {
	switch {
	case in.PaidAmount != nil:
		if in.PaidAmount.IsNegative() {
			return kernel.Invalidf("paid_amount", "paid_amount must not be negative")
		}
		if in.PaidCurrency == "" {
			return kernel.Invalidf("paid_currency", "paid_currency is required with paid_amount, such as \"USD\"")
		}
		cur, err := s.assetTx(ctx, tx, b.c, "paid_currency", in.PaidCurrency)
		if err != nil {
			return err
		}
		if err := rating.CheckWholeUnits("paid_amount", *in.PaidAmount, cur.Code, cur.Precision); err != nil {
			return err
		}
		basis := *in.PaidAmount
		l.RevenueBasis, l.RevenueCurrency = &basis, cur.Code
	case b.asset.Kind == AssetCurrency:
		basis := in.Amount
		l.RevenueBasis, l.RevenueCurrency = &basis, b.asset.Code
	default:
		return kernel.Invalidf("paid_amount", "a top_up of %s needs paid_amount and paid_currency: what the customer paid for these %s (the revenue they stand for)", b.asset.Code, b.asset.Code)
	}
	return nil
}

// adjustmentHash fingerprints an adjustment's payload for idempotency; decimals
// are normalised so "10" and "10.00" are the same payload. The reason is
// quoted, as it always was: free text carries its own delimiters.
func adjustmentHash(in CreateAdjustmentInput, walletID string) []byte {
	var exp, paid string
	if in.ExpiresAt != nil {
		exp = in.ExpiresAt.UTC().Format(time.RFC3339Nano)
	}
	if in.PaidAmount != nil {
		paid = in.PaidAmount.String()
	}
	return kernel.Fingerprint('|', string(in.Kind), walletID, in.Asset, in.Amount.String(), strconv.Quote(in.Reason), exp,
		strconv.Itoa(in.Priority), string(in.Purpose), paid, in.PaidCurrency, in.LotID)
}
