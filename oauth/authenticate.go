package oauth

import (
	"context"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/oauth/internal/dbsqlc"
)

// tokenTTL is how long an authenticated access token is trusted without
// asking the database again, as API keys are: a revocation clears every
// process's cache at once through Listen; while a process is not listening,
// tokenTTL bounds how long it trusts a revoked token.
const tokenTTL = 5 * time.Second

// maxCached bounds the cache; past it, it starts afresh.
const maxCached = 10_000

type tokenEntry struct {
	caller   billing.Caller
	scope    Scope
	at       time.Time // when it was read from the database
	expires  time.Time // the token's own expiry
	resource string
}

// Owns reports whether a bearer credential is one of this server's access
// tokens (an API key or anything else is not).
func (s *Service) Owns(bearer string) bool { return strings.HasPrefix(bearer, AccessTokenPrefix) }

// AuthenticateAccess resolves an access token for /mcp: the caller (the
// grant's account and mode, read-only unless the grant has mcp:write; the
// grant's id stands for the key), the toolsets the grant allows and its
// scope. Returns EUnauthorized for an unknown, expired or revoked token, or
// one issued for another resource; the message never repeats the token.
func (s *Service) AuthenticateAccess(ctx context.Context, token string) (billing.Caller, []string, string, error) {
	e, err := s.lookup(ctx, token)
	if err != nil {
		return billing.Caller{}, nil, "", err
	}
	if e.resource != s.resource {
		return billing.Caller{}, nil, "", kernel.Errorf(kernel.EUnauthorized,
			"this access token was issued for the resource %s, not %s; authorize again for this server", e.resource, s.resource)
	}
	return e.caller, e.scope.Toolsets, e.scope.String(), nil
}

func (s *Service) lookup(ctx context.Context, token string) (tokenEntry, error) {
	refused := kernel.Errorf(kernel.EUnauthorized, "the access token is invalid, expired or revoked; refresh it or authorize again")
	if !s.Owns(token) || len(token) > 128 {
		return tokenEntry{}, refused
	}
	h := string(hash(token))
	now := time.Now()
	if v, ok := s.cache.Load(h); ok {
		e := v.(tokenEntry)
		if now.Sub(e.at) < tokenTTL && s.now().Before(e.expires) {
			return e, nil
		}
	}
	at := s.now()
	r, err := queries.AuthenticateAccessToken(ctx, on(s.pool), dbsqlc.AuthenticateAccessTokenParams{TokenHash: []byte(h), Now: at})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return tokenEntry{}, refused
	}
	if err != nil {
		return tokenEntry{}, err
	}
	sc := s.storedScope(r.Scopes)
	c := billing.Caller{AccountID: r.AccountID, Mode: billing.Mode(r.Mode), KeyID: r.ID, KeyPrefix: token[:min(len(token), len(AccessTokenPrefix)+6)], Scope: billing.ScopeFull}
	if !sc.Write {
		c.Scope = billing.ScopeReadOnly
	}
	e := tokenEntry{caller: c, scope: sc, at: now, expires: r.ExpiresAt, resource: r.Resource}
	if s.cacheSize.Add(1) > maxCached {
		s.clearCache()
	}
	s.cache.Store(h, e)
	if r.LastUsedAt == nil || at.Sub(*r.LastUsedAt) > time.Minute {
		if err := queries.TouchGrant(ctx, on(s.pool), dbsqlc.TouchGrantParams{ID: r.ID, Now: at}); err != nil {
			s.log.Warn("note an OAuth grant's use", "err", err)
		}
	}
	return e, nil
}

func (s *Service) clearCache() {
	s.cache.Clear()
	s.cacheSize.Store(0)
}

// notifyChannel is what a revocation notifies (NotifyGrants).
const notifyChannel = "tollgate_oauth"

// Listen clears this process's token cache whenever any process revokes a
// grant, so a revoked grant's tokens stop working everywhere at once. It
// holds one connection until ctx ends, reconnecting after a failure; serve
// starts it.
func (s *Service) Listen(ctx context.Context) {
	for ctx.Err() == nil {
		if err := s.listenOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("listen for OAuth grant revocations; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (s *Service) listenOnce(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	s.clearCache() // anything revoked while not listening
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			conn.Conn().Close(context.Background()) // leave no LISTEN on a pooled connection
			return err
		}
		s.clearCache()
	}
}
