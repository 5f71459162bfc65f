//go:build !windows

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// -mcpapps-screenshots rewrites docs/mcp-apps/*.png; normal runs only take them.
var mcpAppsScreenshots = flag.Bool("mcpapps-screenshots", false, "write the MCP Apps views' screenshots to docs/mcp-apps/")

// TestMCPAppsViews renders each MCP Apps view as a chat client would: a host
// page in Chromium, built on @modelcontextprotocol/ext-apps' AppBridge
// (tests/mcpapps, bundled here with esbuild), connects to `tollgate serve`
// over MCP declaring the extension, calls the tool, reads the ui:// view it
// names and renders it in a sandbox frame on another origin, under the CSP
// the view declares. Each view must show every amount of the tool's
// structured result exactly as the tool wrote it, in the light and the dark
// theme, ask for nothing over the network, and break no CSP rule.
func TestMCPAppsViews(t *testing.T) {
	t.Parallel()
	bundle := buildAppsHost(t)
	// Site isolation off: the view's frames (another origin, then an opaque
	// one) stay in the page's process, where the test can read their text.
	// Origins, the sandbox and the CSP apply as they do with it on.
	ctx := browser(t, chromedp.Flag("disable-features", "SitePerProcess,IsolateOrigins,IsolateSandboxedIframes"),
		chromedp.Flag("disable-site-isolation-trials", true))
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	key := createKey(t, dbURL)
	// The test seeds its data through the tools, gifts included, as a
	// backend would: an automation key, whose money moves are not asked about.
	automation := exec.Command(binary, "mcp", "confirmations", "automation", key[:14])
	automation.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+dbURL)
	if out, err := automation.CombinedOutput(); err != nil {
		t.Fatalf("tollgate mcp confirmations automation: %v\n%s", err, out)
	}
	cs := mcpConnect(t, &gosdk.StreamableClientTransport{
		Endpoint:   "http://" + addr + "/mcp?toolsets=all",
		HTTPClient: &http.Client{Transport: bearer{key}},
		MaxRetries: -1,
	})
	// The Go SDK's client (the newest protocol it and the server share) is
	// told of the extension too.
	if init := cs.InitializeResult(); init == nil || init.Capabilities == nil || init.Capabilities.Extensions["io.modelcontextprotocol/ui"] == nil {
		t.Errorf("the Go SDK's client sees no io.modelcontextprotocol/ui in the server's capabilities: %+v", init)
	}
	calls := seedAppsStory(t, cs)
	host := startAppsHost(t, bundle, addr, key)

	do(t, ctx, chromedp.Navigate(host.page), chromedp.WaitReady(chromedp.CSS(`html[data-ready]`)))
	conn, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`host.connect("all")`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the host page cannot connect: %v", err)
	}
	if mimes := dig(conn, "extensions", "io.modelcontextprotocol/ui", "mimeTypes"); fmt.Sprint(mimes) != "[text/html;profile=mcp-app]" {
		t.Errorf("the server's capabilities.extensions = %v, want io.modelcontextprotocol/ui with text/html;profile=mcp-app", dig(conn, "extensions"))
	}

	for _, c := range calls {
		for _, theme := range []string{"light", "dark"} {
			t.Run(c.view+"/"+theme, func(t *testing.T) {
				result := host.show(t, ctx, c.tool, c.args, theme, nil)
				text := host.viewText(t, ctx, c.ready)
				for _, want := range append(c.amounts(t, result), c.also...) {
					if !strings.Contains(text, want) {
						t.Errorf("the %s view does not show %q from the tool's result; it shows:\n%s", c.view, want, text)
					}
				}
				if bg := host.viewStyle(t, ctx, "background-color"); bg != map[string]string{"light": "rgb(255, 255, 255)", "dark": "rgb(28, 28, 31)"}[theme] {
					t.Errorf("the %s view's background in the %s theme = %s", c.view, theme, bg)
				}
				host.waitSized(t, ctx)
				png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#chat")))
				if err != nil {
					t.Fatalf("screenshot: %v", err)
				}
				if *mcpAppsScreenshots {
					if err := os.WriteFile(filepath.Join("..", "..", "docs", "mcp-apps", c.view+"-"+theme+".png"), png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}

	t.Run("host variables win", func(t *testing.T) {
		host.show(t, ctx, "get_statement", calls[2].args, "light", map[string]string{"--color-background-primary": "rgb(1, 2, 3)"})
		host.viewText(t, ctx, calls[2].ready)
		if bg := host.viewStyle(t, ctx, "background-color"); bg != "rgb(1, 2, 3)" {
			t.Errorf("with the host's --color-background-primary, the view's background = %s, want rgb(1, 2, 3)", bg)
		}
	})
	t.Run("prefers-color-scheme without a host theme", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
			t.Fatal(err)
		}
		host.show(t, ctx, "get_statement", calls[2].args, "", nil)
		host.viewText(t, ctx, calls[2].ready)
		if bg := host.viewStyle(t, ctx, "background-color"); bg != "rgb(28, 28, 31)" {
			t.Errorf("with no host theme and a dark system, the view's background = %s, want the dark rgb(28, 28, 31)", bg)
		}
	})

	if log, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`window.viewLog ?? []`)); err != nil || len(log) != 0 {
		t.Errorf("the views logged to the host (a CSP violation?): %v, %v", log, err)
	}
	if stray := host.strays(); len(stray) != 0 {
		t.Errorf("the host page or a view asked the network for %v: a view loads nothing", stray)
	}
}

