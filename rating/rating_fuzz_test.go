package rating

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/kernel"
)

var fuzzAssets = []string{"USD", "JPY", "BTC"}

// fuzzPrices builds one price of every charged model from fuzzed numbers.
func fuzzPrices(asset string, unit, blockSize Decimal) []Price {
	two, three, ten := decimal.NewFromInt(2), decimal.NewFromInt(3), decimal.NewFromInt(10)
	up0, up1 := blockSize, blockSize.Mul(ten)
	return []Price{
		{ID: "unit", Model: PerUnit, Asset: asset, UnitAmount: unit},
		{ID: "volume", Model: PerVolume, Asset: asset, Field: "n", BlockSize: blockSize, BlockAmount: unit},
		{ID: "package", Model: Package, Asset: asset, Field: "n", BlockSize: blockSize, BlockAmount: unit},
		{ID: "dimensional", Model: Dimensional, Asset: asset, Field: "n", BlockSize: blockSize, Dimensions: []string{"model"}, Rates: []DimensionRate{
			{Values: map[string]string{"model": "*"}, Amount: unit},
			{Values: map[string]string{"model": "a"}, Amount: unit.Mul(two)},
		}},
		{ID: "graduated", Model: Tiered, Asset: asset, Field: "n", TierMode: TierGraduated, Tiers: []Tier{
			{UpTo: &up0, UnitAmount: unit.Mul(three), FlatAmount: unit},
			{UpTo: &up1, UnitAmount: unit.Mul(two), FlatAmount: unit},
			{UnitAmount: unit, FlatAmount: unit},
		}},
		{ID: "tiered_volume", Model: Tiered, Asset: asset, Field: "n", TierMode: TierVolume, Tiers: []Tier{
			{UpTo: &up0, UnitAmount: unit.Mul(three)},
			{UpTo: &up1, UnitAmount: unit.Mul(two)},
			{UnitAmount: unit},
		}},
		{ID: "cost_plus", Model: CostPlus, Asset: asset, Vendor: "v", MarkupPercent: decimal.NewFromInt(int64(len(asset) * 7)), MarkupFixed: unit},
	}
}

// monotone lists the models whose fee never falls as the quantity grows.
var monotone = map[string]bool{"unit": true, "volume": true, "package": true, "dimensional": true, "graduated": true, "cost_plus": true}

func fuzzEvent(asset, qty string) RatingEvent {
	ev := RatingEvent{Data: map[string]any{"n": json.Number(qty), "model": "a"}}
	if c, err := decimal.NewFromString(qty); err == nil {
		ev.Costs = []Cost{{Vendor: "v", Amount: c, Currency: asset}}
	}
	return ev
}

// render makes a comparable text of a Rate result.
func render(fees []RatedFee, err error) string {
	if err != nil {
		return fmt.Sprintf("error %s %q: %s", kernel.ErrorCode(err), kernel.ErrorField(err), err)
	}
	return fmt.Sprintf("%q", summary(fees)) + fmt.Sprint(breakdowns(fees))
}

func breakdowns(fees []RatedFee) []string {
	out := make([]string, len(fees))
	for i, f := range fees {
		out[i] = f.Breakdown
	}
	return out
}

