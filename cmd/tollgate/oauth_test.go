package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/modelcontextprotocol/go-sdk/auth"
	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
	"golang.org/x/oauth2"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// -oauth-screenshots rewrites docs/mcp-oauth/*.png; normal runs only take them.
var oauthScreenshots = flag.Bool("oauth-screenshots", false, "write the OAuth pages' screenshots to docs/mcp-oauth/")

// oauthRig is a `tollgate serve` with OAuth, a browser, and the loopback
// address where approvals come back (a native client's redirect URI).
type oauthRig struct {
	t         *testing.T
	dbURL     string
	base      string // the server, its public URL
	browser   context.Context
	callback  string // the redirect URI
	approvals chan url.Values
	// signInFirst: the browser is not signed in; the approval page asks
	// for a sign-in link first, and comes back after it.
	signInFirst bool
}

// newOAuthRig starts serve on a fresh database with env added, and the
// callback server.
func newOAuthRig(t *testing.T, env ...string) *oauthRig {
	t.Helper()
	ctx := browser(t)
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, append([]string{"TOLLGATE_DATABASE_URL=" + dbURL}, env...)...)
	rig := &oauthRig{t: t, dbURL: dbURL, base: "http://" + addr, browser: ctx, approvals: make(chan url.Values, 4)}
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" { // the browser asks for /favicon.ico too
			http.NotFound(w, r)
			return
		}
		select {
		case rig.approvals <- r.URL.Query():
		default:
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><title>Connected</title><p id="connected">You can close this window.</p>`)
	}))
	t.Cleanup(cb.Close)
	rig.callback = cb.URL + "/callback"
	return rig
}

// signIn opens a link of `tollgate mcp authorize-link` in the browser and
// signs in; shot names the screenshot of the sign-in page ("" for none).
func (rig *oauthRig) signIn(shot string) {
	t := rig.t
	t.Helper()
	out, errOut, err := runCLI(t, []string{"TOLLGATE_DATABASE_URL=" + rig.dbURL}, "mcp", "authorize-link", "--public-url", rig.base)
	link := strings.TrimSpace(out)
	if err != nil || !strings.HasPrefix(link, rig.base+"/oauth/signin?token=tg_osl_") {
		t.Fatalf("mcp authorize-link = %q, %v\n%s", out, err, errOut)
	}
	do(t, rig.browser, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`[data-testid="signin"]`)))
	if shot != "" {
		shootOAuth(t, rig.browser, shot)
	}
	do(t, rig.browser, chromedp.Click(chromedp.CSS(`[data-testid="signin"]`)))
}

// consent is what the consent page showed.
type consent struct{ client, account, mode, toolsets string }

// approve opens an authorization URL in the signed-in browser, reads the
// consent page, and allows (read-only when readOnly); the browser goes
// back to the client's redirect URI (whose page has #connected).
func (rig *oauthRig) approve(authURL string, readOnly bool, shot string) consent {
	t := rig.t
	t.Helper()
	do(t, rig.browser, chromedp.Navigate(authURL))
	if rig.signInFirst {
		do(t, rig.browser, chromedp.WaitVisible(chromedp.CSS(`[data-testid="sign-in-needed"]`)))
		if shot != "" {
			shootOAuth(t, rig.browser, "sign-in-needed")
		}
		rig.signIn(map[bool]string{true: "sign-in", false: ""}[shot != ""])
	}
	do(t, rig.browser, chromedp.WaitVisible(chromedp.CSS(`[data-testid="approve"]`)))
	c := consent{client: textOf(t, rig.browser, `[data-testid="client"]`), account: textOf(t, rig.browser, `[data-testid="account"]`),
		mode: textOf(t, rig.browser, `[data-testid="mode"]`), toolsets: textOf(t, rig.browser, `[data-testid="toolsets"]`)}
	if shot != "" {
		shootOAuth(t, rig.browser, shot)
	}
	if readOnly {
		do(t, rig.browser, chromedp.Click(chromedp.CSS(`input[name="access"][value="read"]`)))
	}
	// The browser lands on the client's redirect URI before going anywhere
	// else.
	do(t, rig.browser, chromedp.Click(chromedp.CSS(`[data-testid="approve"]`)), chromedp.WaitVisible(chromedp.CSS(`#connected`)))
	return c
}

