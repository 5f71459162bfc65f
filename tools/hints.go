package tools

import (
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// hints words, in terms of the MCP tools, the fix each domain error names
// (billing.Act…). The REST API has its own table, naming endpoints.
var hints = map[string]string{
	billing.ActCreateAsset:      "call create_asset first for a custom unit",
	billing.ActAddAssetRate:     "add one with add_asset_rate",
	billing.ActFindLot:          "get_wallet lists the wallet's lots",
	billing.ActRefund:           "refund with create_adjustment (kind refund) instead",
	billing.ActCorrect:          "record a correction with create_adjustment instead",
	billing.ActNewVersion:       "publish a new version with create_product_version, or use another code",
	billing.ActCreateVendor:     "create it with create_vendor first",
	billing.ActFindProduct:      "list_products shows the catalog, create_product_price creates one",
	billing.ActFindVersion:      "get_product lists its versions",
	billing.ActFindCustomer:     "create it with create_customer or list_customers to find it",
	billing.ActFindEvent:        "list_events shows recorded events",
	billing.ActCreateProduct:    "create one with create_product_price, or check the event_type your app sends",
	billing.ActSubscribe:        "subscribe the customer with subscribe_customer first",
	billing.ActCreateWallet:     "create it with create_wallet or omit wallet to use the default",
	billing.ActConnectPayments:  "the operator connects Stripe on the server with `tollgate payments connect` (secrets never pass through an agent)",
	billing.ActSaveCard:         "the customer first pays a top-up (create_top_up) so the card is saved",
	billing.ActSetDimensions:    "add it with set_profitability_dimensions, or use a key of a dimensional price",
	billing.ActFindSubscription: "get_customer lists the customer's subscriptions with their ids (a change of version now starts a new id)",
}

// message is err's safe message with its fix worded for an agent.
func message(err error) string {
	msg := kernel.ErrorMessage(err)
	if h, ok := hints[kernel.ErrorAction(err)]; ok {
		msg += "; " + h
	}
	return msg
}
