package rating

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/kernel"
)

func dec(s string) Decimal { return decimal.RequireFromString(s) }

func decp(s string) *Decimal { d := dec(s); return &d }

// testPrecision knows a few assets.
func testPrecision(asset string) (int32, bool) {
	switch asset {
	case "USD", "EUR":
		return 2, true
	case "JPY":
		return 0, true
	case "BTC":
		return 8, true
	}
	return 0, false
}

func data(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// summary renders fees as "id amount asset qty=quantity" for comparison.
func summary(fees []RatedFee) []string {
	out := make([]string, len(fees))
	for i, f := range fees {
		out[i] = fmt.Sprintf("%s %s %s qty=%s", f.PriceID, f.Amount.String(), f.Asset, f.Quantity.String())
	}
	return out
}

func perVolume(id, field, blockSize, blockAmount string) Price {
	return Price{ID: id, Name: id, Model: PerVolume, Asset: "USD", Field: field, BlockSize: dec(blockSize), BlockAmount: dec(blockAmount)}
}

func graduatedPrice(field string) Price {
	return Price{ID: "tiers", Name: "requests", Model: Tiered, Asset: "USD", Field: field, TierMode: TierGraduated, Tiers: []Tier{
		{UpTo: decp("1000"), UnitAmount: dec("0.01")},
		{UpTo: decp("5000"), UnitAmount: dec("0.008"), FlatAmount: dec("2")},
		{UnitAmount: dec("0.005"), FlatAmount: dec("5")},
	}}
}

func volumePrice() Price {
	return Price{ID: "tiers", Name: "requests", Model: Tiered, Asset: "USD", Field: "requests", TierMode: TierVolume, Tiers: []Tier{
		{UpTo: decp("1000"), UnitAmount: dec("0.01")},
		{UpTo: decp("5000"), UnitAmount: dec("0.008")},
		{UnitAmount: dec("0.005")},
	}}
}

func imagePrice(rates ...DimensionRate) Price {
	return Price{ID: "img", Name: "images", Model: Dimensional, Asset: "USD", Dimensions: []string{"model", "quality"}, Rates: rates}
}

func rate(model, quality, amount string) DimensionRate {
	return DimensionRate{Values: map[string]string{"model": model, "quality": quality}, Amount: dec(amount)}
}

func costPlus(vendor, pct, fixed string) Price {
	return Price{ID: "cp", Name: "llm", Model: CostPlus, Asset: "USD", Vendor: vendor, MarkupPercent: dec(pct), MarkupFixed: dec(fixed)}
}

func TestRate(t *testing.T) {
	tokens := perVolume("input", "total_tokens", "1000000", "1.25")
	pkg := Price{ID: "pkg", Name: "pack", Model: Package, Asset: "USD", Field: "total_tokens", BlockSize: dec("1000"), BlockAmount: dec("5")}
	standardRates := []DimensionRate{
		rate("gpt-4o", "hd", "0.08"),
		rate("gpt-4o", "*", "0.04"),
		rate("*", "*", "0.10"),
	}
	tests := []struct {
		name      string
		prices    []Price
		ev        RatingEvent
		prior     map[string]Decimal
		want      []string
		wantErr   string
		wantField string
	}{
		// per_unit
		{name: "per unit charges a sub-cent unit amount exactly", prices: []Price{{ID: "u", Model: PerUnit, Asset: "USD", UnitAmount: dec("0.0005")}},
			want: []string{"u 0.0005 USD qty=1"}},
		{name: "per unit half a cent is not rounded up", prices: []Price{{ID: "u", Model: PerUnit, Asset: "USD", UnitAmount: dec("0.125")}},
			want: []string{"u 0.125 USD qty=1"}},
		{name: "per unit below half a cent is not rounded down", prices: []Price{{ID: "u", Model: PerUnit, Asset: "USD", UnitAmount: dec("0.124")}},
			want: []string{"u 0.124 USD qty=1"}},
		{name: "per unit keeps a fraction of a zero-place asset", prices: []Price{{ID: "u", Model: PerUnit, Asset: "JPY", UnitAmount: dec("2.5")}},
			want: []string{"u 2.5 JPY qty=1"}},

		// per_volume
		{name: "per volume prorates a partial block", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", json.Number("1500000"))},
			want: []string{"input 1.875 USD qty=1500000"}},
		{name: "per volume tiny usage is charged exactly", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", json.Number("1500"))},
			want: []string{"input 0.001875 USD qty=1500"}},
		{name: "per volume zero quantity costs zero", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", json.Number("0"))},
			want: []string{"input 0 USD qty=0"}},
		{name: "per volume reads a decimal string", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", "2000000")},
			want: []string{"input 2.5 USD qty=2000000"}},
		{name: "per volume reads exponent notation", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", json.Number("2e6"))},
			want: []string{"input 2.5 USD qty=2000000"}},
		{name: "per volume reads a Go integer", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", 2000000)},
			want: []string{"input 2.5 USD qty=2000000"}},
		{name: "per volume reads an integral float64", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", float64(2000000))},
			want: []string{"input 2.5 USD qty=2000000"}},
		{name: "per volume non-terminating division rounds once at the accrual scale", prices: []Price{perVolume("third", "units", "3", "1")}, ev: RatingEvent{Data: data("units", json.Number("1"))},
			want: []string{"third 0.333333333333333333 USD qty=1"}},
		{name: "per volume non-terminating division rounds half away from zero",
			prices: []Price{perVolume("third", "units", "3", "2")}, ev: RatingEvent{Data: data("units", json.Number("1"))},
			want: []string{"third 0.666666666666666667 USD qty=1"}},
		{name: "per volume amount beyond the accrual scale is out of range",
			prices: []Price{perVolume("third", "units", "3", "0.1499999999999999999")}, ev: RatingEvent{Data: data("units", json.Number("0.1"))},
			wantErr: "send at most 15 digits before and 18 after the decimal point", wantField: "prices[0].block_amount"},
		{name: "per volume missing field is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("tokens", json.Number("5"))},
			wantErr: `event data has no total_tokens; price "input" reads its quantity from it; send data.total_tokens as a number`, wantField: "data.total_tokens"},
		{name: "per volume negative quantity is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", json.Number("-5"))},
			wantErr: "data.total_tokens is -5; price \"input\" reads a quantity from it, which cannot be negative", wantField: "data.total_tokens"},
		{name: "per volume non-numeric string is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", "lots")},
			wantErr: `data.total_tokens must be a number, e.g. 1500, or a decimal string, e.g. "1500" (price "input" reads its quantity from it); got "lots"`, wantField: "data.total_tokens"},
		{name: "per volume boolean is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", true)},
			wantErr: "got true", wantField: "data.total_tokens"},
		{name: "per volume null is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", nil)},
			wantErr: "got null", wantField: "data.total_tokens"},
		{name: "per volume object is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", map[string]any{})},
			wantErr: "got an object", wantField: "data.total_tokens"},
		{name: "per volume fractional float64 is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", 0.1)},
			wantErr: "not an exact integer", wantField: "data.total_tokens"},
		{name: "per volume out of range quantity is an error", prices: []Price{tokens}, ev: RatingEvent{Data: data("total_tokens", json.Number("1e40"))},
			wantErr: "data.total_tokens (1E40) is out of range", wantField: "data.total_tokens"},

		// package
		{name: "package charges a started block in full", prices: []Price{pkg}, ev: RatingEvent{Data: data("total_tokens", json.Number("1500"))},
			want: []string{"pkg 10 USD qty=1500"}},
		{name: "package exactly one block", prices: []Price{pkg}, ev: RatingEvent{Data: data("total_tokens", json.Number("1000"))},
			want: []string{"pkg 5 USD qty=1000"}},
		{name: "package one unit starts a block", prices: []Price{pkg}, ev: RatingEvent{Data: data("total_tokens", json.Number("0.001"))},
			want: []string{"pkg 5 USD qty=0.001"}},
		{name: "package zero units cost zero", prices: []Price{pkg}, ev: RatingEvent{Data: data("total_tokens", json.Number("0"))},
			want: []string{"pkg 0 USD qty=0"}},

		// dimensional
		{name: "dimensional most specific rate wins", prices: []Price{imagePrice(standardRates...)}, ev: RatingEvent{Data: data("model", "gpt-4o", "quality", "hd")},
			want: []string{"img 0.08 USD qty=1"}},
		{name: "dimensional partial wildcard", prices: []Price{imagePrice(standardRates...)}, ev: RatingEvent{Data: data("model", "gpt-4o", "quality", "sd")},
			want: []string{"img 0.04 USD qty=1"}},
		{name: "dimensional wildcard fallback", prices: []Price{imagePrice(standardRates...)}, ev: RatingEvent{Data: data("model", "claude", "quality", "hd")},
			want: []string{"img 0.1 USD qty=1"}},
		{name: "dimensional missing key matched by wildcard", prices: []Price{imagePrice(standardRates...)}, ev: RatingEvent{Data: data("model", "gpt-4o")},
			want: []string{"img 0.04 USD qty=1"}},
		{name: "dimensional equally specific rates: earliest wins",
			prices: []Price{imagePrice(rate("*", "hd", "0.09"), rate("gpt-4o", "*", "0.04"))}, ev: RatingEvent{Data: data("model", "gpt-4o", "quality", "hd")},
			want: []string{"img 0.09 USD qty=1"}},
		{name: "dimensional number value matched by its text",
			prices: []Price{{ID: "sz", Model: Dimensional, Asset: "USD", Dimensions: []string{"size"}, Rates: []DimensionRate{{Values: map[string]string{"size": "1024"}, Amount: dec("0.02")}}}},
			ev:     RatingEvent{Data: data("size", json.Number("1024"))}, want: []string{"sz 0.02 USD qty=1"}},
		{name: "dimensional with field prorates per block",
			prices: []Price{{ID: "tok", Model: Dimensional, Asset: "USD", Field: "total_tokens", BlockSize: dec("1000000"), Dimensions: []string{"model"},
				Rates: []DimensionRate{{Values: map[string]string{"model": "gpt-4o"}, Amount: dec("2.5")}, {Values: map[string]string{"model": "*"}, Amount: dec("1")}}}},
			ev: RatingEvent{Data: data("model", "gpt-4o", "total_tokens", json.Number("1500000"))}, want: []string{"tok 3.75 USD qty=1500000"}},
		{name: "dimensional no match lists known values",
			prices: []Price{{ID: "m", Name: "chat", Model: Dimensional, Asset: "USD", Dimensions: []string{"model"},
				Rates: []DimensionRate{{Values: map[string]string{"model": "gpt-4o"}, Amount: dec("1")}, {Values: map[string]string{"model": "claude"}, Amount: dec("1")}}}},
			ev:      RatingEvent{Data: data("model", "gpt-5")},
			wantErr: `no rate for model="gpt-5"; rates exist for model: gpt-4o, claude; add a rate with "*" as a fallback or send one of those`, wantField: "data.model"},
		{name: "dimensional missing key without wildcard is no match",
			prices: []Price{imagePrice(rate("gpt-4o", "hd", "0.08"))}, ev: RatingEvent{Data: data("model", "gpt-4o")},
			wantErr: `no rate for model="gpt-4o", quality (missing); rates exist for model: gpt-4o; quality: hd`, wantField: "data.quality"},

		// tiered, graduated
		{name: "graduated within the first tier", prices: []Price{graduatedPrice("requests")}, ev: RatingEvent{Data: data("requests", json.Number("500"))},
			want: []string{"tiers 5 USD qty=500"}},
		{name: "graduated exactly at up_to stays in the tier", prices: []Price{graduatedPrice("requests")}, ev: RatingEvent{Data: data("requests", json.Number("1000"))},
			want: []string{"tiers 10 USD qty=1000"}},
		{name: "graduated crossing one tier charges its flat", prices: []Price{graduatedPrice("requests")}, ev: RatingEvent{Data: data("requests", json.Number("1001"))},
			want: []string{"tiers 12.008 USD qty=1001"}},
		{name: "graduated crossing two tiers in one event", prices: []Price{graduatedPrice("requests")}, ev: RatingEvent{Data: data("requests", json.Number("5000"))},
			prior: map[string]Decimal{"tiers": dec("500")},
			// 500×0.01 + 4000×0.008 + 2 + 500×0.005 + 5
			want: []string{"tiers 46.5 USD qty=5000"}},
		{name: "graduated prior exactly at the edge enters the next tier", prices: []Price{graduatedPrice("requests")}, ev: RatingEvent{Data: data("requests", json.Number("1"))},
			prior: map[string]Decimal{"tiers": dec("1000")}, want: []string{"tiers 2.008 USD qty=1"}},
		{name: "graduated zero quantity at the edge charges no flat", prices: []Price{graduatedPrice("requests")}, ev: RatingEvent{Data: data("requests", json.Number("0"))},
			prior: map[string]Decimal{"tiers": dec("1000")}, want: []string{"tiers 0 USD qty=0"}},
		{name: "graduated flat already charged is not charged again", prices: []Price{graduatedPrice("requests")}, ev: RatingEvent{Data: data("requests", json.Number("1"))},
			prior: map[string]Decimal{"tiers": dec("1001")}, want: []string{"tiers 0.008 USD qty=1"}},
		{name: "graduated without field counts one per event", prices: []Price{graduatedPrice("")},
			prior: map[string]Decimal{"tiers": dec("999")}, want: []string{"tiers 0.01 USD qty=1"}},
		{name: "graduated first tier flat on the first unit",
			prices: []Price{{ID: "f", Model: Tiered, Asset: "USD", TierMode: TierGraduated, Tiers: []Tier{{UpTo: decp("10"), FlatAmount: dec("3")}, {UnitAmount: dec("1")}}}},
			want:   []string{"f 3 USD qty=1"}},
		{name: "graduated negative prior is an error", prices: []Price{graduatedPrice("")},
			prior: map[string]Decimal{"tiers": dec("-1")}, wantErr: "it must be 0 or more", wantField: "prior"},

		// tiered, volume
		{name: "volume exactly at up_to uses that tier", prices: []Price{volumePrice()}, ev: RatingEvent{Data: data("requests", json.Number("1000"))},
			want: []string{"tiers 10 USD qty=1000"}},
		{name: "volume total above up_to prices the event at the next tier", prices: []Price{volumePrice()}, ev: RatingEvent{Data: data("requests", json.Number("1001"))},
			want: []string{"tiers 8.008 USD qty=1001"}},
		{name: "volume does not re-price earlier usage", prices: []Price{volumePrice()}, ev: RatingEvent{Data: data("requests", json.Number("200"))},
			prior: map[string]Decimal{"tiers": dec("900")}, want: []string{"tiers 1.6 USD qty=200"}},
		{name: "volume crossing two tiers lands in the last", prices: []Price{volumePrice()}, ev: RatingEvent{Data: data("requests", json.Number("5000"))},
			prior: map[string]Decimal{"tiers": dec("500")}, want: []string{"tiers 25 USD qty=5000"}},
		{name: "volume missing field is an error", prices: []Price{volumePrice()}, ev: RatingEvent{Data: data()},
			wantErr: `event data has no requests; price "requests" reads its quantity from it`, wantField: "data.requests"},

		// cost_plus
		{name: "cost plus marks up the vendor cost", prices: []Price{costPlus("openai", "20", "0.01")},
			ev:   RatingEvent{Costs: []Cost{{Vendor: "openai", Amount: dec("0.0123"), Currency: "USD"}, {Vendor: "other", Amount: dec("9"), Currency: "EUR"}}},
			want: []string{"cp 0.02476 USD qty=0.0123"}},
		{name: "cost plus without vendor sums all costs", prices: []Price{costPlus("", "50", "0")},
			ev:   RatingEvent{Costs: []Cost{{Vendor: "openai", Amount: dec("0.01"), Currency: "USD"}, {Vendor: "anthropic", Amount: dec("0.02"), Currency: "USD"}}},
			want: []string{"cp 0.045 USD qty=0.03"}},
		{name: "cost plus missing vendor cost is an error", prices: []Price{costPlus("openai", "20", "0")},
			ev:      RatingEvent{Costs: []Cost{{Vendor: "anthropic", Amount: dec("1"), Currency: "USD"}}},
			wantErr: `cost_plus price "llm" needs a cost from vendor "openai" in the event's costs; a missing cost is unknown, not zero`, wantField: "costs"},
		{name: "cost plus with no costs at all is an error", prices: []Price{costPlus("", "20", "0")},
			wantErr: "needs at least one cost", wantField: "costs"},
		{name: "cost plus in another currency is an error", prices: []Price{costPlus("openai", "20", "0")},
			ev:      RatingEvent{Costs: []Cost{{Vendor: "openai", Amount: dec("1"), Currency: "EUR"}}},
			wantErr: `cost_plus price "llm" is in USD, but the event's costs from vendor "openai" include costs in "EUR"; send costs in USD`, wantField: "costs"},
		{name: "cost plus negative cost is an error", prices: []Price{costPlus("openai", "20", "0")},
			ev:      RatingEvent{Costs: []Cost{{Vendor: "openai", Amount: dec("-1"), Currency: "USD"}}},
			wantErr: "costs[0].amount is -1; a vendor cost cannot be negative", wantField: "costs[0].amount"},

		// several prices, recurring, bad prices
		{name: "several prices from one event, recurring skipped",
			prices: []Price{
				perVolume("input", "input_tokens", "1000000", "2.5"),
				perVolume("output", "output_tokens", "1000000", "10"),
				{ID: "seat", Model: Recurring, Asset: "USD", Interval: "month", Amount: dec("20")},
			},
			ev:   RatingEvent{Data: data("input_tokens", json.Number("1000000"), "output_tokens", json.Number("500000"))},
			want: []string{"input 2.5 USD qty=1000000", "output 5 USD qty=500000"}},
		{name: "recurring price yields no fee", prices: []Price{{ID: "seat", Model: Recurring, Asset: "USD", Interval: "month", Amount: dec("20")}},
			want: []string{}},
		{name: "invalid stored price is an error, not a panic", prices: []Price{perVolume("bad", "n", "0", "1")}, ev: RatingEvent{Data: data("n", json.Number("1"))},
			wantErr: "prices[0].block_size must be above 0", wantField: "prices[0].block_size"},
		{name: "unknown asset is an error", prices: []Price{{ID: "u", Model: PerUnit, Asset: "XYZ", UnitAmount: dec("1")}},
			wantErr: `prices[0].asset "XYZ" is not a known asset`, wantField: "prices[0].asset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fees, err := Rate(tt.prices, tt.ev, tt.prior, testPrecision)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Rate(%v) error = %v, want one containing %q", tt.ev, err, tt.wantErr)
				}
				if kernel.ErrorCode(err) != kernel.EInvalid || kernel.ErrorField(err) != tt.wantField {
					t.Errorf("Rate(%v) error code, field = %s, %q, want %s, %q", tt.ev, kernel.ErrorCode(err), kernel.ErrorField(err), kernel.EInvalid, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("Rate(%v) error = %v, want none", tt.ev, err)
			}
			if diff := cmp.Diff(tt.want, summary(fees)); diff != "" {
				t.Errorf("Rate(%v) = %v, want %v (-want +got):\n%s", tt.ev, summary(fees), tt.want, diff)
			}
			for _, f := range fees {
				if !f.Amount.Equal(Accrue(f.Amount)) || f.Amount.IsNegative() {
					t.Errorf("Rate(%v) fee %s amount %s is not a non-negative %s amount within AccrualScale", tt.ev, f.PriceID, f.Amount, f.Asset)
				}
			}
		})
	}
}

