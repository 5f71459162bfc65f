package profitability_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
)

var (
	oct1 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	nov1 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	nov2 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	dec1 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

func usd(amount string) []rating.Cost {
	return []rating.Cost{{Vendor: "openai", Amount: dec(amount), Currency: "USD"}}
}

// setClock moves the test clock to at (backwards too).
func (e *env) setClock(at time.Time) { e.clock.Advance(at.Sub(e.clock.Now())) }

func (e *env) profit(t *testing.T, in profitability.Input) profitability.Report {
	t.Helper()
	r, err := e.prof.Profitability(e.ctx, in)
	if err != nil {
		t.Fatalf("Profitability(%+v) = %v", in, err)
	}
	return r
}

// rowsByGroup maps "label/label" to a row's metrics.
func rowsByGroup(r profitability.Report) map[string]profitability.Metrics {
	out := map[string]profitability.Metrics{}
	for _, row := range r.Rows {
		var labels []string
		for _, g := range row.Group {
			labels = append(labels, g.Label)
		}
		out[strings.Join(labels, "/")] = row.Metrics
	}
	return out
}

// wantMetrics compares metrics with decimals written as strings; "" for a nil
// margin % or coverage.
type wantM struct {
	events                                     int64
	revenue, billed, promotional, cost, margin string
	marginPct, coverage                        string
	costEvents                                 int64
}

func checkMetrics(t *testing.T, what string, got profitability.Metrics, want wantM) {
	t.Helper()
	opt := func(d *rating.Decimal) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	if got.Events != want.events || got.CostEvents != want.costEvents || !got.Revenue.Equal(dec(want.revenue)) || !got.Billed.Equal(dec(want.billed)) ||
		!got.Promotional.Equal(dec(want.promotional)) || !got.Cost.Equal(dec(want.cost)) || !got.Margin.Equal(dec(want.margin)) ||
		(want.marginPct == "") != (got.MarginPct == nil) || got.MarginPct != nil && !got.MarginPct.Equal(dec(want.marginPct)) ||
		(want.coverage == "") != (got.CostCoverage == nil) || got.CostCoverage != nil && !got.CostCoverage.Equal(dec(want.coverage)) {
		t.Errorf("%s = {events %d revenue %s billed %s promotional %s cost %s margin %s margin%% %s coverage %s cost events %d}, want %+v",
			what, got.Events, got.Revenue, got.Billed, got.Promotional, got.Cost, got.Margin, opt(got.MarginPct), opt(got.CostCoverage), got.CostEvents, want)
	}
}

// rulesEnv records a small, hand-computed set of events: USD, EUR with a rate
// that changes on Nov 2, credits bought for dollars, a gift, debt, a cost in
// a currency without a rate, missing costs and a late event.
func rulesEnv(t *testing.T) *env {
	e := newEnv(t)
	e.asset(t, "credits", 0)
	e.rate(t, "EUR", "USD", "1.10", oct1)
	e.rate(t, "EUR", "USD", "1.20", nov2)
	e.rate(t, "credits", "USD", "0.01", oct1)
	e.product(t, "chat", "chat", rating.Price{Name: "by model", Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"},
		Rates: []rating.DimensionRate{{Values: map[string]string{"model": "gpt"}, Amount: dec("0.10")},
			{Values: map[string]string{"model": "claude"}, Amount: dec("0.30")}, {Values: map[string]string{"model": "*"}, Amount: dec("0.20")}}})
	e.product(t, "images", "image", perUnit("EUR", "1.00"))
	e.product(t, "agent", "agent", perUnit("credits", "50"))
	for _, u := range []string{"u1", "u2", "u3", "u4", "eu"} {
		e.customer(t, u)
	}
	paid := dec("8.00")
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "t1", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10.00")})
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "g2", Kind: billing.AdjustGift, Customer: "u2", Asset: "USD", Amount: dec("0.25")})
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "t2", Kind: billing.AdjustTopUp, Customer: "u2", Asset: "USD", Amount: dec("5.00")})
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "t3", Kind: billing.AdjustTopUp, Customer: "u3", Asset: "credits", Amount: dec("1000"),
		PaidAmount: &paid, PaidCurrency: "USD"})
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "t4", Kind: billing.AdjustTopUp, Customer: "eu", Asset: "EUR", Amount: dec("10.00")})

	e.record(t, billing.UsageEventInput{ID: "c1", Customer: "u1", EventType: "chat", Data: data("model", "gpt"), Costs: usd("0.04")})
	e.record(t, billing.UsageEventInput{ID: "c2", Customer: "u2", EventType: "chat", Data: data("model", "claude"),
		Costs: []rating.Cost{{Vendor: "anthropic", Amount: dec("0.12"), Currency: "USD"}}})
	e.record(t, billing.UsageEventInput{ID: "c3", Customer: "u4", EventType: "chat", Data: data("model", "mistral")})
	e.record(t, billing.UsageEventInput{ID: "i1", Customer: "eu", EventType: "image", Costs: []rating.Cost{{Vendor: "replicate", Amount: dec("0.50"), Currency: "EUR"}}})
	e.record(t, billing.UsageEventInput{ID: "a1", Customer: "u3", EventType: "agent", Costs: usd("0.30")})
	e.record(t, billing.UsageEventInput{ID: "c4", Customer: "u1", EventType: "chat", Data: data("model", "gpt"),
		Costs: []rating.Cost{{Vendor: "openai", Amount: dec("0.05"), Currency: "GBP"}}})
	e.record(t, billing.UsageEventInput{ID: "l1", Customer: "u1", EventType: "chat", Data: data("model", "gpt"), Costs: usd("0.03"),
		OccurredAt: time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)})
	e.setClock(time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC))
	e.record(t, billing.UsageEventInput{ID: "i2", Customer: "eu", EventType: "image", OccurredAt: time.Date(2026, 11, 2, 13, 0, 0, 0, time.UTC),
		Costs: []rating.Cost{{Vendor: "replicate", Amount: dec("0.50"), Currency: "EUR"}}})
	return e
}

