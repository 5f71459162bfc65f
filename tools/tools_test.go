package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/schemas"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is an MCP client talking in-process to a server with every tool, over
// a fresh database, as the default account's caller.
type env struct {
	t      *testing.T
	ctx    context.Context
	client *client.Client
	svc    *billing.Service
	log    *bytes.Buffer
}

func newEnv(t *testing.T, mode billing.Mode) *env {
	t.Helper()
	svc := billing.NewService(testdb.New(t), billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	caller := billing.Caller{AccountID: acct.ID, Mode: mode}
	if mode == billing.ModeLive {
		caller.KeyPrefix = "tg_live_abcdef"
	}
	return newEnvFor(t, svc, profFor(svc), caller)
}

// profFor is profitability over svc's database, on the real clock.
func profFor(svc *billing.Service) *profitability.Service {
	return profitability.New(svc.Pool(), svc)
}

func newEnvFor(t *testing.T, svc *billing.Service, prof *profitability.Service, caller billing.Caller, opts ...client.ClientOption) *env {
	t.Helper()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	s := mcpserver.NewMCPServer("tollgate-test", "test", mcpserver.WithToolCapabilities(false))
	for _, tool := range All(Deps{Billing: svc, Profitability: prof}) {
		s.AddTools(tool.Server(log))
	}
	c, err := client.NewInProcessClientWithOptions(s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), caller)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	init := mcpgo.InitializeRequest{}
	init.Params.ClientInfo = mcpgo.Implementation{Name: "tools-test", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, client: c, svc: svc, log: &logs}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// raw calls a tool with arguments as given (a map, or json.RawMessage for
// exact numbers).
func (e *env) raw(name string, args any) *mcpgo.CallToolResult {
	e.t.Helper()
	res, err := e.client.CallTool(e.ctx, mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		e.t.Fatalf("%s: protocol error %v", name, err)
	}
	return res
}

// ok calls a tool that must succeed. The structured result must validate
// against the committed output schema and equal the text content; it is
// returned decoded.
func (e *env) ok(name string, args any) map[string]any {
	e.t.Helper()
	res := e.raw(name, args)
	text := textOf(res)
	if res.IsError {
		e.t.Fatalf("%s(%v) = error %q, want success", name, args, text)
	}
	if len(res.RawStructuredContent) == 0 {
		e.t.Fatalf("%s(%v): no structuredContent", name, args)
	}
	if !jsonEqual(res.RawStructuredContent, []byte(text)) {
		e.t.Errorf("%s: text content differs from structuredContent:\n%s\n%s", name, text, res.RawStructuredContent)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(res.RawStructuredContent))
	if err != nil {
		e.t.Fatal(err)
	}
	committed, published := outputSchema(e.t, name)
	if err := committed.Validate(doc); err != nil {
		e.t.Errorf("%s result does not match schemas/%s.output.json: %v\n%s", name, name, err, res.RawStructuredContent)
	}
	if err := published.Validate(doc); err != nil {
		e.t.Errorf("%s result does not match the output schema tools/list publishes: %v\n%s", name, err, res.RawStructuredContent)
	}
	var out map[string]any
	if err := json.Unmarshal(res.RawStructuredContent, &out); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// fail calls a tool that must return a tool error, and returns its message.
func (e *env) fail(name string, args any) string {
	e.t.Helper()
	res := e.raw(name, args)
	text := textOf(res)
	if !res.IsError {
		e.t.Fatalf("%s(%v) succeeded with %s, want a tool error", name, args, text)
	}
	if res.StructuredContent != nil || len(res.RawStructuredContent) > 0 {
		e.t.Errorf("%s: error result carries structuredContent", name)
	}
	return text
}

func textOf(res *mcpgo.CallToolResult) string {
	var sb strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcpgo.TextContent); ok {
			sb.WriteString(tc.Text)
		}
	}
	return sb.String()
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && mustJSON(x) == mustJSON(y)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var (
	compiledMu sync.Mutex
	compiled   = map[string][2]*jsonschema.Schema{}
)

// outputSchema returns a tool's committed output schema and the one
// tools/list publishes (publishedOutput), compiled.
func outputSchema(t *testing.T, name string) (committed, published *jsonschema.Schema) {
	t.Helper()
	compiledMu.Lock()
	defer compiledMu.Unlock()
	if s, ok := compiled[name]; ok {
		return s[0], s[1]
	}
	_, out, ok := schemas.Tool(name)
	if !ok {
		t.Fatalf("schemas/%s.output.json missing", name)
	}
	var pair [2]*jsonschema.Schema
	for i, raw := range [][]byte{out, publishedOutput(out)} {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		s, err := compileSchema(v)
		if err != nil {
			t.Fatal(err)
		}
		pair[i] = s
	}
	compiled[name] = pair
	return pair[0], pair[1]
}

// get walks a decoded result: get(m, "wallet", "balances", 0, "available").
func get(v any, path ...any) any {
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

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s = %q, want it to contain %q", what, got, w)
		}
	}
}