// appsCall is one tool the test renders, with what its view must show.
type appsCall struct {
	view, tool string
	args       map[string]any
	ready      string                                    // CSS selector present once the view has drawn everything
	amounts    func(*testing.T, map[string]any) []string // the result's amounts, as the view must write them
	also       []string                                  // what the story makes sure of, worked out by hand
}

// seedAppsStory makes the data the views draw, through the tools: ada on a
// test clock with a plan (20.00 USD a month, 10.00 USD included, messages at
// 0.0035 USD), a top-up, a gift and a hold, one renewal; bo, paying per
// thousand tokens of three models with vendor costs, for the profitability
// chart. It returns the four calls, one per view.
func seedAppsStory(t *testing.T, cs *gosdk.ClientSession) []appsCall {
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC) // the first of next month
	at := func(months, days, hours int) string {
		return first.AddDate(0, months, days).Add(time.Duration(hours) * time.Hour).Format(time.RFC3339)
	}
	mcpOK(t, cs, "create_vendor", map[string]any{"code": "openai"})
	mcpOK(t, cs, "create_product_price", map[string]any{"code": "assistant", "event_type": "assistant.message", "prices": []any{
		map[string]any{"name": "plan", "model": "recurring", "asset": "USD", "interval": "month", "amount": "20.00"},
		map[string]any{"name": "messages", "model": "per_unit", "asset": "USD", "unit_amount": "0.0035"},
	}, "entitlements": []any{map[string]any{"kind": "recurring", "asset": "USD", "amount": "10.00", "interval": "month"}}})
	mcpOK(t, cs, "create_product_price", map[string]any{"code": "chat", "event_type": "chat.tokens", "prices": []any{
		map[string]any{"name": "tokens", "model": "dimensional", "asset": "USD", "field": "total_tokens", "block_size": "1000", "dimensions": []any{"model"},
			"rates": []any{
				map[string]any{"values": map[string]any{"model": "gpt-4o"}, "amount": "0.0125"},
				map[string]any{"values": map[string]any{"model": "claude-sonnet"}, "amount": "0.015"},
				map[string]any{"values": map[string]any{"model": "*"}, "amount": "0.002"},
			}},
	}})

	clock := dig(mcpOK(t, cs, "create_test_clock", map[string]any{"idempotency_key": "apps", "name": "apps", "frozen_time": at(0, 0, 0)}), "test_clock", "id").(string)
	mcpOK(t, cs, "create_customer", map[string]any{"external_id": "ada", "name": "Ada Lovelace", "test_clock": clock})
	mcpOK(t, cs, "create_adjustment", map[string]any{"transaction_id": "ada-paid", "kind": "top_up", "customer": "ada", "asset": "USD", "amount": "45.00"})
	mcpOK(t, cs, "create_adjustment", map[string]any{"transaction_id": "ada-gift", "kind": "gift", "customer": "ada", "asset": "USD", "amount": "5.00", "expires_at": at(2, 14, 0)})
	sub := dig(mcpOK(t, cs, "subscribe_customer", map[string]any{"customer": "ada", "product": "assistant"}), "subscription", "id").(string)
	var events []any
	for i := range 4 {
		events = append(events, map[string]any{"id": fmt.Sprintf("ada-jan-%d", i), "customer": "ada", "event_type": "assistant.message", "occurred_at": at(0, 2+i, 9)})
	}
	mcpOK(t, cs, "advance_test_clock", map[string]any{"test_clock": clock, "frozen_time": at(0, 10, 0)})
	waitClock(t, cs, clock, at(0, 10, 0))
	mcpOK(t, cs, "record_usage", map[string]any{"events": events})
	mcpOK(t, cs, "advance_test_clock", map[string]any{"test_clock": clock, "frozen_time": at(1, 3, 0)})
	waitClock(t, cs, clock, at(1, 3, 0))
	events = nil
	for i := range 3 {
		events = append(events, map[string]any{"id": fmt.Sprintf("ada-feb-%d", i), "customer": "ada", "event_type": "assistant.message", "occurred_at": at(1, i, 15)})
	}
	mcpOK(t, cs, "record_usage", map[string]any{"events": events})
	mcpOK(t, cs, "create_adjustment", map[string]any{"transaction_id": "ada-gift-feb", "kind": "gift", "customer": "ada", "asset": "USD", "amount": "5.00", "expires_at": at(2, 14, 0)})
	mcpOK(t, cs, "authorize_usage", map[string]any{"idempotency_key": "ada-hold", "customer": "ada", "amount": "2.50", "asset": "USD"})

	mcpOK(t, cs, "create_customer", map[string]any{"external_id": "bo"})
	mcpOK(t, cs, "create_adjustment", map[string]any{"transaction_id": "bo-paid", "kind": "top_up", "customer": "bo", "asset": "USD", "amount": "100.00"})
	events = nil
	for i, e := range []struct {
		model, cost string
		tokens      int
	}{{"gpt-4o", "0.90", 120000}, {"gpt-4o", "0.61", 64000}, {"claude-sonnet", "0.95", 80000}, {"gpt-4o-mini", "0.12", 300000}, {"gpt-4o-mini", "", 150000}} {
		ev := map[string]any{"id": fmt.Sprintf("bo-%d", i), "customer": "bo", "event_type": "chat.tokens",
			"occurred_at": now.Add(-time.Duration(i+1) * time.Hour).Format(time.RFC3339), "data": map[string]any{"model": e.model, "total_tokens": e.tokens}}
		if e.cost != "" {
			ev["costs"] = []any{map[string]any{"vendor": "openai", "amount": e.cost, "currency": "USD"}}
		}
		events = append(events, ev)
	}
	mcpOK(t, cs, "record_usage", map[string]any{"events": events})

	money := func(amount any, asset any) string { return fmt.Sprintf("%v %v", amount, asset) }
	return []appsCall{
		{view: "wallet", tool: "get_wallet", args: map[string]any{"customer": "ada"}, ready: "section.usage table",
			amounts: func(t *testing.T, r map[string]any) []string {
				var out []string
				for _, b := range dig(r, "wallet", "balances").([]any) {
					asset := dig(b, "asset")
					out = append(out, money(dig(b, "available"), asset), money(dig(b, "total"), asset), money(dig(b, "held"), asset))
					for _, l := range dig(b, "lots").([]any) {
						out = append(out, money(dig(l, "remaining"), asset), money(dig(l, "amount"), asset))
					}
				}
				return out
			},
			// 45 paid + 5 + 5 gifts − 2 × 20 fees + 2 × 10 allowances − 4 × 0.0035
			// expired with January's allowance, − 3 × 0.0035 in February; 2.50 held.
			also: []string{"Wallet default", "ada", "24.9895 USD", "22.4895 USD", "2.50 USD", "9.9895 USD", "0.0035 USD", "ada-feb-2", "promotion", "bundled", "paid"}},
		{view: "profitability", tool: "get_profitability", args: map[string]any{"group_by": []any{"dimension:model"}}, ready: ".chart",
			amounts: func(t *testing.T, r map[string]any) []string {
				cur := dig(r, "currency")
				out := []string{money(dig(r, "totals", "revenue"), cur), money(dig(r, "totals", "cost"), cur), money(dig(r, "totals", "margin"), cur), fmt.Sprint(dig(r, "totals", "margin_pct"), "%")}
				for _, row := range dig(r, "rows").([]any) {
					out = append(out, money(dig(row, "revenue"), cur), money(dig(row, "cost"), cur), money(dig(row, "margin"), cur), fmt.Sprint(dig(row, "group", 0, "label")))
				}
				return out
			},
			// gpt-4o: 184 thousand tokens × 0.0125; revenue 4.40, and over the four
			// events with a cost, 4.10 − 2.58 = 1.52, 37.07 %.
			also: []string{"2.3 USD", "4.4 USD", "2.58 USD", "1.52 USD", "37.07%", "gpt-4o-mini", "claude-sonnet", "known for 4 of 5 events"}},
		{view: "statement", tool: "get_statement", args: map[string]any{"customer": "ada", "asset": "USD", "month": first.Format("2006-01")}, ready: "table.statement",
			amounts: func(t *testing.T, r map[string]any) []string {
				s := dig(r, "statement")
				out := []string{money(dig(s, "opening_balance"), "USD"), money(dig(s, "closing_balance"), "USD"), money(dig(s, "allowance_used"), "USD")}
				for _, l := range dig(s, "lines").([]any) {
					out = append(out, money(dig(l, "amount"), "USD"), fmt.Sprint(dig(l, "label")))
				}
				for _, p := range dig(s, "usage_by_product").([]any) {
					out = append(out, money(dig(p, "amount"), "USD"))
				}
				return out
			},
			// 45 paid + 5 gift − 20 fee + 10 allowance − 4 × 0.0035 of usage.
			also: []string{"Statement " + first.Format("2006-01"), "45.00 USD", "-20.00 USD", "-0.014 USD", "39.986 USD"}},
		{view: "subscription", tool: "get_subscription", args: map[string]any{"subscription": sub}, ready: "ol.timeline",
			amounts: func(t *testing.T, r map[string]any) []string {
				out := []string{fmt.Sprint(dig(r, "subscription", "product_code"))}
				for _, p := range dig(r, "periods").([]any) {
					out = append(out, money(dig(p, "fee"), dig(p, "asset")), fmt.Sprint(dig(p, "status")))
				}
				if len(out) < 3 {
					t.Errorf("get_subscription = %v, want two periods after a renewal", r)
				}
				return out
			},
			also: []string{"Renews " + at(2, 0, 0)[:10], at(0, 0, 0)[:10] + " → " + at(1, 0, 0)[:10], "20.00 USD", "active"}},
	}
}

