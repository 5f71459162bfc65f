package tools

import (
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/webhooks"
)

// Deps are the services the tools call. Every tool constructor takes them,
// and a tool uses only the fields it needs, so a test may leave the others
// nil.
type Deps struct {
	Billing       *billing.Service
	Profitability *profitability.Service
	// Webhooks serves the webhook toolset's endpoint and delivery tools.
	Webhooks *webhooks.Service
	// PortalLinks makes create_portal_session's links; nil where the
	// process does not serve the portal (MCP over stdio), and the tool then
	// says where to call it instead.
	PortalLinks PortalLinks
	// Gateway serves get_gateway's providers and base URLs; nil where the
	// process does not serve the gateway (MCP over stdio), and the gateway
	// tools then say only what billing knows.
	Gateway Gateway
	// ConsoleURL makes open_console's links; nil: the tool says to use
	// the CLI instead.
	ConsoleURL ConsoleURL
}

// All returns every tool over d: the one list of tools, in the order
// tools/list and list_toolsets show them (areas in the order of a set-up,
// reads before writes within each). Each tool names its own toolset (see
// newTool); every other list (a toolset's tools, the default sets' tools,
// the read-only tools) is derived from this one.
func All(d Deps) []Tool {
	return []Tool{
		Whoami(d),

		ListAssets(d), CreateAsset(d), AddAssetRate(d), QuoteAsset(d),
		ListVendors(d), CreateVendor(d),
		ListProducts(d), GetProduct(d), SimulateUsage(d), CreateProductPrice(d), CreateProductVersion(d), ArchiveProduct(d),

		ListCustomers(d), GetCustomer(d), CreateCustomer(d), SubscribeCustomer(d),

		GetWallet(d), CreateWallet(d), SetCreditLimit(d),
		ListTransactions(d), CreateAdjustment(d),

		ListTopUps(d), GetTopUp(d), CreateTopUp(d), ConfigureAutoTopUp(d), RefundTopUp(d),

		ListEvents(d), GetEvent(d), AuthorizeUsage(d), VoidAuthorization(d), RecordUsage(d),

		GetProfitability(d), SimulateRepricing(d), SetProfitabilityDimensions(d),

		CreatePortalSession(d), SetPortalBranding(d),

		GetSubscription(d), ChangeSubscription(d), CancelSubscription(d), GetStatement(d),
		CreateTestClock(d), GetTestClock(d), AdvanceTestClock(d),

		ListWebhookEndpoints(d), ListWebhookDeliveries(d), CreateWebhookEndpoint(d), UpdateWebhookEndpoint(d),
		SendTestWebhook(d), RetryWebhookDelivery(d), SetBalanceThresholds(d),

		GetGateway(d), ListCustomerKeys(d), ConfigureGateway(d), CreateCustomerKey(d), RevokeCustomerKey(d),

		OpenConsole(d),
	}
}
