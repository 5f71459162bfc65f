package billing

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
)

// Customer is the platform's end user.
type Customer struct {
	ID              string
	AccountID       string
	Mode            Mode
	ExternalID      string
	Name            string
	Email           string
	Metadata        map[string]string
	DefaultWalletID string
	// TestClockID is the test clock the customer lives on ("" for none).
	TestClockID string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CreateCustomerInput creates a customer; ExternalID is the platform's user id.
type CreateCustomerInput struct {
	ExternalID string
	Name       string
	Email      string
	Metadata   map[string]string
	// TestClock puts the customer on a test clock (test mode only): its
	// time is the clock's. Fixed at creation.
	TestClock string
}

// Page is one page of a keyset-paginated list, newest first.
type Page[T any] struct {
	Items      []T
	NextCursor string // pass as Cursor for the next page; empty when HasMore is false
	HasMore    bool
}

// ListCustomersInput filters and pages customers.
type ListCustomersInput struct {
	Limit         int
	Cursor        string
	Email         string
	CreatedAfter  time.Time
	CreatedBefore time.Time
}

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return defaultPageSize, nil
	case n < 0 || n > maxPageSize:
		return 0, kernel.Invalidf("limit", "limit must be between 1 and %d; got %d", maxPageSize, n)
	}
	return n, nil
}

func validateCustomerFields(name, email string, meta map[string]string) error {
	if len(name) > 200 {
		return kernel.Invalidf("name", "name is %d characters; the limit is 200", len(name))
	}
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return kernel.Invalidf("email", "email %q is not an email address such as ada@example.com", email)
		}
	}
	if len(meta) > 50 {
		return kernel.Invalidf("metadata", "metadata has %d keys; the limit is 50", len(meta))
	}
	for k, v := range meta {
		if k == "" || len(k) > 40 || len(v) > 500 {
			return kernel.Invalidf("metadata", "metadata keys must be 1-40 characters and values at most 500; %q breaks that", k)
		}
	}
	return nil
}

// CreateCustomer creates a customer with its default wallet. It is idempotent
// on ExternalID: when the customer exists it is returned with existed true
// and nothing changes.
func (s *Service) CreateCustomer(ctx context.Context, in CreateCustomerInput) (cus Customer, existed bool, err error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Customer{}, false, err
	}
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if in.ExternalID == "" {
		return Customer{}, false, kernel.Invalidf("external_id", "external_id is required: your own id for this user (1-200 characters), such as \"user_123\"")
	}
	if len(in.ExternalID) > 200 {
		return Customer{}, false, kernel.Invalidf("external_id", "external_id is %d characters long; it has at most 200", len(in.ExternalID))
	}
	if err := validateCustomerFields(in.Name, in.Email, in.Metadata); err != nil {
		return Customer{}, false, err
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		cus, existed, err = s.createCustomerTx(ctx, tx, c, in)
		return err
	})
	return cus, existed, err
}

func (s *core) createCustomerTx(ctx context.Context, tx txn, c Caller, in CreateCustomerInput) (Customer, bool, error) {
	now, err := s.newCustomerTime(ctx, tx, c, in.TestClock)
	if err != nil {
		return Customer{}, false, err
	}
	if in.Metadata == nil {
		in.Metadata = map[string]string{}
	}
	cus := Customer{ID: kernel.NewID(prefixCustomer, now), AccountID: c.AccountID, Mode: c.Mode, ExternalID: in.ExternalID,
		Name: in.Name, Email: in.Email, Metadata: in.Metadata, TestClockID: in.TestClock, CreatedAt: now, UpdatedAt: now}
	inserted, err := insertCustomer(ctx, tx, cus)
	if err != nil {
		return Customer{}, false, err
	}
	if !inserted {
		old, err := getCustomerByExternalID(ctx, tx, c, in.ExternalID)
		if err == nil && old.TestClockID != in.TestClock {
			return Customer{}, false, kernel.Errorf(kernel.EConflict, "customer %q exists on test clock %q, not %q; a customer's clock is fixed when it is created: use another external_id",
				in.ExternalID, old.TestClockID, in.TestClock)
		}
		return old, true, err
	}
	w := Wallet{ID: kernel.NewID(prefixWallet, now), AccountID: c.AccountID, Mode: c.Mode, CustomerID: cus.ID, Name: DefaultWalletName, IsDefault: true, CreatedAt: now}
	if _, err := insertWallet(ctx, tx, w); err != nil {
		return Customer{}, false, err
	}
	cus.DefaultWalletID = w.ID
	return cus, false, nil
}