// waitClock waits, with a deadline, for a test clock to reach to.
func waitClock(t *testing.T, cs *gosdk.ClientSession, clock, to string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		r := mcpOK(t, cs, "get_test_clock", map[string]any{"test_clock": clock})
		if dig(r, "test_clock", "status") == "ready" && dig(r, "test_clock", "frozen_time") == to {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("test clock not ready at %s after 30 s: %v", to, r)
		case <-tick.C:
		}
	}
}

// buildAppsHost bundles tests/mcpapps/host.js for the browser with the
// esbuild of its node_modules, into a temporary folder; without node or
// node_modules the test is skipped, unless TOLLGATE_REQUIRE_MCPAPPS is set
// (.ci/run sets it after npm ci).
func buildAppsHost(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../tests/mcpapps")
	if err != nil {
		t.Fatal(err)
	}
	missing := func(format string, args ...any) {
		if os.Getenv("TOLLGATE_REQUIRE_MCPAPPS") != "" {
			t.Fatalf(format+" (TOLLGATE_REQUIRE_MCPAPPS is set)", args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "ext-apps")); err != nil {
		missing("tests/mcpapps/node_modules is missing: run npm ci in tests/mcpapps")
	}
	out := filepath.Join(t.TempDir(), "host.js")
	// .bin/esbuild is the native binary once esbuild's install script has
	// run, else a node script that finds it: either runs as a command.
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "esbuild"), "host.js", "--bundle", "--format=esm", "--platform=browser", "--log-level=warning", "--outfile="+out)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("esbuild host.js: %v\n%s", err, b)
	}
	return out
}

