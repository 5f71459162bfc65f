package tools

import (
	"fmt"
	"slices"
	"strings"
)

// Toolset is a named group of tools an agent loads together. Every tool
// names its one set when it is built (newTool's first argument).
type Toolset struct {
	Name        string
	Description string
	// Default sets are listed when no set is chosen: what a set-up
	// conversation needs.
	Default bool
}

// Special names: AllToolsets selects every tool; Always is the set every
// selection includes; WebhooksToolset holds the tools over a
// webhooks.Service, which a server built without one leaves out.
const (
	AllToolsets     = "all"
	Always          = "account"
	WebhooksToolset = "webhooks"
)

// The sets, each named once; toolsets orders them.
var (
	accountSet       = Toolset{Name: Always, Description: "Who the connection is (account, mode, key scope); always listed.", Default: true}
	catalogSet       = Toolset{Name: "catalog", Description: "Assets and exchange rates, vendors, products and their priced versions; simulate fees.", Default: true}
	customersSet     = Toolset{Name: "customers", Description: "Customers: list, get, create.", Default: true}
	subscriptionsSet = Toolset{Name: "subscriptions", Description: "Put customers on product versions (plans).", Default: true}
	walletsSet       = Toolset{Name: "wallets", Description: "Wallets, balances, credit limits, ledger transactions and manual adjustments (gifts, corrections).", Default: true}
	usageSet         = Toolset{Name: "usage", Description: "Authorize, record and look up usage events.", Default: true}
	plansSet         = Toolset{Name: "plans", Description: "Run plans: read a subscription with its periods, change or cancel it, monthly statements; test clocks to watch them renew."}
	paymentsSet      = Toolset{Name: "payments", Description: "Card top-ups through the payment provider, auto top-up and refunds."}
	reportsSet       = Toolset{Name: "reports", Description: "Profitability: revenue, cost and margin; repricing what-ifs."}
	webhooksSet      = Toolset{Name: WebhooksToolset, Description: "Webhook endpoints for billing events."}
	portalSet        = Toolset{Name: "portal", Description: "The customer portal: sessions and branding."}
	gatewaySet       = Toolset{Name: "gateway", Description: "The metering gateway: its providers, base URLs and event type; customer keys (tg_cust_…)."}
	consoleSet       = Toolset{Name: "console", Description: "The operators' console: a sign-in link for a person of this account."}
)

// toolsets are the sets in the order list_toolsets shows them.
var toolsets = []Toolset{accountSet, catalogSet, customersSet, subscriptionsSet, walletsSet, usageSet,
	plansSet, paymentsSet, reportsSet, webhooksSet, portalSet, gatewaySet, consoleSet}

// Toolsets returns every set in display order, including sets that have no
// tool in this build.
func Toolsets() []Toolset { return slices.Clone(toolsets) }

// Selected reports whether t is listed under a selection of sets (from
// ParseToolsets): its own set is selected, it is in the Always set, or the
// selection is AllToolsets.
func (t Tool) Selected(sets []string) bool {
	return t.Toolset.Name == Always || slices.Contains(sets, AllToolsets) || slices.Contains(sets, t.Toolset.Name)
}

// Select returns the tools of ts listed under sets, in their order;
// readOnly keeps only the tools annotated read-only.
func Select(ts []Tool, sets []string, readOnly bool) []Tool {
	var out []Tool
	for _, t := range ts {
		if t.Selected(sets) && (!readOnly || t.Annotations.ReadOnly) {
			out = append(out, t)
		}
	}
	return out
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
