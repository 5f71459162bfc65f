package billing

import (
	"context"
	"time"

	"github.com/tollgatehq/tollgate/rating"
)

// Transaction is a ledger transaction as a wallet sees it.
type Transaction struct {
	ID          string
	Kind        string
	Reference   string
	WalletID    string
	Description string
	CreatedAt   time.Time
	// Amounts is the net change to the wallet per asset.
	Amounts map[string]rating.Decimal
	Entries []LedgerEntry
}

// LedgerEntry is one line of a transaction.
type LedgerEntry struct {
	LedgerAccount string
	WalletID      string
	LotID         string
	Asset         string
	Amount        rating.Decimal
}

// ListTransactionsInput filters a wallet's transactions.
type ListTransactionsInput struct {
	Customer string
	Wallet   string
	Kind     string
	From, To time.Time
	Limit    int
	Cursor   string
}

// ListTransactions lists a wallet's ledger transactions, newest first.
func (s *Service) ListTransactions(ctx context.Context, in ListTransactionsInput) (Page[Transaction], error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Page[Transaction]{}, err
	}
	n, err := pageSize(in.Limit)
	if err != nil {
		return Page[Transaction]{}, err
	}
	w, err := s.walletFor(ctx, s.pool, c, in.Customer, in.Wallet)
	if err != nil {
		return Page[Transaction]{}, err
	}
	items, err := listTransactions(ctx, s.pool, c, w.ID, in, n+1)
	if err != nil {
		return Page[Transaction]{}, err
	}
	return pageOf(items, n, func(t Transaction) string { return t.ID }), nil
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Transactions int
	Lots         int
	Balances     int
	Problems     []string
}

// Verify recomputes every wallet and lot balance from the ledger, across all
// accounts, and checks that every transaction sums to zero per asset and that
// no lot is negative or above its amount.
func (s *Service) Verify(ctx context.Context) (VerifyReport, error) {
	return verifyLedger(ctx, s.pool)
}
