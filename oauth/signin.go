package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/oauth/internal/dbsqlc"
)

// Until the console's operator sessions exist, a person signs in for
// consent with a link an operator prints on the server (`tollgate mcp
// authorize-link`): it names one account and mode, opens once within
// LinkTTL, and opens a browser session of SessionTTL held in an HttpOnly
// cookie. Link and session are random and stored as their SHA-256.

// cookieName holds the session; returnCookie the authorization request
// waiting for the person to sign in. Both live under /oauth only.
const (
	cookieName   = "tollgate_oauth"
	returnCookie = "tollgate_oauth_request"
	cookiePath   = "/oauth"
)

// SignInLink is a one-time link that signs a person in for consent.
type SignInLink struct {
	URL       string
	ExpiresAt time.Time // open it before then
}

// CreateSignInLink makes a link that signs a person in to approve MCP
// clients for an account and mode. Returns EInvalid, ENotFound.
func (s *Service) CreateSignInLink(ctx context.Context, accountID string, mode billing.Mode) (SignInLink, error) {
	if mode != billing.ModeTest && mode != billing.ModeLive {
		return SignInLink{}, kernel.Invalidf("mode", "mode must be test or live")
	}
	if _, err := s.billing.Accounts.GetAccount(ctx, accountID); err != nil {
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return SignInLink{}, kernel.NotFoundf("account", "no account %q", accountID)
		}
		return SignInLink{}, err
	}
	token, h := secret(linkPrefix)
	now := s.now()
	exp := now.Add(LinkTTL).Truncate(time.Second)
	if err := queries.InsertSignInLink(ctx, on(s.pool), dbsqlc.InsertSignInLinkParams{LinkHash: h, AccountID: accountID, Mode: string(mode), Now: now, ExpiresAt: exp}); err != nil {
		return SignInLink{}, err
	}
	s.prune(ctx)
	return SignInLink{URL: s.issuer + "/oauth/signin?token=" + url.QueryEscape(token), ExpiresAt: exp}, nil
}

// linkState is what a link says before it is used.
type linkState struct {
	accountID, accountName string
	mode                   billing.Mode
	used, expired          bool
}

func (s *Service) peekLink(ctx context.Context, token string) (linkState, bool, error) {
	if len(token) > 128 {
		return linkState{}, false, nil
	}
	r, err := queries.PeekSignInLink(ctx, on(s.pool), hash(token))
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return linkState{}, false, nil
	}
	if err != nil {
		return linkState{}, false, err
	}
	return linkState{accountID: r.AccountID, accountName: r.AccountName, mode: billing.Mode(r.Mode), used: r.UsedAt != nil,
		expired: !s.now().Before(r.LinkExpiresAt)}, true, nil
}

// useLink exchanges a link for a session; false when it was used or expired
// meanwhile.
func (s *Service) useLink(ctx context.Context, token string) (string, bool, error) {
	session, h := secret(sessionPrefix)
	now := s.now()
	_, err := queries.UseSignInLink(ctx, on(s.pool), dbsqlc.UseSignInLinkParams{LinkHash: hash(token), Now: now, SessionHash: h,
		SessionExpiresAt: now.Add(SessionTTL)})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return "", false, nil
	}
	return session, err == nil, err
}

// sessionOf returns the session token of a request and who it signs in.
func (s *Service) sessionOf(r *http.Request) (string, Identity, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil || len(ck.Value) > 128 {
		return "", Identity{}, false
	}
	row, err := queries.GetSignInSession(r.Context(), on(s.pool), dbsqlc.GetSignInSessionParams{SessionHash: hash(ck.Value), Now: s.now()})
	if err != nil {
		if kernel.ErrorCode(err) != kernel.ENotFound {
			s.log.Error("read an OAuth sign-in session", "err", err)
		}
		return "", Identity{}, false
	}
	return ck.Value, Identity{AccountID: row.AccountID, Mode: billing.Mode(row.Mode), Who: "with a one-time link from tollgate mcp authorize-link"}, true
}

// signedIn is who approves: the person Options.SignedIn knows (the
// console's operator), else the session of a sign-in link.
func (s *Service) signedIn(r *http.Request) (Identity, bool) {
	if s.opts.SignedIn != nil {
		if id, ok := s.opts.SignedIn(r); ok {
			return id, true
		}
	}
	_, id, ok := s.sessionOf(r)
	return id, ok
}

// csrfCookie holds a random value per browser; a consent form carries an
// HMAC of its request's id under it, so a form posted from elsewhere, which
// cannot read the cookie, is refused (whatever SignedIn is).
const csrfCookie = "tollgate_oauth_csrf"

func csrfToken(key, requestID string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("tollgate oauth consent " + requestID))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) setCookie(w http.ResponseWriter, name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: cookiePath, MaxAge: int(ttl / time.Second),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}