func TestProfitabilityRules(t *testing.T) {
	t.Parallel()
	e := rulesEnv(t)
	r := e.profit(t, profitability.Input{From: oct1, To: dec1, GroupBy: []string{"customer"}})
	if r.Currency != "USD" {
		t.Errorf("currency = %s, want USD", r.Currency)
	}
	rows := rowsByGroup(r)
	// u1: c1 and l1 paid from the top-up with known costs; c4's cost is in
	// GBP, which has no rate: unknown.
	checkMetrics(t, "u1", rows["u1"], wantM{events: 3, revenue: "0.30", billed: "0.30", promotional: "0", cost: "0.07", margin: "0.13", marginPct: "65", coverage: "0.6667", costEvents: 2})
	// u2: 0.25 of the 0.30 fee came from the gift (revenue 0), 0.05 from the top-up.
	checkMetrics(t, "u2", rows["u2"], wantM{events: 1, revenue: "0.05", billed: "0.30", promotional: "0.25", cost: "0.12", margin: "-0.07", marginPct: "-140", coverage: "1", costEvents: 1})
	// u4: no money, no cost sent: the fee is owed (revenue at its value), the cost unknown.
	checkMetrics(t, "u4", rows["u4"], wantM{events: 1, revenue: "0.20", billed: "0.20", promotional: "0", cost: "0", margin: "0", coverage: "0"})
	// eu: 1 EUR at 1.10 on Nov 1, at 1.20 on Nov 2; costs 0.50 EUR each.
	checkMetrics(t, "eu", rows["eu"], wantM{events: 2, revenue: "2.30", billed: "2.30", promotional: "0", cost: "1.15", margin: "1.15", marginPct: "50", coverage: "1", costEvents: 2})
	// u3: 50 credits of 1000 bought for 8.00 USD earn 0.40; billed at 0.01 each.
	checkMetrics(t, "u3", rows["u3"], wantM{events: 1, revenue: "0.40", billed: "0.50", promotional: "0", cost: "0.30", margin: "0.10", marginPct: "25", coverage: "1", costEvents: 1})
	checkMetrics(t, "totals", r.Totals, wantM{events: 8, revenue: "3.25", billed: "3.60", promotional: "0.25", cost: "1.64", margin: "1.31", marginPct: "44.41", coverage: "0.75", costEvents: 6})
	var order []string
	for _, row := range r.Rows {
		order = append(order, row.Group[0].Label)
	}
	if want := []string{"eu", "u3", "u1", "u4", "u2"}; !cmp.Equal(order, want) {
		t.Errorf("rows by revenue = %v, want %v", order, want)
	}

	t.Run("ByDimension", func(t *testing.T) {
		r := e.profit(t, profitability.Input{From: oct1, To: dec1, GroupBy: []string{"dimension:model"}, Sort: "events"})
		rows := rowsByGroup(r)
		checkMetrics(t, "gpt", rows["gpt"], wantM{events: 3, revenue: "0.30", billed: "0.30", promotional: "0", cost: "0.07", margin: "0.13", marginPct: "65", coverage: "0.6667", costEvents: 2})
		if rows[""].Events != 3 || rows["claude"].Events != 1 || rows["mistral"].Events != 1 {
			t.Errorf("events by model = %+v", rows)
		}
		if r.Rows[0].Group[0].Value != "" || r.Rows[1].Group[0].Value != "gpt" {
			t.Errorf("rows by events desc, ties by value = %v, %v", r.Rows[0].Group, r.Rows[1].Group)
		}
	})
	t.Run("ByDay", func(t *testing.T) {
		r := e.profit(t, profitability.Input{From: oct1, To: dec1, GroupBy: []string{"day"}, Sort: "revenue", Order: "asc"})
		rows := rowsByGroup(r)
		checkMetrics(t, "Oct 20", rows["2026-10-20"], wantM{events: 1, revenue: "0.10", billed: "0.10", promotional: "0", cost: "0.03", margin: "0.07", marginPct: "70", coverage: "1", costEvents: 1})
		checkMetrics(t, "Nov 2", rows["2026-11-02"], wantM{events: 1, revenue: "1.20", billed: "1.20", promotional: "0", cost: "0.60", margin: "0.60", marginPct: "50", coverage: "1", costEvents: 1})
		if len(r.Rows) != 3 || r.Rows[0].Group[0].Value != "2026-10-20" {
			t.Errorf("rows = %+v, want 3 days, the smallest revenue first", r.Rows)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		r := e.profit(t, profitability.Input{From: nov1, To: dec1, Filters: profitability.Filters{Product: "chat", Dimensions: map[string]string{"model": "gpt"}}})
		checkMetrics(t, "chat gpt in November", r.Totals, wantM{events: 2, revenue: "0.20", billed: "0.20", promotional: "0", cost: "0.04", margin: "0.06", marginPct: "60", coverage: "0.5", costEvents: 1})
		if len(r.Rows) != 1 || len(r.Rows[0].Group) != 0 {
			t.Errorf("rows without group_by = %+v, want one total row", r.Rows)
		}
		r = e.profit(t, profitability.Input{From: oct1, To: dec1, GroupBy: []string{"product"}, Filters: profitability.Filters{Customer: "eu", EventType: "image"}})
		if len(r.Rows) != 1 || r.Rows[0].Group[0].Label != "images" || r.Rows[0].Events != 2 {
			t.Errorf("eu's images = %+v", r.Rows)
		}
	})
	t.Run("Event", func(t *testing.T) {
		ep, err := e.prof.GetEventProfitability(e.ctx, "c2")
		if err != nil {
			t.Fatal(err)
		}
		wantDec(t, "c2 revenue", *ep.Revenue, "0.05")
		wantDec(t, "c2 promotional", *ep.Promotional, "0.25")
		wantDec(t, "c2 margin", *ep.Margin, "-0.07")
		ep, err = e.prof.GetEventProfitability(e.ctx, "c4")
		if err != nil {
			t.Fatal(err)
		}
		if ep.Cost != nil || ep.Margin != nil || len(ep.Costs) != 1 || ep.Costs[0].Converted != nil || !ep.Costs[0].Amount.Equal(dec("0.05")) || len(ep.Notes) == 0 {
			t.Errorf("c4 = %+v; want an unknown cost kept in GBP with a note", ep)
		}
		ep, err = e.prof.GetEventProfitability(e.ctx, "i2")
		if err != nil {
			t.Fatal(err)
		}
		wantDec(t, "i2 cost rate", *ep.Costs[0].Rate, "1.20")
		if _, err := e.prof.GetEventProfitability(e.ctx, "nope"); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("GetEventProfitability(nope) = %v, want not found", err)
		}
	})
	compareWithRecompute(t, e, oct1, dec1)
}

