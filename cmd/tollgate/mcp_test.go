package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// These tests drive the real binary with the official Go SDK client, which is
// independent of mcp-go (the server's library) and negotiates the newest
// protocol revision.

// mcpConnect connects a Go SDK client over t, at the newest protocol version
// both sides speak.
func mcpConnect(t *testing.T, tr gosdk.Transport) *gosdk.ClientSession {
	t.Helper()
	return mcpConnectAt(t, tr, "")
}

// mcpConnectAt connects a Go SDK client over t asking for protocol version
// (2026-07-28 through server/discover, an older one through initialize), and
// fails unless that version is the one negotiated; "" takes the newest.
func mcpConnectAt(t *testing.T, tr gosdk.Transport, version string) *gosdk.ClientSession {
	t.Helper()
	// The SSE transport ties its event stream to this context: it must
	// outlive the connect call, so it ends with the test.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := gosdk.NewClient(&gosdk.Implementation{Name: "tollgate-e2e", Version: "1"}, nil)
	cs, err := c.Connect(ctx, tr, &gosdk.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	if got := cs.InitializeResult().ProtocolVersion; version != "" && got != version {
		t.Fatalf("negotiated protocol version %s, want %s", got, version)
	}
	return cs
}

// mcpCall calls a tool and returns its result as JSON (structuredContent on
// success, the text on a tool error).
func mcpCall(t *testing.T, cs *gosdk.ClientSession, name string, args map[string]any) (map[string]any, string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &gosdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text string
	for _, c := range res.Content {
		if tc, ok := c.(*gosdk.TextContent); ok {
			text += tc.Text
		}
	}
	if res.IsError {
		if res.StructuredContent != nil {
			t.Errorf("%s: error result carries structuredContent", name)
		}
		return nil, text, false
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil || out == nil {
		t.Fatalf("%s: structuredContent %s is not an object", name, b)
	}
	if s := outputSchemaOf(t, cs, name); s != nil {
		if err := s.Validate(any(out)); err != nil {
			t.Errorf("%s: structuredContent does not validate against the output schema tools/list gave: %v\n%s", name, err, b)
		}
	}
	return out, text, true
}

// outputSchemas are the output schemas each session's tools/list gave,
// compiled (draft 2020-12, as the Go SDK reads schemas).
var outputSchemas sync.Map // *gosdk.ClientSession → map[string]*jsonschema.Schema

// outputSchemaOf returns the compiled output schema cs was given for tool,
// listing the tools once per session; nil for a tool not listed.
func outputSchemaOf(t *testing.T, cs *gosdk.ClientSession, tool string) *jsonschema.Schema {
	t.Helper()
	if m, ok := outputSchemas.Load(cs); ok {
		return m.(map[string]*jsonschema.Schema)[tool]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := map[string]*jsonschema.Schema{}
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatalf("tools/list: %v", err)
		}
		if tl.OutputSchema == nil {
			continue
		}
		b, _ := json.Marshal(tl.OutputSchema)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("out.json", doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile("out.json")
		if err != nil {
			t.Fatalf("%s's output schema does not compile: %v", tl.Name, err)
		}
		m[tl.Name] = s
	}
	outputSchemas.Store(cs, m)
	return m[tool]
}

func mcpOK(t *testing.T, cs *gosdk.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	out, text, ok := mcpCall(t, cs, name, args)
	if !ok {
		t.Fatalf("%s(%v) = error %q", name, args, text)
	}
	return out
}

func mcpErr(t *testing.T, cs *gosdk.ClientSession, name string, args map[string]any) string {
	t.Helper()
	out, text, ok := mcpCall(t, cs, name, args)
	if ok {
		t.Fatalf("%s(%v) = %v, want a tool error", name, args, out)
	}
	return text
}

// dig walks decoded JSON: dig(m, "wallet", "balances", 0, "available").
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// balanceOf finds a wallet's balance in one asset.
func balanceOf(wallet any, asset string) any {
	bs, _ := dig(wallet, "balances").([]any)
	for _, b := range bs {
		if dig(b, "asset") == asset {
			return b
		}
	}
	return nil
}

// mcpToolNames are the tools of the default toolsets.
var mcpToolNames = []string{
	"whoami", "list_assets", "create_asset", "add_asset_rate", "quote_asset",
	"list_vendors", "create_vendor",
	"list_products", "get_product", "create_product_price", "create_product_version", "archive_product", "simulate_usage",
	"list_customers", "get_customer", "create_customer", "subscribe_customer",
	"get_wallet", "create_wallet", "set_credit_limit",
	"list_transactions", "create_adjustment",
	"authorize_usage", "void_authorization", "record_usage", "get_event", "list_events",
}

// checkToolList checks tools/list as a client sees it.
func checkToolList(t *testing.T, cs *gosdk.ClientSession) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*gosdk.Tool{}
	for _, tool := range res.Tools {
		got[tool.Name] = tool
	}
	for _, name := range mcpToolNames {
		tool := got[name]
		if tool == nil {
			t.Errorf("tools/list lacks %s", name)
			continue
		}
		if tool.OutputSchema == nil || tool.Annotations == nil || tool.Annotations.OpenWorldHint == nil || *tool.Annotations.OpenWorldHint || tool.Title == "" {
			t.Errorf("%s: output schema %v, annotations %+v, title %q", name, tool.OutputSchema != nil, tool.Annotations, tool.Title)
		}
	}
	if ins := cs.InitializeResult(); ins == nil || !strings.Contains(ins.Instructions, "Confirm every change") {
		t.Errorf("server instructions missing")
	}
}

// billingCycle runs the full cycle, checking exact amounts:
// create_asset → create_product_price → simulate_usage → create_customer
// (subscribed) → create_adjustment (top_up, and a gift confirmed by token) →
// authorize_usage → record_usage
// with the authorization → get_event → get_wallet; then a replayed and a
// conflicting record_usage and create_adjustment, a declined authorization,
// and tool errors that name the fix.
func billingCycle(t *testing.T, cs *gosdk.ClientSession) {
	t.Helper()
	a := mcpOK(t, cs, "create_asset", map[string]any{"code": "credits", "name": "Credits", "precision": 2})
	if a["created"] != true || dig(a, "asset", "precision") != float64(2) {
		t.Errorf("create_asset = %v", a)
	}
	mcpOK(t, cs, "add_asset_rate", map[string]any{"asset": "credits", "currency": "USD", "rate": "0.05"})
	q := mcpOK(t, cs, "quote_asset", map[string]any{"asset": "credits", "currency_amount": "10.00"})
	if dig(q, "quote", "asset_amount") != "200.00" {
		t.Errorf("quote_asset($10) = %v, want 200 credits", dig(q, "quote"))
	}

	// Images cost 0.04 USD, 0.08 in HD.
	product := map[string]any{"code": "image-generation", "name": "Image generation", "event_type": "image.generated", "prices": []any{
		map[string]any{"name": "Images", "model": "dimensional", "asset": "USD", "dimensions": []any{"quality"}, "rates": []any{
			map[string]any{"values": map[string]any{"quality": "hd"}, "amount": "0.08"},
			map[string]any{"values": map[string]any{"quality": "*"}, "amount": "0.04"},
		}},
	}}
	p := mcpOK(t, cs, "create_product_price", product)
	if p["created"] != true || dig(p, "product", "default_version") != float64(1) || dig(p, "product", "versions", 0, "prices", 0, "rates", 0, "amount") != "0.08" {
		t.Errorf("create_product_price = %v", p)
	}
	if p = mcpOK(t, cs, "create_product_price", product); p["created"] != false {
		t.Errorf("create_product_price again = %v, want the existing product", p)
	}
	for quality, want := range map[string]string{"hd": "0.08", "standard": "0.04"} {
		sim := mcpOK(t, cs, "simulate_usage", map[string]any{"product": "image-generation", "data": map[string]any{"quality": quality}})
		if dig(sim, "totals", "USD") != want || dig(sim, "fees", 0, "amount") != want || dig(sim, "fees", 0, "breakdown") == "" {
			t.Errorf("simulate_usage(%s) = %v, want %s USD", quality, sim, want)
		}
	}
	if msg := mcpErr(t, cs, "simulate_usage", map[string]any{"product": "images"}); !strings.Contains(msg, `product "images" not found`) || !strings.Contains(msg, "create_product_price") {
		t.Errorf("simulate_usage(unknown product) = %q, want it to name the fix", msg)
	}

	c := mcpOK(t, cs, "create_customer", map[string]any{"external_id": "user_42", "name": "Ada", "email": "ada@example.com",
		"subscriptions": []any{map[string]any{"product": "image-generation"}}})
	if c["existed"] != false || dig(c, "customer", "external_id") != "user_42" || dig(c, "subscriptions", 0, "product_code") != "image-generation" || dig(c, "subscriptions", 0, "version") != float64(1) {
		t.Errorf("create_customer = %v", c)
	}

	topUp := map[string]any{"transaction_id": "user_42-topup-1", "kind": "top_up", "customer": "user_42", "asset": "USD", "amount": "10.00", "reason": "First top-up"}
	adj := mcpOK(t, cs, "create_adjustment", topUp)
	if dig(adj, "adjustment", "replayed") != false || dig(adj, "adjustment", "balance", "available") != "10.00" {
		t.Errorf("create_adjustment(top_up) = %v", adj)
	}
	replay := mcpOK(t, cs, "create_adjustment", topUp)
	if dig(replay, "adjustment", "replayed") != true || dig(replay, "adjustment", "balance", "available") != "10.00" || dig(replay, "adjustment", "id") != dig(adj, "adjustment", "id") {
		t.Errorf("replayed create_adjustment = %v, want the first adjustment, replayed, balance still 10", replay)
	}
	conflict := map[string]any{}
	for k, v := range topUp {
		conflict[k] = v
	}
	conflict["amount"] = "20.00"
	if msg := mcpErr(t, cs, "create_adjustment", conflict); !strings.Contains(msg, "already used") || !strings.Contains(msg, "use a new transaction_id") {
		t.Errorf("conflicting create_adjustment = %q", msg)
	}
	// A gift waits for the person's yes; this client cannot ask, so it gets
	// a preview and brings its token back (TestMCPConfirmation has the rest).
	confirmByToken(t, cs, "create_adjustment", map[string]any{"transaction_id": "user_42-welcome", "kind": "gift", "customer": "user_42", "asset": "credits", "amount": "250.50", "expires_at": "2099-12-31T00:00:00Z", "reason": "Welcome"},
		"250.50 credits", "user_42")

	auth := mcpOK(t, cs, "authorize_usage", map[string]any{"idempotency_key": "user_42-img-1-auth", "customer": "user_42", "event_type": "image.generated", "data": map[string]any{"quality": "hd"}})
	authID, _ := auth["id"].(string)
	if auth["approved"] != true || auth["status"] != "active" || auth["amount"] != "0.08" || auth["available"] != "9.92" || auth["asset"] != "USD" || !strings.HasPrefix(authID, "auth_") {
		t.Errorf("authorize_usage = %v, want 0.08 USD held and 9.92 available", auth)
	}
	if w := mcpOK(t, cs, "get_wallet", map[string]any{"customer": "user_42"}); dig(balanceOf(w["wallet"], "USD"), "held") != "0.08" {
		t.Errorf("USD balance while authorized = %v, want 0.08 held", balanceOf(w["wallet"], "USD"))
	}

	event := map[string]any{"id": "user_42-img-1", "customer": "user_42", "event_type": "image.generated", "data": map[string]any{"quality": "hd", "prompt_tokens": 77}, "authorization_id": authID}
	rec := mcpOK(t, cs, "record_usage", event)
	res := dig(rec, "results", 0)
	feeID, _ := dig(res, "event", "fees", 0, "id").(string)
	if dig(res, "status") != "recorded" || dig(res, "event", "fees", 0, "amount") != "0.08" || dig(res, "event", "settlement", "captured") != "0.08" ||
		dig(res, "event", "settlement", "released") != "0.00" || dig(rec, "charged", "USD") != "0.08" || feeID == "" {
		t.Errorf("record_usage = %v, want one fee of 0.08 USD capturing the hold", rec)
	}

	ev := mcpOK(t, cs, "get_event", map[string]any{"id": "user_42-img-1"})
	if dig(ev, "event", "fees", 0, "id") != feeID || dig(ev, "event", "fees", 0, "amount") != "0.08" || dig(ev, "event", "authorization_id") != authID ||
		dig(ev, "event", "settlement", "status") != "captured" || dig(ev, "event", "data", "prompt_tokens") != float64(77) {
		t.Errorf("get_event = %v", ev)
	}

	w := mcpOK(t, cs, "get_wallet", map[string]any{"customer": "user_42"})
	usd, credits := balanceOf(w["wallet"], "USD"), balanceOf(w["wallet"], "credits")
	if dig(usd, "total") != "9.92" || dig(usd, "held") != "0.00" || dig(usd, "available") != "9.92" {
		t.Errorf("USD balance = %v, want total 9.92, held 0, available 9.92", usd)
	}
	if dig(credits, "available") != "250.50" || dig(credits, "lots", 0, "purpose") != "promotion" || dig(credits, "lots", 0, "expires_at") != "2099-12-31T00:00:00Z" {
		t.Errorf("credits balance = %v, want 250.5 available in one promotion lot expiring 2099-12-31", credits)
	}

	// A replay returns the original fees and charges nothing; another
	// payload under the same id is refused.
	again := mcpOK(t, cs, "record_usage", event)
	if dig(again, "results", 0, "status") != "replayed" || dig(again, "results", 0, "event", "replayed") != true || dig(again, "results", 0, "event", "fees", 0, "id") != feeID || dig(again, "recorded") != float64(0) {
		t.Errorf("replayed record_usage = %v, want the original fee %s, nothing recorded", again, feeID)
	}
	other := map[string]any{}
	for k, v := range event {
		other[k] = v
	}
	other["data"] = map[string]any{"quality": "standard"}
	if msg := mcpErr(t, cs, "record_usage", other); !strings.Contains(msg, `event id "user_42-img-1" was already recorded with a different payload`) {
		t.Errorf("conflicting record_usage = %q", msg)
	}

	// A decline is a result the agent reads, not an error.
	dec := mcpOK(t, cs, "authorize_usage", map[string]any{"idempotency_key": "user_42-big-1", "customer": "user_42", "amount": "50.00", "asset": "USD"})
	if dec["approved"] != false || dec["decline_reason"] != "insufficient_funds" || dec["required"] != "50.00" || dec["available"] != "9.92" || dec["shortfall"] != "40.08" {
		t.Errorf("authorize_usage(50 USD) = %v, want a decline with shortfall 40.08", dec)
	}
	if steps, _ := json.Marshal(dec["next_steps"]); !strings.Contains(string(steps), "top_up") {
		t.Errorf("declined authorize_usage next_steps = %s, want a top-up", steps)
	}

	w = mcpOK(t, cs, "get_wallet", map[string]any{"customer": "user_42"})
	if b := balanceOf(w["wallet"], "USD"); dig(b, "available") != "9.92" || dig(b, "held") != "0.00" {
		t.Errorf("after a replay, a conflict and a decline, USD balance = %v, want 9.92 available, nothing held", b)
	}
	if msg := mcpErr(t, cs, "get_customer", map[string]any{"customer": "user_missing"}); !strings.Contains(msg, `customer "user_missing" not found`) || !strings.Contains(msg, "create_customer") {
		t.Errorf("get_customer(unknown) = %q, want it to name the fix", msg)
	}
}

// TestMCPStdio runs the billing story over stdio on each protocol version.
func TestMCPStdio(t *testing.T) {
	t.Parallel()
	for _, version := range mcpProtocols {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			cmd := exec.Command(binary, "mcp")
			cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+testdb.URL(t), "TOLLGATE_API_KEY=", "TOLLGATE_DATA_DIR="+t.TempDir())
			cmd.Stderr = &stderr
			cs := mcpConnectAt(t, &gosdk.CommandTransport{Command: cmd}, version)
			if version == "2026-07-28" && cs.ID() != "" {
				t.Errorf("a 2026-07-28 connection has session id %q, want none", cs.ID())
			}
			checkToolList(t, cs)
			who := mcpOK(t, cs, "whoami", nil)
			if who["mode"] != "test" || who["key_prefix"] != "" || who["livemode"] != false {
				t.Errorf("whoami over stdio without a key = %v, want the default account in test mode", who)
			}
			billingCycle(t, cs)
			cs.Close()
			cmd.Wait()
			if !strings.Contains(stderr.String(), "tollgate mcp serving on stdio") {
				t.Errorf("stderr lacks the start-up log line:\n%s", stderr.String())
			}
		})
	}
}

