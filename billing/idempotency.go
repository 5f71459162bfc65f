package billing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Idempotency keys let a client retry any write safely: the first request
// with a key runs and its response is stored; a retry with the same key and
// the same request gets the stored response back, never a second effect.
// Keys are scoped to the caller's account and mode. The surface that speaks
// the protocol (the REST API's Idempotency-Key header) fingerprints the
// request; billing stores and arbitrates.
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

// IdempotencyOutcome says what to do with a request that carries a key.
type IdempotencyOutcome int

// The outcomes of ClaimIdempotencyKey.
const (
	// IdempotencyProceed: the key is the caller's; run the request, then
	// CompleteIdempotencyKey (or ReleaseIdempotencyKey to forget it).
	IdempotencyProceed IdempotencyOutcome = iota + 1
	// IdempotencyReplay: the key already has a response; send Stored.
	IdempotencyReplay
	// IdempotencyMismatch: the key was used for a different request.
	IdempotencyMismatch
	// IdempotencyInProgress: the first request with the key is still running.
	IdempotencyInProgress
)

// StoredResponse is the response stored under a key.
type StoredResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyClaim is the answer of ClaimIdempotencyKey; with
// IdempotencyProceed it is also the handle that completes or releases the key.
type IdempotencyClaim struct {
	Outcome IdempotencyOutcome
	Stored  StoredResponse // with IdempotencyReplay
	caller  Caller
	key     string
	token   string
}

// ClaimIdempotencyKey claims key for a request whose fingerprint is
// requestHash (the same request must give the same hash). Returns EInvalid
// for a malformed key, EUnauthorized without a caller.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, key string, requestHash []byte) (IdempotencyClaim, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return IdempotencyClaim{}, err
	}
	if err := validIdempotencyKey(key); err != nil {
		return IdempotencyClaim{}, err
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return IdempotencyClaim{}, err
	}
	claim := IdempotencyClaim{caller: c, key: key, token: hex.EncodeToString(tok[:])}
	// A row can vanish between the failed claim and the read (a released
	// key), so the pair is retried a few times.
	for range 3 {
		now := s.clock()
		won, err := claimIdempotencyKey(ctx, s.pool, c, key, requestHash, claim.token, now, now.Add(IdempotencyLease), now.Add(-IdempotencyKeyTTL))
		if err != nil {
			return IdempotencyClaim{}, err
		}
		if won {
			claim.Outcome = IdempotencyProceed
			return claim, nil
		}
		rec, err := getIdempotencyKey(ctx, s.pool, c, key)
		if ErrorCode(err) == ENotFound {
			continue
		}
		if err != nil {
			return IdempotencyClaim{}, err
		}
		switch {
		case string(rec.hash) != string(requestHash):
			claim.Outcome = IdempotencyMismatch
		case rec.stored == nil:
			claim.Outcome = IdempotencyInProgress
		default:
			claim.Outcome, claim.Stored = IdempotencyReplay, *rec.stored
		}
		return claim, nil
	}
	return IdempotencyClaim{}, Errorf(EConflict, "Idempotency-Key %q is being claimed and released concurrently; retry the request", key)
}

// CompleteIdempotencyKey stores the response of a claimed request. It runs
// even when ctx is cancelled (the client went away), so a retry replays the
// response instead of running again. A claim taken over after its lease
// expired stores nothing.
func (s *Service) CompleteIdempotencyKey(ctx context.Context, claim IdempotencyClaim, resp StoredResponse) error {
	if claim.Outcome != IdempotencyProceed {
		return nil
	}
	return completeIdempotencyKey(context.WithoutCancel(ctx), s.pool, claim.caller, claim.key, claim.token, resp, s.clock())
}

// ReleaseIdempotencyKey forgets a claimed key whose request should not be
// replayed (it failed before or outside the operation), so a retry runs it.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, claim IdempotencyClaim) error {
	if claim.Outcome != IdempotencyProceed {
		return nil
	}
	return releaseIdempotencyKey(context.WithoutCancel(ctx), s.pool, claim.caller, claim.key, claim.token)
}

// PruneIdempotencyKeys deletes up to limit keys older than IdempotencyKeyTTL,
// across all accounts, and returns how many it deleted.
func (s *Service) PruneIdempotencyKeys(ctx context.Context, limit int) (int64, error) {
	return pruneIdempotencyKeys(ctx, s.pool, s.clock().Add(-IdempotencyKeyTTL), limit)
}

func validIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLen {
		return Invalidf("Idempotency-Key", "Idempotency-Key must be 1-%d characters, such as a UUID; got %d", MaxIdempotencyKeyLen, len(key))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return Invalidf("Idempotency-Key", "Idempotency-Key must be printable ASCII without spaces, such as a UUID")
		}
	}
	return nil
}
