package billing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/billingtest"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

func (e *env) asset(t *testing.T, code string, precision int32) billing.Asset {
	return billingtest.Asset(t, e.ctx, e.svc, code, precision)
}

func (e *env) rate(t *testing.T, asset, currency, rate string, at time.Time) {
	billingtest.Rate(t, e.ctx, e.svc, asset, currency, rate, at)
}

func TestBuiltinCurrencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all, err := e.svc.Catalog.ListAssets(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]billing.Asset{}
	for _, a := range all {
		byCode[a.Code] = a
	}
	for _, code := range []string{"USD", "EUR", "GBP"} {
		a, ok := byCode[code]
		if !ok || a.Kind != billing.AssetCurrency || a.Precision != 2 || a.Name == "" || a.Symbol == "" {
			t.Errorf("ListAssets()[%s] = %+v (present %v), want a currency with precision 2", code, a, ok)
		}
		got, err := e.svc.Catalog.GetAsset(e.ctx, code)
		if err != nil || got.Code != code || got.Precision != 2 {
			t.Errorf("GetAsset(%s) = %+v, %v; want precision 2", code, got, err)
		}
	}
	// Both modes of the account have them.
	live := billing.WithCaller(e.ctx, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
	if a, err := e.svc.Catalog.GetAsset(live, "EUR"); err != nil || a.Precision != 2 || a.Mode != billing.ModeLive {
		t.Errorf("GetAsset(live, EUR) = %+v, %v; want the built-in euro", a, err)
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.svc.Catalog.GetAsset(e.ctx, "credits")
		wantField(t, "GetAsset(credits)", err, kernel.ENotFound, "asset")
		if !strings.Contains(err.Error(), "USD") || !strings.Contains(err.Error(), "create_asset") {
			t.Errorf("GetAsset(credits) error %q does not name the existing assets and create_asset", err)
		}
	})
}

func TestCreateAsset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	credits, created, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: "credits", Name: "Credits", Symbol: "cr", Precision: 0})
	if err != nil || !created {
		t.Fatalf("CreateAsset(credits) = %+v, created %v, %v; want created", credits, created, err)
	}
	if credits.Kind != billing.AssetCustom || credits.Precision != 0 || credits.Name != "Credits" || !credits.CreatedAt.Equal(t0) {
		t.Errorf("CreateAsset(credits) = %+v, want a custom asset with precision 0", credits)
	}
	gpu, created, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: "gpu_hours", Precision: 4})
	if err != nil || !created || gpu.Precision != 4 || gpu.Name != "gpu_hours" {
		t.Fatalf("CreateAsset(gpu_hours, 4) = %+v, created %v, %v; want created, named after its code", gpu, created, err)
	}
	if _, created, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: "wei", Precision: rating.MaxPrecision}); err != nil || !created {
		t.Errorf("CreateAsset(wei, 18) = created %v, %v; want created", created, err)
	}
	t.Run("Existed", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		again, created, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: "credits", Name: "Credits", Symbol: "cr", Precision: 0})
		if err != nil || created || !again.CreatedAt.Equal(t0) {
			t.Fatalf("CreateAsset(credits) again = %+v, created %v, %v; want the original, not created", again, created, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		for _, in := range []billing.CreateAssetInput{
			{Code: "credits", Name: "Credits", Symbol: "cr", Precision: 2},
			{Code: "credits", Name: "Tokens", Symbol: "cr", Precision: 0},
			{Code: "gpu_hours", Precision: 0},
		} {
			_, _, err := e.svc.Catalog.CreateAsset(e.ctx, in)
			wantCode(t, fmt.Sprintf("CreateAsset(%+v)", in), err, kernel.EConflict)
		}
		if a, _ := e.svc.Catalog.GetAsset(e.ctx, "credits"); a.Precision != 0 || a.Name != "Credits" {
			t.Errorf("GetAsset(credits) after conflicts = %+v, want it unchanged", a)
		}
	})
	t.Run("ErrInvalidCode", func(t *testing.T) {
		for _, code := range []string{"", "Credits", "USD", "1credits", "_credits", "gpu-hours", "gpu hours", strings.Repeat("c", 33)} {
			_, _, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: code, Precision: 0})
			wantField(t, fmt.Sprintf("CreateAsset(code %q)", code), err, kernel.EInvalid, "code")
		}
	})
	t.Run("ErrInvalidPrecision", func(t *testing.T) {
		for _, p := range []int32{-1, rating.MaxPrecision + 1} {
			_, _, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: "tokens", Precision: p})
			wantField(t, fmt.Sprintf("CreateAsset(precision %d)", p), err, kernel.EInvalid, "precision")
		}
		if _, err := e.svc.Catalog.GetAsset(e.ctx, "tokens"); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("GetAsset(tokens) after rejected creates = %v, want not_found", err)
		}
	})
	t.Run("LedgerKeepsFractions", func(t *testing.T) {
		// precision is what people see; the ledger keeps the accrual scale.
		e.customer(t, "u1")
		e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "credits", Amount: dec("10"), Reason: "credits"})
		e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "credits", Amount: dec("1.5"), Reason: "frac"})
		_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "too-fine", Kind: billing.AdjustGift, Customer: "u1", Asset: "credits", Amount: dec("0.0000000000000000001")})
		wantField(t, "gift 1e-19 credits", err, kernel.EInvalid, "amount")
		e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "gpu_hours", Amount: dec("0.0001"), Reason: "gpu"})
		wantDec(t, "credits", e.balance(t, "u1", "credits").Total, "11.5")
		wantDec(t, "gpu_hours", e.balance(t, "u1", "gpu_hours").Total, "0.0001")
	})
}

func TestQuoteAtDatedRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.asset(t, "credits", 0)
	e.rate(t, "credits", "USD", "0.05", t0)
	e.rate(t, "credits", "USD", "0.04", t0.Add(time.Hour))

	for _, tc := range []struct {
		name      string
		at        time.Time
		rate      string
		effective time.Time
		buys      string // what 10 USD buys
		costs     string // what 250 credits cost
	}{
		{"AtFirstRate", t0, "0.05", t0, "200", "12.50"},
		{"BeforeChange", t0.Add(time.Hour - time.Microsecond), "0.05", t0, "200", "12.50"},
		{"AtChange", t0.Add(time.Hour), "0.04", t0.Add(time.Hour), "250", "10.00"},
		{"AfterChange", t0.Add(48 * time.Hour), "0.04", t0.Add(time.Hour), "250", "10.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := billing.QuoteInput{Asset: "credits", Currency: "USD", CurrencyAmount: decp("10"), At: tc.at}
			q, err := e.svc.Catalog.Quote(e.ctx, in)
			if err != nil {
				t.Fatalf("Quote(10 USD at %v) = %v", tc.at, err)
			}
			wantDec(t, fmt.Sprintf("Quote(10 USD at %v).AssetAmount", tc.at), q.AssetAmount, tc.buys)
			wantDec(t, fmt.Sprintf("Quote(10 USD at %v).Rate", tc.at), q.Rate, tc.rate)
			wantDec(t, fmt.Sprintf("Quote(10 USD at %v).CurrencyAmount", tc.at), q.CurrencyAmount, "10")
			if !q.RateEffective.Equal(tc.effective) || q.Asset != "credits" || q.Currency != "USD" {
				t.Errorf("Quote(10 USD at %v) = %+v, want the rate effective at %v", tc.at, q, tc.effective)
			}
			in = billing.QuoteInput{Asset: "credits", Currency: "USD", AssetAmount: decp("250"), At: tc.at}
			q, err = e.svc.Catalog.Quote(e.ctx, in)
			if err != nil {
				t.Fatalf("Quote(250 credits at %v) = %v", tc.at, err)
			}
			wantDec(t, fmt.Sprintf("Quote(250 credits at %v).CurrencyAmount", tc.at), q.CurrencyAmount, tc.costs)
			wantDec(t, fmt.Sprintf("Quote(250 credits at %v).AssetAmount", tc.at), q.AssetAmount, "250")
		})
	}
	t.Run("ErrNotFoundBeforeFirstRate", func(t *testing.T) {
		_, err := e.svc.Catalog.Quote(e.ctx, billing.QuoteInput{Asset: "credits", Currency: "USD", CurrencyAmount: decp("10"), At: t0.Add(-time.Second)})
		wantCode(t, "Quote(before the first rate)", err, kernel.ENotFound)
		if !strings.Contains(err.Error(), "add_asset_rate") {
			t.Errorf("Quote(before the first rate) error %q does not name add_asset_rate", err)
		}
	})
	t.Run("Now", func(t *testing.T) {
		// Without At the quote uses the service clock, and without Currency the
		// currency of the asset's rates.
		q, err := e.svc.Catalog.Quote(e.ctx, billing.QuoteInput{Asset: "credits", AssetAmount: decp("250")})
		if err != nil || q.Currency != "USD" || !q.At.Equal(t0) {
			t.Fatalf("Quote(250 credits, now) = %+v, %v; want USD at %v", q, err, t0)
		}
		wantDec(t, "250 credits at t0", q.CurrencyAmount, "12.50")
		e.clock.Advance(2 * time.Hour)
		q, err = e.svc.Catalog.Quote(e.ctx, billing.QuoteInput{Asset: "credits", AssetAmount: decp("250")})
		if err != nil {
			t.Fatal(err)
		}
		wantDec(t, "250 credits two hours later", q.CurrencyAmount, "10.00")
	})
	t.Run("ErrNoRate", func(t *testing.T) {
		e.asset(t, "tokens", 0)
		_, err := e.svc.Catalog.Quote(e.ctx, billing.QuoteInput{Asset: "tokens", AssetAmount: decp("1")})
		wantCode(t, "Quote(tokens without a rate)", err, kernel.ENotFound)
		if !strings.Contains(err.Error(), "add_asset_rate") {
			t.Errorf("Quote(tokens without a rate) error %q does not name add_asset_rate", err)
		}
		_, err = e.svc.Catalog.Quote(e.ctx, billing.QuoteInput{Asset: "credits", Currency: "EUR", AssetAmount: decp("1"), At: t0.Add(2 * time.Hour)})
		wantCode(t, "Quote(credits in EUR)", err, kernel.ENotFound)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			in    billing.QuoteInput
			field string
		}{
			{"Neither", billing.QuoteInput{Asset: "credits", Currency: "USD"}, "asset_amount"},
			{"Both", billing.QuoteInput{Asset: "credits", Currency: "USD", AssetAmount: decp("1"), CurrencyAmount: decp("1")}, "asset_amount"},
			{"NegativeAsset", billing.QuoteInput{Asset: "credits", Currency: "USD", AssetAmount: decp("-1"), At: t0}, "asset_amount"},
			{"NegativeCurrency", billing.QuoteInput{Asset: "credits", Currency: "USD", CurrencyAmount: decp("-1"), At: t0}, "currency_amount"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.Catalog.Quote(e.ctx, tc.in)
				wantField(t, "Quote("+tc.name+")", err, kernel.EInvalid, tc.field)
			})
		}
		_, err := e.svc.Catalog.Quote(e.ctx, billing.QuoteInput{Asset: "diamonds", AssetAmount: decp("1")})
		wantField(t, "Quote(diamonds)", err, kernel.ENotFound, "asset")
	})
}

func TestAddAssetRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.asset(t, "credits", 0)
	in := billing.AddAssetRateInput{Asset: "credits", Currency: "USD", Rate: dec("0.05"), EffectiveAt: t0}
	first, err := e.svc.Catalog.AddAssetRate(e.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Replay", func(t *testing.T) {
		again, err := e.svc.Catalog.AddAssetRate(e.ctx, in)
		if err != nil || !again.Rate.Equal(first.Rate) || !again.EffectiveAt.Equal(first.EffectiveAt) {
			t.Fatalf("AddAssetRate(%+v) again = %+v, %v; want the same rate", in, again, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		other := in
		other.Rate = dec("0.06")
		_, err := e.svc.Catalog.AddAssetRate(e.ctx, other)
		wantCode(t, "AddAssetRate(another rate at the same instant)", err, kernel.EConflict)
	})
	t.Run("DefaultsToNow", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		r, err := e.svc.Catalog.AddAssetRate(e.ctx, billing.AddAssetRateInput{Asset: "credits", Currency: "EUR", Rate: dec("0.045")})
		if err != nil || !r.EffectiveAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("AddAssetRate(no effective_at) = %+v, %v; want effective at the clock's %v", r, err, t0.Add(time.Hour))
		}
		rates, err := e.svc.Catalog.ListAssetRates(e.ctx, "credits")
		if err != nil || len(rates) != 2 || rates[0].Currency != "EUR" || rates[1].Currency != "USD" {
			t.Errorf("ListAssetRates(credits) = %+v, %v; want EUR then USD, newest first", rates, err)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			in    billing.AddAssetRateInput
			field string
		}{
			{"ZeroRate", billing.AddAssetRateInput{Asset: "credits", Currency: "USD", Rate: dec("0")}, "rate"},
			{"NegativeRate", billing.AddAssetRateInput{Asset: "credits", Currency: "USD", Rate: dec("-0.05")}, "rate"},
			{"CustomCurrency", billing.AddAssetRateInput{Asset: "USD", Currency: "credits", Rate: dec("20")}, "currency"},
			{"Itself", billing.AddAssetRateInput{Asset: "USD", Currency: "USD", Rate: dec("1")}, "currency"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.Catalog.AddAssetRate(e.ctx, tc.in)
				wantField(t, "AddAssetRate("+tc.name+")", err, kernel.EInvalid, tc.field)
			})
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.svc.Catalog.AddAssetRate(e.ctx, billing.AddAssetRateInput{Asset: "diamonds", Currency: "USD", Rate: dec("1")})
		wantField(t, "AddAssetRate(diamonds)", err, kernel.ENotFound, "asset")
		_, err = e.svc.Catalog.AddAssetRate(e.ctx, billing.AddAssetRateInput{Asset: "credits", Currency: "XYZ", Rate: dec("1")})
		wantField(t, "AddAssetRate(to XYZ)", err, kernel.ENotFound, "currency")
	})
}

