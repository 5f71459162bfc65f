package wire

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/profitability"
)

// DateArg is a day or an instant a profitability query takes: a date such as
// "2026-11-01" (midnight UTC) or an RFC 3339 date-time.
type DateArg struct{ time.Time }

// ParseDate reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 date-time.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be a date such as \"2026-11-01\" (midnight UTC) or an RFC 3339 date-time such as \"2026-11-01T00:00:00Z\"; got %q", s)
	}
	return t.UTC(), nil
}

// UnmarshalJSON reads a date or an RFC 3339 date-time string.
func (d *DateArg) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("must be a date string such as \"2026-11-01\" or an RFC 3339 date-time; got %s", b)
	}
	t, err := ParseDate(s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// MarshalJSON writes the time as RFC 3339 in UTC.
func (d DateArg) MarshalJSON() ([]byte, error) { return json.Marshal(Time(d.Time)) }

// JSONSchema describes the argument for invopop/jsonschema.
func (DateArg) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: `^[0-9]{4}-[0-9]{2}-[0-9]{2}(T.+)?$`}
}

// Value returns the time, or the zero time for a nil argument.
func (d *DateArg) Value() time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

// ProfitabilityGroup is one key of a row's group.
type ProfitabilityGroup struct {
	Key   string `json:"key" jsonschema_description:"The group key: customer, product, version, event_type, dimension:<key>, day, week or month" jsonschema:"example=customer"`
	Value string `json:"value" jsonschema_description:"The value filters take: a Tollgate id for customer and product, a version number, a date (day: 2026-11-03; week: its Monday; month: 2026-11), a data value (empty when the event lacks the key)" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Label string `json:"label" jsonschema_description:"What a person reads: the customer's external_id, the product's code, otherwise the value" jsonschema:"example=user_123"`
}

// ProfitabilityMetrics are the figures of a row or of the totals, in the
// reporting currency, exact.
type ProfitabilityMetrics struct {
	Events         int64    `json:"events" jsonschema_description:"Events counted" jsonschema:"example=1200"`
	Revenue        Decimal  `json:"revenue" jsonschema_description:"What the fees earned in money: paid credit at its revenue basis, debt at its value; promotional and bundled value earn 0" jsonschema:"example=48.00"`
	Billed         Decimal  `json:"billed" jsonschema_description:"The fees at the exchange rate in force when each event occurred, whatever paid for them" jsonschema:"example=52.00"`
	Promotional    Decimal  `json:"promotional" jsonschema_description:"Billed value paid from promotion lots (gifts), which earns 0" jsonschema:"example=4.00"`
	Bundled        Decimal  `json:"bundled" jsonschema_description:"Billed value paid from a subscription's bundled allowance, which earns 0 here" jsonschema:"example=0"`
	Cost           Decimal  `json:"cost" jsonschema_description:"Vendor costs of the events whose cost is known (cost_events); unknown costs count as unknown, never 0" jsonschema:"example=30.00"`
	Margin         Decimal  `json:"margin" jsonschema_description:"Revenue minus cost over the events whose cost is known" jsonschema:"example=18.00"`
	MarginPct      *Decimal `json:"margin_pct" jsonschema_description:"margin / revenue of the events with known cost × 100, 2 places; null when they earned nothing"`
	CostEvents     int64    `json:"cost_events" jsonschema_description:"Events whose cost is known" jsonschema:"example=1100"`
	CostCoverage   *Decimal `json:"cost_coverage" jsonschema_description:"cost_events / events, 4 places (1 = every cost known); null without events"`
	UnvaluedEvents int64    `json:"unvalued_events" jsonschema_description:"Events left out of revenue because a fee's asset had no exchange rate into the reporting currency when they occurred" jsonschema:"example=0"`
}

// nullableDecimal makes a *Decimal property a decimal string or null.
func nullableDecimal(s *jsonschema.Schema, name, example string) {
	p, ok := s.Properties.Get(name)
	if !ok {
		panic("wire: no property " + name)
	}
	s.Properties.Set(name, &jsonschema.Schema{
		OneOf:       []*jsonschema.Schema{{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`}, {Type: "null"}},
		Description: p.Description + `; an exact decimal written as a string, such as "12.50"`,
		Examples:    []any{example},
	})
}

