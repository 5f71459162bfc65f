package rating

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tollgatehq/tollgate/kernel"
)

// PriceModel says how a price turns an event into a fee.
type PriceModel string

// The price models. Rate charges every model but Recurring; recurring fees
// are charged by the subscription cycle, not by events.
const (
	// PerUnit charges UnitAmount for each event.
	PerUnit PriceModel = "per_unit"
	// PerVolume charges BlockAmount per BlockSize units of data[Field].
	// Partial blocks are prorated: quantity × BlockAmount / BlockSize, by
	// Divide.
	PerVolume PriceModel = "per_volume"
	// Package charges BlockAmount per started block of BlockSize units of
	// data[Field]: ceil(quantity / BlockSize) blocks; 0 units cost nothing.
	Package PriceModel = "package"
	// Dimensional chooses a rate by event properties (see DimensionRate).
	Dimensional PriceModel = "dimensional"
	// Tiered prices the customer's cumulative usage in the period (see
	// PeriodStart) with graduated or volume tiers (see Tier).
	Tiered PriceModel = "tiered"
	// CostPlus charges a markup over the vendor cost the event reports:
	// cost × (1 + MarkupPercent/100) + MarkupFixed.
	CostPlus PriceModel = "cost_plus"
	// Recurring is a fixed Amount per Interval. It is stored and validated
	// here but never charged by Rate.
	Recurring PriceModel = "recurring"
)

var priceModels = []PriceModel{PerUnit, PerVolume, Package, Dimensional, Tiered, CostPlus, Recurring}

// Tier modes.
const (
	// TierGraduated prices each unit at the tier it falls in, like income tax
	// brackets, plus each tier's FlatAmount once when usage first enters it.
	TierGraduated = "graduated"
	// TierVolume prices all of an event's units at the tier the period total
	// (prior usage + this event) lands in. Earlier usage is never re-priced.
	TierVolume = "volume"
)

// Wildcard is the DimensionRate value that matches any value of a dimension,
// including a missing one.
const Wildcard = "*"

// Price is one way a product version charges. A version may hold several
// prices, e.g. input and output tokens priced separately from one event.
type Price struct {
	ID    string
	Name  string
	Model PriceModel
	Asset string

	// UnitAmount is the fee per event of a per_unit price. It may have more
	// decimal places than the asset (e.g. 0.0005 USD per image); the fee is
	// quantized, the price is not.
	UnitAmount Decimal

	// Field names the event data field holding the quantity: required for
	// per_volume and package, optional for tiered (empty = 1 per event) and
	// dimensional (empty = the rate is per event).
	Field string
	// BlockSize is the unit block of per_volume, package and dimensional
	// prices with a Field (e.g. 1000000 for a price per million tokens). It
	// must be above 0 when used.
	BlockSize Decimal
	// BlockAmount is the amount per BlockSize units (per_volume, package).
	BlockAmount Decimal

	// Dimensions are the event data keys that select a dimensional rate,
	// e.g. ["model", "quality"].
	Dimensions []string
	// Rates are the dimensional rates; see Rate for how one is chosen.
	Rates []DimensionRate

	// TierMode is TierGraduated or TierVolume.
	TierMode string
	// Tiers ascend by UpTo; the last has no UpTo (it covers everything above).
	Tiers []Tier

	// Vendor selects whose costs a cost_plus price marks up; empty = the sum
	// of all the event's costs.
	Vendor string
	// MarkupPercent and MarkupFixed make a cost_plus fee:
	// cost × (1 + MarkupPercent/100) + MarkupFixed.
	MarkupPercent Decimal
	MarkupFixed   Decimal

	// Interval (day, week, month or year) and Amount make a recurring price.
	Interval string
	Amount   Decimal
}

// DimensionRate is one rate of a dimensional price.
type DimensionRate struct {
	// Values maps every one of the price's Dimensions to the value it
	// matches, or to Wildcard ("*") to match any value.
	Values map[string]string
	// Amount is the fee per event, or per BlockSize units of Field when the
	// price has a Field.
	Amount Decimal
}

// Tier is one tier of a tiered price. A tier with UpTo = 1000 following one
// with UpTo = 100 covers cumulative quantities in (100, 1000]; the first tier
// starts above 0 and the last (UpTo nil) has no upper bound.
type Tier struct {
	UpTo       *Decimal
	UnitAmount Decimal
	// FlatAmount (graduated only) is charged once, by the event that takes
	// cumulative usage in the period above the tier's lower bound (above 0
	// for the first tier).
	FlatAmount Decimal
}

// EntitlementKind says when an entitlement is granted.
type EntitlementKind string

