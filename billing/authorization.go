package billing

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Authorization time to live: a hold lasts DefaultAuthorizationTTL unless the
// request asks for another, at most MaxAuthorizationTTL.
const (
	DefaultAuthorizationTTL = 15 * time.Minute
	MaxAuthorizationTTL     = 24 * time.Hour
)

// Authorization statuses. "expired" is never stored: an active hold whose
// ExpiresAt has passed reads as expired and stops counting at that instant.
const (
	AuthActive   = "active"
	AuthCaptured = "captured"
	AuthVoided   = "voided"
	AuthDeclined = "declined"
	AuthExpired  = "expired"
)

// Decline reasons.
const (
	DeclineInsufficientFunds = "insufficient_funds"
	DeclineNoSubscription    = "no_subscription"
	DeclineSuspended         = "subscription_suspended" // the plan is suspended for an unpaid renewal
)

// AuthorizeInput asks to hold the cost of something about to happen: either an
// EventType with estimated Data, priced by the customer's subscribed version,
// or an explicit Amount and Asset.
type AuthorizeInput struct {
	IdempotencyKey string
	Customer       string
	Wallet         string
	EventType      string
	Data           map[string]any
	Amount         *rating.Decimal
	Asset          string
	TTL            time.Duration // 0: DefaultAuthorizationTTL
}

// Authorization is a hold's record and the decision behind it.
type Authorization struct {
	ID             string
	IdempotencyKey string
	CustomerID     string
	WalletID       string
	EventType      string
	Asset          string
	Precision      int32          // the asset's, for showing the amounts
	Amount         rating.Decimal // held (approved) or required (declined)
	Status         string
	Approved       bool
	DeclineReason  string
	// Available is the available balance after the hold (approved) or when
	// declined; Shortfall is what a top-up must add for a decline to pass.
	Available      rating.Decimal
	Shortfall      rating.Decimal
	ExpiresAt      time.Time
	CapturedAmount *rating.Decimal
	EventID        string
	SettledAt      *time.Time
	CreatedAt      time.Time
	Replayed       bool
}

// Authorize decides whether the customer can pay for what is about to happen
// and, if so, holds the amount until it is captured by RecordUsage, voided, or
// expires. A decline is a decision, not an error. Holds never draw on a credit
// limit, and debt blocks them until repaid. Returns EInvalid, ENotFound,
// EConflict (the key reused with another payload), EUnavailable (nothing was
// written) and EOutcomeUnknown (the COMMIT's answer was lost past the
// retries: retry with the same idempotency_key). Like WithTx, it retries
// while the database is away for about two seconds.
func (s *Service) Authorize(ctx context.Context, in AuthorizeInput) (Authorization, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Authorization{}, err
	}
	if strings.TrimSpace(in.IdempotencyKey) == "" || len(in.IdempotencyKey) > 200 {
		return Authorization{}, kernel.Invalidf("idempotency_key", "idempotency_key is required: a unique id you choose for this authorization (1-200 characters), so a retry never holds twice")
	}
	ttl := in.TTL
	if ttl == 0 {
		ttl = DefaultAuthorizationTTL
	}
	if ttl < time.Second || ttl > MaxAuthorizationTTL {
		return Authorization{}, kernel.Invalidf("ttl_seconds", "ttl_seconds must be between 1 and %d (24 hours); the default is %d", int(MaxAuthorizationTTL.Seconds()), int(DefaultAuthorizationTTL.Seconds()))
	}
	if (in.EventType == "") == (in.Amount == nil) {
		return Authorization{}, kernel.Invalidf("event_type", "send either event_type with estimated data (priced by the customer's subscription) or amount with asset")
	}
	if in.Amount != nil {
		if err := rating.CheckAmount("amount", *in.Amount); err != nil {
			return Authorization{}, err
		}
	}
	if in.Amount != nil && (in.Asset == "" || in.Amount.IsNegative()) {
		return Authorization{}, kernel.Invalidf("amount", "an explicit amount must be zero or more and come with its asset, such as amount \"0.50\" and asset \"USD\"")
	}
	var auth Authorization
	guess, lostNew := true, false
	var retry txRetry
	for {
		auth = Authorization{}
		err = withPipeTx(ctx, s.pool, func(tx *pipeTx) error {
			auth, err = s.authorizeTx(ctx, tx, c, in, ttl, guess)
			return err
		})
		if errors.Is(err, errWrongGuess) && guess {
			guess = false // rolled back: decide again, locking after pricing
			continue
		}
		// A lost COMMIT of a new authorization: the next attempt finds it
		// and answers it as created by this call, not as a replay.
		lostNew = lostNew || kernel.ErrorCode(err) == kernel.EOutcomeUnknown && !auth.Replayed
		if !retry.again(ctx, err) {
			err = retry.result(err)
			break
		}
	}
	if err == nil && lostNew {
		auth.Replayed = false
	}
	if err == nil && !auth.Replayed && s.opts.Observer != nil {
		s.opts.Observer.ObserveAuthorization(auth.Approved, auth.DeclineReason)
	}
	return auth, err
}

