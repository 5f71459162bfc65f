package profitability

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Profitability sets revenue against cost for the events Tollgate billed, in
// the account's reporting currency. The rules, applied to each event:
//
//   - Conversion: every amount is converted at the rate in force at the
//     event's occurred_at (1 asset = rate reporting currency, as added with
//     AddAssetRate; an asset is worth 1 of itself). Conversions multiply,
//     so they are exact.
//   - Billed: the event's fees at that rate, whatever paid for them.
//   - Revenue: what the fees earned in money, from the wallet entries that
//     paid them (the lots a fee burned, in burn order). Value taken from a
//     paid lot earns the lot's revenue basis pro rata: take × revenue_basis /
//     lot amount, by Divide (rounded once, to AccrualScale places: the one
//     rounding besides margin %), converted from the basis currency.
//     Value taken from a promotion lot earns 0 and is reported as Promotional;
//     from a bundled lot (a subscription's allowance, whose money is the
//     subscription fee, not the event) it earns 0 and is reported as
//     Bundled. Value the wallet could not cover (debt) earns its billed
//     value: the customer owes it.
//   - Cost: the event's costs converted the same way. Costs not sent (null)
//     are unknown, never zero; so is a cost in a unit with no rate into the
//     reporting currency in force at occurred_at. An event with an unknown
//     cost is left out of Cost and Margin and counted in CostCoverage.
//   - An event with a fee in an asset without such a rate (or a revenue basis
//     in such a currency) has unknown revenue: it is left out of Revenue,
//     Billed, Promotional, Bundled and Margin and counted in UnvaluedEvents.
//   - Margin is revenue minus cost over the events where both are known;
//     MarginPct is margin / that revenue × 100, rounded half away from zero
//     to 2 places (Accrue's rule).
//   - An event priced by several products counts once, its cost with the
//     product created first (lowest id); each product gets the revenue of its
//     own fees. An event without fees has product "" and version 0.
//   - Dimensions are event data keys, read as rating reads them (text; a
//     number by its text): the dimensions of every dimensional price in the
//     account's catalog plus the keys set with SetProfitabilityDimensions.
//
// Days, weeks (starting Monday) and months are UTC. Answers come from rollups
// that every query first brings up to date, so they include every event
// committed before the query.

// Group keys of profitability and repricing reports.
const (
	GroupCustomer  = "customer"
	GroupProduct   = "product"
	GroupVersion   = "version"
	GroupEventType = "event_type"
	GroupDay       = "day"
	GroupWeek      = "week"
	GroupMonth     = "month"
	// GroupDimension prefixes a data key: "dimension:model".
	GroupDimension = "dimension:"
)

// Sort orders of a profitability report.
const (
	SortRevenue   = "revenue"
	SortBilled    = "billed"
	SortCost      = "cost"
	SortMargin    = "margin"
	SortMarginPct = "margin_pct"
	SortEvents    = "events"
)

const (
	defaultProfitLimit = 50
	maxProfitLimit     = 1000
	maxGroupKeys       = 4
	maxDimensionKeys   = 16
	defaultProfitDays  = 30
)

// Input asks for profitability over [From, To), grouped, filtered
// and sorted.
type Input struct {
	// From and To are UTC midnights (the rollups are daily). Zero To: the
	// start of tomorrow, so today is included; zero From: 30 days before To.
	From, To time.Time
	// GroupBy lists up to 4 keys: customer, product, version, event_type,
	// dimension:<key>, and one of day, week, month. Empty: one row, the total.
	GroupBy []string
	Filters Filters
	// Sort is revenue (default), billed, cost, margin, margin_pct or events;
	// Order is desc (default) or asc. Ties are ordered by the group values.
	// Rows without a margin % come last either way.
	Sort  string
	Order string
	Limit int // 1 to 1000; 0: 50
	// Cursor is NextCursor of the previous page of the same query.
	Cursor string
}

// Filters keeps only the events that match every filter set.
type Filters struct {
	Customer   string            // id or external_id
	Product    string            // id or code
	EventType  string            //
	Dimensions map[string]string // data key → value; "" matches a missing value
}

// GroupValue is one key of a row's group: Value is what filters take (an id,
// a date), Label what a person reads (external_id, product code).
type GroupValue struct {
	Key   string
	Value string
	Label string
}

