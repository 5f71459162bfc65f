package billing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Confirmations holds the rule that an agent's call which moves money out of
// a customer's reach, or takes away their means to pay, waits for a person's
// yes: which moves need it (Required), the per-asset thresholds and the
// automation keys that change that, and the single-use tokens a yes is
// carried by. How the person is asked is the surface's business (mcp).
type Confirmations struct{ *core }

// MoveKind names a move a person confirms.
type MoveKind string

// The moves. Refunds, gifts and corrections carry an amount and ask above
// the threshold of their asset; the others always ask.
const (
	MoveRefund           MoveKind = "refund"              // a refund adjustment, or a top-up's refund
	MoveGift             MoveKind = "gift"                // free credit
	MoveCorrection       MoveKind = "correction"          // a signed fix of a balance
	MoveCancelNow        MoveKind = "cancel_now"          // a plan ended now, no refund
	MoveRevokeKey        MoveKind = "revoke_key"          // a customer key revoked
	MoveDisableAutoTopUp MoveKind = "disable_auto_top_up" // a wallet's auto top-up turned off
)

// Move is what a call would do, as Required judges it: its kind and, for the
// kinds with an amount, the asset and the amount (a correction's sign does
// not matter).
type Move struct {
	Kind   MoveKind
	Asset  string
	Amount rating.Decimal
}

// hasAmount reports whether k is judged by its amount against a threshold.
func (k MoveKind) hasAmount() bool {
	return k == MoveRefund || k == MoveGift || k == MoveCorrection
}

// Required reports whether the caller's move needs a person's confirmation:
// never for an automation key (ExemptKey); for a refund, gift or correction,
// when its amount is above the threshold of its asset (0 unless set:
// SetThreshold); for the other kinds, always. Returns EInvalid for an
// unknown kind.
func (s *Confirmations) Required(ctx context.Context, m Move) (bool, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return false, err
	}
	switch m.Kind {
	case MoveRefund, MoveGift, MoveCorrection, MoveCancelNow, MoveRevokeKey, MoveDisableAutoTopUp:
	default:
		return false, kernel.Invalidf("kind", "unknown move %q", m.Kind)
	}
	if c.KeyID != "" {
		exempt, err := queries.IsKeyConfirmationExempt(ctx, s.pool, c.KeyID)
		if err != nil {
			return false, Translate(err)
		}
		if exempt {
			return false, nil
		}
	}
	if !m.Kind.hasAmount() {
		return true, nil
	}
	above, err := s.threshold(ctx, c, m.Asset)
	if err != nil {
		return false, err
	}
	return m.Amount.Abs().GreaterThan(above), nil
}

// threshold returns the caller's threshold in asset: 0 when none is set.
func (s *Confirmations) threshold(ctx context.Context, c Caller, asset string) (rating.Decimal, error) {
	above, err := queries.GetConfirmationThreshold(ctx, s.pool, dbsqlc.GetConfirmationThresholdParams{AccountID: c.AccountID, Mode: string(c.Mode), Asset: asset})
	if errors.Is(err, pgx.ErrNoRows) {
		return rating.Decimal{}, nil
	}
	return above, Translate(err)
}

// Threshold is the amount in one asset up to which a refund, gift or
// correction goes through without asking.
type Threshold struct {
	Asset     string
	Above     rating.Decimal
	UpdatedAt time.Time
}