func TestRateBreakdown(t *testing.T) {
	tests := []struct {
		name  string
		price Price
		ev    RatingEvent
		prior Decimal
		want  string
	}{
		{name: "per unit", price: Price{Model: PerUnit, Asset: "USD", UnitAmount: dec("0.0005")},
			want: "1 event × 0.0005 = 0.0005 USD"},
		{name: "per volume", price: perVolume("input", "total_tokens", "1000000", "1.25"), ev: RatingEvent{Data: data("total_tokens", json.Number("1500"))},
			want: "1,500 total_tokens × 1.25 per 1,000,000 = 0.001875 USD"},
		{name: "inexact division is marked", price: perVolume("third", "units", "3", "1"), ev: RatingEvent{Data: data("units", json.Number("1"))},
			want: "1 units × 1 per 3 ≈ 0.333333333333333333 USD"},
		{name: "package", price: Price{Model: Package, Asset: "USD", Field: "total_tokens", BlockSize: dec("1000"), BlockAmount: dec("5")}, ev: RatingEvent{Data: data("total_tokens", json.Number("1500"))},
			want: "1,500 total_tokens = 2 × block of 1,000 at 5 = 10 USD"},
		{name: "dimensional", price: imagePrice(rate("gpt-4o", "hd", "0.08"), rate("*", "*", "0.1")), ev: RatingEvent{Data: data("model", "gpt-4o", "quality", "hd")},
			want: `model="gpt-4o", quality="hd": 1 event × 0.08 = 0.08 USD`},
		{name: "graduated", price: graduatedPrice("requests"), ev: RatingEvent{Data: data("requests", json.Number("1001"))},
			want: "graduated tiers, 0 used + 1,001 requests: tiers[0] 1,000 × 0.01 + tiers[1] 1 × 0.008 + tiers[1] flat 2 = 12.008 USD"},
		{name: "volume", price: volumePrice(), ev: RatingEvent{Data: data("requests", json.Number("200"))}, prior: dec("900"),
			want: "volume tiers, 900 used + 200 requests = 1,100 in tiers[1]: 200 × 0.008 = 1.6 USD"},
		{name: "cost plus", price: costPlus("openai", "20", "0.01"), ev: RatingEvent{Costs: []Cost{{Vendor: "openai", Amount: dec("0.0123"), Currency: "USD"}}},
			want: "cost 0.0123 USD from openai × (1 + 20%) + 0.01 = 0.02476 USD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fees, err := Rate([]Price{tt.price}, tt.ev, map[string]Decimal{tt.price.ID: tt.prior}, testPrecision)
			if err != nil || len(fees) != 1 {
				t.Fatalf("Rate(%v) = %v, %v, want one fee", tt.ev, fees, err)
			}
			if fees[0].Breakdown != tt.want {
				t.Errorf("Rate(%v) breakdown = %q, want %q", tt.ev, fees[0].Breakdown, tt.want)
			}
		})
	}
}