func TestWhoami(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, billing.ModeTest)
		r := e.ok("whoami", nil)
		if r["mode"] != "test" || r["livemode"] != false || r["key_prefix"] != "" || r["scope"] != "full" || !strings.HasPrefix(r["account_id"].(string), "acct_") {
			t.Errorf("whoami = %v", r)
		}
	})
	t.Run("Live", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, billing.ModeLive)
		r := e.ok("whoami", map[string]any{})
		if r["mode"] != "live" || r["livemode"] != true || r["key_prefix"] != "tg_live_abcdef" {
			t.Errorf("whoami = %v", r)
		}
		wantContains(t, "summary", r["summary"].(string), "live mode", "confirm")
	})
	t.Run("ReadOnlyKey", func(t *testing.T) {
		t.Parallel()
		svc := billing.NewService(testdb.New(t), billing.Options{})
		acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvFor(t, svc, profFor(svc), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest, KeyPrefix: "tg_test_abcdef", Scope: billing.ScopeReadOnly})
		r := e.ok("whoami", nil)
		if r["scope"] != "read_only" {
			t.Errorf("whoami scope = %v, want read_only", r["scope"])
		}
		wantContains(t, "summary", r["summary"].(string), "scope read_only", "read-only")
	})
	t.Run("ErrArguments", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, billing.ModeTest)
		wantContains(t, "error", e.fail("whoami", map[string]any{"verbose": true}), `unknown argument "verbose"`, "takes no arguments")
	})
}

func TestAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)

	r := e.ok("list_assets", nil)
	if n := len(r["assets"].([]any)); n != 10 {
		t.Errorf("list_assets on a new account: %d assets, want the 10 built-in currencies", n)
	}
	wantContains(t, "summary", r["summary"].(string), "no custom units")

	t.Run("Create", func(t *testing.T) {
		r := e.ok("create_asset", map[string]any{"code": "credits", "name": "Credits", "precision": 2})
		if r["created"] != true || get(r, "asset", "code") != "credits" || get(r, "asset", "kind") != "custom" || r["livemode"] != false {
			t.Errorf("create_asset = %v", r)
		}
		r = e.ok("create_asset", map[string]any{"code": "credits", "name": "Credits", "precision": 2})
		if r["created"] != false {
			t.Errorf("create_asset again: created = %v, want false", r["created"])
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_asset", map[string]any{"code": "credits", "name": "Credits", "precision": 4}), "already exists", "use another code")
	})
	t.Run("ErrInvalidCode", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_asset", map[string]any{"code": "Credits!"}), `code "Credits!" is not valid`)
	})
	t.Run("ErrMissingCode", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_asset", map[string]any{"name": "Credits"}), "code is required", "e.g. \"credits\"")
	})
	t.Run("Rate", func(t *testing.T) {
		r := e.ok("add_asset_rate", map[string]any{"asset": "credits", "currency": "USD", "rate": "0.05", "effective_at": "2026-01-01T00:00:00Z"})
		if get(r, "rate", "rate") != "0.05" || get(r, "rate", "effective_at") != "2026-01-01T00:00:00Z" {
			t.Errorf("add_asset_rate = %v", r)
		}
		r = e.ok("list_assets", nil)
		assets := r["assets"].([]any)
		last := assets[len(assets)-1]
		if get(last, "code") != "credits" || get(last, "rates", 0, "rate") != "0.05" {
			t.Errorf("list_assets: last = %v, want credits with its rate", last)
		}
	})
	t.Run("Quote", func(t *testing.T) {
		r := e.ok("quote_asset", map[string]any{"asset": "credits", "currency_amount": "10.00"})
		if get(r, "quote", "asset_amount") != "200.00" || get(r, "quote", "currency") != "USD" {
			t.Errorf("quote_asset($10) = %v, want 200 credits", r)
		}
		// A JSON number is read exactly from the request's text.
		r = e.ok("quote_asset", json.RawMessage(`{"asset": "credits", "asset_amount": 250}`))
		if get(r, "quote", "currency_amount") != "12.50" {
			t.Errorf("quote_asset(250 credits) = %v, want 12.5 USD", get(r, "quote"))
		}
	})
	t.Run("ErrQuoteBoth", func(t *testing.T) {
		wantContains(t, "error", e.fail("quote_asset", map[string]any{"asset": "credits", "asset_amount": "1", "currency_amount": "1"}), "set exactly one of asset_amount")
	})
	t.Run("ErrUnknownAsset", func(t *testing.T) {
		wantContains(t, "error", e.fail("quote_asset", map[string]any{"asset": "credit", "currency_amount": "1"}), `asset "credit" not found`, "credits", "create_asset")
	})
	t.Run("ErrRateNotPositive", func(t *testing.T) {
		wantContains(t, "error", e.fail("add_asset_rate", map[string]any{"asset": "credits", "currency": "USD", "rate": "0"}), "rate must be above zero")
	})
	t.Run("ErrBadTime", func(t *testing.T) {
		wantContains(t, "error", e.fail("add_asset_rate", map[string]any{"asset": "credits", "currency": "USD", "rate": "0.06", "effective_at": "tomorrow"}), "effective_at must be an RFC 3339 date-time")
	})
}

func TestCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)

	var id string
	t.Run("Create", func(t *testing.T) {
		r := e.ok("create_customer", map[string]any{"external_id": "user_1", "name": "Ada", "email": "ada@example.com", "metadata": map[string]any{"plan": "pro"}})
		id, _ = get(r, "customer", "id").(string)
		if r["existed"] != false || !strings.HasPrefix(id, "cus_") || get(r, "customer", "metadata", "plan") != "pro" {
			t.Errorf("create_customer = %v", r)
		}
		r = e.ok("create_customer", map[string]any{"external_id": "user_1"})
		if r["existed"] != true || get(r, "customer", "id") != id || get(r, "customer", "name") != "Ada" {
			t.Errorf("create_customer again = %v, want the existing customer unchanged", r)
		}
	})
	t.Run("ErrEmail", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_customer", map[string]any{"external_id": "user_2", "email": "ada"}), `email "ada" is not an email address`)
	})
	t.Run("ErrMetadataType", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_customer", map[string]any{"external_id": "user_2", "metadata": map[string]any{"seats": 3}}), "every value of metadata must be a string, not a JSON number")
	})
	t.Run("Get", func(t *testing.T) {
		for _, ref := range []string{"user_1", id} {
			r := e.ok("get_customer", map[string]any{"customer": ref})
			if get(r, "customer", "id") != id || get(r, "wallets", 0, "name") != "default" || get(r, "wallets", 0, "is_default") != true {
				t.Errorf("get_customer(%s) = %v", ref, r)
			}
		}
	})
	t.Run("ErrGetUnknown", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_customer", map[string]any{"customer": "nobody"}), `customer "nobody" not found`, "create_customer", "list_customers")
	})
	t.Run("List", func(t *testing.T) {
		for _, x := range []string{"user_2", "user_3"} {
			e.ok("create_customer", map[string]any{"external_id": x})
		}
		r := e.ok("list_customers", map[string]any{"limit": 2})
		if n := len(r["data"].([]any)); n != 2 || r["has_more"] != true || r["next_cursor"] == nil {
			t.Fatalf("list_customers(limit 2) = %d items, has_more %v, next_cursor %q", n, r["has_more"], r["next_cursor"])
		}
		r = e.ok("list_customers", map[string]any{"limit": 2, "cursor": r["next_cursor"]})
		if n := len(r["data"].([]any)); n != 1 || r["has_more"] != false || get(r, "data", 0, "external_id") != "user_1" {
			t.Errorf("list_customers page 2 = %v", r)
		}
		if v, ok := r["next_cursor"]; !ok || v != nil {
			t.Errorf("list_customers last page: next_cursor = %#v (present %v), want null", v, ok)
		}
	})
	t.Run("ErrLimit", func(t *testing.T) {
		wantContains(t, "error", e.fail("list_customers", map[string]any{"limit": 500}), "limit must be between 1 and 100")
		wantContains(t, "error", e.fail("list_customers", map[string]any{"limit": "ten"}), "limit must be a whole number")
	})
}

