package mcp

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/tools"
)

// TestAppViews: the server advertises the MCP Apps extension on every
// protocol version; each tool that names a view lists it in
// _meta.ui.resourceUri, and that ui:// resource is listed beside the
// reference documents and reads as one self-contained HTML page of the
// extension's MIME type, with a CSP that allows no remote origin.
func TestAppViews(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	for _, version := range []string{"", "2025-11-25", "2025-06-18"} {
		t.Run("protocol "+version, func(t *testing.T) {
			c, err := client.NewInProcessClientWithOptions(NewServer(depsFor(svc), Options{Toolsets: []string{"all"}}), client.WithProtocolVersion(version))
			if err != nil {
				t.Fatal(err)
			}
			ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
			res := initialize(t, ctx, c)
			ext, _ := res.Capabilities.Extensions[UIExtension].(map[string]any)
			if mimes, _ := ext["mimeTypes"].([]any); !slices.Contains(mimes, any(AppMIMEType)) {
				t.Errorf("capabilities.extensions = %v, want %s with mimeTypes [%s]", res.Capabilities.Extensions, UIExtension, AppMIMEType)
			}

			list, err := c.ListTools(ctx, mcpgo.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			linked := map[string]string{} // view URI → tool
			for _, tool := range list.Tools {
				b, err := json.Marshal(tool)
				if err != nil {
					t.Fatal(err)
				}
				var def struct {
					Meta struct {
						UI struct {
							ResourceURI string `json:"resourceUri"`
						} `json:"ui"`
					} `json:"_meta"`
				}
				if err := json.Unmarshal(b, &def); err != nil {
					t.Fatal(err)
				}
				if uri := def.Meta.UI.ResourceURI; uri != "" {
					linked[uri] = tool.Name
				}
			}
			want := map[string]string{tools.WalletView: "get_wallet", tools.ProfitabilityView: "get_profitability",
				tools.StatementView: "get_statement", tools.SubscriptionView: "get_subscription"}
			if !maps.Equal(linked, want) {
				t.Errorf("tools/list links views %v, want %v", linked, want)
			}

			resources, err := c.ListResources(ctx, mcpgo.ListResourcesRequest{})
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]mcpgo.Resource{}
			for _, r := range resources.Resources {
				listed[r.URI] = r
			}
			if _, ok := listed[PricingModelsURI]; !ok || len(listed) != len(docs)+len(want) {
				t.Errorf("resources/list has %d resources, want the %d documents and %d views", len(listed), len(docs), len(want))
			}
			for uri := range want {
				t.Run(strings.TrimPrefix(uri, "ui://tollgate/"), func(t *testing.T) {
					if r, ok := listed[uri]; !ok || r.MIMEType != AppMIMEType || r.Description == "" {
						t.Errorf("resources/list entry for %s = %+v, want it with MIME type %s and a description", uri, r, AppMIMEType)
					}
					req := mcpgo.ReadResourceRequest{}
					req.Params.URI = uri
					got, err := c.ReadResource(ctx, req)
					if err != nil || len(got.Contents) != 1 {
						t.Fatalf("ReadResource(%s) = %v, %v", uri, got, err)
					}
					content, ok := got.Contents[0].(mcpgo.TextResourceContents)
					if !ok || content.URI != uri || content.MIMEType != AppMIMEType {
						t.Fatalf("ReadResource(%s) = %+v, want text of MIME type %s", uri, got.Contents[0], AppMIMEType)
					}
					checkCSP(t, content.Meta)
					checkSelfContained(t, content.Text)
				})
			}
		})
	}
}

// checkCSP wants _meta.ui.csp to declare every list of origins, empty.
func checkCSP(t *testing.T, meta map[string]any) {
	t.Helper()
	b, _ := json.Marshal(meta)
	var m struct {
		UI struct {
			CSP map[string][]string `json:"csp"`
		} `json:"ui"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("_meta %s: %v", b, err)
	}
	for _, k := range []string{"connectDomains", "resourceDomains", "frameDomains", "baseUriDomains"} {
		if v, ok := m.UI.CSP[k]; !ok || len(v) != 0 {
			t.Errorf("_meta.ui.csp.%s = %v (declared: %v), want declared and empty: a view loads nothing", k, v, ok)
		}
	}
}

// remote finds what would make a page load or reach something: a src or
// href attribute, a URL, a CSS import or url(), a network API; and
// innerHTML, which would parse tool data as markup.
var remote = regexp.MustCompile(`(?i)\ssrc\s*=|\shref\s*=|https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(|fetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(`)

func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!doctype html>") || !strings.Contains(page, "</html>") {
		t.Errorf("the view is not a whole HTML document:\n%.200s", page)
	}
	if strings.Contains(page, "tollgate:shared") || !strings.Contains(page, `"ui/initialize"`) || !strings.Contains(page, "--color-background-primary") {
		t.Error("the view lacks the shared script and style (the bridge and the host's theme variables)")
	}
	if m := remote.FindString(page); m != "" {
		t.Errorf("the view holds %q: a view loads nothing, reaches nothing and never parses data as HTML", m)
	}
	if len(page) > 16<<10 {
		t.Errorf("the view is %d bytes, want at most 16 KB: small and hand-written", len(page))
	}
}
