package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/portal"
)

// -portal-screenshots rewrites docs/portal/*.png; normal runs only take them.
var portalScreenshots = flag.Bool("portal-screenshots", false, "write the portal's screenshots to docs/portal/")

const portalSecret = "e2e-portal-secret-0123456789abcdef0123456789"

// browser starts Debian's headless Chromium (never a downloaded one), with
// extra flags if given.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("TOLLGATE_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium is not installed and TOLLGATE_REQUIRE_CHROMIUM is set: apt-get install -y chromium")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it")
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900)}
	opts = append(opts, extra...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// shoot takes a full-page screenshot at desktop and phone width; only with
// -portal-screenshots are they written to docs/portal/.
func shoot(t *testing.T, ctx context.Context, name string) {
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
		err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h, opts...), chromedp.Sleep(100*time.Millisecond))
		var png []byte
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		}
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if *portalScreenshots {
			file := filepath.Join("..", "..", "docs", "portal", name+"-"+size.suffix+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

// TestPortalInBrowser walks the portal in a real browser against the real
// binary: a link over REST, the balance, a top-up with the test card, auto
// top-up turned on and triggered by usage, then the refusals: an expired or
// tampered link, another customer's data, a form without its CSRF token.
func TestPortalInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	dbURL := testdb.URL(t)
	addr, stderr := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL, "TOLLGATE_PORTAL_SECRET="+portalSecret)
	base := "http://" + addr
	key := createKey(t, dbURL)
	call := restCaller(t, base, key)

	call("POST", "/v1/portal_branding", `{"display_name": "Acme AI", "accent_color": "#0f766e", "support_email": "support@acme.example",
		"top_up_presets": ["10", "25", "50"], "top_up_min": "5", "top_up_max": "200", "monthly_cap_max": "500"}`, 200)
	call("POST", "/v1/products", `{"code": "chat", "name": "Chat", "event_type": "chat.completion",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "1.50", "name": "message"}]}`, 201)
	call("POST", "/v1/products", `{"code": "images", "name": "Images", "event_type": "image.generated",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "0.04", "name": "image"}]}`, 201)
	call("POST", "/v1/products", `{"code": "beta-model", "name": "Beta Model", "event_type": "beta.call",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "2.00", "name": "call"}]}`, 201)
	alice := call("POST", "/v1/customers", `{"external_id": "alice", "name": "Alice Martin", "email": "alice@example.com"}`, 201)
	bob := call("POST", "/v1/customers", `{"external_id": "bob", "name": "Bob Secretname", "email": "bob@example.com"}`, 201)
	soon := time.Now().UTC().Add(12 * 24 * time.Hour).Format(time.RFC3339)
	call("POST", "/v1/adjustments", `{"transaction_id": "gift-a", "kind": "gift", "customer": "alice", "asset": "USD", "amount": "30.00", "reason": "Welcome gift", "expires_at": "`+soon+`"}`, 201)
	call("POST", "/v1/adjustments", `{"transaction_id": "gift-b", "kind": "gift", "customer": "bob", "asset": "USD", "amount": "777.00", "reason": "Bob's gift"}`, 201)
	call("POST", "/v1/events", `{"id": "bob-beta", "customer": "bob", "event_type": "beta.call"}`, 201) // a product only bob uses
	// Usage over the last weeks, for the chart and the history, recorded
	// oldest first as an app would.
	for i := 13; i >= 0; i-- {
		at := time.Now().UTC().Add(-time.Duration(i*2) * 24 * time.Hour).Add(-time.Hour).Format(time.RFC3339)
		typ := "image.generated"
		if i%3 == 0 {
			typ = "chat.completion"
		}
		call("POST", "/v1/events", fmt.Sprintf(`{"id": "seed-%d", "customer": "alice", "event_type": %q, "occurred_at": %q}`, i, typ, at), 201)
	}

	link := call("POST", "/v1/portal_sessions", `{"customer": "alice", "return_url": "https://app.example.com/settings"}`, 201)
	var text string
	do(t, ctx, chromedp.Navigate(link["url"].(string)))
	text = textOf(t, ctx, `[data-testid="available-USD"]`)
	if text != "$22.14" { // 30 - 5 chats × 1.50 (i = 0, 3, 6, 9, 12) - 9 images × 0.04
		t.Fatalf("available balance = %q, want $22.14", text)
	}
	shoot(t, ctx, "overview")
	do(t, ctx, chromedp.Navigate(base+"/portal/usage"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	options, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#product option")].map(o => o.textContent)`))
	if err != nil || strings.Join(options, ",") != "All products,Chat,Images" {
		t.Errorf("usage filter offers %q (%v), want alice's products only: All products, Chat, Images", options, err)
	}
	labelled(t, ctx)
	shoot(t, ctx, "usage")

	// Top up $25 with the test card, through the test provider's checkout.
	do(t, ctx, chromedp.Navigate(base+"/portal/top-up"), chromedp.WaitVisible(chromedp.CSS(`button.preset`)))
	labelled(t, ctx)
	shoot(t, ctx, "top-up")
	do(t, ctx, chromedp.Click(chromedp.CSS(`button.preset[value="25"]`)), chromedp.WaitVisible(chromedp.CSS(`#card`)),
		chromedp.SendKeys(chromedp.CSS(`#card`), "4242 4242 4242 4242"), chromedp.Click(chromedp.CSS(`button[value="pay"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="result-balance"]`)))
	text = textOf(t, ctx, `#res-h`)
	if text != "Top-up complete" {
		t.Fatalf("after paying, heading = %q, want Top-up complete", text)
	}
	text = textOf(t, ctx, `[data-testid="result-balance"]`)
	if text != "$47.14" {
		t.Fatalf("balance after top-up = %q, want $47.14", text)
	}
	shoot(t, ctx, "top-up-result")
	do(t, ctx, chromedp.Navigate(base+"/portal/transactions"))
	text = textOf(t, ctx, `main`)
	if !strings.Contains(text, "Top-up") || !strings.Contains(text, "+$25.00") {
		t.Fatalf("transactions do not show the top-up:\n%s", text)
	}

	// Auto top-up: below $40, add $20, at most $100 a month.
	do(t, ctx, chromedp.Navigate(base+"/portal/auto-top-up"))
	text = textOf(t, ctx, `[data-testid="saved-card"]`)
	if text != "Visa •••• 4242" {
		t.Fatalf("saved card = %q, want Visa •••• 4242", text)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#enabled`)), chromedp.SetValue(chromedp.CSS(`#threshold`), "40"), chromedp.SetValue(chromedp.CSS(`#auto-amount`), "20"),
		chromedp.SetValue(chromedp.CSS(`#monthly_cap`), "100"), chromedp.Submit(chromedp.CSS(`#monthly_cap`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	text = textOf(t, ctx, `[data-testid="auto-state"]`)
	if !strings.HasPrefix(text, "On: adds $20.00 when your balance falls below $40.00") {
		t.Fatalf("auto top-up state = %q", text)
	}
	labelled(t, ctx)
	shoot(t, ctx, "auto-top-up")
	// $7.50 of usage takes $47.14 below $40: the job charges the saved card.
	for i := range 5 {
		call("POST", "/v1/events", fmt.Sprintf(`{"id": "cross-%d", "customer": "alice", "event_type": "chat.completion"}`, i), 201)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		do(t, ctx, chromedp.Navigate(base+"/portal/transactions"))
		text = textOf(t, ctx, `main`)
		if strings.Contains(text, "Auto top-up") && strings.Contains(text, "+$20.00") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no auto top-up in transactions after 60s:\n%s\nserver log:\n%s", text, stderr)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// A payment the platform recorded over REST (kind top_up) is not a card payment.
	call("POST", "/v1/adjustments", `{"transaction_id": "invoice-118", "kind": "top_up", "customer": "alice", "asset": "USD", "amount": "10.00",
		"reason": "Invoice 2026-118, paid by bank transfer"}`, 201)
	do(t, ctx, chromedp.Navigate(base+"/portal/transactions"))
	first := textOf(t, ctx, `tbody tr`)
	if !strings.Contains(first, "Top-up") || !strings.Contains(first, "Invoice 2026-118, paid by bank transfer") || strings.Contains(first, "Card payment") {
		t.Errorf("the REST top_up adjustment shows as %q, want a Top-up described by its reason, not a card payment", first)
	}
	text = textOf(t, ctx, `main`)
	if strings.Contains(text, "chat.completion") || !strings.Contains(text, "Chat") {
		t.Errorf("usage transactions show the event type where the product's name exists:\n%s", text)
	}
	shoot(t, ctx, "transactions")
	do(t, ctx, chromedp.Navigate(base+"/portal/"))
	text = textOf(t, ctx, `[data-testid="available-USD"]`)
	if text != "$69.64" {
		t.Errorf("balance after auto top-up and the recorded payment = %q, want $69.64", text)
	}
	shoot(t, ctx, "overview-after")

	// Another customer's data is out of reach, whatever the address says.
	for _, path := range []string{"/portal/?customer=bob", "/portal/?customer=" + bob["id"].(string),
		"/portal/usage?customer=" + bob["id"].(string), "/portal/transactions?customer=bob&wallet=" + bob["id"].(string),
		"/portal/top-up/result?top_up=" + bob["id"].(string), "/portal/auto-top-up?customer=bob"} {
		do(t, ctx, chromedp.Navigate(base+path))
		html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`html`)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(html, "Bob") || strings.Contains(html, "777") || strings.Contains(html, bob["id"].(string)) {
			t.Errorf("%s shows customer B's data", path)
		}
	}

	// An expired link, and a tampered one, show a page and no data.
	expired := portal.SignLink([]byte(portalSecret), portal.Link{Account: accountOf(t, link["url"].(string)), Mode: billing.ModeTest,
		Customer: alice["id"].(string), ReturnURL: "https://app.example.com/settings", ExpiresAt: time.Now().Add(-time.Minute)})
	freshCtx, cancel := chromedp.NewContext(ctx) // a new tab, same browser: drop the cookie first
	defer cancel()
	do(t, freshCtx, chromedp.Func(func(c context.Context, _ *chromedp.Target) error { return clearCookies(c) }),
		chromedp.Navigate(base+"/portal/session?token="+url.QueryEscape(expired)))
	text = textOf(t, freshCtx, `h1`)
	if text != "This link has expired" {
		t.Errorf("expired link shows %q", text)
	}
	back, err := chromedp.Run(freshCtx, chromedp.AttributeValue(chromedp.CSS(`a.button`), "href"))
	if err != nil || back.Value != "https://app.example.com/settings" {
		t.Errorf("expired page links back to %q (%v)", back.Value, err)
	}
	shoot(t, freshCtx, "expired")
	// The link alice opened, opened again in another browser (no cookie).
	do(t, freshCtx, chromedp.Navigate(link["url"].(string)))
	text = textOf(t, freshCtx, `h1`)
	if text != "This link was already used" {
		t.Errorf("a used link opened in another browser shows %q, want This link was already used", text)
	}
	if html, err := chromedp.Run(freshCtx, chromedp.OuterHTML(chromedp.CSS(`html`))); err != nil || strings.Contains(html, "Alice") || strings.Contains(html, "$") {
		t.Errorf("the used-link page shows alice's data (%v)", err)
	}
	shoot(t, freshCtx, "link-used")
	tampered := strings.Replace(link["url"].(string), "token=", "token=x", 1)
	do(t, freshCtx, chromedp.Navigate(tampered))
	text = textOf(t, freshCtx, `h1`)
	if text != "This link is not valid" {
		t.Errorf("tampered link shows %q", text)
	}
	do(t, freshCtx, chromedp.Navigate(base+"/portal/"))
	text = textOf(t, freshCtx, `h1`)
	if text != "Your session has ended" {
		t.Errorf("the portal without a session shows %q", text)
	}
	// The access log names paths and customers, never a token or the secret.
	logs := stderr.String()
	if !strings.Contains(logs, "portal request") || strings.Contains(logs, "token=") || strings.Contains(logs, portalSecret) ||
		strings.Contains(logs, expired) {
		t.Errorf("the server log has no portal access lines, or has a token or the secret:\n%s", logs)
	}
}

// labelled checks that every visible form control of the page has a label.
func labelled(t *testing.T, ctx context.Context) {
	t.Helper()
	unlabelled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
		.filter(el => el.labels.length === 0 && !el.getAttribute("aria-label")).map(el => el.name)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(unlabelled) > 0 {
		t.Errorf("form controls without a label: %v", unlabelled)
	}
}

// TestPortalRefusesFormsWithoutCSRFToken posts a form with the session
// cookie but without, or with another session's, CSRF token.
func TestPortalRefusesFormsWithoutCSRFToken(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	base := "http://" + addr
	call := restCaller(t, base, createKey(t, dbURL))
	call("POST", "/v1/customers", `{"external_id": "carol"}`, 201)
	open := func() *http.Cookie {
		link := call("POST", "/v1/portal_sessions", `{"customer": "carol", "return_url": "https://app.example.com/"}`, 201)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(link["url"].(string))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "tollgate_portal" {
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge > 3600 {
					t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, at most an hour", c)
				}
				return c
			}
		}
		t.Fatalf("opening the link set no session cookie (status %d)", resp.StatusCode)
		return nil
	}
	mine, other := open(), open()
	page := func(c *http.Cookie) string {
		req, _ := http.NewRequest("GET", base+"/portal/auto-top-up", nil)
		req.AddCookie(c)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		_, rest, _ := strings.Cut(string(b), `name="csrf_token" value="`)
		tok, _, _ := strings.Cut(rest, `"`)
		return tok
	}
	otherToken := page(other)
	for name, form := range map[string]url.Values{
		"none":          {"threshold": {"10"}, "amount": {"20"}, "monthly_cap": {"100"}},
		"other session": {"csrf_token": {otherToken}, "threshold": {"10"}, "amount": {"20"}, "monthly_cap": {"100"}},
	} {
		req, _ := http.NewRequest("POST", base+"/portal/auto-top-up", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(mine)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST with CSRF token %s = %d, want 403", name, resp.StatusCode)
		}
	}
	// With its own token the same form is taken (and refused for want of a card: 422).
	form := url.Values{"csrf_token": {page(mine)}, "enabled": {"on"}, "threshold": {"10"}, "amount": {"20"}, "monthly_cap": {"100"}}
	req, _ := http.NewRequest("POST", base+"/portal/auto-top-up", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(mine)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "Make a top-up first") {
		t.Errorf("POST with its token = %d, want 422 asking for a top-up first", resp.StatusCode)
	}
}

func restCaller(t *testing.T, base, key string) func(method, path, body string, want int) map[string]any {
	return func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		var out map[string]any
		json.Unmarshal(data, &out)
		return out
	}
}

// accountOf reads the account from a link's token (its payload is signed,
// not secret).
func accountOf(t *testing.T, link string) string {
	t.Helper()
	u, _ := url.Parse(link)
	payload, _, _ := strings.Cut(u.Query().Get("token"), ".")
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var c struct {
		A string `json:"a"`
	}
	if err != nil || json.Unmarshal(b, &c) != nil || c.A == "" {
		t.Fatalf("cannot read the account of link %s", link)
	}
	return c.A
}

// clearCookies drops the browser's cookies, so a tab starts with no session.
func clearCookies(ctx context.Context) error {
	_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
	return err
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// textOf is the visible text of the first element matching a CSS selector.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}
