package api

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/api/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/billing"
)

// queries runs the statements sqlc compiles from api/queries/*.sql
// (regenerate with `sqlc generate` at the repository root), over billing's
// schema: the idempotency store's table is created by billing's migrations.
var queries = dbsqlc.New()

// on is where a generated query runs: db with every driver error translated
// once, by billing.TranslateErrors. A missing row comes back as ENotFound.
func on(db dbsqlc.DBTX) dbsqlc.DBTX { return billing.TranslateErrors(db) }

// claimIdempotencyKey inserts an in-flight row for key, or takes over one
// that expired (older than expiredBefore) or that the same request left in
// flight past its lease. It reports whether the caller now owns the row.
func claimIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key string, hash []byte, token string, now, lockedUntil, expiredBefore time.Time) (bool, error) {
	n, err := queries.ClaimIdempotencyKey(ctx, on(db), dbsqlc.ClaimIdempotencyKeyParams{AccountID: c.AccountID, Mode: string(c.Mode), Key: key,
		RequestHash: hash, Claim: token, LockedUntil: lockedUntil, Now: now, ExpiredBefore: expiredBefore})
	return n == 1, err
}

type idempotencyRecord struct {
	hash   []byte
	stored *storedResponse // nil while in flight
}

func getIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key string) (idempotencyRecord, error) {
	r, err := queries.GetIdempotencyKey(ctx, on(db), dbsqlc.GetIdempotencyKeyParams{AccountID: c.AccountID, Mode: string(c.Mode), Key: key})
	if err != nil {
		return idempotencyRecord{}, err
	}
	rec := idempotencyRecord{hash: r.RequestHash}
	if r.Status != nil {
		rec.stored = &storedResponse{Status: int(*r.Status), Body: r.ResponseBody}
		if r.ContentType != nil {
			rec.stored.ContentType = *r.ContentType
		}
	}
	return rec, nil
}

func completeIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key, token string, resp storedResponse, now time.Time) error {
	body := resp.Body
	if body == nil {
		body = []byte{} // not NULL: a completed row has a body, if empty
	}
	return queries.CompleteIdempotencyKey(ctx, on(db), dbsqlc.CompleteIdempotencyKeyParams{AccountID: c.AccountID, Mode: string(c.Mode), Key: key,
		Claim: token, Status: int32(resp.Status), ContentType: resp.ContentType, ResponseBody: body, CompletedAt: now})
}

func releaseIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key, token string) error {
	return queries.ReleaseIdempotencyKey(ctx, on(db), dbsqlc.ReleaseIdempotencyKeyParams{AccountID: c.AccountID, Mode: string(c.Mode), Key: key, Claim: token})
}

func pruneIdempotencyKeys(ctx context.Context, db *pgxpool.Pool, before time.Time, limit int) (int64, error) {
	return queries.PruneIdempotencyKeys(ctx, on(db), dbsqlc.PruneIdempotencyKeysParams{Before: before, MaxRows: int64(limit)})
}