// TestQuoteConvertsExactly shows that a quote's computed side is exact at
// the accrual scale: a product is exact, a quotient is rounded once (half away
// from zero at the 18th place), never to the asset's precision.
func TestQuoteConvertsExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.asset(t, "credits", 0)
	e.asset(t, "gpu_hours", 4)
	e.asset(t, "points", 0)
	e.rate(t, "credits", "USD", "0.03", t0)
	e.rate(t, "gpu_hours", "USD", "0.03", t0)
	e.rate(t, "points", "USD", "0.06", t0)
	e.rate(t, "points", "EUR", "0.005", t0)
	for _, tc := range []struct {
		name            string
		asset, currency string
		currencyAmount  string // set: quote what it buys
		assetAmount     string // set: quote what it costs
		want            string
	}{
		{"RepeatingDown", "credits", "USD", "1", "", "33.333333333333333333"},
		{"RepeatingUp", "credits", "USD", "2", "", "66.666666666666666667"},
		{"Half", "points", "USD", "0.75", "", "12.5"},
		{"ExactNoRounding", "points", "USD", "0.60", "", "10"},
		{"CostSubCent", "points", "EUR", "", "3", "0.015"},
		{"CostHalfOfCent", "points", "EUR", "", "1", "0.005"},
		{"CostTiny", "gpu_hours", "USD", "", "0.0001", "0.000003"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := billing.QuoteInput{Asset: tc.asset, Currency: tc.currency, At: t0}
			if tc.currencyAmount != "" {
				in.CurrencyAmount = decp(tc.currencyAmount)
			} else {
				in.AssetAmount = decp(tc.assetAmount)
			}
			q, err := e.svc.Catalog.Quote(e.ctx, in)
			if err != nil {
				t.Fatalf("Quote(%s) = %v", tc.name, err)
			}
			got := q.AssetAmount
			if tc.currencyAmount == "" {
				got = q.CurrencyAmount
			}
			if !got.Equal(dec(tc.want)) {
				t.Errorf("Quote(%s %s %s) = %s, want %s", tc.currencyAmount+tc.assetAmount, tc.asset, tc.currency, got, tc.want)
			}
		})
	}
}
