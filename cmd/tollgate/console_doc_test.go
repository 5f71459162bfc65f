//go:build !windows

package main

import (
	"strings"
	"testing"
)

// TestConsoleDoc runs docs/CONSOLE.md's first sign-in as written: serve, an
// invitation, the link opened (a redirect into the console).
func TestConsoleDoc(t *testing.T) {
	t.Parallel()
	got, _ := runDocBlock(t, "docs/CONSOLE.md", "console-first")
	if len(got) != 2 || got[0] != "303" || !strings.HasSuffix(got[1], "/console/") {
		t.Errorf("the block printed %q, want 303 and the console's address", got)
	}
}
