package mcp

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/billing"
	tgclient "github.com/tollgatehq/tollgate/client"
)

// TestIntegrateResources: each language's integration resource is listed,
// reads as markdown over the protocol, stays compact (it goes into an
// agent's context), and says what an agent must get right: the hold before
// the call, the event id from the request's idempotency key, the 402 on a
// decline, the void on failure, streams, the token fields the SDKs write
// (the Go client's names, which the TypeScript and Python SDKs share) and
// the prices that read them.
func TestIntegrateResources(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	c, err := client.NewInProcessClient(NewServer(depsFor(svc), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	initialize(t, ctx, c)
	list, err := c.ListResources(ctx, mcpgo.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, r := range list.Resources {
		listed[r.URI] = r.Description != "" && r.MIMEType == "text/markdown"
	}
	must := append([]string{"idempotency key", "event id", "402", "shortfall", "void", "stream", "before the provider",
		`block_size "1000000"`, `dimensions ["model"]`, `"*"`, "create_product_price", "simulate_usage", "/gateway/openai/v1", "Tollgate-Customer", "get_gateway",
		tgclient.FieldModel, tgclient.FieldProvider}, tgclient.TokenFields...)
	for uri, code := range map[string]string{
		IntegrateTypeScriptURI: "tollgate.meter(",
		IntegratePythonURI:     "tg.meter(",
		IntegrateGoURI:         "tg.Meter(",
	} {
		t.Run(uri[strings.LastIndex(uri, "/")+1:], func(t *testing.T) {
			if !listed[uri] {
				t.Fatalf("resources/list lacks %s (or its description or MIME type)", uri)
			}
			req := mcpgo.ReadResourceRequest{}
			req.Params.URI = uri
			res, err := c.ReadResource(ctx, req)
			if err != nil || len(res.Contents) != 1 {
				t.Fatalf("ReadResource(%s) = %v, %v", uri, res, err)
			}
			text := res.Contents[0].(mcpgo.TextResourceContents).Text
			for _, s := range append(must, code) {
				if !strings.Contains(text, s) {
					t.Errorf("%s does not say %q", uri, s)
				}
			}
			if len(text) > 6000 {
				t.Errorf("%s is %d bytes, want at most 6,000: it goes into an agent's context", uri, len(text))
			}
		})
	}
}
