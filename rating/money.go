package rating

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/kernel"
)

// Decimal is the exact decimal type every amount, rate and quantity uses.
// Amounts never pass through float64.
type Decimal = decimal.Decimal

// Money has two precisions.
//
//   - An asset's Precision is what people pay and see: USD 2 (cents), a
//     custom asset as created. Money that crosses a boundary (paid in,
//     refunded, charged by a payment provider) moves in whole units of it.
//   - AccrualScale is what the ledger keeps: fees, holds, captures, debits,
//     lot remainders and balances are exact to AccrualScale places, so a
//     0.0004 USD embedding call costs 0.0004 USD and 10,000 of them cost
//     exactly 4.00 USD.
//
// Rating is exact except for a division (a partial block of a per_volume
// price, a conversion at an exchange rate) or a product with more than
// AccrualScale places (a cost times a 33.333% markup); such a result is
// rounded once, by Accrue, when it is computed. Nothing else rounds.
const (
	// AccrualScale is the number of decimal places the ledger keeps. It
	// equals MaxPrecision so that one scale holds every asset's smallest
	// unit; it is finer than Stripe's 12 places for unit_amount_decimal.
	AccrualScale = 18
	// MaxPrecision is the most decimal places an asset may show.
	MaxPrecision = 18
	// MaxIntegerDigits bounds every amount and quantity: fewer than
	// 10^MaxIntegerDigits (a quadrillion) in magnitude.
	MaxIntegerDigits = 15
)

// Accrue rounds a computed amount to AccrualScale places, half away from
// zero (…5 at the 19th place goes up for a positive amount, down for a
// negative one), and drops trailing zeros. It is the one rounding rule of
// the ledger: rating and conversions call it on a result that does not
// already fit, and nothing rounds again after it.
func Accrue(amount Decimal) Decimal {
	return amount.Round(AccrualScale).Normalize()
}

// Divide returns num/den (den ≠ 0) rounded by Accrue's rule, and whether
// the quotient was inexact (had places beyond AccrualScale). It is the one
// division routine: block proration, conversions at exchange rates and
// revenue shares all use it, so a quotient is rounded once.
func Divide(num, den Decimal) (q Decimal, inexact bool) {
	q = num.DivRound(den, AccrualScale)
	return q.Normalize(), !q.Mul(den).Equal(num)
}

// WholeUnits splits an amount into the part a payment can move, whole
// units of the asset's precision (rounded toward zero), and the remainder
// that stays behind. A refund of a lot holding 1.2345 USD refunds 1.23 and
// says that 0.0045 stays.
func WholeUnits(amount Decimal, precision int32) (whole, remainder Decimal) {
	whole = amount.Truncate(precision)
	return whole, amount.Sub(whole)
}

// Round rounds an amount to precision places by Accrue's rule (half away
// from zero), for a figure shown to a person. approx reports whether the
// value changed, so the caller can write "≈". Amounts in API and tool
// results are never rounded: FormatAmount writes them exactly.
func Round(amount Decimal, precision int32) (rounded Decimal, approx bool) {
	rounded = amount.Round(precision)
	return rounded, !rounded.Equal(amount)
}

// FormatAmount is the one way amounts are written in results: at least the
// asset's precision in decimal places, and exact beyond it, without
// trailing zeros past the precision ("988.20", "0.004", "12.000375" for
// USD; "10" for a precision of 0).
func FormatAmount(amount Decimal, precision int32) string {
	n := amount.Normalize()
	places := max(-n.Exponent(), precision, 0)
	return n.StringFixed(places)
}

// DisplayPlaces is how many places past an asset's precision a figure for
// a person shows: 0.0035 USD reads as it is, 1/3 USD as ≈0.333333.
const DisplayPlaces = 4

// Display writes an amount for a person (a tool's summary, later a page):
// by FormatAmount when it has at most precision+DisplayPlaces decimal
// places, else rounded to that by Round and marked "≈". Results carry the
// exact value beside it.
func Display(amount Decimal, precision int32) string {
	r, approx := Round(amount, precision+DisplayPlaces)
	if approx {
		return "≈" + FormatAmount(r, precision)
	}
	return FormatAmount(amount, precision)
}

