package tools

import "github.com/tollgatehq/tollgate/billing"

// All returns every tool over svc, in the order tools/list shows them: reads
// before writes within each area, areas in the order of a set-up.
func All(svc *billing.Service) []Tool {
	return []Tool{
		Whoami(svc),

		ListAssets(svc),
		CreateAsset(svc),
		AddAssetRate(svc),
		QuoteAsset(svc),

		ListCustomers(svc),
		GetCustomer(svc),
		CreateCustomer(svc),

		GetWallet(svc),
		CreateWallet(svc),
		SetCreditLimit(svc),

		ListTransactions(svc),
		CreateAdjustment(svc),
	}
}
