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

// TestMCPConfirmationsByHand runs docs/MCP.md's confirmation settings: a
// threshold and an automation key, then the listing showing both.
func TestMCPConfirmationsByHand(t *testing.T) {
	t.Parallel()
	got, _ := runDocBlock(t, "docs/MCP.md", "mcp-confirmations")
	out := strings.Join(got, " ")
	for _, want := range []string{"above 25 USD ask the person first", "is an automation key", "USD 25", "automation keys (never asked): 1", "nightly-agent"} {
		if !strings.Contains(out, want) {
			t.Errorf("the block printed %q, want %q in it", out, want)
		}
	}
}
