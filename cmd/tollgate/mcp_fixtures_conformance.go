//go:build conformance

package main

import (
	"context"
	"fmt"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// conformanceFixtures are the tools, resource and prompts the MCP
// conformance suite's scenarios call by name, for the behaviour Tollgate has
// (text results, tool errors, elicitation, text resources, prompts with
// arguments) but under names no Tollgate tool has. Only a build with the
// conformance tag (TestMCPConformance builds one) serves them; they sit
// beside Tollgate's own on /mcp, behind the same key, Origin and limits.
func conformanceFixtures() ([]mcpserver.ServerTool, []mcpserver.ServerResource, []mcpserver.ServerPrompt) {
	text := func(s string) *mcpgo.CallToolResult { return mcpgo.NewToolResultText(s) }
	tools := []mcpserver.ServerTool{
		{Tool: mcpgo.NewTool("test_simple_text", mcpgo.WithDescription("Conformance fixture: a text result")),
			Handler: func(context.Context, mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
				return text("This is a simple text response for testing."), nil
			}},
		{Tool: mcpgo.NewTool("test_error_handling", mcpgo.WithDescription("Conformance fixture: a tool error")),
			Handler: func(context.Context, mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
				return mcpgo.NewToolResultError("This tool intentionally returns an error for testing"), nil
			}},
		// The same mechanism as confirmation (mcp/confirm.go): a multi
		// round-trip result, sent to an older client as elicitation/create.
		{Tool: mcpgo.NewTool("test_elicitation", mcpgo.WithDescription("Conformance fixture: asks the user"),
			mcpgo.WithString("message", mcpgo.Required(), mcpgo.Description("The message to show the user"))),
			Handler: func(_ context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
				if r := mcpserver.ElicitationResponse(req.Params.InputResponses, "info"); r != nil {
					return text(fmt.Sprintf("User response: action=%s, content=%v", r.Action, r.Content)), nil
				}
				return mcpserver.NewInputRequestBuilder("").Elicit("info", mcpgo.ElicitationParams{
					Message: req.GetString("message", ""),
					RequestedSchema: map[string]any{"type": "object", "required": []string{"username", "email"}, "properties": map[string]any{
						"username": map[string]any{"type": "string", "description": "User's response"},
						"email":    map[string]any{"type": "string", "description": "User's email address"},
					}},
				}).ToolResult(), nil
			}},
	}
	resources := []mcpserver.ServerResource{
		{Resource: mcpgo.NewResource("test://static-text", "static-text", mcpgo.WithResourceDescription("Conformance fixture: a text resource"), mcpgo.WithMIMEType("text/plain")),
			Handler: func(context.Context, mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: "test://static-text", MIMEType: "text/plain", Text: "This is the content of the static text resource."}}, nil
			}},
	}
	prompts := []mcpserver.ServerPrompt{
		{Prompt: mcpgo.NewPrompt("test_simple_prompt", mcpgo.WithPromptDescription("Conformance fixture: a prompt")),
			Handler: func(context.Context, mcpgo.GetPromptRequest) (*mcpgo.GetPromptResult, error) {
				return mcpgo.NewGetPromptResult("A simple prompt", []mcpgo.PromptMessage{
					mcpgo.NewPromptMessage(mcpgo.RoleUser, mcpgo.NewTextContent("This is a simple prompt for testing.")),
				}), nil
			}},
		{Prompt: mcpgo.NewPrompt("test_prompt_with_arguments", mcpgo.WithPromptDescription("Conformance fixture: a prompt with arguments"),
			mcpgo.WithArgument("arg1", mcpgo.RequiredArgument(), mcpgo.ArgumentDescription("First argument")),
			mcpgo.WithArgument("arg2", mcpgo.RequiredArgument(), mcpgo.ArgumentDescription("Second argument"))),
			Handler: func(_ context.Context, req mcpgo.GetPromptRequest) (*mcpgo.GetPromptResult, error) {
				return mcpgo.NewGetPromptResult("A prompt with arguments", []mcpgo.PromptMessage{
					mcpgo.NewPromptMessage(mcpgo.RoleUser, mcpgo.NewTextContent(fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", req.Params.Arguments["arg1"], req.Params.Arguments["arg2"]))),
				}), nil
			}},
	}
	return tools, resources, prompts
}