func TestProfitabilityBundledAndUnvalued(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "chat", "chat", perUnit("USD", "0.10"))
	e.product(t, "fax", "fax", perUnit("GBP", "1.00"))
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "b", Kind: billing.AdjustCorrection, Customer: "u1", Asset: "USD", Amount: dec("0.15"), Purpose: billing.LotBundled})
	e.record(t, billing.UsageEventInput{ID: "e1", Customer: "u1", EventType: "chat", Costs: usd("0.01")})
	e.record(t, billing.UsageEventInput{ID: "e2", Customer: "u1", EventType: "chat", Costs: usd("0.01")})
	e.record(t, billing.UsageEventInput{ID: "f1", Customer: "u1", EventType: "fax", Costs: usd("0.50")})
	r := e.profit(t, profitability.Input{From: nov1, To: dec1, GroupBy: []string{"product"}})
	rows := rowsByGroup(r)
	// e1 burns 0.10 of the allowance, e2 the last 0.05 and owes 0.05.
	chat := rows["chat"]
	checkMetrics(t, "chat", chat, wantM{events: 2, revenue: "0.05", billed: "0.20", promotional: "0", cost: "0.02", margin: "0.03", marginPct: "60", coverage: "1", costEvents: 2})
	wantDec(t, "chat bundled", chat.Bundled, "0.15")
	// GBP has no rate to USD: the fax's revenue is unknown, its cost known.
	fax := rows["fax"]
	checkMetrics(t, "fax", fax, wantM{events: 1, revenue: "0", billed: "0", promotional: "0", cost: "0.50", margin: "0", coverage: "1", costEvents: 1})
	if fax.UnvaluedEvents != 1 || r.Totals.UnvaluedEvents != 1 {
		t.Errorf("unvalued events = %d (fax), %d (total); want 1", fax.UnvaluedEvents, r.Totals.UnvaluedEvents)
	}
	compareWithRecompute(t, e, nov1, dec1)
}

