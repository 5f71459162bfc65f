package billing

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
)

// customerFromRow maps the row every customer query returns (the generated
// row types of GetCustomerByID, GetCustomerByExternalID and ListCustomers
// have the same fields, so each converts to this one).
func customerFromRow(r dbsqlc.ListCustomersRow) (Customer, error) {
	x := Customer{ID: r.ID, AccountID: r.AccountID, Mode: Mode(r.Mode), ExternalID: r.ExternalID, Name: r.Name, Email: r.Email,
		DefaultWalletID: r.DefaultWalletID, TestClockID: r.TestClockID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal(r.Metadata, &x.Metadata); err != nil {
		return x, fmt.Errorf("customer %s metadata: %w", r.ID, err)
	}
	return x, nil
}

func insertCustomer(ctx context.Context, db DBTX, x Customer) (bool, error) {
	meta, err := json.Marshal(x.Metadata)
	if err != nil {
		return false, err
	}
	n, err := queries.InsertCustomer(ctx, db, dbsqlc.InsertCustomerParams{ID: x.ID, AccountID: x.AccountID, Mode: string(x.Mode),
		ExternalID: x.ExternalID, Name: x.Name, Email: x.Email, Metadata: meta, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt,
		TestClockID: nullable(x.TestClockID)})
	return n == 1, Translate(err)
}

func getCustomerByID(ctx context.Context, db DBTX, c Caller, id string) (Customer, error) {
	r, err := queries.GetCustomerByID(ctx, db, dbsqlc.GetCustomerByIDParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: id})
	if err != nil {
		return Customer{}, Translate(err)
	}
	return customerFromRow(dbsqlc.ListCustomersRow(r))
}

func getCustomerByExternalID(ctx context.Context, db DBTX, c Caller, ext string) (Customer, error) {
	r, err := queries.GetCustomerByExternalID(ctx, db, dbsqlc.GetCustomerByExternalIDParams{AccountID: c.AccountID, Mode: string(c.Mode), ExternalID: ext})
	if err != nil {
		return Customer{}, Translate(err)
	}
	return customerFromRow(dbsqlc.ListCustomersRow(r))
}

func updateCustomer(ctx context.Context, db DBTX, x Customer) error {
	meta, err := json.Marshal(x.Metadata)
	if err != nil {
		return err
	}
	return Translate(queries.UpdateCustomer(ctx, db, dbsqlc.UpdateCustomerParams{ID: x.ID, Name: x.Name, Email: x.Email,
		Metadata: meta, UpdatedAt: x.UpdatedAt}))
}

func listCustomers(ctx context.Context, db DBTX, c Caller, in ListCustomersInput, limit int) ([]Customer, error) {
	rows, err := queries.ListCustomers(ctx, db, dbsqlc.ListCustomersParams{AccountID: c.AccountID, Mode: string(c.Mode),
		Cursor: nullable(in.Cursor), Email: nullable(in.Email), CreatedAfter: nullTime(in.CreatedAfter), CreatedBefore: nullTime(in.CreatedBefore),
		Lim: int32(limit)})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Customer, len(rows))
	for i, r := range rows {
		if out[i], err = customerFromRow(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
