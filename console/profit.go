package console

import (
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
)

type groupOption struct {
	Value, Label string
	Selected     bool
}

type profitRow struct {
	Label, Events, Revenue, Billed, Cost, Margin, MarginPct string
	Negative                                                bool
}

type whatIf struct {
	Product, Version, Change string
	Products                 []billing.Product
	Versions                 []int
	Ran                      bool
	Rows                     []whatIfRow
	Totals                   whatIfRow
	Excluded                 int64
	Warnings                 []string
	Error                    string
}

type whatIfRow struct {
	Label, Events, Actual, Proposed, Delta, ActualMargin, ProposedMargin string
	Up                                                                   bool
}

type profitPage struct {
	base
	From, To, Group string
	Groups          []groupOption
	Currency        string
	Rows            []profitRow
	Totals          profitRow
	Chart           hchart
	More            bool
	Error           string
	WhatIf          whatIf
}

// hchart is a horizontal bar chart: revenue and cost per group.
type hchart struct {
	SVG     template.HTML
	Summary string
}

// profit shows revenue, cost and margin by product, customer, event type,
// dimension or period, and the what-if repricing of a product.
func (c *Console) profit(w http.ResponseWriter, r *request) error {
	b, err := c.layout(r, "profitability", "Profitability")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	now := c.now().UTC()
	tomorrow := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	p := profitPage{base: b, From: q.Get("from"), To: q.Get("to"), Group: q.Get("group")}
	if p.Group == "" {
		p.Group = profitability.GroupProduct
	}
	in := profitability.Input{From: tomorrow.AddDate(0, 0, -30), To: tomorrow, GroupBy: []string{p.Group}, Limit: 50}
	if p.From != "" {
		if in.From, err = time.Parse(time.DateOnly, p.From); err != nil {
			p.Error = "The start date must be a date such as 2026-11-01."
		}
	}
	if p.To != "" {
		t, err := time.Parse(time.DateOnly, p.To)
		if err != nil {
			p.Error = "The end date must be a date such as 2026-11-30."
		}
		in.To = t.AddDate(0, 0, 1)
	}
	p.From, p.To = in.From.Format(time.DateOnly), in.To.AddDate(0, 0, -1).Format(time.DateOnly)
	dims, err := c.prof.ProfitabilityDimensions(r.ctx)
	if err != nil {
		return err
	}
	for _, g := range append([]string{profitability.GroupProduct, profitability.GroupCustomer, profitability.GroupEventType, profitability.GroupDay,
		profitability.GroupWeek, profitability.GroupMonth}, prefixed(dims)...) {
		p.Groups = append(p.Groups, groupOption{Value: g, Label: groupLabel(g), Selected: g == p.Group})
	}
	as, err := c.assets(r)
	if err != nil {
		return err
	}
	if p.WhatIf, err = c.whatIf(r, in, as); err != nil {
		return err
	}
	if p.Error != "" {
		c.render(w, http.StatusUnprocessableEntity, "profit", p)
		return nil
	}
	if kernel.ErrorCode(c.fillProfit(r, &p, in, as)) == kernel.EInvalid {
		c.render(w, http.StatusUnprocessableEntity, "profit", p)
		return nil
	}
	c.render(w, http.StatusOK, "profit", p)
	return nil
}

func prefixed(dims []string) []string {
	out := make([]string, len(dims))
	for i, d := range dims {
		out[i] = profitability.GroupDimension + d
	}
	return out
}

func groupLabel(g string) string {
	if d, ok := strings.CutPrefix(g, profitability.GroupDimension); ok {
		return "Dimension: " + d
	}
	return label(strings.ReplaceAll(g, "event_type", "event type"))
}