func TestMCPStdioWithKey(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	key := createKey(t, url, "--live")
	cmd := exec.Command(binary, "mcp")
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_API_KEY="+key)
	cs := mcpConnect(t, &gosdk.CommandTransport{Command: cmd})
	who := mcpOK(t, cs, "whoami", nil)
	if who["mode"] != "live" || who["livemode"] != true || !strings.HasPrefix(key, who["key_prefix"].(string)) || who["key_prefix"] == "" {
		t.Errorf("whoami with a live key = %v", who)
	}
	c := mcpOK(t, cs, "create_customer", map[string]any{"external_id": "user_1"})
	if c["livemode"] != true {
		t.Errorf("create_customer in live mode: livemode = %v, want true", c["livemode"])
	}

	// A revoked or unknown key: the server still answers initialize and lists
	// its tools, and every call fails saying why and how to fix it, so the
	// agent can tell the user (it used to exit before initialize).
	for name, bad := range map[string]string{"ErrRevokedKey": revokedKey(t, url), "ErrWrongKey": "tg_test_wrongwrongwrongwrongwrong"} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(binary, "mcp")
			cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_API_KEY="+bad)
			cs := mcpConnect(t, &gosdk.CommandTransport{Command: cmd})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			list, err := cs.ListTools(ctx, nil)
			if err != nil || len(list.Tools) == 0 {
				t.Fatalf("tools/list with a refused key = %v, %v; want the tools", list, err)
			}
			for _, tool := range []string{"whoami", "list_customers"} {
				msg := mcpErr(t, cs, tool, nil)
				if !strings.Contains(msg, "invalid or revoked API key") || !strings.Contains(msg, "tollgate keys create") || !strings.Contains(msg, "TOLLGATE_API_KEY") ||
					strings.Contains(msg, bad) {
					t.Errorf("%s with a refused key = %q, want why (revoked), how to fix it, and not the key", tool, msg)
				}
			}
		})
	}
}