// Entitlement kinds.
const (
	// EntitlementRecurring grants Amount every Interval.
	EntitlementRecurring EntitlementKind = "recurring"
	// EntitlementOneOff grants Amount once.
	EntitlementOneOff EntitlementKind = "one_off"
)

// Entitlement purposes.
const (
	PurposeBundled   = "bundled"
	PurposePromotion = "promotion"
)

// MaxLifetimeDays is the longest lifetime an entitlement grant may have.
const MaxLifetimeDays = 36500

// Entitlement is an amount of an asset a plan grants.
type Entitlement struct {
	Kind   EntitlementKind
	Asset  string
	Amount Decimal
	// Interval (day, week, month or year) is how often a recurring
	// entitlement is granted.
	Interval string
	// LifetimeDays is how long a grant lasts. 0 means a one_off grant never
	// expires and a recurring grant lasts its interval (the next grant
	// expires and replaces it).
	LifetimeDays int
	// Purpose is PurposeBundled (default when empty) or PurposePromotion.
	Purpose string
}

var intervals = []string{"day", "week", "month", "year"}

// InRange reports whether d is within the bounds every amount and quantity
// shares (see CheckAmount). They keep every exact intermediate result small.
func InRange(d Decimal) bool { return amountProblem(d) == "" }

// outOfRange is the end of a message about a number beyond InRange.
var outOfRange = fmt.Sprintf("send at most %d digits before and %d after the decimal point", MaxIntegerDigits, AccrualScale)

// Plain writes d in full without exponent or grouping, independent of the
// decimal package's global formatting switches. d must be InRange.
func Plain(d Decimal) string {
	n := d.Normalize()
	if n.Exponent() < 0 {
		return n.StringFixed(-n.Exponent())
	}
	return n.StringFixed(0)
}

// show writes d for a message: in full when in range, else shortened.
func show(d Decimal) string {
	if InRange(d) {
		return Plain(d)
	}
	if d.Coefficient().BitLen() > 4096 {
		return "a number of over 1000 digits"
	}
	s := d.ScientificNotationString()
	if len(s) > 40 {
		s = s[:20] + "…" + s[strings.LastIndexAny(s, "Ee"):]
	}
	return s
}