// compareWithRecompute checks Profitability against RecomputeProfitability for
// every group key, pairs of keys, filters, sorts and pages.
func compareWithRecompute(t *testing.T, e *env, from, to time.Time) {
	t.Helper()
	dims, err := e.prof.ProfitabilityDimensions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"customer", "product", "version", "event_type", "day", "week", "month"}
	for _, d := range dims {
		keys = append(keys, "dimension:"+d)
	}
	var inputs []profitability.Input
	inputs = append(inputs, profitability.Input{From: from, To: to})
	for i, k := range keys {
		inputs = append(inputs, profitability.Input{From: from, To: to, GroupBy: []string{k}})
		for _, k2 := range keys[i+1:] {
			in := profitability.Input{From: from, To: to, GroupBy: []string{k, k2}, Sort: "margin"}
			if strings.Contains("day week month", k) && strings.Contains("day week month", k2) {
				continue
			}
			inputs = append(inputs, in)
		}
	}
	// Ranges that mix whole months with loose days.
	for _, r := range [][2]time.Time{{from.AddDate(0, 0, 3), to}, {from, to.AddDate(0, 0, -2)}, {from.AddDate(0, 0, 12), to.AddDate(0, 0, -12)}} {
		if r[0].Before(r[1]) {
			inputs = append(inputs, profitability.Input{From: r[0], To: r[1], GroupBy: []string{"customer"}},
				profitability.Input{From: r[0], To: r[1], GroupBy: []string{"product", "month"}})
		}
	}
	// Filters taken from the data itself.
	base, err := e.prof.RecomputeProfitability(e.ctx, profitability.Input{From: from, To: to, GroupBy: []string{"customer", "product", "event_type"}, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range base.Rows {
		f := profitability.Filters{Customer: row.Group[0].Value, Product: row.Group[1].Label, EventType: row.Group[2].Value}
		inputs = append(inputs, profitability.Input{From: from, To: to, GroupBy: []string{"day"}, Filters: profitability.Filters{Customer: f.Customer}},
			profitability.Input{From: from, To: to, GroupBy: []string{"customer"}, Filters: profitability.Filters{Product: f.Product}, Sort: "cost"},
			profitability.Input{From: from, To: to, GroupBy: []string{"week"}, Filters: f, Sort: "margin_pct", Order: "asc"})
	}
	for _, d := range dims {
		r, err := e.prof.RecomputeProfitability(e.ctx, profitability.Input{From: from, To: to, GroupBy: []string{"dimension:" + d}, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range r.Rows {
			inputs = append(inputs, profitability.Input{From: from, To: to, GroupBy: []string{"customer", "month"},
				Filters: profitability.Filters{Dimensions: map[string]string{d: row.Group[0].Value}}, Sort: "events"})
		}
	}
	for _, in := range inputs {
		in.Limit = 1000
		want, err := e.prof.RecomputeProfitability(e.ctx, in)
		if err != nil {
			t.Fatalf("RecomputeProfitability(%+v) = %v", in, err)
		}
		got := e.profit(t, in)
		if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
			t.Errorf("Profitability(%+v) differs from the recomputation (-want +got):\n%s", in, diff)
			continue
		}
		// Paging through a few rows at a time gives the same rows.
		in.Limit = max(2, len(want.Rows)/3)
		paged := []profitability.Row{}
		for page := 0; ; page++ {
			r := e.profit(t, in)
			paged = append(paged, r.Rows...)
			if !r.HasMore {
				break
			}
			if page > len(want.Rows) {
				t.Fatalf("Profitability(%+v) pages past %d rows", in, len(want.Rows))
			}
			in.Cursor = r.NextCursor
		}
		if diff := cmp.Diff(want.Rows, paged, decimalEqual); diff != "" {
			t.Errorf("Profitability(%+v) pages differ from one page (-want +got):\n%s", in, diff)
		}
	}
}

// randomEnv records n events over October and November for a few customers,
// with three versions of a product, tiers, dimensions, credits, gifts and
// every kind of cost.
func randomEnv(t *testing.T, seed uint64, n int) *env {
	t.Helper()
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	e.asset(t, "credits", 2)
	e.rate(t, "EUR", "USD", "1.08", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	e.rate(t, "EUR", "USD", "1.1234", time.Date(2026, 10, 17, 6, 0, 0, 0, time.UTC))
	e.rate(t, "credits", "USD", "0.012", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	if _, err := e.prof.SetProfitabilityDimensions(e.ctx, []string{"region"}); err != nil {
		t.Fatal(err)
	}
	upTo := dec("40")
	e.product(t, "chat", "chat", rating.Price{Name: "tokens", Model: rating.Tiered, Asset: "USD", Field: "tokens", TierMode: rating.TierGraduated,
		Tiers: []rating.Tier{{UpTo: &upTo, UnitAmount: dec("0.013"), FlatAmount: dec("0.10")}, {UnitAmount: dec("0.007")}}},
		rating.Price{Name: "model", Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"},
			Rates: []rating.DimensionRate{{Values: map[string]string{"model": "big"}, Amount: dec("0.05")}, {Values: map[string]string{"model": "*"}, Amount: dec("0.01")}}})
	e.product(t, "images", "image", perUnit("EUR", "0.37"))
	e.product(t, "agent", "agent", perUnit("credits", "3.33"))
	customers := []string{"a", "b", "c", "d", "e"}
	e.setClock(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	for i, u := range customers {
		e.customer(t, u)
		paid := dec("7.00")
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "top" + u, Kind: billing.AdjustTopUp, Customer: u, Asset: "USD", Amount: dec(fmt.Sprint(2 + 3*i))})
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "gift" + u, Kind: billing.AdjustGift, Customer: u, Asset: "USD", Amount: dec("1.50")})
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "eur" + u, Kind: billing.AdjustTopUp, Customer: u, Asset: "EUR", Amount: dec("3.00")})
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "cr" + u, Kind: billing.AdjustTopUp, Customer: u, Asset: "credits", Amount: dec("300"), PaidAmount: &paid, PaidCurrency: "USD"})
	}
	models, regions := []string{"big", "small", "tiny"}, []string{"eu", "us"}
	for i := range n {
		// Time runs forward with events up to 20 days late; chat gets a new
		// version twice, which a few customers move to.
		now := oct1.Add(time.Duration(float64(61*24*time.Hour) * float64(i) / float64(n)))
		e.setClock(now)
		if i == n/3 || i == 2*n/3 {
			v, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "chat", Prices: []rating.Price{
				{Name: "tokens", Model: rating.PerVolume, Asset: "USD", Field: "tokens", BlockSize: dec("1000"), BlockAmount: dec(fmt.Sprint(11 + i%7))}}})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range customers[:2+i%3] {
				if _, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: u, Product: "chat", Version: v.Version}); err != nil {
					t.Fatal(err)
				}
			}
		}
		at := now.Add(-time.Duration(rng.IntN(3*24)) * time.Hour)
		if rng.IntN(8) == 0 {
			at = now.Add(-time.Duration(rng.IntN(20*24)) * time.Hour)
		}
		in := billing.UsageEventInput{ID: fmt.Sprintf("ev%d", i), Customer: customers[rng.IntN(len(customers))], OccurredAt: at,
			Data: data("model", models[rng.IntN(3)], "tokens", fmt.Sprint(rng.IntN(900)))}
		if rng.IntN(3) > 0 {
			in.Data["region"] = regions[rng.IntN(2)]
		}
		switch rng.IntN(4) {
		case 0, 1:
			in.EventType = "chat"
		case 2:
			in.EventType = "image"
		default:
			in.EventType = "agent"
		}
		switch rng.IntN(5) {
		case 0: // unknown
		case 1:
			in.Costs = []rating.Cost{{Vendor: "v", Amount: dec(fmt.Sprintf("0.%03d", rng.IntN(1000))), Currency: "EUR"}}
		case 2:
			in.Costs = []rating.Cost{{Vendor: "v", Amount: dec("0.01"), Currency: "USD"}, {Vendor: "w", Amount: dec("0.02"), Currency: "credits"}}
		case 3:
			in.Costs = []rating.Cost{}
		default:
			in.Costs = usd(fmt.Sprintf("0.%04d", rng.IntN(10000)))
		}
		e.record(t, in)
	}
	e.setClock(time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	return e
}

