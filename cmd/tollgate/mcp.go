package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/mcp"
)

func newMCPCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "mcp",
		Short: "Serve MCP over stdio, for an AI agent (Cursor, Claude Code, Codex…)",
		Long: `Serve Tollgate's MCP tools and prompts over stdio: the agent's client starts
this command and talks JSON-RPC on its stdin and stdout; logs go to stderr.

With TOLLGATE_API_KEY set, every call is scoped to that key's account and mode.
Without it, calls use the local default account in test mode. The database is
the same as serve's (--database-url, or the embedded one in --data-dir).

Over HTTP, 'tollgate serve' offers the same server at /mcp (streamable HTTP)
and /sse (legacy SSE), with an API key in 'Authorization: Bearer <key>'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, err := openApp(cmd, cfg)
			if err != nil {
				return err
			}
			defer a.db.Close()
			defer a.drain()
			caller := billing.Caller{AccountID: a.acct.ID, Mode: billing.ModeTest}
			if key := os.Getenv("TOLLGATE_API_KEY"); key != "" {
				if caller, err = a.svc.Authenticate(ctx, key); err != nil {
					return fmt.Errorf("TOLLGATE_API_KEY: %s", billing.ErrorMessage(err))
				}
			}
			s := mcp.NewServer(a.svc, a.prof, mcp.Options{Version: buildVersion(), Logger: cfg.log, Webhooks: a.hooks})
			cfg.log.Info("tollgate mcp serving on stdio", "account", caller.AccountID, "mode", caller.Mode, "key", caller.KeyPrefix, "version", buildVersion())
			return mcp.ServeStdio(ctx, s, caller, cmd.InOrStdin(), cfg.stdout, cfg.log)
		},
	}
}

// mountMCP serves MCP over HTTP: streamable HTTP at /mcp, the legacy SSE
// transport at /sse and /message, each request authenticated by its API key.
func (a *app) mountMCP(mux *http.ServeMux) {
	s := mcp.NewServer(a.svc, a.prof, mcp.Options{Version: buildVersion(), Logger: a.cfg.log, ObserveTool: a.metrics.ObserveTool, PortalLinks: a.portalLinks(), Webhooks: a.hooks})
	h := mcp.NewHTTP(s, a.svc, mcp.HTTPOptions{Logger: a.cfg.log})
	mux.Handle("/mcp", h.Streamable())
	mux.Handle("/sse", h.SSE())
	mux.Handle("/message", h.SSE())
	a.onClose = append(a.onClose, h.Close)
}