// grouped writes d in full with thousands separators in its integer part
// (1500000.25 → "1,500,000.25").
func grouped(d Decimal) string {
	s := Plain(d)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

// ValidatePrice checks p against every rule of its model. precision reports
// an asset's decimal places and whether the asset exists. Errors are *kernel.Error
// with code invalid; their Field and message name the price's fields
// relative to the price ("tiers[1].up_to"). ValidatePrices prefixes them
// with the price's index in a list.
//
// Amounts must be non-negative and within 30 digits before and 30 after
// the decimal point. Unit amounts may have more places than the asset;
// a recurring Amount may not. Fields a model does not use are ignored.
func ValidatePrice(p Price, precision func(asset string) (int32, bool)) error {
	return validatePrice("", p, precision)
}

// ValidatePrices validates every price of a list (a product version's
// prices), naming fields as "prices[2].tiers[1].up_to", and rejects two
// prices with the same non-empty ID.
func ValidatePrices(prices []Price, precision func(asset string) (int32, bool)) error {
	seen := make(map[string]int, len(prices))
	for i, p := range prices {
		prefix := fmt.Sprintf("prices[%d].", i)
		if err := validatePrice(prefix, p, precision); err != nil {
			return err
		}
		if p.ID == "" {
			continue
		}
		if j, dup := seen[p.ID]; dup {
			return kernel.Invalidf(prefix+"id", "%sid %q is also prices[%d].id; give each price its own id", prefix, p.ID, j)
		}
		seen[p.ID] = i
	}
	return nil
}

func validatePrice(prefix string, p Price, precision func(string) (int32, bool)) error {
	v := validator{prefix: prefix}
	if !slices.Contains(priceModels, p.Model) {
		names := make([]string, len(priceModels))
		for i, m := range priceModels {
			names[i] = string(m)
		}
		return v.fail("model", "%q is not a price model; use one of %s", p.Model, strings.Join(names, ", "))
	}
	if err := v.asset(p.Asset, precision); err != nil {
		return err
	}
	switch p.Model {
	case PerUnit:
		return v.amount("unit_amount", p.UnitAmount)
	case PerVolume, Package:
		if p.Field == "" {
			return v.fail("field", "is required for a %s price; name the event data field holding the quantity, e.g. \"total_tokens\"", p.Model)
		}
		if err := v.blockSize(p.BlockSize, fmt.Sprintf("the number of units block_amount pays for in a %s price, e.g. 1000000 for a price per million tokens", p.Model)); err != nil {
			return err
		}
		return v.amount("block_amount", p.BlockAmount)
	case Dimensional:
		return v.dimensional(p)
	case Tiered:
		return v.tiered(p)
	case CostPlus:
		if err := v.amount("markup_percent", p.MarkupPercent); err != nil {
			return err
		}
		return v.amount("markup_fixed", p.MarkupFixed)
	case Recurring:
		if err := v.interval(p.Interval); err != nil {
			return err
		}
		if err := v.amount("amount", p.Amount); err != nil {
			return err
		}
		if !p.Amount.IsPositive() {
			return v.fail("amount", "is 0; a recurring price needs an amount above 0, e.g. \"20.00\"")
		}
	}
	return nil
}

// validator names fields under a prefix.
type validator struct{ prefix string }

func (v validator) path(field string) string { return v.prefix + field }

// fail returns an invalid error for field whose message starts with the
// field's full path.
func (v validator) fail(field, format string, args ...any) error {
	p := v.path(field)
	return kernel.Invalidf(p, "%s %s", p, fmt.Sprintf(format, args...))
}

func (v validator) asset(asset string, precision func(string) (int32, bool)) error {
	if asset == "" {
		return v.fail("asset", "is required; name the asset the amounts are in, e.g. \"USD\"")
	}
	if _, ok := precision(asset); !ok {
		return v.fail("asset", "%q is not a known asset; use the code of an existing asset, or create the asset first", asset)
	}
	return nil
}

// amount checks that d is non-negative and in range.
func (v validator) amount(field string, d Decimal) error {
	if !InRange(d) {
		return v.fail(field, "(%s) is out of range; %s", show(d), outOfRange)
	}
	if d.IsNegative() {
		return v.fail(field, "is %s; it cannot be negative; send 0 or more", Plain(d))
	}
	return nil
}

func (v validator) blockSize(d Decimal, meaning string) error {
	if err := v.amount("block_size", d); err != nil {
		return err
	}
	if !d.IsPositive() {
		return v.fail("block_size", "must be above 0: it is %s", meaning)
	}
	return nil
}

func (v validator) interval(interval string) error {
	if !slices.Contains(intervals, interval) {
		return v.fail("interval", "%q is not an interval; use day, week, month or year", interval)
	}
	return nil
}

func (v validator) dimensional(p Price) error {
	if len(p.Dimensions) == 0 {
		return v.fail("dimensions", "is empty; list the event data keys that select a rate, e.g. [\"model\"]")
	}
	for i, d := range p.Dimensions {
		f := fmt.Sprintf("dimensions[%d]", i)
		if d == "" {
			return v.fail(f, "is empty; name an event data key, e.g. \"model\"")
		}
		if j := slices.Index(p.Dimensions, d); j < i {
			return v.fail(f, "(%q) repeats dimensions[%d]; list each key once", d, j)
		}
	}
	if p.Field != "" {
		if err := v.blockSize(p.BlockSize, "the number of units of field each rate's amount pays for, e.g. 1 for a price per unit or 1000000 for a price per million"); err != nil {
			return err
		}
	}
	if len(p.Rates) == 0 {
		return v.fail("rates", "is empty; add at least one rate, e.g. one whose values are all \"*\" as a fallback")
	}
	dims := strings.Join(p.Dimensions, ", ")
	seen := make(map[string]int, len(p.Rates))
	for i, r := range p.Rates {
		rf := fmt.Sprintf("rates[%d]", i)
		for _, d := range p.Dimensions {
			val, ok := r.Values[d]
			if !ok {
				return v.fail(rf+".values", "has no %s; give every rate a value for each dimension (%s), or \"*\" to match any value", d, dims)
			}
			if val == "" {
				return v.fail(rf+".values."+d, "is empty; give the value to match, or \"*\" to match any value")
			}
		}
		if len(r.Values) != len(p.Dimensions) {
			extra := make([]string, 0, len(r.Values))
			for k := range r.Values {
				if !slices.Contains(p.Dimensions, k) {
					extra = append(extra, k)
				}
			}
			sort.Strings(extra)
			return v.fail(rf+".values", "has key %q, which is not one of dimensions (%s); remove it, or add it to dimensions", extra[0], dims)
		}
		if err := v.amount(rf+".amount", r.Amount); err != nil {
			return err
		}
		key := rateKey(p.Dimensions, r.Values)
		if j, dup := seen[key]; dup {
			return v.fail(rf, "has the same values as rates[%d] (%s); each combination of values may have only one rate, remove one", j, describeValues(p.Dimensions, r.Values))
		}
		seen[key] = i
	}
	return nil
}

// rateKey joins a rate's values in dimension order, each prefixed by its
// length so that no two different value lists share a key.
func rateKey(dims []string, values map[string]string) string {
	var b strings.Builder
	for _, d := range dims {
		fmt.Fprintf(&b, "%d:%s|", len(values[d]), values[d])
	}
	return b.String()
}

func describeValues(dims []string, values map[string]string) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = d + "=" + values[d]
	}
	return strings.Join(parts, ", ")
}

