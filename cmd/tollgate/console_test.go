package main

import (
	"context"
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

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// -console-screenshots rewrites docs/console/*.png; normal runs only take them.
var consoleScreenshots = flag.Bool("console-screenshots", false, "write the console's screenshots to docs/console/")

// consoleShot takes a full-page screenshot at 1280 and 375 px wide; only
// with -console-screenshots are they written to docs/console/.
func consoleShot(t *testing.T, ctx context.Context, name string) {
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
		if *consoleScreenshots {
			if err := os.WriteFile(filepath.Join("..", "..", "docs", "console", name+"-"+size.suffix+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
}

// consoleEnv is a serve with its database and a CLI on the same database.
type consoleEnv struct {
	base  string
	call  func(method, path, body string, want int) map[string]any
	cli   func(args ...string) string
	log   *serveLog
	dbURL string
}

func newConsoleEnv(t *testing.T) consoleEnv {
	t.Helper()
	dbURL := testdb.URL(t)
	addr, stderr := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	base := "http://" + addr
	env := []string{"TOLLGATE_DATABASE_URL=" + dbURL, "TOLLGATE_PUBLIC_URL=" + base}
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), env...)
		var errb strings.Builder
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tollgate %v: %v\n%s", args, err, errb.String())
		}
		return strings.TrimSpace(string(out))
	}
	return consoleEnv{base: base, call: restCaller(t, base, createKey(t, dbURL)), cli: cli, log: stderr, dbURL: dbURL}
}

// code is what an authenticator app shows for the seed at t.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// money is how the console writes a USD amount the API gives: "$" and the
// figure at two places at least, negative with a minus sign.
func money(t *testing.T, api any) string {
	t.Helper()
	d, err := decimal.NewFromString(fmt.Sprint(api))
	if err != nil {
		t.Fatalf("API amount %v: %v", api, err)
	}
	s := "$" + d.Abs().StringFixed(max(2, -d.Exponent()))
	if d.IsNegative() {
		s = "−" + s
	}
	return s
}