// revokedKey creates a key and revokes it with the CLI.
func revokedKey(t *testing.T, dbURL string) string {
	t.Helper()
	key := createKey(t, dbURL)
	cmd := exec.Command(binary, "keys", "revoke", key[:14])
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+dbURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("keys revoke: %v\n%s", err, out)
	}
	return key
}

// TestMCPStdioMessageLimit: over stdio, a message over 8 MiB (one line) is
// answered with a JSON-RPC error naming the limit, and the server goes on
// serving the same client.
func TestMCPStdioMessageLimit(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "mcp")
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+testdb.URL(t), "TOLLGATE_API_KEY=", "TOLLGATE_DATA_DIR="+t.TempDir())
	cs := mcpConnect(t, &gosdk.CommandTransport{Command: cmd})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := cs.CallTool(ctx, &gosdk.CallToolParams{Name: "get_customer", Arguments: map[string]any{"customer": strings.Repeat("x", 9<<20)}})
	if err == nil || !strings.Contains(err.Error(), "8388608 bytes") {
		t.Fatalf("get_customer with 9 MiB of arguments = %v, want a JSON-RPC error naming the 8 MiB limit", err)
	}
	if who := mcpOK(t, cs, "whoami", nil); who["mode"] != "test" {
		t.Errorf("whoami after the refused message = %v", who)
	}
}

