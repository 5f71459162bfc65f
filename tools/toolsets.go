package tools

import (
	"fmt"
	"slices"
	"strings"
)

// Toolset is a named group of tools an agent loads together. Every tool
// belongs to exactly one set, written in toolsetOf below.
type Toolset struct {
	Name        string
	Description string
	// Default sets are listed when no set is chosen: what a set-up
	// conversation needs.
	Default bool
}

// Special names: AllToolsets selects every tool; Always is the set every
// selection includes.
const (
	AllToolsets = "all"
	Always      = "account"
)

// toolsets are the sets in the order list_toolsets shows them.
var toolsets = []Toolset{
	{Name: "account", Description: "Who the connection is (account, mode, key scope); always listed.", Default: true},
	{Name: "catalog", Description: "Assets and exchange rates, vendors, products and their priced versions; simulate fees.", Default: true},
	{Name: "customers", Description: "Customers: list, get, create.", Default: true},
	{Name: "subscriptions", Description: "Put customers on product versions (plans).", Default: true},
	{Name: "wallets", Description: "Wallets, balances, credit limits, ledger transactions and manual adjustments (gifts, corrections).", Default: true},
	{Name: "usage", Description: "Authorize, record and look up usage events.", Default: true},
	{Name: "plans", Description: "Run plans: read a subscription with its periods, change or cancel it, monthly statements; test clocks to watch them renew."},
	{Name: "payments", Description: "Card top-ups through the payment provider, auto top-up and refunds."},
	{Name: "reports", Description: "Profitability: revenue, cost and margin; repricing what-ifs."},
	{Name: "webhooks", Description: "Webhook endpoints for billing events."},
	{Name: "portal", Description: "The customer portal: sessions and branding."},
}

// toolsetOf is THE table: every tool's name and its one set. A tool missing
// here fails TestEveryToolHasOneToolset.
var toolsetOf = map[string]string{
	"whoami": "account",

	"list_assets":            "catalog",
	"create_asset":           "catalog",
	"add_asset_rate":         "catalog",
	"quote_asset":            "catalog",
	"list_vendors":           "catalog",
	"create_vendor":          "catalog",
	"list_products":          "catalog",
	"get_product":            "catalog",
	"simulate_usage":         "catalog",
	"create_product_price":   "catalog",
	"create_product_version": "catalog",
	"archive_product":        "catalog",

	"list_customers":  "customers",
	"get_customer":    "customers",
	"create_customer": "customers",

	"subscribe_customer":  "subscriptions",
	"get_subscription":    "plans",
	"change_subscription": "plans",
	"cancel_subscription": "plans",
	"get_statement":       "plans",
	"create_test_clock":   "plans",
	"get_test_clock":      "plans",
	"advance_test_clock":  "plans",

	"get_wallet":        "wallets",
	"create_wallet":     "wallets",
	"set_credit_limit":  "wallets",
	"list_transactions": "wallets",
	"create_adjustment": "wallets",

	"list_events":        "usage",
	"get_event":          "usage",
	"authorize_usage":    "usage",
	"void_authorization": "usage",
	"record_usage":       "usage",

	"list_top_ups":          "payments",
	"get_top_up":            "payments",
	"create_top_up":         "payments",
	"configure_auto_top_up": "payments",
	"refund_top_up":         "payments",

	"get_profitability":            "reports",
	"simulate_repricing":           "reports",
	"set_profitability_dimensions": "reports",

	"create_webhook_endpoint": "webhooks",
	"list_webhook_endpoints":  "webhooks",
	"update_webhook_endpoint": "webhooks",
	"send_test_webhook":       "webhooks",
	"list_webhook_deliveries": "webhooks",
	"retry_webhook_delivery":  "webhooks",
	"set_balance_thresholds":  "webhooks",

	"create_portal_session": "portal",
	"set_portal_branding":   "portal",
}

// Toolsets returns every set in display order, including sets that have no
// tool in this build.
func Toolsets() []Toolset { return slices.Clone(toolsets) }

// ToolsetOf returns the set a tool belongs to, and false for a tool missing
// from the table.
func ToolsetOf(tool string) (string, bool) {
	s, ok := toolsetOf[tool]
	return s, ok
}

// DefaultToolsets returns the names of the default sets.
func DefaultToolsets() []string {
	var out []string
	for _, s := range toolsets {
		if s.Default {
			out = append(out, s.Name)
		}
	}
	return out
}

// ParseToolsets reads a comma-separated selection such as "catalog,usage"
// or "all". Blanks and repeats are ignored; "default" stands for the default
// sets; an empty selection is the default. The account set is always added.
// Returns an error naming the known sets for an unknown name.
func ParseToolsets(s string) ([]string, error) {
	var out []string
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, n := range strings.Split(s, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		switch {
		case n == "":
		case n == AllToolsets:
			return []string{AllToolsets}, nil
		case n == "default":
			for _, d := range DefaultToolsets() {
				add(d)
			}
		case knownToolset(n):
			add(n)
		default:
			return nil, fmt.Errorf("unknown toolset %q: choose from %s, default or all", n, strings.Join(toolsetNames(), ", "))
		}
	}
	if len(out) == 0 {
		out = DefaultToolsets()
	}
	if !slices.Contains(out, Always) {
		out = append([]string{Always}, out...)
	}
	return out, nil
}

func knownToolset(name string) bool {
	return slices.ContainsFunc(toolsets, func(t Toolset) bool { return t.Name == name })
}

func toolsetNames() []string {
	var out []string
	for _, t := range toolsets {
		out = append(out, t.Name)
	}
	return out
}
