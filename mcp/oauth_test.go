package mcp

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// fakeOAuth owns the bearer "tok_good" (a grant of the catalog toolset,
// read-only) and refuses any other "tok_".
type fakeOAuth struct{}

func (fakeOAuth) Owns(b string) bool { return strings.HasPrefix(b, "tok_") }
func (fakeOAuth) AuthenticateAccess(_ context.Context, token string) (billing.Caller, []string, string, error) {
	if token != "tok_good" {
		return billing.Caller{}, nil, "", kernel.Errorf(kernel.EUnauthorized, "the access token is invalid, expired or revoked")
	}
	return billing.Caller{AccountID: "acct_1", Mode: billing.ModeTest, KeyID: "oag_1", Scope: billing.ScopeReadOnly}, []string{"catalog"}, "mcp:read toolsets:catalog", nil
}
func (fakeOAuth) ResourceMetadataURL() string {
	return "https://tg.example/.well-known/oauth-protected-resource/mcp"
}
func (fakeOAuth) ChallengeScope() string { return "mcp:read mcp:write" }

// TestRequireKeyWithOAuth: with OAuth, /mcp's 401s name the resource
// metadata and scope (RFC 9728 §5.1), an access token is the grant's caller
// with its toolsets, and a selection beyond them is 403 insufficient_scope
// naming the scope that would allow it.
func TestRequireKeyWithOAuth(t *testing.T) {
	t.Parallel()
	var seen context.Context
	h := requireKey(nil, fakeOAuth{}, slog.New(slog.DiscardHandler), SelectToolsets(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.Context() })))
	serve := func(target, auth string) *httptest.ResponseRecorder {
		seen = nil
		req := httptest.NewRequest("POST", target, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	const meta = `resource_metadata="https://tg.example/.well-known/oauth-protected-resource/mcp", scope="mcp:read mcp:write"`
	if w := serve("/mcp", ""); w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), meta) || seen != nil {
		t.Errorf("no credentials = %d %q; want 401 naming the metadata and scope", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	if w := serve("/mcp", "Bearer tok_expired"); w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) ||
		!strings.Contains(w.Header().Get("WWW-Authenticate"), meta) || seen != nil {
		t.Errorf("a refused token = %d %q; want 401 invalid_token naming the metadata", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	if w := serve("/mcp", "Bearer tok_good"); w.Code != 200 || seen == nil {
		t.Fatalf("a good token = %d, want it served", w.Code)
	}
	if c, _ := billing.CallerFrom(seen); c.KeyID != "oag_1" || !c.ReadOnly() {
		t.Errorf("caller of a good token = %+v, want the grant's, read-only", c)
	}
	if sets, _ := seen.Value(toolsetsKey{}).([]string); strings.Join(sets, ",") != "catalog" {
		t.Errorf("toolsets of a good token = %v, want the grant's [catalog]", sets)
	}
	if w := serve("/mcp?toolsets=catalog", "Bearer tok_good"); w.Code != 200 {
		t.Errorf("a selection within the grant = %d, want 200", w.Code)
	}
	for _, sel := range []string{"webhooks", "catalog,webhooks", "all"} {
		w := serve("/mcp?toolsets="+sel, "Bearer tok_good")
		want := "toolsets:" + strings.TrimPrefix(sel, "catalog,")
		if ch := w.Header().Get("WWW-Authenticate"); w.Code != 403 || !strings.Contains(ch, `error="insufficient_scope"`) ||
			!strings.Contains(ch, `scope="mcp:read toolsets:catalog `+want+`"`) || seen != nil {
			t.Errorf("selection %s beyond the grant = %d %q; want 403 insufficient_scope asking for %s", sel, w.Code, ch, want)
		}
	}
	// An API key's challenge without OAuth stays as it was.
	w := httptest.NewRecorder()
	RequireKey(nil, slog.New(slog.DiscardHandler), http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("POST", "/sse", nil))
	if w.Code != 401 || w.Header().Get("WWW-Authenticate") != `Bearer realm="tollgate"` {
		t.Errorf("RequireKey without OAuth = %d %q, want the plain challenge", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}