// appsHost is the test's web host: the host page on one origin, the sandbox
// proxy on another (the same server by another name), and /mcp proxied to
// tollgate serve with the API key added, as a chat client's backend holds
// it. Any other request is a stray: the views must load nothing.
type appsHost struct {
	page, sandbox string

	mu    sync.Mutex
	stray []string
}

func startAppsHost(t *testing.T, bundle, serveAddr, key string) *appsHost {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	hostName, sandboxName := fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("localhost:%d", port)
	h := &appsHost{page: "http://" + hostName + "/host.html", sandbox: "http://" + sandboxName}
	dir := filepath.Join("..", "..", "tests", "mcpapps")
	upstream := &url.URL{Scheme: "http", Host: serveAddr}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(upstream)
		r.Out.Header.Set("Authorization", "Bearer "+key)
		r.Out.Header.Del("Origin") // the host's backend calls the server, not the browser
	}}
	on := func(name string, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Host != name {
				h.strayRequest(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	file := func(path string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, path) })
	}
	mux := http.NewServeMux()
	mux.Handle("GET /host.html", on(hostName, file(filepath.Join(dir, "host.html"))))
	mux.Handle("GET /host.js", on(hostName, file(bundle)))
	mux.Handle("/mcp", on(hostName, proxy))
	mux.Handle("GET /sandbox.html", on(sandboxName, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		csp, err := sandboxCSP(r.URL.Query().Get("csp"))
		if err != nil {
			t.Errorf("sandbox.html?csp=%s: %v", r.URL.Query().Get("csp"), err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Security-Policy", csp)
		http.ServeFile(w, r, filepath.Join(dir, "sandbox.html"))
	})))
	mux.HandleFunc("GET /favicon.ico", http.NotFound) // the browser's own
	mux.HandleFunc("/", h.strayRequest)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return h
}