func TestProfitabilityEqualsRecompute(t *testing.T) {
	t.Parallel()
	e := randomEnv(t, 7, 240)
	compareWithRecompute(t, e, oct1, dec1)

	t.Run("NewDimension", func(t *testing.T) {
		if _, err := e.prof.SetProfitabilityDimensions(e.ctx, []string{"region", "tokens"}); err != nil {
			t.Fatal(err)
		}
		compareWithRecompute(t, e, oct1, dec1)
	})
	t.Run("BackdatedRate", func(t *testing.T) {
		before := e.profit(t, profitability.Input{From: oct1, To: dec1})
		e.rate(t, "EUR", "USD", "1.50", time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC))
		after := e.profit(t, profitability.Input{From: oct1, To: dec1})
		if after.Totals.Billed.LessThanOrEqual(before.Totals.Billed) {
			t.Errorf("billed after a higher EUR rate from Nov 10 = %s, before %s; want more", after.Totals.Billed, before.Totals.Billed)
		}
		compareWithRecompute(t, e, oct1, dec1)
	})
	t.Run("LateEvents", func(t *testing.T) {
		e.setClock(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
		for i := range 10 {
			e.record(t, billing.UsageEventInput{ID: fmt.Sprintf("late%d", i), Customer: "c", EventType: "image", Costs: usd("0.05"),
				OccurredAt: time.Date(2026, 11, 5+i, 8, 0, 0, 0, time.UTC), Data: data("model", "small")})
		}
		compareWithRecompute(t, e, oct1, dec1)
	})
}

