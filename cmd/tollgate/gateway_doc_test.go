//go:build !windows

package main

import (
	"strings"
	"testing"
)

// TestGatewayDocConnect runs docs/GATEWAY.md's gateway-connect block as
// written: the keys from the environment and from a file, a base URL,
// status, disconnect; nothing prints a key but its last 4 characters.
func TestGatewayDocConnect(t *testing.T) {
	t.Parallel()
	words, _ := runDocBlock(t, "docs/GATEWAY.md", "gateway-connect")
	out := strings.Join(words, " ")
	for _, want := range []string{
		"sends its test-mode anthropic calls to https://api.anthropic.com with key …here",
		"sends its live-mode openai calls to https://openai-proxy.example.com/v1 with key …here",
		"test anthropic: the account's own, https://api.anthropic.com with key …here",
		"live openai: the account's own, https://openai-proxy.example.com/v1 with key …here",
		"live-mode openai calls use the server's upstream again",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the block printed:\n%s\nwant %q", out, want)
		}
	}
	if strings.Contains(out, "your-key") {
		t.Errorf("the block printed a key: %s", out)
	}
}
