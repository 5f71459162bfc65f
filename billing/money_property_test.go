package billing_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
)

// TestWalletDebitsEqualPrices is the ledger's promise, checked over every
// price model with random prices, quantities and event counts: what leaves
// the wallet equals exactly the sum of what the prices say (each computed
// here from the model's definition, at the accrual scale), equals the sum of
// the recorded fees, and equals the revenue profitability reports. Set
// TOLLGATE_PROPERTY_SEED to replay a failure.
func TestWalletDebitsEqualPrices(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TOLLGATE_PROPERTY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (TOLLGATE_PROPERTY_SEED)", seed)

	for i, model := range []string{"per_unit", "per_volume", "package", "dimensional", "graduated", "volume", "cost_plus"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			for round := range 3 {
				r := rand.New(rand.NewPCG(seed, uint64(i*10+round)))
				checkDebitsEqualPrices(t, r, model)
			}
		})
	}
}

// money returns a random positive amount with up to maxScale places.
func money(r *rand.Rand, maxScale int) rating.Decimal {
	return decimal.New(r.Int64N(100_000)+1, -int32(r.IntN(maxScale+1)))
}

// quantity returns a random quantity, sometimes fractional, sometimes 0.
func quantity(r *rand.Rand) rating.Decimal {
	if r.IntN(10) == 0 {
		return rating.Zero
	}
	return decimal.New(r.Int64N(20_000)+1, -int32(r.IntN(4)))
}