func TestProfitabilityWhileRecording(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "chat", "chat", rating.Price{Name: "tokens", Model: rating.PerVolume, Asset: "USD", Field: "tokens", BlockSize: dec("1000"), BlockAmount: dec("0.02")})
	const writers, each = 6, 40
	for w := range writers {
		e.customer(t, fmt.Sprintf("u%d", w))
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: fmt.Sprintf("t%d", w), Kind: billing.AdjustTopUp, Customer: fmt.Sprintf("u%d", w), Asset: "USD", Amount: dec("1.00")})
	}
	in := profitability.Input{From: nov1, To: nov2, GroupBy: []string{"customer"}}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ev := billing.UsageEventInput{ID: fmt.Sprintf("w%d-%d", w, i), Customer: fmt.Sprintf("u%d", w), EventType: "chat", Data: data("tokens", fmt.Sprint(100+i))}
				if i%3 > 0 {
					ev.Costs = usd("0.001")
				}
				if _, err := e.svc.RecordUsage(e.ctx, ev); err != nil {
					t.Errorf("RecordUsage = %v", err)
				}
				if i%10 == 0 { // a duplicate id: a sequence value that never commits
					e.svc.RecordUsage(e.ctx, ev)
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			var last int64
			for {
				select {
				case <-done:
					return
				default:
				}
				r, err := e.prof.Profitability(e.ctx, in)
				if err != nil {
					t.Errorf("Profitability = %v", err)
					return
				}
				if r.Totals.Events < last || r.Totals.Events > writers*each {
					t.Errorf("events = %d after %d; want a count that only grows, to at most %d", r.Totals.Events, last, writers*each)
				}
				last = r.Totals.Events
			}
		}()
	}
	wg.Wait()
	close(done)
	readers.Wait()
	got := e.profit(t, in)
	if got.Totals.Events != writers*each {
		t.Fatalf("events = %d, want %d", got.Totals.Events, writers*each)
	}
	want, err := e.prof.RecomputeProfitability(e.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("Profitability after concurrent recording differs from the recomputation (-want +got):\n%s", diff)
	}
}

func TestProfitabilityInvalid(t *testing.T) {
	t.Parallel()
	e := rulesEnv(t)
	for _, tt := range []struct {
		name  string
		in    profitability.Input
		code  string
		field string
	}{
		{"ErrNotMidnight", profitability.Input{From: t0, To: dec1}, kernel.EInvalid, "from"},
		{"ErrEmptyRange", profitability.Input{From: dec1, To: nov1}, kernel.EInvalid, "from"},
		{"ErrGroupKey", profitability.Input{GroupBy: []string{"colour"}}, kernel.EInvalid, "group_by[0]"},
		{"ErrTwoTimeKeys", profitability.Input{GroupBy: []string{"day", "month"}}, kernel.EInvalid, "group_by"},
		{"ErrRepeatedKey", profitability.Input{GroupBy: []string{"customer", "customer"}}, kernel.EInvalid, "group_by[1]"},
		{"ErrUnknownDimension", profitability.Input{GroupBy: []string{"dimension:region"}}, kernel.EInvalid, "group_by"},
		{"ErrUnknownDimensionFilter", profitability.Input{Filters: profitability.Filters{Dimensions: map[string]string{"region": "eu"}}}, kernel.EInvalid, "filters.dimensions"},
		{"ErrSort", profitability.Input{Sort: "profit"}, kernel.EInvalid, "sort"},
		{"ErrOrder", profitability.Input{Order: "up"}, kernel.EInvalid, "order"},
		{"ErrLimit", profitability.Input{Limit: 1001}, kernel.EInvalid, "limit"},
		{"ErrCursor", profitability.Input{Cursor: "pc_nope"}, kernel.EInvalid, "cursor"},
		{"ErrCustomer", profitability.Input{Filters: profitability.Filters{Customer: "nobody"}}, kernel.ENotFound, "customer"},
		{"ErrProduct", profitability.Input{Filters: profitability.Filters{Product: "nothing"}}, kernel.ENotFound, "product"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.prof.Profitability(e.ctx, tt.in)
			if kernel.ErrorCode(err) != tt.code || kernel.ErrorField(err) != tt.field {
				t.Errorf("Profitability(%+v) = %v (code %s, field %s), want code %s on %s", tt.in, err, kernel.ErrorCode(err), kernel.ErrorField(err), tt.code, tt.field)
			}
		})
	}
	t.Run("ErrCursorOfAnotherQuery", func(t *testing.T) {
		r := e.profit(t, profitability.Input{From: oct1, To: dec1, GroupBy: []string{"customer"}, Limit: 1})
		_, err := e.prof.Profitability(e.ctx, profitability.Input{From: oct1, To: dec1, GroupBy: []string{"product"}, Limit: 1, Cursor: r.NextCursor})
		wantCode(t, "cursor of another query", err, kernel.EInvalid)
	})
	t.Run("ErrDimensionKey", func(t *testing.T) {
		_, err := e.prof.SetProfitabilityDimensions(e.ctx, []string{"ok", "not ok"})
		wantCode(t, "SetProfitabilityDimensions(not ok)", err, kernel.EInvalid)
	})
	t.Run("DefaultRange", func(t *testing.T) {
		r := e.profit(t, profitability.Input{})
		if !r.To.Equal(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)) || !r.From.Equal(r.To.AddDate(0, 0, -30)) || r.Totals.Events != 8 {
			t.Errorf("default range = [%s, %s) with %d events; want the 30 days to tomorrow with 8", r.From, r.To, r.Totals.Events)
		}
	})
}