// createKey creates an API key with `tollgate keys create` and returns it.
func createKey(t *testing.T, dbURL string, flags ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"keys", "create", "--name", "e2e"}, flags...)...)
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+dbURL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("keys create: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// bearer adds an API key to every request.
type bearer struct{ key string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

// TestMCPStreamableHTTP runs the billing story over /mcp on each protocol
// version, one serve and database each: 2026-07-28 with no session id,
// 2025-11-25 with one.
func TestMCPStreamableHTTP(t *testing.T) {
	t.Parallel()
	for _, version := range mcpProtocols {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			url := testdb.URL(t)
			addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
			key := createKey(t, url)
			cs := mcpConnectAt(t, &gosdk.StreamableClientTransport{
				Endpoint:   "http://" + addr + "/mcp",
				HTTPClient: &http.Client{Transport: bearer{key}},
				MaxRetries: -1,
			}, version)
			if stateless := cs.ID() == ""; stateless != (version == "2026-07-28") {
				t.Errorf("session id %q on %s", cs.ID(), version)
			}
			checkToolList(t, cs)
			who := mcpOK(t, cs, "whoami", nil)
			if who["mode"] != "test" || !strings.HasPrefix(key, who["key_prefix"].(string)) {
				t.Errorf("whoami over HTTP = %v, want the key's test mode and prefix", who)
			}
			billingCycle(t, cs)
		})
	}
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)

	for name, auth := range map[string]string{"ErrMissingKey": "", "ErrWrongKey": "Bearer tg_test_wrongwrongwrongwrongwrong"} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "http://"+addr+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("POST /mcp with %q = %d, WWW-Authenticate %q; want 401 and a Bearer challenge", auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("2025-06-18", func(t *testing.T) {
		cs := httpSessionAt(t, "2025-06-18", addr, "", createKey(t, url))
		if who := mcpOK(t, cs, "whoami", nil); who["mode"] != "test" {
			t.Errorf("whoami on 2025-06-18 = %v", who)
		}
	})
	t.Run("ErrGoSDKWrongKey", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c := gosdk.NewClient(&gosdk.Implementation{Name: "tollgate-e2e", Version: "1"}, nil)
		_, err := c.Connect(ctx, &gosdk.StreamableClientTransport{
			Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: bearer{"tg_test_wrongwrongwrongwrongwrong"}}, MaxRetries: -1,
		}, nil)
		if err == nil {
			t.Error("connecting with a wrong key succeeded")
		}
	})
}

