package billing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
)

// Account is one platform using Tollgate.
type Account struct {
	ID                string
	Name              string
	ReportingCurrency string
	IsDefault         bool
	CreatedAt         time.Time
}

// APIKey is a key's record; the secret itself is never stored.
type APIKey struct {
	ID         string
	AccountID  string
	Mode       Mode
	Name       string
	Prefix     string
	Scope      Scope
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	// RateLimit and HotRateLimit override the server's per-key limits, in
	// requests a second (bursts twice that); 0 keeps the server's.
	RateLimit, HotRateLimit int32
}

// builtinCurrencies are the ISO currencies every account has in both modes.
var builtinCurrencies = []Asset{
	{Code: "USD", Name: "US dollar", Symbol: "$", Precision: 2},
	{Code: "EUR", Name: "Euro", Symbol: "€", Precision: 2},
	{Code: "GBP", Name: "Pound sterling", Symbol: "£", Precision: 2},
	{Code: "CHF", Name: "Swiss franc", Symbol: "CHF", Precision: 2},
	{Code: "CAD", Name: "Canadian dollar", Symbol: "CA$", Precision: 2},
	{Code: "AUD", Name: "Australian dollar", Symbol: "A$", Precision: 2},
	{Code: "SEK", Name: "Swedish krona", Symbol: "kr", Precision: 2},
	{Code: "INR", Name: "Indian rupee", Symbol: "₹", Precision: 2},
	{Code: "BRL", Name: "Brazilian real", Symbol: "R$", Precision: 2},
	{Code: "JPY", Name: "Japanese yen", Symbol: "¥", Precision: 0},
}

// EnsureDefaultAccount returns the default account, creating it (with its
// built-in currencies in both modes) when the database has none. A first run
// therefore needs no set-up.
func (s *Accounts) EnsureDefaultAccount(ctx context.Context) (Account, error) {
	var acct Account
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		acct, err = getDefaultAccount(ctx, tx)
		if kernel.ErrorCode(err) != kernel.ENotFound {
			return err
		}
		acct = Account{ID: kernel.NewID(prefixAccount, s.clock()), Name: "Default account", ReportingCurrency: "USD", IsDefault: true, CreatedAt: s.clock()}
		inserted, err := insertAccount(ctx, tx, acct)
		if err != nil {
			return err
		}
		if !inserted { // another process created it first
			acct, err = getDefaultAccount(ctx, tx)
			return err
		}
		return seedCurrencies(ctx, tx, acct.ID, acct.CreatedAt)
	})
	return acct, err
}

// CreateAccount creates a further account (for operators hosting several
// platforms), with the built-in currencies in both modes. Returns EInvalid
// for a name that is empty or longer than 100 characters.
func (s *Accounts) CreateAccount(ctx context.Context, name string) (Account, error) {
	name, err := accountName(name)
	if err != nil {
		return Account{}, err
	}
	acct := Account{ID: kernel.NewID(prefixAccount, s.clock()), Name: name, ReportingCurrency: "USD", CreatedAt: s.clock()}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := insertAccount(ctx, tx, acct); err != nil {
			return err
		}
		return seedCurrencies(ctx, tx, acct.ID, acct.CreatedAt)
	})
	return acct, err
}

func accountName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n") {
		return "", kernel.Invalidf("name", "an account's name is 1 to 100 characters on one line, such as \"Acme AI\"")
	}
	return name, nil
}

// ListAccounts lists every account, oldest first (the default one first).
func (s *Accounts) ListAccounts(ctx context.Context) ([]Account, error) {
	rows, err := queries.ListAccounts(ctx, TranslateErrors(s.pool))
	if err != nil {
		return nil, err
	}
	out := make([]Account, len(rows))
	for i, r := range rows {
		out[i] = accountFromRow(dbsqlc.Account(r))
	}
	return out, nil
}

// RenameAccount changes an account's name. Returns EInvalid, ENotFound.
func (s *Accounts) RenameAccount(ctx context.Context, id, name string) (Account, error) {
	name, err := accountName(name)
	if err != nil {
		return Account{}, err
	}
	r, err := queries.RenameAccount(ctx, TranslateErrors(s.pool), dbsqlc.RenameAccountParams{ID: id, Name: name})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Account{}, kernel.NotFoundf("account", "account %s not found; `tollgate accounts list` shows ids", id)
	}
	return accountFromRow(dbsqlc.Account(r)), err
}

