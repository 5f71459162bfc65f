package billing

import (
	"context"

	"github.com/jackc/pgx/v5"
)

const customerColumns = `c.id, c.account_id, c.mode, c.external_id, c.name, c.email, c.metadata, c.created_at, c.updated_at,
	(SELECT w.id FROM wallets w WHERE w.customer_id = c.id AND w.is_default)`

func scanCustomer(row pgx.Row) (Customer, error) {
	var x Customer
	var wallet *string
	err := row.Scan(&x.ID, &x.AccountID, &x.Mode, &x.ExternalID, &x.Name, &x.Email, &x.Metadata, &x.CreatedAt, &x.UpdatedAt, &wallet)
	if wallet != nil {
		x.DefaultWalletID = *wallet
	}
	return x, translate(err)
}

func insertCustomer(ctx context.Context, db dbtx, x Customer) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO customers (id, account_id, mode, external_id, name, email, metadata, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (account_id, mode, external_id) DO NOTHING`,
		x.ID, x.AccountID, x.Mode, x.ExternalID, x.Name, x.Email, x.Metadata, x.CreatedAt, x.UpdatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

func getCustomerByID(ctx context.Context, db dbtx, c Caller, id string) (Customer, error) {
	return scanCustomer(db.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers c
		WHERE c.account_id = $1 AND c.mode = $2 AND c.id = $3`, c.AccountID, c.Mode, id))
}

func getCustomerByExternalID(ctx context.Context, db dbtx, c Caller, ext string) (Customer, error) {
	return scanCustomer(db.QueryRow(ctx, `SELECT `+customerColumns+` FROM customers c
		WHERE c.account_id = $1 AND c.mode = $2 AND c.external_id = $3`, c.AccountID, c.Mode, ext))
}

func updateCustomer(ctx context.Context, db dbtx, x Customer) error {
	_, err := db.Exec(ctx, `UPDATE customers SET name = $2, email = $3, metadata = $4, updated_at = $5 WHERE id = $1`,
		x.ID, x.Name, x.Email, x.Metadata, x.UpdatedAt)
	return translate(err)
}

func listCustomers(ctx context.Context, db dbtx, c Caller, in ListCustomersInput, limit int) ([]Customer, error) {
	rows, err := db.Query(ctx, `SELECT `+customerColumns+` FROM customers c
		WHERE c.account_id = $1 AND c.mode = $2
		  AND ($3 = '' OR c.id < $3)
		  AND ($4 = '' OR c.email = $4)
		  AND ($5::timestamptz IS NULL OR c.created_at >= $5)
		  AND ($6::timestamptz IS NULL OR c.created_at < $6)
		ORDER BY c.id DESC LIMIT $7`,
		c.AccountID, c.Mode, in.Cursor, in.Email, nullTime(in.CreatedAfter), nullTime(in.CreatedBefore), limit)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) { return scanCustomer(r) })
	return out, translate(err)
}