// TestConsoleInBrowser walks the console in a real browser against the real
// binary: an invitation link from the CLI, a password, a TOTP second factor,
// sign-in with both, the home page's figures against the API's, a customer
// found and given credit, and every page's screenshot.
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	e := newConsoleEnv(t)
	e.call("POST", "/v1/products", `{"code": "chat", "name": "Chat", "event_type": "chat.completion",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "1.50", "name": "message"}]}`, 201)
	e.call("POST", "/v1/customers", `{"external_id": "alice", "name": "Alice Martin", "email": "alice@example.com"}`, 201)
	e.call("POST", "/v1/customers", `{"external_id": "bob", "name": "Bob Stone", "email": "bob@example.org"}`, 201)
	e.call("POST", "/v1/adjustments", `{"transaction_id": "paid-a", "kind": "top_up", "customer": "alice", "asset": "USD", "amount": "40.00", "reason": "Invoice 7"}`, 201)
	e.call("POST", "/v1/adjustments", `{"transaction_id": "gift-b", "kind": "gift", "customer": "bob", "asset": "USD", "amount": "5.00", "reason": "Welcome"}`, 201)
	// Usage now, and every other day of the last three weeks (for the
	// chart and last month's figures), recorded oldest first as an app would.
	var times []time.Time
	for d := 20; d >= 2; d -= 2 {
		times = append(times, time.Now().UTC().Add(-time.Duration(d)*24*time.Hour))
	}
	for i := 6; i >= 0; i-- {
		times = append(times, time.Now().UTC().Add(-time.Duration(i)*time.Minute))
	}
	for i, at := range times {
		e.call("POST", "/v1/events", fmt.Sprintf(`{"id": "chat-%d", "customer": "alice", "event_type": "chat.completion", "occurred_at": %q,
			"costs": [{"vendor": "openai", "amount": "0.35", "currency": "USD"}]}`, i, at.Format(time.RFC3339)), 201)
	}
	e.call("POST", "/v1/events", `{"id": "chat-bob", "customer": "bob", "event_type": "chat.completion"}`, 201)
	e.call("POST", "/v1/authorizations", `{"idempotency_key": "hold-1", "customer": "alice", "event_type": "chat.completion"}`, 201)

	// The sign-in page, before anything.
	do(t, ctx, chromedp.Navigate(e.base+"/console/"))
	if h := textOf(t, ctx, `h1`); h != "Sign in to the console" {
		t.Fatalf("the console without a session shows %q, want the sign-in page", h)
	}
	labelled(t, ctx)
	consoleShot(t, ctx, "sign-in")

	// An invitation from the CLI opens the console once.
	link := e.cli("operators", "invite", "--email", "ana@example.com", "--name", "Ana Lopez", "--role", "owner")
	if !strings.HasPrefix(link, e.base+"/console/link?token=tgl_") {
		t.Fatalf("operators invite printed %q, want a sign-in link on %s", link, e.base)
	}
	do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`[data-testid="revenue"]`)))
	if banner := textOf(t, ctx, `[data-testid="test-banner"]`); !strings.Contains(banner, "Test mode") {
		t.Errorf("test mode banner = %q", banner)
	}

	// The home page's figures are the API's, to the cent.
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	rep := e.call("GET", "/v1/profitability?from="+month.Format(time.DateOnly), "", 200)
	totals := rep["totals"].(map[string]any)
	for _, f := range []string{"revenue", "cost", "margin"} {
		want := money(t, totals[f])
		got := textOf(t, ctx, `[data-testid="`+f+`"]`)
		if f == "margin" {
			got, _, _ = strings.Cut(got, " (")
		}
		if got != want {
			t.Errorf("home %s = %q, the API's totals.%s = %v (%s)", f, got, f, totals[f], want)
		}
	}
	if got := textOf(t, ctx, `[data-testid="revenue"]`); got == "$0.00" {
		t.Errorf("home revenue = %q, want alice's paid chats", got)
	}
	if got := textOf(t, ctx, `[data-testid="active-customers"]`); got != "2" {
		t.Errorf("customers billed this month = %q, want 2", got)
	}
	if got, want := textOf(t, ctx, `[data-testid="events-per-minute"]`), fmt.Sprint(len(times)+1); got != want { // recorded now, whenever they occurred
		t.Errorf("events in the last minute = %q, want %s", got, want)
	}
	consoleShot(t, ctx, "home")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="mode-switch"]`)), chromedp.WaitReady(chromedp.CSS(`body[data-mode="live"]`)))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="test-banner"]').length`)); err != nil || n != 0 {
		t.Errorf("live mode shows the test banner (%d, %v)", n, err)
	}
	if got := textOf(t, ctx, `[data-testid="revenue"]`); got != "$0.00" {
		t.Errorf("live mode revenue = %q, want $0.00 (everything is in test mode)", got)
	}
	consoleShot(t, ctx, "home-live")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="mode-switch"]`)), chromedp.WaitReady(chromedp.CSS(`body[data-mode="test"]`)))

	// A password, then a second factor set up with a code computed here.
	do(t, ctx, chromedp.Navigate(e.base+"/console/you"), chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse battery"), chromedp.SendKeys(chromedp.CSS(`#password_again`), "correct horse battery"),
		chromedp.Submit(chromedp.CSS(`#password_again`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	do(t, ctx, chromedp.Submit(chromedp.CSS(`form[action="/console/you/totp"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="totp-secret"]`)))
	labelled(t, ctx)
	consoleShot(t, ctx, "second-factor")
	secret := textOf(t, ctx, `[data-testid="totp-secret"]`)
	first := code(t, secret, time.Now())
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#totp-code`), first), chromedp.Submit(chromedp.CSS(`#totp-code`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="totp-state"]`)))
	if got := textOf(t, ctx, `[data-testid="totp-state"]`); got != "On" {
		t.Fatalf("second factor = %q after its first code, want On", got)
	}
	consoleShot(t, ctx, "you")

	// Sign out, then in with the password and the next code (the one just
	// used is refused: a code works once).
	do(t, ctx, chromedp.Submit(chromedp.CSS(`form[action="/console/sign-out"]`)), chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "ana@example.com"), chromedp.SendKeys(chromedp.CSS(`#password`), "wrong password!!"),
		chromedp.Submit(chromedp.CSS(`#password`)), chromedp.WaitVisible(chromedp.CSS(`.alert.error`)))
	if got := textOf(t, ctx, `.alert.error`); got != "The email or the password is wrong." {
		t.Errorf("a wrong password shows %q", got)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse battery"),
		chromedp.Submit(chromedp.CSS(`#password`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
	labelled(t, ctx)
	consoleShot(t, ctx, "code")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#code`), first), chromedp.Submit(chromedp.CSS(`#code`)), chromedp.WaitVisible(chromedp.CSS(`.alert.error`)))
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#code`), code(t, secret, time.Now().Add(30*time.Second))), chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="revenue"]`)))

	// Customers: search, the customer page, a gift given twice recorded once.
	do(t, ctx, chromedp.Navigate(e.base+"/console/customers"), chromedp.WaitVisible(chromedp.CSS(`#q`)))
	consoleShot(t, ctx, "customers")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#q`), "martin"), chromedp.Submit(chromedp.CSS(`#q`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="found"]`)))
	if got := textOf(t, ctx, `[data-testid="customers"] tbody`); !strings.Contains(got, "Alice Martin") || strings.Contains(got, "Bob") {
		t.Errorf("search for martin found %q", got)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="customers"] tbody a`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="gift-form"]`)))
	if got := textOf(t, ctx, `[data-testid="available-USD"]`); !strings.HasPrefix(got, "$13.00") { // 40 - 17 × 1.50 - 1.50 held
		t.Errorf("alice's available balance = %q, want $13.00", got)
	}
	labelled(t, ctx)
	consoleShot(t, ctx, "customer")
	giftForm := `[data-testid="gift-form"]`
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(giftForm+` #gift-amount`), "2.50"), chromedp.SendKeys(chromedp.CSS(giftForm+` #gift-reason`), "Sorry for the outage"),
		chromedp.Submit(chromedp.CSS(giftForm+` #gift-reason`)), chromedp.WaitVisible(chromedp.CSS(`.alert.ok`)))
	if got := textOf(t, ctx, `.alert.ok`); !strings.Contains(got, "Gave $2.50") {
		t.Errorf("after the gift: %q", got)
	}
	wallet := e.call("GET", "/v1/customers/alice/wallets/default", "", 200)
	if got := wallet["balances"].([]any)[0].(map[string]any)["available"]; got != "15.5" && got != "15.50" {
		t.Errorf("alice's available balance after the gift = %v, want 15.50", got)
	}
	consoleShot(t, ctx, "customer-gift")

	// Usage: the live tail shows an event recorded after the page opened.
	do(t, ctx, chromedp.Navigate(e.base+"/console/usage"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="follow"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="follow"]`)), chromedp.WaitReady(chromedp.CSS(`[data-testid="live-status"][data-open]`)))
	e.call("POST", "/v1/events", `{"id": "live-1", "customer": "bob", "event_type": "chat.completion"}`, 201)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`tr[data-event="live-1"]`)))
	if got := textOf(t, ctx, `tr[data-event="live-1"]`); !strings.Contains(got, "Bob Stone") || !strings.Contains(got, "$1.50") {
		t.Errorf("the live row = %q, want bob's chat at $1.50", got)
	}
	labelled(t, ctx)
	consoleShot(t, ctx, "usage")

	// Profitability by customer, and a what-if: every chat price up 10%.
	do(t, ctx, chromedp.Navigate(e.base+"/console/profitability?group=customer"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="profit"]`)))
	if got := textOf(t, ctx, `[data-testid="profit"] tbody`); !strings.Contains(got, "alice") || !strings.Contains(got, "bob") {
		t.Errorf("profitability by customer = %q", got)
	}
	labelled(t, ctx)
	consoleShot(t, ctx, "profitability")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#wi-change`), "10"), chromedp.Submit(chromedp.CSS(`#wi-change`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whatif-proposed"]`)))
	if got := textOf(t, ctx, `[data-testid="whatif-proposed"]`); got != "$31.35" { // 19 chats in 30 days × 1.50 × 1.1
		t.Errorf("what-if at +10%% proposes %q, want $31.35", got)
	}
	consoleShot(t, ctx, "what-if")

	// Catalog: the product as people read it, and an event priced.
	do(t, ctx, chromedp.Navigate(e.base+"/console/catalog"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="products"]`)))
	consoleShot(t, ctx, "catalog")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="products"] tbody a`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="prices-v1"]`)))
	if got := textOf(t, ctx, `[data-testid="prices-v1"]`); got != "message: $1.50 per event" {
		t.Errorf("the chat product's prices read %q", got)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#sim-data`), `{"model": "gpt-4o"}`), chromedp.Submit(chromedp.CSS(`#sim-data`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="simulation"]`)))
	if got := textOf(t, ctx, `[data-testid="simulation"]`); !strings.Contains(got, "Total: $1.50") {
		t.Errorf("the simulation shows %q", got)
	}
	labelled(t, ctx)
	consoleShot(t, ctx, "product")

	// Webhooks: an endpoint nobody answers, its delivery with the attempt.
	ep := e.call("POST", "/v1/webhook_endpoints", `{"url": "http://127.0.0.1:9/hooks", "description": "staging receiver"}`, 201)
	e.call("POST", "/v1/webhook_endpoints/"+ep["id"].(string)+"/test", "", 201)
	do(t, ctx, chromedp.Navigate(e.base+"/console/webhooks?endpoint="+ep["id"].(string)), chromedp.WaitVisible(chromedp.CSS(`.delivery`)))
	if got := textOf(t, ctx, `.delivery`); !strings.Contains(got, "webhook.test") {
		t.Errorf("the delivery reads %q", got)
	}
	consoleShot(t, ctx, "webhooks")

	// Payments: a top-up started with the test provider.
	e.call("POST", "/v1/top_ups", `{"idempotency_key": "tu-1", "customer": "alice", "asset": "USD", "amount": "25.00",
		"success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/no"}`, 201)
	do(t, ctx, chromedp.Navigate(e.base+"/console/payments"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="top-ups"]`)))
	if got := textOf(t, ctx, `[data-testid="top-ups"] tbody`); !strings.Contains(got, "Alice Martin") || !strings.Contains(got, "$25.00") {
		t.Errorf("the payments page reads %q", got)
	}
	consoleShot(t, ctx, "payments")

	// The operators page: invite a viewer from the console.
	do(t, ctx, chromedp.Navigate(e.base+"/console/settings"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="invite-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#inv-email`), "vic@example.com"), chromedp.SetValue(chromedp.CSS(`#inv-role`), "viewer"),
		chromedp.Submit(chromedp.CSS(`#inv-email`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="secret"]`)))
	labelled(t, ctx)
	consoleShot(t, ctx, "settings")
	vicLink := textOf(t, ctx, `[data-testid="secret"]`)
	if !strings.HasPrefix(vicLink, e.base+"/console/link?token=tgl_") {
		t.Fatalf("the invitation shows %q, want a sign-in link", vicLink)
	}

	// Pages that refuse: a customer not found, a link used twice (in a
	// tab whose cookies are cleared: the browser's, so last).
	do(t, ctx, chromedp.Navigate(e.base+"/console/customers/cus_nope"))
	if h := textOf(t, ctx, `h1`); h != "Not found" {
		t.Errorf("an unknown customer shows %q", h)
	}
	consoleShot(t, ctx, "not-found")
	fresh, cancel := chromedp.NewContext(ctx)
	defer cancel()
	do(t, fresh, chromedp.Func(func(c context.Context, _ *chromedp.Target) error { return clearCookies(c) }), chromedp.Navigate(link))
	if h := textOf(t, fresh, `h1`); h != "This link was already used" {
		t.Errorf("a used link shows %q", h)
	}
	consoleShot(t, fresh, "link-used")

	// The access log names paths and operators, never a token.
	if logs := e.log.String(); !strings.Contains(logs, "console request") || strings.Contains(logs, "tgl_") || strings.Contains(logs, "tgs_") {
		t.Errorf("the server log has no console access lines, or has a token:\n%s", logs)
	}
}

// consoleClient is a browser-less operator: a session cookie from a link.
type consoleClient struct {
	t      *testing.T
	base   string
	cookie *http.Cookie
}

func openConsole(t *testing.T, base, link string) *consoleClient {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "tollgate_console" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge > 12*3600 {
				t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, at most 12 hours", c)
			}
			return &consoleClient{t: t, base: base, cookie: c}
		}
	}
	t.Fatalf("opening %s set no session cookie (status %d)", link, resp.StatusCode)
	return nil
}

// get returns a page's status and body, following no redirect.
func (c *consoleClient) get(path string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.AddCookie(c.cookie)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *consoleClient) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(c.cookie)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// csrf reads a page's form token.
func (c *consoleClient) csrf(path string) string {
	c.t.Helper()
	status, body := c.get(path)
	_, rest, ok := strings.Cut(body, `name="csrf_token" value="`)
	if status != 200 || !ok {
		c.t.Fatalf("GET %s = %d with no form token", path, status)
	}
	tok, _, _ := strings.Cut(rest, `"`)
	return tok
}

// TestConsoleRefuses: a viewer cannot give credit, a form without its
// session's CSRF token is refused, an operator of one account cannot reach
// another account's customers by editing the address, and a revoked session
// is out at its next request.
func TestConsoleRefuses(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	alice := e.call("POST", "/v1/customers", `{"external_id": "alice", "name": "Alice Martin"}`, 201)
	e.call("POST", "/v1/adjustments", `{"transaction_id": "g-a", "kind": "gift", "customer": "alice", "asset": "USD", "amount": "10.00", "reason": "Welcome"}`, 201)
	owner := openConsole(t, e.base, e.cli("operators", "invite", "--email", "olive@example.com", "--role", "owner"))
	viewer := openConsole(t, e.base, e.cli("operators", "invite", "--email", "vic@example.com", "--role", "viewer"))
	page := "/console/customers/" + alice["id"].(string)
	path := page + "/adjustments"
	gift := func(token, id string) url.Values {
		return url.Values{"csrf_token": {token}, "kind": {"gift"}, "transaction_id": {id}, "asset": {"USD"}, "amount": {"100"}, "reason": {"free money"}}
	}
	available := func() any {
		t.Helper()
		w := e.call("GET", "/v1/customers/alice/wallets/default", "", 200)
		return w["balances"].([]any)[0].(map[string]any)["available"]
	}
	before := available()

	t.Run("ViewerCannotGift", func(t *testing.T) {
		status, body := viewer.get(page)
		if status != 200 || strings.Contains(body, `data-testid="gift-form"`) {
			t.Errorf("a viewer's customer page = %d and offers the gift form: %v", status, strings.Contains(body, "gift-form"))
		}
		if status, _ := viewer.post(path, gift(viewer.csrf(page), "console-viewer-1")); status != http.StatusForbidden {
			t.Errorf("a viewer's gift = %d, want 403", status)
		}
		if got := available(); got != before {
			t.Errorf("after a viewer's refused gift, available = %v, want %v: something was written", got, before)
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		for name, token := range map[string]string{"none": "", "another session's": viewer.csrf(page), "made up": "AAAA"} {
			if status, body := owner.post(path, gift(token, "console-csrf-"+strings.ReplaceAll(name, " ", ""))); status != http.StatusForbidden ||
				!strings.Contains(body, "This form has expired") {
				t.Errorf("a gift with %s CSRF token = %d, want 403", name, status)
			}
		}
		if got := available(); got != before {
			t.Errorf("after refused forms, available = %v, want %v", got, before)
		}
		// With its own token the same form is taken, once however often it
		// is sent (its id is the adjustment's).
		for i, want := range []string{"Gave $100.00", "This form was sent before; nothing new was recorded."} {
			if status, body := owner.post(path, gift(owner.csrf(page), "console-owner-1")); status != 200 || !strings.Contains(body, want) {
				t.Errorf("the owner's gift, sent %d times = %d, want 200 saying %s", i+1, status, want)
			}
		}
		w := e.call("GET", "/v1/customers/alice/wallets/default", "", 200)
		if got := w["balances"].([]any)[0].(map[string]any)["available"]; got != "110" && got != "110.00" {
			t.Errorf("after the gift sent twice, available = %v, want 110.00", got)
		}
	})

	t.Run("OtherAccount", func(t *testing.T) {
		other := e.cli("accounts", "create", "Other platform")
		key := e.cli("keys", "create", "--account", other)
		callB := restCaller(t, e.base, key)
		carol := callB("POST", "/v1/customers", `{"external_id": "carol", "name": "Carol Secretname", "email": "carol@other.example"}`, 201)
		callB("POST", "/v1/adjustments", `{"transaction_id": "g-c", "kind": "gift", "customer": "carol", "asset": "USD", "amount": "777.00", "reason": "B"}`, 201)
		id := carol["id"].(string)
		for _, p := range []string{"/console/customers/" + id, "/console/customers/carol", "/console/customers?q=carol", "/console/customers?q=" + id,
			"/console/customers/" + id + "?account=" + other} {
			status, body := owner.get(p)
			if strings.Contains(body, "Carol") || strings.Contains(body, "777") || (strings.Contains(body, id) && status == 200 && !strings.Contains(p, "q=")) {
				t.Errorf("GET %s = %d shows account B's customer", p, status)
			}
		}
		if status, _ := owner.get("/console/customers/" + id); status != http.StatusNotFound {
			t.Errorf("account B's customer by id = %d, want 404", status)
		}
		// Switching to an account the operator is not in is refused.
		if status, _ := owner.post("/console/switch", url.Values{"csrf_token": {owner.csrf("/console/")}, "account": {other}}); status != http.StatusNotFound {
			t.Errorf("switching to account B = %d, want 404", status)
		}
		if _, body := owner.get("/console/customers/" + id); strings.Contains(body, "Carol") {
			t.Error("after a refused switch, account B's customer shows")
		}
		if status, _ := owner.post("/console/customers/"+id+"/adjustments", gift(owner.csrf(page), "console-cross-1")); status != http.StatusNotFound {
			t.Errorf("a gift to account B's customer = %d, want 404", status)
		}
	})

	t.Run("UsageCSV", func(t *testing.T) {
		e.call("POST", "/v1/products", `{"code": "ping", "event_type": "ping", "prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "0.0025"}]}`, 201)
		e.call("POST", "/v1/events", `{"id": "ping-1", "customer": "alice", "event_type": "ping"}`, 201)
		status, body := owner.get("/console/usage.csv?customer=alice")
		lines := strings.Split(strings.TrimSpace(body), "\n")
		if status != 200 || len(lines) != 2 || !strings.HasPrefix(lines[0], "event_id,occurred_at,recorded_at,customer_id") ||
			!strings.HasPrefix(lines[1], "ping-1,") || !strings.HasSuffix(lines[1], ",ping,,1,0.0025,USD") {
			t.Errorf("usage.csv = %d\n%s", status, body)
		}
		if status, _ := owner.get("/console/usage.csv?from=yesterday"); status != http.StatusUnprocessableEntity {
			t.Errorf("usage.csv with a bad date = %d, want 422", status)
		}
	})

	t.Run("RevokedSessionIsOut", func(t *testing.T) {
		victim := openConsole(t, e.base, e.cli("operators", "link", "--email", "vic@example.com"))
		if status, _ := victim.get("/console/"); status != 200 {
			t.Fatalf("a fresh session = %d", status)
		}
		list := e.cli("operators", "sessions", "--operator", "vic@example.com")
		var id string
		for _, line := range strings.Split(list, "\n")[1:] {
			id = strings.Fields(line)[0] // newest first: the one just opened
			break
		}
		// A live tail it holds open ends once the session is revoked.
		req, _ := http.NewRequest("GET", e.base+"/console/usage/stream", nil)
		req.AddCookie(victim.cookie)
		stream, err := http.DefaultClient.Do(req)
		if err != nil || stream.StatusCode != 200 || stream.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("the usage stream = %v, %v", stream, err)
		}
		defer stream.Body.Close()
		ended := make(chan string, 1)
		go func() {
			b, _ := io.ReadAll(stream.Body) // until the server closes it
			ended <- string(b)
		}()
		// Revoked by another process (the CLI); the server reads the
		// session on every request, so the very next one is refused.
		e.cli("operators", "revoke-session", id)
		status, _ := victim.get("/console/")
		if status != http.StatusSeeOther {
			t.Errorf("the first request after revoking the session = %d, want 303 to the sign-in page", status)
		}
		if status, _ := victim.post(path, gift("x", "console-revoked-1")); status != http.StatusUnauthorized {
			t.Errorf("a form from a revoked session = %d, want 401", status)
		}
		select { // the stream checks the session every second
		case got := <-ended:
			if !strings.Contains(got, "event: ended") {
				t.Errorf("the revoked session's stream closed without saying it ended:\n%s", got)
			}
		case <-time.After(10 * time.Second):
			t.Error("the revoked session's usage stream still runs 10 s after the revocation")
		}
		// An owner ends another operator's session from the settings page.
		v2 := openConsole(t, e.base, e.cli("operators", "link", "--email", "vic@example.com"))
		_, body := owner.get("/console/settings")
		_, rest, _ := strings.Cut(body, `data-testid="sessions"`)
		var sid string
		for _, chunk := range strings.Split(rest, `action="/console/settings/sessions/`)[1:] {
			sid, _, _ = strings.Cut(chunk, "/revoke")
			break
		}
		if status, _ := owner.post("/console/settings/sessions/"+sid+"/revoke", url.Values{"csrf_token": {owner.csrf("/console/settings")}}); status != 200 {
			t.Fatalf("ending session %s = %d", sid, status)
		}
		if status, _ := v2.get("/console/"); status != http.StatusSeeOther {
			t.Errorf("a session the owner ended = %d at its next request, want 303", status)
		}
	})
}
