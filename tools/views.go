package tools

// The MCP Apps views (SEP-1865, extension io.modelcontextprotocol/ui): a
// tool that names one in View is listed with _meta.ui.resourceUri, and a
// host that supports the extension draws the tool's structured result with
// it, in the chat. Package mcp serves each of these ui:// resources; a
// client without the extension ignores the link and gets the same result.
const (
	// WalletView draws get_wallet: balances, lots and recent usage.
	WalletView = "ui://tollgate/wallet"
	// ProfitabilityView draws get_profitability: revenue against cost per group.
	ProfitabilityView = "ui://tollgate/profitability"
	// StatementView draws get_statement: opening balance, lines, closing balance.
	StatementView = "ui://tollgate/statement"
	// SubscriptionView draws get_subscription: the plan's periods and renewal.
	SubscriptionView = "ui://tollgate/subscription"
)

// withView returns t drawn by the view at uri in hosts that support MCP Apps.
func (t Tool) withView(uri string) Tool {
	t.View = uri
	return t
}
