package billing

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Ledger accounts. A wallet account exists per wallet and asset; the others are
// the platform's side of every movement, written as append-only entries and
// totalled only when read, so no single row is hot.
const (
	LedgerWallet      = "wallet"      // a customer's wallet
	LedgerRevenue     = "revenue"     // usage and charges earned
	LedgerFunding     = "funding"     // money in (top-ups) and out (refunds)
	LedgerPromotions  = "promotions"  // gifts given away
	LedgerExpired     = "expired"     // value that expired unused
	LedgerCorrections = "corrections" // manual corrections
)

// posting is one ledger transaction being built: its entries sum to zero per asset.
type posting struct {
	id          string
	kind        string
	reference   string
	walletID    string
	description string
	entries     []entry
}

type entry struct {
	account string
	wallet  string // set for wallet entries
	lot     string // set for wallet entries that move a lot; empty moves debt
	asset   string
	amount  rating.Decimal
}

func (p *posting) add(e entry) {
	if !e.amount.IsZero() {
		p.entries = append(p.entries, e)
	}
}

// balanced checks the double-entry rule before anything is written.
func (p *posting) balanced() error {
	sums := map[string]rating.Decimal{}
	for _, e := range p.entries {
		sums[e.asset] = sums[e.asset].Add(e.amount)
	}
	for asset, s := range sums {
		if !s.IsZero() {
			return fmt.Errorf("posting %s (%s) is unbalanced by %s %s", p.id, p.kind, s, asset)
		}
	}
	return nil
}

// balanceState is one wallet balance, locked for the rest of the transaction,
// with the changes an operation makes to it; flush writes them.
type balanceState struct {
	c           Caller
	walletID    string
	asset       Asset
	now         time.Time
	posted      rating.Decimal
	debt        rating.Decimal
	creditLimit rating.Decimal
	held        rating.Decimal
	lots        []*Lot // open, unexpired lots in burn order
	touched     map[string]*Lot
	newLots     []*Lot
	postings    []*posting
	config      *balanceConfig // read with the lock; nil: not known
}

// balanceConfig says what a balance has configured, read when it is locked,
// so a debit skips the statements of what it has not: an auto top-up or
// alert thresholds configured while the debit is in flight apply from the
// next debit.
type balanceConfig struct {
	autoTopUp  bool // an enabled auto top-up
	thresholds bool // balance alert thresholds
}

// burnsBefore is the one definition of the burn order: lowest priority first,
// then soonest expiry (none last), then promotion, bundled, paid, then oldest.
func burnsBefore(a, b *Lot) bool {
	if a.Priority != b.Priority {
		return a.Priority < b.Priority
	}
	switch {
	case a.ExpiresAt != nil && b.ExpiresAt == nil:
		return true
	case a.ExpiresAt == nil && b.ExpiresAt != nil:
		return false
	case a.ExpiresAt != nil && !a.ExpiresAt.Equal(*b.ExpiresAt):
		return a.ExpiresAt.Before(*b.ExpiresAt)
	}
	if pa, pb := purposeRank[a.Purpose], purposeRank[b.Purpose]; pa != pb {
		return pa < pb
	}
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.ID < b.ID
}

var purposeRank = map[LotPurpose]int{LotPromotion: 0, LotBundled: 1, LotPaid: 2}

// lockBalance locks a wallet's balance in an asset (creating it at zero), writes
// the expiry of lots that are due, and loads what spending decisions need.
func (s *core) lockBalance(ctx context.Context, tx txn, c Caller, walletID string, asset Asset, now time.Time) (*balanceState, error) {
	batch := &pgx.Batch{}
	b := s.queueLockBalance(batch, c, walletID, asset, now)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return nil, Translate(err)
	}
	s.balanceLocked(tx, b)
	return b, nil
}

// queueLockBalance queues the lock of one balance on batch; once the batch
// is sent, balanceLocked makes it ready.
func (s *core) queueLockBalance(batch *pgx.Batch, c Caller, walletID string, asset Asset, now time.Time) *balanceState {
	b := &balanceState{c: c, walletID: walletID, asset: asset, now: now}
	queueLockBalances(batch, []*balanceState{b}, now, &s.cache.balances)
	return b
}

// balanceLocked prepares a balance whose lock tx has just read.
func (s *core) balanceLocked(tx txn, b *balanceState) {
	s.rememberBalances(tx, b)
	b.settle()
}

// rememberBalances marks the balances tx locked as known to exist once tx
// commits (see queueLockBalances): a balance row this transaction inserted
// exists only if it commits.
func (s *core) rememberBalances(tx txn, states ...*balanceState) {
	onCommit(tx, func() {
		for _, b := range states {
			s.cache.balances.Store(balanceKey{b.walletID, b.asset.Code}, struct{}{})
		}
	})
}

// settle prepares a freshly loaded balance: lots that are due expire (in the
// ledger, by this transaction) and the rest are put in burn order.
func (b *balanceState) settle() {
	loaded := b.lots
	b.lots = b.lots[:0:0]
	for _, l := range loaded {
		if l.ExpiresAt != nil && !l.ExpiresAt.After(b.now) {
			b.expire(l)
			continue
		}
		b.lots = append(b.lots, l)
	}
	sort.SliceStable(b.lots, func(i, j int) bool { return burnsBefore(b.lots[i], b.lots[j]) })
}