// goClient is an AuthorizationCodeHandler of the official Go SDK whose
// browser step is rig's, and whose tokens the test can read.
type goClient struct {
	*auth.AuthorizationCodeHandler
	cfg     *oauth2.Config
	tok     *oauth2.Token
	consent consent
}

func (rig *oauthRig) goClient(cfg auth.AuthorizationCodeHandlerConfig, readOnly bool, shot string) *goClient {
	rig.t.Helper()
	gc := &goClient{}
	cfg.RedirectURL = rig.callback
	cfg.AuthorizationCodeFetcher = func(_ context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		gc.consent = rig.approve(args.URL, readOnly, shot)
		var q url.Values
		select {
		case q = <-rig.approvals:
		default:
			return nil, errors.New("the callback server heard nothing though the browser came back")
		}
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
	cfg.NewTokenSource = func(ctx context.Context, c *oauth2.Config, tok *oauth2.Token) (oauth2.TokenSource, error) {
		gc.cfg, gc.tok = c, tok
		return c.TokenSource(ctx, tok), nil
	}
	h, err := auth.NewAuthorizationCodeHandler(&cfg)
	if err != nil {
		rig.t.Fatal(err)
	}
	gc.AuthorizationCodeHandler = h
	return gc
}

// refresh spends a refresh token through the SDK's OAuth configuration.
func (gc *goClient) refresh(refreshToken string) (*oauth2.Token, error) {
	return gc.cfg.TokenSource(context.Background(), &oauth2.Token{AccessToken: "expired", RefreshToken: refreshToken,
		Expiry: time.Now().Add(-time.Hour)}).Token()
}

// shootOAuth takes a full-page screenshot at desktop and phone width; only
// with -oauth-screenshots are they written to docs/mcp-oauth/.
func shootOAuth(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, size := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 900, false}, {"phone", 375, 812, true}} {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h, opts...))
		var png []byte
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		}
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if *oauthScreenshots {
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "mcp-oauth", name+"-"+size.suffix+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
}

// mcpWith sends an MCP initialize to endpoint with a bearer token and
// returns the status and the WWW-Authenticate challenge.
func mcpWith(t *testing.T, endpoint, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
}

// metadataDocument serves a client's metadata document over https on
// loopback and returns its URL and a file holding the certificate serve must
// trust (SSL_CERT_FILE). redirect is read when the document is fetched.
func metadataDocument(t *testing.T, name string, redirect func() string) (string, string) {
	t.Helper()
	var docURL string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/client.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"client_id": docURL, "client_name": name, "redirect_uris": []string{redirect()},
			"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"}, "token_endpoint_auth_method": "none"})
	}))
	t.Cleanup(srv.Close)
	docURL = srv.URL + "/oauth/client.json"
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return docURL, certFile
}

