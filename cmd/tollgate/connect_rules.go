package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/mcp"
)

// The files `tollgate connect` writes into a project so that the agent
// working in it knows how to meter AI calls: a Cursor rule, a Claude Code
// skill. They are Tollgate's own: a second connect rewrites them whole.
var agentRulePaths = map[string]string{
	"cursor": filepath.Join(".cursor", "rules", "tollgate.mdc"),
	"claude": filepath.Join(".claude", "skills", "tollgate", "SKILL.md"),
}

const agentRuleDescription = "Tollgate billing: meter each costly AI call (OpenAI, Anthropic, AI SDK) with the Tollgate SDK's meter helper; hold before the call, record the tokens after, void on failure, 402 on decline"

// writeAgentRules writes the rule (cursor) or skill (claude) file of
// client into the project at dir, with the account's products, and says
// what it wrote.
func writeAgentRules(cmd *cobra.Command, cfg *config, client, dir string) error {
	rel, ok := agentRulePaths[client]
	if !ok {
		return nil
	}
	products, err := connectProducts(cmd, cfg)
	if err != nil {
		// The guidance stands without them; say why they are missing.
		fmt.Fprintf(cfg.stderr, "the account's products were not read (%v): the file lists none; run connect again once the database is reachable\n", err)
	}
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(agentRules(client, products)), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Fprintf(cfg.stdout, "wrote %s: how to meter AI calls with Tollgate's SDKs and the %d product(s) of the account in test mode; connect rewrites this file each time it runs and leaves every other file alone\n", path, len(products))
	return nil
}

// connectProducts reads the default account's test-mode products.
func connectProducts(cmd *cobra.Command, cfg *config) ([]billing.Product, error) {
	a, err := openApp(cmd, cfg)
	if err != nil {
		return nil, err
	}
	defer a.db.Close()
	ctx := billing.WithCaller(cmd.Context(), billing.Caller{AccountID: a.acct.ID, Mode: billing.ModeTest})
	var out []billing.Product
	for cursor := ""; ; {
		page, err := a.svc.Catalog.ListProducts(ctx, billing.ListProductsInput{Limit: 100, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if !page.HasMore || len(out) >= 500 {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// agentRules is the file's text: the client's frontmatter, the guidance of
// the MCP resources, and the account's products.
func agentRules(client string, products []billing.Product) string {
	var b strings.Builder
	switch client {
	case "cursor":
		// A rule the agent pulls in by its description, or when a file it
		// matches is in the conversation.
		fmt.Fprintf(&b, "---\ndescription: %s\nglobs: \"**/*.{ts,tsx,js,mjs,py,go}\"\nalwaysApply: false\n---\n\n", agentRuleDescription)
	case "claude":
		fmt.Fprintf(&b, "---\nname: tollgate\ndescription: %s\n---\n\n", agentRuleDescription)
	}
	b.WriteString("<!-- Written by `tollgate connect`; running it again rewrites this file. -->\n\n")
	b.WriteString(mcp.IntegrationGuide)
	fmt.Fprintf(&b, `
## Code for each language

Read the MCP resource for the backend's language from the tollgate server: %s, %s or %s (or follow the MCP prompt integrate_billing).

## This account (test mode)

`, mcp.IntegrateTypeScriptURI, mcp.IntegratePythonURI, mcp.IntegrateGoURI)
	if len(products) == 0 {
		b.WriteString("No products yet: set up the token product first (rule 7), through the tollgate MCP tools.\n")
		return b.String()
	}
	b.WriteString("Report one of these event types (the meter's eventType); the code is the product's.\n\n| product | event_type | name |\n|---|---|---|\n")
	for _, p := range products {
		if p.ArchivedAt != nil {
			continue
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", p.Code, p.EventType, strings.ReplaceAll(p.Name, "|", "/"))
	}
	return b.String()
}
