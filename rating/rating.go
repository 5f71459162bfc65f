package rating

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tollgatehq/tollgate/kernel"
)

// Cost is a vendor cost an event reports (e.g. what the model provider
// charged for the call), used by cost_plus prices.
type Cost struct {
	Vendor   string
	Amount   Decimal
	Currency string
}

// RatingEvent is the part of a usage event that rating reads.
type RatingEvent struct {
	EventType string
	// Data holds values as decoded by json.Decoder with UseNumber:
	// json.Number, string, bool, nil, map[string]any and []any.
	Data  map[string]any
	Costs []Cost
}

// RatedFee is what one price charges for one event.
type RatedFee struct {
	PriceID   string
	Asset     string
	Precision int32 // the asset's, for showing Amount
	// Quantity is the number of units counted against the price: the data
	// field's value, 1 for a per-event price, the cost for cost_plus. Tier
	// counters add it to the period's usage.
	Quantity Decimal
	// Amount is the fee, exact at AccrualScale (see Accrue).
	Amount Decimal
	// Breakdown explains the fee in one line, e.g.
	// "1,500 total_tokens × 1.25 per 1,000,000 = 0.001875 USD".
	Breakdown string
}

// PeriodStart returns the start of the period that tier counters cover for
// an event at t: midnight UTC on the first day of t's UTC calendar month.
// Cumulative usage for tiered prices restarts at every PeriodStart.
func PeriodStart(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Rate prices one event: one fee per price, in the order of prices, except
// recurring prices, which events never charge. Rate is pure and
// deterministic; it re-checks every price it charges with ValidatePrice so
// that a bad stored price is an error, never a panic or a wrong fee.
//
// prior holds the customer's usage so far in the period (see PeriodStart)
// per price ID; tiered prices read it, a missing entry is 0. precision
// reports an asset's decimal places.
//
// Every result is exact, except one that needs more than AccrualScale places
// (a division, or a product of many places), which Accrue rounds once.
// Fees are never rounded to the asset's precision: 0.004 USD charges 0.004.
//
// The models:
//
//   - per_unit: quantity 1, fee UnitAmount.
//   - per_volume: fee = q × BlockAmount / BlockSize with q = data[Field];
//     partial blocks are prorated, not rounded up.
//   - package: fee = ceil(q / BlockSize) × BlockAmount; 0 units cost 0.
//   - dimensional: each dimension's value is read as text. A rate matches
//     when each of its values equals the event's value (the same text, or
//     decimal numbers of the same value: 1 and 1.0 match) or is "*"; a missing, null,
//     object or array value is matched only by "*". Of the matching rates the
//     most specific (fewest "*") wins, and of equally specific ones the
//     earliest. The fee is the rate's Amount per event, or
//     q × Amount / BlockSize when the price has a Field.
//   - tiered: q = data[Field], or 1 when Field is empty; p = prior usage.
//     A tier with UpTo u after a tier with UpTo l covers cumulative usage in
//     (l, u]; the first tier starts above 0, the last has no end.
//     Graduated: fee = cost(p+q) − cost(p), where cost(x) sums, per tier,
//     the units of (0, x] inside the tier × its UnitAmount, plus the
//     FlatAmount of each tier whose lower bound x exceeds. So a tier's flat
//     amount is charged once, by the event that first takes usage above the
//     tier's lower bound (the first tier's by the first event with q > 0).
//     Volume: fee = q × UnitAmount of the tier p+q lands in. Earlier usage is
//     not re-priced when the total crosses into a cheaper tier: a real-time
//     debit cannot be un-charged, so volume tiers price each event at the
//     rate the running total has reached.
//   - cost_plus: cost = the sum of the event's costs from Vendor (all costs
//     when Vendor is empty), which must all be in the price's asset; fee =
//     cost × (1 + MarkupPercent/100) + MarkupFixed; quantity = cost. A missing
//     cost is an error: unknown is not zero.
//
// Quantities are json.Number, decimal strings, Go integers, or float64
// values that hold an exact integer of at most 2^53; never a float64 with a
// fraction. Missing, non-numeric and negative quantities are errors naming
// the data field ("data.total_tokens").
func Rate(prices []Price, ev RatingEvent, prior map[string]Decimal, precision func(asset string) (int32, bool)) ([]RatedFee, error) {
	fees := make([]RatedFee, 0, len(prices))
	for i, p := range prices {
		if p.Model == Recurring {
			continue
		}
		if err := validatePrice(fmt.Sprintf("prices[%d].", i), p, precision); err != nil {
			return nil, err
		}
		r, err := ratePrice(i, p, ev, prior[p.ID])
		if err != nil {
			return nil, err
		}
		amount := Accrue(r.amount)
		eq := "="
		if r.inexact || !amount.Equal(r.amount) {
			eq = "≈"
		}
		prec, _ := precision(p.Asset)
		fees = append(fees, RatedFee{
			PriceID:   p.ID,
			Asset:     p.Asset,
			Precision: prec,
			Quantity:  r.quantity,
			Amount:    amount,
			Breakdown: fmt.Sprintf("%s %s %s %s", r.detail, eq, grouped(amount), p.Asset),
		})
	}
	return fees, nil
}

// rated is one price's fee before Accrue.
type rated struct {
	quantity Decimal
	amount   Decimal
	// inexact says amount is a quotient Divide already rounded.
	inexact bool
	detail  string
}

// label names a price in messages: its name, else its ID, else its index.
func label(i int, p Price) string {
	switch {
	case p.Name != "":
		return strconv.Quote(p.Name)
	case p.ID != "":
		return strconv.Quote(p.ID)
	}
	return fmt.Sprintf("prices[%d]", i)
}

// ratePrice rates one valid, non-recurring price. i is its index, for
// messages.
func ratePrice(i int, p Price, ev RatingEvent, prior Decimal) (rated, error) {
	name := label(i, p)
	switch p.Model {
	case PerUnit:
		return rated{quantity: decimal.NewFromInt(1), amount: p.UnitAmount, detail: "1 event × " + grouped(p.UnitAmount)}, nil

	case PerVolume:
		q, err := quantity(name, p.Field, ev.Data)
		if err != nil {
			return rated{}, err
		}
		amount, inexact := Divide(q.Mul(p.BlockAmount), p.BlockSize)
		return rated{quantity: q, amount: amount, inexact: inexact,
			detail: fmt.Sprintf("%s %s × %s%s", grouped(q), p.Field, grouped(p.BlockAmount), per(p.BlockSize))}, nil

	case Package:
		q, err := quantity(name, p.Field, ev.Data)
		if err != nil {
			return rated{}, err
		}
		blocks, rem := q.QuoRem(p.BlockSize, 0)
		if rem.IsPositive() {
			blocks = blocks.Add(decimal.NewFromInt(1))
		}
		return rated{quantity: q, amount: blocks.Mul(p.BlockAmount),
			detail: fmt.Sprintf("%s %s = %s × block of %s at %s", grouped(q), p.Field, grouped(blocks), grouped(p.BlockSize), grouped(p.BlockAmount))}, nil

	case Dimensional:
		rate, sel, err := selectRate(name, p, ev.Data)
		if err != nil {
			return rated{}, err
		}
		if p.Field == "" {
			return rated{quantity: decimal.NewFromInt(1), amount: rate.Amount, detail: sel + ": 1 event × " + grouped(rate.Amount)}, nil
		}
		q, err := quantity(name, p.Field, ev.Data)
		if err != nil {
			return rated{}, err
		}
		amount, inexact := Divide(q.Mul(rate.Amount), p.BlockSize)
		return rated{quantity: q, amount: amount, inexact: inexact,
			detail: fmt.Sprintf("%s: %s %s × %s%s", sel, grouped(q), p.Field, grouped(rate.Amount), per(p.BlockSize))}, nil

	case Tiered:
		q, unit := decimal.NewFromInt(1), "event"
		if p.Field != "" {
			var err error
			if q, err = quantity(name, p.Field, ev.Data); err != nil {
				return rated{}, err
			}
			unit = p.Field
		}
		if !InRange(prior) || prior.IsNegative() {
			return rated{}, kernel.Invalidf("prior", "the period usage of price %s so far is %s; it must be 0 or more; %s", name, show(prior), outOfRange)
		}
		head := fmt.Sprintf("%s used + %s %s", grouped(prior), grouped(q), unit)
		if p.TierMode == TierVolume {
			t := landingTier(p.Tiers, prior.Add(q))
			u := p.Tiers[t].UnitAmount
			return rated{quantity: q, amount: q.Mul(u),
				detail: fmt.Sprintf("volume tiers, %s = %s in tiers[%d]: %s × %s", head, grouped(prior.Add(q)), t, grouped(q), grouped(u))}, nil
		}
		amount, parts := graduated(p.Tiers, prior, q)
		if len(parts) == 0 {
			parts = []string{"nothing"}
		}
		return rated{quantity: q, amount: amount,
			detail: fmt.Sprintf("graduated tiers, %s: %s", head, strings.Join(parts, " + "))}, nil

	case CostPlus:
		cost, from, err := vendorCost(name, p, ev.Costs)
		if err != nil {
			return rated{}, err
		}
		pct := p.MarkupPercent.Shift(-2) // /100, exact
		amount := cost.Add(cost.Mul(pct)).Add(p.MarkupFixed)
		detail := fmt.Sprintf("cost %s %s%s × (1 + %s%%)", grouped(cost), p.Asset, from, grouped(p.MarkupPercent))
		if !p.MarkupFixed.IsZero() {
			detail += " + " + grouped(p.MarkupFixed)
		}
		return rated{quantity: cost, amount: amount, detail: detail}, nil
	}
	return rated{}, kernel.Invalidf("model", "price %s has model %q, which rating does not charge", name, p.Model)
}

// per describes a block size in a breakdown.
func per(blockSize Decimal) string {
	if blockSize.Equal(decimal.NewFromInt(1)) {
		return " each"
	}
	return " per " + grouped(blockSize)
}

// lowerBound is the cumulative usage above which tier i starts.
func lowerBound(tiers []Tier, i int) Decimal {
	if i == 0 {
		return decimal.Zero
	}
	return *tiers[i-1].UpTo
}

// landingTier is the index of the tier covering cumulative usage x: the
// first whose UpTo is at or above x (x = UpTo belongs to that tier).
func landingTier(tiers []Tier, x Decimal) int {
	for i, t := range tiers {
		if t.UpTo == nil || x.LessThanOrEqual(*t.UpTo) {
			return i
		}
	}
	return len(tiers) - 1
}

// graduated returns cost(prior+q) − cost(prior) (see Rate) computed tier by
// tier as the overlap of (prior, prior+q] with each tier, plus the flat
// amounts of the tiers whose lower bound lies in [prior, prior+q), and the
// breakdown parts.
func graduated(tiers []Tier, prior, q Decimal) (Decimal, []string) {
	end := prior.Add(q)
	total := decimal.Zero
	var parts []string
	for i, t := range tiers {
		lo := lowerBound(tiers, i)
		if !end.GreaterThan(lo) {
			break
		}
		from := decimal.Max(prior, lo)
		to := end
		if t.UpTo != nil && t.UpTo.LessThan(to) {
			to = *t.UpTo
		}
		if to.GreaterThan(from) {
			units := to.Sub(from)
			total = total.Add(units.Mul(t.UnitAmount))
			parts = append(parts, fmt.Sprintf("tiers[%d] %s × %s", i, grouped(units), grouped(t.UnitAmount)))
		}
		if prior.LessThanOrEqual(lo) && !t.FlatAmount.IsZero() {
			total = total.Add(t.FlatAmount)
			parts = append(parts, fmt.Sprintf("tiers[%d] flat %s", i, grouped(t.FlatAmount)))
		}
	}
	return total, parts
}

// graduatedCost is cost(x) of Rate's graduated rule, from the definition:
// the units of (0, x] in each tier at its unit amount plus the flat amount
// of every tier whose lower bound x exceeds. Tests check graduated against
// it.
func graduatedCost(tiers []Tier, x Decimal) Decimal {
	total := decimal.Zero
	for i, t := range tiers {
		lo := lowerBound(tiers, i)
		if !x.GreaterThan(lo) {
			break
		}
		hi := x
		if t.UpTo != nil {
			hi = decimal.Min(x, *t.UpTo)
		}
		total = total.Add(hi.Sub(lo).Mul(t.UnitAmount)).Add(t.FlatAmount)
	}
	return total
}

// quantity reads a non-negative quantity from data[field].
func quantity(price, field string, data map[string]any) (Decimal, error) {
	path := "data." + field
	v, ok := data[field]
	if !ok {
		return Decimal{}, kernel.Invalidf(path, "event data has no %s; price %s reads its quantity from it; send %s as a number", field, price, path)
	}
	d, problem := number(v)
	if problem != "" {
		return Decimal{}, kernel.Invalidf(path, "%s must be a number, e.g. 1500, or a decimal string, e.g. \"1500\" (price %s reads its quantity from it); got %s", path, price, problem)
	}
	if !InRange(d) {
		return Decimal{}, kernel.Invalidf(path, "%s (%s) is out of range; %s", path, show(d), outOfRange)
	}
	if d.IsNegative() {
		return Decimal{}, kernel.Invalidf(path, "%s is %s; price %s reads a quantity from it, which cannot be negative; send 0 or more", path, Plain(d), price)
	}
	return d, nil
}

// maxNumberText bounds the text of a number in event data.
const maxNumberText = 100

// number converts an event data value to a decimal exactly. On failure it
// returns a description of the value for the error message.
func number(v any) (Decimal, string) {
	switch x := v.(type) {
	case json.Number:
		return parseNumber(string(x))
	case string:
		return parseNumber(x)
	case int:
		return decimal.NewFromInt(int64(x)), ""
	case int8:
		return decimal.NewFromInt(int64(x)), ""
	case int16:
		return decimal.NewFromInt(int64(x)), ""
	case int32:
		return decimal.NewFromInt(int64(x)), ""
	case int64:
		return decimal.NewFromInt(x), ""
	case uint:
		return decimal.NewFromUint64(uint64(x)), ""
	case uint8:
		return decimal.NewFromUint64(uint64(x)), ""
	case uint16:
		return decimal.NewFromUint64(uint64(x)), ""
	case uint32:
		return decimal.NewFromUint64(uint64(x)), ""
	case uint64:
		return decimal.NewFromUint64(x), ""
	case float32:
		return exactFloat(float64(x))
	case float64:
		return exactFloat(x)
	case nil:
		return Decimal{}, "null"
	case bool:
		return Decimal{}, strconv.FormatBool(x)
	case map[string]any:
		return Decimal{}, "an object"
	case []any:
		return Decimal{}, "an array"
	}
	return Decimal{}, fmt.Sprintf("a value of Go type %T", v)
}

func parseNumber(s string) (Decimal, string) {
	if len(s) > maxNumberText {
		return Decimal{}, fmt.Sprintf("a text of %d characters", len(s))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, strconv.Quote(s)
	}
	return d, ""
}

// exactFloat accepts a float only when it holds an integer float64
// represents exactly (|f| ≤ 2^53); rating never reads fractions through
// binary floating point.
func exactFloat(f float64) (Decimal, string) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return Decimal{}, fmt.Sprintf("the float64 %v, which is not an exact integer (decode event data with json.Decoder.UseNumber so numbers stay exact)", f)
	}
	return decimal.NewFromInt(int64(f)), ""
}

