package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/oauth"
	"github.com/tollgatehq/tollgate/wire"
)

// approveClient runs an OAuth approval through the authorization server's
// own pages at base, as a person its SignedIn knows by X-Signed-In.
func approveClient(t *testing.T, base string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(req *http.Request) *http.Response {
		req.Header.Set("X-Signed-In", "yes")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	reg, _ := http.NewRequest("POST", base+"/oauth/register", strings.NewReader(`{"client_name": "API test client", "redirect_uris": ["http://127.0.0.1/cb"]}`))
	resp := do(reg)
	var client struct {
		ID string `json:"client_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&client); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("register = %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	q := url.Values{"client_id": {client.ID}, "redirect_uri": {"http://127.0.0.1/cb"}, "response_type": {"code"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}, "scope": {"mcp:read toolsets:catalog"}}
	get, _ := http.NewRequest("GET", base+"/oauth/authorize?"+q.Encode(), nil)
	consentURL := do(get).Header.Get("Location")
	get, _ = http.NewRequest("GET", base+consentURL, nil)
	resp = do(get)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"decision": {"approve"}}
	for _, m := range regexp.MustCompile(`name="(request|csrf)" value="([^"]+)"`).FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], m[2])
	}
	post, _ := http.NewRequest("POST", base+"/oauth/consent", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp := do(post); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Fatalf("consent = %d %s, want a code", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestOAuthGrants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.wantError(t, e.do("GET", "/v1/oauth/grants", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "")
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	o, err := oauth.New(e.svc.Pool(), e.svc, oauth.Options{BaseURL: srv.URL, Toolsets: []oauth.Toolset{{Name: "catalog"}}, DefaultToolsets: []string{"catalog"},
		SignedIn: func(r *http.Request) (oauth.Identity, bool) {
			return oauth.Identity{AccountID: e.acct.ID, Mode: billing.ModeTest}, r.Header.Get("X-Signed-In") == "yes"
		}})
	if err != nil {
		t.Fatal(err)
	}
	h = o.Handler()
	e.server.opts.OAuth = o
	approveClient(t, srv.URL)

	gs := list[wire.OAuthGrant](t, e.must(t, http.StatusOK, "GET", "/v1/oauth/grants", nil, nil))
	if len(gs.Data) != 1 || gs.Data[0].ClientName != "API test client" || !gs.Data[0].ReadOnly || strings.Join(gs.Data[0].Toolsets, ",") != "catalog" ||
		gs.Data[0].Scope != "mcp:read toolsets:catalog" || gs.Data[0].Resource != srv.URL+"/mcp" || gs.Data[0].RevokedAt != nil || gs.Data[0].Livemode {
		t.Fatalf("GET /v1/oauth/grants = %+v; want the read-only catalog grant of the test client", gs.Data)
	}
	id := gs.Data[0].ID
	// Another mode's key sees none of them and cannot revoke them.
	live := e.newKey(t, e.acct.ID, billing.ModeLive)
	if res := e.do("GET", "/v1/oauth/grants", live, nil); res.status != 200 || strings.Contains(string(res.body), id) {
		t.Errorf("GET /v1/oauth/grants with a live key = %d %s, want none of test mode's", res.status, res.body)
	}
	e.wantError(t, e.do("POST", "/v1/oauth/grants/"+id+"/revoke", live, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "grant")
	var g wire.OAuthGrant
	e.must(t, http.StatusOK, "POST", "/v1/oauth/grants/"+id+"/revoke", nil, &g)
	if g.RevokedAt == nil || g.RevokedReason == nil || *g.RevokedReason != "revoked" {
		t.Errorf("revoke = %+v, want revoked_at and the reason revoked", g)
	}
	e.must(t, http.StatusOK, "POST", "/v1/oauth/grants/"+id+"/revoke", nil, &g) // again: unchanged
	if gs := list[wire.OAuthGrant](t, e.must(t, http.StatusOK, "GET", "/v1/oauth/grants", nil, nil)); len(gs.Data) != 0 {
		t.Errorf("GET /v1/oauth/grants after the revocation = %+v, want none in force", gs.Data)
	}
	if gs := list[wire.OAuthGrant](t, e.must(t, http.StatusOK, "GET", "/v1/oauth/grants?include_ended=true", nil, nil)); len(gs.Data) != 1 {
		t.Errorf("GET /v1/oauth/grants?include_ended=true = %+v, want the revoked grant", gs.Data)
	}
	e.wantError(t, e.do("GET", "/v1/oauth/grants?limit=500", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "limit")
	_, ro, err := e.svc.Accounts.CreateScopedAPIKey(context.Background(), e.acct.ID, billing.ModeTest, billing.ScopeReadOnly, "reader")
	if err != nil {
		t.Fatal(err)
	}
	e.wantError(t, e.do("POST", "/v1/oauth/grants/"+id+"/revoke", ro, nil), http.StatusForbidden, typePermission, codeReadOnlyKey, "")
}
