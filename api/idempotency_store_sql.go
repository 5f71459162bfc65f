package api

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
)

// claimIdempotencyKey inserts an in-flight row for key, or takes over one
// that expired (older than expiredBefore) or that the same request left in
// flight past its lease. It reports whether the caller now owns the row.
func claimIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key string, hash []byte, token string, now, lockedUntil, expiredBefore time.Time) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO idempotency_keys (account_id, mode, key, request_hash, claim, locked_until, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (account_id, mode, key) DO UPDATE
		SET request_hash = EXCLUDED.request_hash, claim = EXCLUDED.claim, locked_until = EXCLUDED.locked_until,
		    created_at = EXCLUDED.created_at, status = NULL, content_type = NULL, response_body = NULL, completed_at = NULL
		WHERE idempotency_keys.created_at < $8
		   OR (idempotency_keys.status IS NULL AND idempotency_keys.locked_until < $7
		       AND idempotency_keys.request_hash = EXCLUDED.request_hash)`,
		c.AccountID, c.Mode, key, hash, token, lockedUntil, now, expiredBefore)
	return tag.RowsAffected() == 1, billing.Translate(err)
}

type idempotencyRecord struct {
	hash   []byte
	stored *storedResponse // nil while in flight
}

func getIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key string) (idempotencyRecord, error) {
	var rec idempotencyRecord
	var status *int
	var contentType *string
	var body []byte
	err := db.QueryRow(ctx, `SELECT request_hash, status, content_type, response_body FROM idempotency_keys
		WHERE account_id = $1 AND mode = $2 AND key = $3`, c.AccountID, c.Mode, key).
		Scan(&rec.hash, &status, &contentType, &body)
	if err != nil {
		return rec, billing.Translate(err)
	}
	if status != nil {
		rec.stored = &storedResponse{Status: *status, Body: body}
		if contentType != nil {
			rec.stored.ContentType = *contentType
		}
	}
	return rec, nil
}

func completeIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key, token string, resp storedResponse, now time.Time) error {
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	_, err := db.Exec(ctx, `UPDATE idempotency_keys SET status = $5, content_type = $6, response_body = $7, completed_at = $8
		WHERE account_id = $1 AND mode = $2 AND key = $3 AND claim = $4 AND status IS NULL`,
		c.AccountID, c.Mode, key, token, resp.Status, resp.ContentType, body, now)
	return billing.Translate(err)
}

func releaseIdempotencyKey(ctx context.Context, db *pgxpool.Pool, c billing.Caller, key, token string) error {
	_, err := db.Exec(ctx, `DELETE FROM idempotency_keys
		WHERE account_id = $1 AND mode = $2 AND key = $3 AND claim = $4 AND status IS NULL`, c.AccountID, c.Mode, key, token)
	return billing.Translate(err)
}

func pruneIdempotencyKeys(ctx context.Context, db *pgxpool.Pool, before time.Time, limit int) (int64, error) {
	tag, err := db.Exec(ctx, `DELETE FROM idempotency_keys WHERE ctid IN (
		SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`, before, limit)
	return tag.RowsAffected(), billing.Translate(err)
}
