package mcp

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/tools"
)

// OAuth lets /mcp accept, beside API keys, the access tokens of Tollgate's
// own authorization server (package oauth, which cmd hands in), and makes
// every 401 of /mcp name the protected resource's metadata (RFC 9728) so a
// client can sign in.
type OAuth interface {
	// Owns reports whether a bearer credential is one of its access tokens.
	Owns(bearer string) bool
	// AuthenticateAccess returns the caller of a live access token issued
	// for /mcp, the toolsets its grant allows and its scope; EUnauthorized
	// otherwise.
	AuthenticateAccess(ctx context.Context, token string) (billing.Caller, []string, string, error)
	// ResourceMetadataURL is where the protected resource metadata is.
	ResourceMetadataURL() string
	// ChallengeScope is the scope a client should ask for.
	ChallengeScope() string
}

// challenge is the WWW-Authenticate of a 401 from /mcp: realm and any
// error of base, plus, with OAuth, the resource metadata and the scope.
func challenge(o OAuth, base string) string {
	if o == nil {
		return base
	}
	return base + `, resource_metadata="` + o.ResourceMetadataURL() + `", scope="` + o.ChallengeScope() + `"`
}

type toolsetLimitKey struct{}

// serveToken serves a request that carries one of o's access tokens: the
// grant's caller, and its toolsets both as the connection's selection and as
// the limit of any selection the connection makes (SelectToolsets,
// enable_toolset).
func serveToken(w http.ResponseWriter, r *http.Request, o OAuth, token string, log *slog.Logger, next http.Handler) {
	c, sets, scope, err := o.AuthenticateAccess(r.Context(), token)
	switch kernel.ErrorCode(err) {
	case "":
		ctx := billing.WithCaller(r.Context(), c)
		ctx = context.WithValue(WithToolsets(ctx, sets), toolsetLimitKey{}, grantLimit{sets: sets, scope: scope})
		next.ServeHTTP(w, r.WithContext(ctx))
	case kernel.EUnauthorized:
		w.Header().Set("WWW-Authenticate", challenge(o, `Bearer realm="tollgate", error="invalid_token", error_description="`+headerSafe(kernel.ErrorMessage(err))+`"`))
		unauthorized(w, kernel.ErrorMessage(err))
	default:
		log.Error("authenticate MCP access token", "err", err)
		http.Error(w, "authentication is unavailable; try again later", http.StatusServiceUnavailable)
	}
}

// grantLimit is what an OAuth grant allows a connection.
type grantLimit struct {
	sets  []string
	scope string
}

// beyondGrant returns the sets of a selection the request's OAuth grant
// does not allow (none for an API key, which may select any).
func beyondGrant(ctx context.Context, sets []string) []string {
	g, ok := ctx.Value(toolsetLimitKey{}).(grantLimit)
	if !ok || slices.Contains(g.sets, tools.AllToolsets) {
		return nil
	}
	var out []string
	for _, s := range sets {
		if s != tools.Always && !slices.Contains(g.sets, s) {
			out = append(out, s)
		}
	}
	return out
}

// insufficientScope answers 403 to a selection beyond the grant, naming the
// scope that would allow it (RFC 6750 §3.1), so a client can ask the person
// again (step-up authorization).
func insufficientScope(w http.ResponseWriter, r *http.Request, missing []string) {
	g := r.Context().Value(toolsetLimitKey{}).(grantLimit)
	scope := g.scope
	for _, s := range missing {
		scope += " toolsets:" + s
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate", error="insufficient_scope", scope="`+scope+`"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	msg := "this connection's OAuth grant does not include the toolsets " + strings.Join(missing, ", ") + "; authorize again with the scope " + strings.TrimSpace(scope)
	_, _ = w.Write([]byte(`{"error":{"type":"permission_error","code":"insufficient_scope","message":` + quote(msg) + `}}` + "\n"))
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(" ")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
