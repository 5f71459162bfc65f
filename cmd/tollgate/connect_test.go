package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/mcp"
	"github.com/tollgatehq/tollgate/rating"
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
	out, err = exec.Command(binary, "connect", "claude", "--dir", empty, "--database-url", url).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "claude mcp add tollgate ") || !strings.Contains(string(out), " -- ") {
		t.Errorf("connect claude = %v %s", err, out)
	}
}

// TestConnectAgentRules: connect also writes the project's agent rules on
// metering AI calls (a Cursor rule, a Claude Code skill) with the account's
// products, says so, rewrites its own file on a second run and leaves the
// project's other rules alone.
func TestConnectAgentRules(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx = billing.WithCaller(ctx, billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	if _, _, err := svc.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: "llm-tokens", Name: "AI tokens", EventType: "llm.tokens",
		Prices: []rating.Price{{Name: "call", Model: rating.PerUnit, Asset: "USD", UnitAmount: rating.MustDecimal("0.01")}}}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	others := map[string]string{
		filepath.Join(dir, ".cursor", "rules", "house-style.mdc"):     "---\ndescription: ours\n---\nTabs.\n",
		filepath.Join(dir, ".claude", "skills", "deploy", "SKILL.md"): "---\nname: deploy\n---\n",
	}
	for path, text := range others {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		client, path string
		front        []string
	}{
		{"cursor", filepath.Join(dir, ".cursor", "rules", "tollgate.mdc"), []string{"---\ndescription: Tollgate billing", "\nglobs: ", "\nalwaysApply: false\n---\n"}},
		{"claude", filepath.Join(dir, ".claude", "skills", "tollgate", "SKILL.md"), []string{"---\nname: tollgate\ndescription: Tollgate billing", "\n---\n"}},
	} {
		t.Run(tc.client, func(t *testing.T) {
			connect := func() string {
				out, err := exec.Command(binary, "connect", tc.client, "--dir", dir, "--database-url", url).CombinedOutput()
				if err != nil {
					t.Fatalf("connect %s = %v\n%s", tc.client, err, out)
				}
				return string(out)
			}
			out := connect()
			if !strings.Contains(out, "wrote "+tc.path) || !strings.Contains(out, "1 product(s)") || !strings.Contains(out, "rewrites this file") {
				t.Errorf("connect %s said %q, want what it wrote, with the product count, and that a rerun rewrites it", tc.client, out)
			}
			b, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			if !strings.HasPrefix(text, tc.front[0]) {
				t.Errorf("%s starts %q, want frontmatter %q", tc.path, text[:min(len(text), 80)], tc.front[0])
			}
			for _, want := range append(tc.front[1:], mcp.IntegrationGuide, "| `llm-tokens` | `llm.tokens` | AI tokens |", mcp.IntegrateGoURI) {
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %q", tc.path, want[:min(len(want), 60)])
				}
			}
			// Our file is rewritten whole; the project's others are untouched.
			if err := os.WriteFile(tc.path, []byte("edited by hand"), 0o644); err != nil {
				t.Fatal(err)
			}
			connect()
			if b, _ := os.ReadFile(tc.path); string(b) != text {
				t.Errorf("a second connect left %s as %q, want it rewritten", tc.path, b)
			}
			for path, want := range others {
				if b, _ := os.ReadFile(path); string(b) != want {
					t.Errorf("connect changed %s to %q", path, b)
				}
			}
		})
	}
}
