package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/oauth/internal/dbsqlc"
)

// Grant is what a person approved for a client on one account and mode:
// its scope, and the resource its tokens are for.
type Grant struct {
	ID          string
	AccountID   string
	Mode        billing.Mode
	ClientID    string
	ClientName  string
	RedirectURI string
	Scope       Scope
	Resource    string
	CreatedAt   time.Time
	// ExpiresAt is when its newest refresh token expires; it moves on with
	// every refresh.
	ExpiresAt     time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
	RevokedReason string // RevokedByPerson, RevokedRefreshReused or RevokedCodeReused
}

// Why a grant was revoked.
const (
	RevokedByPerson      = "revoked"
	RevokedRefreshReused = "refresh_token_reused"
	RevokedCodeReused    = "code_reused"
)

// Active reports whether the grant's tokens can still work at now.
func (g Grant) Active(now time.Time) bool { return g.RevokedAt == nil && now.Before(g.ExpiresAt) }

// tokenPair is what the token endpoint hands out.
type tokenPair struct {
	access, refresh string
	expiresIn       time.Duration
	scope           string
}

// issue writes a new access and refresh token of a grant in tx and moves
// the grant's expiry to the refresh token's.
func (s *Service) issue(ctx context.Context, tx pgx.Tx, grantID string, scope []string) (tokenPair, error) {
	now := s.now()
	access, accessHash := secret(AccessTokenPrefix)
	refresh, refreshHash := secret(refreshTokenPrefix)
	refreshExp := now.Add(s.opts.RefreshTTL)
	for _, t := range []dbsqlc.InsertTokenParams{
		{TokenHash: accessHash, GrantID: grantID, Kind: "access", Now: now, ExpiresAt: now.Add(s.opts.AccessTTL)},
		{TokenHash: refreshHash, GrantID: grantID, Kind: "refresh", Now: now, ExpiresAt: refreshExp},
	} {
		if err := queries.InsertToken(ctx, on(tx), t); err != nil {
			return tokenPair{}, err
		}
	}
	if err := queries.ExtendGrant(ctx, on(tx), dbsqlc.ExtendGrantParams{ID: grantID, ExpiresAt: refreshExp}); err != nil {
		return tokenPair{}, err
	}
	return tokenPair{access: access, refresh: refresh, expiresIn: s.opts.AccessTTL, scope: strings.Join(scope, " ")}, nil
}

// exchangeCode trades an authorization code for tokens (RFC 6749 §4.1.3
// with PKCE, RFC 7636 §4.6). A code used twice revokes the grant it made:
// someone else has it.
func (s *Service) exchangeCode(ctx context.Context, clientID, code, redirectURI, verifier, resource string) (tokenPair, *protocolError, error) {
	var out tokenPair
	var perr *protocolError
	var revoked string
	err := billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		perr, revoked = nil, ""
		c, err := queries.LockCode(ctx, on(tx), hash(code))
		if kernel.ErrorCode(err) == kernel.ENotFound {
			perr = invalidGrant("the code is unknown or has expired; authorize again")
			return nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case c.UsedAt != nil:
			if revoked, err = s.revokeTx(ctx, tx, c.GrantID, RevokedCodeReused); err != nil {
				return err
			}
			perr = invalidGrant("the code was already exchanged; the tokens it gave are revoked. Authorize again")
		case c.ClientID != clientID:
			perr = invalidGrant("the code was issued to another client_id")
		case !now.Before(c.ExpiresAt):
			perr = invalidGrant("the code has expired (codes last a minute); authorize again")
		case c.RevokedAt != nil:
			perr = invalidGrant("the grant of the code was revoked; authorize again")
		case redirectURI != c.RedirectUri:
			perr = invalidGrant("redirect_uri must be the redirect_uri of the authorization request")
		case !pkceMatches(c.CodeChallenge, verifier):
			perr = invalidGrant("code_verifier does not match the code_challenge of the authorization request")
		case resource != "" && resource != c.Resource:
			perr = &protocolError{code: "invalid_target", description: "resource must be " + c.Resource + ", the resource the code was issued for"}
		}
		if perr != nil {
			return nil // commits a revocation, if any
		}
		if err := queries.SpendCode(ctx, on(tx), dbsqlc.SpendCodeParams{CodeHash: hash(code), Now: now}); err != nil {
			return err
		}
		out, err = s.issue(ctx, tx, c.GrantID, c.Scopes)
		return err
	})
	if err == nil && revoked != "" {
		s.announceRevocation(ctx, revoked)
	}
	return out, perr, err
}

