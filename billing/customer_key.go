package billing

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// CustomerKeyPrefix starts every customer key's secret.
const CustomerKeyPrefix = "tg_cust_"

// CustomerKeyOnlyOnGateway is what the surfaces that refuse customer keys
// (REST, MCP) answer.
const CustomerKeyOnlyOnGateway = "customer keys (tg_cust_…) work only on the metering gateway (/gateway/…); the REST API and MCP need the platform's tg_test_… or tg_live_… key"

// prefixCustomerKey starts customer keys' ids.
const prefixCustomerKey = "ckey"

// IsCustomerKey says whether secret has the shape of a customer key: the
// surfaces that refuse them (REST, MCP) answer 403 rather than 401.
func IsCustomerKey(secret string) bool { return strings.HasPrefix(secret, CustomerKeyPrefix) }

// CustomerKey is a key scoped to one customer of one account and mode,
// accepted only by the metering gateway; the secret is never stored.
type CustomerKey struct {
	ID         string
	AccountID  string
	Mode       Mode
	CustomerID string
	Name       string
	Prefix     string // safe to show: "tg_cust_" plus 6
	// RateLimit is the key's own gateway limit in requests a second; 0:
	// the server's default.
	RateLimit int32
	// DailyCap bounds what the key's calls may spend per UTC day, in
	// DailyCapAsset; nil: no cap.
	DailyCap      *rating.Decimal
	DailyCapAsset string
	CreatedAt     time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
	// Replayed says a create with the same idempotency key made it earlier
	// (set by CreateCustomerKey only).
	Replayed bool
}

// CreateCustomerKeyInput describes a new customer key.
type CreateCustomerKeyInput struct {
	Customer  string // Tollgate id or external_id
	Name      string
	RateLimit int32 // requests a second; 0: the server's default
	// DailyCap, when set, is the most the key may spend per UTC day in
	// DailyCapAsset (empty: the account's reporting currency), the asset
	// of the gateway's holds.
	DailyCap      *rating.Decimal
	DailyCapAsset string
	// IdempotencyKey, when set, makes a retry with the same payload return
	// the key the first call created, without its secret (never stored),
	// and one with another payload a conflict.
	IdempotencyKey string
}

// customerKeyPrefixLen is how much of a customer key is kept and shown.
const customerKeyPrefixLen = len(CustomerKeyPrefix) + 6

// CreateCustomerKey creates a customer key for a customer of the caller's
// account and mode and returns it with its secret, shown this once and never
// stored. With an idempotency key already used for the same payload it
// returns the key that call made, Replayed and without a secret. Returns
// EInvalid, ENotFound (the customer, the cap's asset), EConflict (the
// idempotency key with another payload).
func (s *Accounts) CreateCustomerKey(ctx context.Context, in CreateCustomerKeyInput) (CustomerKey, string, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return CustomerKey{}, "", err
	}
	k, err := s.newCustomerKey(ctx, c, in)
	if err != nil {
		return CustomerKey{}, "", err
	}
	hash := kernel.Fingerprint(0, k.CustomerID, k.Name, strconv.Itoa(int(k.RateLimit)), capText(k.DailyCap), k.DailyCapAsset)
	if in.IdempotencyKey != "" {
		if old, found, err := customerKeyByIdempotencyKey(ctx, s.pool, c, in.IdempotencyKey, hash); found || err != nil {
			return old, "", err
		}
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return CustomerKey{}, "", err
	}
	secret := CustomerKeyPrefix + encodeBase32(raw[:])
	k.Prefix = secret[:customerKeyPrefixLen]
	err = insertCustomerKey(ctx, s.pool, k, hashKey(secret), in.IdempotencyKey, hash)
	if kernel.ErrorCode(err) == kernel.EConflict && in.IdempotencyKey != "" {
		// Two creates with one key at once: the loser finds the winner's.
		if old, found, ferr := customerKeyByIdempotencyKey(ctx, s.pool, c, in.IdempotencyKey, hash); found || ferr != nil {
			return old, "", ferr
		}
	}
	if err != nil {
		return CustomerKey{}, "", err
	}
	return k, secret, nil
}