// TestMCPLegacySSE connects over the deprecated HTTP+SSE transport, and
// checks that an open event stream does not hold up serve's shutdown.
func TestMCPLegacySSE(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	key := createKey(t, url)
	p := runServe(t, anyPort, "TOLLGATE_DATABASE_URL="+url)
	addr := p.addr

	cs := mcpConnect(t, &gosdk.SSEClientTransport{Endpoint: "http://" + addr + "/sse", HTTPClient: &http.Client{Transport: bearer{key}}})
	c := mcpOK(t, cs, "create_customer", map[string]any{"external_id": "user_sse"})
	if dig(c, "customer", "external_id") != "user_sse" {
		t.Errorf("create_customer over SSE = %v", c)
	}

	start := time.Now()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
		if p.err != nil {
			t.Errorf("serve exited with %v after SIGINT with an SSE client connected:\n%s", p.err, p.stderr)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("serve took %s to stop with an SSE client connected", d)
		}
	case <-time.After(25 * time.Second):
		t.Fatalf("serve did not stop within 25s of SIGINT with an SSE client connected")
	}
}

// The protocol versions every MCP story runs on: the stateless 2026-07-28
// (the Go SDK's default, the TypeScript SDK's 2.x line) and 2025-11-25 (the
// TypeScript SDK 1.x inside Cursor, Claude Code and the Inspector).
var mcpProtocols = []string{"2026-07-28", "2025-11-25"}

