package billing

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// DefaultWalletName names the wallet every customer gets.
const DefaultWalletName = "default"

// Wallet holds a customer's balances, one per asset.
type Wallet struct {
	ID         string
	AccountID  string
	Mode       Mode
	CustomerID string
	Name       string
	IsDefault  bool
	CreatedAt  time.Time
	// TestClockID is the test clock its customer lives on ("" for none).
	TestClockID string
}

// LotPurpose says where a lot's value came from.
type LotPurpose string

// Lot purposes.
const (
	LotPaid      LotPurpose = "paid"      // bought: a top-up
	LotPromotion LotPurpose = "promotion" // given: a gift, a sign-up bonus
	LotBundled   LotPurpose = "bundled"   // included in a subscription
)

// Lot is one grant or purchase inside a balance. Debits burn lots in the
// order: lowest Priority first, then soonest expiry (no expiry last), then
// promotion before bundled before paid, then oldest.
type Lot struct {
	ID              string
	WalletID        string
	Asset           string
	Purpose         LotPurpose
	Amount          rating.Decimal
	Remaining       rating.Decimal
	Priority        int
	ExpiresAt       *time.Time
	ExpiredAt       *time.Time
	RevenueBasis    *rating.Decimal
	RevenueCurrency string
	Refunded        rating.Decimal
	TransactionID   string // the ledger transaction that created it
	CreatedAt       time.Time
}

// Balance is a wallet's position in one asset, as of At.
type Balance struct {
	Asset string
	// Precision is the asset's: how its amounts are shown (see FormatAmount).
	// Amounts themselves are exact at AccrualScale.
	Precision int32
	// Total is the value of unexpired lots minus debt (negative when overdrawn).
	Total rating.Decimal
	// Held is what active, unexpired authorizations reserve.
	Held rating.Decimal
	// Available is Total minus Held: what a new authorization may hold.
	Available   rating.Decimal
	Debt        rating.Decimal
	CreditLimit rating.Decimal
	Lots        []Lot // open lots in burn order
	At          time.Time
}

// WalletView is a wallet with its balances.
type WalletView struct {
	Wallet
	CustomerExternalID string
	Balances           []Balance
}

// CreateWalletInput names a further wallet for a customer.
type CreateWalletInput struct {
	Customer string // id or external_id
	Name     string
}

var walletNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// CreateWallet creates a further named wallet (a budget per project or team).
// It is idempotent on (customer, name): an existing wallet is returned with
// existed true.
func (s *Service) CreateWallet(ctx context.Context, in CreateWalletInput) (w Wallet, existed bool, err error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Wallet{}, false, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if !walletNameRE.MatchString(in.Name) {
		return Wallet{}, false, kernel.Invalidf("name", "wallet name %q is not valid: use 1-64 lower-case letters, digits, '.', '_' or '-', such as \"project-alpha\"", in.Name)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		cus, err := resolveCustomer(ctx, tx, c, in.Customer)
		if err != nil {
			return err
		}
		w = Wallet{ID: kernel.NewID(prefixWallet, s.clock()), AccountID: c.AccountID, Mode: c.Mode, CustomerID: cus.ID, Name: in.Name, CreatedAt: s.clock()}
		inserted, err := insertWallet(ctx, tx, w)
		if err != nil || inserted {
			return err
		}
		existed = true
		w, err = getWalletByName(ctx, tx, c, cus.ID, in.Name)
		return err
	})
	return w, existed, err
}

// ListWallets lists a customer's wallets, the default first.
func (s *Service) ListWallets(ctx context.Context, customer string) ([]Wallet, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return nil, err
	}
	return listWallets(ctx, s.pool, c, cus.ID)
}

// resolveWallet finds a wallet by id, or by customer plus wallet name (the
// default wallet when name is empty).
func resolveWallet(ctx context.Context, db DBTX, c Caller, customer, wallet string) (Wallet, error) {
	if strings.HasPrefix(wallet, prefixWallet+"_") {
		w, err := getWalletByID(ctx, db, c, wallet)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return w, kernel.NotFoundf("wallet", "wallet %q not found in %s mode", wallet, c.Mode)
		}
		if err == nil && customer != "" {
			cus, err := resolveCustomer(ctx, db, c, customer)
			if err != nil {
				return w, err
			}
			if cus.ID != w.CustomerID {
				return w, kernel.Invalidf("wallet", "wallet %s belongs to another customer than %q", wallet, customer)
			}
		}
		return w, err
	}
	cus, err := resolveCustomer(ctx, db, c, customer)
	if err != nil {
		return Wallet{}, err
	}
	name := wallet
	if name == "" {
		name = DefaultWalletName
	}
	w, err := getWalletByName(ctx, db, c, cus.ID, name)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return w, kernel.NotFoundf("wallet", "customer %s has no wallet named %q", cus.ExternalID, name).With(ActCreateWallet)
	}
	return w, err
}

// GetWallet returns a wallet's balances per asset (total, held, available,
// debt, credit limit and open lots), as of now.
func (s *Service) GetWallet(ctx context.Context, customer, wallet string) (WalletView, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return WalletView{}, err
	}
	var v WalletView
	err = s.tx(ctx, func(tx pgx.Tx) error {
		w, err := s.walletFor(ctx, tx, c, customer, wallet)
		if err != nil {
			return err
		}
		cus, err := getCustomerByID(ctx, tx, c, w.CustomerID)
		if err != nil {
			return err
		}
		v = WalletView{Wallet: w, CustomerExternalID: cus.ExternalID}
		now, err := s.timeOf(ctx, tx, w, false)
		if err != nil {
			return err
		}
		v.Balances, err = readBalances(ctx, tx, w.ID, now)
		return err
	})
	return v, err
}

// SetCreditLimitInput lets a wallet's balance in one asset go as low as -Limit
// through charges; authorizations never draw on it.
type SetCreditLimitInput struct {
	Customer string
	Wallet   string
	Asset    string
	Limit    rating.Decimal
}

// SetCreditLimit sets a wallet's credit limit in an asset. Returns EInvalid, ENotFound.
func (s *Service) SetCreditLimit(ctx context.Context, in SetCreditLimitInput) (Balance, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Balance{}, err
	}
	if err := rating.CheckAmount("credit_limit", in.Limit); err != nil {
		return Balance{}, err
	}
	if in.Limit.IsNegative() {
		return Balance{}, kernel.Invalidf("credit_limit", "credit_limit must be zero or more: how far below zero charges may take the balance")
	}
	var b Balance
	err = s.tx(ctx, func(tx pgx.Tx) error {
		w, err := s.walletFor(ctx, tx, c, in.Customer, in.Wallet)
		if err != nil {
			return err
		}
		asset, err := s.assetTx(ctx, tx, c, "asset", in.Asset)
		if err != nil {
			return err
		}
		now := s.clock()
		if _, err := s.lockBalance(ctx, tx, c, w.ID, asset, now); err != nil {
			return err
		}
		if err := setCreditLimit(ctx, tx, w.ID, asset.Code, in.Limit, now); err != nil {
			return err
		}
		bs, err := readBalances(ctx, tx, w.ID, now)
		for _, x := range bs {
			if x.Asset == asset.Code {
				b = x
			}
		}
		return err
	})
	return b, err
}