func capText(d *rating.Decimal) string {
	if d == nil {
		return "none"
	}
	return d.String()
}

// customerKeyByIdempotencyKey returns the key an idempotency key made,
// Replayed, when the payload is the same; EConflict when it differs.
func customerKeyByIdempotencyKey(ctx context.Context, db DBTX, c Caller, key string, hash []byte) (CustomerKey, bool, error) {
	r, err := queries.GetCustomerKeyByIdempotencyKey(ctx, db, dbsqlc.GetCustomerKeyByIdempotencyKeyParams{IdempotencyKey: &key, AccountID: c.AccountID, Mode: string(c.Mode)})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return CustomerKey{}, false, nil
	case err != nil:
		return CustomerKey{}, false, Translate(err)
	case !bytes.Equal(r.RequestHash, hash):
		return CustomerKey{}, false, &kernel.Error{Code: kernel.EConflict, Field: "idempotency_key",
			Message: fmt.Sprintf("idempotency_key %q already created customer key %s with another customer, name, rate_limit or daily cap; use a new key for a new customer key", key, r.ID)}
	}
	k := customerKeyFromRow(dbsqlc.ListCustomerKeysRow{ID: r.ID, AccountID: r.AccountID, Mode: r.Mode, CustomerID: r.CustomerID, Name: r.Name, Prefix: r.Prefix,
		RateLimit: r.RateLimit, DailyCap: r.DailyCap, DailyCapAsset: r.DailyCapAsset, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt})
	k.Replayed = true
	return k, true, nil
}

// newCustomerKey checks a new key's input and resolves its customer and
// cap asset.
func (s *Accounts) newCustomerKey(ctx context.Context, c Caller, in CreateCustomerKeyInput) (CustomerKey, error) {
	if in.RateLimit < 0 || in.RateLimit > 1_000_000 {
		return CustomerKey{}, kernel.Invalidf("rate_limit", "rate_limit is requests a second between 1 and 1,000,000, or 0 for the server's default")
	}
	if len(in.Name) > 200 {
		return CustomerKey{}, kernel.Invalidf("name", "name is at most 200 characters")
	}
	if len(in.IdempotencyKey) > 200 {
		return CustomerKey{}, kernel.Invalidf("idempotency_key", "idempotency_key is at most 200 characters")
	}
	cus, err := resolveCustomer(ctx, s.pool, c, in.Customer)
	if err != nil {
		return CustomerKey{}, err
	}
	k := CustomerKey{ID: kernel.NewID(prefixCustomerKey, s.clock()), AccountID: c.AccountID, Mode: c.Mode, CustomerID: cus.ID,
		Name: in.Name, RateLimit: in.RateLimit, CreatedAt: s.clock()}
	if in.DailyCap == nil {
		return k, nil
	}
	if !in.DailyCap.IsPositive() {
		return CustomerKey{}, kernel.Invalidf("daily_cap", "daily_cap must be above 0 (leave it out for no cap)")
	}
	asset := in.DailyCapAsset
	if asset == "" {
		acct, err := s.GetAccount(ctx, c.AccountID)
		if err != nil {
			return CustomerKey{}, err
		}
		asset = acct.ReportingCurrency
	}
	assets, err := s.assetsOf(ctx, s.pool, c, asset)
	if err != nil {
		return CustomerKey{}, err
	}
	a, ok := assets[asset]
	if !ok {
		return CustomerKey{}, kernel.NotFoundf("daily_cap_asset", "asset %q not found in %s mode", asset, c.Mode).With(ActCreateAsset)
	}
	if !in.DailyCap.Equal(in.DailyCap.Truncate(a.Precision)) {
		return CustomerKey{}, kernel.Invalidf("daily_cap", "daily_cap has more decimals than %s's %d", asset, a.Precision)
	}
	capped := *in.DailyCap
	k.DailyCap, k.DailyCapAsset = &capped, asset
	return k, nil
}

// ListCustomerKeys lists a customer's keys, revoked ones included, oldest
// first. Returns ENotFound for an unknown customer.
func (s *Accounts) ListCustomerKeys(ctx context.Context, customer string) ([]CustomerKey, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return nil, err
	}
	return listCustomerKeys(ctx, s.pool, c, cus.ID)
}

