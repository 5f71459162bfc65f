// Package mcp is Tollgate's MCP server: the tools of package tools, server
// instructions and guided prompts, served over stdio (`tollgate mcp`),
// streamable HTTP (/mcp) and the legacy HTTP+SSE transport (/sse and
// /message), with API-key authentication on HTTP.
//
// The server keeps no state of its own between calls: every call carries the
// caller (account and mode) in its context and every tool reads what it needs
// from the database, so both protocol eras (the stateless 2026-07-28 and the
// session-based 2025-11-25 / 2025-06-18) and many Tollgate processes behind
// one address behave the same.
package mcp

import (
	"context"
	"log/slog"
	"slices"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/tools"
)

// Options tune the server; the zero value is valid.
type Options struct {
	// Version is reported to clients as the server's version.
	Version string
	// Logger receives internal tool errors and panics; nil discards them.
	Logger *slog.Logger
	// ObserveTool, if set, hears of every tool call: the tool, whether it
	// failed, and how long it took (for metrics).
	ObserveTool func(tool string, failed bool, d time.Duration)
	// Toolsets are the sets listed (see tools.ParseToolsets); nil lists the
	// default sets, or with DynamicToolsets only the account set. A
	// connection may choose its own (WithToolsets).
	Toolsets []string
	// DynamicToolsets adds list_toolsets and enable_toolset, with which a
	// session enables further sets; the server then sends
	// notifications/tools/list_changed.
	DynamicToolsets bool
	// ReadOnly lists and serves only the tools annotated read-only. A
	// read_only API key gets the same whatever this says.
	ReadOnly bool
	// KeyRefused, when set, is the answer to every tool call, as a tool
	// error: `tollgate mcp` was given an API key Tollgate refuses (revoked,
	// unknown). The server still answers initialize and lists its tools, so
	// the agent can tell the user why and how to fix it, which an exit
	// before initialize does not let it do.
	KeyRefused string
	// Fixtures are tools outside every toolset, listed and served as they
	// are, in every selection: the conformance suite's fixtures, which only
	// a build with the conformance tag has (cmd/tollgate). Nil otherwise.
	Fixtures []mcpserver.ServerTool
}

// NewServer returns the MCP server of every tool over deps, advertising only
// what it implements in full: tools, prompts and resources (strict clients
// reject a server that advertises a capability and then fails its list
// method). Without deps.Webhooks (a server built without outgoing webhooks,
// as in tests) the webhook toolset is left out: its tools would have nothing
// to call.
func NewServer(deps tools.Deps, opts Options) *mcpserver.MCPServer {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	all := tools.All(deps)
	if deps.Webhooks == nil {
		all = slices.DeleteFunc(all, func(t tools.Tool) bool { return t.Toolset.Name == tools.WebhooksToolset })
	}
	g := &gate{sets: opts.Toolsets, readOnly: opts.ReadOnly, dynamic: opts.DynamicToolsets, tools: map[string]tools.Tool{}, keyRefused: opts.KeyRefused}
	if g.sets == nil {
		g.sets = tools.DefaultToolsets()
		if g.dynamic {
			g.sets = []string{tools.Always}
		}
	}
	for _, t := range all {
		g.tools[t.Name] = t
	}
	g.fixtures = map[string]bool{}
	for _, f := range opts.Fixtures {
		g.fixtures[f.Tool.Name] = true
	}
	hooks := &mcpserver.Hooks{}
	// tools/list shows only what the gate lets through; tools/call asks the
	// gate again in each handler (guard), so a hidden tool called by name
	// gets an error that says how to get it.
	hooks.AddAfterListTools(func(ctx context.Context, _ any, _ *mcpgo.ListToolsRequest, res *mcpgo.ListToolsResult) {
		res.Tools = g.filter(ctx, res.Tools)
	})
	hooks.AddOnUnregisterSession(func(_ context.Context, cs mcpserver.ClientSession) { g.forget(cs.SessionID()) })
	s := mcpserver.NewMCPServer("tollgate", version,
		mcpserver.WithTitle("Tollgate billing"),
		mcpserver.WithDescription("Real-time, prepaid billing for AI products: assets, products and prices, customers, wallets, usage, ledger."),
		mcpserver.WithInstructions(instructions),
		mcpserver.WithHooks(hooks),
		// The tool list changes only when a session enables a toolset.
		mcpserver.WithToolCapabilities(opts.DynamicToolsets),
		mcpserver.WithPromptCapabilities(false),
		// Fixed reference documents and views: no subscriptions, no list changes.
		mcpserver.WithResourceCapabilities(false, false),
		// MCP Apps: four tools name a view that draws their result (apps.go).
		mcpserver.WithExtensions(extensions()),
		// Tools recover their own panics into a generic tool error (see
		// package tools); this is the net under anything else.
		mcpserver.WithRecovery(),
	)
	for _, t := range all {
		s.AddTools(observed(g.guard(confirmed(t, t.Server(log), deps.Billing, log)), opts.ObserveTool))
	}
	if opts.DynamicToolsets {
		for _, t := range discoveryTools(g, s, all, log) {
			s.AddTools(g.guard(t))
		}
	}
	s.AddTools(opts.Fixtures...)
	s.AddPrompts(prompts()...)
	s.AddResources(resources()...)
	s.AddResources(apps()...)
	return s
}