func (b *balanceState) lotsTotal() rating.Decimal {
	t := rating.Zero
	for _, l := range b.lots {
		t = t.Add(l.Remaining)
	}
	return t
}

// total is the value of unexpired lots minus debt.
func (b *balanceState) total() rating.Decimal { return b.lotsTotal().Sub(b.debt) }

// available is what a new authorization may hold: total minus holds.
func (b *balanceState) available() rating.Decimal { return b.total().Sub(b.held) }

func (b *balanceState) newPosting(kind, reference, description string) *posting {
	p := &posting{id: kernel.NewID(prefixTransaction, b.now), kind: kind, reference: reference, walletID: b.walletID, description: description}
	b.postings = append(b.postings, p)
	return p
}

func (b *balanceState) expire(l *Lot) {
	p := b.newPosting("expiry", l.ID, fmt.Sprintf("lot %s expired with %s %s unused", l.ID, l.Remaining, l.Asset))
	p.add(entry{account: LedgerWallet, wallet: b.walletID, lot: l.ID, asset: l.Asset, amount: l.Remaining.Neg()})
	p.add(entry{account: LedgerExpired, asset: l.Asset, amount: l.Remaining})
	b.posted = b.posted.Sub(l.Remaining)
	l.Remaining = rating.Zero
	now := b.now
	l.ExpiredAt = &now
	b.touched[l.ID] = l
}

// credit adds a lot of l.Amount, taken from the counter ledger account. Debt is
// repaid from it first.
func (b *balanceState) credit(p *posting, counter string, l *Lot) {
	l.ID, l.WalletID, l.Asset, l.Remaining, l.CreatedAt, l.TransactionID = kernel.NewID(prefixLot, b.now), b.walletID, b.asset.Code, l.Amount, b.now, p.id
	p.add(entry{account: counter, asset: l.Asset, amount: l.Amount.Neg()})
	p.add(entry{account: LedgerWallet, wallet: b.walletID, lot: l.ID, asset: l.Asset, amount: l.Amount})
	b.posted = b.posted.Add(l.Amount)
	if repay := decMin(b.debt, l.Amount); repay.IsPositive() {
		p.add(entry{account: LedgerWallet, wallet: b.walletID, lot: l.ID, asset: l.Asset, amount: repay.Neg()})
		p.add(entry{account: LedgerWallet, wallet: b.walletID, asset: l.Asset, amount: repay})
		l.Remaining = l.Remaining.Sub(repay)
		b.debt = b.debt.Sub(repay)
	}
	b.newLots = append(b.newLots, l)
	b.touched[l.ID] = l
	if l.Remaining.IsPositive() {
		b.lots = append(b.lots, l)
		sort.SliceStable(b.lots, func(i, j int) bool { return burnsBefore(b.lots[i], b.lots[j]) })
	}
}

// debit takes amount from the wallet into the counter ledger account, burning
// lots in order; what the lots cannot cover becomes debt. Callers decide
// beforehand whether debt is allowed.
func (b *balanceState) debit(p *posting, counter string, amount rating.Decimal) {
	if !amount.IsPositive() {
		return
	}
	p.add(entry{account: counter, asset: b.asset.Code, amount: amount})
	b.posted = b.posted.Sub(amount)
	rest := amount
	kept := b.lots[:0]
	for _, l := range b.lots {
		if rest.IsPositive() {
			take := decMin(rest, l.Remaining)
			p.add(entry{account: LedgerWallet, wallet: b.walletID, lot: l.ID, asset: l.Asset, amount: take.Neg()})
			l.Remaining = l.Remaining.Sub(take)
			rest = rest.Sub(take)
			b.touched[l.ID] = l
		}
		if l.Remaining.IsPositive() {
			kept = append(kept, l)
		}
	}
	b.lots = kept
	if rest.IsPositive() {
		p.add(entry{account: LedgerWallet, wallet: b.walletID, asset: b.asset.Code, amount: rest.Neg()})
		b.debt = b.debt.Add(rest)
	}
}

// flush writes the balance's postings, new and changed lots and the balance row
// in one round trip.
func (b *balanceState) flush(ctx context.Context, tx txn) error {
	if err := b.check(); err != nil {
		return err
	}
	batch := &pgx.Batch{}
	queueBalanceWrites(batch, b)
	return Translate(tx.SendBatch(ctx, batch).Close())
}

// check drops postings that moved nothing and enforces the double-entry rule
// on the rest before anything is written.
func (b *balanceState) check() error {
	kept := b.postings[:0]
	for _, p := range b.postings {
		if len(p.entries) > 0 { // a posting that moved nothing is not written
			kept = append(kept, p)
		}
	}
	b.postings = kept
	for _, p := range b.postings {
		if err := p.balanced(); err != nil {
			return err
		}
	}
	return nil
}

func decMin(a, b rating.Decimal) rating.Decimal {
	if a.LessThan(b) {
		return a
	}
	return b
}