func (v validator) tiered(p Price) error {
	if p.TierMode != TierGraduated && p.TierMode != TierVolume {
		return v.fail("tier_mode", "%q is not a tier mode; use \"graduated\" (each unit priced by the tier it falls in) or \"volume\" (an event's units priced by the tier the period total lands in)", p.TierMode)
	}
	if len(p.Tiers) == 0 {
		return v.fail("tiers", "is empty; list tiers from the smallest up_to, the last with no up_to")
	}
	last := len(p.Tiers) - 1
	for i, t := range p.Tiers {
		tf := fmt.Sprintf("tiers[%d]", i)
		switch {
		case i == last && t.UpTo != nil:
			return v.fail(tf+".up_to", "is %s, but the last tier must have no up_to (it covers all usage above the tier before); remove it, or add a last tier without up_to", show(*t.UpTo))
		case i < last && t.UpTo == nil:
			return v.fail(tf+".up_to", "is missing; only the last tier may omit up_to; list tiers from the smallest up_to, the last with no up_to")
		case t.UpTo != nil:
			if err := v.amount(tf+".up_to", *t.UpTo); err != nil {
				return err
			}
			if i == 0 && !t.UpTo.IsPositive() {
				return v.fail(tf+".up_to", "is 0; the first tier covers usage above 0 up to its up_to, so up_to must be above 0")
			}
			if i > 0 && !t.UpTo.GreaterThan(*p.Tiers[i-1].UpTo) {
				return kernel.Invalidf(v.path(tf+".up_to"), "tiers must ascend: %s%s.up_to (%s) is not above %stiers[%d].up_to (%s); list tiers from the smallest up_to, the last with no up_to",
					v.prefix, tf, Plain(*t.UpTo), v.prefix, i-1, Plain(*p.Tiers[i-1].UpTo))
			}
		}
		if err := v.amount(tf+".unit_amount", t.UnitAmount); err != nil {
			return err
		}
		if err := v.amount(tf+".flat_amount", t.FlatAmount); err != nil {
			return err
		}
		if p.TierMode == TierVolume && !t.FlatAmount.IsZero() {
			return v.fail(tf+".flat_amount", "is %s, but tier_mode is volume; flat amounts apply only to graduated tiers; remove flat_amount or use tier_mode \"graduated\"", Plain(t.FlatAmount))
		}
	}
	return nil
}

// ValidateEntitlement checks an entitlement: known kind and asset, an
// amount above 0, a valid interval when
// recurring, 0 ≤ LifetimeDays ≤ MaxLifetimeDays, and a known purpose.
// Fields are named relative to the entitlement ("amount").
func ValidateEntitlement(e Entitlement, precision func(asset string) (int32, bool)) error {
	v := validator{}
	if e.Kind != EntitlementRecurring && e.Kind != EntitlementOneOff {
		return v.fail("kind", "%q is not an entitlement kind; use \"recurring\" (granted every interval) or \"one_off\" (granted once)", e.Kind)
	}
	if err := v.asset(e.Asset, precision); err != nil {
		return err
	}
	if err := v.amount("amount", e.Amount); err != nil {
		return err
	}
	if !e.Amount.IsPositive() {
		return v.fail("amount", "is 0; an entitlement grants an amount above 0, e.g. \"10.00\"")
	}
	if e.Kind == EntitlementRecurring {
		if err := v.interval(e.Interval); err != nil {
			return err
		}
	}
	if e.LifetimeDays < 0 || e.LifetimeDays > MaxLifetimeDays {
		return v.fail("lifetime_days", "is %d; send 0 (one_off: never expires; recurring: lasts until the next grant replaces it) or a number of days up to %d", e.LifetimeDays, MaxLifetimeDays)
	}
	if e.Purpose != "" && e.Purpose != PurposeBundled && e.Purpose != PurposePromotion {
		return v.fail("purpose", "%q is not a purpose; use \"bundled\" (part of the plan, the default) or \"promotion\"", e.Purpose)
	}
	return nil
}