// SetThreshold sets the caller's threshold in an asset of its catalog: a
// refund, gift or correction of more than above asks; 0 asks for every one
// (the default). Returns EInvalid for a negative amount or one finer than
// the asset's precision, ENotFound for an unknown asset.
func (s *Confirmations) SetThreshold(ctx context.Context, asset string, above rating.Decimal) (Threshold, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Threshold{}, err
	}
	a, err := getAsset(ctx, s.pool, c, asset)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Threshold{}, kernel.NotFoundf("asset", "asset %q not found in %s mode: use an asset code of this account (a currency such as USD, or a custom unit)", asset, c.Mode)
	}
	if err != nil {
		return Threshold{}, err
	}
	if above.IsNegative() || !above.Equal(above.Round(a.Precision)) || above.GreaterThan(maxThreshold) {
		return Threshold{}, kernel.Invalidf("above", "the threshold must be between 0 and %s with at most %d decimal places for %s, such as %s",
			maxThreshold, a.Precision, a.Code, rating.FormatAmount(maxThreshold.Shift(-10), a.Precision))
	}
	t := Threshold{Asset: a.Code, Above: above, UpdatedAt: s.clock()}
	err = queries.UpsertConfirmationThreshold(ctx, s.pool, dbsqlc.UpsertConfirmationThresholdParams{AccountID: c.AccountID, Mode: string(c.Mode),
		Asset: t.Asset, Above: t.Above, UpdatedAt: t.UpdatedAt})
	return t, Translate(err)
}

// maxThreshold bounds a threshold: above it, every amount a wallet can hold
// would go through unasked; ExemptKey says that more plainly.
var maxThreshold = decimal.NewFromInt(1_000_000_000_000)

// Thresholds lists the caller's thresholds, by asset; an asset not listed
// asks for every refund, gift or correction.
func (s *Confirmations) Thresholds(ctx context.Context) ([]Threshold, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := queries.ListConfirmationThresholds(ctx, s.pool, dbsqlc.ListConfirmationThresholdsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Threshold, len(rows))
	for i, r := range rows {
		out[i] = Threshold{Asset: r.Asset, Above: r.Above, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// ExemptKey makes an API key (by id or prefix, as `tollgate keys` names
// them) an automation key whose calls are never asked about, or (exempt
// false) asked about again. It returns the key. Automation is a property of
// the key, not of the account: a backend's agent with no person behind it
// runs unasked while the people's agents on the same account still confirm.
// Returns ENotFound, or EConflict when a prefix names several keys.
func (s *Confirmations) ExemptKey(ctx context.Context, ref string, exempt bool) (APIKey, error) {
	rows, err := queries.FindAPIKeyByRef(ctx, s.pool, ref)
	if err != nil {
		return APIKey{}, Translate(err)
	}
	switch {
	case len(rows) == 0 || (len(rows) == 1 && rows[0].RevokedAt != nil):
		return APIKey{}, kernel.NotFoundf("key", "no active API key %q; `tollgate keys list` shows ids and prefixes", ref)
	case len(rows) > 1:
		return APIKey{}, kernel.Errorf(kernel.EConflict, "%d keys share the prefix %q; use the key id (`tollgate keys list` shows ids)", len(rows), ref)
	}
	k := APIKey{ID: rows[0].ID, AccountID: rows[0].AccountID, Mode: Mode(rows[0].Mode), Prefix: rows[0].Prefix}
	if exempt {
		err = queries.ExemptKeyFromConfirmation(ctx, s.pool, dbsqlc.ExemptKeyFromConfirmationParams{KeyID: k.ID, CreatedAt: s.clock()})
	} else {
		err = queries.UnexemptKeyFromConfirmation(ctx, s.pool, k.ID)
	}
	return k, Translate(err)
}

// ExemptKeys lists an account's active automation keys.
func (s *Confirmations) ExemptKeys(ctx context.Context, accountID string) ([]APIKey, error) {
	rows, err := queries.ListConfirmationExemptKeys(ctx, s.pool, accountID)
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]APIKey, len(rows))
	for i, r := range rows {
		out[i] = APIKey{ID: r.ID, AccountID: accountID, Mode: Mode(r.Mode), Prefix: r.Prefix, Name: r.Name}
	}
	return out, nil
}

// ConfirmationTokenPrefix starts every confirmation token.
const ConfirmationTokenPrefix = "ctok_"

// Issue returns a new single-use token for the caller's call of tool with
// arguments whose fingerprint is given, valid for ttl (1 second to 1 hour):
// the proof, once a person said yes, that the same call may run. Only its
// hash is stored. Expired tokens of the account are deleted on the way.
func (s *Confirmations) Issue(ctx context.Context, tool, fingerprint string, ttl time.Duration) (string, time.Time, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	if ttl < time.Second || ttl > time.Hour {
		return "", time.Time{}, kernel.Invalidf("ttl", "a confirmation token lives between 1 second and 1 hour, not %s", ttl)
	}
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	token := ConfirmationTokenPrefix + encodeBase32(b[:])
	now := s.clock()
	expires := now.Add(ttl)
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := queries.DeleteExpiredConfirmationTokens(ctx, tx, dbsqlc.DeleteExpiredConfirmationTokensParams{AccountID: c.AccountID, ExpiresAt: now}); err != nil {
			return err
		}
		return queries.InsertConfirmationToken(ctx, tx, dbsqlc.InsertConfirmationTokenParams{Hash: tokenHash(token), AccountID: c.AccountID, Mode: string(c.Mode),
			Tool: tool, Fingerprint: fingerprint, CreatedAt: now, ExpiresAt: expires})
	})
	if err != nil {
		return "", time.Time{}, Translate(err)
	}
	return token, expires, nil
}

