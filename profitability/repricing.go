package profitability

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// RepricingInput applies a product version, or draft prices, to the real
// events of [From, To) that the product charged.
type RepricingInput struct {
	Product string // id or code
	// Version is a published version to apply; 0 applies Prices, a draft
	// validated like a new version's prices. Set exactly one.
	Version int
	Prices  []rating.Price
	// From and To may be any instants. Zero To: the start of tomorrow (UTC);
	// zero From: 30 days before To.
	From, To time.Time
	// GroupBy takes customer, version (the version that actually priced the
	// event), event_type, dimension:<any data key>, and one of day, week,
	// month. Empty: one row, the total.
	GroupBy []string
	// Filters: Customer and Dimensions (any data key); the product is the
	// one repriced.
	Filters Filters
	Limit   int // 1 to 1000; 0: 50
	Cursor  string
}

// RepricingRow compares, for one group, the product's actual fees with the
// proposed ones. Revenues here are billed values (fees at the exchange rate
// in force at occurred_at), since proposed fees burn no lots; margins are
// over the events with a known cost (the event's whole cost).
type RepricingRow struct {
	Group             []GroupValue
	Events            int64
	ActualRevenue     rating.Decimal
	ProposedRevenue   rating.Decimal
	Delta             rating.Decimal // proposed − actual
	ActualMargin      rating.Decimal
	ProposedMargin    rating.Decimal
	ActualMarginPct   *rating.Decimal
	ProposedMarginPct *rating.Decimal
	CostEvents        int64
	CostCoverage      *rating.Decimal
}

// RepricingReport is a what-if: a page of groups in group order and the
// totals of the whole period.
type RepricingReport struct {
	Currency    string
	ProductID   string
	ProductCode string
	Version     int // 0: draft prices
	From, To    time.Time
	GroupBy     []string
	Rows        []RepricingRow
	Totals      RepricingRow
	// Excluded counts events left out of both sides: the proposed prices
	// could not rate them, or a fee had no exchange rate. Warnings gives up
	// to 5 of the reasons.
	Excluded   int64
	Warnings   []string
	HasMore    bool
	NextCursor string
}

// repricing sums of one group.
type repriceSums struct {
	events, costEvents                       int64
	actual, proposed                         rating.Decimal
	actualCosted, proposedCosted, costCosted rating.Decimal
}

func (a *repriceSums) add(b repriceSums) {
	a.events += b.events
	a.costEvents += b.costEvents
	a.actual, a.proposed = a.actual.Add(b.actual), a.proposed.Add(b.proposed)
	a.actualCosted, a.proposedCosted = a.actualCosted.Add(b.actualCosted), a.proposedCosted.Add(b.proposedCosted)
	a.costCosted = a.costCosted.Add(b.costCosted)
}

func (a repriceSums) row(group []GroupValue) RepricingRow {
	r := RepricingRow{Group: group, Events: a.events, ActualRevenue: a.actual, ProposedRevenue: a.proposed, Delta: a.proposed.Sub(a.actual),
		ActualMargin: a.actualCosted.Sub(a.costCosted), ProposedMargin: a.proposedCosted.Sub(a.costCosted), CostEvents: a.costEvents}
	r.ActualMarginPct = ratio(r.ActualMargin.Mul(hundred), a.actualCosted, 2)
	r.ProposedMarginPct = ratio(r.ProposedMargin.Mul(hundred), a.proposedCosted, 2)
	r.CostCoverage = ratio(decimal.NewFromInt(a.costEvents), decimal.NewFromInt(a.events), 4)
	return r
}

