package wire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// TestAmountsAndPricesWritten pins docs/MONEY.md's rule: an amount in an
// asset is written with at least the asset's precision, a price exact
// without trailing zeros.
func TestAmountsAndPricesWritten(t *testing.T) {
	t.Parallel()
	p, err := json.Marshal(wire.FromPrice(rating.Price{Model: rating.PerUnit, Asset: "USD", UnitAmount: rating.MustDecimal("1.50")}))
	if err != nil || !strings.Contains(string(p), `"unit_amount":"1.5"`) {
		t.Errorf("a price of 1.50 USD = %s, %v; want unit_amount \"1.5\"", p, err)
	}
	for in, want := range map[string]string{"1.5": `"1.50"`, "0.004": `"0.004"`, "12.000375": `"12.000375"`} {
		if b, err := json.Marshal(wire.A(rating.MustDecimal(in), 2)); err != nil || string(b) != want {
			t.Errorf("the amount %s USD = %s, %v; want %s", in, b, err, want)
		}
	}
}
