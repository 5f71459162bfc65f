package oauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/billingtest"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/oauth"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// RFC 7636's example pair.
const (
	verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	redirect  = "http://127.0.0.1/callback"
)

var toolsets = []oauth.Toolset{{Name: "catalog", Description: "Products"}, {Name: "usage", Description: "Usage"}, {Name: "webhooks", Description: "Webhooks"}}

// rig is an oauth.Service on its own database behind an httptest server,
// whose consent page is approved by whoever sends X-Signed-In (a SignedIn
// of its own, as the console's will be).
type rig struct {
	t      *testing.T
	env    *billingtest.Env
	svc    *oauth.Service
	srv    *httptest.Server
	client *http.Client // keeps cookies, follows no redirect
}

func newRig(t *testing.T) *rig {
	t.Helper()
	env := billingtest.New(t)
	return newRigOn(t, env, true)
}

// newRigOn is another server (its own public URL) on env's database; with
// signedIn false, the consent page knows people by their sign-in links.
func newRigOn(t *testing.T, env *billingtest.Env, signedIn bool) *rig {
	t.Helper()
	r := &rig{t: t, env: env}
	var h http.Handler
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h.ServeHTTP(w, req) }))
	t.Cleanup(r.srv.Close)
	opts := oauth.Options{BaseURL: r.srv.URL, Toolsets: toolsets, DefaultToolsets: []string{"catalog", "usage"}}
	if signedIn {
		opts.SignedIn = func(req *http.Request) (oauth.Identity, bool) {
			return oauth.Identity{AccountID: env.Acct.ID, Mode: billing.ModeTest, Who: "ada@example.com"}, req.Header.Get("X-Signed-In") == "yes"
		}
	}
	svc, err := oauth.New(env.Pool, env.Svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.svc, h = svc, svc.Handler()
	jar, _ := cookiejar.New(nil)
	r.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return r
}

func (r *rig) do(method, path string, body io.Reader, header ...string) (int, http.Header, string) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.srv.URL+path, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (r *rig) form(path string, v url.Values, header ...string) (int, http.Header, string) {
	return r.do("POST", path, strings.NewReader(v.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

func (r *rig) register(redirects ...string) string {
	r.t.Helper()
	b, _ := json.Marshal(map[string]any{"client_name": "Test client", "redirect_uris": redirects})
	status, _, body := r.do("POST", "/oauth/register", strings.NewReader(string(b)), "Content-Type", "application/json")
	var out struct {
		ClientID string `json:"client_id"`
	}
	if status != 201 || json.Unmarshal([]byte(body), &out) != nil {
		r.t.Fatalf("register = %d %s", status, body)
	}
	return out.ClientID
}

var hidden = regexp.MustCompile(`name="(request|csrf)" value="([^"]+)"`)

// consent runs /oauth/authorize and answers the consent page; it returns
// where the browser is sent back to.
func (r *rig) consent(client, scope, decision string, extra ...string) *url.URL {
	r.t.Helper()
	q := url.Values{"client_id": {client}, "redirect_uri": {redirect}, "response_type": {"code"}, "code_challenge": {challenge},
		"code_challenge_method": {"S256"}, "state": {"st"}, "scope": {scope}, "resource": {r.svc.Resource()}}
	status, h, body := r.do("GET", "/oauth/authorize?"+q.Encode(), nil)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/oauth/consent?request=") {
		r.t.Fatalf("authorize = %d %s %s", status, h.Get("Location"), body)
	}
	status, _, page := r.do("GET", h.Get("Location"), nil, "X-Signed-In", "yes")
	if status != 200 {
		r.t.Fatalf("consent page = %d %s", status, page)
	}
	form := url.Values{"decision": {decision}}
	for _, m := range hidden.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], m[2])
	}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	status, h, body = r.form("/oauth/consent", form, "X-Signed-In", "yes")
	if status != http.StatusSeeOther {
		r.t.Fatalf("consent = %d %s", status, body)
	}
	u, _ := url.Parse(h.Get("Location"))
	return u
}

type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	Type    string `json:"token_type"`
	Expires int    `json:"expires_in"`
	Scope   string `json:"scope"`
	Error   string `json:"error"`
	Desc    string `json:"error_description"`
}

func (r *rig) token(v url.Values) (int, tokens) {
	r.t.Helper()
	status, _, body := r.form("/oauth/token", v)
	var t tokens
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		r.t.Fatalf("token = %d %s", status, body)
	}
	return status, t
}

func (r *rig) exchange(client, code string) (int, tokens) {
	return r.token(url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {redirect}, "resource": {r.svc.Resource()}})
}

