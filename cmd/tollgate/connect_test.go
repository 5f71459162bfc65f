package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestConnectCursor: `tollgate connect cursor` merges into an existing
// .cursor/mcp.json (keeping the other servers), and the entry it writes
// starts the MCP server over stdio, which lists its tools with the key it
// was given.
func TestConnectCursor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, ".cursor", "mcp.json")
	if err := os.MkdirAll(filepath.Dir(cfgPath), 0o755); err != nil {
		t.Fatal(err)
	}
	other := `{"mcpServers": {"github": {"command": "gh-mcp", "args": ["serve"]}}, "someSetting": true}`
	if err := os.WriteFile(cfgPath, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	url := testdb.URL(t)
	out, err := exec.Command(binary, "connect", "cursor", "--dir", dir, "--key", "--database-url", url).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 other server(s) kept") {
		t.Fatalf("connect cursor = %v\n%s", err, out)
	}
	var doc struct {
		Servers map[string]struct {
			Command string            `json:"command"`
			Args    []string          `json:"args"`
			Env     map[string]string `json:"env"`
		} `json:"mcpServers"`
		Setting bool `json:"someSetting"`
	}
	b, _ := os.ReadFile(cfgPath)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("mcp.json after connect: %v\n%s", err, b)
	}
	tg, gh := doc.Servers["tollgate"], doc.Servers["github"]
	if gh.Command != "gh-mcp" || !doc.Setting {
		t.Errorf("the other server or setting was not kept:\n%s", b)
	}
	if !filepath.IsAbs(tg.Command) || len(tg.Args) != 1 || tg.Args[0] != "mcp" || !strings.HasPrefix(tg.Env["TOLLGATE_API_KEY"], "tg_test_") || tg.Env["TOLLGATE_DATABASE_URL"] != url {
		t.Fatalf("tollgate entry = %+v, want the absolute binary, args [mcp], a test key and the database", tg)
	}
	if info, _ := os.Stat(cfgPath); info.Mode().Perm() != 0o600 {
		t.Errorf("mcp.json holds a key but has mode %v, want 0600", info.Mode().Perm())
	}

	// The written entry, started as a client would start it.
	cmd := exec.Command(tg.Command, tg.Args...)
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	for k, v := range tg.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cs := mcpConnect(t, &gosdk.CommandTransport{Command: cmd})
	checkToolList(t, cs)
	if who := mcpOK(t, cs, "whoami", nil); who["mode"] != "test" {
		t.Errorf("whoami over the written config = %v", who)
	}

	// Again, into an empty directory: the file is created.
	empty := t.TempDir()
	if out, err := exec.Command(binary, "connect", "cursor", "--dir", empty, "--database-url", url).CombinedOutput(); err != nil || !strings.Contains(string(out), "added") {
		t.Fatalf("connect cursor in an empty dir = %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(empty, ".cursor", "mcp.json")); err != nil {
		t.Errorf("no mcp.json written: %v", err)
	}
	// Claude Code: the line to run.
	out, err = exec.Command(binary, "connect", "claude").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "claude mcp add tollgate ") || !strings.Contains(string(out), " -- ") {
		t.Errorf("connect claude = %v %s", err, out)
	}
}
