package tools

import (
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/profitability"
)

// All returns every tool over svc and prof (the profitability tools), in the
// order tools/list shows them: reads before writes within each area, areas in
// the order of a set-up.
//
// portal makes the links of create_portal_session; without it (MCP over
// stdio) that tool says where to call it instead.
func All(svc *billing.Service, prof *profitability.Service, portal ...PortalLinks) []Tool {
	var links PortalLinks
	if len(portal) > 0 {
		links = portal[0]
	}
	return []Tool{
		Whoami(svc),

		ListAssets(svc),
		CreateAsset(svc),
		AddAssetRate(svc),
		QuoteAsset(svc),

		ListVendors(svc),
		CreateVendor(svc),

		ListProducts(svc),
		GetProduct(svc),
		SimulateUsage(svc),
		CreateProductPrice(svc),
		CreateProductVersion(svc),
		ArchiveProduct(svc),

		ListCustomers(svc),
		GetCustomer(svc),
		CreateCustomer(svc),
		SubscribeCustomer(svc),

		GetWallet(svc),
		CreateWallet(svc),
		SetCreditLimit(svc),

		ListTransactions(svc),
		CreateAdjustment(svc),

		ListTopUps(svc),
		GetTopUp(svc),
		CreateTopUp(svc),
		ConfigureAutoTopUp(svc),
		RefundTopUp(svc),

		ListEvents(svc),
		GetEvent(svc),
		AuthorizeUsage(svc),
		VoidAuthorization(svc),
		RecordUsage(svc),

		GetProfitability(prof), SimulateRepricing(prof), SetProfitabilityDimensions(prof),

		CreatePortalSession(svc, links),
		SetPortalBranding(svc),

		GetSubscription(svc),
		ChangeSubscription(svc),
		CancelSubscription(svc),
		GetStatement(svc),
		CreateTestClock(svc),
		GetTestClock(svc),
		AdvanceTestClock(svc),
	}
}