// SimulateRepricing re-rates the real events of a period that the product
// charged with a proposed version or draft prices, and reports per group the
// revenue and margin beside the actual ones. Nothing changes: no wallet,
// event or tier counter.
//
// Tiered prices replay cumulative usage per customer and price from zero at
// each tier period start (PeriodStart, the UTC month), in recording order
// (events.seq) — the order Tollgate's counters saw, so that a late event is
// priced with the usage recorded before it, as it was. The replay reads the
// whole periods around [From, To) but reports only the events inside it. With
// the version that priced every event of those periods, the proposed revenue
// equals the actual revenue (two events of one customer recorded in the same
// instant may have reached the counter in the other order; only then can a
// tier boundary fall differently). Returns EInvalid, ENotFound.
func (s *Service) SimulateRepricing(ctx context.Context, in RepricingInput) (RepricingReport, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return RepricingReport{}, err
	}
	q, err := s.repricingQuery(ctx, c, in)
	if err != nil {
		return RepricingReport{}, err
	}
	rp := newReplay(q)
	if err := scanProductEvents(ctx, s.pool, c, q.product.ID, q.customerID, q.lo, q.hi, rp.event); err != nil {
		return RepricingReport{}, err
	}
	return s.repricingPage(ctx, c, q, rp)
}

// repricingQuery is a validated RepricingInput with its references resolved
// and the replay window chosen.
type repricingQuery struct {
	from, to   time.Time
	keys       []groupKey
	groupBy    []string
	limit      int
	product    billing.ProductView
	version    int
	prices     []rating.Price
	byID       map[string]rating.Price
	precision  func(asset string) (int32, bool)
	customerID string
	dimFilter  map[string]string
	print      string
	cursor     *profitCursor
	currency   string
	rb         *rateBook
	// lo and hi bound the events replayed: [from, to) widened to whole tier
	// periods when a proposed price is tiered.
	lo, hi time.Time
}

// repricingQuery validates in and resolves what it names, in the order the
// errors are reported: range, group keys, filters, limit, product, prices,
// customer, cursor.
func (s *Service) repricingQuery(ctx context.Context, c billing.Caller, in RepricingInput) (repricingQuery, error) {
	q := repricingQuery{version: in.Version, dimFilter: in.Filters.Dimensions, limit: in.Limit}
	var err error
	if q.from, q.to, err = s.profitRange(in.From, in.To, false); err != nil {
		return q, err
	}
	if q.keys, err = parseGroupBy(in.GroupBy, false); err != nil {
		return q, err
	}
	if in.Filters.Product != "" || in.Filters.EventType != "" {
		return q, kernel.Invalidf("filters", "a repricing is of one product: filter by customer or dimensions only")
	}
	if q.limit == 0 {
		q.limit = defaultProfitLimit
	}
	if q.limit < 0 || q.limit > maxProfitLimit {
		return q, kernel.Invalidf("limit", "limit must be between 1 and %d; got %d", maxProfitLimit, in.Limit)
	}
	if q.product, err = s.lookup.Catalog.GetProduct(ctx, in.Product); err != nil {
		return q, err
	}
	if q.prices, q.precision, err = s.proposedPrices(ctx, q.product, in); err != nil {
		return q, err
	}
	if in.Filters.Customer != "" {
		cus, err := s.lookup.Customers.GetCustomer(ctx, in.Filters.Customer)
		if err != nil {
			return q, err
		}
		q.customerID = cus.ID
	}
	q.groupBy = make([]string, len(q.keys))
	for i, k := range q.keys {
		q.groupBy[i] = k.String()
	}
	q.print = fingerprint(q.from, q.to, q.product.ID, in.Version, fmt.Sprint(in.Prices), q.groupBy, q.customerID, in.Filters.Dimensions)
	if in.Cursor != "" {
		if q.cursor, err = decodeProfitCursor(in.Cursor, q.print, len(q.keys)); err != nil {
			return q, err
		}
	}
	if q.currency, err = reportingCurrency(ctx, s.pool, c); err != nil {
		return q, err
	}
	if q.rb, err = loadRateBook(ctx, s.pool, c, q.currency); err != nil {
		return q, err
	}
	q.window()
	return q, nil
}

