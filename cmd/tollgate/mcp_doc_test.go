//go:build !windows

package main

import (
	"strings"
	"testing"
)

// TestMCPProtocolsByHand runs docs/MCP.md's check by hand: curl negotiates
// 2025-11-25 through initialize and finds 2026-07-28 through server/discover
// on the same /mcp.
func TestMCPProtocolsByHand(t *testing.T) {
	t.Parallel()
	got, _ := runDocBlock(t, "docs/MCP.md", "mcp-versions")
	if want := []string{"2025-11-25", "2026-07-28"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the block printed %q, want %q", got, want)
	}
}
