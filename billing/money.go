package billing

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Decimal is the exact decimal type every amount, rate and quantity uses.
// Amounts never pass through float64.
type Decimal = decimal.Decimal

// MaxPrecision is the most decimal places an asset may have.
const MaxPrecision = 18

// Quantize rounds a computed amount to an asset's precision. It is the one
// place Tollgate rounds money, and it rounds half away from zero
// (0.125 USD → 0.13, 0.124 → 0.12; -0.125 → -0.13). Rating, quotes and
// conversions call it on their results; amounts a client supplies are never
// rounded, they are rejected when they carry more places than the asset has
// (see CheckPrecision).
func Quantize(amount Decimal, precision int32) Decimal {
	return amount.Round(precision)
}

// CheckPrecision reports an invalid error when amount has more decimal places
// than the asset allows.
func CheckPrecision(field string, amount Decimal, asset string, precision int32) error {
	if !amount.Equal(amount.Truncate(precision)) {
		return Invalidf(field, "%s has %d decimal places; %s has %s; send at most %d places (e.g. %s)",
			field, -amount.Exponent(), asset, plural(precision, "decimal place"), precision, Quantize(amount, precision).StringFixed(precision))
	}
	return nil
}

func plural(n int32, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// ParseDecimal reads a decimal string exactly, with a clear error naming field.
func ParseDecimal(field, s string) (Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Decimal{}, Invalidf(field, "%s must be a decimal number written as a string, such as \"12.50\"; got %q", field, s)
	}
	return d, nil
}

// Zero is the decimal zero.
var Zero = decimal.Zero

var decimalOne = decimal.NewFromInt(1)

// MustDecimal parses a decimal literal; it panics on a malformed one, so use it
// only for constants.
func MustDecimal(s string) Decimal { return decimal.RequireFromString(s) }