// RevokeCustomerKey revokes a customer key of the caller's account and mode
// by id; revoking again keeps the first time. Every running server stops
// accepting it at once (the key caches are cleared as on RevokeAPIKey).
// Returns ENotFound.
func (s *Accounts) RevokeCustomerKey(ctx context.Context, id string) (CustomerKey, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return CustomerKey{}, err
	}
	k, err := revokeCustomerKey(ctx, s.pool, c, id, s.clock())
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return k, kernel.NotFoundf("key", "customer key %q not found in %s mode", id, c.Mode)
	}
	if err != nil {
		return k, err
	}
	s.cache.keys.Clear()
	if nerr := queries.NotifyAPIKeys(ctx, TranslateErrors(s.pool), k.ID); nerr != nil {
		s.log.Warn("notify customer key revocation; other processes stop trusting the key within their cache time", "err", nerr)
	}
	return k, nil
}

// AuthenticateCustomerKey resolves a customer key's secret to its caller
// (the account and mode, with the key's id and prefix) and its record.
// Returns EUnauthorized for unknown, malformed or revoked keys; the message
// never repeats the key.
func (s *Accounts) AuthenticateCustomerKey(ctx context.Context, secret string) (Caller, CustomerKey, error) {
	if !IsCustomerKey(secret) {
		return Caller{}, CustomerKey{}, kernel.Errorf(kernel.EUnauthorized, "invalid customer key: customer keys start with %s", CustomerKeyPrefix)
	}
	hash := hashKey(secret)
	if e, ok := s.cache.keys.Load(string(hash)); ok && time.Since(e.(keyEntry).at) < keyTTL && e.(keyEntry).customerKey != nil {
		return e.(keyEntry).caller, *e.(keyEntry).customerKey, nil
	}
	k, err := authenticateCustomerKey(ctx, s.pool, hash, s.clock())
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Caller{}, CustomerKey{}, kernel.Errorf(kernel.EUnauthorized, "invalid or revoked customer key (%s…)", secret[:min(len(secret), customerKeyPrefixLen)])
	}
	if err != nil {
		return Caller{}, CustomerKey{}, err
	}
	c := Caller{AccountID: k.AccountID, Mode: k.Mode, KeyID: k.ID, KeyPrefix: k.Prefix, Scope: ScopeFull}
	s.cache.keys.Store(string(hash), keyEntry{caller: c, customerKey: &k, at: time.Now()})
	return c, k, nil
}

// ReserveCustomerKeySpend admits a hold of amount in asset against a capped
// key's spend for the UTC day of at: admitted while what the key's calls
// hold and were charged that day plus amount stays within its cap, in one
// statement under the day's row lock, so concurrent calls never pass the
// cap together. A key without a cap admits everything. Not admitted: false,
// with what the key has spent and holds that day. An asset other than the
// cap's is not admitted (it cannot be counted).
func (s *Accounts) ReserveCustomerKeySpend(ctx context.Context, k CustomerKey, at time.Time, asset string, amount rating.Decimal) (bool, rating.Decimal, error) {
	if k.DailyCap == nil {
		return true, rating.Decimal{}, nil
	}
	if asset != k.DailyCapAsset {
		return false, rating.Decimal{}, nil
	}
	return reserveCustomerKeySpend(ctx, s.pool, k.ID, at, amount)
}

// SettleCustomerKeySpend replaces a reserved hold with what its call was
// charged (zero when its hold was voided), for the same day as the
// reservation. A key without a cap, or a hold in another asset, changes
// nothing.
func (s *Accounts) SettleCustomerKeySpend(ctx context.Context, k CustomerKey, at time.Time, held, captured rating.Decimal) error {
	if k.DailyCap == nil {
		return nil
	}
	return settleCustomerKeySpend(ctx, s.pool, k.ID, at, held, captured)
}

// CustomerKeySpend is what a key's calls held and were charged on the UTC
// day of at.
func (s *Accounts) CustomerKeySpend(ctx context.Context, keyID string, at time.Time) (held, captured rating.Decimal, err error) {
	return customerKeySpend(ctx, s.pool, keyID, at)
}
