package billing

import "strings"

// Id prefixes, one per resource type.
const (
	prefixAccount         = "acct"
	prefixAPIKey          = "key"
	prefixCustomer        = "cus"
	prefixWallet          = "wal"
	prefixLot             = "lot"
	prefixTransaction     = "txn"
	prefixAdjustment      = "adj"
	prefixProduct         = "prod"
	prefixVersion         = "pver"
	prefixPrice           = "price"
	prefixVendor          = "vnd"
	prefixSubscription    = "sub"
	prefixAuthorization   = "auth"
	prefixFee             = "fee"
	prefixTestClock       = "clock"
	prefixTopUp           = "topup"
	prefixOperator        = "op"
	prefixOperatorLink    = "oplink"
	prefixOperatorSession = "opsess"
)

// IsTopUpID says whether id names a top-up paid through a provider
// (topup_…), as against an adjustment (adj_…) the platform recorded.
func IsTopUpID(id string) bool { return strings.HasPrefix(id, prefixTopUp+"_") }