func FuzzRate(f *testing.F) {
	// qty, extra, amount, block, scale, prior
	f.Add("1500", uint32(500), uint32(125), uint32(999999), uint8(2), uint32(0))
	f.Add("0", uint32(1), uint32(5), uint32(999), uint8(0), uint32(1000))
	f.Add("1000", uint32(0), uint32(1), uint32(999), uint8(3), uint32(999))
	f.Add("2.5e3", uint32(7), uint32(333), uint32(2), uint8(7), uint32(12345))
	f.Add("-1", uint32(1), uint32(1), uint32(1), uint8(1), uint32(1))
	f.Add("abc", uint32(1), uint32(1), uint32(1), uint8(1), uint32(1))
	f.Add("1e40", uint32(1), uint32(1), uint32(1), uint8(1), uint32(1))
	f.Add("0.0000001", uint32(3), uint32(4294967295), uint32(2), uint8(9), uint32(99999))
	f.Fuzz(func(t *testing.T, qty string, extra, amount, block uint32, scale uint8, prior uint32) {
		sc := int32(scale % 10)
		asset := fuzzAssets[int(scale)%len(fuzzAssets)]
		unit := decimal.New(int64(amount), -sc)
		blockSize := decimal.New(int64(block%1_000_000)+1, -int32(scale%3))
		priorUsage := decimal.New(int64(prior%1_000_000), -int32(scale%3))
		priors := map[string]Decimal{"graduated": priorUsage, "tiered_volume": priorUsage}
		ev := fuzzEvent(asset, qty)

		for _, p := range fuzzPrices(asset, unit, blockSize) {
			prices := []Price{p}
			fees, err := Rate(prices, ev, priors, testPrecision)
			if again, err2 := Rate(prices, ev, priors, testPrecision); render(fees, err) != render(again, err2) {
				t.Fatalf("Rate(%v) is not deterministic for %s: %s, then %s", ev, p.ID, render(fees, err), render(again, err2))
			}
			if err != nil {
				if kernel.ErrorCode(err) != kernel.EInvalid || kernel.ErrorField(err) == "" {
					t.Fatalf("Rate(%v) for %s = error %v (code %s, field %q), want an invalid error naming a field", ev, p.ID, err, kernel.ErrorCode(err), kernel.ErrorField(err))
				}
				continue
			}
			if len(fees) != 1 {
				t.Fatalf("Rate(%v) for %s = %v, want one fee", ev, p.ID, summary(fees))
			}
			fee := fees[0]
			if fee.Amount.IsNegative() || fee.Quantity.IsNegative() || !fee.Amount.Equal(Accrue(fee.Amount)) {
				t.Fatalf("Rate(%v) for %s = %v, want a non-negative amount within %d places", ev, p.ID, summary(fees), AccrualScale)
			}
			r1, err := ratePrice(0, p, ev, priors[p.ID])
			if err != nil || !Accrue(r1.amount).Equal(fee.Amount) {
				t.Fatalf("ratePrice(%v) for %s = %v, %v, want the unquantized %s", ev, p.ID, r1.amount, err, fee.Amount)
			}

			// A larger quantity never costs less.
			q2 := fee.Quantity.Add(decimal.New(int64(extra), -sc))
			if p.Model == PerUnit {
				q2 = fee.Quantity
			}
			ev2 := fuzzEvent(asset, Plain(q2))
			fees2, err := Rate(prices, ev2, priors, testPrecision)
			if err != nil {
				continue // e.g. out of range
			}
			r2, _ := ratePrice(0, p, ev2, priors[p.ID])
			if monotone[p.ID] && (fees2[0].Amount.LessThan(fee.Amount) || r2.amount.LessThan(r1.amount)) {
				t.Fatalf("Rate for %s fell as quantity grew: %s (%s) for %s, %s (%s) for %s",
					p.ID, fee.Amount, r1.amount, fee.Quantity, fees2[0].Amount, r2.amount, q2)
			}

			// Graduated: one event of q1+q2 costs what q1 then q2 cost.
			if p.ID == "graduated" {
				q1, extraQ := fee.Quantity, q2.Sub(fee.Quantity)
				second, err := ratePrice(0, p, fuzzEvent(asset, Plain(extraQ)), priorUsage.Add(q1))
				if err != nil {
					continue
				}
				if sum := r1.amount.Add(second.amount); !sum.Equal(r2.amount) {
					t.Fatalf("graduated %s after %s = %s, but %s then %s = %s + %s = %s", q2, priorUsage, r2.amount, q1, extraQ, r1.amount, second.amount, sum)
				}
				// The fees themselves add up exactly: no per-event rounding.
				if parts := fee.Amount.Add(Accrue(second.amount)); !parts.Equal(fees2[0].Amount) {
					t.Fatalf("graduated fees %s + %s = %s differ from the whole %s", fee.Amount, Accrue(second.amount), parts, fees2[0].Amount)
				}
				want := graduatedCost(p.Tiers, priorUsage.Add(q2)).Sub(graduatedCost(p.Tiers, priorUsage))
				if !want.Equal(r2.amount) {
					t.Fatalf("graduated %s after %s = %s, want cost(prior+q) − cost(prior) = %s", q2, priorUsage, r2.amount, want)
				}
			}
		}
	})
}