// refresh trades a refresh token for a new pair; the old one is spent. A
// spent refresh token presented again revokes its grant, so a stolen one
// stops working for the thief and the client alike (RFC 9700 §4.14.2).
func (s *Service) refresh(ctx context.Context, clientID, token, resource, scope string) (tokenPair, *protocolError, error) {
	var out tokenPair
	var perr *protocolError
	var revoked string
	err := billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		perr, revoked = nil, ""
		t, err := queries.LockRefreshToken(ctx, on(tx), hash(token))
		if kernel.ErrorCode(err) == kernel.ENotFound {
			perr = invalidGrant("the refresh token is unknown or has expired; authorize again")
			return nil
		}
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case t.UsedAt != nil:
			if revoked, err = s.revokeTx(ctx, tx, t.GrantID, RevokedRefreshReused); err != nil {
				return err
			}
			perr = invalidGrant("the refresh token was already used; every token of its grant is revoked. Authorize again")
		case t.ClientID != clientID:
			perr = invalidGrant("the refresh token was issued to another client_id")
		case t.RevokedAt != nil:
			perr = invalidGrant("the grant of the refresh token was revoked; authorize again")
		case !now.Before(t.ExpiresAt):
			perr = invalidGrant("the refresh token has expired; authorize again")
		case resource != "" && resource != t.Resource:
			perr = &protocolError{code: "invalid_target", description: "resource must be " + t.Resource + ", the resource of the grant"}
		}
		if perr == nil && scope != "" {
			asked, err := s.parseScope(scope)
			granted := s.storedScope(t.Scopes)
			if err != nil || (asked.Write && !granted.Write) || !coversAll(granted, asked.Toolsets) {
				perr = &protocolError{code: "invalid_scope", description: "a refresh may not widen the grant's scope (" + strings.Join(t.Scopes, " ") + "); authorize again for more"}
			}
		}
		if perr != nil {
			return nil
		}
		if err := queries.SpendRefreshToken(ctx, on(tx), dbsqlc.SpendRefreshTokenParams{TokenHash: hash(token), Now: now}); err != nil {
			return err
		}
		out, err = s.issue(ctx, tx, t.GrantID, t.Scopes)
		return err
	})
	if err == nil && revoked != "" {
		s.announceRevocation(ctx, revoked)
	}
	return out, perr, err
}

func coversAll(sc Scope, sets []string) bool {
	for _, t := range sets {
		if !sc.Covers(t) {
			return false
		}
	}
	return true
}

func invalidGrant(desc string) *protocolError {
	return &protocolError{code: "invalid_grant", description: desc}
}

// pkceMatches checks a code_verifier against its S256 challenge (RFC 7636
// §4.6): 43 to 128 unreserved characters whose SHA-256, base64url, is the
// challenge.
func pkceMatches(challenge, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 || strings.ContainsFunc(verifier, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~')
	}) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// revokeTx revokes a grant in tx; it returns the grant's id when this call
// revoked it ("" when it already was), for announceRevocation after commit.
func (s *Service) revokeTx(ctx context.Context, tx pgx.Tx, id, reason string) (string, error) {
	_, err := queries.RevokeGrant(ctx, on(tx), dbsqlc.RevokeGrantParams{ID: id, Now: s.now(), Reason: reason})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return "", nil
	}
	return id, err
}

// announceRevocation stops this process trusting the grant's tokens at
// once, and every other process too: they LISTEN (see Listen). pg_notify is
// delivered on commit, so it is sent after the revocation committed.
func (s *Service) announceRevocation(ctx context.Context, grantID string) {
	s.clearCache()
	if err := queries.NotifyGrants(ctx, on(s.pool), grantID); err != nil {
		s.log.Warn("notify grant revocation; other processes stop trusting its tokens within their cache time", "err", err)
	}
}

// ListGrantsInput pages through grants.
type ListGrantsInput struct {
	After        string // the last id of the previous page
	Limit        int    // 1-100; 0 means 20
	IncludeEnded bool   // revoked and expired grants too
}