// JSONSchemaExtend marks margin_pct and cost_coverage nullable.
func (ProfitabilityMetrics) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableDecimal(s, "margin_pct", "37.5")
	nullableDecimal(s, "cost_coverage", "0.9167")
}

// FromProfitabilityMetrics maps domain metrics.
func FromProfitabilityMetrics(m profitability.Metrics) ProfitabilityMetrics {
	return ProfitabilityMetrics{Events: m.Events, Revenue: D(m.Revenue), Billed: D(m.Billed), Promotional: D(m.Promotional),
		Bundled: D(m.Bundled), Cost: D(m.Cost), Margin: D(m.Margin), MarginPct: DP(m.MarginPct), CostEvents: m.CostEvents,
		CostCoverage: DP(m.CostCoverage), UnvaluedEvents: m.UnvaluedEvents}
}

// ProfitabilityRow is one group and its figures.
type ProfitabilityRow struct {
	Group []ProfitabilityGroup `json:"group" jsonschema_description:"The row's value of each group_by key, in group_by order; empty when not grouped"`
	ProfitabilityMetrics
}

// ProfitabilityReport is a page of groups with the totals of the whole query.
type ProfitabilityReport struct {
	Currency   string               `json:"currency" jsonschema_description:"The reporting currency every amount is in" jsonschema:"example=USD"`
	From       string               `json:"from" jsonschema_description:"Start of the period, included (a UTC midnight)" jsonschema:"format=date-time,example=2026-11-01T00:00:00Z"`
	To         string               `json:"to" jsonschema_description:"End of the period, excluded (a UTC midnight)" jsonschema:"format=date-time,example=2026-12-01T00:00:00Z"`
	GroupBy    []string             `json:"group_by" jsonschema_description:"The group keys applied, such as [\"customer\", \"dimension:model\"]"`
	Dimensions []string             `json:"dimensions" jsonschema_description:"The data keys dimension:<key> can group and filter by: those of dimensional prices and those set with set_profitability_dimensions"`
	Rows       []ProfitabilityRow   `json:"rows" jsonschema_description:"This page of groups, in sort order"`
	Totals     ProfitabilityMetrics `json:"totals" jsonschema_description:"The figures of the whole query, every page together"`
	HasMore    bool                 `json:"has_more" jsonschema_description:"true when another page of rows follows" jsonschema:"example=false"`
	NextCursor *string              `json:"next_cursor" jsonschema_description:"Pass as cursor (with the same query) for the next page; null on the last page" jsonschema:"example=pc_eyJxIjoiYTEifQ"`
}

// FromProfitabilityReport maps a domain report.
func FromProfitabilityReport(r profitability.Report) ProfitabilityReport {
	out := ProfitabilityReport{Currency: r.Currency, From: Time(r.From), To: Time(r.To), GroupBy: nonNil(r.GroupBy), Dimensions: nonNil(r.Dimensions),
		Rows: make([]ProfitabilityRow, len(r.Rows)), Totals: FromProfitabilityMetrics(r.Totals), HasMore: r.HasMore, NextCursor: Cursor(r.NextCursor)}
	for i, row := range r.Rows {
		out.Rows[i] = ProfitabilityRow{Group: groups(row.Group), ProfitabilityMetrics: FromProfitabilityMetrics(row.Metrics)}
	}
	return out
}