// fillProfit reads the report into the page; an invalid query becomes the
// page's error (and is returned).
func (c *Console) fillProfit(r *request, p *profitPage, in profitability.Input, as assets) error {
	if strings.HasPrefix(p.Group, "day") || p.Group == profitability.GroupWeek || p.Group == profitability.GroupMonth {
		in.Sort, in.Order = profitability.SortEvents, "desc"
	}
	rep, err := c.prof.Profitability(r.ctx, in)
	if kernel.ErrorCode(err) == kernel.EInvalid || kernel.ErrorCode(err) == kernel.ENotFound {
		p.Error = sentence(kernel.ErrorMessage(err))
		return kernel.Invalidf("", "%s", p.Error)
	}
	if err != nil {
		return err
	}
	p.Currency, p.More = rep.Currency, rep.HasMore
	money := func(d rating.Decimal) string { return as.money(d, rep.Currency) }
	for _, row := range rep.Rows {
		p.Rows = append(p.Rows, profitRowOf(row.Group[0].Label, row.Metrics, money))
	}
	p.Totals = profitRowOf("Total", rep.Totals, money)
	p.Chart = horizontalChart(p.Rows, rep.Rows, money)
	return nil
}

func profitRowOf(name string, m profitability.Metrics, money func(rating.Decimal) string) profitRow {
	r := profitRow{Label: name, Events: count(m.Events), Revenue: money(m.Revenue), Billed: money(m.Billed), Cost: money(m.Cost), Margin: money(m.Margin),
		MarginPct: "—", Negative: m.Margin.IsNegative()}
	if r.Label == "" {
		r.Label = "(none)"
	}
	if m.MarginPct != nil {
		r.MarginPct = m.MarginPct.String() + "%"
	}
	return r
}