func seedCurrencies(ctx context.Context, tx txn, accountID string, at time.Time) error {
	for _, m := range []Mode{ModeTest, ModeLive} {
		for _, c := range builtinCurrencies {
			c.AccountID, c.Mode, c.Kind, c.CreatedAt = accountID, m, AssetCurrency, at
			if err := insertAsset(ctx, tx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyPrefixLen is how much of a key is kept and shown: "tg_test_" plus 6.
const keyPrefixLen = 14

// CreateAPIKey creates a full-scope key for an account and mode and returns
// it with its secret, which is shown this once and never stored.
func (s *Accounts) CreateAPIKey(ctx context.Context, accountID string, mode Mode, name string) (APIKey, string, error) {
	return s.CreateScopedAPIKey(ctx, accountID, mode, ScopeFull, name)
}

// CreateScopedAPIKey creates a key with the given scope, like CreateAPIKey.
// Returns EInvalid for an unknown mode or scope, ENotFound for an unknown
// account.
func (s *Accounts) CreateScopedAPIKey(ctx context.Context, accountID string, mode Mode, scope Scope, name string) (APIKey, string, error) {
	if mode != ModeTest && mode != ModeLive {
		return APIKey{}, "", kernel.Invalidf("mode", "mode must be test or live")
	}
	if scope != ScopeFull && scope != ScopeReadOnly {
		return APIKey{}, "", kernel.Invalidf("scope", "scope must be full or read_only")
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return APIKey{}, "", err
	}
	secret := "tg_" + string(mode) + "_" + encodeBase32(raw[:])
	if _, err := s.GetAccount(ctx, accountID); err != nil {
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return APIKey{}, "", kernel.NotFoundf("account", "account %s not found", accountID)
		}
		return APIKey{}, "", err
	}
	k := APIKey{ID: kernel.NewID(prefixAPIKey, s.clock()), AccountID: accountID, Mode: mode, Scope: scope, Name: name, Prefix: secret[:keyPrefixLen], CreatedAt: s.clock()}
	if err := insertAPIKey(ctx, s.pool, k, hashKey(secret)); err != nil {
		return APIKey{}, "", err
	}
	return k, secret, nil
}

// ListAPIKeys lists an account's keys (all accounts when accountID is empty).
func (s *Accounts) ListAPIKeys(ctx context.Context, accountID string) ([]APIKey, error) {
	return listAPIKeys(ctx, s.pool, accountID)
}

// RevokeAPIKey revokes a key by id or prefix. Returns ENotFound.
func (s *Accounts) RevokeAPIKey(ctx context.Context, ref string) (APIKey, error) {
	k, err := revokeAPIKey(ctx, s.pool, ref, s.clock())
	if err == nil {
		s.cache.keys.Clear() // stop trusting it here at once
		// and in every other process: they LISTEN (see listenRevocations).
		if nerr := queries.NotifyAPIKeys(ctx, TranslateErrors(s.pool), k.ID); nerr != nil {
			s.log.Warn("notify key revocation; other processes stop trusting the key within their cache time", "err", nerr)
		}
	}
	return k, err
}

// SetAPIKeyLimits sets a key's own rate limits in requests a second (0: the
// server's default) for the management endpoints and MCP, and for the hot
// path; by key id or prefix. Every running server applies them at once (the
// key caches are cleared as on a revocation). Returns EInvalid, ENotFound.
func (s *Accounts) SetAPIKeyLimits(ctx context.Context, ref string, rateLimit, hotRateLimit int32) (APIKey, error) {
	if rateLimit < 0 || hotRateLimit < 0 || rateLimit > 1_000_000 || hotRateLimit > 1_000_000 {
		return APIKey{}, kernel.Invalidf("rate_limit", "rate limits are requests a second between 1 and 1,000,000, or 0 for the server's default")
	}
	if n, err := queries.CountAPIKeysByRef(ctx, s.pool, ref); err != nil {
		return APIKey{}, Translate(err)
	} else if n > 1 {
		return APIKey{}, kernel.Errorf(kernel.EConflict, "%d keys share the prefix %q; use the key id (`tollgate keys list` shows ids)", n, ref)
	}
	opt := func(n int32) *int32 {
		if n == 0 {
			return nil
		}
		return &n
	}
	r, err := queries.SetAPIKeyLimits(ctx, s.pool, dbsqlc.SetAPIKeyLimitsParams{Ref: ref, RateLimit: opt(rateLimit), HotRateLimit: opt(hotRateLimit)})
	if err != nil {
		if kernel.ErrorCode(Translate(err)) == kernel.ENotFound {
			return APIKey{}, kernel.NotFoundf("key", "no active API key %q; `tollgate keys list` shows ids and prefixes", ref)
		}
		return APIKey{}, Translate(err)
	}
	s.cache.keys.Clear()
	if nerr := queries.NotifyAPIKeys(ctx, TranslateErrors(s.pool), r.ID); nerr != nil {
		s.log.Warn("notify key limits", "err", nerr)
	}
	return apiKeyFromRow(dbsqlc.ListAPIKeysRow(r)), nil
}

// Authenticate resolves a secret key to its caller. Returns EUnauthorized for
// unknown, malformed or revoked keys; the message never repeats the key.
func (s *Accounts) Authenticate(ctx context.Context, secret string) (Caller, error) {
	if IsCustomerKey(secret) {
		return Caller{}, kernel.Errorf(kernel.EUnauthorized, "%s", CustomerKeyOnlyOnGateway)
	}
	if !strings.HasPrefix(secret, "tg_test_") && !strings.HasPrefix(secret, "tg_live_") {
		return Caller{}, kernel.Errorf(kernel.EUnauthorized, "invalid API key: keys start with tg_test_ or tg_live_; create one with `tollgate keys create`")
	}
	hash := hashKey(secret)
	if e, ok := s.cache.keys.Load(string(hash)); ok && time.Since(e.(keyEntry).at) < keyTTL {
		return e.(keyEntry).caller, nil
	}
	k, err := authenticateKey(ctx, s.pool, hash, s.clock())
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Caller{}, kernel.Errorf(kernel.EUnauthorized, "invalid or revoked API key (%s…)", secret[:min(len(secret), keyPrefixLen)])
	}
	if err != nil {
		return Caller{}, err
	}
	c := Caller{AccountID: k.AccountID, Mode: k.Mode, KeyID: k.ID, KeyPrefix: k.Prefix, Scope: k.Scope, RateLimit: k.RateLimit, HotRateLimit: k.HotRateLimit}
	s.cache.keys.Store(string(hash), keyEntry{caller: c, at: time.Now()})
	return c, nil
}

func hashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// crockford is Crockford's base32 alphabet, lower-cased.
const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

func encodeBase32(b []byte) string {
	var sb strings.Builder
	var acc uint32
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			sb.WriteByte(crockford[(acc>>uint(bits))&31])
		}
	}
	if bits > 0 {
		sb.WriteByte(crockford[(acc<<uint(5-bits))&31])
	}
	return sb.String()
}