// ListGrants lists the grants of the caller's account and mode, newest
// first, and the cursor of the next page ("" at the end). Returns
// EUnauthorized, EInvalid.
func (s *Service) ListGrants(ctx context.Context, in ListGrantsInput) ([]Grant, string, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	mode := string(c.Mode)
	return s.listGrants(ctx, &c.AccountID, &mode, in)
}

// ListAccountGrants lists grants for an operator on the command line, who
// has no caller: of one account when accountID is set, of one mode when
// mode is. Returns EInvalid.
func (s *Service) ListAccountGrants(ctx context.Context, accountID string, mode billing.Mode, in ListGrantsInput) ([]Grant, string, error) {
	var acct, m *string
	if accountID != "" {
		acct = &accountID
	}
	if mode != "" {
		if mode != billing.ModeTest && mode != billing.ModeLive {
			return nil, "", kernel.Invalidf("mode", "mode must be test or live")
		}
		ms := string(mode)
		m = &ms
	}
	return s.listGrants(ctx, acct, m, in)
}

func (s *Service) listGrants(ctx context.Context, acct, mode *string, in ListGrantsInput) ([]Grant, string, error) {
	switch {
	case in.Limit == 0:
		in.Limit = 20
	case in.Limit < 1 || in.Limit > 100:
		return nil, "", kernel.Invalidf("limit", "limit must be between 1 and 100")
	}
	if len(in.After) > 64 {
		return nil, "", kernel.Invalidf("starting_after", "starting_after must be a grant id (oag_…) from the previous page")
	}
	rows, err := queries.ListGrants(ctx, on(s.pool), dbsqlc.ListGrantsParams{AccountID: acct, Mode: mode, After: in.After,
		IncludeEnded: in.IncludeEnded, Now: s.now(), MaxRows: int32(in.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out := make([]Grant, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.grantFromRow(r))
	}
	next := ""
	if len(out) > in.Limit {
		out = out[:in.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// RevokeGrant revokes a grant of the caller's account and mode: its tokens
// stop working at once in every process. Revoking a revoked grant returns
// it unchanged. Returns EUnauthorized, ENotFound.
func (s *Service) RevokeGrant(ctx context.Context, id string) (Grant, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return Grant{}, err
	}
	mode := string(c.Mode)
	return s.revokeGrant(ctx, id, &c.AccountID, &mode)
}

// RevokeAnyGrant revokes a grant of any account and mode, for an operator
// on the command line. Returns ENotFound.
func (s *Service) RevokeAnyGrant(ctx context.Context, id string) (Grant, error) {
	return s.revokeGrant(ctx, id, nil, nil)
}

func (s *Service) revokeGrant(ctx context.Context, id string, acct, mode *string) (Grant, error) {
	if _, err := s.getGrant(ctx, id, acct, mode); err != nil {
		return Grant{}, err
	}
	reason := RevokedByPerson
	_, err := queries.RevokeGrant(ctx, on(s.pool), dbsqlc.RevokeGrantParams{ID: id, Now: s.now(), Reason: reason})
	switch kernel.ErrorCode(err) {
	case "":
		s.announceRevocation(ctx, id)
	case kernel.ENotFound: // it was revoked already
	default:
		return Grant{}, err
	}
	return s.getGrant(ctx, id, acct, mode)
}

func (s *Service) getGrant(ctx context.Context, id string, acct, mode *string) (Grant, error) {
	r, err := queries.GetGrant(ctx, on(s.pool), dbsqlc.GetGrantParams{ID: id, AccountID: acct, Mode: mode})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		where := "in any account"
		if acct != nil {
			where = "in this account and mode"
		}
		return Grant{}, kernel.NotFoundf("grant", "no OAuth grant %q %s; list them with GET /v1/oauth/grants or `tollgate mcp grants list`", id, where)
	}
	if err != nil {
		return Grant{}, err
	}
	return s.grantFromRow(r), nil
}

func (s *Service) grantFromRow(r dbsqlc.OauthGrant) Grant {
	g := Grant{ID: r.ID, AccountID: r.AccountID, Mode: billing.Mode(r.Mode), ClientID: r.ClientID, ClientName: r.ClientName,
		RedirectURI: r.RedirectUri, Scope: s.storedScope(r.Scopes), Resource: r.Resource, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(), LastUsedAt: utcP(r.LastUsedAt), RevokedAt: utcP(r.RevokedAt)}
	if r.RevokedReason != nil {
		g.RevokedReason = *r.RevokedReason
	}
	return g
}

func utcP(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
