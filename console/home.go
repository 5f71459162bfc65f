package console

import (
	"context"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/webhooks"
)

// figure is one number of the home page, with last month's beside it.
type figure struct {
	Label, Value, Previous, Change string
	Up                             bool // the change is good news
	Test                           string
}

type homePage struct {
	base
	Currency   string
	Month      string
	Money      []figure
	Counts     []figure
	Chart      chart
	Unvalued   int64
	CostShare  string
	ActiveNote string
}

// chartDays is how many days the home page's chart shows.
const chartDays = 30

func (c *Console) home(w http.ResponseWriter, r *request) error {
	b, err := c.layout(r, "home", "Home")
	if err != nil {
		return err
	}
	now := c.now().UTC()
	month := rating.PeriodStart(now)
	tomorrow := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	this, err := c.prof.Profitability(r.ctx, profitability.Input{From: month, To: tomorrow})
	if err != nil {
		return err
	}
	last, err := c.prof.Profitability(r.ctx, profitability.Input{From: month.AddDate(0, -1, 0), To: month})
	if err != nil {
		return err
	}
	as, err := c.assets(r)
	if err != nil {
		return err
	}
	money := func(d rating.Decimal) string { return as.money(d, this.Currency) }
	p := homePage{base: b, Currency: this.Currency, Month: now.Format("January 2006"), Unvalued: this.Totals.UnvaluedEvents}
	p.Money = []figure{
		compare("Revenue", this.Totals.Revenue, last.Totals.Revenue, money, true, "revenue"),
		compare("Cost", this.Totals.Cost, last.Totals.Cost, money, false, "cost"),
		compare("Margin", this.Totals.Margin, last.Totals.Margin, money, true, "margin"),
	}
	if this.Totals.MarginPct != nil {
		p.Money[2].Value += " (" + this.Totals.MarginPct.String() + "%)"
	}
	if this.Totals.CostCoverage != nil && this.Totals.CostEvents < this.Totals.Events {
		p.CostShare = this.Totals.CostCoverage.Mul(decimal.NewFromInt(100)).Round(0).String() + "%"
	}
	if p.Counts, err = c.counts(r.ctx, month); err != nil {
		return err
	}
	if p.Chart, err = c.dailyChart(r.ctx, tomorrow, money); err != nil {
		return err
	}
	c.render(w, http.StatusOK, "home", p)
	return nil
}

// compare is a money figure against last month's.
func compare(name string, now, before rating.Decimal, money func(rating.Decimal) string, moreIsBetter bool, test string) figure {
	f := figure{Label: name, Value: money(now), Previous: money(before), Test: test}
	if before.IsPositive() {
		pct := now.Sub(before).Div(before).Mul(decimal.NewFromInt(100)).Round(0)
		f.Change = pct.String() + "%"
		if pct.IsPositive() {
			f.Change = "+" + f.Change
		}
		f.Up = pct.IsPositive() == moreIsBetter && !pct.IsZero()
	}
	return f
}

// counts are the home page's counts: billing's, and the failed webhook
// deliveries.
func (c *Console) counts(ctx context.Context, month time.Time) ([]figure, error) {
	f, err := c.svc.Overview.Figures(ctx, month)
	if err != nil {
		return nil, err
	}
	events := count(f.EventsLastMinute)
	if f.EventsLastMinute >= billing.MaxCountedEvents {
		events += "+"
	}
	out := []figure{
		{Label: "Customers billed this month", Value: count(f.ActiveCustomers), Test: "active-customers"},
		{Label: "Events in the last minute", Value: events, Test: "events-per-minute"},
		{Label: "Wallets below their threshold", Value: count(f.WalletsBelowThreshold), Test: "below-threshold"},
		{Label: "Plans past due", Value: count(f.PastDuePlans), Test: "past-due"},
	}
	if c.hooks != nil {
		failed, more, err := c.failedDeliveries(ctx)
		if err != nil {
			return nil, err
		}
		v := count(int64(failed))
		if more {
			v += "+"
		}
		out = append(out, figure{Label: "Failed webhook deliveries", Value: v, Test: "failed-deliveries"})
	}
	return out, nil
}

// failedDeliveries counts the failed deliveries of the caller's endpoints,
// up to 100 each (more says some endpoint has more).
func (c *Console) failedDeliveries(ctx context.Context) (n int, more bool, err error) {
	eps, err := c.hooks.ListEndpoints(ctx)
	if err != nil {
		return 0, false, err
	}
	for _, ep := range eps {
		ds, next, err := c.hooks.ListDeliveries(ctx, webhooks.ListDeliveriesInput{EndpointID: ep.ID, Status: webhooks.DeliveryFailed, Limit: 100})
		if err != nil {
			return 0, false, err
		}
		n += len(ds)
		more = more || next != ""
	}
	return n, more, nil
}

// dailyChart draws revenue and cost per day over the last chartDays days.
func (c *Console) dailyChart(ctx context.Context, tomorrow time.Time, money func(rating.Decimal) string) (chart, error) {
	from := tomorrow.AddDate(0, 0, -chartDays)
	rep, err := c.prof.Profitability(ctx, profitability.Input{From: from, To: tomorrow, GroupBy: []string{profitability.GroupDay}, Limit: chartDays,
		Sort: profitability.SortEvents})
	if err != nil {
		return chart{}, err
	}
	byDay := map[string]profitability.Row{}
	for _, row := range rep.Rows {
		byDay[row.Group[0].Value] = row
	}
	days := make([]time.Time, chartDays)
	rev, cost := make([]rating.Decimal, chartDays), make([]rating.Decimal, chartDays)
	for i := range days {
		days[i] = from.AddDate(0, 0, i)
		row := byDay[days[i].Format(time.DateOnly)]
		rev[i], cost[i] = row.Revenue, row.Cost
	}
	title := money(rep.Totals.Revenue) + " revenue and " + money(rep.Totals.Cost) + " cost in the last 30 days"
	return barChart(days, []series{{Name: "Revenue", Class: "bar", Values: rev}, {Name: "Cost", Class: "bar cost", Values: cost}}, money, title), nil
}
