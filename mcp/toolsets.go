package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/tools"
)

// The discovery tools of --dynamic-toolsets. They belong to no toolset.
const (
	listToolsetsTool  = "list_toolsets"
	enableToolsetTool = "enable_toolset"
)

type toolsetsKey struct{}

// WithToolsets returns a context carrying a connection's own toolset
// selection (the HTTP query parameter or header), which replaces the
// server's for the requests of that context. sets come from
// tools.ParseToolsets.
func WithToolsets(ctx context.Context, sets []string) context.Context {
	return context.WithValue(ctx, toolsetsKey{}, sets)
}

// gate decides which tools a request sees and may call: the toolsets chosen
// (server flags, or the connection's own), the sets a session enabled through
// enable_toolset, and read-only mode (the server's flag or the key's scope).
// It is the only place those rules live: tools/list and tools/call both ask it.
type gate struct {
	sets       []string // the server's selection, from tools.ParseToolsets
	readOnly   bool
	dynamic    bool
	tools      map[string]tools.Tool // the server's tools by name
	keyRefused string                // Options.KeyRefused: every call fails with it
	fixtures   map[string]bool       // Options.Fixtures' names: never gated

	mu      sync.Mutex
	enabled map[string][]string // session id → sets it enabled
}

// selected returns the sets a request sees, without those enabled later.
func (g *gate) selected(ctx context.Context) []string {
	if sets, ok := ctx.Value(toolsetsKey{}).([]string); ok {
		return sets
	}
	return g.sets
}

// active returns the sets a request sees, including those its session enabled.
func (g *gate) active(ctx context.Context) []string {
	sets := g.selected(ctx)
	if id := sessionID(ctx); id != "" {
		g.mu.Lock()
		sets = append(slices.Clone(sets), g.enabled[id]...)
		g.mu.Unlock()
	}
	return sets
}

// readOnlyFor reports whether ctx's request may only read: the server runs
// with --read-only, or the caller's key is read_only.
func (g *gate) readOnlyFor(ctx context.Context) bool {
	c, _ := billing.CallerFrom(ctx)
	return g.readOnly || c.ReadOnly()
}

// refusal returns why ctx's request may not call the tool name, or "" when
// it may. The message says how to get the tool.
func (g *gate) refusal(ctx context.Context, name string) string {
	if g.fixtures[name] {
		return ""
	}
	if name == listToolsetsTool || name == enableToolsetTool {
		if g.dynamic {
			return ""
		}
		return fmt.Sprintf("%s is only served with dynamic toolsets (tollgate mcp --dynamic-toolsets)", name)
	}
	t := g.tools[name]
	if g.readOnlyFor(ctx) && !t.Annotations.ReadOnly {
		why := "this Tollgate MCP server runs read-only (--read-only)"
		if !g.readOnly {
			why = "this connection's API key is read-only (scope read_only)"
		}
		return fmt.Sprintf("%s changes data, and %s: it can only read. Tell the user; a change needs a connection with a full-scope key and without --read-only.", name, why)
	}
	active := g.active(ctx)
	if t.Selected(active) {
		return ""
	}
	set := t.Toolset.Name
	if g.dynamic {
		return fmt.Sprintf("%s is in the toolset %q, which is not enabled: call enable_toolset with toolset %q, then call %s again.", name, set, set, name)
	}
	return fmt.Sprintf("%s is in the toolset %q, which this connection did not select (it has %s): add %s to --toolsets, TOLLGATE_MCP_TOOLSETS, or the toolsets query parameter or X-Tollgate-Toolsets header.", name, set, strings.Join(active, ", "), set)
}

// filter keeps the tools a request may call, for tools/list.
func (g *gate) filter(ctx context.Context, ts []mcpgo.Tool) []mcpgo.Tool {
	return slices.DeleteFunc(ts, func(t mcpgo.Tool) bool { return g.refusal(ctx, t.Name) != "" })
}

// guard wraps a tool's handler so a call the gate refuses is a tool error
// that says why, never a run.
func (g *gate) guard(st mcpserver.ServerTool) mcpserver.ServerTool {
	next := st.Handler
	st.Handler = func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		if g.keyRefused != "" {
			return mcpgo.NewToolResultError(g.keyRefused), nil
		}
		if why := g.refusal(ctx, req.Params.Name); why != "" {
			return mcpgo.NewToolResultError(why), nil
		}
		return next(ctx, req)
	}
	return st
}

// enable adds a set to a session's sets; it reports false when the session
// already saw it.
func (g *gate) enable(ctx context.Context, set string) bool {
	if slices.Contains(g.active(ctx), set) || slices.Contains(g.active(ctx), tools.AllToolsets) {
		return false
	}
	id := sessionID(ctx)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.enabled == nil {
		g.enabled = map[string][]string{}
	}
	g.enabled[id] = append(g.enabled[id], set)
	return true
}

// forget drops what a closed session enabled.
func (g *gate) forget(id string) {
	g.mu.Lock()
	delete(g.enabled, id)
	g.mu.Unlock()
}

func sessionID(ctx context.Context) string {
	if s := mcpserver.ClientSessionFromContext(ctx); s != nil {
		return s.SessionID()
	}
	return ""
}

// toolsetInfo is one row of list_toolsets.
type toolsetInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Enabled     bool     `json:"enabled"`
	Tools       []string `json:"tools"`
}