// errWrongGuess says authorizeTx locked the balance of another asset than the
// one the estimate came to; the transaction is rolled back and run again
// without a guess.
var errWrongGuess = errors.New("authorization: the balance locked in advance is not the estimate's asset")

// authorizeTx decides in two round trips besides BEGIN and COMMIT: (1) look
// for a replay and the versions that price the estimate, and lock the balance
// of the asset the authorization will hold (known when the amount is explicit,
// guessed from the last estimate for the customer and event type when guess
// is set); (2) write the decision (and any expiry the lock found due). Without
// an asset to lock in (1), the balance is locked in a round trip of its own.
func (s *core) authorizeTx(ctx context.Context, tx txn, c Caller, in AuthorizeInput, ttl time.Duration, guess bool) (Authorization, error) {
	w, err := s.walletFor(ctx, tx, c, in.Customer, in.Wallet)
	if err != nil {
		return Authorization{}, err
	}
	now, err := s.timeOf(ctx, tx, w, true)
	if err != nil {
		return Authorization{}, err
	}
	hash, err := authorizationHash(in, w.ID, ttl)
	if err != nil {
		return Authorization{}, err
	}
	// (1) Replays first: same key, same payload, same answer.
	batch := &pgx.Batch{}
	var old Authorization
	var oldHash []byte
	var found bool
	queueAuthorizationByKey(batch, c, in.IdempotencyKey, &old, &oldHash, &found)
	var versions []pricedVersion
	if in.Amount == nil {
		queueVersionsForEvent(batch, w.CustomerID, in.EventType, now, &versions, s.decodeVersion)
	}
	guessKey := authAssetKey{c.AccountID, string(c.Mode), w.CustomerID, in.EventType}
	early, err := s.queueEarlyLock(ctx, tx, batch, c, w.ID, in, guessKey, guess, now)
	if err != nil {
		return Authorization{}, err
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return Authorization{}, Translate(err)
	}
	if early != nil {
		s.balanceLocked(tx, early)
	}
	if found {
		if string(oldHash) != string(hash) {
			return Authorization{}, kernel.Errorf(kernel.EConflict, "idempotency_key %q was already used for another authorization; use a new key for a new authorization", in.IdempotencyKey)
		}
		old.Replayed = true
		return s.present(old, now), nil
	}
	a := Authorization{ID: kernel.NewID(prefixAuthorization, now), IdempotencyKey: in.IdempotencyKey, CustomerID: w.CustomerID, WalletID: w.ID,
		EventType: in.EventType, ExpiresAt: now.Add(ttl), CreatedAt: now}
	// Price the estimate.
	assetCode, amount := in.Asset, rating.Zero
	if in.Amount != nil {
		amount = *in.Amount
	} else {
		if len(versions) == 0 {
			if versions, err = s.versionsFor(ctx, tx, c, w.CustomerID, in.EventType, now, false); err != nil {
				return Authorization{}, err
			}
		}
		if len(versions) == 0 {
			a.Status, a.DeclineReason, a.Amount, a.Available, a.Shortfall = AuthDeclined, DeclineNoSubscription, rating.Zero, rating.Zero, rating.Zero
			return s.recordDecision(ctx, tx, c, a, hash, in, now, nil)
		}
		if suspended(versions) {
			a.Status, a.DeclineReason, a.Amount, a.Available, a.Shortfall = AuthDeclined, DeclineSuspended, rating.Zero, rating.Zero, rating.Zero
			return s.recordDecision(ctx, tx, c, a, hash, in, now, nil)
		}
		totals, err := s.estimate(ctx, tx, c, w.CustomerID, versions, rating.RatingEvent{EventType: in.EventType, Data: in.Data}, now)
		if err != nil {
			return Authorization{}, err
		}
		switch len(totals) {
		case 0:
			return Authorization{}, kernel.Invalidf("event_type", "the prices for %s charge nothing per event (recurring only); there is nothing to authorize", in.EventType)
		case 1:
			for k, v := range totals {
				assetCode, amount = k, v
			}
		default:
			return Authorization{}, kernel.Invalidf("event_type", "the prices for %s charge in several assets (%s); authorize an explicit amount and asset instead", in.EventType, strings.Join(sortedKeys(totals), ", "))
		}
	}
	assets, err := s.assetsOf(ctx, tx, c, assetCode)
	if err != nil {
		return Authorization{}, err
	}
	asset, ok := assets[assetCode]
	if !ok {
		return Authorization{}, kernel.NotFoundf("asset", "asset %q not found; existing assets: %s", assetCode, strings.Join(sortedKeys(assets), ", ")).With(ActCreateAsset)
	}
	// Lock the balance (unless (1) did) and decide.
	b := early
	switch {
	case b != nil && b.asset.Code != asset.Code:
		s.cache.authAssets.Delete(guessKey)
		return Authorization{}, errWrongGuess
	case b == nil:
		if b, err = s.lockBalance(ctx, tx, c, w.ID, asset, now); err != nil {
			return Authorization{}, err
		}
	}
	if in.Amount == nil {
		s.cache.authAssets.Store(guessKey, asset.Code)
	}
	a.Asset, a.Precision, a.Amount = asset.Code, asset.Precision, amount
	avail := b.available()
	if avail.GreaterThanOrEqual(amount) {
		a.Status, a.Approved, a.Available, a.Shortfall = AuthActive, true, avail.Sub(amount), rating.Zero
	} else {
		a.Status, a.DeclineReason, a.Available = AuthDeclined, DeclineInsufficientFunds, avail
		a.Shortfall = amount.Sub(avail)
	}
	return s.recordDecision(ctx, tx, c, a, hash, in, now, b)
}