func groups(in []profitability.GroupValue) []ProfitabilityGroup {
	out := make([]ProfitabilityGroup, len(in))
	for i, g := range in {
		out[i] = ProfitabilityGroup{Key: g.Key, Value: g.Value, Label: g.Label}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RepricingFigures compare, for a group or the totals, the product's actual
// fees with the proposed ones, in the reporting currency.
type RepricingFigures struct {
	Events            int64    `json:"events" jsonschema_description:"Events of the product counted" jsonschema:"example=1200"`
	ActualRevenue     Decimal  `json:"actual_revenue" jsonschema_description:"The fees actually charged, at the exchange rate in force when each event occurred" jsonschema:"example=48.00"`
	ProposedRevenue   Decimal  `json:"proposed_revenue" jsonschema_description:"The fees the proposed prices would have charged for the same events" jsonschema:"example=60.00"`
	Delta             Decimal  `json:"delta" jsonschema_description:"proposed_revenue − actual_revenue" jsonschema:"example=12.00"`
	ActualMargin      Decimal  `json:"actual_margin" jsonschema_description:"Actual revenue minus cost over the events whose cost is known" jsonschema:"example=18.00"`
	ProposedMargin    Decimal  `json:"proposed_margin" jsonschema_description:"Proposed revenue minus cost over the events whose cost is known" jsonschema:"example=30.00"`
	ActualMarginPct   *Decimal `json:"actual_margin_pct" jsonschema_description:"actual_margin / actual revenue of the events with known cost × 100, 2 places; null when that revenue is 0"`
	ProposedMarginPct *Decimal `json:"proposed_margin_pct" jsonschema_description:"proposed_margin / proposed revenue of the events with known cost × 100, 2 places; null when that revenue is 0"`
	CostEvents        int64    `json:"cost_events" jsonschema_description:"Events whose cost is known" jsonschema:"example=1100"`
	CostCoverage      *Decimal `json:"cost_coverage" jsonschema_description:"cost_events / events, 4 places; null without events"`
}

// JSONSchemaExtend marks the percentages and coverage nullable.
func (RepricingFigures) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableDecimal(s, "actual_margin_pct", "37.5")
	nullableDecimal(s, "proposed_margin_pct", "50")
	nullableDecimal(s, "cost_coverage", "0.9167")
}

// FromRepricingFigures maps a domain repricing row's figures.
func FromRepricingFigures(r profitability.RepricingRow) RepricingFigures {
	return RepricingFigures{Events: r.Events, ActualRevenue: D(r.ActualRevenue), ProposedRevenue: D(r.ProposedRevenue), Delta: D(r.Delta),
		ActualMargin: D(r.ActualMargin), ProposedMargin: D(r.ProposedMargin), ActualMarginPct: DP(r.ActualMarginPct),
		ProposedMarginPct: DP(r.ProposedMarginPct), CostEvents: r.CostEvents, CostCoverage: DP(r.CostCoverage)}
}

// RepricingRow is one group of a what-if.
type RepricingRow struct {
	Group []ProfitabilityGroup `json:"group" jsonschema_description:"The row's value of each group_by key, in group_by order; empty when not grouped"`
	RepricingFigures
}

// RepricingReport is a what-if: the product's real events of a period priced
// as they were and as proposed. Nothing was changed.
type RepricingReport struct {
	Currency    string           `json:"currency" jsonschema_description:"The reporting currency every amount is in" jsonschema:"example=USD"`
	ProductID   string           `json:"product_id" jsonschema_description:"The product repriced" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductCode string           `json:"product_code" jsonschema_description:"Its code" jsonschema:"example=image-generation"`
	Version     int              `json:"version" jsonschema_description:"The version applied; 0 for draft prices" jsonschema:"example=2"`
	From        string           `json:"from" jsonschema_description:"Start of the period, included" jsonschema:"format=date-time,example=2026-11-01T00:00:00Z"`
	To          string           `json:"to" jsonschema_description:"End of the period, excluded" jsonschema:"format=date-time,example=2026-12-01T00:00:00Z"`
	GroupBy     []string         `json:"group_by" jsonschema_description:"The group keys applied, such as [\"customer\"]"`
	Rows        []RepricingRow   `json:"rows" jsonschema_description:"This page of groups, ordered by their group values"`
	Totals      RepricingFigures `json:"totals" jsonschema_description:"The figures of the whole period, every page together"`
	Excluded    int64            `json:"excluded" jsonschema_description:"Events left out of both sides: the proposed prices could not rate them, or a fee had no exchange rate" jsonschema:"example=0"`
	Warnings    []string         `json:"warnings" jsonschema_description:"Up to 5 reasons events were excluded"`
	HasMore     bool             `json:"has_more" jsonschema_description:"true when another page of rows follows" jsonschema:"example=false"`
	NextCursor  *string          `json:"next_cursor" jsonschema_description:"Pass as cursor (with the same request) for the next page; null on the last page" jsonschema:"example=pc_eyJxIjoiYTEifQ"`
}

// FromRepricingReport maps a domain what-if.
func FromRepricingReport(r profitability.RepricingReport) RepricingReport {
	out := RepricingReport{Currency: r.Currency, ProductID: r.ProductID, ProductCode: r.ProductCode, Version: r.Version,
		From: Time(r.From), To: Time(r.To), GroupBy: nonNil(r.GroupBy), Rows: make([]RepricingRow, len(r.Rows)),
		Totals: FromRepricingFigures(r.Totals), Excluded: r.Excluded, Warnings: nonNil(r.Warnings), HasMore: r.HasMore, NextCursor: Cursor(r.NextCursor)}
	for i, row := range r.Rows {
		out.Rows[i] = RepricingRow{Group: groups(row.Group), RepricingFigures: FromRepricingFigures(row)}
	}
	return out
}

// RepricingRequest applies a published version, or draft prices, to the
// product's real events of a period.
type RepricingRequest struct {
	Product    string            `json:"product" jsonschema_description:"The product: its code or id" jsonschema:"example=image-generation"`
	Version    int               `json:"version,omitempty" jsonschema_description:"A published version to apply; send this or prices" jsonschema:"minimum=1,example=2"`
	Prices     []Price           `json:"prices,omitempty" jsonschema_description:"Draft prices to apply, validated like a new version's; send this or version"`
	From       *DateArg          `json:"from,omitempty" jsonschema_description:"Start of the period, included: a date (midnight UTC) or an RFC 3339 date-time; default 30 days before to" jsonschema:"example=2026-11-01"`
	To         *DateArg          `json:"to,omitempty" jsonschema_description:"End of the period, excluded; default the start of tomorrow (UTC)" jsonschema:"example=2026-12-01"`
	GroupBy    []string          `json:"group_by,omitempty" jsonschema_description:"Up to 4 of customer, version (the version that actually priced the event), event_type, dimension:<data key> and one of day, week, month; default one row, the total"`
	Customer   string            `json:"customer,omitempty" jsonschema_description:"Only this customer's events: id or external_id" jsonschema:"example=user_123"`
	Dimensions map[string]string `json:"dimensions,omitempty" jsonschema_description:"Only events whose data has these values, such as {\"model\": \"gpt-4o\"}"`
	Limit      int               `json:"limit,omitempty" jsonschema_description:"Rows per page, 1-1000; default 50" jsonschema:"minimum=1,maximum=1000,example=50"`
	Cursor     string            `json:"cursor,omitempty" jsonschema_description:"next_cursor of the previous page of the same request" jsonschema:"example=pc_eyJxIjoiYTEifQ"`
}

// ProfitabilityDimensions lists the data keys profitability groups and
// filters by.
type ProfitabilityDimensions struct {
	Dimensions []string `json:"dimensions" jsonschema_description:"The data keys dimension:<key> takes, sorted: those of the catalog's dimensional prices and those set here"`
}

// SetProfitabilityDimensionsRequest replaces the account's own dimension keys.
type SetProfitabilityDimensionsRequest struct {
	Dimensions []string `json:"dimensions" jsonschema_description:"Up to 16 event data keys to group by besides those of dimensional prices, such as [\"feature\"]; replaces the set given before ([] clears it)"`
}
