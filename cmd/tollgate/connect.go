package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// newConnectCmd registers Tollgate's MCP server with an agent client.
func newConnectCmd(cfg *config) *cobra.Command {
	var global, withKey, run bool
	var dir string
	cmd := &cobra.Command{
		Use:   "connect cursor|claude|print",
		Short: "Register Tollgate's MCP server with Cursor or Claude Code (or print the config for another client)",
		Long: `Registers this tollgate binary (by its absolute path) as the MCP server "tollgate":

  tollgate connect cursor           merges .cursor/mcp.json in --dir (default: here); --global: ~/.cursor/mcp.json
  tollgate connect claude           prints the "claude mcp add" line; --run runs it
  tollgate connect print            prints the JSON for any other client

It also writes the project's agent rules on metering AI calls, with the account's
products: .cursor/rules/tollgate.mdc (cursor) or .claude/skills/tollgate/SKILL.md
(claude) in --dir; connect rewrites that file each time and touches no other.

Other servers in an existing file are kept. --key puts a test-mode key in the config's
env: for cursor, the one already in the file while it still works, else a new one; it says
which (the key then lives in that file: keep it out of version control).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client := args[0]
			if client != "cursor" && client != "claude" && client != "print" {
				return fmt.Errorf("unknown client %q: use cursor, claude or print", client)
			}
			path := ""
			if client == "cursor" {
				path = filepath.Join(dir, ".cursor", "mcp.json")
				if global {
					home, err := os.UserHomeDir()
					if err != nil {
						return err
					}
					path = filepath.Join(home, ".cursor", "mcp.json")
				}
			}
			server, err := mcpServerConfig(cfg)
			if err != nil {
				return err
			}
			if withKey {
				// The key Cursor's file already holds is kept while it works;
				// claude and print write no file of ours to find one in.
				key, note, err := connectKey(cmd, cfg, keyIn(path))
				if err != nil {
					return err
				}
				server.Env["TOLLGATE_API_KEY"] = key
				fmt.Fprintln(cfg.stderr, note)
			}
			switch client {
			case "cursor":
				err = connectCursor(cfg, path, server)
			case "claude":
				err = connectClaude(cmd, cfg, server, run)
			default:
				b, _ := json.MarshalIndent(map[string]any{"mcpServers": map[string]any{"tollgate": server}}, "", "  ")
				fmt.Fprintf(cfg.stdout, "%s\n", b)
			}
			if err == nil && withKey {
				fmt.Fprintln(cfg.stderr, keyReminder(client, path))
			}
			if err != nil {
				return err
			}
			return writeAgentRules(cmd, cfg, client, dir)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&global, "global", false, "cursor: write ~/.cursor/mcp.json instead of the project's")
	f.StringVar(&dir, "dir", ".", "the project directory: its .cursor/mcp.json and .cursor/rules/tollgate.mdc, or .claude/skills/tollgate/SKILL.md")
	f.BoolVar(&withKey, "key", false, "put a test-mode API key in the config: the one it already holds while it works, else a new one")
	f.BoolVar(&run, "run", false, "claude: run the claude mcp add command instead of printing it")
	return cmd
}

// mcpServer is a client's entry for Tollgate: how to start `tollgate mcp`.
type mcpServer struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env,omitempty"`
}

func mcpServerConfig(cfg *config) (mcpServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return mcpServer{}, err
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		return mcpServer{}, err
	}
	s := mcpServer{Command: exe, Args: []string{"mcp"}, Env: map[string]string{}}
	if cfg.databaseURL != "" {
		s.Env["TOLLGATE_DATABASE_URL"] = cfg.databaseURL
	} else if cfg.dataDir != "" {
		s.Env["TOLLGATE_DATA_DIR"] = cfg.dataDir
	}
	return s, nil
}