func (h *appsHost) strayRequest(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.stray = append(h.stray, r.Method+" "+r.Host+r.URL.String())
	h.mu.Unlock()
	http.NotFound(w, r)
}

func (h *appsHost) strays() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stray
}

var cspOrigin = regexp.MustCompile(`^https?://(\*\.)?[a-z0-9.-]+(:[0-9]+)?$`)

// sandboxCSP is the policy the extension tells a host to build from a
// view's _meta.ui.csp ("Content Security Policy Enforcement").
func sandboxCSP(raw string) (string, error) {
	var c struct {
		Connect  []string `json:"connectDomains"`
		Resource []string `json:"resourceDomains"`
		Frame    []string `json:"frameDomains"`
		BaseURI  []string `json:"baseUriDomains"`
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return "", err
	}
	for _, o := range append(append(append(append([]string{}, c.Connect...), c.Resource...), c.Frame...), c.BaseURI...) {
		if !cspOrigin.MatchString(o) {
			return "", fmt.Errorf("%q is not an origin", o)
		}
	}
	or := func(list []string, none string) string {
		if len(list) == 0 {
			return none
		}
		return strings.Join(list, " ")
	}
	res := strings.Join(c.Resource, " ")
	return fmt.Sprintf("default-src 'none'; script-src 'self' 'unsafe-inline' %[1]s; style-src 'self' 'unsafe-inline' %[1]s; "+
		"connect-src 'self' %[2]s; img-src 'self' data: %[1]s; font-src 'self' %[1]s; media-src 'self' data: %[1]s; "+
		"frame-src %[3]s; object-src 'none'; base-uri %[4]s", res, strings.Join(c.Connect, " "), or(c.Frame, "'none'"), or(c.BaseURI, "'self'")), nil
}

