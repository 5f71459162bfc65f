package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/mcp"
	"github.com/tollgatehq/tollgate/tools"
)

// mcpFlags are the MCP server's choices, the same for `tollgate mcp` and the
// /mcp of `tollgate serve`.
type mcpFlags struct {
	toolsets string
	dynamic  bool
	readOnly bool
	// origins are serve's only: the web origins allowed on /mcp and /sse.
	origins string
}

func (f *mcpFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.toolsets, "toolsets", envOr("", "TOLLGATE_MCP_TOOLSETS"),
		"comma-separated toolsets to list: "+strings.Join(toolsetNames(), ", ")+"; default, or all (env TOLLGATE_MCP_TOOLSETS; default: "+strings.Join(tools.DefaultToolsets(), ",")+")")
	fs.BoolVar(&f.dynamic, "dynamic-toolsets", envOr("", "TOLLGATE_MCP_DYNAMIC_TOOLSETS") == "true",
		"start with the account tools plus list_toolsets and enable_toolset; the agent enables sets as it needs them (env TOLLGATE_MCP_DYNAMIC_TOOLSETS=true)")
	fs.BoolVar(&f.readOnly, "read-only", envOr("", "TOLLGATE_MCP_READ_ONLY") == "true",
		"list and serve only the tools that read (env TOLLGATE_MCP_READ_ONLY=true); a read-only API key gets this whatever the flag")
}

// registerHTTP adds the flags only the HTTP transports (serve) read.
func (f *mcpFlags) registerHTTP(fs *pflag.FlagSet) {
	fs.StringVar(&f.origins, "mcp-allowed-origins", envOr("", "TOLLGATE_MCP_ALLOWED_ORIGINS"),
		"comma-separated web origins (scheme://host[:port]) whose pages may call /mcp and /sse; a request with another Origin header gets 403 (env TOLLGATE_MCP_ALLOWED_ORIGINS; default none: only clients that send no Origin, as IDEs and SDKs do)")
}

// options turns the flags into the server's options.
func (f *mcpFlags) options(cfg *config) (mcp.Options, error) {
	o := mcp.Options{Version: buildVersion(), Logger: cfg.log, DynamicToolsets: f.dynamic, ReadOnly: f.readOnly}
	if strings.TrimSpace(f.toolsets) != "" {
		sets, err := tools.ParseToolsets(f.toolsets)
		if err != nil {
			return o, fmt.Errorf("--toolsets: %w", err)
		}
		o.Toolsets = sets
	}
	return o, nil
}

func toolsetNames() []string {
	var out []string
	for _, ts := range tools.Toolsets() {
		out = append(out, ts.Name)
	}
	return out
}

func newMCPCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve MCP over stdio, for an AI agent (Cursor, Claude Code, Codex…)",
		Long: `Serve Tollgate's MCP tools and prompts over stdio: the agent's client starts
this command and talks JSON-RPC on its stdin and stdout; logs go to stderr.

With TOLLGATE_API_KEY set, every call is scoped to that key's account and mode
(a revoked or unknown key fails every tool call, saying so, instead of stopping
the server). Without it, calls use the local default account in test mode. The database is
the same as serve's (--database-url, or the embedded one in --data-dir).

Over HTTP, 'tollgate serve' offers the same server at /mcp (streamable HTTP)
and /sse (legacy SSE, deprecated), with an API key in 'Authorization: Bearer <key>'; a
client picks its toolsets there with ?toolsets=a,b or the X-Tollgate-Toolsets
header.

Tools come in toolsets; --toolsets picks them, --dynamic-toolsets lets the
agent enable them as it goes, --read-only serves only the tools that read (a
read-only API key, 'tollgate keys create --read-only', always does).

Refunds, gifts and corrections above a threshold, cancelling a plan now,
revoking a customer key and turning auto top-up off wait for the person's yes
('tollgate mcp confirmations' shows and sets the thresholds and automation
keys).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			opts, err := cfg.mcp.options(cfg)
			if err != nil {
				return err
			}
			a, err := openApp(cmd, cfg)
			if err != nil {
				return err
			}
			defer a.db.Close()
			defer a.drain()
			caller := billing.Caller{AccountID: a.acct.ID, Mode: billing.ModeTest}
			if key := os.Getenv("TOLLGATE_API_KEY"); key != "" {
				if caller, err = a.svc.Accounts.Authenticate(ctx, key); err != nil {
					if kernel.ErrorCode(err) != kernel.EUnauthorized {
						return fmt.Errorf("TOLLGATE_API_KEY: %s", kernel.ErrorMessage(err))
					}
					// Serve anyway, so the agent hears why each call fails;
					// an exit before initialize only shows it "failed to start".
					opts.KeyRefused = keyRefused(kernel.ErrorMessage(err))
					cfg.log.Warn("TOLLGATE_API_KEY refused: every tool call will fail saying so", "err", kernel.ErrorMessage(err))
				}
			}
			s := mcp.NewServer(tools.Deps{Billing: a.svc, Profitability: a.prof, Webhooks: a.hooks, ConsoleURL: consoleURL(serverURL())}, opts)
			cfg.log.Info("tollgate mcp serving on stdio", "account", caller.AccountID, "mode", caller.Mode, "key", caller.KeyPrefix, "scope", caller.Scope,
				"toolsets", cfg.mcp.toolsets, "dynamic_toolsets", opts.DynamicToolsets, "read_only", opts.ReadOnly, "version", buildVersion())
			return mcp.ServeStdio(ctx, s, caller, cmd.InOrStdin(), cfg.stdout, cfg.log)
		},
	}
	cfg.mcp.register(cmd.Flags())
	cmd.AddCommand(newAuthorizeLinkCmd(cfg), newGrantsCmd(cfg), newConfirmationsCmd(cfg))
	return cmd
}

// keyRefused is the tool error of every call when TOLLGATE_API_KEY is
// refused: why, and how to fix it.
func keyRefused(why string) string {
	return "Tollgate refused this MCP server's API key (TOLLGATE_API_KEY): " + why + ". Nothing can be read or changed until it is replaced: " +
		"tell the user to create a key with `tollgate keys create` (add --live for live data), put it in TOLLGATE_API_KEY in this MCP server's configuration " +
		"(or run `tollgate connect` again), and restart the server."
}

// mountMCP serves MCP over HTTP: streamable HTTP at /mcp, the legacy SSE
// transport at /sse and /message, each request authenticated by its API key.
func (a *app) mountMCP(mux *http.ServeMux, gw tools.Gateway) error {
	opts, err := a.cfg.mcp.options(a.cfg)
	if err != nil {
		return err
	}
	opts.ObserveTool = a.metrics.ObserveTool
	fixtureTools, fixtureResources, fixturePrompts := conformanceFixtures()
	opts.Fixtures = fixtureTools
	s := mcp.NewServer(tools.Deps{Billing: a.svc, Profitability: a.prof, Webhooks: a.hooks, PortalLinks: a.portalLinks(), Gateway: gw,
		ConsoleURL: consoleURL(a.cfg.publicURL)}, opts)
	s.AddResources(fixtureResources...)
	s.AddPrompts(fixturePrompts...)
	origins, err := mcp.ParseOrigins(a.cfg.mcp.origins)
	if err != nil {
		return fmt.Errorf("--mcp-allowed-origins: %w", err)
	}
	h := mcp.NewHTTP(s, a.svc, mcp.HTTPOptions{Logger: a.cfg.log, OAuth: a.mcpOAuth(), AllowedOrigins: origins})
	mux.Handle("/mcp", h.Streamable())
	mux.Handle("/sse", h.SSE())
	mux.Handle("/message", h.SSE())
	a.onClose = append(a.onClose, h.Close)
	return nil
}