// Redeem uses up token for the caller's call of tool with arguments of the
// given fingerprint: it succeeds once, and only for the account, mode, tool
// and arguments it was issued for, before it expires. Returns EConflict
// saying why otherwise (unknown, another call or other arguments, used,
// expired); nothing is used up then.
func (s *Confirmations) Redeem(ctx context.Context, token, tool, fingerprint string) error {
	c, err := RequireCaller(ctx)
	if err != nil {
		return err
	}
	h, now := tokenHash(token), s.clock()
	_, err = queries.RedeemConfirmationToken(ctx, s.pool, dbsqlc.RedeemConfirmationTokenParams{Now: now, Hash: h, AccountID: c.AccountID, Mode: string(c.Mode),
		Tool: tool, Fingerprint: fingerprint})
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Translate(err)
	}
	r, err := queries.GetConfirmationToken(ctx, s.pool, h)
	switch {
	case errors.Is(err, pgx.ErrNoRows) || (err == nil && (r.AccountID != c.AccountID || r.Mode != string(c.Mode))):
		return kernel.Errorf(kernel.EConflict, "this confirmation token is unknown here: it was not issued to this account in %s mode, or it expired and was deleted", c.Mode)
	case err != nil:
		return Translate(err)
	case r.UsedAt != nil:
		return kernel.Errorf(kernel.EConflict, "this confirmation token was already used: each confirms one call, once")
	case r.Tool != tool:
		return kernel.Errorf(kernel.EConflict, "this confirmation token was issued for %s, not %s", r.Tool, tool)
	case r.Fingerprint != fingerprint:
		return kernel.Errorf(kernel.EConflict, "this confirmation token was issued for other arguments: a token confirms exactly the arguments the person saw, nothing else")
	default:
		return kernel.Errorf(kernel.EConflict, "this confirmation token expired at %s", r.ExpiresAt.UTC().Format(time.RFC3339))
	}
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CustomerKeyCustomer returns the external id of
// the customer a customer key of the caller belongs to, for showing the
// person whose key a revocation stops. Returns ENotFound.
func (s *Confirmations) CustomerKeyCustomer(ctx context.Context, keyID string) (string, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return "", err
	}
	r, err := queries.GetCustomerKeyCustomer(ctx, s.pool, dbsqlc.GetCustomerKeyCustomerParams{AccountID: c.AccountID, Mode: string(c.Mode), ID: keyID})
	if err != nil {
		if kernel.ErrorCode(Translate(err)) == kernel.ENotFound {
			return "", kernel.NotFoundf("id", "customer key %q not found in %s mode", keyID, c.Mode)
		}
		return "", Translate(err)
	}
	return r.ExternalID, nil
}