// show has the host page call tool and render its view; it returns the
// tool's structured result as the page received it.
func (h *appsHost) show(t *testing.T, ctx context.Context, tool string, args map[string]any, theme string, variables map[string]string) map[string]any {
	t.Helper()
	opts := map[string]any{"tool": tool, "args": args, "sandboxOrigin": h.sandbox}
	if theme != "" {
		opts["theme"] = theme
	}
	if variables != nil {
		opts["variables"] = variables
	}
	b, _ := json.Marshal(opts)
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`host.show(`+string(b)+`)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("host.show(%s): %v", b, err)
	}
	if dig(shown, "result", "isError") == true {
		t.Fatalf("%s(%v) = tool error %v", tool, args, dig(shown, "result", "content"))
	}
	r, ok := dig(shown, "result", "structuredContent").(map[string]any)
	if !ok {
		t.Fatalf("%s(%v) = %v, want structuredContent", tool, args, shown)
	}
	return r
}

// viewFrame is the view's own frame: the inner frame of the sandbox proxy.
func (h *appsHost) viewFrame(t *testing.T, ctx context.Context) *chromedp.Node {
	t.Helper()
	outer, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#chat iframe")))
	if err != nil {
		t.Fatalf("the host's frame: %v", err)
	}
	inner, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe"), chromedp.FromNode(outer[0])))
	if err != nil {
		t.Fatalf("the sandbox's inner frame: %v", err)
	}
	return inner[0]
}

// viewText waits for ready in the view, then returns the text of its main.
func (h *appsHost) viewText(t *testing.T, ctx context.Context, ready string) string {
	t.Helper()
	frame := h.viewFrame(t, ctx)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitReady(chromedp.CSS("main "+ready), chromedp.FromNode(frame))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"), chromedp.FromNode(frame)))
		t.Fatalf("the view did not draw %s within 30 s: %v; it shows:\n%s", ready, err, text)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"), chromedp.FromNode(frame)))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// viewStyle is a computed style of the view's body.
func (h *appsHost) viewStyle(t *testing.T, ctx context.Context, property string) string {
	t.Helper()
	styles, err := chromedp.Run(ctx, chromedp.ComputedStyle(chromedp.CSS("body"), chromedp.FromNode(h.viewFrame(t, ctx))))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range styles {
		if s.Name == property {
			return s.Value
		}
	}
	return ""
}

// waitSized waits until the host has sized the frame to the view's content
// (ui/notifications/size-changed), so that a screenshot shows all of it.
func (h *appsHost) waitSized(t *testing.T, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		body, err := chromedp.Run(ctx, chromedp.Dimensions(chromedp.CSS("body"), chromedp.FromNode(h.viewFrame(t, ctx))))
		if err != nil {
			t.Fatal(err)
		}
		frame, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("#chat iframe").clientHeight`))
		if err != nil {
			t.Fatal(err)
		}
		if d := int64(frame) - body.Height; d >= -1 && d <= 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the frame is %v px high, the view's content %v px: the host was not told the view's size", frame, body.Height)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(r => requestAnimationFrame(() => r(true)))`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
	}
}