// horizontalChart draws revenue and cost per group, up to 12 groups.
func horizontalChart(rows []profitRow, data []profitability.Row, money func(rating.Decimal) string) hchart {
	n := min(len(data), 12)
	if n == 0 {
		return hchart{}
	}
	const w, barH, gap, left = 400.0, 9.0, 8.0, 110.0
	h := float64(n) * (2*barH + gap)
	peak := rating.Zero
	for _, d := range data[:n] {
		peak = decimal.Max(peak, d.Revenue, d.Cost)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="hchart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="hchart-title">`, w, h)
	fmt.Fprintf(&b, `<title id="hchart-title">Revenue and cost of the first %d groups</title>`, n)
	for i, d := range data[:n] {
		y := float64(i) * (2*barH + gap)
		fmt.Fprintf(&b, `<text class="lbl" x="%.0f" y="%.1f">%s</text>`, left-8, y+barH+3, template.HTMLEscapeString(truncate(rows[i].Label, 18)))
		for j, v := range []rating.Decimal{d.Revenue, d.Cost} {
			frac := 0.0
			if peak.IsPositive() && v.IsPositive() {
				frac, _ = v.Div(peak).Float64() // for drawing only, never for money
			}
			cls, what := "bar", "revenue"
			if j == 1 {
				cls, what = "bar cost", "cost"
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.0f" y="%.1f" width="%.1f" height="%.0f"><title>%s %s: %s</title></rect>`,
				cls, left, y+float64(j)*barH, max(frac*(w-left-4), 0.5), barH-1, template.HTMLEscapeString(rows[i].Label), what, template.HTMLEscapeString(money(v)))
		}
	}
	b.WriteString(`</svg>`)
	return hchart{SVG: template.HTML(b.String()), Summary: "Revenue and cost per group; the peak is " + money(peak)} // every dynamic part is escaped
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// whatIf runs the repricing form when it was sent (?product=…): a product's
// period repriced with another of its versions, or with every amount of
// its default version changed by a percentage.
func (c *Console) whatIf(r *request, period profitability.Input, as assets) (whatIf, error) {
	q := r.URL.Query()
	wi := whatIf{Product: q.Get("product"), Version: q.Get("version"), Change: strings.TrimSpace(q.Get("change"))}
	prods, err := c.svc.Catalog.ListProducts(r.ctx, billing.ListProductsInput{Limit: 100})
	if err != nil {
		return wi, err
	}
	wi.Products = prods.Items
	if wi.Product == "" {
		return wi, nil
	}
	view, err := c.svc.Catalog.GetProduct(r.ctx, wi.Product)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		wi.Error = "There is no such product."
		return wi, nil
	}
	if err != nil {
		return wi, err
	}
	for _, v := range view.Versions {
		wi.Versions = append(wi.Versions, v.Version)
	}
	in := profitability.RepricingInput{Product: view.ID, From: period.From, To: period.To, GroupBy: []string{profitability.GroupCustomer}, Limit: 20}
	switch {
	case wi.Change != "":
		pct, err := decimal.NewFromString(strings.TrimSuffix(wi.Change, "%"))
		if err != nil || pct.LessThanOrEqual(decimal.NewFromInt(-100)) || pct.GreaterThan(decimal.NewFromInt(1000)) {
			wi.Error = "The change must be a percentage above −100, such as 10 or -15."
			return wi, nil
		}
		in.Prices = scaled(defaultVersion(view).Prices, decimal.NewFromInt(1).Add(pct.Div(decimal.NewFromInt(100))))
	case wi.Version != "":
		if _, err := fmt.Sscanf(wi.Version, "%d", &in.Version); err != nil || !slices.Contains(wi.Versions, in.Version) {
			wi.Error = "Choose one of the product's versions."
			return wi, nil
		}
	default:
		wi.Error = "Choose a version to apply, or a change in percent."
		return wi, nil
	}
	rep, err := c.prof.SimulateRepricing(r.ctx, in)
	if kernel.ErrorCode(err) == kernel.EInvalid || kernel.ErrorCode(err) == kernel.ENotFound {
		wi.Error = sentence(kernel.ErrorMessage(err))
		return wi, nil
	}
	if err != nil {
		return wi, err
	}
	money := func(d rating.Decimal) string { return as.money(d, rep.Currency) }
	wi.Ran, wi.Excluded, wi.Warnings = true, rep.Excluded, rep.Warnings
	for _, row := range rep.Rows {
		wi.Rows = append(wi.Rows, whatIfRowOf(row.Group[0].Label, row, money))
	}
	wi.Totals = whatIfRowOf("Total", rep.Totals, money)
	return wi, nil
}

func whatIfRowOf(name string, r profitability.RepricingRow, money func(rating.Decimal) string) whatIfRow {
	pct := func(d *rating.Decimal) string {
		if d == nil {
			return ""
		}
		return " (" + d.String() + "%)"
	}
	return whatIfRow{Label: name, Events: count(r.Events), Actual: money(r.ActualRevenue), Proposed: money(r.ProposedRevenue), Delta: money(r.Delta),
		ActualMargin: money(r.ActualMargin) + pct(r.ActualMarginPct), ProposedMargin: money(r.ProposedMargin) + pct(r.ProposedMarginPct), Up: r.Delta.IsPositive()}
}

// defaultVersion is the version new subscriptions get: the newest one
// unless another was kept as the default; the first listed when none says.
func defaultVersion(v billing.ProductView) billing.ProductVersion {
	for _, pv := range v.Versions {
		if pv.Version == v.DefaultVersion {
			return pv
		}
	}
	return v.Versions[0]
}

// scaled copies prices with every amount multiplied by f (exactly: a
// product of decimals); recurring fees too.
func scaled(prices []rating.Price, f rating.Decimal) []rating.Price {
	out := make([]rating.Price, len(prices))
	for i, p := range prices {
		p.ID = ""
		p.UnitAmount, p.BlockAmount, p.Amount, p.MarkupFixed = p.UnitAmount.Mul(f), p.BlockAmount.Mul(f), p.Amount.Mul(f), p.MarkupFixed.Mul(f)
		rates := make([]rating.DimensionRate, len(p.Rates))
		for j, rt := range p.Rates {
			rt.Values = maps.Clone(rt.Values)
			rt.Amount = rt.Amount.Mul(f)
			rates[j] = rt
		}
		tiers := make([]rating.Tier, len(p.Tiers))
		for j, t := range p.Tiers {
			t.UnitAmount, t.FlatAmount = t.UnitAmount.Mul(f), t.FlatAmount.Mul(f)
			tiers[j] = t
		}
		if p.Rates != nil {
			p.Rates = rates
		}
		if p.Tiers != nil {
			p.Tiers = tiers
		}
		p.Dimensions = slices.Clone(p.Dimensions)
		out[i] = p
	}
	return out
}
