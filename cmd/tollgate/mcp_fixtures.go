//go:build !conformance

package main

import mcpserver "github.com/mark3labs/mcp-go/server"

// conformanceFixtures are the MCP conformance suite's fixtures, which only a
// build with the conformance tag serves (mcp_fixtures_conformance.go): none
// here.
func conformanceFixtures() ([]mcpserver.ServerTool, []mcpserver.ServerResource, []mcpserver.ServerPrompt) {
	return nil, nil, nil
}