func TestRateDoesNotChangeWithDecimalGlobals(t *testing.T) {
	price := perVolume("input", "total_tokens", "1000000", "1.25")
	ev := RatingEvent{Data: data("total_tokens", json.Number("1500000"))}
	before, err := Rate([]Price{price}, ev, nil, testPrecision)
	if err != nil {
		t.Fatal(err)
	}
	old := decimal.UseScientificNotation
	decimal.UseScientificNotation = true
	defer func() { decimal.UseScientificNotation = old }()
	after, err := Rate([]Price{price}, ev, nil, testPrecision)
	if err != nil {
		t.Fatal(err)
	}
	if before[0].Breakdown != after[0].Breakdown {
		t.Errorf("Rate(%v) breakdown = %q with scientific notation on, want %q", ev, after[0].Breakdown, before[0].Breakdown)
	}
}

func TestPeriodStart(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{name: "mid month", in: time.Date(2025, 3, 15, 10, 30, 0, 0, time.UTC), want: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{name: "first instant", in: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), want: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{name: "local evening is the next UTC month", in: time.Date(2024, 2, 29, 22, 0, 0, 0, est), want: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{name: "last nanosecond of the year", in: time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC), want: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PeriodStart(tt.in); !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("PeriodStart(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidatePrice(t *testing.T) {
	tiers := func(ups ...string) []Tier {
		out := make([]Tier, len(ups))
		for i, u := range ups {
			if u != "" {
				out[i].UpTo = decp(u)
			}
			out[i].UnitAmount = dec("0.01")
		}
		return out
	}
	tests := []struct {
		name      string
		price     Price
		wantErr   string // empty: valid
		wantField string
	}{
		{name: "per unit with sub-cent amount is valid", price: Price{Model: PerUnit, Asset: "USD", UnitAmount: dec("0.0005")}},
		{name: "per volume is valid", price: perVolume("v", "total_tokens", "1000000", "1.25")},
		{name: "package is valid", price: Price{Model: Package, Asset: "USD", Field: "n", BlockSize: dec("1000"), BlockAmount: dec("5")}},
		{name: "dimensional is valid", price: imagePrice(rate("gpt-4o", "hd", "0.08"), rate("*", "*", "0.1"))},
		{name: "graduated is valid", price: graduatedPrice("")},
		{name: "volume is valid", price: volumePrice()},
		{name: "cost plus is valid", price: costPlus("openai", "20", "0.01")},
		{name: "recurring is valid", price: Price{Model: Recurring, Asset: "USD", Interval: "month", Amount: dec("20.00")}},

		{name: "unknown model", price: Price{Model: "flat", Asset: "USD"},
			wantErr: `model "flat" is not a price model; use one of per_unit, per_volume, package, dimensional, tiered, cost_plus, recurring`, wantField: "model"},
		{name: "missing asset", price: Price{Model: PerUnit}, wantErr: "asset is required", wantField: "asset"},
		{name: "unknown asset", price: Price{Model: PerUnit, Asset: "XYZ"}, wantErr: `asset "XYZ" is not a known asset`, wantField: "asset"},
		{name: "negative unit amount", price: Price{Model: PerUnit, Asset: "USD", UnitAmount: dec("-1")},
			wantErr: "unit_amount is -1; it cannot be negative; send 0 or more", wantField: "unit_amount"},
		{name: "out of range amount", price: Price{Model: PerUnit, Asset: "USD", UnitAmount: dec("1e31")},
			wantErr: "unit_amount (1E31) is out of range", wantField: "unit_amount"},
		{name: "too many places", price: Price{Model: PerUnit, Asset: "USD", UnitAmount: dec("1e-31")},
			wantErr: "unit_amount (1E-31) is out of range", wantField: "unit_amount"},
		{name: "per volume without field", price: perVolume("v", "", "1000", "1"),
			wantErr: "field is required for a per_volume price", wantField: "field"},
		{name: "per volume zero block size", price: perVolume("v", "n", "0", "1"),
			wantErr: "block_size must be above 0", wantField: "block_size"},
		{name: "package negative block size", price: Price{Model: Package, Asset: "USD", Field: "n", BlockSize: dec("-5"), BlockAmount: dec("5")},
			wantErr: "block_size is -5; it cannot be negative", wantField: "block_size"},
		{name: "dimensional without dimensions", price: Price{Model: Dimensional, Asset: "USD", Rates: []DimensionRate{{Values: map[string]string{}}}},
			wantErr: "dimensions is empty", wantField: "dimensions"},
		{name: "dimensional repeated dimension", price: Price{Model: Dimensional, Asset: "USD", Dimensions: []string{"model", "model"}},
			wantErr: `dimensions[1] ("model") repeats dimensions[0]`, wantField: "dimensions[1]"},
		{name: "dimensional without rates", price: imagePrice(), wantErr: "rates is empty", wantField: "rates"},
		{name: "dimensional rate missing a key", price: imagePrice(DimensionRate{Values: map[string]string{"model": "x"}, Amount: dec("1")}),
			wantErr: `rates[0].values has no quality; give every rate a value for each dimension (model, quality), or "*" to match any value`, wantField: "rates[0].values"},
		{name: "dimensional rate with an extra key", price: imagePrice(DimensionRate{Values: map[string]string{"model": "x", "quality": "hd", "size": "l"}, Amount: dec("1")}),
			wantErr: `rates[0].values has key "size", which is not one of dimensions (model, quality)`, wantField: "rates[0].values"},
		{name: "dimensional empty value", price: imagePrice(rate("", "hd", "1")),
			wantErr: "rates[0].values.model is empty", wantField: "rates[0].values.model"},
		{name: "dimensional duplicate rates", price: imagePrice(rate("gpt-4o", "*", "1"), rate("claude", "*", "1"), rate("gpt-4o", "*", "2")),
			wantErr: "rates[2] has the same values as rates[0] (model=gpt-4o, quality=*)", wantField: "rates[2]"},
		{name: "dimensional negative rate", price: imagePrice(rate("gpt-4o", "*", "-1")),
			wantErr: "rates[0].amount is -1", wantField: "rates[0].amount"},
		{name: "dimensional field without block size", price: Price{Model: Dimensional, Asset: "USD", Field: "n", Dimensions: []string{"m"}, Rates: []DimensionRate{{Values: map[string]string{"m": "*"}}}},
			wantErr: "block_size must be above 0", wantField: "block_size"},
		{name: "tiered bad mode", price: Price{Model: Tiered, Asset: "USD", TierMode: "stairs", Tiers: tiers("")},
			wantErr: `tier_mode "stairs" is not a tier mode`, wantField: "tier_mode"},
		{name: "tiered without tiers", price: Price{Model: Tiered, Asset: "USD", TierMode: TierGraduated},
			wantErr: "tiers is empty", wantField: "tiers"},
		{name: "tiers not ascending", price: Price{Model: Tiered, Asset: "USD", TierMode: TierGraduated, Tiers: tiers("1000", "100", "")},
			wantErr: "tiers must ascend: tiers[1].up_to (100) is not above tiers[0].up_to (1000); list tiers from the smallest up_to, the last with no up_to", wantField: "tiers[1].up_to"},
		{name: "tiers equal up_to", price: Price{Model: Tiered, Asset: "USD", TierMode: TierGraduated, Tiers: tiers("1000", "1000", "")},
			wantErr: "tiers must ascend", wantField: "tiers[1].up_to"},
		{name: "last tier with up_to", price: Price{Model: Tiered, Asset: "USD", TierMode: TierGraduated, Tiers: tiers("1000", "5000")},
			wantErr: "tiers[1].up_to is 5000, but the last tier must have no up_to", wantField: "tiers[1].up_to"},
		{name: "middle tier without up_to", price: Price{Model: Tiered, Asset: "USD", TierMode: TierGraduated, Tiers: tiers("1000", "", "")},
			wantErr: "tiers[1].up_to is missing; only the last tier may omit up_to", wantField: "tiers[1].up_to"},
		{name: "first up_to zero", price: Price{Model: Tiered, Asset: "USD", TierMode: TierGraduated, Tiers: tiers("0", "")},
			wantErr: "tiers[0].up_to is 0", wantField: "tiers[0].up_to"},
		{name: "volume tier with flat amount", price: Price{Model: Tiered, Asset: "USD", TierMode: TierVolume, Tiers: []Tier{{UpTo: decp("10")}, {FlatAmount: dec("1")}}},
			wantErr: "tiers[1].flat_amount is 1, but tier_mode is volume; flat amounts apply only to graduated tiers", wantField: "tiers[1].flat_amount"},
		{name: "cost plus negative markup", price: costPlus("", "-5", "0"),
			wantErr: "markup_percent is -5; it cannot be negative", wantField: "markup_percent"},
		{name: "recurring bad interval", price: Price{Model: Recurring, Asset: "USD", Interval: "monthly", Amount: dec("20")},
			wantErr: `interval "monthly" is not an interval; use day, week, month or year`, wantField: "interval"},
		{name: "recurring zero amount", price: Price{Model: Recurring, Asset: "USD", Interval: "month"},
			wantErr: "amount is 0; a recurring price needs an amount above 0", wantField: "amount"},
		{name: "recurring amount beyond the accrual scale", price: Price{Model: Recurring, Asset: "USD", Interval: "month", Amount: dec("20.0000000000000000001")},
			wantErr: "send at most 15 digits before and 18 after the decimal point", wantField: "amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePrice(tt.price, testPrecision)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("ValidatePrice(%+v) = %v, want nil", tt.price, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidatePrice(%+v) = %v, want an error containing %q", tt.price, err, tt.wantErr)
			}
			if kernel.ErrorCode(err) != kernel.EInvalid || kernel.ErrorField(err) != tt.wantField {
				t.Errorf("ValidatePrice(%+v) code, field = %s, %q, want %s, %q", tt.price, kernel.ErrorCode(err), kernel.ErrorField(err), kernel.EInvalid, tt.wantField)
			}
		})
	}
}

