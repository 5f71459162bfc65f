package api

import (
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// hints words, in terms of REST endpoints, the fix each domain error names
// (billing.Act…). The MCP tools have their own table, naming tools.
var hints = map[string]string{
	billing.ActCreateAsset:      "create a custom unit first with POST /v1/assets",
	billing.ActAddAssetRate:     "add one with POST /v1/assets/{code}/rates",
	billing.ActFindLot:          "GET /v1/customers/{id}/wallets/{wallet} lists the wallet's lots",
	billing.ActRefund:           "refund with POST /v1/adjustments (kind refund) instead",
	billing.ActCorrect:          "record a correction with POST /v1/adjustments (kind correction) instead",
	billing.ActNewVersion:       "publish a new version with POST /v1/products/{id}/versions, or use another code",
	billing.ActCreateVendor:     "create it first with POST /v1/vendors",
	billing.ActFindProduct:      "GET /v1/products lists the catalog, POST /v1/products creates one",
	billing.ActFindVersion:      "GET /v1/products/{id} lists its versions",
	billing.ActFindCustomer:     "create it with POST /v1/customers, or find it with GET /v1/customers",
	billing.ActFindEvent:        "GET /v1/events lists recorded events",
	billing.ActCreateProduct:    "create one with POST /v1/products, or check the event_type your app sends",
	billing.ActSubscribe:        "subscribe the customer first with POST /v1/customers/{id}/subscriptions",
	billing.ActCreateWallet:     "create it with POST /v1/customers/{id}/wallets, or omit wallet to use the default",
	billing.ActConnectPayments:  "the operator connects Stripe on the server with `tollgate payments connect` (secrets never pass through the API), then retry POST /v1/top_ups",
	billing.ActSaveCard:         "the customer first pays a top-up started with POST /v1/top_ups, which saves the card",
	billing.ActSetDimensions:    "add it with POST /v1/profitability/dimensions, or use a key of a dimensional price",
	billing.ActFindSubscription: "GET /v1/customers/{id}/subscriptions lists the customer's subscriptions, those in force first (a change of version now starts a new id)",
}

// message is err's safe message with its fix worded for a REST client.
func message(err error) string {
	msg := kernel.ErrorMessage(err)
	if h, ok := hints[kernel.ErrorAction(err)]; ok {
		msg += "; " + h
	}
	return msg
}
