package billing

// Actions a domain error may name as its fix (kernel.Error.Action). The
// domain says what is missing; tools/ and api/ word the fix in their own
// terms (a tool's name, an endpoint), each from a table keyed by these.
const (
	ActCreateAsset      = "create_asset"      // a custom asset the input named does not exist
	ActAddAssetRate     = "add_asset_rate"    // a conversion needs a rate that does not exist
	ActFindLot          = "find_lot"          // a lot id is wrong: the wallet lists its lots
	ActRefund           = "refund"            // money back is a refund adjustment
	ActCorrect          = "correct"           // a late or wrong charge is a correction adjustment
	ActNewVersion       = "new_version"       // products are never edited: publish a version
	ActCreateVendor     = "create_vendor"     // a cost_plus price names an unknown vendor
	ActFindProduct      = "find_product"      // a product reference is wrong
	ActFindVersion      = "find_version"      // a product has no such version
	ActFindCustomer     = "find_customer"     // a customer reference is wrong
	ActFindEvent        = "find_event"        // an event id is wrong
	ActCreateProduct    = "create_product"    // no product prices an event_type
	ActSubscribe        = "subscribe"         // several products price an event_type
	ActCreateWallet     = "create_wallet"     // a wallet name is wrong
	ActSetDimensions    = "set_dimensions"    // a profitability dimension is unknown
	ActConnectPayments  = "connect_payments"  // the account cannot take payments in this mode
	ActSaveCard         = "save_card"         // auto top-up needs a card saved by a paid top-up
	ActFindSubscription = "find_subscription" // a subscription id is wrong or ended: the customer lists those in force
)

// Actions lists every action, so each surface can test that it words them all.
var Actions = []string{ActCreateAsset, ActAddAssetRate, ActFindLot, ActRefund, ActCorrect, ActNewVersion, ActCreateVendor,
	ActFindProduct, ActFindVersion, ActFindCustomer, ActFindEvent, ActCreateProduct, ActSubscribe, ActCreateWallet, ActSetDimensions, ActConnectPayments, ActSaveCard,
	ActFindSubscription}