// Metrics are the figures of a row or of the totals, in the
// reporting currency, exact.
type Metrics struct {
	Events      int64
	Revenue     rating.Decimal
	Billed      rating.Decimal
	Promotional rating.Decimal
	Bundled     rating.Decimal
	Cost        rating.Decimal
	Margin      rating.Decimal
	// MarginPct is nil when the events with known cost earned nothing.
	MarginPct *rating.Decimal
	// CostEvents counts the events whose cost is known; CostCoverage is
	// CostEvents / Events rounded to 4 places (nil without events).
	CostEvents   int64
	CostCoverage *rating.Decimal
	// UnvaluedEvents counts events whose fees had no rate into the
	// reporting currency.
	UnvaluedEvents int64
}

// Row is one group.
type Row struct {
	Group []GroupValue
	Metrics
}

// Report is a page of rows with the totals of the whole query.
type Report struct {
	Currency   string
	From, To   time.Time
	GroupBy    []string
	Dimensions []string // the data keys dimension:<key> accepts
	Rows       []Row
	Totals     Metrics
	HasMore    bool
	NextCursor string
}

// Profitability reports revenue, cost and margin per group for a period. It
// first folds the events recorded since the last query into the rollups, then
// answers from them. Returns EInvalid, ENotFound (a filter's customer or
// product).
func (s *Service) Profitability(ctx context.Context, in Input) (Report, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return Report{}, err
	}
	q, err := s.profitQuery(ctx, c, in)
	if err != nil {
		return Report{}, err
	}
	st, err := s.foldProfitability(ctx, c)
	if err != nil {
		return Report{}, err
	}
	if err := q.checkDimensions(st.dims); err != nil {
		return Report{}, err
	}
	rows, err := queryRollups(ctx, s.pool, c, q)
	if err != nil {
		return Report{}, err
	}
	return s.profitReport(ctx, c, q, st.currency, st.dims, rows)
}