// queueEarlyLock queues, on the first round trip's batch, the lock of the
// balance the authorization will most likely hold: the explicit asset's, or,
// when guess is set, the asset of the last estimate for the customer and
// event type. It returns the balance to be filled, or nil when there is
// nothing to lock yet.
func (s *core) queueEarlyLock(ctx context.Context, tx txn, batch *pgx.Batch, c Caller, walletID string, in AuthorizeInput, key authAssetKey, guess bool, now time.Time) (*balanceState, error) {
	code := in.Asset
	if in.Amount == nil {
		v, ok := s.cache.authAssets.Load(key)
		if !guess || !ok {
			return nil, nil
		}
		code = v
	}
	assets, err := s.assetsOf(ctx, tx, c, code)
	if err != nil {
		return nil, err
	}
	asset, ok := assets[code]
	if !ok {
		return nil, nil // the asset's error is the decision's to give
	}
	return s.queueLockBalance(batch, c, walletID, asset, now), nil
}

// recordDecision stores an authorization, with the writes of the balance it
// locked (expiries found due) and, for a decline, its outbox row, in one round
// trip. When a concurrent request with the same key stored one first, that one
// is the answer (or a conflict).
func (s *core) recordDecision(ctx context.Context, tx txn, c Caller, a Authorization, hash []byte, in AuthorizeInput, now time.Time, b *balanceState) (Authorization, error) {
	batch := &pgx.Batch{}
	if b != nil {
		if err := b.check(); err != nil {
			return Authorization{}, err
		}
		queueBalanceWrites(batch, b)
		if a.Approved {
			// The new hold counts: the triggers and alerts see the
			// available balance after it (held is derived, never written).
			b.held = b.held.Add(a.Amount)
			s.queueAutoTopUpTriggers(tx, batch, now, b)
			s.queueBalanceAlerts(batch, now, false, b)
		}
	}
	inserted, err := queueInsertAuthorization(batch, c, a, hash, in.Data)
	if err != nil {
		return Authorization{}, err
	}
	if !a.Approved {
		// Only if this request's row went in: a concurrent duplicate's commit
		// must write nothing.
		batch.Queue(`INSERT INTO outbox (account_id, mode, type, payload, created_at)
			SELECT $1, $2, 'authorization.declined', $3, $4 WHERE EXISTS (SELECT 1 FROM authorizations WHERE id = $5)`,
			c.AccountID, c.Mode, a.outboxPayload(), now, a.ID)
	}
	if err := sendFinal(ctx, tx, batch); err != nil {
		return Authorization{}, err
	}
	if !*inserted {
		// A concurrent request with the same key decided first; its decision
		// stands (or this payload conflicts with it). What this transaction
		// wrote besides is harmless: expiries of lots that were due anyway.
		old, oldHash, err := getAuthorizationByKey(ctx, tx, c, in.IdempotencyKey)
		if err != nil {
			return Authorization{}, err
		}
		if string(oldHash) != string(hash) {
			return Authorization{}, kernel.Errorf(kernel.EConflict, "idempotency_key %q was already used for another authorization; use a new key for a new authorization", in.IdempotencyKey)
		}
		old.Replayed = true
		return s.present(old, now), nil
	}
	return a, nil
}

