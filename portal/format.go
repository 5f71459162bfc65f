package portal

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// assets knows how to write amounts of the caller's assets for people.
type assets map[string]billing.Asset

// money writes an amount for a person: the asset's symbol (or code after
// it), thousands grouped, at least the asset's precision, exact beyond it up
// to rating.DisplayPlaces more ("≈" when rounded).
func (a assets) money(amount rating.Decimal, code string) string {
	as, ok := a[code]
	if !ok {
		as = billing.Asset{Code: code, Precision: 2}
	}
	return rating.DisplayMoney(amount, as.Precision, as.Symbol, as.Code)
}

// signed writes an amount with its sign, for a change to a balance.
func (a assets) signed(amount rating.Decimal, code string) string {
	if amount.IsPositive() {
		return "+" + a.money(amount, code)
	}
	return a.money(amount, code)
}

func date(t time.Time) string     { return t.UTC().Format("2 Jan 2006") }
func dateTime(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

// label turns a code ("top_up") into words ("Top up").
func label(code string) string {
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// chart is a bar chart of daily spend, drawn on the server as SVG so it
// reads without JavaScript; each bar has a title, and the figure a summary.
type chart struct {
	SVG                        template.HTML
	Summary, Peak, First, Last string
}

func spendChart(days []billing.DaySpend, a assets, code string) chart {
	const w, h, top, bottom, left = 600.0, 160.0, 4.0, 1.0, 0.0
	peak := rating.Zero
	total := rating.Zero
	for _, d := range days {
		total = total.Add(d.Amount)
		if d.Amount.GreaterThan(peak) {
			peak = d.Amount
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="chart-title" preserveAspectRatio="none">`, w, h)
	fmt.Fprintf(&b, `<title id="chart-title">Daily spend, last %d days: %s in total, at most %s a day</title>`,
		len(days), template.HTMLEscapeString(a.money(total, code)), template.HTMLEscapeString(a.money(peak, code)))
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%.1f" x2="%.0f" y2="%.1f"/>`, h-bottom, w, h-bottom)
	slot := (w - left) / float64(len(days))
	for i, d := range days {
		frac := 0.0
		if peak.IsPositive() {
			frac, _ = d.Amount.Div(peak).Float64() // for drawing only, never for money
		}
		bh := frac * (h - top - bottom)
		if d.Amount.IsPositive() && bh < 1.5 {
			bh = 1.5
		}
		x := left + float64(i)*slot
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			x+slot*0.15, h-bottom-bh, slot*0.7, bh, date(d.Day), template.HTMLEscapeString(a.money(d.Amount, code)))
	}
	b.WriteString(`</svg>`)
	c := chart{SVG: template.HTML(b.String()), // every dynamic part above is escaped
		Summary: fmt.Sprintf("%s in the last %d days", a.money(total, code), len(days)), Peak: a.money(peak, code)}
	if len(days) > 0 {
		c.First, c.Last = date(days[0].Day), date(days[len(days)-1].Day)
	}
	return c
}
