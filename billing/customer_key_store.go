package billing

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/rating"
)

// customerKeyFromRow maps the one row shape every customer key query returns.
func customerKeyFromRow(r dbsqlc.ListCustomerKeysRow) CustomerKey {
	k := CustomerKey{ID: r.ID, AccountID: r.AccountID, Mode: Mode(r.Mode), CustomerID: r.CustomerID, Name: r.Name, Prefix: r.Prefix,
		DailyCap: r.DailyCap, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
	if r.RateLimit != nil {
		k.RateLimit = *r.RateLimit
	}
	if r.DailyCapAsset != nil {
		k.DailyCapAsset = *r.DailyCapAsset
	}
	return k
}

// insertCustomerKey stores a new key: the hash of its secret, and the
// caller's idempotency key ("": none) with the request's hash.
func insertCustomerKey(ctx context.Context, db DBTX, k CustomerKey, hash []byte, idempotencyKey string, requestHash []byte) error {
	var rate *int32
	if k.RateLimit > 0 {
		rate = &k.RateLimit
	}
	return Translate(queries.InsertCustomerKey(ctx, db, dbsqlc.InsertCustomerKeyParams{
		ID: k.ID, AccountID: k.AccountID, Mode: string(k.Mode), CustomerID: k.CustomerID, Name: k.Name, Prefix: k.Prefix, Hash: hash,
		RateLimit: rate, DailyCap: k.DailyCap, DailyCapAsset: nullable(k.DailyCapAsset), CreatedAt: k.CreatedAt,
		IdempotencyKey: nullable(idempotencyKey), RequestHash: requestHash}))
}

func listCustomerKeys(ctx context.Context, db DBTX, c Caller, customerID string) ([]CustomerKey, error) {
	rows, err := queries.ListCustomerKeys(ctx, db, dbsqlc.ListCustomerKeysParams{AccountID: c.AccountID, Mode: string(c.Mode), CustomerID: customerID})
	if err != nil {
		return nil, Translate(err)
	}
	keys := make([]CustomerKey, len(rows))
	for i, r := range rows {
		keys[i] = customerKeyFromRow(r)
	}
	return keys, nil
}

func revokeCustomerKey(ctx context.Context, db DBTX, c Caller, id string, now time.Time) (CustomerKey, error) {
	r, err := queries.RevokeCustomerKey(ctx, db, dbsqlc.RevokeCustomerKeyParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: id, Now: now})
	return customerKeyFromRow(dbsqlc.ListCustomerKeysRow(r)), Translate(err)
}

// authenticateCustomerKey finds an unrevoked key by hash and notes its use
// at most once a minute, as authenticateKey does.
func authenticateCustomerKey(ctx context.Context, db DBTX, hash []byte, now time.Time) (CustomerKey, error) {
	r, err := queries.GetActiveCustomerKeyByHash(ctx, db, hash)
	k := customerKeyFromRow(dbsqlc.ListCustomerKeysRow(r))
	if err != nil {
		return k, Translate(err)
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := queries.TouchCustomerKey(ctx, db, dbsqlc.TouchCustomerKeyParams{ID: k.ID, LastUsedAt: &now}); err != nil {
			return k, Translate(err)
		}
	}
	return k, nil
}

func utcDay(at time.Time) pgtype.Date {
	y, m, d := at.UTC().Date()
	return pgtype.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Valid: true}
}

func reserveCustomerKeySpend(ctx context.Context, db DBTX, keyID string, at time.Time, amount rating.Decimal) (bool, rating.Decimal, error) {
	_, err := queries.ReserveCustomerKeySpend(ctx, db, dbsqlc.ReserveCustomerKeySpendParams{Day: utcDay(at), Amount: amount, KeyID: keyID})
	if errors.Is(err, pgx.ErrNoRows) {
		held, captured, err := customerKeySpend(ctx, db, keyID, at)
		return false, held.Add(captured), err
	}
	if err != nil {
		return false, rating.Decimal{}, Translate(err)
	}
	return true, rating.Decimal{}, nil
}

func settleCustomerKeySpend(ctx context.Context, db DBTX, keyID string, at time.Time, held, captured rating.Decimal) error {
	_, err := queries.SettleCustomerKeySpend(ctx, db, dbsqlc.SettleCustomerKeySpendParams{Held: held, Captured: captured, KeyID: keyID, Day: utcDay(at)})
	return Translate(err)
}

func customerKeySpend(ctx context.Context, db DBTX, keyID string, at time.Time) (held, captured rating.Decimal, err error) {
	r, err := queries.GetCustomerKeySpend(ctx, db, dbsqlc.GetCustomerKeySpendParams{KeyID: keyID, Day: utcDay(at)})
	if errors.Is(err, pgx.ErrNoRows) {
		return rating.Decimal{}, rating.Decimal{}, nil
	}
	if err != nil {
		return rating.Decimal{}, rating.Decimal{}, Translate(err)
	}
	return r.Held, r.Captured, nil
}
