// Package tools holds Tollgate's MCP tools: one constructor per tool over
// the services in Deps. Each tool is a typed function from an arguments struct to
// a result struct (both in package wire); newTool does everything else once:
// strict decoding of the arguments, the schemas (committed in schemas/),
// annotations, structured results, and turning billing errors into tool
// errors an agent can act on.
//
// Adding a tool: write its argument and result types in wire/tools_<noun>.go,
// its constructor in tools/<noun>.go (a call to newTool naming its toolset),
// one entry in All, then run `go test ./tools -update` and commit the new
// schemas/ and tools/testdata/ files.
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/schemas"
)

// Annotations are a tool's behaviour hints. Every tool sends all four
// explicitly, since clients otherwise assume the worst (not read-only,
// destructive, not idempotent, open world); OpenWorld is always false, as
// tools touch nothing but Tollgate's own database.
type Annotations struct {
	ReadOnly    bool `json:"readOnlyHint"`
	Destructive bool `json:"destructiveHint"`
	Idempotent  bool `json:"idempotentHint"`
}

// The annotation sets tools use.
var (
	// readOnly tools only read.
	readOnly = Annotations{ReadOnly: true, Idempotent: true}
	// additive tools create things and never change or remove what exists.
	additive = Annotations{}
	// additiveIdempotent tools create things; a repeated call returns the first result.
	additiveIdempotent = Annotations{Idempotent: true}
	// overwriting tools change or use up what exists (debits, limits); a
	// repeated call has no further effect.
	overwriting = Annotations{Destructive: true, Idempotent: true}
	// destructive tools take value away (refunds); they take an idempotency
	// key, so a repeated call has no further effect.
	destructive = Annotations{Destructive: true, Idempotent: true}
)

// Tool is one MCP tool: what tools/list shows, the Go types its schemas are
// generated from, and its handler. Build one with newTool.
type Tool struct {
	// Toolset is the one set the tool belongs to.
	Toolset     Toolset
	Name        string
	Title       string
	Description string
	Annotations Annotations
	// View is the ui:// resource (see Views) that draws the tool's result
	// in hosts that support MCP Apps; empty for most tools.
	View string
	// In and Out are the argument and result types (package wire).
	In, Out reflect.Type
	// shared are arguments described in the schema of sharedWith, a tool
	// of the same set with the same arguments (see sharing).
	shared     []string
	sharedWith string
	// confirm tells what a call would move, for the tools whose calls wait
	// for a person's yes (see confirming); nil for the others.
	confirm confirmFunc

	run func(ctx context.Context, args map[string]any, docs map[string]string) (any, error)
}

// newTool makes a tool of the toolset set from a typed function. fn receives
// decoded arguments and returns a result struct, or an error whose billing
// code decides what the agent sees (see Tool.result).
func newTool[In, Out any](set Toolset, name, title, description string, ann Annotations, fn func(context.Context, In) (Out, error)) Tool {
	in, out := reflect.TypeFor[In](), reflect.TypeFor[Out]()
	if in.Kind() != reflect.Struct || out.Kind() != reflect.Struct {
		panic(fmt.Sprintf("tools: %s: arguments and result must be structs", name))
	}
	return Tool{
		Toolset: set, Name: name, Title: title, Description: description, Annotations: ann, In: in, Out: out,
		run: func(ctx context.Context, args map[string]any, docs map[string]string) (any, error) {
			var v In
			if err := decodeArgs(name, args, docs, &v); err != nil {
				return nil, err
			}
			return fn(ctx, v)
		},
	}
}

// sharing returns t with the arguments props published bare (names, types,
// enums, required), their descriptions and examples left to other's schema,
// which has the same arguments: both tools are listed together, and
// tools/list need not carry the same text twice. TestSharedArguments holds
// the two tools to one toolset and one shape.
func (t Tool) sharing(other string, props ...string) Tool {
	t.sharedWith, t.shared = other, props
	return t
}

