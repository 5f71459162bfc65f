package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestConsoleOAuth: the console and OAuth for /mcp together, in Chromium
// against the real binary. An owner signed in to the console (an
// invitation link, no code) approves an MCP client for the console's
// account and mode, and the client's token works on /mcp for that account;
// switched to live, the console approves for live. The settings page lists
// the mode's grants, and revoking one there stops its token on /mcp within
// a second (idempotent, CSRF-checked, not for a viewer). A viewer signed in
// to the console gets the sign-in-needed page, and a consent form posted
// from their browser approves nothing.
func TestConsoleOAuth(t *testing.T) {
	t.Parallel()
	rig := newOAuthRig(t)
	ctx := rig.browser
	env := []string{"TOLLGATE_DATABASE_URL=" + rig.dbURL, "TOLLGATE_PUBLIC_URL=" + rig.base}
	cli := func(args ...string) string {
		t.Helper()
		out, errOut, err := runCLI(t, env, args...)
		if err != nil {
			t.Fatalf("tollgate %v: %v\n%s", args, err, errOut)
		}
		return strings.TrimSpace(out)
	}
	// An account of its own, so the approval is the console's account and
	// not the default one.
	acct := cli("accounts", "create", "Acme AI")
	if !strings.HasPrefix(acct, "acct_") {
		t.Fatalf("accounts create printed %q, want an account id", acct)
	}
	ownerLink := cli("operators", "invite", "--account", acct, "--email", "ana@example.com", "--role", "owner")
	viewerLink := cli("operators", "invite", "--account", acct, "--email", "vic@example.com", "--role", "viewer")

	// A client that registered itself, whose redirect is the rig's callback.
	resp, err := http.Post(rig.base+"/oauth/register", "application/json", strings.NewReader(fmt.Sprintf(
		`{"client_name": "Console test client", "redirect_uris": [%q], "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none"}`, rig.callback)))
	if err != nil {
		t.Fatal(err)
	}
	var reg struct {
		ClientID string `json:"client_id"`
	}
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || reg.ClientID == "" {
		t.Fatalf("register = %d %+v, want 201 and a client_id", resp.StatusCode, reg)
	}

	// authorize opens a hand-made authorization URL with PKCE and returns
	// its verifier.
	authorize := func() string {
		t.Helper()
		verifier := rand.Text() + rand.Text() // 52 base32 characters: unreserved
		sum := sha256.Sum256([]byte(verifier))
		q := url.Values{"client_id": {reg.ClientID}, "redirect_uri": {rig.callback}, "response_type": {"code"}, "state": {"st"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
			"resource": {rig.base + "/mcp"}, "scope": {"mcp:read mcp:write"}}
		do(t, ctx, chromedp.Navigate(rig.base+"/oauth/authorize?"+q.Encode()))
		return verifier
	}
	type shown struct{ who, account, mode string }
	// consent reads the consent page the browser shows.
	consent := func() shown {
		t.Helper()
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="approve"]`)))
		who, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`[...document.querySelectorAll('dt')].find(d => d.textContent.trim() === 'Signed in')?.nextElementSibling?.textContent?.trim() ?? ''`))
		if err != nil {
			t.Fatal(err)
		}
		return shown{who: who, account: textOf(t, ctx, `[data-testid="account"]`), mode: textOf(t, ctx, `[data-testid="mode"]`)}
	}
	// approve allows on the consent page and trades the code for an access
	// token, as the client would.
	approve := func(verifier string) string {
		t.Helper()
		do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="approve"]`)), chromedp.WaitVisible(chromedp.CSS(`#connected`)))
		var q url.Values
		select {
		case q = <-rig.approvals:
		case <-time.After(10 * time.Second):
			t.Fatal("the callback heard nothing though the browser came back")
		}
		if q.Get("code") == "" || q.Get("iss") != rig.base {
			t.Fatalf("the approval came back with %v; want a code and iss", q)
		}
		resp, err := http.PostForm(rig.base+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
			"redirect_uri": {rig.callback}, "client_id": {reg.ClientID}, "code_verifier": {verifier}, "resource": {rig.base + "/mcp"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&tok)
		if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
			t.Fatalf("token = %d, want 200 and an access token", resp.StatusCode)
		}
		return tok.AccessToken
	}
	whoami := func(token string) map[string]any {
		t.Helper()
		cs := mcpConnect(t, &gosdk.StreamableClientTransport{Endpoint: rig.base + "/mcp", HTTPClient: &http.Client{Transport: bearer{token}}})
		defer cs.Close()
		return mcpOK(t, cs, "whoami", nil)
	}

	// The owner signs in to the console with the invitation (test mode).
	do(t, ctx, chromedp.Navigate(ownerLink), chromedp.WaitVisible(chromedp.CSS(`[data-testid="revenue"]`)))
	// The consent page knows them: the console's account and mode.
	v := authorize()
	got := consent()
	if got.who != "ana@example.com (owner, in the console)" || !strings.HasPrefix(got.account, "Acme AI") || !strings.HasPrefix(got.mode, "Test") {
		t.Errorf("consent page for the console's owner shows %+v; want ana@example.com (owner, in the console), Acme AI, test mode", got)
	}
	testToken := approve(v)
	if who := whoami(testToken); who["account_id"] != acct || who["mode"] != "test" || who["scope"] != "full" {
		t.Errorf("whoami with the token the console's owner approved = %v; want account %s, test mode, full scope", who, acct)
	}

	// Switched to live, the console approves for live.
	do(t, ctx, chromedp.Navigate(rig.base+"/console/"), chromedp.Click(chromedp.CSS(`[data-testid="mode-switch"]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-mode="live"]`)))
	v = authorize()
	if got := consent(); !strings.HasPrefix(got.mode, "Live") || !strings.HasPrefix(got.account, "Acme AI") {
		t.Errorf("consent page with the console in live mode shows %+v; want Acme AI in live mode", got)
	}
	liveToken := approve(v)
	if who := whoami(liveToken); who["account_id"] != acct || who["mode"] != "live" {
		t.Errorf("whoami with the token approved from live mode = %v; want account %s, live mode", who, acct)
	}

	// Settings lists the mode's grants: live shows one, test the other.
	grantsShown := func() []string {
		t.Helper()
		do(t, ctx, chromedp.Navigate(rig.base+"/console/settings"), chromedp.WaitVisible(chromedp.CSS(`#grants-h`)))
		ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="grants"] tr[data-grant]')].map(r => r.dataset.grant)`))
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	live := grantsShown()
	if len(live) != 1 || !strings.Contains(textOf(t, ctx, `[data-testid="grants"] tbody`), "Console test client") {
		t.Fatalf("settings in live mode lists grants %v; want the live one, Console test client's", live)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="mode-switch"]`)), chromedp.WaitReady(chromedp.CSS(`body[data-mode="test"]`)))
	test := grantsShown()
	if len(test) != 1 || test[0] == live[0] {
		t.Fatalf("settings in test mode lists grants %v; want one, not the live one (%s)", test, live[0])
	}
	row := textOf(t, ctx, `[data-testid="grants"] tbody`)
	if !strings.Contains(row, "Console test client") || !strings.Contains(row, "Reads and writes") || strings.Contains(row, "Never") {
		t.Errorf("the test grant's row reads %q; want the client's name, reads and writes, and a last use (whoami used it)", row)
	}
	consoleShot(t, ctx, "settings-mcp-clients")

	// A viewer may not revoke; a form without the session's CSRF token is
	// refused; neither changes anything.
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{rig.base + "/console/"}})
	if err != nil {
		t.Fatal(err)
	}
	var owner *consoleClient
	for _, c := range cookies.Cookies {
		if c.Name == "tollgate_console" {
			owner = &consoleClient{t: t, base: rig.base, cookie: &http.Cookie{Name: c.Name, Value: c.Value}}
		}
	}
	if owner == nil {
		t.Fatal("the browser holds no console session cookie")
	}
	viewer := openConsole(t, rig.base, viewerLink)
	revokePath := "/console/settings/grants/" + test[0] + "/revoke"
	if status, _ := viewer.post(revokePath, url.Values{"csrf_token": {viewer.csrf("/console/settings")}}); status != http.StatusForbidden {
		t.Errorf("a viewer revoking a grant = %d, want 403", status)
	}
	if _, body := viewer.get("/console/settings"); strings.Contains(body, `action="`+revokePath+`"`) || !strings.Contains(body, "Console test client") {
		t.Errorf("a viewer's settings page offers to revoke, or lists no grant")
	}
	if status, _ := owner.post(revokePath, url.Values{"csrf_token": {"nope"}}); status != http.StatusForbidden {
		t.Errorf("revoking without the session's CSRF token = %d, want 403", status)
	}
	if status, _ := mcpWith(t, rig.base+"/mcp", testToken); status != http.StatusOK {
		t.Fatalf("/mcp with the test grant's token after refused revocations = %d, want 200", status)
	}

	// The owner revokes it from the console: /mcp refuses its token within a
	// second; the live grant's token still works.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-grant="`+test[0]+`"] button`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	if msg := textOf(t, ctx, `.alert.ok`); !strings.Contains(msg, "Revoked Console test client") {
		t.Errorf("after revoking, the page says %q", msg)
	}
	deadline := time.Now().Add(time.Second)
	for {
		status, _ := mcpWith(t, rig.base+"/mcp", testToken)
		if status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/mcp still answers %d a second after the grant was revoked in the console, want 401", status)
		}
	}
	if status, _ := mcpWith(t, rig.base+"/mcp", liveToken); status != http.StatusOK {
		t.Errorf("/mcp with the live grant's token after the test one was revoked = %d, want 200", status)
	}
	if ids := grantsShown(); len(ids) != 0 {
		t.Errorf("settings lists %v after the revocation, want none", ids)
	}
	// Sent again: the same answer, nothing more.
	if status, body := owner.post(revokePath, url.Values{"csrf_token": {owner.csrf("/console/settings")}}); status != http.StatusOK || !strings.Contains(body, "Revoked Console test client") {
		t.Errorf("revoking the revoked grant again = %d; want 200 saying it is revoked", status)
	}
	if status, _ := owner.post("/console/settings/grants/oag_nope/revoke", url.Values{"csrf_token": {owner.csrf("/console/settings")}}); status != http.StatusNotFound {
		t.Errorf("revoking an unknown grant = %d, want 404", status)
	}

	// A viewer signed in to the console gets the sign-in-needed page. The
	// owner's consent form, posted from the browser once the viewer is
	// signed in there, approves nothing.
	authorize()
	consent()
	form, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`({request: document.querySelector('input[name="request"]').value, csrf: document.querySelector('input[name="csrf"]').value})`))
	if err != nil {
		t.Fatal(err)
	}
	// Another link: the invitation was spent above.
	viewerLink = cli("operators", "link", "--account", acct, "--email", "vic@example.com")
	do(t, ctx, chromedp.Navigate(viewerLink), chromedp.WaitVisible(chromedp.CSS(`[data-testid="revenue"]`)))
	do(t, ctx, chromedp.Navigate(rig.base+"/oauth/consent?request="+url.QueryEscape(form["request"])),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sign-in-needed"], [data-testid="approve"]`)))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="approve"]').length`)); err != nil || n != 0 {
		t.Fatalf("a viewer signed in to the console is offered the consent form (%d, %v); want the sign-in-needed page", n, err)
	}
	// The form posted with this browser's cookies (the viewer's session,
	// the consent form's CSRF cookie): refused, no code.
	jar, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{rig.base + "/oauth/consent"}})
	if err != nil {
		t.Fatal(err)
	}
	post, _ := http.NewRequest("POST", rig.base+"/oauth/consent", strings.NewReader(url.Values{"request": {form["request"]}, "csrf": {form["csrf"]},
		"decision": {"approve"}}.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range jar.Cookies {
		post.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(post)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Location") != "" || !strings.Contains(string(body), "You are signed out") {
		t.Errorf("the consent form posted with a viewer's console session = %d, Location %q; want 401, the signed-out page, no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	select {
	case q := <-rig.approvals:
		t.Errorf("a viewer's browser approved: the client got %v", q)
	default:
	}
}