// TestOAuthGoSDK: the official Go SDK's OAuth client signs in to the real
// binary, the person's consent given in Chromium: discovery from the 401,
// a client known by its metadata document, PKCE, the token used on /mcp,
// a refresh that rotates, a spent refresh token that revokes its grant;
// then a client that registers itself (RFC 7591) and is granted read-only,
// refused by another server (another resource) and revoked from the
// command line, after which /mcp answers 401 within a second.
func TestOAuthGoSDK(t *testing.T) {
	t.Parallel()
	var rig *oauthRig
	docURL, certFile := metadataDocument(t, "Go SDK client", func() string { return rig.callback })
	rig = newOAuthRig(t, "TOLLGATE_OAUTH_ALLOW_LOOPBACK_CLIENTS=true", "SSL_CERT_FILE="+certFile)
	key := createKey(t, rig.dbURL)
	call := restCaller(t, rig.base, key)

	// A client known by its metadata document; the person is not signed in
	// yet: the approval page says how, and comes back after the sign-in.
	gc := rig.goClient(auth.AuthorizationCodeHandlerConfig{ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: docURL}}, false, "consent")
	rig.signInFirst = true
	cs := mcpConnect(t, &gosdk.StreamableClientTransport{Endpoint: rig.base + "/mcp", OAuthHandler: gc})
	if gc.consent.client != "Go SDK client" || !strings.HasPrefix(gc.consent.account, "Default account") ||
		!strings.HasPrefix(gc.consent.mode, "Test") || !strings.Contains(gc.consent.toolsets, "catalog") || strings.Contains(gc.consent.toolsets, "webhooks") {
		t.Errorf("consent page showed %+v; want the client's name, the default account, test mode and the default toolsets", gc.consent)
	}
	who := mcpOK(t, cs, "whoami", nil)
	if who["mode"] != "test" || !strings.HasPrefix(fmt.Sprint(who["key_prefix"]), "tg_oat_") || who["scope"] != "full" {
		t.Errorf("whoami over OAuth = %v; want test mode, an access token's prefix and full scope", who)
	}
	listed, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(listed.Tools, func(tl *gosdk.Tool) bool { return tl.Name == "create_customer" }) ||
		slices.ContainsFunc(listed.Tools, func(tl *gosdk.Tool) bool { return tl.Name == "create_webhook_endpoint" }) {
		t.Errorf("tools/list over OAuth lists %d tools; want the default toolsets' with their writes, no webhooks", len(listed.Tools))
	}

	// A toolset beyond the grant: 403 insufficient_scope naming the scope.
	status, challenge := mcpWith(t, rig.base+"/mcp?toolsets=webhooks", gc.tok.AccessToken)
	if status != http.StatusForbidden || !strings.Contains(challenge, `error="insufficient_scope"`) || !strings.Contains(challenge, "toolsets:webhooks") {
		t.Errorf("/mcp?toolsets=webhooks with the grant's token = %d %q; want 403 insufficient_scope naming toolsets:webhooks", status, challenge)
	}

	// Refresh through the SDK's configuration: a new pair, the old refresh
	// token spent. Presenting it again revokes the grant: the new access
	// token stops working too.
	first := gc.tok
	second, err := gc.refresh(first.RefreshToken)
	if err != nil || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatalf("refresh = %v; want a new access and refresh token", err)
	}
	if status, _ := mcpWith(t, rig.base+"/mcp", second.AccessToken); status != http.StatusOK {
		t.Fatalf("/mcp with the refreshed access token = %d, want 200", status)
	}
	if _, err := gc.refresh(first.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh with a spent refresh token = %v, want invalid_grant", err)
	}
	if status, challenge := mcpWith(t, rig.base+"/mcp", second.AccessToken); status != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) {
		t.Errorf("/mcp after a refresh token was reused = %d %q, want 401 invalid_token", status, challenge)
	}
	ended := call("GET", "/v1/oauth/grants?include_ended=true", "", 200)["data"].([]any)
	if len(ended) != 1 || dig(ended[0], "revoked_reason") != "refresh_token_reused" || dig(ended[0], "client_id") != docURL {
		t.Errorf("grants after reuse = %v; want the metadata document client's, revoked for refresh_token_reused", ended)
	}

	// A client that registers itself, granted read-only by the person.
	dcr := rig.goClient(auth.AuthorizationCodeHandlerConfig{DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{
		Metadata: &oauthex.ClientRegistrationMetadata{RedirectURIs: []string{rig.callback}, ClientName: "Go SDK registered client",
			GrantTypes: []string{"authorization_code", "refresh_token"}, TokenEndpointAuthMethod: "none"}}}, true, "")
	rig.signInFirst = false
	cs2 := mcpConnect(t, &gosdk.StreamableClientTransport{Endpoint: rig.base + "/mcp", OAuthHandler: dcr})
	if who := mcpOK(t, cs2, "whoami", nil); who["scope"] != "read_only" {
		t.Errorf("whoami with a read-only grant = %v, want scope read_only", who)
	}
	if msg := mcpErr(t, cs2, "create_customer", map[string]any{"external_id": "nope"}); !strings.Contains(msg, "read-only") {
		t.Errorf("create_customer with a read-only grant = %q, want a refusal saying read-only", msg)
	}
	grants := call("GET", "/v1/oauth/grants", "", 200)["data"].([]any)
	if len(grants) != 1 || dig(grants[0], "client_name") != "Go SDK registered client" || dig(grants[0], "read_only") != true ||
		!strings.HasPrefix(fmt.Sprint(dig(grants[0], "client_id")), "tgc_") || dig(grants[0], "resource") != rig.base+"/mcp" {
		t.Fatalf("GET /v1/oauth/grants = %v; want the registered client's read-only grant for %s/mcp", grants, rig.base)
	}
	grant := fmt.Sprint(dig(grants[0], "id"))

	// Another server on the database, with its own public URL: another
	// resource, whose /mcp refuses this server's tokens.
	other, _ := startServe(t, "TOLLGATE_DATABASE_URL="+rig.dbURL)
	if status, challenge := mcpWith(t, "http://"+other+"/mcp", dcr.tok.AccessToken); status != http.StatusUnauthorized || !strings.Contains(challenge, "issued for the resource") {
		t.Errorf("another server's /mcp with this server's token = %d %q, want 401 saying it was issued for another resource", status, challenge)
	}

	// Revoked from the command line (another process): this server, whose
	// cache holds the token, refuses it within a second.
	if status, _ := mcpWith(t, rig.base+"/mcp", dcr.tok.AccessToken); status != http.StatusOK {
		t.Fatalf("/mcp with the grant's token before revocation = %d, want 200", status)
	}
	if out, errOut, err := runCLI(t, []string{"TOLLGATE_DATABASE_URL=" + rig.dbURL}, "mcp", "grants", "revoke", grant); err != nil || !strings.Contains(out, "revoked "+grant) {
		t.Fatalf("mcp grants revoke = %q, %v\n%s", out, err, errOut)
	}
	deadline := time.Now().Add(time.Second)
	for {
		status, _ := mcpWith(t, rig.base+"/mcp", dcr.tok.AccessToken)
		if status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/mcp still answers %d a second after the grant was revoked, want 401", status)
		}
	}
	if out, _, err := runCLI(t, []string{"TOLLGATE_DATABASE_URL=" + rig.dbURL}, "mcp", "grants", "list", "--all"); err != nil ||
		!strings.Contains(out, grant) || !strings.Contains(out, "revoked") || !strings.Contains(out, "refresh_token_reused") {
		t.Errorf("mcp grants list --all = %v:\n%s\nwant both grants, revoked", err, out)
	}
}

