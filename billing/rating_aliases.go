package billing

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/rating"
)

// Money, prices and rating live in the pure rating package, which does no
// I/O. These aliases and forwarding functions keep the names where the
// surfaces (api, tools, wire, cmd) and billing's own code already use them;
// see the rating package for the rules each one follows.

// Decimal is the exact decimal type every amount, rate and quantity uses.
type Decimal = rating.Decimal

// The two precisions of money and the bounds of every amount (see rating).
const (
	AccrualScale     = rating.AccrualScale
	MaxPrecision     = rating.MaxPrecision
	MaxIntegerDigits = rating.MaxIntegerDigits
	DisplayPlaces    = rating.DisplayPlaces
)

// Zero is the decimal zero.
var Zero = rating.Zero

var decimalOne = decimal.NewFromInt(1)

// Accrue rounds a computed amount to AccrualScale places (see rating.Accrue).
func Accrue(amount Decimal) Decimal { return rating.Accrue(amount) }

// Divide returns num/den rounded by Accrue's rule, and whether the quotient
// was inexact (see rating.Divide).
func Divide(num, den Decimal) (q Decimal, inexact bool) { return rating.Divide(num, den) }

// WholeUnits splits an amount into whole units of precision and the
// remainder (see rating.WholeUnits).
func WholeUnits(amount Decimal, precision int32) (whole, remainder Decimal) {
	return rating.WholeUnits(amount, precision)
}

// Round rounds an amount to precision places for a person (see rating.Round).
func Round(amount Decimal, precision int32) (rounded Decimal, approx bool) {
	return rating.Round(amount, precision)
}

// FormatAmount writes an amount exactly, with at least precision places
// (see rating.FormatAmount).
func FormatAmount(amount Decimal, precision int32) string {
	return rating.FormatAmount(amount, precision)
}

// Display writes an amount for a person (see rating.Display).
func Display(amount Decimal, precision int32) string { return rating.Display(amount, precision) }

// CheckAmount reports an invalid error naming field when d is outside the
// bounds of amounts (see rating.CheckAmount).
func CheckAmount(field string, d Decimal) error { return rating.CheckAmount(field, d) }

// ParseAmount reads a decimal written as text, the way clients send amounts
// (see rating.ParseAmount).
func ParseAmount(s string) (Decimal, error) { return rating.ParseAmount(s) }

// CheckWholeUnits reports an invalid error when amount has more places than
// the asset shows (see rating.CheckWholeUnits).
func CheckWholeUnits(field string, amount Decimal, asset string, precision int32) error {
	return rating.CheckWholeUnits(field, amount, asset, precision)
}

// MustDecimal parses a decimal literal; it panics on a malformed one.
func MustDecimal(s string) Decimal { return rating.MustDecimal(s) }

// PriceModel says how a price turns an event into a fee.
type PriceModel = rating.PriceModel

// The price models (see rating).
const (
	PerUnit     = rating.PerUnit
	PerVolume   = rating.PerVolume
	Package     = rating.Package
	Dimensional = rating.Dimensional
	Tiered      = rating.Tiered
	CostPlus    = rating.CostPlus
	Recurring   = rating.Recurring
)

// Tier modes (see rating).
const (
	TierGraduated = rating.TierGraduated
	TierVolume    = rating.TierVolume
)

// Wildcard is the DimensionRate value that matches any value.
const Wildcard = rating.Wildcard

// Price is one way a product version charges (see rating.Price).
type Price = rating.Price

// DimensionRate is one rate of a dimensional price.
type DimensionRate = rating.DimensionRate

// Tier is one tier of a tiered price.
type Tier = rating.Tier

// EntitlementKind says when an entitlement is granted.
type EntitlementKind = rating.EntitlementKind

// Entitlement kinds.
const (
	EntitlementRecurring = rating.EntitlementRecurring
	EntitlementOneOff    = rating.EntitlementOneOff
)

// Entitlement purposes.
const (
	PurposeBundled   = rating.PurposeBundled
	PurposePromotion = rating.PurposePromotion
)

// MaxLifetimeDays is the longest lifetime an entitlement grant may have.
const MaxLifetimeDays = rating.MaxLifetimeDays

// Entitlement is an amount of an asset a plan grants.
type Entitlement = rating.Entitlement

// ValidatePrice checks p against every rule of its model (see
// rating.ValidatePrice).
func ValidatePrice(p Price, precision func(asset string) (int32, bool)) error {
	return rating.ValidatePrice(p, precision)
}

// ValidatePrices validates every price of a list (see rating.ValidatePrices).
func ValidatePrices(prices []Price, precision func(asset string) (int32, bool)) error {
	return rating.ValidatePrices(prices, precision)
}

// ValidateEntitlement checks an entitlement (see rating.ValidateEntitlement).
func ValidateEntitlement(e Entitlement, precision func(asset string) (int32, bool)) error {
	return rating.ValidateEntitlement(e, precision)
}

// Cost is a vendor cost an event reports, used by cost_plus prices.
type Cost = rating.Cost

// RatingEvent is the part of a usage event that rating reads.
type RatingEvent = rating.RatingEvent

// RatedFee is what one price charges for one event.
type RatedFee = rating.RatedFee

// PeriodStart returns the start of the period tier counters cover for an
// event at t (see rating.PeriodStart).
func PeriodStart(t time.Time) time.Time { return rating.PeriodStart(t) }

// Rate prices one event: one fee per price (see rating.Rate).
func Rate(prices []Price, ev RatingEvent, prior map[string]Decimal, precision func(asset string) (int32, bool)) ([]RatedFee, error) {
	return rating.Rate(prices, ev, prior, precision)
}
