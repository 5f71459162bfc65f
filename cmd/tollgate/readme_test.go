//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestREADMEFirstRun runs the README's "first ten minutes" block as a bash
// script, exactly as written (runDocBlock): serve, wait for readiness, a key,
// connect Cursor, a sub-cent price authorized and recorded, the wallet read.
func TestREADMEFirstRun(t *testing.T) {
	t.Parallel()
	lines, home := runDocBlock(t, "README.md", "first-run")
	if len(lines) < 2 || lines[len(lines)-2] != "0.0004" || lines[len(lines)-1] != "0.9996" {
		t.Errorf("the block printed %q, want the fee 0.0004 and then the balance 0.9996", lines)
	}
	if _, err := os.Stat(filepath.Join(home, ".cursor", "mcp.json")); err != nil {
		t.Errorf("tollgate connect cursor wrote no .cursor/mcp.json: %v", err)
	}
}