// Definition is the tool as tools/list shows it, with its committed schemas:
// the input schema as committed, the output schema as publishedOutput
// compacts it. A tool whose schema files are missing (a new tool before `go
// test ./tools -update`) gets schemas generated on the spot; the golden test
// fails until the files are committed.
func (t Tool) Definition() mcpgo.Tool {
	in, out, ok := schemas.Tool(t.Name)
	if !ok {
		in, _ = t.schema(Input)
		out, _ = t.schema(Output)
	}
	def := mcpgo.NewToolWithRawSchema(t.Name, t.Description, in)
	def.Title = t.Title
	def.RawOutputSchema = publishedOutput(out)
	def.Annotations = mcpgo.ToolAnnotation{
		Title:           t.Title,
		ReadOnlyHint:    mcpgo.ToBoolPtr(t.Annotations.ReadOnly),
		DestructiveHint: mcpgo.ToBoolPtr(t.Annotations.Destructive),
		IdempotentHint:  mcpgo.ToBoolPtr(t.Annotations.Idempotent),
		OpenWorldHint:   mcpgo.ToBoolPtr(false),
	}
	if t.View != "" {
		def.Meta = mcpgo.NewMetaFromMap(map[string]any{"ui": map[string]any{"resourceUri": t.View}})
	}
	return def
}

// Server returns the tool ready to add to an MCP server; log receives
// internal errors and panics, once each.
func (t Tool) Server(log *slog.Logger) mcpserver.ServerTool {
	def := t.Definition()
	docs := propertyDocs(def.RawInputSchema)
	return mcpserver.ServerTool{
		Tool: def,
		Handler: func(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
			return t.call(ctx, log, docs, req), nil
		},
	}
}

// call runs the tool. Every outcome is a tool result: agent-fixable errors
// carry the billing message; bugs and panics are logged and carry a generic
// message, never an SQL text, a stack or a secret.
func (t Tool) call(ctx context.Context, log *slog.Logger, docs map[string]string, req mcpgo.CallToolRequest) (res *mcpgo.CallToolResult) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("mcp tool panicked", "tool", t.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			res = internalResult(t.Name)
		}
	}()
	args, err := arguments(req)
	var out any
	if err == nil {
		if t.confirm != nil {
			// The MCP server's, redeemed before the call gets here.
			delete(args, ConfirmationTokenArg)
		}
		out, err = t.run(ctx, args, docs)
	}
	if err != nil {
		return t.errorResult(log, err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		log.Error("mcp tool result does not encode", "tool", t.Name, "err", err)
		return internalResult(t.Name)
	}
	return &mcpgo.CallToolResult{
		Content:           []mcpgo.Content{mcpgo.NewTextContent(string(b))},
		StructuredContent: json.RawMessage(b),
	}
}

// errorResult maps a billing error to a tool error. The codes an agent can act
// on (invalid, not_found, conflict, insufficient_funds, unauthorized,
// unavailable, outcome_unknown) keep
// their message, which names the field and the fix; anything else is a bug or
// an outage, logged here once.
func (t Tool) errorResult(log *slog.Logger, err error) *mcpgo.CallToolResult {
	switch kernel.ErrorCode(err) {
	case kernel.EInvalid, kernel.ENotFound, kernel.EConflict, kernel.EInsufficientFunds, kernel.EUnauthorized, kernel.EUnavailable, kernel.EOutcomeUnknown:
		return mcpgo.NewToolResultError(message(err))
	}
	log.Error("mcp tool failed", "tool", t.Name, "err", err)
	return internalResult(t.Name)
}

func internalResult(tool string) *mcpgo.CallToolResult {
	return mcpgo.NewToolResultError(fmt.Sprintf(
		"%s failed with an internal error; it has been logged on the Tollgate server. Retry once; if it fails again, stop and tell the user to check the Tollgate server's log.", tool))
}