func TestWalletsAndAdjustments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)
	e.ok("create_customer", map[string]any{"external_id": "user_1"})

	topUp := map[string]any{"transaction_id": "fund-1", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "10.00", "reason": "First top-up"}
	t.Run("TopUp", func(t *testing.T) {
		r := e.ok("create_adjustment", topUp)
		if get(r, "adjustment", "replayed") != false || get(r, "adjustment", "balance", "available") != "10.00" || r["livemode"] != false {
			t.Errorf("create_adjustment(top_up 10.00) = %v", r)
		}
		r = e.ok("get_wallet", map[string]any{"customer": "user_1"})
		b := get(r, "wallet", "balances", 0)
		if get(b, "asset") != "USD" || get(b, "total") != "10.00" || get(b, "held") != "0.00" || get(b, "available") != "10.00" || get(b, "lots", 0, "purpose") != "paid" || get(b, "lots", 0, "expires_at") != nil {
			t.Errorf("get_wallet balance = %v", b)
		}
	})
	t.Run("Replay", func(t *testing.T) {
		r := e.ok("create_adjustment", topUp)
		if get(r, "adjustment", "replayed") != true || get(r, "adjustment", "balance", "available") != "10.00" {
			t.Errorf("replayed create_adjustment = %v, want replayed and the balance unchanged", r)
		}
		wantContains(t, "summary", r["summary"].(string), "Replayed", "nothing moved again")
	})
	t.Run("ErrConflict", func(t *testing.T) {
		conflicting := map[string]any{"transaction_id": "fund-1", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "11.00", "reason": "First top-up"}
		wantContains(t, "error", e.fail("create_adjustment", conflicting), `transaction_id "fund-1" was already used`, "use a new transaction_id")
	})
	t.Run("ErrInsufficientFunds", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_adjustment", map[string]any{"transaction_id": "charge-1", "kind": "charge", "customer": "user_1", "asset": "USD", "amount": "25"}),
			"insufficient funds", "top up the wallet or raise its credit limit")
	})
	t.Run("ErrMissingTransactionID", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_adjustment", map[string]any{"kind": "gift", "customer": "user_1", "asset": "USD", "amount": "1"}), "transaction_id is required")
	})
	t.Run("ErrPrecisionOfANumber", func(t *testing.T) {
		// 10.005 as a JSON number must reach the service exactly, not as a
		// float: money paid in moves in whole cents.
		msg := e.fail("create_adjustment", json.RawMessage(`{"transaction_id": "topup-frac", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": 10.005}`))
		wantContains(t, "error", msg, "amount has 3 decimal places", "whole units of 2 decimal places")
		// Beyond the bounds, a number is refused with the limit.
		msg = e.fail("create_adjustment", json.RawMessage(`{"transaction_id": "gift-huge", "kind": "gift", "customer": "user_1", "asset": "USD", "amount": "1e400"}`))
		wantContains(t, "error", msg, "amount", "at most 15 digits before the decimal point and 18 after")
	})
	t.Run("ErrUnknownArgument", func(t *testing.T) {
		msg := e.fail("create_adjustment", map[string]any{"transaction_id": "gift-2", "kind": "gift", "custmer": "user_1", "asset": "USD", "amount": "1"})
		wantContains(t, "error", msg, `unknown argument "custmer"`, `did you mean "customer"?`, "transaction_id, kind, customer, wallet")
	})
	t.Run("ErrKind", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_adjustment", map[string]any{"transaction_id": "x", "kind": "bonus", "customer": "user_1", "asset": "USD", "amount": "1"}),
			"kind must be one of gift, top_up, charge, refund, correction")
	})
	t.Run("CreditLimit", func(t *testing.T) {
		r := e.ok("set_credit_limit", map[string]any{"customer": "user_1", "asset": "USD", "credit_limit": "5.00"})
		if get(r, "balance", "credit_limit") != "5.00" || !strings.HasPrefix(r["wallet_id"].(string), "wal_") {
			t.Errorf("set_credit_limit = %v", r)
		}
		r = e.ok("create_adjustment", map[string]any{"transaction_id": "charge-2", "kind": "charge", "customer": "user_1", "asset": "USD", "amount": "12.50"})
		if get(r, "adjustment", "balance", "total") != "-2.50" {
			t.Errorf("charge of 12.50 on 10 with a 5 limit: balance %v, want total -2.5", get(r, "adjustment", "balance"))
		}
	})
	t.Run("ErrCreditLimitNegative", func(t *testing.T) {
		wantContains(t, "error", e.fail("set_credit_limit", map[string]any{"customer": "user_1", "asset": "USD", "credit_limit": "-1"}), "credit_limit must be zero or more")
	})
	t.Run("Transactions", func(t *testing.T) {
		r := e.ok("list_transactions", map[string]any{"customer": "user_1"})
		items := r["data"].([]any)
		if len(items) != 2 || get(items[0], "kind") != "charge" || get(items[1], "kind") != "top_up" || get(items[1], "amounts", "USD") != "10" {
			t.Errorf("list_transactions = %v", items)
		}
		r = e.ok("list_transactions", map[string]any{"customer": "user_1", "kind": "top_up"})
		if n := len(r["data"].([]any)); n != 1 {
			t.Errorf("list_transactions(kind top_up) = %d items, want 1", n)
		}
	})
	t.Run("NamedWallet", func(t *testing.T) {
		r := e.ok("create_wallet", map[string]any{"customer": "user_1", "name": "project-alpha"})
		if r["existed"] != false || get(r, "wallet", "name") != "project-alpha" {
			t.Errorf("create_wallet = %v", r)
		}
		r = e.ok("create_wallet", map[string]any{"customer": "user_1", "name": "project-alpha"})
		if r["existed"] != true {
			t.Errorf("create_wallet again: existed = %v, want true", r["existed"])
		}
		e.ok("create_adjustment", map[string]any{"transaction_id": "gift-alpha", "kind": "gift", "customer": "user_1", "wallet": "project-alpha", "asset": "USD", "amount": "3", "expires_at": "2099-01-01T00:00:00Z"})
		r = e.ok("get_wallet", map[string]any{"customer": "user_1", "wallet": "project-alpha"})
		if get(r, "wallet", "balances", 0, "available") != "3.00" || get(r, "wallet", "balances", 0, "lots", 0, "expires_at") != "2099-01-01T00:00:00Z" {
			t.Errorf("get_wallet(project-alpha) = %v", r)
		}
	})
	t.Run("ErrUnknownWallet", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_wallet", map[string]any{"customer": "user_1", "wallet": "beta"}), `no wallet named "beta"`, "create_wallet")
	})
	t.Run("ErrWalletName", func(t *testing.T) {
		wantContains(t, "error", e.fail("create_wallet", map[string]any{"customer": "user_1", "name": "Project Beta"}), "wallet name \"Project Beta\" is not valid")
	})
}

