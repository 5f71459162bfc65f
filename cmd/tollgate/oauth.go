package main

import (
	"context"
	"net/http"
	"slices"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/console"
	"github.com/tollgatehq/tollgate/mcp"
	"github.com/tollgatehq/tollgate/oauth"
	"github.com/tollgatehq/tollgate/tools"
)

// newOAuth builds the authorization server of /mcp (docs/MCP.md, "Connecting
// a hosted client with OAuth") on the public URL base: its toolsets are the
// MCP server's, a grant that names none gets the server's selection.
func newOAuth(cfg *config, a *app, base string) (*oauth.Service, error) {
	defaults := tools.DefaultToolsets()
	if opts, err := cfg.mcp.options(cfg); err == nil && len(opts.Toolsets) > 0 {
		defaults = opts.Toolsets
	}
	var sets []oauth.Toolset
	for _, ts := range tools.Toolsets() {
		if ts.Name != tools.Always {
			sets = append(sets, oauth.Toolset{Name: ts.Name, Description: ts.Description})
		}
	}
	defaults = slices.DeleteFunc(slices.Clone(defaults), func(s string) bool { return s == tools.Always })
	svc, err := oauth.New(a.db.pool, a.svc, oauth.Options{BaseURL: base, Toolsets: sets, DefaultToolsets: defaults,
		AllowLoopbackClients: cfg.oauthLoopbackClients, SignedIn: consoleApprover(a.console), Logger: cfg.log})
	if err == nil && a.console != nil {
		a.console.UseGrants(consoleGrants{svc})
	}
	return svc, err
}

// consoleGrants shows the console's settings page the OAuth grants of the
// operator's account and mode (the caller the console puts in ctx), and
// revokes them.
type consoleGrants struct{ svc *oauth.Service }

func (g consoleGrants) List(ctx context.Context, limit int) ([]console.Grant, bool, error) {
	list, next, err := g.svc.ListGrants(ctx, oauth.ListGrantsInput{Limit: limit})
	if err != nil {
		return nil, false, err
	}
	out := make([]console.Grant, 0, len(list))
	for _, gr := range list {
		out = append(out, consoleGrant(gr))
	}
	return out, next != "", nil
}

func (g consoleGrants) Revoke(ctx context.Context, id string) (console.Grant, error) {
	gr, err := g.svc.RevokeGrant(ctx, id)
	return consoleGrant(gr), err
}

func consoleGrant(g oauth.Grant) console.Grant {
	return console.Grant{ID: g.ID, ClientName: g.ClientName, Write: g.Scope.Write, Toolsets: g.Scope.Toolsets, CreatedAt: g.CreatedAt, LastUsedAt: g.LastUsedAt}
}

// consoleApprover lets an owner or admin signed in to the console approve
// MCP clients for the account and mode they are looking at; a viewer, who
// may change nothing, approves nothing (a one-time link still works).
func consoleApprover(c *console.Console) oauth.SignedIn {
	if c == nil {
		return nil
	}
	return func(r *http.Request) (oauth.Identity, bool) {
		op, ok := c.Operator(r)
		if !ok || (op.Role != billing.RoleOwner && op.Role != billing.RoleAdmin) {
			return oauth.Identity{}, false
		}
		return oauth.Identity{AccountID: op.AccountID, Mode: op.Mode, Who: op.Email + " (" + string(op.Role) + ", in the console)"}, true
	}
}

// mountOAuth serves the OAuth metadata and endpoints beside /mcp.
func (a *app) mountOAuth(mux *http.ServeMux) {
	if a.oauth == nil {
		return
	}
	h := a.oauth.Handler()
	mux.Handle("/oauth/", h)
	mux.Handle("/.well-known/oauth-authorization-server", h)
	mux.Handle("/.well-known/oauth-protected-resource", h)
	mux.Handle("/.well-known/oauth-protected-resource/", h)
}

// mcpOAuth is what /mcp accepts beside API keys: nil (no interface holding
// a nil pointer) outside serve.
func (a *app) mcpOAuth() mcp.OAuth {
	if a.oauth == nil {
		return nil
	}
	return a.oauth
}
