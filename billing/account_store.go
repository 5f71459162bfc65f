package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

func getDefaultAccount(ctx context.Context, db dbtx) (Account, error) {
	var a Account
	err := db.QueryRow(ctx, `SELECT id, name, reporting_currency, is_default, created_at FROM accounts WHERE is_default`).
		Scan(&a.ID, &a.Name, &a.ReportingCurrency, &a.IsDefault, &a.CreatedAt)
	return a, translate(err)
}

// GetAccount returns an account by id. Returns ENotFound.
func (s *Service) GetAccount(ctx context.Context, id string) (Account, error) {
	var a Account
	err := s.pool.QueryRow(ctx, `SELECT id, name, reporting_currency, is_default, created_at FROM accounts WHERE id = $1`, id).
		Scan(&a.ID, &a.Name, &a.ReportingCurrency, &a.IsDefault, &a.CreatedAt)
	return a, translate(err)
}

func insertAccount(ctx context.Context, db dbtx, a Account) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO accounts (id, name, reporting_currency, is_default, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, a.ID, a.Name, a.ReportingCurrency, a.IsDefault, a.CreatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

func insertAPIKey(ctx context.Context, db dbtx, k APIKey, hash []byte) error {
	_, err := db.Exec(ctx, `INSERT INTO api_keys (id, account_id, mode, name, prefix, hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, k.AccountID, k.Mode, k.Name, k.Prefix, hash, k.CreatedAt)
	return translate(err)
}

const apiKeyColumns = `id, account_id, mode, name, prefix, created_at, last_used_at, revoked_at`

func scanAPIKey(row pgx.Row) (APIKey, error) {
	var k APIKey
	err := row.Scan(&k.ID, &k.AccountID, &k.Mode, &k.Name, &k.Prefix, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
	return k, err
}

func listAPIKeys(ctx context.Context, db dbtx, accountID string) ([]APIKey, error) {
	rows, err := db.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE ($1 = '' OR account_id = $1) ORDER BY id`, accountID)
	if err != nil {
		return nil, translate(err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) { return scanAPIKey(r) })
	return keys, translate(err)
}

// revokeAPIKey revokes the key with this id, or the only key with this prefix;
// a prefix several keys share is EConflict and revokes nothing.
func revokeAPIKey(ctx context.Context, db dbtx, ref string, now time.Time) (APIKey, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE id = $1 OR prefix = $1`, ref).Scan(&n); err != nil {
		return APIKey{}, translate(err)
	}
	if n > 1 {
		return APIKey{}, Errorf(EConflict, "%d keys share the prefix %q; revoke by key id (`tollgate keys list` shows ids)", n, ref)
	}
	k, err := scanAPIKey(db.QueryRow(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2)
		WHERE id = $1 OR prefix = $1 RETURNING `+apiKeyColumns, ref, now))
	if err == pgx.ErrNoRows {
		return k, NotFoundf("key", "API key %q not found; `tollgate keys list` shows ids and prefixes", ref)
	}
	return k, translate(err)
}

// authenticateKey finds an unrevoked key by hash and notes its use; the write
// happens at most once a minute per key so authentication stays a read.
func authenticateKey(ctx context.Context, db dbtx, hash []byte, now time.Time) (APIKey, error) {
	k, err := scanAPIKey(db.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`, hash))
	if err != nil {
		return k, translate(err)
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if _, err := db.Exec(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, k.ID, now); err != nil {
			return k, translate(err)
		}
	}
	return k, nil
}
