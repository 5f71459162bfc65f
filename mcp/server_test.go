package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/tools"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func newService(t *testing.T) (*billing.Service, billing.Account) {
	t.Helper()
	svc := billing.NewService(testdb.New(t), billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return svc, acct
}

// depsFor are the tools' services over svc's database, without webhooks.
func depsFor(svc *billing.Service) tools.Deps {
	return tools.Deps{Billing: svc, Profitability: profitability.New(svc.Pool(), svc)}
}

func initialize(t *testing.T, ctx context.Context, c *client.Client) *mcpgo.InitializeResult {
	t.Helper()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	req := mcpgo.InitializeRequest{}
	req.Params.ClientInfo = mcpgo.Implementation{Name: "mcp-test", Version: "1"}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestServerAdvertisesToolsAndPrompts(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	for _, version := range []string{"", "2025-11-25", "2025-06-18"} {
		t.Run("protocol "+version, func(t *testing.T) {
			c, err := client.NewInProcessClientWithOptions(NewServer(depsFor(svc), Options{}), client.WithProtocolVersion(version))
			if err != nil {
				t.Fatal(err)
			}
			ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
			res := initialize(t, ctx, c)
			if version != "" && res.ProtocolVersion != version {
				t.Errorf("negotiated %s, want %s", res.ProtocolVersion, version)
			}
			caps := res.Capabilities
			if caps.Tools == nil || caps.Prompts == nil {
				t.Errorf("capabilities %+v: want tools and prompts", caps)
			}
			if caps.Resources == nil {
				t.Errorf("capabilities %+v: want resources (the reference documents)", caps)
			}
			if caps.Logging != nil || caps.Completions != nil || caps.Tasks != nil {
				t.Errorf("capabilities %+v: advertises more than tools, prompts and resources", caps)
			}
			for _, want := range []string{"whoami", "Confirm every change", "Never edit a price", "simulate_usage", "billing_setup"} {
				if !strings.Contains(res.Instructions, want) {
					t.Errorf("instructions do not mention %q", want)
				}
			}
			tools, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if len(tools.Tools) < 13 {
				t.Errorf("tools/list = %d tools, want at least 13", len(tools.Tools))
			}
			r, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "whoami"}})
			if err != nil || r.IsError {
				t.Fatalf("whoami = %v, %v", r, err)
			}
		})
	}
}

func TestPrompts(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	c, err := client.NewInProcessClient(NewServer(depsFor(svc), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	initialize(t, ctx, c)
	list, err := c.ListPrompts(ctx, mcpgo.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Prompts {
		names = append(names, p.Name)
		if p.Description == "" || p.Title == "" {
			t.Errorf("prompt %s: want a title and a description", p.Name)
		}
	}
	if got := strings.Join(names, ","); got != "billing_integration,billing_setup,billing_verification,integrate_billing,low_balance_webhooks,payments_setup,plan_setup" {
		t.Errorf("prompts/list = %s", got)
	}
	for name, arg := range map[string]map[string]string{
		"billing_setup":        {"product": "image generation at $0.02 a GPU second"},
		"billing_verification": {"asset": "credits", "amount": "500"},
		"billing_integration":  {"stack": "FastAPI"},
		"integrate_billing":    {"language": "go", "event_type": "llm.tokens"},
		"payments_setup":       {"customer": "user_1"},
		"plan_setup":           {"plan": "$20 a month, 1,000 credits included, then $0.01 per credit"},
		"low_balance_webhooks": {"url": "https://app.example.com/hooks"},
	} {
		t.Run(name, func(t *testing.T) {
			req := mcpgo.GetPromptRequest{}
			req.Params.Name = name
			req.Params.Arguments = arg
			res, err := c.GetPrompt(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Messages) != 1 || res.Messages[0].Role != mcpgo.RoleUser {
				t.Fatalf("%s: messages %+v, want one user message", name, res.Messages)
			}
			text := res.Messages[0].Content.(mcpgo.TextContent).Text
			if !strings.Contains(text, "Done when") {
				t.Errorf("%s does not end with a checkable result", name)
			}
			for _, v := range arg {
				if !strings.Contains(text, v) {
					t.Errorf("%s does not use its argument %q", name, v)
				}
			}
			// Without arguments it still reads well.
			req.Params.Arguments = nil
			if _, err := c.GetPrompt(ctx, req); err != nil {
				t.Errorf("%s without arguments: %v", name, err)
			}
		})
	}
}

func TestHTTPRequiresKey(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	_, key, err := svc.Accounts.CreateAPIKey(context.Background(), acct.ID, billing.ModeLive, "test")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHTTP(NewServer(depsFor(svc), Options{}), svc, HTTPOptions{})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h.Streamable())
	mux.Handle("/sse", h.SSE())
	mux.Handle("/message", h.SSE())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)

	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`
	post := func(auth string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(initBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for name, auth := range map[string]string{
		"ErrMissing":   "",
		"ErrWrongKey":  "Bearer tg_test_notarealkey000000000000000000",
		"ErrMalformed": "Bearer sk-123",
		"ErrBasic":     "Basic dXNlcjpwYXNz",
	} {
		t.Run(name, func(t *testing.T) {
			resp := post(auth)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") ||
				!strings.Contains(string(body), `"code":"unauthorized"`) || !strings.Contains(string(body), "tollgate keys create") || !strings.Contains(string(body), "Bearer <key>") {
				t.Errorf("POST /mcp with %q = %d, WWW-Authenticate %q, body %q; want 401, a Bearer challenge and a JSON body saying how to get and send a key",
					auth, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
			if resp.Header.Get("Mcp-Session-Id") != "" {
				t.Errorf("a refused request got a session id")
			}
		})
	}
	t.Run("ErrSSEMissing", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/sse")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /sse without a key = %d, want 401", resp.StatusCode)
		}
	})
	t.Run("Streamable", func(t *testing.T) {
		c, err := client.NewStreamableHttpClient(srv.URL+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + key}))
		if err != nil {
			t.Fatal(err)
		}
		initialize(t, context.Background(), c)
		r, err := c.CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "whoami"}})
		if err != nil || r.IsError {
			t.Fatalf("whoami = %v, %v", r, err)
		}
		var who map[string]any
		json.Unmarshal(r.RawStructuredContent, &who)
		if who["account_id"] != acct.ID || who["mode"] != "live" || !strings.HasPrefix(key, who["key_prefix"].(string)) {
			t.Errorf("whoami over HTTP = %v, want the key's account and mode", who)
		}
	})
	t.Run("SSE", func(t *testing.T) {
		c, err := client.NewSSEMCPClient(srv.URL+"/sse", client.WithHeaders(map[string]string{"Authorization": "Bearer " + key}))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		initialize(t, ctx, c)
		r, err := c.CallTool(ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "get_customer", Arguments: map[string]any{"customer": "nobody"}}})
		if err != nil || !r.IsError {
			t.Fatalf("get_customer(nobody) over SSE = %v, %v; want a tool error", r, err)
		}
	})
}

func TestStdio(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- ServeStdio(ctx, NewServer(depsFor(svc), Options{}), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}, inR, outW, nil)
		outW.Close()
	}()
	out := bufio.NewScanner(outR)
	out.Buffer(nil, 1<<20)
	send := func(msg string) map[string]any {
		t.Helper()
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, `"id"`) {
			return nil
		}
		if !out.Scan() {
			t.Fatalf("no reply to %s", msg)
		}
		var reply map[string]any
		if err := json.Unmarshal(out.Bytes(), &reply); err != nil {
			t.Fatalf("stdout carries a non-JSON line %q", out.Text())
		}
		return reply
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`)
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	reply := send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_customer","arguments":{"external_id":"user_1"}}}`)
	sc, _ := reply["result"].(map[string]any)["structuredContent"].(map[string]any)
	if sc["existed"] != false || sc["customer"].(map[string]any)["external_id"] != "user_1" {
		t.Errorf("create_customer over stdio = %v", reply)
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeStdio after stdin closed = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeStdio did not return after stdin closed")
	}
}