// discoveryTools returns list_toolsets and enable_toolset over g and s (to
// notify the client that its tool list changed); all are the server's tools.
func discoveryTools(g *gate, s *mcpserver.MCPServer, all []tools.Tool, log *slog.Logger) []mcpserver.ServerTool {
	var names []string
	for _, ts := range tools.Toolsets() {
		if ts.Name != tools.Always {
			names = append(names, ts.Name)
		}
	}
	// membersOf lists a set's tools that ctx's request may call once the set
	// is enabled.
	membersOf := func(ctx context.Context, set string) []string {
		ro := g.readOnlyFor(ctx)
		var out []string
		for _, t := range all {
			if t.Toolset.Name == set && (!ro || t.Annotations.ReadOnly) {
				out = append(out, t.Name)
			}
		}
		return out
	}
	readOnlyAnn := mcpgo.ToolAnnotation{ReadOnlyHint: mcpgo.ToBoolPtr(true), DestructiveHint: mcpgo.ToBoolPtr(false), IdempotentHint: mcpgo.ToBoolPtr(true), OpenWorldHint: mcpgo.ToBoolPtr(false)}

	list := mcpgo.NewToolWithRawSchema(listToolsetsTool,
		"List Tollgate's toolsets (groups of tools), whether each is enabled in this conversation, and their tools. Enable one with enable_toolset when the user's task needs tools you do not have.",
		json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`))
	list.Title = "List toolsets"
	list.Annotations = readOnlyAnn
	list.Annotations.Title = list.Title
	list.RawOutputSchema = json.RawMessage(`{"type":"object","properties":{"toolsets":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"description":{"type":"string"},"enabled":{"type":"boolean"},"tools":{"type":"array","items":{"type":"string"}}},"required":["name","description","enabled","tools"]}}},"required":["toolsets"]}`)

	enable := mcpgo.NewToolWithRawSchema(enableToolsetTool,
		"Enable a toolset in this conversation: its tools are added to your tool list (the server sends notifications/tools/list_changed). list_toolsets shows what each set holds.",
		json.RawMessage(`{"type":"object","properties":{"toolset":{"type":"string","enum":`+mustJSON(names)+`,"description":"The toolset to enable"}},"required":["toolset"],"additionalProperties":false}`))
	enable.Title = "Enable a toolset"
	enable.Annotations = mcpgo.ToolAnnotation{Title: enable.Title, ReadOnlyHint: mcpgo.ToBoolPtr(true), DestructiveHint: mcpgo.ToBoolPtr(false), IdempotentHint: mcpgo.ToBoolPtr(true), OpenWorldHint: mcpgo.ToBoolPtr(false)}
	enable.RawOutputSchema = json.RawMessage(`{"type":"object","properties":{"toolset":{"type":"string"},"tools":{"type":"array","items":{"type":"string"}},"summary":{"type":"string"}},"required":["toolset","tools","summary"]}`)

	return []mcpserver.ServerTool{
		{Tool: list, Handler: func(ctx context.Context, _ mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
			active := g.active(ctx)
			var out []toolsetInfo
			for _, ts := range tools.Toolsets() {
				members := membersOf(ctx, ts.Name)
				if len(members) == 0 {
					continue
				}
				on := ts.Name == tools.Always || slices.Contains(active, ts.Name) || slices.Contains(active, tools.AllToolsets)
				out = append(out, toolsetInfo{Name: ts.Name, Description: ts.Description, Enabled: on, Tools: members})
			}
			return structured(map[string]any{"toolsets": out}), nil
		}},
		{Tool: enable, Handler: func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
			set := strings.TrimSpace(req.GetString("toolset", ""))
			if !slices.Contains(names, set) {
				return mcpgo.NewToolResultError(fmt.Sprintf("toolset must be one of %s; list_toolsets shows what each holds", strings.Join(names, ", "))), nil
			}
			if len(beyondGrant(ctx, []string{set})) > 0 {
				return mcpgo.NewToolResultError("this connection's OAuth grant does not include the toolset " + set + ": the user must connect again and approve the scope toolsets:" + set), nil
			}
			members := membersOf(ctx, set)
			if sessionID(ctx) == "" {
				return mcpgo.NewToolResultError("this connection has no session (a stateless protocol), so toolsets cannot be enabled one by one: reconnect with the toolsets query parameter or the X-Tollgate-Toolsets header naming " + set), nil
			}
			summary := fmt.Sprintf("The %s tools are already in your tool list.", set)
			if g.enable(ctx, set) {
				summary = fmt.Sprintf("Enabled %s: %s are now in your tool list.", set, strings.Join(members, ", "))
				notifyToolsChanged(ctx, s, log)
			}
			return structured(map[string]any{"toolset": set, "tools": members, "summary": summary}), nil
		}},
	}
}

// notifyToolsChanged sends notifications/tools/list_changed, twice: over
// streamable HTTP, mcp-go v1.2.1 loses a notification its request's forwarder
// took off the session's channel when the response wins the race for the
// writer (mark3labs/mcp-go#969, open; about one in seven here). The forwarder
// holds one notification at a time, so of two sent before the handler returns
// at least one arrives: written by the forwarder, or left in the channel for
// the response's drain. A client that sees both lists its tools again; the
// second list is the same. Send once when mcp-go has the fix.
func notifyToolsChanged(ctx context.Context, s *mcpserver.MCPServer, log *slog.Logger) {
	for range 2 {
		if err := s.SendNotificationToClient(ctx, mcpgo.MethodNotificationToolsListChanged, nil); err != nil {
			log.Warn("notify tools/list_changed", "err", err)
			return
		}
	}
}

func structured(v any) *mcpgo.CallToolResult {
	b := mustJSON(v)
	return &mcpgo.CallToolResult{Content: []mcpgo.Content{mcpgo.NewTextContent(b)}, StructuredContent: json.RawMessage(b)}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