// DecimalText parses s as a decimal within the bounds of amounts.
func DecimalText(s string) (Decimal, bool) {
	if len(s) == 0 || len(s) > maxNumberText {
		return Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	if err != nil || !InRange(d) {
		return Decimal{}, false
	}
	return d, true
}

// DimensionValue reads a dimension's value as text; ok is false for a
// missing, null, object or array value, which only "*" matches.
func DimensionValue(data map[string]any, key string) (string, bool) {
	v, ok := data[key]
	if !ok {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// sameValue reports whether an event's dimension value matches a rate's:
// the same text, or two decimal numbers of the same value ("1.0" and "1").
func sameValue(event, rate string) bool {
	if event == rate {
		return true
	}
	a, ok := DecimalText(event)
	if !ok {
		return false
	}
	b, ok := DecimalText(rate)
	return ok && a.Equal(b)
}

// selectRate picks the dimensional rate for the event (see Rate) and
// describes the selection.
func selectRate(name string, p Price, data map[string]any) (DimensionRate, string, error) {
	vals := make([]string, len(p.Dimensions))
	present := make([]bool, len(p.Dimensions))
	for i, d := range p.Dimensions {
		vals[i], present[i] = DimensionValue(data, d)
	}
	best, bestWild := -1, 0
	for ri, r := range p.Rates {
		wild, match := 0, true
		for i, d := range p.Dimensions {
			rv := r.Values[d]
			if rv == Wildcard {
				wild++
				continue
			}
			if !present[i] || !sameValue(vals[i], rv) {
				match = false
				break
			}
		}
		if match && (best < 0 || wild < bestWild) {
			best, bestWild = ri, wild
		}
	}
	desc := make([]string, len(p.Dimensions))
	for i, d := range p.Dimensions {
		if present[i] {
			desc[i] = d + "=" + strconv.Quote(vals[i])
		} else {
			desc[i] = d + " (missing)"
		}
	}
	if best >= 0 {
		return p.Rates[best], strings.Join(desc, ", "), nil
	}

	// No match: list the values rates know per dimension, and name the
	// first dimension no rate accepts.
	field := "data"
	known := make([]string, len(p.Dimensions))
	for i, d := range p.Dimensions {
		var values []string
		accepted := false
		for _, r := range p.Rates {
			rv := r.Values[d]
			if rv == Wildcard || (present[i] && sameValue(rv, vals[i])) {
				accepted = true
			}
			if rv != Wildcard && !slices.Contains(values, rv) {
				values = append(values, rv)
			}
		}
		if !accepted && field == "data" {
			field = "data." + d
		}
		if len(values) == 0 {
			values = []string{"any (\"*\")"}
		}
		known[i] = d + ": " + strings.Join(values, ", ")
	}
	return DimensionRate{}, "", kernel.Invalidf(field, "price %s has no rate for %s; rates exist for %s; add a rate with \"*\" as a fallback or send one of those",
		name, strings.Join(desc, ", "), strings.Join(known, "; "))
}

// vendorCost sums the event's costs a cost_plus price marks up.
func vendorCost(name string, p Price, costs []Cost) (Decimal, string, error) {
	total := decimal.Zero
	found := false
	var foreign []string
	for i, c := range costs {
		if p.Vendor != "" && c.Vendor != p.Vendor {
			continue
		}
		f := fmt.Sprintf("costs[%d].amount", i)
		if !InRange(c.Amount) {
			return Decimal{}, "", kernel.Invalidf(f, "%s (%s) is out of range; %s", f, show(c.Amount), outOfRange)
		}
		if c.Amount.IsNegative() {
			return Decimal{}, "", kernel.Invalidf(f, "%s is %s; a vendor cost cannot be negative", f, Plain(c.Amount))
		}
		if c.Currency != p.Asset {
			cur := strconv.Quote(c.Currency)
			if !slices.Contains(foreign, cur) {
				foreign = append(foreign, cur)
			}
		}
		found = true
		total = total.Add(c.Amount)
	}
	from, whose := "", "the event's costs"
	if p.Vendor != "" {
		from, whose = " from "+p.Vendor, fmt.Sprintf("the event's costs from vendor %q", p.Vendor)
	}
	if !found {
		if p.Vendor != "" {
			return Decimal{}, "", kernel.Invalidf("costs", "cost_plus price %s needs a cost from vendor %q in the event's costs; a missing cost is unknown, not zero; send the vendor's cost in costs", name, p.Vendor)
		}
		return Decimal{}, "", kernel.Invalidf("costs", "cost_plus price %s needs at least one cost in the event's costs; a missing cost is unknown, not zero; send the vendor's cost in costs", name)
	}
	if len(foreign) > 0 {
		return Decimal{}, "", kernel.Invalidf("costs", "cost_plus price %s is in %s, but %s include costs in %s; send costs in %s (rating does not convert currencies)",
			name, p.Asset, whose, strings.Join(foreign, ", "), p.Asset)
	}
	return total, from, nil
}