// present fills the derived fields of a stored authorization as of now.
func (s *core) present(a Authorization, now time.Time) Authorization {
	a.Approved = a.Status != AuthDeclined
	if a.Status == AuthActive && !a.ExpiresAt.After(now) {
		a.Status = AuthExpired
	}
	if a.DeclineReason == DeclineInsufficientFunds {
		a.Shortfall = a.Amount.Sub(a.Available)
	}
	return a
}

// outboxPayload is the data of authorization.declined: the field names of
// the REST and MCP authorization (decline_reason, required, available,
// shortfall); reason is decline_reason's older name, kept for receivers
// written against it.
func (a Authorization) outboxPayload() map[string]any {
	return map[string]any{"authorization_id": a.ID, "customer_id": a.CustomerID, "wallet_id": a.WalletID,
		"decline_reason": a.DeclineReason, "reason": a.DeclineReason,
		"asset": a.Asset, "required": a.Amount.String(), "available": a.Available.String(), "shortfall": a.Shortfall.String()}
}

// GetAuthorization returns an authorization by id. Returns ENotFound.
func (s *Service) GetAuthorization(ctx context.Context, id string) (Authorization, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Authorization{}, err
	}
	a, err := getAuthorization(ctx, s.pool, c, id, false)
	if err != nil {
		return a, err
	}
	return s.present(a, s.clock()), nil
}

// VoidAuthorization releases a hold. Voiding a voided or expired hold is a
// no-op; a captured one is EConflict; a declined one EInvalid.
func (s *Service) VoidAuthorization(ctx context.Context, id string) (Authorization, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Authorization{}, err
	}
	var a Authorization
	err = s.tx(ctx, func(tx pgx.Tx) error {
		a, err = getAuthorization(ctx, tx, c, id, true)
		if err != nil {
			return err
		}
		switch a.Status {
		case AuthCaptured:
			return kernel.Errorf(kernel.EConflict, "authorization %s was already captured by event %s; it cannot be voided", id, a.EventID).With(ActRefund)
		case AuthDeclined:
			return kernel.Invalidf("authorization_id", "authorization %s was declined and holds nothing; there is nothing to void", id)
		case AuthVoided:
			return nil
		}
		now := s.clock()
		a.Status, a.SettledAt = AuthVoided, &now
		return settleAuthorization(ctx, tx, a)
	})
	if err != nil {
		return a, err
	}
	return s.present(a, s.clock()), nil
}

// authorizationHash fingerprints an authorization request.
func authorizationHash(in AuthorizeInput, walletID string, ttl time.Duration) ([]byte, error) {
	data, err := json.Marshal(in.Data)
	if err != nil {
		return nil, kernel.Invalidf("data", "data must be a JSON object of numbers and strings")
	}
	amount := ""
	if in.Amount != nil {
		amount = in.Amount.String()
	}
	return kernel.Fingerprint('|', walletID, in.EventType, string(data), amount, in.Asset, strconv.FormatInt(int64(ttl), 10)), nil
}

// suspended reports whether a plan that prices the event is suspended.
func suspended(versions []pricedVersion) bool {
	for _, v := range versions {
		if v.Status == SubscriptionSuspended {
			return true
		}
	}
	return false
}