// keyIn returns the API key the tollgate entry of a Cursor mcp.json holds,
// or "" (no path, no file, no entry, no key, not JSON).
func keyIn(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var doc struct {
		Servers map[string]mcpServer `json:"mcpServers"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return ""
	}
	return doc.Servers["tollgate"].Env["TOLLGATE_API_KEY"]
}

// connectKey returns the key for the config and a line saying where it
// came from: existing, when it still opens this database's default account
// in test mode with full scope, or else a new test-mode key.
func connectKey(cmd *cobra.Command, cfg *config, existing string) (key, note string, err error) {
	a, err := openApp(cmd, cfg)
	if err != nil {
		return "", "", err
	}
	defer a.db.Close()
	if existing != "" {
		c, err := a.svc.Accounts.Authenticate(cmd.Context(), existing)
		switch {
		case err == nil && c.AccountID == a.acct.ID && c.Mode == billing.ModeTest && (c.Scope == "" || c.Scope == billing.ScopeFull):
			return existing, fmt.Sprintf("kept the test-mode API key %s… already in the config (key %s); no new key was created", c.KeyPrefix, c.KeyID), nil
		case err != nil && kernel.ErrorCode(err) != kernel.EUnauthorized:
			return "", "", err
		}
	}
	k, secret, err := a.svc.Accounts.CreateAPIKey(cmd.Context(), a.acct.ID, billing.ModeTest, "mcp (tollgate connect)")
	if err != nil {
		return "", "", err
	}
	why := "created"
	if existing != "" {
		why = "the key in the config no longer works (revoked, or made on another database): created"
	}
	return secret, fmt.Sprintf("%s a test-mode API key %s… (key %s) for account %s; `tollgate keys revoke %s` revokes it", why, k.Prefix, k.ID, k.AccountID, k.ID), nil
}

// keyReminder says where the key now lives and that it is a secret.
func keyReminder(client, path string) string {
	switch client {
	case "cursor":
		return fmt.Sprintf("%s now holds an API key: keep it out of version control (add it to .gitignore)", path)
	case "claude":
		return "the line holds an API key: keep it out of version control and shared shell history; Claude Code keeps it in its own config"
	}
	return "the JSON above holds an API key: keep the file you paste it into out of version control"
}

// connectCursor merges the tollgate server into a Cursor mcp.json, keeping
// every other server and setting, and says what it changed.
func connectCursor(cfg *config, path string, server mcpServer) error {
	doc := map[string]any{}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(bytes.TrimSpace(b)) > 0:
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("%s is not a JSON object (%v); fix or move it, then run connect again", path, err)
		}
	}
	servers, _ := doc["mcpServers"].(map[string]any)
	if servers == nil {
		servers = map[string]any{}
	}
	_, replaced := servers["tollgate"]
	servers["tollgate"] = server
	doc["mcpServers"] = servers
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(out, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	verb := "added"
	if replaced {
		verb = "updated"
	}
	others := len(servers) - 1
	fmt.Fprintf(cfg.stdout, "%s the MCP server \"tollgate\" (%s mcp) in %s; %d other server(s) kept\n", verb, server.Command, path, others)
	fmt.Fprintln(cfg.stdout, "Cursor picks it up in Settings → MCP; ask the agent: \"call whoami on tollgate\"")
	return nil
}

// connectClaude prints (or runs) the claude mcp add line.
func connectClaude(cmd *cobra.Command, cfg *config, server mcpServer, run bool) error {
	args := []string{"mcp", "add", "tollgate"}
	for k, v := range server.Env {
		args = append(args, "-e", k+"="+v)
	}
	args = append(args, "--", server.Command)
	args = append(args, server.Args...)
	if !run {
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = shellQuote(a)
		}
		fmt.Fprintf(cfg.stdout, "claude %s\n", strings.Join(quoted, " "))
		return nil
	}
	c := exec.CommandContext(cmd.Context(), "claude", args...)
	c.Stdout, c.Stderr = cfg.stdout, cfg.stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("claude mcp add: %w (is Claude Code's claude on the PATH? without --run the line is printed)", err)
	}
	return nil
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