// TestOAuthRefusals: what the authorization endpoint refuses, seen by a
// client that does not follow redirects: a redirect URI the client did not
// register (a page for the person, no redirect), PKCE missing or plain, and
// a token for another resource (errors back to the client, with iss).
func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	base := "http://" + addr
	resp, err := http.Post(base+"/oauth/register", "application/json", strings.NewReader(`{"client_name": "Refusals", "redirect_uris": ["http://127.0.0.1:9/cb"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(reg.ClientID, "tgc_") {
		t.Fatalf("register = %d %+v, want 201 and a client_id", resp.StatusCode, reg)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	challenge := "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" // of RFC 7636's example verifier
	authorize := func(params url.Values) (int, string, string) {
		t.Helper()
		q := url.Values{"client_id": {reg.ClientID}, "redirect_uri": {"http://127.0.0.1:4321/cb"}, "response_type": {"code"},
			"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"s-1"}}
		for k, v := range params {
			q[k] = v
		}
		resp, err := noFollow.Get(base + "/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}

	// A loopback redirect on another port is the client's (RFC 8252): on to
	// the consent page.
	if status, loc, _ := authorize(nil); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/oauth/consent?request=") {
		t.Errorf("authorize with the registered loopback redirect on another port = %d %q, want 303 to the consent page", status, loc)
	}
	for _, redirect := range []string{"http://127.0.0.1:4321/other", "https://evil.example/cb", "http://evil.example/cb"} {
		status, loc, body := authorize(url.Values{"redirect_uri": {redirect}})
		if status != http.StatusBadRequest || loc != "" || !strings.Contains(body, "is not one the application") {
			t.Errorf("authorize with redirect_uri %s = %d, Location %q; want 400, a page saying it is not the client's, no redirect", redirect, status, loc)
		}
	}
	for _, tc := range []struct {
		name   string
		params url.Values
		error  string
		says   string
	}{
		{"PKCE plain", url.Values{"code_challenge_method": {"plain"}}, "invalid_request", "plain"},
		{"PKCE without a method", url.Values{"code_challenge_method": {""}}, "invalid_request", "S256"},
		{"no PKCE", url.Values{"code_challenge": {""}}, "invalid_request", "PKCE is required"},
		{"another resource", url.Values{"resource": {"https://api.example.com/mcp"}}, "invalid_target", base + "/mcp"},
		{"an unknown scope", url.Values{"scope": {"mcp:read admin"}}, "invalid_scope", "admin"},
		{"an implicit grant", url.Values{"response_type": {"token"}}, "unsupported_response_type", "code"},
	} {
		status, loc, _ := authorize(tc.params)
		u, err := url.Parse(loc)
		q := u.Query()
		if status != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc, "http://127.0.0.1:4321/cb?") || q.Get("error") != tc.error ||
			!strings.Contains(q.Get("error_description"), tc.says) || q.Get("iss") != base || q.Get("state") != "s-1" {
			t.Errorf("authorize with %s = %d %q; want 303 back to the client with error=%s (saying %q), iss and state", tc.name, status, loc, tc.error, tc.says)
		}
	}
	status, loc, body := authorize(url.Values{"client_id": {"tgc_unknown"}})
	if status != http.StatusBadRequest || loc != "" || !strings.Contains(body, "no client is registered") {
		t.Errorf("authorize with an unknown client_id = %d %q, want 400 saying so", status, loc)
	}
	// A metadata document on loopback without the switch, or on a private
	// address, is not fetched.
	for _, id := range []string{"http://127.0.0.1:1/client.json", "https://127.0.0.1:1/client.json", "https://10.0.0.1/client.json"} {
		status, _, body := authorize(url.Values{"client_id": {id}})
		if status != http.StatusBadRequest || !(strings.Contains(body, "must be an https URL") || strings.Contains(body, "loopback") || strings.Contains(body, "private")) {
			t.Errorf("authorize with client_id %s = %d, want 400 refusing it", id, status)
		}
	}
}

// TestOAuthTypeScriptSDK runs tests/tsclient/oauth.mjs: the TypeScript
// SDK's OAuth client provider (inside Cursor, Claude Code and VS Code) signs
// in to the binary, the person approving each client in Chromium: a client
// that registers itself, refreshed by the SDK when its access token is
// refused, then one known by its metadata document, whose redirect URI is
// a native client's loopback listener on a port of its own (RFC 8252).
func TestOAuthTypeScriptSDK(t *testing.T) {
	t.Parallel()
	node, dir := tsClient(t)
	docURL, certFile := metadataDocument(t, "TypeScript SDK (metadata document)", func() string { return "http://127.0.0.1/callback" })
	rig := newOAuthRig(t, "TOLLGATE_OAUTH_ALLOW_LOOPBACK_CLIENTS=true", "SSL_CERT_FILE="+certFile)
	rig.signIn("")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "oauth.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TOLLGATE_MCP_URL="+rig.base+"/mcp", "TOLLGATE_CIMD_URL="+docURL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var consents []consent
	var result map[string]any
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		var msg struct {
			Authorize string         `json:"authorize"`
			Result    map[string]any `json:"result"`
		}
		if err := json.Unmarshal(lines.Bytes(), &msg); err != nil {
			continue // the SDK's own output
		}
		if msg.Authorize != "" {
			consents = append(consents, rig.approve(msg.Authorize, false, ""))
		}
		if msg.Result != nil {
			result = msg.Result
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("oauth.mjs: %v\n%s", err, stderr.String())
	}
	if len(consents) != 2 || consents[0].client != "TypeScript SDK client" || consents[1].client != "TypeScript SDK (metadata document)" {
		t.Errorf("consent pages showed %+v; want the registered client's, then the metadata document's", consents)
	}
	if dig(result, "registered", "who", "mode") != "test" || !strings.HasPrefix(fmt.Sprint(dig(result, "registered", "who", "key_prefix")), "tg_oat_") ||
		dig(result, "registered", "expires_in") != float64(3600) || !strings.Contains(fmt.Sprint(dig(result, "registered", "scope")), "mcp:write") ||
		dig(result, "metadataDocument", "client_id") != docURL || dig(result, "metadataDocument", "who", "mode") != "test" {
		t.Errorf("oauth.mjs result = %v; want both clients on the test mode with an access token, an hour long, read and write", result)
	}
}