func checkDebitsEqualPrices(t *testing.T, r *rand.Rand, model string) {
	t.Helper()
	e := newEnv(t)
	e.customer(t, "u1")
	funded := dec("1000000000")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: funded, Reason: "funding"})

	// The price, and its definition restated independently of rating.
	p := rating.Price{Name: model, Asset: "USD"}
	var tiers []rating.Tier
	switch model {
	case "per_unit":
		p.Model, p.UnitAmount = rating.PerUnit, money(r, 8)
	case "per_volume":
		p.Model, p.Field = rating.PerVolume, "q"
		p.BlockSize = []rating.Decimal{dec("1"), dec("3"), dec("7"), dec("1000"), dec("1000000")}[r.IntN(5)]
		p.BlockAmount = money(r, 6)
	case "package":
		p.Model, p.Field, p.BlockSize, p.BlockAmount = rating.Package, "q", decimal.NewFromInt(r.Int64N(100)+1), money(r, 6)
	case "dimensional":
		p.Model, p.Dimensions = rating.Dimensional, []string{"model"}
		p.Rates = []rating.DimensionRate{
			{Values: map[string]string{"model": "a"}, Amount: money(r, 8)},
			{Values: map[string]string{"model": "*"}, Amount: money(r, 8)},
		}
	case "graduated", "volume":
		p.Model, p.Field, p.TierMode = rating.Tiered, "q", rating.TierGraduated
		if model == "volume" {
			p.TierMode = rating.TierVolume
		}
		first := decimal.NewFromInt(r.Int64N(20_000) + 1)
		second := first.Add(decimal.NewFromInt(r.Int64N(50_000) + 1))
		tiers = []rating.Tier{{UpTo: &first, UnitAmount: money(r, 8)}, {UpTo: &second, UnitAmount: money(r, 8)}, {UnitAmount: money(r, 8)}}
		if model == "graduated" {
			tiers[1].FlatAmount = money(r, 4)
		}
		p.Tiers = tiers
	case "cost_plus":
		if _, _, err := e.svc.Catalog.CreateVendor(e.ctx, "llm", "LLM"); err != nil {
			t.Fatalf("CreateVendor = %v", err)
		}
		p.Model, p.Vendor = rating.CostPlus, "llm"
		p.MarkupPercent = decimal.New(r.Int64N(100_000), -3) // e.g. 33.333%
		p.MarkupFixed = money(r, 6)
	}
	if _, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: "p", Name: "p", EventType: "x.used", Prices: []rating.Price{p}}); err != nil {
		t.Fatalf("CreateProduct(%+v) = %v", p, err)
	}

	n := r.IntN(60) + 1
	want, used := rating.Zero, rating.Zero
	var events []billing.UsageEventInput
	for k := range n {
		q := quantity(r)
		in := billing.UsageEventInput{ID: fmt.Sprintf("e-%d", k), Customer: "u1", EventType: "x.used", Data: map[string]any{"q": q.String()}}
		switch model {
		case "per_unit":
			want = want.Add(p.UnitAmount)
		case "per_volume":
			want = want.Add(q.Mul(p.BlockAmount).DivRound(p.BlockSize, rating.AccrualScale))
		case "package":
			want = want.Add(q.Div(p.BlockSize).Ceil().Mul(p.BlockAmount))
		case "dimensional":
			v := []string{"a", "b"}[r.IntN(2)]
			in.Data["model"] = v
			if v == "a" {
				want = want.Add(p.Rates[0].Amount)
			} else {
				want = want.Add(p.Rates[1].Amount)
			}
		case "volume":
			unit := tiers[2].UnitAmount
			for _, tr := range tiers {
				if tr.UpTo != nil && used.Add(q).LessThanOrEqual(*tr.UpTo) {
					unit = tr.UnitAmount
					break
				}
			}
			want = want.Add(q.Mul(unit))
		case "cost_plus":
			cost := money(r, 10)
			in.Costs = []rating.Cost{{Vendor: "llm", Amount: cost, Currency: "USD"}}
			fee := cost.Add(cost.Mul(p.MarkupPercent).Div(decimal.NewFromInt(100))).Add(p.MarkupFixed)
			want = want.Add(fee.Round(rating.AccrualScale))
		}
		used = used.Add(q)
		events = append(events, in)
	}
	if model == "graduated" {
		// A month's fees add up exactly to pricing the month's total usage.
		want = graduatedTotal(tiers, used)
	}

	for len(events) > 0 {
		size := min(len(events), r.IntN(20)+1)
		res, err := e.svc.RecordUsageBatch(e.ctx, events[:size])
		if err != nil {
			t.Fatalf("RecordUsageBatch = %v", err)
		}
		for _, x := range res {
			if x.Err != nil {
				t.Fatalf("record %s: %v", x.Event.ID, x.Err)
			}
		}
		events = events[size:]
	}

	debited := funded.Sub(e.balance(t, "u1", "USD").Total)
	fees := rating.Zero
	page, err := e.svc.ListEvents(e.ctx, billing.ListEventsInput{Limit: 100})
	if err != nil {
		t.Fatalf("ListEvents = %v", err)
	}
	for _, ev := range page.Items {
		for _, f := range ev.Fees {
			fees = fees.Add(f.Amount)
		}
	}
	// The external test package may import profitability (which imports
	// billing); billing itself never does.
	prof := profitability.New(e.svc.Pool(), e.svc)
	rep, err := prof.Profitability(e.ctx, profitability.Input{From: t0.Truncate(24 * time.Hour), To: t0.Truncate(24 * time.Hour).Add(24 * time.Hour)})
	if err != nil {
		t.Fatalf("Profitability = %v", err)
	}
	if !debited.Equal(want) || !fees.Equal(want) || !rep.Totals.Revenue.Equal(want) || len(page.Items) != n {
		t.Fatalf("%s %+v over %d events (%s used): wallet debited %s, fees sum %s, profitability revenue %s; the prices say %s",
			model, p, n, used, debited, fees, rep.Totals.Revenue, want)
	}
	e.verifyClean(t)
}

// graduatedTotal prices total usage with graduated tiers from their
// definition: each unit at its tier's price, each entered tier's flat amount.
func graduatedTotal(tiers []rating.Tier, total rating.Decimal) rating.Decimal {
	sum, lo := rating.Zero, rating.Zero
	for _, tr := range tiers {
		if !total.GreaterThan(lo) {
			break
		}
		hi := total
		if tr.UpTo != nil && tr.UpTo.LessThan(hi) {
			hi = *tr.UpTo
		}
		sum = sum.Add(hi.Sub(lo).Mul(tr.UnitAmount)).Add(tr.FlatAmount)
		if tr.UpTo != nil {
			lo = *tr.UpTo
		}
	}
	return sum
}