func TestValidatePrices(t *testing.T) {
	bad := graduatedPrice("")
	bad.Tiers[1].UpTo = decp("10")
	tests := []struct {
		name      string
		prices    []Price
		wantErr   string
		wantField string
	}{
		{name: "valid list", prices: []Price{perVolume("a", "n", "1", "1"), perVolume("b", "n", "1", "1")}},
		{name: "error names the price index", prices: []Price{perVolume("a", "n", "1", "1"), bad},
			wantErr: "tiers must ascend: prices[1].tiers[1].up_to (10) is not above prices[1].tiers[0].up_to (1000)", wantField: "prices[1].tiers[1].up_to"},
		{name: "duplicate ids", prices: []Price{perVolume("a", "n", "1", "1"), perVolume("a", "m", "1", "1")},
			wantErr: `prices[1].id "a" is also prices[0].id`, wantField: "prices[1].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePrices(tt.prices, testPrecision)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("ValidatePrices(%v) = %v, want nil", tt.prices, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || kernel.ErrorField(err) != tt.wantField {
				t.Errorf("ValidatePrices(%v) = %v (field %q), want an error containing %q (field %q)", tt.prices, err, kernel.ErrorField(err), tt.wantErr, tt.wantField)
			}
		})
	}
}

func TestValidateEntitlement(t *testing.T) {
	tests := []struct {
		name      string
		e         Entitlement
		wantErr   string
		wantField string
	}{
		{name: "recurring is valid", e: Entitlement{Kind: EntitlementRecurring, Asset: "USD", Amount: dec("10"), Interval: "month"}},
		{name: "one off promotion is valid", e: Entitlement{Kind: EntitlementOneOff, Asset: "USD", Amount: dec("5.50"), LifetimeDays: 30, Purpose: PurposePromotion}},
		{name: "unknown kind", e: Entitlement{Kind: "monthly", Asset: "USD", Amount: dec("10")},
			wantErr: `kind "monthly" is not an entitlement kind`, wantField: "kind"},
		{name: "unknown asset", e: Entitlement{Kind: EntitlementOneOff, Asset: "XYZ", Amount: dec("10")},
			wantErr: `asset "XYZ" is not a known asset`, wantField: "asset"},
		{name: "zero amount", e: Entitlement{Kind: EntitlementOneOff, Asset: "USD"},
			wantErr: "amount is 0", wantField: "amount"},
		{name: "negative amount", e: Entitlement{Kind: EntitlementOneOff, Asset: "USD", Amount: dec("-1")},
			wantErr: "amount is -1; it cannot be negative", wantField: "amount"},
		{name: "amount beyond the accrual scale", e: Entitlement{Kind: EntitlementOneOff, Asset: "USD", Amount: dec("1e16")},
			wantErr: "send at most 15 digits before", wantField: "amount"},
		{name: "recurring without interval", e: Entitlement{Kind: EntitlementRecurring, Asset: "USD", Amount: dec("10")},
			wantErr: `interval "" is not an interval`, wantField: "interval"},
		{name: "negative lifetime", e: Entitlement{Kind: EntitlementOneOff, Asset: "USD", Amount: dec("10"), LifetimeDays: -1},
			wantErr: "lifetime_days is -1", wantField: "lifetime_days"},
		{name: "unknown purpose", e: Entitlement{Kind: EntitlementOneOff, Asset: "USD", Amount: dec("10"), Purpose: "gift"},
			wantErr: `purpose "gift" is not a purpose`, wantField: "purpose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateEntitlement(tt.e, testPrecision)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("ValidateEntitlement(%+v) = %v, want nil", tt.e, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || kernel.ErrorField(err) != tt.wantField {
				t.Errorf("ValidateEntitlement(%+v) = %v (field %q), want an error containing %q (field %q)", tt.e, err, kernel.ErrorField(err), tt.wantErr, tt.wantField)
			}
		})
	}
}

func TestDivideRoundsOnce(t *testing.T) {
	tests := []struct {
		num, den, want string
		inexact        bool
	}{
		{"3", "8", "0.375", false},
		{"1", "3", "0.333333333333333333", true},
		{"2", "3", "0.666666666666666667", true},
		{"-2", "3", "-0.666666666666666667", true},
		{"1", "2000000000000000000", "0.000000000000000001", true}, // half away from zero
		{"1500", "1000000", "0.0015", false},
	}
	for _, tt := range tests {
		got, inexact := Divide(dec(tt.num), dec(tt.den))
		if !got.Equal(dec(tt.want)) || inexact != tt.inexact {
			t.Errorf("Divide(%s, %s) = %s (inexact %v), want %s (inexact %v)", tt.num, tt.den, got, inexact, tt.want, tt.inexact)
		}
	}
}
