package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// Idempotency keys let a client retry any write safely: the first request
// with a key runs and its response is stored; a retry with the same key and
// the same request gets the stored response back, never a second effect.
// Keys are scoped to the caller's account and mode. The store keeps HTTP
// responses, so it lives with the REST API, not in the domain; the domain's
// own operations are idempotent on their client ids besides.
const (
	// IdempotencyKeyTTL is how long a stored response is replayed; after it
	// the key may be used again.
	IdempotencyKeyTTL = 24 * time.Hour
	// IdempotencyLease is how long an in-flight request owns its key. A
	// request whose process died is taken over after it by a retry of the
	// same request; any other request with the key meanwhile is told the
	// first is in progress.
	IdempotencyLease = 2 * time.Minute
	// MaxIdempotencyKeyLen is the longest key accepted.
	MaxIdempotencyKeyLen = 255
)

// claimOutcome says what to do with a request that carries a key.
type claimOutcome int

// The outcomes of claim.
const (
	// claimProceed: the key is the caller's; run the request, then
	// complete (or release to forget it).
	claimProceed claimOutcome = iota + 1
	// claimReplay: the key already has a response; send Stored.
	claimReplay
	// claimMismatch: the key was used for a different request.
	claimMismatch
	// claimInProgress: the first request with the key is still running.
	claimInProgress
)

// storedResponse is the response stored under a key.
type storedResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// idempotencyClaim is the answer of claim; with
// claimProceed it is also the handle that completes or releases the key.
type idempotencyClaim struct {
	Outcome claimOutcome
	Stored  storedResponse // with claimReplay
	caller  billing.Caller
	key     string
	token   string
}

// idempotencyStore stores responses under Idempotency-Keys in PostgreSQL.
type idempotencyStore struct {
	pool *pgxpool.Pool
	now  func() time.Time // the service's clock
}

// claim claims key for a request whose fingerprint is
// requestHash (the same request must give the same hash). Returns EInvalid
// for a malformed key, EUnauthorized without a caller.
func (s idempotencyStore) claim(ctx context.Context, key string, requestHash []byte) (idempotencyClaim, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return idempotencyClaim{}, err
	}
	if err := validIdempotencyKey(key); err != nil {
		return idempotencyClaim{}, err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return idempotencyClaim{}, err
	}
	claim := idempotencyClaim{caller: c, key: key, token: hex.EncodeToString(tok[:])}
	// A row can vanish between the failed claim and the read (a released
	// key), so the pair is retried a few times.
	for range 3 {
		now := s.now()
		won, err := claimIdempotencyKey(ctx, s.pool, c, key, requestHash, claim.token, now, now.Add(IdempotencyLease), now.Add(-IdempotencyKeyTTL))
		if err != nil {
			return idempotencyClaim{}, err
		}
		if won {
			claim.Outcome = claimProceed
			return claim, nil
		}
		rec, err := getIdempotencyKey(ctx, s.pool, c, key)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			continue
		}
		if err != nil {
			return idempotencyClaim{}, err
		}
		switch {
		case string(rec.hash) != string(requestHash):
			claim.Outcome = claimMismatch
		case rec.stored == nil:
			claim.Outcome = claimInProgress
		default:
			claim.Outcome, claim.Stored = claimReplay, *rec.stored
		}
		return claim, nil
	}
	return idempotencyClaim{}, kernel.Errorf(kernel.EConflict, "Idempotency-Key %q is being claimed and released concurrently; retry the request", key)
}

// complete stores the response of a claimed request. It runs
// even when ctx is cancelled (the client went away), so a retry replays the
// response instead of running again. A claim taken over after its lease
// expired stores nothing.
func (s idempotencyStore) complete(ctx context.Context, claim idempotencyClaim, resp storedResponse) error {
	if claim.Outcome != claimProceed {
		return nil
	}
	return completeIdempotencyKey(context.WithoutCancel(ctx), s.pool, claim.caller, claim.key, claim.token, resp, s.now())
}

// release forgets a claimed key whose request should not be
// replayed (it failed before or outside the operation), so a retry runs it.
func (s idempotencyStore) release(ctx context.Context, claim idempotencyClaim) error {
	if claim.Outcome != claimProceed {
		return nil
	}
	return releaseIdempotencyKey(context.WithoutCancel(ctx), s.pool, claim.caller, claim.key, claim.token)
}

// prune deletes up to limit keys older than IdempotencyKeyTTL,
// across all accounts, and returns how many it deleted.
func (s idempotencyStore) prune(ctx context.Context, limit int) (int64, error) {
	return pruneIdempotencyKeys(ctx, s.pool, s.now().Add(-IdempotencyKeyTTL), limit)
}

func validIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLen {
		return kernel.Invalidf("Idempotency-Key", "Idempotency-Key must be 1-%d characters, such as a UUID; got %d", MaxIdempotencyKeyLen, len(key))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return kernel.Invalidf("Idempotency-Key", "Idempotency-Key must be printable ASCII without spaces, such as a UUID")
		}
	}
	return nil
}