// approved registers a client, approves it and exchanges the code.
func (r *rig) approved(scope string) (string, tokens) {
	r.t.Helper()
	client := r.register(redirect)
	back := r.consent(client, scope, "approve")
	status, tok := r.exchange(client, back.Query().Get("code"))
	if status != 200 {
		r.t.Fatalf("exchange = %d %+v", status, tok)
	}
	return client, tok
}

func TestCodeFlow(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	client := r.register(redirect)
	back := r.consent(client, "", "approve")
	if back.Query().Get("iss") != r.srv.URL || back.Query().Get("state") != "st" || !strings.HasPrefix(back.Query().Get("code"), "tg_oac_") {
		t.Fatalf("approval went back to %s; want a code, the state and iss", back)
	}
	status, tok := r.exchange(client, back.Query().Get("code"))
	if status != 200 || tok.Type != "Bearer" || tok.Expires != 3600 || !strings.HasPrefix(tok.Access, "tg_oat_") ||
		!strings.HasPrefix(tok.Refresh, "tg_ort_") || tok.Scope != "mcp:read mcp:write toolsets:catalog toolsets:usage" {
		t.Fatalf("exchange = %d %+v; want an hour's bearer token, a refresh token, and the default scope", status, tok)
	}
	c, sets, scope, err := r.svc.AuthenticateAccess(context.Background(), tok.Access)
	if err != nil || c.AccountID != r.env.Acct.ID || c.Mode != billing.ModeTest || c.ReadOnly() || !strings.HasPrefix(c.KeyID, "oag_") ||
		strings.Join(sets, ",") != "catalog,usage" || scope != tok.Scope {
		t.Fatalf("AuthenticateAccess = %+v %v %q %v; want the grant's account, mode, toolsets and scope", c, sets, scope, err)
	}

	// A browser-based client may call the token endpoint (no cookie is read).
	if status, h, _ := r.do("OPTIONS", "/oauth/token", nil, "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST"); status != http.StatusNoContent ||
		h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight of /oauth/token = %d %v, want 204 allowing any origin to POST", status, h)
	}
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"} {
		status, h, body := r.do("GET", path, nil)
		var meta map[string]any
		if status != 200 || h.Get("Access-Control-Allow-Origin") != "*" || json.Unmarshal([]byte(body), &meta) != nil ||
			(meta["issuer"] != r.srv.URL && meta["resource"] != r.svc.Resource()) {
			t.Errorf("GET %s = %d %s, want the metadata, readable from any origin", path, status, body)
		}
	}

	// The code works once; a second exchange revokes what the first gave.
	status, again := r.exchange(client, back.Query().Get("code"))
	if status != 400 || again.Error != "invalid_grant" {
		t.Errorf("second exchange = %d %+v, want invalid_grant", status, again)
	}
	if _, _, _, err := r.svc.AuthenticateAccess(context.Background(), tok.Access); kernel.ErrorCode(err) != kernel.EUnauthorized {
		t.Errorf("AuthenticateAccess after the code came back = %v, want EUnauthorized", err)
	}
	gs, _, err := r.svc.ListGrants(r.env.Ctx, oauth.ListGrantsInput{IncludeEnded: true})
	if err != nil || len(gs) != 1 || gs[0].RevokedReason != oauth.RevokedCodeReused {
		t.Errorf("grants = %+v %v, want one revoked for code_reused", gs, err)
	}
}

func TestCodeExchangeRefusals(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	client := r.register(redirect)
	other := r.register(redirect)
	for _, tc := range []struct {
		name string
		edit func(url.Values)
		want string
	}{
		{"a wrong verifier", func(v url.Values) { v.Set("code_verifier", strings.Repeat("a", 43)) }, "invalid_grant"},
		{"no verifier", func(v url.Values) { v.Del("code_verifier") }, "invalid_request"},
		{"another redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9/callback") }, "invalid_grant"},
		{"another client", func(v url.Values) { v.Set("client_id", other) }, "invalid_grant"},
		{"another resource", func(v url.Values) { v.Set("resource", "https://api.example.com/mcp") }, "invalid_target"},
		{"an implicit grant type", func(v url.Values) { v.Set("grant_type", "password") }, "unsupported_grant_type"},
	} {
		code := r.consent(client, "", "approve").Query().Get("code")
		v := url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirect}}
		tc.edit(v)
		if status, tok := r.token(v); status != 400 || tok.Error != tc.want {
			t.Errorf("exchange with %s = %d %+v, want %s", tc.name, status, tok, tc.want)
		}
	}
	code := r.consent(client, "", "approve").Query().Get("code")
	r.env.Clock.Advance(61 * time.Second)
	if status, tok := r.exchange(client, code); status != 400 || tok.Error != "invalid_grant" || !strings.Contains(tok.Desc, "expired") {
		t.Errorf("exchange of a code a minute old = %d %+v, want invalid_grant saying it expired", status, tok)
	}
}

