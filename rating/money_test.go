package rating_test

import (
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/rating"
)

func TestAccrueRoundsHalfAwayFromZeroAtAccrualScale(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"0.004", "0.004"},
		{"0.0000000000000000005", "0.000000000000000001"},
		{"-0.0000000000000000005", "-0.000000000000000001"},
		{"0.00000000000000000049", "0"},
		{"1.2500000000000000000000", "1.25"},
	} {
		if got := rating.Accrue(dec(tc.in)); !got.Equal(dec(tc.want)) || got.String() != dec(tc.want).String() {
			t.Errorf("Accrue(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		prec int32
		want string
	}{
		{"10", 2, "10.00"}, {"988.2", 2, "988.20"}, {"0.004", 2, "0.004"}, {"12.000375", 2, "12.000375"},
		{"6.0000", 2, "6.00"}, {"-0.5", 2, "-0.50"}, {"10", 0, "10"}, {"1.50", 0, "1.5"}, {"0", 2, "0.00"},
		{"0.000000000000000001", 2, "0.000000000000000001"},
	} {
		if got := rating.FormatAmount(dec(tc.in), tc.prec); got != tc.want {
			t.Errorf("FormatAmount(%s, %d) = %q, want %q", tc.in, tc.prec, got, tc.want)
		}
	}
}

func TestRoundForPeopleSaysWhenApproximate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		approx   bool
	}{
		{"0.005", "0.01", true}, {"0.0049", "0", true}, {"-0.125", "-0.13", true}, {"12.50", "12.5", false},
	} {
		got, approx := rating.Round(dec(tc.in), 2)
		if !got.Equal(dec(tc.want)) || approx != tc.approx {
			t.Errorf("Round(%s, 2) = %s (approx %v), want %s (approx %v)", tc.in, got, approx, tc.want, tc.approx)
		}
	}
}

func TestWholeUnits(t *testing.T) {
	t.Parallel()
	whole, rest := rating.WholeUnits(dec("1.2345"), 2)
	if !whole.Equal(dec("1.23")) || !rest.Equal(dec("0.0045")) {
		t.Errorf("WholeUnits(1.2345, 2) = %s, %s; want 1.23, 0.0045", whole, rest)
	}
}

func TestParseAmountBounds(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"0", "12.50", "0.004", "999999999999999.999999999999999999", "-3", "1e3", "0.10"} {
		if _, err := rating.ParseAmount(ok); err != nil {
			t.Errorf("ParseAmount(%q) = %v, want ok", ok, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"1e400", "401 digits before the decimal point"},
		{"1000000000000000", "16 digits before the decimal point"},
		{"-0", "negative zero"},
		{"-0.00", "negative zero"},
		{"NaN", "not a decimal number"},
		{"Infinity", "not a decimal number"},
		{"0.0000000000000000001", "19 decimal places"},
		{"1234567890123456789012345678901234567890", "40 digits before"},
		{"1e-400", "400 decimal places"},
		{"1e99999999", "not a decimal number"},
		{strings.Repeat("9", 101), "too long"},
	} {
		_, err := rating.ParseAmount(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseAmount(%.20q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func dec(s string) rating.Decimal { return rating.MustDecimal(s) }

func TestDisplayMoney(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount, symbol, want string
		precision            int32
	}{
		{"1234567.5", "$", "$1,234,567.50", 2},
		{"-0.0035", "$", "−$0.0035", 2},
		{"12", "", "12 credits", 0},
		{"0.333333333", "$", "≈$0.333333", 2},
	} {
		if got := rating.DisplayMoney(rating.MustDecimal(c.amount), c.precision, c.symbol, "credits"); got != c.want {
			t.Errorf("DisplayMoney(%s) = %q, want %q", c.amount, got, c.want)
		}
	}
}
