package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/tools"
)

// tsClient returns node and tests/tsclient, or skips the test when either is
// missing (CI has both: node, and `npm ci` in tests/tsclient).
func tsClient(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir, err = filepath.Abs(filepath.Join("..", "..", "tests", "tsclient"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"sdk", "client"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", pkg)); err != nil {
			t.Skip("tests/tsclient/node_modules lacks @modelcontextprotocol/" + pkg + ": run npm ci in tests/tsclient")
		}
	}
	return node, dir
}

// TestMCPTypeScriptToolsets runs tests/tsclient/toolsets.mjs on each protocol
// version: toolsets, dynamic discovery, read-only mode and read_only keys as
// the TypeScript SDK client sees them, over stdio and streamable HTTP. What each selection must
// list comes from the binary's own list (tools.Toolsets, each tool's toolset and
// each tool's read-only annotation), passed in TOLLGATE_EXPECT; the script
// also checks that those lists partition the tools.
func TestMCPTypeScriptToolsets(t *testing.T) {
	t.Parallel()
	node, dir := tsClient(t)
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
	dynamicAddr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_MCP_DYNAMIC_TOOLSETS=true")
	key := createKey(t, url)
	readOnlyKey := createKey(t, url, "--read-only")

	sets := map[string][]string{
		"all":     setTools(false, tools.AllToolsets),
		"default": setTools(false, tools.DefaultToolsets()...),
	}
	for _, ts := range tools.Toolsets() {
		sets[ts.Name] = setTools(false, ts.Name)
	}
	expect, err := json.Marshal(map[string]any{
		"toolsets":  sets,
		"readOnly":  setTools(true, tools.AllToolsets),
		"discovery": []string{"enable_toolset", "list_toolsets"},
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, version := range mcpProtocols {
		t.Run(version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "toolsets.mjs")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(),
				"TOLLGATE_BIN="+binary,
				"TOLLGATE_DATABASE_URL="+url,
				"TOLLGATE_DATA_DIR="+t.TempDir(),
				"TOLLGATE_URL=http://"+addr,
				"TOLLGATE_DYNAMIC_URL=http://"+dynamicAddr,
				"TOLLGATE_API_KEY="+key,
				"TOLLGATE_READ_ONLY_KEY="+readOnlyKey,
				"TOLLGATE_EXPECT="+string(expect),
				"TOLLGATE_PROTOCOL="+version,
				// The stdio servers must choose by their flags only.
				"TOLLGATE_MCP_TOOLSETS=", "TOLLGATE_MCP_DYNAMIC_TOOLSETS=", "TOLLGATE_MCP_READ_ONLY=",
			)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("node toolsets.mjs: %v\n%s", err, out)
			}
			for _, want := range []string{`"check":"toolsets","protocol":"` + version + `"`, `"check":"dynamic"`, `"check":"read-only flag"`, `"check":"read-only key"`} {
				if !strings.Contains(string(out), want) {
					t.Errorf("toolsets.mjs output lacks %s:\n%s", want, out)
				}
			}
			t.Logf("%s", out)
		})
	}
}