func TestRefreshRotatesAndReuseRevokes(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	client, first := r.approved("mcp:read toolsets:catalog")
	refresh := func(token string, extra ...string) (int, tokens) {
		v := url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {token}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return r.token(v)
	}
	if status, tok := refresh(first.Refresh, "scope", "mcp:read mcp:write"); status != 400 || tok.Error != "invalid_scope" {
		t.Errorf("a refresh widening the scope = %d %+v, want invalid_scope", status, tok)
	}
	status, second := refresh(first.Refresh)
	if status != 200 || second.Refresh == first.Refresh || second.Access == first.Access || second.Scope != "mcp:read toolsets:catalog" {
		t.Fatalf("refresh = %d %+v; want a new pair with the grant's read-only scope", status, second)
	}
	if c, _, _, err := r.svc.AuthenticateAccess(context.Background(), second.Access); err != nil || !c.ReadOnly() {
		t.Fatalf("AuthenticateAccess of the refreshed token = %+v %v, want a read-only caller", c, err)
	}
	if status, tok := refresh(first.Refresh); status != 400 || tok.Error != "invalid_grant" {
		t.Errorf("a spent refresh token = %d %+v, want invalid_grant", status, tok)
	}
	for _, tok := range []string{second.Access, first.Access} {
		if _, _, _, err := r.svc.AuthenticateAccess(context.Background(), tok); kernel.ErrorCode(err) != kernel.EUnauthorized {
			t.Errorf("AuthenticateAccess after a spent refresh token came back = %v, want EUnauthorized", err)
		}
	}
	if status, tok := refresh(second.Refresh); status != 400 || tok.Error != "invalid_grant" {
		t.Errorf("the family's newest refresh token after the reuse = %d %+v, want invalid_grant", status, tok)
	}
}

