package mcp

import (
	"context"
	"embed"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/tools"
)

// MCP Apps (SEP-1865): the views that draw a tool's result in the chat of a
// host that supports the extension. Each is one hand-written HTML page with
// inline style and script (views/), loading nothing: it gets the tool's
// result from the host over postMessage (views/view.js).
const (
	// UIExtension is the extension's id in capabilities.extensions.
	UIExtension = "io.modelcontextprotocol/ui"
	// AppMIMEType is the MIME type of a view.
	AppMIMEType = "text/html;profile=mcp-app"
)

//go:embed views
var viewFiles embed.FS

type appView struct {
	uri, file, name, description string
}

// appViews are the views, one for each URI a tool names in its View
// (TestAppViews reads each one a tool links to).
var appViews = []appView{
	{tools.WalletView, "wallet.html", "Wallet", "get_wallet's result: each balance (available, total, held), its lots in burn order, and the wallet's recent usage."},
	{tools.ProfitabilityView, "profitability.html", "Profitability", "get_profitability's result: totals, and revenue against vendor cost with the margin of each row."},
	{tools.StatementView, "statement.html", "Statement", "get_statement's result: opening balance, the month's movements, closing balance, usage by product."},
	{tools.SubscriptionView, "subscription.html", "Renewal timeline", "get_subscription's result: the plan's status, its billing periods and fees, and the next renewal."},
}

// appMeta is every view's _meta.ui: no remote origin of any kind (the
// extension's most restrictive policy, declared rather than left to the
// host's default), and a border drawn by the host.
var appMeta = map[string]any{
	"ui": map[string]any{
		"csp": map[string]any{
			"connectDomains": []string{}, "resourceDomains": []string{},
			"frameDomains": []string{}, "baseUriDomains": []string{},
		},
		"prefersBorder": true,
	},
}

// extensions is what the server advertises in capabilities.extensions.
func extensions() map[string]any {
	return map[string]any{UIExtension: map[string]any{"mimeTypes": []string{AppMIMEType}}}
}

// apps returns the views as MCP resources, listed with the reference
// documents and read with resources/read.
func apps() []mcpserver.ServerResource {
	out := make([]mcpserver.ServerResource, 0, len(appViews))
	for _, v := range appViews {
		html := viewHTML(v.file)
		out = append(out, mcpserver.ServerResource{
			Resource: mcpgo.Resource{URI: v.uri, Name: v.name, Description: v.description, MIMEType: AppMIMEType, Meta: mcpgo.NewMetaFromMap(appMeta)},
			Handler: func(context.Context, mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: v.uri, MIMEType: AppMIMEType, Text: html, Meta: appMeta}}, nil
			},
		})
	}
	return out
}

// viewHTML is a view's page with the shared style and script inlined where
// it says <!-- tollgate:shared -->.
func viewHTML(file string) string {
	read := func(name string) string {
		b, err := viewFiles.ReadFile("views/" + name)
		if err != nil {
			panic(fmt.Sprintf("mcp: view %s: %v", name, err)) // embedded: a missing file is a build error
		}
		return string(b)
	}
	const marker = "<!-- tollgate:shared -->"
	page := read(file)
	if strings.Count(page, marker) != 1 {
		panic(fmt.Sprintf("mcp: view %s must hold %s once", file, marker))
	}
	return strings.Replace(page, marker, "<style>\n"+read("view.css")+"</style>\n<script>\n"+read("view.js")+"</script>", 1)
}