// DisplayMoney writes an amount for a page: Display's figure with its
// thousands grouped, the symbol before it (or the code after it), "−" for a
// negative amount and "≈" in front when it was rounded. The portal and the
// console write money this way.
func DisplayMoney(amount Decimal, precision int32, symbol, code string) string {
	s := Display(amount.Abs(), precision)
	approx := strings.HasPrefix(s, "≈")
	s = Group(strings.TrimPrefix(s, "≈"))
	if symbol != "" {
		s = symbol + s
	} else {
		s += " " + code
	}
	if approx {
		s = "≈" + s
	}
	if amount.IsNegative() {
		s = "−" + s
	}
	return s
}

// Group puts thousands separators in the integer part of a decimal string.
func Group(s string) string {
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

// CheckAmount reports an invalid error naming field when d is outside the
// bounds every amount and quantity shares: fewer than MaxIntegerDigits
// digits before the decimal point and at most AccrualScale after it.
func CheckAmount(field string, d Decimal) error {
	if problem := amountProblem(d); problem != "" {
		return kernel.Invalidf(field, "%s %s; amounts and quantities have at most %d digits before the decimal point and %d after it", field, problem, MaxIntegerDigits, AccrualScale)
	}
	return nil
}

// amountProblem describes how d breaks the bounds, or is "".
func amountProblem(d Decimal) string {
	if d.Coefficient().BitLen() > 4096 {
		return "has over 1000 digits"
	}
	n := d.Normalize()
	if n.IsZero() {
		return ""
	}
	if n.Exponent() < -AccrualScale {
		return fmt.Sprintf("has %d decimal places", -n.Exponent())
	}
	if int64(n.NumDigits())+int64(n.Exponent()) > MaxIntegerDigits {
		return fmt.Sprintf("has %d digits before the decimal point", int64(n.NumDigits())+int64(n.Exponent()))
	}
	return ""
}

// ParseAmount reads a decimal written as text, the way clients send
// amounts and quantities: digits with an optional sign, point and exponent.
// It refuses NaN and infinities, a negative zero ("-0", a sign that means
// nothing and is usually a bug in the sender), and anything outside
// CheckAmount's bounds with an EInvalid error (without a field: the caller
// knows it) that says what was wrong.
func ParseAmount(s string) (Decimal, error) {
	if len(s) > 100 {
		return Decimal{}, kernel.Invalidf("", "a number of %d characters is too long; amounts and quantities have at most %d digits before the decimal point and %d after it", len(s), MaxIntegerDigits, AccrualScale)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, kernel.Invalidf("", "%q is not a decimal number; send digits such as \"12.50\" or \"0.004\"", s)
	}
	if d.IsZero() && strings.HasPrefix(strings.TrimSpace(s), "-") {
		return Decimal{}, kernel.Invalidf("", "%q is a negative zero; send \"0\"", s)
	}
	if problem := amountProblem(d); problem != "" {
		return Decimal{}, kernel.Invalidf("", "%s %s; amounts and quantities have at most %d digits before the decimal point and %d after it", s, problem, MaxIntegerDigits, AccrualScale)
	}
	return d, nil
}

func plural(n int32, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// CheckWholeUnits reports an invalid error when amount has more decimal
// places than the asset shows: amounts that cross a money boundary (paid in
// a currency, refunded) are whole units of its precision.
func CheckWholeUnits(field string, amount Decimal, asset string, precision int32) error {
	if !amount.Equal(amount.Truncate(precision)) {
		return kernel.Invalidf(field, "%s has %d decimal places; money paid or refunded in %s moves in whole units of %s; send at most %d places (e.g. %s)",
			field, -amount.Normalize().Exponent(), asset, plural(precision, "decimal place"), precision, amount.Truncate(precision).StringFixed(precision))
	}
	return nil
}

// Zero is the decimal zero.
var Zero = decimal.Zero

// One is the decimal one: an exchange rate to itself, a whole part.
var One = decimal.NewFromInt(1)

// MustDecimal parses a decimal literal; it panics on a malformed one, so use it
// only for constants.
func MustDecimal(s string) Decimal { return decimal.RequireFromString(s) }