func TestDenyAndCSRF(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	client := r.register(redirect)
	back := r.consent(client, "", "deny")
	if back.Query().Get("error") != "access_denied" || back.Query().Get("code") != "" || back.Query().Get("iss") != r.srv.URL {
		t.Errorf("deny went back to %s, want error=access_denied with iss and no code", back)
	}
	// A form without the browser's CSRF token decides nothing.
	q := url.Values{"client_id": {client}, "redirect_uri": {redirect}, "response_type": {"code"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	_, h, _ := r.do("GET", "/oauth/authorize?"+q.Encode(), nil)
	consentURL := h.Get("Location")
	_, _, page := r.do("GET", consentURL, nil, "X-Signed-In", "yes")
	m := hidden.FindAllStringSubmatch(page, -1)
	if len(m) != 2 {
		t.Fatalf("consent page has %d hidden fields, want request and csrf", len(m))
	}
	request := m[0][2]
	for _, csrf := range []string{"", strings.Repeat("0", 64), m[1][2] + "0"} {
		if status, _, _ := r.form("/oauth/consent", url.Values{"request": {request}, "csrf": {csrf}, "decision": {"approve"}}, "X-Signed-In", "yes"); status != http.StatusForbidden {
			t.Errorf("consent with csrf %q = %d, want 403", csrf, status)
		}
	}
	// Signed out: the page says how to sign in, and nothing is decided.
	if status, _, page := r.do("GET", consentURL, nil); status != http.StatusUnauthorized || !strings.Contains(page, "tollgate mcp authorize-link") {
		t.Errorf("consent page signed out = %d, want 401 naming tollgate mcp authorize-link", status)
	}
	status, h, _ := r.form("/oauth/consent", url.Values{"request": {request}, "csrf": {m[1][2]}, "decision": {"approve"}}, "X-Signed-In", "yes")
	if loc, _ := url.Parse(h.Get("Location")); status != http.StatusSeeOther || loc.Query().Get("code") == "" {
		t.Errorf("consent with the right token after the refusals = %d %s, want a code", status, h.Get("Location"))
	}
	if status, _, _ := r.form("/oauth/consent", url.Values{"request": {request}, "csrf": {m[1][2]}, "decision": {"approve"}}, "X-Signed-In", "yes"); status != http.StatusGone {
		t.Errorf("a request answered twice = %d, want 410", status)
	}
}

func TestSignInLink(t *testing.T) {
	t.Parallel()
	env := billingtest.New(t)
	r := newRigOn(t, env, false)
	plain := r.svc
	if _, err := plain.CreateSignInLink(context.Background(), "acct_nope", billing.ModeTest); kernel.ErrorCode(err) != kernel.ENotFound {
		t.Errorf("CreateSignInLink for an unknown account = %v, want ENotFound", err)
	}
	if _, err := plain.CreateSignInLink(context.Background(), env.Acct.ID, "staging"); kernel.ErrorCode(err) != kernel.EInvalid {
		t.Errorf("CreateSignInLink for mode staging = %v, want EInvalid", err)
	}
	link, err := plain.CreateSignInLink(context.Background(), env.Acct.ID, billing.ModeLive)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link.URL)
	token := u.Query().Get("token")
	// Looking at the link spends nothing; signing in does, once.
	for range 2 {
		if status, _, page := r.do("GET", "/oauth/signin?"+u.RawQuery, nil); status != 200 || !strings.Contains(page, "Live mode") {
			t.Fatalf("sign-in page = %d, want 200 in live mode", status)
		}
	}
	status, h, _ := r.form("/oauth/signin", url.Values{"token": {token}})
	if status != 200 || !strings.Contains(h.Get("Set-Cookie"), "HttpOnly") || !strings.Contains(h.Get("Set-Cookie"), "Path=/oauth") {
		t.Fatalf("sign in = %d, cookie %q; want an HttpOnly session under /oauth", status, h.Get("Set-Cookie"))
	}
	if status, _, _ := r.form("/oauth/signin", url.Values{"token": {token}}); status != http.StatusGone {
		t.Errorf("the link used again = %d, want 410", status)
	}
	// The session approves for the link's account and mode.
	client := r.register(redirect)
	q := url.Values{"client_id": {client}, "redirect_uri": {redirect}, "response_type": {"code"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	_, h, _ = r.do("GET", "/oauth/authorize?"+q.Encode(), nil)
	status, _, page := r.do("GET", h.Get("Location"), nil)
	if status != 200 || !strings.Contains(page, "Live: real customers and money") || !strings.Contains(page, env.Acct.ID) {
		t.Errorf("consent page with the link's session = %d, want the account in live mode", status)
	}
	expired, _ := plain.CreateSignInLink(context.Background(), env.Acct.ID, billing.ModeTest)
	env.Clock.Advance(oauth.LinkTTL + time.Second)
	eu, _ := url.Parse(expired.URL)
	if status, _, page := r.form("/oauth/signin", url.Values{"token": {eu.Query().Get("token")}}); status != http.StatusGone || !strings.Contains(page, "expired") {
		t.Errorf("sign in with a link past its 10 minutes = %d, want 410 saying it expired", status)
	}
	if status, _, _ := r.form("/oauth/signin", url.Values{"token": {"tg_osl_forged"}}); status != http.StatusForbidden {
		t.Errorf("sign in with a forged link = %d, want 403", status)
	}
}

func TestRegistrationRefusals(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	many := make([]string, 11)
	for i := range many {
		many[i] = fmt.Sprintf("https://app.example.com/cb%d", i)
	}
	manyJSON, _ := json.Marshal(many)
	for body, want := range map[string]string{
		`{"redirect_uris": ["http://app.example.com/cb"]}`: "invalid_redirect_uri",
		`{"redirect_uris": ["javascript:alert(1)"]}`:       "invalid_redirect_uri",
		`{"redirect_uris": []}`:                            "invalid_redirect_uri",
		`{"redirect_uris": ` + string(manyJSON) + `}`:      "invalid_redirect_uri",
		`{"redirect_uris": ["https://app.example.com/cb"], "token_endpoint_auth_method": "client_secret_basic"}`: "invalid_client_metadata",
		`{"redirect_uris": ["https://app.example.com/cb"], "grant_types": ["client_credentials"]}`:               "invalid_client_metadata",
		`{"redirect_uris": "https://app.example.com/cb"}`:                                                        "invalid_client_metadata",
		`not json`: "invalid_client_metadata",
	} {
		status, _, out := r.do("POST", "/oauth/register", strings.NewReader(body), "Content-Type", "application/json")
		if status != 400 || !strings.Contains(out, `"error":"`+want+`"`) {
			t.Errorf("register %s = %d %s, want 400 %s", body, status, out, want)
		}
	}
}

// TestRevocationReachesOtherProcesses: a grant revoked through one service
// is refused by another over the same database, which had the token
// cached, as soon as its listener hears (not after the cache's 5 s); and a
// token is refused by a server whose resource it was not issued for.
func TestRevocationReachesOtherProcesses(t *testing.T) {
	t.Parallel()
	env := billingtest.New(t)
	a := newRigOn(t, env, true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.svc.Listen(ctx)
	b, err := oauth.New(env.Pool, env.Svc, oauth.Options{BaseURL: a.srv.URL, Toolsets: toolsets, DefaultToolsets: []string{"catalog"}})
	if err != nil {
		t.Fatal(err)
	}
	_, tok := a.approved("")
	if _, _, _, err := a.svc.AuthenticateAccess(ctx, tok.Access); err != nil { // now cached in a
		t.Fatal(err)
	}
	other := newRigOn(t, env, true)
	if _, _, _, err := other.svc.AuthenticateAccess(ctx, tok.Access); kernel.ErrorCode(err) != kernel.EUnauthorized || !strings.Contains(err.Error(), "issued for the resource") {
		t.Errorf("AuthenticateAccess on another resource = %v, want EUnauthorized naming the resource", err)
	}
	gs, _, err := b.ListGrants(env.Ctx, oauth.ListGrantsInput{})
	if err != nil || len(gs) != 1 {
		t.Fatalf("ListGrants = %v %v", gs, err)
	}
	if g, err := b.RevokeGrant(env.Ctx, gs[0].ID); err != nil || g.RevokedAt == nil || g.RevokedReason != oauth.RevokedByPerson {
		t.Fatalf("RevokeGrant = %+v %v", g, err)
	}
	revoked := time.Now()
	deadline := revoked.Add(time.Second)
	for {
		_, _, _, err := a.svc.AuthenticateAccess(ctx, tok.Access)
		if kernel.ErrorCode(err) == kernel.EUnauthorized {
			t.Logf("the other process refused the token %v after the revocation returned", time.Since(revoked))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("AuthenticateAccess a second after another process revoked the grant = %v, want EUnauthorized", err)
		}
	}
	if g, err := b.RevokeGrant(env.Ctx, gs[0].ID); err != nil || g.RevokedAt == nil || g.RevokedReason != oauth.RevokedByPerson {
		t.Errorf("RevokeGrant again = %+v %v, want it revoked as before", g, err)
	}
	liveCtx := billing.WithCaller(context.Background(), billing.Caller{AccountID: env.Acct.ID, Mode: billing.ModeLive})
	if _, err := b.RevokeGrant(liveCtx, gs[0].ID); kernel.ErrorCode(err) != kernel.ENotFound {
		t.Errorf("RevokeGrant from live mode = %v, want ENotFound (grants are per mode)", err)
	}
}

func TestTokenRevocationEndpoint(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	client, tok := r.approved("")
	other := r.register(redirect)
	if status, _, _ := r.form("/oauth/revoke", url.Values{"token": {tok.Refresh}, "client_id": {other}}); status != http.StatusUnauthorized {
		t.Errorf("revoke by another client = %d, want 401", status)
	}
	if status, _, _ := r.form("/oauth/revoke", url.Values{"token": {tok.Refresh}, "client_id": {client}}); status != 200 {
		t.Errorf("revoke = %d, want 200", status)
	}
	if _, _, _, err := r.svc.AuthenticateAccess(context.Background(), tok.Access); kernel.ErrorCode(err) != kernel.EUnauthorized {
		t.Errorf("AuthenticateAccess after its refresh token was revoked = %v, want EUnauthorized", err)
	}
	if status, _, _ := r.form("/oauth/revoke", url.Values{"token": {"tg_ort_unknown"}, "client_id": {client}}); status != 200 {
		t.Errorf("revoke of an unknown token = %d, want 200 (RFC 7009 §2.2)", status)
	}
}

func TestListGrantsPages(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for range 3 {
		r.approved("")
	}
	var ids []string
	in := oauth.ListGrantsInput{Limit: 2}
	for {
		gs, next, err := r.svc.ListGrants(r.env.Ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			ids = append(ids, g.ID)
		}
		if next == "" {
			break
		}
		in.After = next
	}
	if len(ids) != 3 || ids[0] < ids[1] || ids[1] < ids[2] {
		t.Errorf("grants by pages of 2 = %v, want 3 newest first", ids)
	}
	if _, _, err := r.svc.ListGrants(r.env.Ctx, oauth.ListGrantsInput{Limit: 101}); kernel.ErrorCode(err) != kernel.EInvalid {
		t.Errorf("ListGrants with limit 101 = %v, want EInvalid", err)
	}
	if _, _, err := r.svc.ListGrants(context.Background(), oauth.ListGrantsInput{}); kernel.ErrorCode(err) != kernel.EUnauthorized {
		t.Errorf("ListGrants without a caller = %v, want EUnauthorized", err)
	}
}
