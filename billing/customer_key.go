package billing

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

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
}

// customerKeyPrefixLen is how much of a customer key is kept and shown.
const customerKeyPrefixLen = len(CustomerKeyPrefix) + 6

// CreateCustomerKey creates a customer key for a customer of the caller's
// account and mode and returns it with its secret, shown this once and never
// stored. Returns EInvalid, ENotFound (the customer, the cap's asset).
func (s *Accounts) CreateCustomerKey(ctx context.Context, in CreateCustomerKeyInput) (CustomerKey, string, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return CustomerKey{}, "", err
	}
	if in.RateLimit < 0 || in.RateLimit > 1_000_000 {
		return CustomerKey{}, "", kernel.Invalidf("rate_limit", "rate_limit is requests a second between 1 and 1,000,000, or 0 for the server's default")
	}
	if len(in.Name) > 200 {
		return CustomerKey{}, "", kernel.Invalidf("name", "name is at most 200 characters")
	}
	cus, err := resolveCustomer(ctx, s.pool, c, in.Customer)
	if err != nil {
		return CustomerKey{}, "", err
	}
	k := CustomerKey{ID: kernel.NewID(prefixCustomerKey, s.clock()), AccountID: c.AccountID, Mode: c.Mode, CustomerID: cus.ID,
		Name: in.Name, RateLimit: in.RateLimit, CreatedAt: s.clock()}
	if in.DailyCap != nil {
		if !in.DailyCap.IsPositive() {
			return CustomerKey{}, "", kernel.Invalidf("daily_cap", "daily_cap must be above 0 (leave it out for no cap)")
		}
		asset := in.DailyCapAsset
		if asset == "" {
			acct, err := s.GetAccount(ctx, c.AccountID)
			if err != nil {
				return CustomerKey{}, "", err
			}
			asset = acct.ReportingCurrency
		}
		assets, err := s.assetsOf(ctx, s.pool, c, asset)
		if err != nil {
			return CustomerKey{}, "", err
		}
		a, ok := assets[asset]
		if !ok {
			return CustomerKey{}, "", kernel.NotFoundf("daily_cap_asset", "asset %q not found in %s mode", asset, c.Mode).With(ActCreateAsset)
		}
		if !in.DailyCap.Equal(in.DailyCap.Truncate(a.Precision)) {
			return CustomerKey{}, "", kernel.Invalidf("daily_cap", "daily_cap has more decimals than %s's %d", asset, a.Precision)
		}
		capped := *in.DailyCap
		k.DailyCap, k.DailyCapAsset = &capped, asset
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return CustomerKey{}, "", err
	}
	secret := CustomerKeyPrefix + encodeBase32(raw[:])
	k.Prefix = secret[:customerKeyPrefixLen]
	if err := insertCustomerKey(ctx, s.pool, k, hashKey(secret)); err != nil {
		return CustomerKey{}, "", err
	}
	return k, secret, nil
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