// TestMCPTypeScriptClient runs tests/tsclient/check.mjs on each protocol
// version: the TypeScript SDK over stdio and streamable HTTP (1.x for
// 2025-11-25, 2.x for 2026-07-28; sdks.mjs), each asserting the version it
// negotiated. It needs node and `npm ci` in tests/tsclient (CI has both).
func TestMCPTypeScriptClient(t *testing.T) {
	t.Parallel()
	node, dir := tsClient(t)
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
	key := createKey(t, url)
	for _, version := range mcpProtocols {
		t.Run(version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "check.mjs")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(),
				"TOLLGATE_BIN="+binary,
				"TOLLGATE_DATABASE_URL="+url,
				"TOLLGATE_MCP_URL=http://"+addr+"/mcp",
				"TOLLGATE_API_KEY="+key,
				"TOLLGATE_PROTOCOL="+version,
			)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("node check.mjs: %v\n%s", err, out)
			}
			for _, want := range []string{`"transport":"stdio"`, `"transport":"http"`, `"protocolVersion":"` + version + `"`, `"confirmations":2`} {
				if !strings.Contains(string(out), want) {
					t.Errorf("check.mjs output lacks %s:\n%s", want, out)
				}
			}
			t.Logf("%s", out)
		})
	}
}

// withOrigin sends every request from a web page's origin, as a browser does.
type withOrigin struct {
	http.RoundTripper
	origin string
}

func (o withOrigin) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Origin", o.origin)
	return o.RoundTripper.RoundTrip(r)
}

// TestMCPOrigin: serve refuses a valid key sent from a web origin it was not
// told to allow (TOLLGATE_MCP_ALLOWED_ORIGINS), and serves an allowed one.
func TestMCPOrigin(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_MCP_ALLOWED_ORIGINS=http://localhost:6274")
	key := createKey(t, url)
	connect := func(origin string) (*gosdk.ClientSession, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c := gosdk.NewClient(&gosdk.Implementation{Name: "tollgate-e2e", Version: "1"}, nil)
		return c.Connect(ctx, &gosdk.StreamableClientTransport{
			Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: withOrigin{bearer{key}, origin}}, MaxRetries: -1,
		}, nil)
	}
	if cs, err := connect("http://evil.example.com"); err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("connect from http://evil.example.com with a valid key = %v, want 403 Forbidden", err)
		if cs != nil {
			cs.Close()
		}
	}
	cs, err := connect("http://localhost:6274")
	if err != nil {
		t.Fatalf("connect from the allowed origin: %v", err)
	}
	defer cs.Close()
	if who := mcpOK(t, cs, "whoami", nil); who["mode"] != "test" {
		t.Errorf("whoami from the allowed origin = %v", who)
	}
}