// newCustomerTime is the creation time of a customer on clock ("" for none):
// the clock's time, which must be ready and the caller's (test mode only).
func (s *core) newCustomerTime(ctx context.Context, tx txn, c Caller, clock string) (time.Time, error) {
	if clock == "" {
		return s.clock(), nil
	}
	if c.Mode != ModeTest {
		return time.Time{}, kernel.Invalidf("test_clock", "test clocks exist only in test mode; create this customer without test_clock, or with a test key")
	}
	if _, err := queries.GetTestClock(ctx, tx, dbsqlc.GetTestClockParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: clock}); err != nil {
		if err = Translate(err); kernel.ErrorCode(err) == kernel.ENotFound {
			return time.Time{}, kernel.NotFoundf("test_clock", "test clock %q not found in this account's test mode; create one first", clock)
		}
		return time.Time{}, err
	}
	return s.clockTime(ctx, tx, clock, true)
}

// GetCustomer returns a customer by Tollgate id or external_id. Returns ENotFound.
func (s *Service) GetCustomer(ctx context.Context, ref string) (Customer, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Customer{}, err
	}
	return resolveCustomer(ctx, s.pool, c, ref)
}

func resolveCustomer(ctx context.Context, db DBTX, c Caller, ref string) (Customer, error) {
	if ref == "" {
		return Customer{}, kernel.Invalidf("customer", "customer is required: a Tollgate id (cus_…) or your external_id")
	}
	if strings.HasPrefix(ref, prefixCustomer+"_") {
		cus, err := getCustomerByID(ctx, db, c, ref)
		if kernel.ErrorCode(err) != kernel.ENotFound {
			return cus, err
		}
	}
	cus, err := getCustomerByExternalID(ctx, db, c, ref)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return cus, kernel.NotFoundf("customer", "customer %q not found by id or external_id in %s mode", ref, c.Mode).With(ActFindCustomer)
	}
	return cus, err
}

// UpdateCustomerInput changes the fields that are set.
type UpdateCustomerInput struct {
	Name     *string
	Email    *string
	Metadata map[string]string // replaces the metadata when non-nil
}

// UpdateCustomer changes a customer's name, email or metadata. Returns
// ENotFound, EInvalid.
func (s *Service) UpdateCustomer(ctx context.Context, ref string, in UpdateCustomerInput) (Customer, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Customer{}, err
	}
	var cus Customer
	err = s.tx(ctx, func(tx pgx.Tx) error {
		cus, err = resolveCustomer(ctx, tx, c, ref)
		if err != nil {
			return err
		}
		if in.Name != nil {
			cus.Name = *in.Name
		}
		if in.Email != nil {
			cus.Email = *in.Email
		}
		if in.Metadata != nil {
			cus.Metadata = in.Metadata
		}
		if err := validateCustomerFields(cus.Name, cus.Email, cus.Metadata); err != nil {
			return err
		}
		cus.UpdatedAt = s.clock()
		return updateCustomer(ctx, tx, cus)
	})
	return cus, err
}

// ListCustomers lists customers newest first.
func (s *Service) ListCustomers(ctx context.Context, in ListCustomersInput) (Page[Customer], error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Page[Customer]{}, err
	}
	n, err := pageSize(in.Limit)
	if err != nil {
		return Page[Customer]{}, err
	}
	items, err := listCustomers(ctx, s.pool, c, in, n+1)
	if err != nil {
		return Page[Customer]{}, err
	}
	return pageOf(items, n, func(x Customer) string { return x.ID }), nil
}

func pageOf[T any](items []T, n int, id func(T) string) Page[T] {
	p := Page[T]{Items: items}
	if len(items) > n {
		p.Items, p.HasMore = items[:n], true
		p.NextCursor = id(items[n-1])
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

func (c Customer) String() string { return fmt.Sprintf("%s (%s)", c.ID, c.ExternalID) }