func TestHeaderSafe(t *testing.T) {
	got := headerSafe(`invalid or revoked API key (tg_test_abc…) "x" \ é`)
	if want := `invalid or revoked API key (tg_test_abc.) 'x' ' `; got != want {
		t.Errorf("headerSafe = %q, want %q", got, want)
	}
}

// The prompts name only tools that exist.
func TestPromptsNameRealTools(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, tool := range tools.All(tools.Deps{}) {
		known[tool.Name] = true
	}
	toolLike := regexp.MustCompile(`\b(?:create|get|list|set|configure|send|subscribe|simulate|record|authorize|void|refund|quote|add|archive|change|cancel|retry|update)_[a-z_]+\b`)
	for _, p := range prompts() {
		text := ""
		for _, m := range mustRender(t, p) {
			text += m
		}
		for _, name := range toolLike.FindAllString(text, -1) {
			if strings.HasSuffix(name, "_url") || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_key") {
				continue // an argument, not a tool
			}
			if !known[name] {
				t.Errorf("prompt %s names %s, which is not a tool", p.Prompt.Name, name)
			}
		}
	}
}

func mustRender(t *testing.T, p mcpserver.ServerPrompt) []string {
	t.Helper()
	res, err := p.Handler(context.Background(), mcpgo.GetPromptRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range res.Messages {
		if tc, ok := m.Content.(mcpgo.TextContent); ok {
			out = append(out, tc.Text)
		}
	}
	return out
}

// MCP requests are limited per key: past the burst, 429 with Retry-After;
// another key is not affected.
func TestHTTPRateLimitPerKey(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	_, key, err := svc.Accounts.CreateAPIKey(context.Background(), acct.ID, billing.ModeTest, "a")
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := svc.Accounts.CreateAPIKey(context.Background(), acct.ID, billing.ModeTest, "b")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHTTP(NewServer(depsFor(svc), Options{}), svc, HTTPOptions{RatePerSecond: 0.5, RateBurst: 2})
	srv := httptest.NewServer(h.Streamable())
	t.Cleanup(srv.Close)
	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`
	post := func(k string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(initBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+k)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	if res := post(key); res.StatusCode == http.StatusTooManyRequests {
		t.Fatal("the first request = 429")
	}
	// 0.5 a second with bursts of 2: within 30 requests a 429 comes, however
	// slowly the test runs.
	var res *http.Response
	for range 30 {
		if res = post(key); res.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || res.Header.Get("RateLimit-Limit") != "2" {
		t.Errorf("past the burst = %d %v, want 429 with Retry-After and RateLimit-Limit 2", res.StatusCode, res.Header)
	}
	if res := post(other); res.StatusCode == http.StatusTooManyRequests {
		t.Errorf("another key = 429: the limit is per key")
	}
}