// RecomputeProfitability answers like Profitability straight from the events,
// fees and ledger, without the rollups. It reads every event of the period, so
// it is slow; tests and audits use it to check the rollups.
func (s *Service) RecomputeProfitability(ctx context.Context, in Input) (Report, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return Report{}, err
	}
	q, err := s.profitQuery(ctx, c, in)
	if err != nil {
		return Report{}, err
	}
	currency, err := reportingCurrency(ctx, s.pool, c)
	if err != nil {
		return Report{}, err
	}
	dims, err := effectiveDimensions(ctx, s.pool, c)
	if err != nil {
		return Report{}, err
	}
	if err := q.checkDimensions(dims); err != nil {
		return Report{}, err
	}
	rb, err := loadRateBook(ctx, s.pool, c, currency)
	if err != nil {
		return Report{}, err
	}
	groups := map[string]*groupRow{}
	sel := eventSelector{kind: selectRange, from: q.from, to: q.to}
	err = scanEvents(ctx, s.pool, c, dims, sel, func(evs []*rawEvent, pieces map[string][]rawPiece) error {
		for _, ev := range evs {
			if q.customerID != "" && ev.customerID != q.customerID || q.eventType != "" && ev.eventType != q.eventType || !q.dimsMatch(ev.dims) {
				continue
			}
			v := valueEvent(ev, pieces, rb)
			for _, ct := range v.contributions() {
				if q.productID != "" && ct.productID != q.productID {
					continue
				}
				vals := make([]string, len(q.keys))
				for i, k := range q.keys {
					vals[i] = k.rawValue(ev, ct.productID, ct.version)
				}
				id := strings.Join(vals, "\x00")
				g := groups[id]
				if g == nil {
					g = &groupRow{vals: vals}
					groups[id] = g
				}
				g.s.add(ct.s)
			}
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	rows := make([]groupRow, 0, len(groups))
	for _, g := range groups {
		rows = append(rows, *g)
	}
	return s.profitReport(ctx, c, q, currency, dims, rows)
}

// ProfitabilityDimensions returns the data keys profitability groups and
// filters by: the dimensions of the catalog's dimensional prices and the keys
// set with SetProfitabilityDimensions, sorted.
func (s *Service) ProfitabilityDimensions(ctx context.Context) ([]string, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	return effectiveDimensions(ctx, s.pool, c)
}

var dimensionKeyRE = regexp.MustCompile(`^[A-Za-z0-9_.:/-]{1,64}$`)

// SetProfitabilityDimensions replaces the account's own dimension keys (those
// beyond the dimensional prices' own) and returns the full set. The next
// profitability query rebuilds the rollups when the set changed, which reads
// every event once. Returns EInvalid.
func (s *Service) SetProfitabilityDimensions(ctx context.Context, keys []string) ([]string, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if len(keys) > maxDimensionKeys {
		return nil, kernel.Invalidf("dimensions", "at most %d dimension keys; got %d", maxDimensionKeys, len(keys))
	}
	clean := make([]string, 0, len(keys))
	for i, k := range keys {
		if !dimensionKeyRE.MatchString(k) {
			return nil, kernel.Invalidf(fmt.Sprintf("dimensions[%d]", i), "dimension %q is not a data key Tollgate can group by: use 1-64 letters, digits, '_', '.', ':', '/' or '-', such as \"model\"", k)
		}
		if !slices.Contains(clean, k) {
			clean = append(clean, k)
		}
	}
	if err := billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error { return replaceDimensions(ctx, tx, c, clean, s.clock()) }); err != nil {
		return nil, err
	}
	return effectiveDimensions(ctx, s.pool, c)
}

// profitQuery is a validated Input with its references resolved.
type profitQuery struct {
	from, to   time.Time
	keys       []groupKey
	groupBy    []string
	customerID string
	productID  string
	eventType  string
	dimFilter  map[string]string
	sort       string
	desc       bool
	limit      int
	cursor     *profitCursor
	print      string
}

func (s *Service) profitQuery(ctx context.Context, c billing.Caller, in Input) (profitQuery, error) {
	q := profitQuery{eventType: in.Filters.EventType, dimFilter: in.Filters.Dimensions, sort: in.Sort, desc: true, limit: in.Limit}
	var err error
	if q.from, q.to, err = s.profitRange(in.From, in.To, true); err != nil {
		return q, err
	}
	if q.keys, err = parseGroupBy(in.GroupBy, true); err != nil {
		return q, err
	}
	for _, k := range q.keys {
		q.groupBy = append(q.groupBy, k.String())
	}
	switch q.sort {
	case "":
		q.sort = SortRevenue
	case SortRevenue, SortBilled, SortCost, SortMargin, SortMarginPct, SortEvents:
	default:
		return q, kernel.Invalidf("sort", "sort %q is not one of revenue, billed, cost, margin, margin_pct, events", in.Sort)
	}
	switch in.Order {
	case "", "desc":
	case "asc":
		q.desc = false
	default:
		return q, kernel.Invalidf("order", "order %q is not asc or desc", in.Order)
	}
	if q.limit == 0 {
		q.limit = defaultProfitLimit
	}
	if q.limit < 0 || q.limit > maxProfitLimit {
		return q, kernel.Invalidf("limit", "limit must be between 1 and %d; got %d", maxProfitLimit, in.Limit)
	}
	if in.Filters.Customer != "" {
		cus, err := s.lookup.Customers.GetCustomer(ctx, in.Filters.Customer)
		if err != nil {
			return q, err
		}
		q.customerID = cus.ID
	}
	if in.Filters.Product != "" {
		p, err := s.lookup.Catalog.GetProduct(ctx, in.Filters.Product)
		if err != nil {
			return q, err
		}
		q.productID = p.ID
	}
	q.print = fingerprint(q.from, q.to, q.groupBy, q.customerID, q.productID, q.eventType, q.dimFilter, q.sort, strconv.FormatBool(q.desc))
	if in.Cursor != "" {
		if q.cursor, err = decodeProfitCursor(in.Cursor, q.print, len(q.keys)); err != nil {
			return q, err
		}
	}
	return q, nil
}

// profitRange applies the defaults of From and To and, for reports kept per
// day, requires UTC midnights.
func (s *Service) profitRange(from, to time.Time, daily bool) (time.Time, time.Time, error) {
	from, to = from.UTC(), to.UTC()
	if to.IsZero() {
		to = utcDay(s.clock()).AddDate(0, 0, 1)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -defaultProfitDays)
	}
	if daily {
		for _, x := range []struct {
			field string
			t     time.Time
		}{{"from", from}, {"to", to}} {
			if !x.t.Equal(utcDay(x.t)) {
				return from, to, kernel.Invalidf(x.field, "%s %s is not a UTC midnight; profitability is kept per UTC day: send a date such as %s", x.field, x.t.Format(time.RFC3339Nano), utcDay(x.t).Format(time.RFC3339))
			}
		}
	}
	if !from.Before(to) {
		return from, to, kernel.Invalidf("from", "from (%s) must be before to (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

func utcDay(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// weekStart is the Monday that starts t's UTC week.
func weekStart(t time.Time) time.Time {
	d := utcDay(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func (q profitQuery) checkDimensions(dims []string) error {
	for _, k := range q.keys {
		if k.dim != "" && !slices.Contains(dims, k.dim) {
			return unknownDimension("group_by", k.dim, dims)
		}
	}
	for _, key := range sortedKeys(q.dimFilter) {
		if !slices.Contains(dims, key) {
			return unknownDimension("filters.dimensions", key, dims)
		}
	}
	return nil
}

func unknownDimension(field, key string, dims []string) error {
	known := "none yet"
	if len(dims) > 0 {
		known = strings.Join(dims, ", ")
	}
	return kernel.Invalidf(field, "%q is not a profitability dimension (dimensions: %s)", key, known).With(billing.ActSetDimensions)
}

func (q profitQuery) dimsMatch(dims map[string]string) bool {
	for k, v := range q.dimFilter {
		if dims[k] != v {
			return false
		}
	}
	return true
}

// byCustomer says whether the query needs the per-customer rollup rows.
func (q profitQuery) byCustomer() bool {
	if q.customerID != "" {
		return true
	}
	for _, k := range q.keys {
		if k.name == GroupCustomer {
			return true
		}
	}
	return false
}

// usesDimensions says whether the query groups or filters by a dimension.
func (q profitQuery) usesDimensions() bool {
	for _, k := range q.keys {
		if k.dim != "" {
			return true
		}
	}
	return len(q.dimFilter) > 0
}

// intervals splits [from, to) into the rollup rows that cover it: whole UTC
// months from the monthly rows (those without dimension values when by
// customer and no dimension is needed) and the days around them from the
// daily ones, or only daily rows when grouping by day or week.
func (q profitQuery) intervals() []rollupInterval {
	daily := false
	for _, k := range q.keys {
		daily = daily || k.name == GroupDay || k.name == GroupWeek
	}
	m1 := rating.PeriodStart(q.from)
	if m1.Before(q.from) {
		m1 = m1.AddDate(0, 1, 0)
	}
	m2 := rating.PeriodStart(q.to)
	if daily || !m1.Before(m2) {
		return []rollupInterval{{grainDay, q.from, q.to}}
	}
	monthly := grainMonth
	if q.byCustomer() && !q.usesDimensions() {
		monthly = grainMonthNoDims
	}
	var out []rollupInterval
	if q.from.Before(m1) {
		out = append(out, rollupInterval{grainDay, q.from, m1})
	}
	out = append(out, rollupInterval{monthly, m1, m2})
	if m2.Before(q.to) {
		out = append(out, rollupInterval{grainDay, m2, q.to})
	}
	return out
}

// groupKey is a parsed GroupBy entry.
type groupKey struct {
	name string // one of the Group constants, GroupDimension for a dimension
	dim  string
}

func (k groupKey) String() string {
	if k.dim != "" {
		return GroupDimension + k.dim
	}
	return k.name
}

func parseGroupBy(keys []string, allowProduct bool) ([]groupKey, error) {
	if len(keys) > maxGroupKeys {
		return nil, kernel.Invalidf("group_by", "group_by takes at most %d keys; got %d", maxGroupKeys, len(keys))
	}
	var out []groupKey
	timeKeys := 0
	for i, raw := range keys {
		field := fmt.Sprintf("group_by[%d]", i)
		var k groupKey
		switch {
		case strings.HasPrefix(raw, GroupDimension):
			k = groupKey{name: GroupDimension, dim: strings.TrimPrefix(raw, GroupDimension)}
			if k.dim == "" || len(k.dim) > 200 {
				return nil, kernel.Invalidf(field, "%q names no data key; write dimension:<key>, such as dimension:model", raw)
			}
		case raw == GroupProduct && !allowProduct:
			return nil, kernel.Invalidf(field, "a repricing is of one product; group by customer, version, event_type, dimension:<key>, day, week or month")
		case raw == GroupCustomer, raw == GroupProduct, raw == GroupVersion, raw == GroupEventType:
			k = groupKey{name: raw}
		case raw == GroupDay, raw == GroupWeek, raw == GroupMonth:
			k = groupKey{name: raw}
			timeKeys++
		default:
			return nil, kernel.Invalidf(field, "%q is not a group key; use customer, product, version, event_type, dimension:<key>, day, week or month", raw)
		}
		if slices.Contains(out, k) {
			return nil, kernel.Invalidf(field, "%q appears twice in group_by", raw)
		}
		out = append(out, k)
	}
	if timeKeys > 1 {
		return nil, kernel.Invalidf("group_by", "group by at most one of day, week and month")
	}
	return out, nil
}

// rawValue is the group value of an event's contribution, as the rollup
// query computes it in SQL.
func (k groupKey) rawValue(ev *rawEvent, productID string, version int) string {
	switch k.name {
	case GroupCustomer:
		return ev.customerID
	case GroupProduct:
		return productID
	case GroupVersion:
		return strconv.Itoa(version)
	case GroupEventType:
		return ev.eventType
	case GroupDay:
		return ev.occurredAt.UTC().Format(time.DateOnly)
	case GroupWeek:
		return weekStart(ev.occurredAt).Format(time.DateOnly)
	case GroupMonth:
		return ev.occurredAt.UTC().Format("2006-01")
	}
	return ev.dims[k.dim]
}

// sums are the additive figures behind Metrics.
type sums struct {
	events, revenueEvents, costEvents                                      int64
	revenue, billed, promotional, bundled, cost, marginRevenue, marginCost rating.Decimal
}

func (a *sums) add(b sums) {
	a.events += b.events
	a.revenueEvents += b.revenueEvents
	a.costEvents += b.costEvents
	a.revenue = a.revenue.Add(b.revenue)
	a.billed = a.billed.Add(b.billed)
	a.promotional = a.promotional.Add(b.promotional)
	a.bundled = a.bundled.Add(b.bundled)
	a.cost = a.cost.Add(b.cost)
	a.marginRevenue = a.marginRevenue.Add(b.marginRevenue)
	a.marginCost = a.marginCost.Add(b.marginCost)
}

var hundred = decimal.NewFromInt(100)

// ratio returns a/b rounded half away from zero to places (Accrue's rule,
// applied to the exact quotient), or nil when b is zero.
func ratio(a, b rating.Decimal, places int32) *rating.Decimal {
	if b.IsZero() {
		return nil
	}
	r := a.DivRound(b, places)
	return &r
}

func (a sums) metrics() Metrics {
	m := Metrics{Events: a.events, Revenue: a.revenue, Billed: a.billed, Promotional: a.promotional, Bundled: a.bundled,
		Cost: a.cost, Margin: a.marginRevenue.Sub(a.marginCost), CostEvents: a.costEvents, UnvaluedEvents: a.events - a.revenueEvents}
	m.MarginPct = ratio(m.Margin.Mul(hundred), a.marginRevenue, 2)
	m.CostCoverage = ratio(decimal.NewFromInt(a.costEvents), decimal.NewFromInt(a.events), 4)
	return m
}

func (m Metrics) sortValue(sort string) *rating.Decimal {
	var d rating.Decimal
	switch sort {
	case SortBilled:
		d = m.Billed
	case SortCost:
		d = m.Cost
	case SortMargin:
		d = m.Margin
	case SortMarginPct:
		return m.MarginPct
	case SortEvents:
		d = decimal.NewFromInt(m.Events)
	default:
		d = m.Revenue
	}
	return &d
}

// groupRow is one group's values (ids, dates) and sums.
type groupRow struct {
	vals []string
	s    sums
}

// compareRows orders rows by a sort value (nil last), then by group values.
func compareRows(av *rating.Decimal, a []string, bv *rating.Decimal, b []string, desc bool) int {
	switch {
	case av == nil && bv != nil:
		return 1
	case av != nil && bv == nil:
		return -1
	case av != nil:
		c := av.Cmp(*bv)
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return slices.Compare(a, b)
}

// profitReport sorts, pages and labels the groups of a query.
func (s *Service) profitReport(ctx context.Context, c billing.Caller, q profitQuery, currency string, dims []string, rows []groupRow) (Report, error) {
	r := Report{Currency: currency, From: q.from, To: q.to, GroupBy: q.groupBy, Dimensions: dims, Rows: []Row{}}
	var total sums
	type keyed struct {
		g groupRow
		m Metrics
		v *rating.Decimal
	}
	all := make([]keyed, 0, len(rows))
	for _, g := range rows {
		total.add(g.s)
		m := g.s.metrics()
		all = append(all, keyed{g, m, m.sortValue(q.sort)})
	}
	r.Totals = total.metrics()
	sort.Slice(all, func(i, j int) bool { return compareRows(all[i].v, all[i].g.vals, all[j].v, all[j].g.vals, q.desc) < 0 })
	start := 0
	if q.cursor != nil {
		start = sort.Search(len(all), func(i int) bool {
			return compareRows(q.cursor.Value, q.cursor.Keys, all[i].v, all[i].g.vals, q.desc) < 0
		})
	}
	page := all[start:]
	if len(page) > q.limit {
		page, r.HasMore = page[:q.limit], true
		last := page[len(page)-1]
		r.NextCursor = encodeProfitCursor(profitCursor{Print: q.print, Value: last.v, Keys: last.g.vals})
	}
	var customerIDs, productIDs []string
	for _, k := range page {
		for i, key := range q.keys {
			switch key.name {
			case GroupCustomer:
				customerIDs = append(customerIDs, k.g.vals[i])
			case GroupProduct:
				productIDs = append(productIDs, k.g.vals[i])
			}
		}
	}
	labels, err := profitLabels(ctx, s.pool, c, customerIDs, productIDs)
	if err != nil {
		return r, err
	}
	for _, k := range page {
		r.Rows = append(r.Rows, Row{Group: groupValues(q.keys, k.g.vals, labels), Metrics: k.m})
	}
	return r, nil
}

func groupValues(keys []groupKey, vals []string, labels map[string]string) []GroupValue {
	out := make([]GroupValue, len(keys))
	for i, k := range keys {
		label := vals[i]
		if l, ok := labels[vals[i]]; ok && (k.name == GroupCustomer || k.name == GroupProduct) {
			label = l
		}
		out[i] = GroupValue{Key: k.String(), Value: vals[i], Label: label}
	}
	return out
}

// profitCursor is a page boundary: the last row's sort value and group values,
// bound to the query that produced it.
type profitCursor struct {
	Print string          `json:"q"`
	Value *rating.Decimal `json:"v"`
	Keys  []string        `json:"k"`
}

const profitCursorPrefix = "pc_"

func encodeProfitCursor(c profitCursor) string {
	b, _ := json.Marshal(c)
	return profitCursorPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func decodeProfitCursor(s, print string, keys int) (*profitCursor, error) {
	bad := kernel.Invalidf("cursor", "cursor %q is not one this query returned; pass next_cursor from the previous page of the same query", s)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, profitCursorPrefix))
	if err != nil || !strings.HasPrefix(s, profitCursorPrefix) {
		return nil, bad
	}
	var c profitCursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Print != print || len(c.Keys) != keys {
		return nil, bad
	}
	return &c, nil
}

// fingerprint identifies a query, so a cursor is only used with its own.
func fingerprint(from, to time.Time, parts ...any) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	for _, p := range parts {
		switch x := p.(type) {
		case map[string]string:
			for _, k := range sortedKeys(x) {
				fmt.Fprintf(h, "|%q=%q", k, x[k])
			}
		default:
			fmt.Fprintf(h, "|%q", fmt.Sprint(x))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// rateBook holds the dated rates into one currency.
type rateBook struct {
	currency string
	rates    map[string][]datedRate // per asset, by effective_at ascending
}

type datedRate struct {
	at   time.Time
	rate rating.Decimal
}

// at returns the rate from asset into the book's currency in force at t.
func (b *rateBook) at(asset string, t time.Time) (rating.Decimal, bool) {
	if asset == b.currency {
		return rating.One, true
	}
	rs := b.rates[asset]
	i := sort.Search(len(rs), func(i int) bool { return rs[i].at.After(t) })
	if i == 0 {
		return rating.Decimal{}, false
	}
	return rs[i-1].rate, true
}

// rawEvent is an event as profitability reads it.
type rawEvent struct {
	seq        int64
	id         string
	customerID string
	eventType  string
	occurredAt time.Time
	dims       map[string]string // values of the dimension keys it has
	dimsJSON   string            // dims as canonical JSON, the rollup key
	costs      []rating.Cost     // nil: unknown
	fees       []rawFee
}

type rawFee struct {
	productID string
	version   int
	asset     string
	amount    rating.Decimal
	txn       string // the usage transaction that debited it; "" when nothing was debited
}

// rawPiece is one wallet entry of a usage transaction: value taken from a lot,
// or, without a lot, value the wallet owed (debt).
type rawPiece struct {
	take rating.Decimal
	lot  *rawLot
}

type rawLot struct {
	purpose       billing.LotPurpose
	amount        rating.Decimal
	basis         *rating.Decimal
	basisCurrency string
}

// productValue is what one product's fees of an event earned.
type productValue struct {
	productID                             string
	version                               int
	billed, revenue, promotional, bundled rating.Decimal
}

// eventValue is one event's profitability.
type eventValue struct {
	products     []productValue // by product id; the first carries the event and its cost
	revenueKnown bool
	costKnown    bool
	cost         rating.Decimal
	costs        []CostValue
	notes        []string // why a value is unknown
}

// CostValue is one cost of an event in its own unit and converted.
type CostValue struct {
	Vendor    string
	Amount    rating.Decimal
	Currency  string
	Rate      *rating.Decimal // nil: no rate in force at occurred_at
	Converted *rating.Decimal
}

// valueEvent applies the profitability rules to one event; pieces holds the
// wallet entries of usage transactions, by transaction id, in entry order.
func valueEvent(ev *rawEvent, pieces map[string][]rawPiece, rb *rateBook) eventValue {
	v := eventValue{revenueKnown: true}
	at := ev.occurredAt
	idx := map[string]int{}
	fees := slices.Clone(ev.fees)
	sort.SliceStable(fees, func(i, j int) bool { return fees[i].productID < fees[j].productID })
	for _, f := range fees {
		if _, ok := idx[f.productID]; !ok {
			idx[f.productID] = len(v.products)
			v.products = append(v.products, productValue{productID: f.productID, version: f.version})
		}
	}
	if len(v.products) == 0 {
		v.products = []productValue{{}}
	}
	assets := map[string]bool{}
	for _, f := range fees {
		assets[f.asset] = true
	}
	for _, asset := range sortedKeys(assets) {
		need := make([]rating.Decimal, len(v.products))
		total, txn := rating.Zero, ""
		for _, f := range fees {
			if f.asset == asset {
				need[idx[f.productID]] = need[idx[f.productID]].Add(f.amount)
				total = total.Add(f.amount)
				if txn == "" {
					txn = f.txn
				}
			}
		}
		if total.IsZero() {
			continue
		}
		rate, ok := rb.at(asset, at)
		if !ok {
			v.revenueKnown = false
			v.notes = append(v.notes, fmt.Sprintf("no rate from %s to %s in force at %s", asset, rb.currency, at.Format(time.RFC3339)))
			continue
		}
		ps := slices.Clone(pieces[txn])
		covered := rating.Zero
		for _, p := range ps {
			covered = covered.Add(p.take)
		}
		if covered.LessThan(total) {
			ps = append(ps, rawPiece{take: total.Sub(covered)})
		}
		// Products take the transaction's entries in burn order.
		pi := 0
		for i := range v.products {
			for n := need[i]; n.IsPositive() && pi < len(ps); {
				take := decMin(n, ps[pi].take)
				v.earn(&v.products[i], take, ps[pi].lot, rate, rb, at)
				n, ps[pi].take = n.Sub(take), ps[pi].take.Sub(take)
				if !ps[pi].take.IsPositive() {
					pi++
				}
			}
		}
	}
	v.cost, v.costKnown, v.costs, v.notes = rb.cost(ev.costs, at, v.notes)
	return v
}

// cost converts an event's costs (nil: unknown) at t; a cost in a unit
// without a rate makes the whole cost unknown. notes gets the reasons.
func (b *rateBook) cost(costs []rating.Cost, t time.Time, notes []string) (rating.Decimal, bool, []CostValue, []string) {
	if costs == nil {
		return rating.Zero, false, nil, append(notes, "the event was recorded without costs: its cost is unknown")
	}
	total, known := rating.Zero, true
	values := make([]CostValue, len(costs))
	for i, c := range costs {
		values[i] = CostValue{Vendor: c.Vendor, Amount: c.Amount, Currency: c.Currency}
		r, ok := b.at(c.Currency, t)
		if !ok {
			known = false
			notes = append(notes, fmt.Sprintf("cost from %s is in %s, which has no rate to %s in force at %s", c.Vendor, c.Currency, b.currency, t.Format(time.RFC3339)))
			continue
		}
		conv := c.Amount.Mul(r)
		values[i].Rate, values[i].Converted = &r, &conv
		total = total.Add(conv)
	}
	if !known {
		total = rating.Zero
	}
	return total, known, values, notes
}

// earn values take units of a fee paid from lot (nil: debt) at rate.
func (v *eventValue) earn(p *productValue, take rating.Decimal, lot *rawLot, rate rating.Decimal, rb *rateBook, at time.Time) {
	value := take.Mul(rate)
	p.billed = p.billed.Add(value)
	switch {
	case lot == nil:
		p.revenue = p.revenue.Add(value)
	case lot.purpose == billing.LotPromotion:
		p.promotional = p.promotional.Add(value)
	case lot.purpose == billing.LotBundled:
		p.bundled = p.bundled.Add(value)
	case lot.basis != nil && lot.amount.IsPositive():
		br, ok := rb.at(lot.basisCurrency, at)
		if !ok {
			v.revenueKnown = false
			v.notes = append(v.notes, fmt.Sprintf("a paid lot's revenue basis is in %s, which has no rate to %s in force at %s", lot.basisCurrency, rb.currency, at.Format(time.RFC3339)))
			return
		}
		share, _ := rating.Divide(take.Mul(*lot.basis), lot.amount)
		p.revenue = p.revenue.Add(share.Mul(br))
	}
}

// contribution is what one event adds to one product's rows.
type contribution struct {
	productID string
	version   int
	s         sums
}

func (v eventValue) contributions() []contribution {
	out := make([]contribution, len(v.products))
	for i, p := range v.products {
		ct := contribution{productID: p.productID, version: p.version}
		if i == 0 {
			ct.s.events = 1
			if v.costKnown {
				ct.s.costEvents, ct.s.cost = 1, v.cost
			}
			if v.revenueKnown {
				ct.s.revenueEvents = 1
			}
		}
		if v.revenueKnown {
			ct.s.revenue, ct.s.billed, ct.s.promotional, ct.s.bundled = p.revenue, p.billed, p.promotional, p.bundled
			if v.costKnown {
				ct.s.marginRevenue = p.revenue
				if i == 0 {
					ct.s.marginCost = v.cost
				}
			}
		}
		out[i] = ct
	}
	return out
}

// dimsOf reads the dimension keys' values from event data as rating reads
// them, and their canonical JSON.
func dimsOf(data map[string]any, keys []string) (map[string]string, string) {
	dims := map[string]string{}
	for _, k := range keys {
		if v, ok := rating.DimensionValue(data, k); ok {
			dims[k] = v
		}
	}
	b, _ := json.Marshal(dims) // sorted keys: one text per set of values
	return dims, string(b)
}

// EventFigures is one event's revenue and cost, with the costs in their
// own units.
type EventFigures struct {
	EventID     string
	CustomerID  string
	EventType   string
	OccurredAt  time.Time
	Currency    string
	Revenue     *rating.Decimal // nil: unknown (a fee without a rate)
	Billed      *rating.Decimal
	Promotional *rating.Decimal
	Bundled     *rating.Decimal
	Cost        *rating.Decimal // nil: unknown
	Margin      *rating.Decimal // nil unless both are known
	MarginPct   *rating.Decimal
	Products    []ProductFigures
	Costs       []CostValue
	Dimensions  map[string]string
	Notes       []string // why a value is unknown
}

// ProductFigures is what one product's fees of an event earned.
type ProductFigures struct {
	ProductID   string
	Version     int
	Billed      rating.Decimal
	Revenue     rating.Decimal
	Promotional rating.Decimal
	Bundled     rating.Decimal
}

// GetEventProfitability values one recorded event by the profitability rules,
// straight from its fees and ledger entries. Returns ENotFound.
func (s *Service) GetEventProfitability(ctx context.Context, id string) (EventFigures, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return EventFigures{}, err
	}
	currency, err := reportingCurrency(ctx, s.pool, c)
	if err != nil {
		return EventFigures{}, err
	}
	dims, err := effectiveDimensions(ctx, s.pool, c)
	if err != nil {
		return EventFigures{}, err
	}
	rb, err := loadRateBook(ctx, s.pool, c, currency)
	if err != nil {
		return EventFigures{}, err
	}
	var out *EventFigures
	err = scanEvents(ctx, s.pool, c, dims, eventSelector{kind: selectOne, id: id}, func(evs []*rawEvent, pieces map[string][]rawPiece) error {
		for _, ev := range evs {
			v := valueEvent(ev, pieces, rb)
			ep := EventFigures{EventID: ev.id, CustomerID: ev.customerID, EventType: ev.eventType, OccurredAt: ev.occurredAt.UTC(),
				Currency: currency, Costs: v.costs, Dimensions: ev.dims, Notes: v.notes}
			var total productValue
			for _, p := range v.products {
				if p.productID != "" {
					ep.Products = append(ep.Products, ProductFigures{ProductID: p.productID, Version: p.version, Billed: p.billed,
						Revenue: p.revenue, Promotional: p.promotional, Bundled: p.bundled})
				}
				total.revenue, total.billed = total.revenue.Add(p.revenue), total.billed.Add(p.billed)
				total.promotional, total.bundled = total.promotional.Add(p.promotional), total.bundled.Add(p.bundled)
			}
			if v.revenueKnown {
				ep.Revenue, ep.Billed, ep.Promotional, ep.Bundled = &total.revenue, &total.billed, &total.promotional, &total.bundled
			}
			if v.costKnown {
				ep.Cost = &v.cost
				if v.revenueKnown {
					m := total.revenue.Sub(v.cost)
					ep.Margin, ep.MarginPct = &m, ratio(m.Mul(hundred), total.revenue, 2)
				}
			}
			if ep.Costs == nil {
				ep.Costs = []CostValue{}
			}
			out = &ep
		}
		return nil
	})
	if err != nil {
		return EventFigures{}, err
	}
	if out == nil {
		return EventFigures{}, kernel.NotFoundf("id", "event %q not found in %s mode", id, c.Mode).With(billing.ActFindEvent)
	}
	return *out, nil
}