// proposedPrices returns the prices to try, a published version's or the
// draft's (validated like a new version's, with ids draft_<i> where unset),
// and the asset precisions rating needs.
func (s *Service) proposedPrices(ctx context.Context, p billing.ProductView, in RepricingInput) ([]rating.Price, func(string) (int32, bool), error) {
	prec, err := s.precisions(ctx)
	if err != nil {
		return nil, nil, err
	}
	lookup := func(code string) (int32, bool) { x, ok := prec[code]; return x, ok }
	switch {
	case in.Version != 0 && len(in.Prices) > 0:
		return nil, nil, kernel.Invalidf("version", "set either version (a published version) or prices (a draft), not both")
	case in.Version != 0:
		i := slices.IndexFunc(p.Versions, func(v billing.ProductVersion) bool { return v.Version == in.Version })
		if i < 0 {
			return nil, nil, kernel.Invalidf("version", "product %s has no version %d", p.Code, in.Version).With(billing.ActFindVersion)
		}
		return p.Versions[i].Prices, lookup, nil
	case len(in.Prices) > 0:
		prices := slices.Clone(in.Prices)
		for i := range prices {
			if prices[i].ID == "" {
				prices[i].ID = fmt.Sprintf("draft_%d", i)
			}
		}
		if err := rating.ValidatePrices(prices, lookup); err != nil {
			return nil, nil, err
		}
		return prices, lookup, nil
	default:
		return nil, nil, kernel.Invalidf("version", "name the prices to try: version (a published version of %s) or prices (a draft)", p.Code)
	}
}

// window indexes the proposed prices and sets the replay window: whole tier
// periods when a proposed price is tiered.
func (q *repricingQuery) window() {
	q.lo, q.hi = q.from, q.to
	q.byID = map[string]rating.Price{}
	for _, pr := range q.prices {
		q.byID[pr.ID] = pr
		if pr.Model == rating.Tiered {
			q.lo = rating.PeriodStart(q.from)
			if q.hi = rating.PeriodStart(q.to); q.hi.Before(q.to) {
				q.hi = q.hi.AddDate(0, 1, 0)
			}
		}
	}
}

// counterKey names a replayed tier counter.
type counterKey struct {
	customer, price string
	period          time.Time
}

// repriceGroup is one group's values and sums.
type repriceGroup struct {
	vals []string
	s    repriceSums
}

// replay re-rates a product's events in recording order, keeping its own
// tier counters, and sums the events inside the query per group.
type replay struct {
	q        repricingQuery
	counters map[counterKey]rating.Decimal
	groups   map[string]*repriceGroup
	total    repriceSums
	excluded int64
	warnings []string
}

func newReplay(q repricingQuery) *replay {
	return &replay{q: q, counters: map[counterKey]rating.Decimal{}, groups: map[string]*repriceGroup{}, warnings: []string{}}
}

// warn counts an excluded event and keeps up to 5 distinct reasons.
func (rp *replay) warn(msg string) {
	rp.excluded++
	if len(rp.warnings) < 5 && !slices.Contains(rp.warnings, msg) {
		rp.warnings = append(rp.warnings, msg)
	}
}

// event replays one event the product charged: it always moves the
// counters, and is summed only when inside the period and the dimension
// filter.
func (rp *replay) event(ev *rawEvent, data map[string]any, version int) error {
	rated, rateErr := rp.rate(ev, data)
	if !rp.inside(ev, data) {
		return nil
	}
	if rateErr != nil {
		rp.warn(fmt.Sprintf("event %s: %s", ev.id, kernel.ErrorMessage(rateErr)))
		return nil
	}
	x, ok := rp.value(ev, rated)
	if !ok {
		return nil
	}
	vals := make([]string, len(rp.q.keys))
	for i, k := range rp.q.keys {
		if k.name == GroupDimension {
			vals[i], _ = rating.DimensionValue(data, k.dim)
		} else {
			vals[i] = k.rawValue(ev, rp.q.product.ID, version)
		}
	}
	id := strings.Join(vals, "\x00")
	g := rp.groups[id]
	if g == nil {
		g = &repriceGroup{vals: vals}
		rp.groups[id] = g
	}
	g.s.add(x)
	rp.total.add(x)
	return nil
}