func TestLivemodeOnMutations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeLive)
	for name, args := range map[string]map[string]any{
		"create_asset":    {"code": "credits"},
		"create_customer": {"external_id": "user_1"},
	} {
		if r := e.ok(name, args); r["livemode"] != true {
			t.Errorf("%s in live mode: livemode = %v, want true", name, r["livemode"])
		}
	}
	for name, args := range map[string]map[string]any{
		"add_asset_rate":    {"asset": "credits", "currency": "USD", "rate": "0.05"},
		"create_wallet":     {"customer": "user_1", "name": "team"},
		"create_adjustment": {"transaction_id": "g1", "kind": "gift", "customer": "user_1", "asset": "USD", "amount": "1"},
		"set_credit_limit":  {"customer": "user_1", "asset": "USD", "credit_limit": "1"},
	} {
		if r := e.ok(name, args); r["livemode"] != true {
			t.Errorf("%s in live mode: livemode = %v, want true", name, r["livemode"])
		}
	}
}

func TestArgumentsMustBeAnObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)
	wantContains(t, "error", e.fail("get_customer", json.RawMessage(`["user_1"]`)), "arguments must be a JSON object")
	wantContains(t, "error", e.fail("get_customer", json.RawMessage(`{"customer": null}`)), "customer is required", "Customer id (cus_…) or external_id")
}