// FuzzTiers checks tier pricing against a unit-by-unit reference on small
// integer quantities.
func FuzzTiers(f *testing.F) {
	// up0, up1, u0, u1, u2, f0, f1, f2, prior, q
	f.Add(uint16(99), uint16(399), uint16(10), uint16(8), uint16(5), uint16(0), uint16(200), uint16(500), uint16(0), uint16(1001))
	f.Add(uint16(9), uint16(9), uint16(3), uint16(2), uint16(1), uint16(100), uint16(100), uint16(100), uint16(10), uint16(0))
	f.Add(uint16(9), uint16(9), uint16(3), uint16(2), uint16(1), uint16(100), uint16(100), uint16(100), uint16(10), uint16(1))
	f.Add(uint16(0), uint16(0), uint16(1), uint16(1), uint16(1), uint16(1), uint16(1), uint16(1), uint16(0), uint16(3))
	f.Fuzz(func(t *testing.T, up0, up1, u0, u1, u2, f0, f1, f2, prior, q uint16) {
		a := int64(up0%200) + 1
		b := a + int64(up1%200) + 1
		upA, upB := decimal.NewFromInt(a), decimal.NewFromInt(b)
		units := []Decimal{decimal.New(int64(u0), -3), decimal.New(int64(u1), -3), decimal.New(int64(u2), -3)}
		flats := []Decimal{decimal.New(int64(f0), -2), decimal.New(int64(f1), -2), decimal.New(int64(f2), -2)}
		lowers := []int64{0, a, b}
		tierOf := func(k int64) int {
			switch {
			case k <= a:
				return 0
			case k <= b:
				return 1
			}
			return 2
		}
		p, n := int64(prior%500), int64(q%500)

		grad := Price{ID: "g", Model: Tiered, Asset: "USD", Field: "n", TierMode: TierGraduated, Tiers: []Tier{
			{UpTo: &upA, UnitAmount: units[0], FlatAmount: flats[0]},
			{UpTo: &upB, UnitAmount: units[1], FlatAmount: flats[1]},
			{UnitAmount: units[2], FlatAmount: flats[2]},
		}}
		vol := grad
		vol.ID, vol.TierMode = "v", TierVolume
		vol.Tiers = []Tier{{UpTo: &upA, UnitAmount: units[0]}, {UpTo: &upB, UnitAmount: units[1]}, {UnitAmount: units[2]}}

		event := func(n int64) RatingEvent {
			return RatingEvent{Data: map[string]any{"n": json.Number(fmt.Sprint(n))}}
		}
		rateOne := func(price Price, prior, n int64) Decimal {
			t.Helper()
			fees, err := Rate([]Price{price}, event(n), map[string]Decimal{price.ID: decimal.NewFromInt(prior)}, testPrecision)
			if err != nil || len(fees) != 1 || !fees[0].Quantity.Equal(decimal.NewFromInt(n)) {
				t.Fatalf("Rate(%v) after %d = %v, %v, want one fee of quantity %d", event(n), prior, fees, err, n)
			}
			r, err := ratePrice(0, price, event(n), decimal.NewFromInt(prior))
			if err != nil || !Accrue(r.amount).Equal(fees[0].Amount) {
				t.Fatalf("ratePrice(%v) = %v, %v, want the unquantized %s", event(n), r.amount, err, fees[0].Amount)
			}
			return r.amount
		}

		// Graduated, unit by unit: unit k is priced by the tier covering k,
		// and entering a tier (k-1 at its lower bound) adds its flat amount.
		want := decimal.Zero
		for k := p + 1; k <= p+n; k++ {
			i := tierOf(k)
			want = want.Add(units[i])
			if k-1 == lowers[i] {
				want = want.Add(flats[i])
			}
		}
		if got := rateOne(grad, p, n); !got.Equal(want) {
			t.Fatalf("graduated %d after %d with tiers up to %d, %d = %s, want %s", n, p, a, b, got, want)
		}
		n1 := n / 2
		if whole, parts := rateOne(grad, p, n), rateOne(grad, p, n1).Add(rateOne(grad, p+n1, n-n1)); !whole.Equal(parts) {
			t.Fatalf("graduated %d after %d = %s, but %d then %d = %s", n, p, whole, n1, n-n1, parts)
		}

		// Volume: the event's units at the tier the running total lands in.
		wantVol := decimal.NewFromInt(n).Mul(units[tierOf(p+n)])
		if got := rateOne(vol, p, n); !got.Equal(wantVol) {
			t.Fatalf("volume %d after %d with tiers up to %d, %d = %s, want %s", n, p, a, b, got, wantVol)
		}
	})
}
