package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// GetProfitability reports revenue, cost and margin per group.
func GetProfitability(d Deps) Tool {
	return newTool(reportsSet, "get_profitability", "Get profitability",
		"Revenue, vendor cost and margin of billed events over whole UTC days, grouped by customer, product, version, event_type, "+
			"dimension:<data key> (such as dimension:model) and day, week or month; filtered, sorted and paged. Amounts are in the account's "+
			"reporting currency. A cost never sent is unknown, not 0: margin covers the events with known cost and cost_coverage says how many.",
		readOnly,
		func(ctx context.Context, in wire.GetProfitabilityArgs) (wire.GetProfitabilityResult, error) {
			filters := profitability.Filters{Customer: in.Customer, Product: in.Product, EventType: in.EventType, Dimensions: in.Dimensions}
			rep, err := d.Profitability.Profitability(ctx, profitability.Input{From: in.From.Value(), To: in.To.Value(), GroupBy: in.GroupBy,
				Filters: filters, Sort: in.Sort, Order: in.Order, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return wire.GetProfitabilityResult{}, err
			}
			r := wire.GetProfitabilityResult{ProfitabilityReport: wire.FromProfitabilityReport(rep)}
			r.Summary, r.NextSteps = profitabilitySummary(rep)
			return r, nil
		}).withView(ProfitabilityView)
}

func profitabilitySummary(rep profitability.Report) (string, []string) {
	t := rep.Totals
	period := periodText(rep.From, rep.To)
	if t.Events == 0 {
		return fmt.Sprintf("No billed events %s match this query.", period),
			[]string{"widen from and to, or drop filters; list_events shows what was recorded"}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s (%s): %s, revenue %s, cost %s, margin %s", capitalize(period), rep.Currency, plural(int(t.Events), "event"),
		money(t.Revenue), money(t.Cost), money(t.Margin))
	if t.MarginPct != nil {
		fmt.Fprintf(&sb, " (%s%%)", t.MarginPct.String())
	}
	sb.WriteString(".")
	if t.CostEvents < t.Events {
		fmt.Fprintf(&sb, " Cost is known for %d of %d events (coverage %s): cost and margin cover only those.", t.CostEvents, t.Events, pct(t.CostCoverage))
	}
	if t.UnvaluedEvents > 0 {
		fmt.Fprintf(&sb, " %s left out of revenue: a fee's asset had no exchange rate into %s.", eventsAre(t.UnvaluedEvents, "is", "are"), rep.Currency)
	}
	if len(rep.GroupBy) > 0 {
		fmt.Fprintf(&sb, " %s by %s on this page", plural(len(rep.Rows), "row"), strings.Join(rep.GroupBy, ", "))
		if len(rep.Rows) > 0 {
			first := rep.Rows[0]
			labels := make([]string, len(first.Group))
			for i, g := range first.Group {
				labels[i] = g.Label
				if labels[i] == "" {
					labels[i] = "(none)"
				}
			}
			fmt.Fprintf(&sb, "; first: %s (revenue %s, margin %s", strings.Join(labels, " / "), money(first.Revenue), money(first.Margin))
			if first.MarginPct != nil {
				fmt.Fprintf(&sb, ", %s%%", first.MarginPct.String())
			}
			sb.WriteString(")")
		}
		sb.WriteString(".")
	}
	if rep.HasMore {
		sb.WriteString(" More rows follow: call again with cursor set to next_cursor.")
	}
	var next []string
	if t.CostEvents < t.Events {
		next = append(next, "send each event's vendor costs with record_usage (costs) so margin covers every event")
	}
	if t.UnvaluedEvents > 0 {
		next = append(next, fmt.Sprintf("add_asset_rate for each custom asset into %s, effective before the events", rep.Currency))
	}
	return sb.String(), next
}

// SimulateRepricing applies proposed prices to a product's real events.
func SimulateRepricing(d Deps) Tool {
	return newTool(reportsSet, "simulate_repricing", "Simulate a price change",
		"What-if: prices a product's real events of a period with a published version or draft prices (the prices create_product_version takes) "+
			"and returns, per group, actual beside proposed revenue and margin, and the delta. Nothing changes: no wallet, event or version. "+
			"This is how to check a price change before publishing it with create_product_version; the version in use reproduces actual revenue.",
		readOnly,
		func(ctx context.Context, in wire.SimulateRepricingArgs) (wire.SimulateRepricingResult, error) {
			prices, err := toPrices(in.Prices)
			if err != nil {
				return wire.SimulateRepricingResult{}, err
			}
			if len(prices) == 0 {
				prices = nil
			}
			rep, err := d.Profitability.SimulateRepricing(ctx, profitability.RepricingInput{Product: in.Product, Version: in.Version, Prices: prices,
				From: in.From.Value(), To: in.To.Value(), GroupBy: in.GroupBy,
				Filters: profitability.Filters{Customer: in.Customer, Dimensions: in.Dimensions}, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return wire.SimulateRepricingResult{}, err
			}
			r := wire.SimulateRepricingResult{RepricingReport: wire.FromRepricingReport(rep)}
			r.Summary, r.NextSteps = repricingSummary(rep)
			return r, nil
		})
}

func repricingSummary(rep profitability.RepricingReport) (string, []string) {
	t := rep.Totals
	what := fmt.Sprintf("Draft prices for %s", rep.ProductCode)
	if rep.Version != 0 {
		what = fmt.Sprintf("Version %d of %s", rep.Version, rep.ProductCode)
	}
	period := periodText(rep.From, rep.To)
	var sb strings.Builder
	sb.WriteString("Nothing was changed. ")
	if t.Events == 0 {
		fmt.Fprintf(&sb, "%s charged no events %s that this selection keeps; there is nothing to compare.", rep.ProductCode, period)
		if rep.Excluded > 0 {
			fmt.Fprintf(&sb, " %s left out (see warnings).", eventsAre(rep.Excluded, "was", "were"))
		}
		return sb.String(), []string{"widen from and to, or drop filters; list_events shows what was recorded"}
	}
	fmt.Fprintf(&sb, "%s on %s %s (%s): revenue %s → %s (%s", what, plural(int(t.Events), "event"), period, rep.Currency,
		money(t.ActualRevenue), money(t.ProposedRevenue), signed(t.Delta))
	if !t.ActualRevenue.IsZero() {
		fmt.Fprintf(&sb, ", %s%%", signed(t.Delta.Mul(decimal.NewFromInt(100)).DivRound(t.ActualRevenue, 2)))
	}
	sb.WriteString(")")
	if t.CostEvents > 0 {
		fmt.Fprintf(&sb, "; margin %s → %s", money(t.ActualMargin), money(t.ProposedMargin))
		if t.ActualMarginPct != nil && t.ProposedMarginPct != nil {
			fmt.Fprintf(&sb, " (%s%% → %s%%)", t.ActualMarginPct.String(), t.ProposedMarginPct.String())
		}
		fmt.Fprintf(&sb, " over the %d with known cost", t.CostEvents)
	} else {
		sb.WriteString("; no event has a known cost, so margin is not compared")
	}
	sb.WriteString(".")
	if rep.Excluded > 0 {
		fmt.Fprintf(&sb, " %s left out of both sides (see warnings).", eventsAre(rep.Excluded, "was", "were"))
	}
	if rep.HasMore {
		sb.WriteString(" More rows follow: call again with cursor set to next_cursor.")
	}
	var next []string
	if rep.Version == 0 {
		next = append(next, fmt.Sprintf("after the user agrees, create_product_version for %s with these prices to publish them; existing subscriptions keep their version until subscribe_customer moves them", rep.ProductCode))
	} else {
		next = append(next, fmt.Sprintf("subscribe_customer with product %q and version %d to move customers onto it", rep.ProductCode, rep.Version))
	}
	return sb.String(), next
}

// SetProfitabilityDimensions chooses the extra data keys profitability groups by.
func SetProfitabilityDimensions(d Deps) Tool {
	return newTool(reportsSet, "set_profitability_dimensions", "Set profitability dimensions",
		"Sets which event data keys, besides those of dimensional prices, get_profitability groups and filters by as dimension:<key> "+
			"(such as feature or region); replaces the previous list. Billing is not affected; the next get_profitability re-reads every event once.",
		Annotations{Idempotent: true},
		func(ctx context.Context, in wire.SetProfitabilityDimensionsArgs) (wire.SetProfitabilityDimensionsResult, error) {
			dims, err := d.Profitability.SetProfitabilityDimensions(ctx, in.Dimensions)
			if err != nil {
				return wire.SetProfitabilityDimensionsResult{}, err
			}
			r := wire.SetProfitabilityDimensionsResult{ProfitabilityDimensions: wire.ProfitabilityDimensions{Dimensions: dims}}
			if dims == nil {
				r.Dimensions = []string{}
			}
			if len(dims) == 0 {
				r.Summary = "Profitability has no dimensions now: no dimensional price and no key set."
				return r, nil
			}
			r.Summary = fmt.Sprintf("get_profitability now groups and filters by %s: %s.", plural(len(dims), "dimension"), strings.Join(dims, ", "))
			r.NextSteps = []string{fmt.Sprintf("get_profitability with group_by [\"dimension:%s\"]", dims[0])}
			return r, nil
		})
}

// periodText writes [from, to) for a person: whole UTC days as their first
// and last date, other instants as RFC 3339.
func periodText(from, to time.Time) string {
	midnight := func(t time.Time) bool {
		u := t.UTC()
		return u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0
	}
	if midnight(from) && midnight(to) {
		last := to.AddDate(0, 0, -1)
		if last.Equal(from) {
			return "on " + from.Format(time.DateOnly)
		}
		return fmt.Sprintf("from %s to %s", from.Format(time.DateOnly), last.Format(time.DateOnly))
	}
	return fmt.Sprintf("from %s until %s", wire.Time(from), wire.Time(to))
}

// eventsAre writes "1 event is" or "3 events are".
func eventsAre(n int64, one, many string) string {
	if n == 1 {
		return "1 event " + one
	}
	return fmt.Sprintf("%d events %s", n, many)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// money writes an amount with at least 2 decimal places, never rounding.
func money(d rating.Decimal) string {
	s := d.String()
	if _, frac, ok := strings.Cut(s, "."); !ok || len(frac) < 2 {
		return d.StringFixed(2)
	}
	return s
}

func signed(d rating.Decimal) string {
	if d.IsPositive() {
		return "+" + money(d)
	}
	return money(d)
}

func pct(d *rating.Decimal) string {
	if d == nil {
		return "none"
	}
	return d.Mul(decimal.NewFromInt(100)).StringFixed(2) + "%"
}