// TestInternalErrorsAreGeneric: a failure that is not the agent's to fix
// (here, the database is gone) yields a generic message and one log line;
// the driver's text never reaches the client.
func TestInternalErrorsAreGeneric(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvFor(t, svc, profFor(svc), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	pool.Close()
	msg := e.fail("list_customers", nil)
	wantContains(t, "error", msg, "list_customers failed with an internal error", "logged")
	if strings.Contains(msg, "pool") || strings.Contains(msg, "closed") {
		t.Errorf("error %q leaks the driver's error", msg)
	}
	if n := strings.Count(e.log.String(), "mcp tool failed"); n != 1 {
		t.Errorf("internal error logged %d times, want once:\n%s", n, e.log)
	}
}

func TestPanicsAreRecovered(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	boom := newTool(accountSet, "boom", "Boom", "Panics.", readOnly, func(context.Context, struct{}) (struct{}, error) {
		panic("secret detail")
	})
	res, err := boom.Server(slog.New(slog.NewTextHandler(&logs, nil))).Handler(context.Background(), mcpgo.CallToolRequest{})
	if err != nil || !res.IsError {
		t.Fatalf("boom = %v, %v; want a tool error", res, err)
	}
	if text := textOf(res); strings.Contains(text, "secret") || !strings.Contains(text, "internal error") {
		t.Errorf("panic result = %q, want a generic message", text)
	}
	wantContains(t, "log", logs.String(), "mcp tool panicked", "secret detail")
}

// TestOlderProtocol pins the protocol version Cursor's and Claude Code's
// older clients negotiate.
func TestOlderProtocol(t *testing.T) {
	t.Parallel()
	svc := billing.NewService(testdb.New(t), billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvFor(t, svc, profFor(svc), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}, client.WithProtocolVersion("2025-06-18"))
	if v := e.client.ProtocolVersion(); v != "2025-06-18" {
		t.Errorf("negotiated %q, want 2025-06-18", v)
	}
	r := e.ok("create_customer", map[string]any{"external_id": "user_1"})
	if get(r, "customer", "external_id") != "user_1" {
		t.Errorf("create_customer over 2025-06-18 = %v", r)
	}
}