// rate prices an event with the proposed prices, tiered ones from the
// replayed counters of its customer and period, and adds to those counters.
func (rp *replay) rate(ev *rawEvent, data map[string]any) ([]rating.RatedFee, error) {
	period := rating.PeriodStart(ev.occurredAt)
	prior := map[string]rating.Decimal{}
	for _, pr := range rp.q.prices {
		if pr.Model == rating.Tiered {
			prior[pr.ID] = rp.counters[counterKey{ev.customerID, pr.ID, period}]
		}
	}
	rated, err := rating.Rate(rp.q.prices, rating.RatingEvent{EventType: ev.eventType, Data: data, Costs: ev.costs}, prior, rp.q.precision)
	if err != nil {
		return nil, err
	}
	for _, f := range rated {
		if rp.q.byID[f.PriceID].Model == rating.Tiered {
			k := counterKey{ev.customerID, f.PriceID, period}
			rp.counters[k] = rp.counters[k].Add(f.Quantity)
		}
	}
	return rated, nil
}

// inside says whether an event is reported: in [from, to) and matching the
// dimension filter.
func (rp *replay) inside(ev *rawEvent, data map[string]any) bool {
	in := !ev.occurredAt.Before(rp.q.from) && ev.occurredAt.Before(rp.q.to)
	for k, want := range rp.q.dimFilter {
		if got, _ := rating.DimensionValue(data, k); got != want {
			in = false
		}
	}
	return in
}

// value converts an event's actual and proposed fees and its cost; false
// (with a warning) when a fee has no rate into the reporting currency.
func (rp *replay) value(ev *rawEvent, rated []rating.RatedFee) (repriceSums, bool) {
	x := repriceSums{events: 1}
	noRate := func(asset string) {
		rp.warn(fmt.Sprintf("no rate from %s to %s in force at %s", asset, rp.q.currency, ev.occurredAt.Format(time.RFC3339)))
	}
	for _, f := range ev.fees {
		rate, found := rp.q.rb.at(f.asset, ev.occurredAt)
		if !found {
			noRate(f.asset)
			return x, false
		}
		x.actual = x.actual.Add(f.amount.Mul(rate))
	}
	for _, f := range rated {
		rate, found := rp.q.rb.at(f.Asset, ev.occurredAt)
		if !found {
			noRate(f.Asset)
			return x, false
		}
		x.proposed = x.proposed.Add(f.Amount.Mul(rate))
	}
	if cost, known, _, _ := rp.q.rb.cost(ev.costs, ev.occurredAt, nil); known {
		x.costEvents = 1
		x.actualCosted, x.proposedCosted, x.costCosted = x.actual, x.proposed, cost
	}
	return x, true
}

// repricingPage pages the replayed groups in group order and labels them.
func (s *Service) repricingPage(ctx context.Context, c billing.Caller, q repricingQuery, rp *replay) (RepricingReport, error) {
	r := RepricingReport{Currency: q.currency, ProductID: q.product.ID, ProductCode: q.product.Code, Version: q.version, From: q.from, To: q.to,
		GroupBy: q.groupBy, Rows: []RepricingRow{}, Totals: rp.total.row(nil), Excluded: rp.excluded, Warnings: rp.warnings}
	ids := sortedKeys(rp.groups)
	start := 0
	if q.cursor != nil {
		start = sort.Search(len(ids), func(i int) bool { return slices.Compare(rp.groups[ids[i]].vals, q.cursor.Keys) > 0 })
	}
	ids = ids[start:]
	if len(ids) > q.limit {
		ids, r.HasMore = ids[:q.limit], true
		r.NextCursor = encodeProfitCursor(profitCursor{Print: q.print, Keys: rp.groups[ids[q.limit-1]].vals})
	}
	var customerIDs []string
	for _, id := range ids {
		for i, k := range q.keys {
			if k.name == GroupCustomer {
				customerIDs = append(customerIDs, rp.groups[id].vals[i])
			}
		}
	}
	labels, err := profitLabels(ctx, s.pool, c, customerIDs, nil)
	if err != nil {
		return RepricingReport{}, err
	}
	for _, id := range ids {
		g := rp.groups[id]
		r.Rows = append(r.Rows, g.s.row(groupValues(q.keys, g.vals, labels)))
	}
	return r, nil
}
