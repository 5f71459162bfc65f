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

Other servers in an existing file are kept. --key creates a test-mode key and puts it in
the config's env (the key then lives in that file: keep it out of version control).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			server, err := mcpServerConfig(cmd, cfg, withKey)
			if err != nil {
				return err
			}
			switch args[0] {
			case "cursor":
				path := filepath.Join(dir, ".cursor", "mcp.json")
				if global {
					home, err := os.UserHomeDir()
					if err != nil {
						return err
					}
					path = filepath.Join(home, ".cursor", "mcp.json")
				}
				return connectCursor(cfg, path, server)
			case "claude":
				return connectClaude(cmd, cfg, server, run)
			case "print":
				b, _ := json.MarshalIndent(map[string]any{"mcpServers": map[string]any{"tollgate": server}}, "", "  ")
				fmt.Fprintf(cfg.stdout, "%s\n", b)
				return nil
			}
			return fmt.Errorf("unknown client %q: use cursor, claude or print", args[0])
		},
	}
	f := cmd.Flags()
	f.BoolVar(&global, "global", false, "cursor: write ~/.cursor/mcp.json instead of the project's")
	f.StringVar(&dir, "dir", ".", "cursor: the project directory")
	f.BoolVar(&withKey, "key", false, "create a test-mode API key and put it in the config")
	f.BoolVar(&run, "run", false, "claude: run the claude mcp add command instead of printing it")
	return cmd
}

// mcpServer is a client's entry for Tollgate: how to start `tollgate mcp`.
type mcpServer struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env,omitempty"`
}

func mcpServerConfig(cmd *cobra.Command, cfg *config, withKey bool) (mcpServer, error) {
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
	if withKey {
		a, err := openApp(cmd, cfg)
		if err != nil {
			return s, err
		}
		defer a.db.Close()
		_, secret, err := a.svc.CreateAPIKey(cmd.Context(), a.acct.ID, billing.ModeTest, "mcp (tollgate connect)")
		if err != nil {
			return s, err
		}
		s.Env["TOLLGATE_API_KEY"] = secret
	}
	return s, nil
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