func TestSimulateRepricing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	upTo := dec("1000")
	e.product(t, "llm", "llm",
		rating.Price{Name: "tokens", Model: rating.Tiered, Asset: "USD", Field: "tokens", TierMode: rating.TierGraduated,
			Tiers: []rating.Tier{{UpTo: &upTo, UnitAmount: dec("0.002"), FlatAmount: dec("0.50")}, {UnitAmount: dec("0.001")}}},
		rating.Price{Name: "model", Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"},
			Rates: []rating.DimensionRate{{Values: map[string]string{"model": "big"}, Amount: dec("0.05")}, {Values: map[string]string{"model": "*"}, Amount: dec("0.01")}}})
	e.customer(t, "u1")
	e.customer(t, "u2")
	e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "t1", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("3.00")})
	// Recorded in this order; some occurred earlier than events recorded
	// before them, some in October. Tiers replay in recording order.
	events := []struct {
		id, customer, model, tokens string
		at                          time.Time
		cost                        string
	}{
		{"e1", "u1", "big", "600", t0, "0.40"},
		{"e2", "u1", "small", "600", t0.Add(-time.Hour), ""},
		{"e3", "u2", "big", "1500", t0.Add(-30 * time.Minute), "0.90"},
		{"e4", "u1", "big", "200", time.Date(2026, 10, 30, 10, 0, 0, 0, time.UTC), "0.10"},
		{"e5", "u1", "tiny", "900", time.Date(2026, 10, 31, 10, 0, 0, 0, time.UTC), ""},
		{"e6", "u2", "small", "50", t0.Add(-2 * time.Hour), "0.02"},
		{"e7", "u1", "big", "400", t0.Add(5 * time.Minute), "0.20"},
	}
	for _, ev := range events {
		in := billing.UsageEventInput{ID: ev.id, Customer: ev.customer, EventType: "llm", OccurredAt: ev.at, Data: data("model", ev.model, "tokens", ev.tokens)}
		if ev.cost != "" {
			in.Costs = usd(ev.cost)
		}
		if ev.at.After(e.clock.Now()) {
			e.setClock(ev.at)
		}
		e.record(t, in)
	}
	before := e.balance(t, "u1", "USD")
	sim, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "llm", Customer: "u1", Data: data("model", "big", "tokens", "10")})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("VersionInUse", func(t *testing.T) {
		for _, in := range []profitability.RepricingInput{
			{Product: "llm", Version: 1, From: oct1, To: dec1, GroupBy: []string{"customer"}},
			{Product: "llm", Version: 1, From: oct1, To: dec1, GroupBy: []string{"day", "dimension:model"}},
			{Product: "llm", Version: 1, From: t0.Add(-90 * time.Minute), To: t0.Add(time.Minute), GroupBy: []string{"version"}},
			{Product: "llm", Version: 1, From: oct1, To: dec1, Filters: profitability.Filters{Customer: "u1", Dimensions: map[string]string{"model": "big"}}},
		} {
			r, err := e.prof.SimulateRepricing(e.ctx, in)
			if err != nil {
				t.Fatalf("SimulateRepricing(%+v) = %v", in, err)
			}
			if r.Excluded != 0 || len(r.Rows) == 0 {
				t.Errorf("SimulateRepricing(%+v) excluded %d (%v), rows %d", in, r.Excluded, r.Warnings, len(r.Rows))
			}
			for _, row := range append(r.Rows, r.Totals) {
				if !row.ProposedRevenue.Equal(row.ActualRevenue) || !row.Delta.IsZero() || !row.ProposedMargin.Equal(row.ActualMargin) {
					t.Errorf("SimulateRepricing(%+v) row %v: actual %s, proposed %s; want equal", in, row.Group, row.ActualRevenue, row.ProposedRevenue)
				}
			}
		}
		// The actual side is what profitability reports as billed.
		r, err := e.prof.SimulateRepricing(e.ctx, profitability.RepricingInput{Product: "llm", Version: 1, From: oct1, To: dec1})
		if err != nil {
			t.Fatal(err)
		}
		p := e.profit(t, profitability.Input{From: oct1, To: dec1, Filters: profitability.Filters{Product: "llm"}})
		if !r.Totals.ActualRevenue.Equal(p.Totals.Billed) || r.Totals.Events != 7 {
			t.Errorf("what-if actual = %s over %d events, profitability billed = %s; want equal over 7", r.Totals.ActualRevenue, r.Totals.Events, p.Totals.Billed)
		}
	})

	t.Run("NewPrice", func(t *testing.T) {
		v2, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "llm", KeepDefault: true, Prices: []rating.Price{perUnit("USD", "0.20")}})
		if err != nil {
			t.Fatal(err)
		}
		actual, err := e.prof.SimulateRepricing(e.ctx, profitability.RepricingInput{Product: "llm", Version: 1, From: nov1, To: dec1, GroupBy: []string{"customer"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []profitability.RepricingInput{
			{Product: "llm", Version: v2.Version, From: nov1, To: dec1, GroupBy: []string{"customer"}},
			{Product: "llm", Prices: []rating.Price{perUnit("USD", "0.20")}, From: nov1, To: dec1, GroupBy: []string{"customer"}},
		} {
			r, err := e.prof.SimulateRepricing(e.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			// November: u1 has e1, e2, e7 (costs 0.40, 0.20 known); u2 has e3, e6 (0.90, 0.02).
			want := map[string][3]string{"u1": {"0.60", "-0.20", "1"}, "u2": {"0.40", "-0.52", "2"}}
			for i, row := range r.Rows {
				w := want[row.Group[0].Label]
				wantDec(t, row.Group[0].Label+" proposed", row.ProposedRevenue, w[0])
				wantDec(t, row.Group[0].Label+" proposed margin", row.ProposedMargin, w[1])
				wantDec(t, row.Group[0].Label+" actual", row.ActualRevenue, actual.Rows[i].ActualRevenue.String())
				wantDec(t, row.Group[0].Label+" delta", row.Delta, row.ProposedRevenue.Sub(actual.Rows[i].ActualRevenue).String())
			}
			wantDec(t, "total proposed", r.Totals.ProposedRevenue, "1.00")
		}
	})

	t.Run("Unrated", func(t *testing.T) {
		r, err := e.prof.SimulateRepricing(e.ctx, profitability.RepricingInput{Product: "llm", From: oct1, To: dec1, Prices: []rating.Price{
			{Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"}, Rates: []rating.DimensionRate{{Values: map[string]string{"model": "big"}, Amount: dec("1")}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Excluded != 3 || len(r.Warnings) == 0 || r.Totals.Events != 4 {
			t.Errorf("excluded = %d (%v), events %d; want the 3 events that are not big excluded, 4 kept", r.Excluded, r.Warnings, r.Totals.Events)
		}
		wantDec(t, "proposed for big", r.Totals.ProposedRevenue, "4")
	})

	t.Run("NothingChanged", func(t *testing.T) {
		after := e.balance(t, "u1", "USD")
		if !after.Total.Equal(before.Total) {
			t.Errorf("balance after what-ifs = %s, before %s", after.Total, before.Total)
		}
		again, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "llm", Version: 1, Customer: "u1", Data: data("model", "big", "tokens", "10")})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sim.Totals, again.Totals, decimalEqual); diff != "" {
			t.Errorf("tier counters moved (-before +after):\n%s", diff)
		}
		evs, err := e.svc.ListEvents(e.ctx, billing.ListEventsInput{Limit: 100})
		if err != nil || len(evs.Items) != len(events) {
			t.Errorf("events after what-ifs = %d, %v; want %d", len(evs.Items), err, len(events))
		}
	})

	t.Run("Errors", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			in    profitability.RepricingInput
			code  string
			field string
		}{
			{"ErrNoPrices", profitability.RepricingInput{Product: "llm"}, kernel.EInvalid, "version"},
			{"ErrBoth", profitability.RepricingInput{Product: "llm", Version: 1, Prices: []rating.Price{perUnit("USD", "1")}}, kernel.EInvalid, "version"},
			{"ErrNoVersion", profitability.RepricingInput{Product: "llm", Version: 9}, kernel.EInvalid, "version"},
			{"ErrBadDraft", profitability.RepricingInput{Product: "llm", Prices: []rating.Price{perUnit("XYZ", "1")}}, kernel.EInvalid, "prices[0].asset"},
			{"ErrProduct", profitability.RepricingInput{Product: "none", Version: 1}, kernel.ENotFound, "product"},
			{"ErrGroupByProduct", profitability.RepricingInput{Product: "llm", Version: 1, GroupBy: []string{"product"}}, kernel.EInvalid, "group_by[0]"},
			{"ErrFilterProduct", profitability.RepricingInput{Product: "llm", Version: 1, Filters: profitability.Filters{Product: "llm"}}, kernel.EInvalid, "filters"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.prof.SimulateRepricing(e.ctx, tt.in)
				if kernel.ErrorCode(err) != tt.code || kernel.ErrorField(err) != tt.field {
					t.Errorf("SimulateRepricing(%+v) = %v (code %s, field %s), want code %s on %s", tt.in, err, kernel.ErrorCode(err), kernel.ErrorField(err), tt.code, tt.field)
				}
			})
		}
	})

	t.Run("Pages", func(t *testing.T) {
		in := profitability.RepricingInput{Product: "llm", Version: 1, From: oct1, To: dec1, GroupBy: []string{"day", "customer"}, Limit: 2}
		var days []string
		for {
			r, err := e.prof.SimulateRepricing(e.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range r.Rows {
				days = append(days, row.Group[0].Value+"/"+row.Group[1].Label)
			}
			if !r.HasMore {
				break
			}
			in.Cursor = r.NextCursor
		}
		want := []string{"2026-10-30/u1", "2026-10-31/u1", "2026-11-01/u1", "2026-11-01/u2"}
		if !cmp.Equal(days, want) {
			t.Errorf("pages = %v, want %v", days, want)
		}
	})
}
