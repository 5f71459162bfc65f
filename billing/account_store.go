package billing

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
)

func accountFromRow(r dbsqlc.Account) Account {
	return Account{ID: r.ID, Name: r.Name, ReportingCurrency: r.ReportingCurrency, IsDefault: r.IsDefault, CreatedAt: r.CreatedAt}
}

func getDefaultAccount(ctx context.Context, db DBTX) (Account, error) {
	r, err := queries.GetDefaultAccount(ctx, db)
	return accountFromRow(r), Translate(err)
}

// GetAccount returns an account by id. Returns ENotFound.
func (s *Accounts) GetAccount(ctx context.Context, id string) (Account, error) {
	r, err := queries.GetAccount(ctx, s.pool, id)
	return accountFromRow(r), Translate(err)
}

func insertAccount(ctx context.Context, db DBTX, a Account) (bool, error) {
	n, err := queries.InsertAccount(ctx, db, dbsqlc.InsertAccountParams{
		ID: a.ID, Name: a.Name, ReportingCurrency: a.ReportingCurrency, IsDefault: a.IsDefault, CreatedAt: a.CreatedAt})
	return n == 1, Translate(err)
}

func insertAPIKey(ctx context.Context, db DBTX, k APIKey, hash []byte) error {
	return Translate(queries.InsertAPIKey(ctx, db, dbsqlc.InsertAPIKeyParams{
		ID: k.ID, AccountID: k.AccountID, Mode: string(k.Mode), Scope: string(k.Scope), Name: k.Name, Prefix: k.Prefix, Hash: hash, CreatedAt: k.CreatedAt}))
}

// apiKeyFromRow maps the one row shape every key query returns (the generated
// row types of ListAPIKeys, RevokeAPIKey and GetActiveAPIKeyByHash have the
// same fields, so each converts to this one).
func apiKeyFromRow(r dbsqlc.ListAPIKeysRow) APIKey {
	k := APIKey{ID: r.ID, AccountID: r.AccountID, Mode: Mode(r.Mode), Scope: Scope(r.Scope), Name: r.Name,
		Prefix: r.Prefix, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
	if r.RateLimit != nil {
		k.RateLimit = *r.RateLimit
	}
	if r.HotRateLimit != nil {
		k.HotRateLimit = *r.HotRateLimit
	}
	return k
}

func listAPIKeys(ctx context.Context, db DBTX, accountID string) ([]APIKey, error) {
	rows, err := queries.ListAPIKeys(ctx, db, nullable(accountID))
	if err != nil {
		return nil, Translate(err)
	}
	keys := make([]APIKey, len(rows))
	for i, r := range rows {
		keys[i] = apiKeyFromRow(r)
	}
	return keys, nil
}

// revokeAPIKey revokes the key with this id, or the only key with this prefix;
// a prefix several keys share is EConflict and revokes nothing.
func revokeAPIKey(ctx context.Context, db DBTX, ref string, now time.Time) (APIKey, error) {
	n, err := queries.CountAPIKeysByRef(ctx, db, ref)
	if err != nil {
		return APIKey{}, Translate(err)
	}
	if n > 1 {
		return APIKey{}, kernel.Errorf(kernel.EConflict, "%d keys share the prefix %q; revoke by key id (`tollgate keys list` shows ids)", n, ref)
	}
	r, err := queries.RevokeAPIKey(ctx, db, dbsqlc.RevokeAPIKeyParams{Ref: ref, Now: now})
	k := apiKeyFromRow(dbsqlc.ListAPIKeysRow(r))
	if errors.Is(err, pgx.ErrNoRows) {
		return k, kernel.NotFoundf("key", "API key %q not found; `tollgate keys list` shows ids and prefixes", ref)
	}
	return k, Translate(err)
}

// authenticateKey finds an unrevoked key by hash and notes its use; the write
// happens at most once a minute per key so authentication stays a read.
func authenticateKey(ctx context.Context, db DBTX, hash []byte, now time.Time) (APIKey, error) {
	r, err := queries.GetActiveAPIKeyByHash(ctx, db, hash)
	k := apiKeyFromRow(dbsqlc.ListAPIKeysRow(r))
	if err != nil {
		return k, Translate(err)
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := queries.TouchAPIKey(ctx, db, dbsqlc.TouchAPIKeyParams{ID: k.ID, LastUsedAt: &now}); err != nil {
			return k, Translate(err)
		}
	}
	return k, nil
}