// instructions tell an agent how to work with Tollgate; clients put them in
// the model's context when they connect.
const instructions = `Tollgate is this app's billing system: prepaid wallets in currencies or custom units (credits), charged in real time for usage, on a double-entry ledger. Work in this order:

1. Read before you write. Call whoami first (account, test or live mode), then the list_ and get_ tools (list_assets, list_products, get_product, list_vendors, list_customers, get_customer, get_wallet, list_transactions, list_events) to learn what exists. Never guess an id or a code: look it up.
2. Confirm every change. Before any tool that creates, prices or moves value, show the user a table of exactly what you will send (tool, customer, asset, amount, price, ids) and wait for an explicit yes. In live mode (whoami says livemode: true) say so above the table.
3. Never edit a price. Published prices are immutable so past charges stay explainable: to change pricing, publish a new version with create_product_version and move customers to it with subscribe_customer.
4. Simulate after every pricing change. Run simulate_usage with realistic events (typical, large, zero) and show the user the resulting fees before any customer is charged.
5. Every money movement takes an idempotency id you choose (transaction_id for adjustments, idempotency_key for authorize_usage, the event id for record_usage). Make it meaningful and unique; reuse it only to retry the same call: a replay returns the first result and moves nothing again, and the same id with a different payload is refused.
6. Amounts are exact decimal strings such as "12.50"; never round or convert them yourself (quote_asset converts).
7. When a tool returns an error, its message names the argument at fault and the fix: fix that argument and call the same tool again. If a tool reports an internal error, retry once, then stop and tell the user.
8. Refunds, gifts and corrections above the account's threshold, cancelling a plan now, revoking a customer key and turning auto top-up off wait for the user's own yes: your client asks them, or, if it cannot, the call answers with a confirmation_token and what to show. Show it, and only after an explicit yes call the same tool again with the same arguments plus that confirmation_token.

For guided work use the prompts: billing_setup (model the pricing and configure it), billing_verification (prove it with a test customer, end to end) and billing_integration (wire the app's backend).`

// observed wraps a tool's handler so observe hears of each call.
func observed(st mcpserver.ServerTool, observe func(string, bool, time.Duration)) mcpserver.ServerTool {
	if observe == nil {
		return st
	}
	h, name := st.Handler, st.Tool.Name
	st.Handler = func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		start := time.Now()
		res, err := h(ctx, req)
		observe(name, err != nil || (res != nil && res.IsError), time.Since(start))
		return res, err
	}
	return st
}
