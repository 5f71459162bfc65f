package profitability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
)

// BenchmarkProfitability times grouped profitability over one month of a
// synthetic history written straight into events and fees with COPY: by
// default skipped, it runs with TOLLGATE_BENCH_EVENTS set to the number of
// events (docs/BENCHMARKS.md uses 10,000,000):
//
//	TOLLGATE_BENCH_EVENTS=10000000 go test ./profitability -run '^$' -bench Profitability -benchtime 20x -timeout 2h
//
// The history: 1,000 customers, 5 products (USD, EUR and credits prices; a
// second chat version from mid-October), the dimensions model and region,
// September to November 2026, 85% of costs in USD, 5% in EUR, 10% unknown.
// Synthetic events carry no ledger entries, so their revenue is their billed
// value. The rollups are built once, by the first query, and the build time
// is logged; each sub-benchmark is then one Profitability call, which also
// checks for new events to fold.
func BenchmarkProfitability(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("TOLLGATE_BENCH_EVENTS"))
	if n <= 0 {
		b.Skip("set TOLLGATE_BENCH_EVENTS to the number of events to generate, e.g. 10000000")
	}
	ctx := context.Background()
	pool := testdb.New(b)
	now := func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	svc := billing.NewService(pool, billing.Options{Now: now})
	prof := profitability.New(pool, svc)
	acct, err := svc.Accounts.EnsureDefaultAccount(ctx)
	if err != nil {
		b.Fatal(err)
	}
	c := billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}
	bctx := billing.WithCaller(ctx, c)
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []billing.AddAssetRateInput{
		{Asset: "EUR", Currency: "USD", Rate: dec("1.08"), EffectiveAt: start},
		{Asset: "EUR", Currency: "USD", Rate: dec("1.1125"), EffectiveAt: time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)},
		{Asset: "credits", Currency: "USD", Rate: dec("0.01"), EffectiveAt: start},
	} {
		if r.Asset == "credits" {
			if _, _, err := svc.Catalog.CreateAsset(bctx, billing.CreateAssetInput{Code: "credits", Precision: 0}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := svc.Catalog.AddAssetRate(bctx, r); err != nil {
			b.Fatal(err)
		}
	}
	models := []string{"gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama-70b"}
	regions := []string{"us", "eu", "ap"}
	type product struct {
		id, code, asset string
		weight          int
		amount          func(r *rand.Rand) string
	}
	var products []product
	for _, p := range []struct {
		code, asset string
		weight      int
		price       rating.Price
		amount      func(r *rand.Rand) string
	}{
		{"chat", "USD", 50, rating.Price{Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"},
			Rates: []rating.DimensionRate{{Values: map[string]string{"model": "*"}, Amount: dec("0.01")}}},
			func(r *rand.Rand) string { return fmt.Sprintf("0.%04d", 10+r.IntN(900)) }},
		{"images", "EUR", 20, perUnit("EUR", "0.04"), func(r *rand.Rand) string { return "0.04" }},
		{"embed", "USD", 15, perUnit("USD", "0.0001"), func(r *rand.Rand) string { return fmt.Sprintf("0.%04d", r.IntN(20)) }},
		{"agent", "credits", 10, perUnit("credits", "25"), func(r *rand.Rand) string { return strconv.Itoa(5 + r.IntN(60)) }},
		{"voice", "USD", 5, perUnit("USD", "0.06"), func(r *rand.Rand) string { return fmt.Sprintf("0.%02d", 1+r.IntN(30)) }},
	} {
		v, _, err := svc.Catalog.CreateProduct(bctx, billing.CreateProductInput{Code: p.code, EventType: p.code, Prices: []rating.Price{p.price}})
		if err != nil {
			b.Fatal(err)
		}
		products = append(products, product{v.ID, p.code, p.asset, p.weight, p.amount})
	}
	if _, err := prof.SetProfitabilityDimensions(bctx, []string{"region"}); err != nil {
		b.Fatal(err)
	}

	const customers = 1000
	load := time.Now()
	cusIDs := make([]string, customers)
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"customers"}, []string{"id", "account_id", "mode", "external_id", "created_at", "updated_at"},
		pgx.CopyFromSlice(customers, func(i int) ([]any, error) {
			cusIDs[i] = fmt.Sprintf("cus_bench%05d", i)
			return []any{cusIDs[i], acct.ID, "test", fmt.Sprintf("user_%05d", i), start, start}, nil
		})); err != nil {
		b.Fatal(err)
	}
	// Each customer has a main model and region and uses some products.
	rng := rand.New(rand.NewPCG(1, 2))
	mainModel, region := make([]int, customers), make([]int, customers)
	for i := range customers {
		mainModel[i], region[i] = rng.IntN(len(models)), rng.IntN(len(regions))
	}
	span := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	mid := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
	hash := make([]byte, 32)
	// history returns the generator of the i-th event and its fee; two
	// generators from the same seed give the same history, so events and fees
	// are written by two COPYs, the fees once the events are in.
	history := func() func(i int) ([]any, benchFee) {
		rng := rand.New(rand.NewPCG(3, 4))
		return func(i int) ([]any, benchFee) {
			cu := rng.IntN(customers)
			if rng.IntN(4) == 0 { // a fifth of the customers make more use
				cu = rng.IntN(customers / 5)
			}
			w := rng.IntN(100)
			var p product
			for _, x := range products {
				if w < x.weight {
					p = x
					break
				}
				w -= x.weight
			}
			model := mainModel[cu]
			if rng.IntN(5) == 0 {
				model = rng.IntN(len(models))
			}
			at := start.Add(time.Duration(float64(span) * (float64(i) + rng.Float64()) / float64(n))).Truncate(time.Microsecond)
			d, _ := json.Marshal(map[string]any{"model": models[model], "region": regions[region[cu]], "tokens": 100 + rng.IntN(4000)})
			var costs any
			switch k := rng.IntN(20); {
			case k < 2: // unknown
			case k == 2:
				costs = fmt.Sprintf(`[{"vendor":"replicate","amount":"0.%04d","currency":"EUR"}]`, rng.IntN(400))
			default:
				costs = fmt.Sprintf(`[{"vendor":"openai","amount":"0.%05d","currency":"USD"}]`, rng.IntN(4000))
			}
			id := fmt.Sprintf("ev%09d", i)
			version := int32(1)
			if p.code == "chat" && at.After(mid) && cu%2 == 0 {
				version = 2
			}
			return []any{acct.ID, "test", id, hash, cusIDs[cu], "wal_bench", p.code, at, string(d), costs, at},
				benchFee{id, cusIDs[cu], p.id, p.asset, dec(p.amount(rng)), version, at}
		}
	}
	copyFrom := func(table string, columns []string, row func(i int) []any) {
		i := 0
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			return row(i - 1), nil
		})); err != nil {
			b.Fatalf("copy %s: %v", table, err)
		}
		if _, err := pool.Exec(ctx, `ANALYZE `+table); err != nil {
			b.Fatal(err)
		}
	}
	events := history()
	copyFrom("events", []string{"account_id", "mode", "id", "request_hash", "customer_id", "wallet_id", "event_type", "occurred_at", "data", "costs",
		"created_at"}, func(i int) []any { row, _ := events(i); return row })
	fees := history()
	copyFrom("fees", []string{"id", "account_id", "mode", "event_id", "customer_id", "product_id", "version", "price_id", "asset", "amount",
		"quantity", "breakdown", "occurred_at", "created_at"}, func(i int) []any {
		_, f := fees(i)
		return []any{fmt.Sprintf("fee_%09d", i), acct.ID, "test", f.event, f.customer, f.product, f.version, "price_bench", f.asset,
			f.amount, decimalOne, "", f.at, f.at}
	})
	b.Logf("loaded %d events and fees in %s", n, time.Since(load).Round(time.Second))

	nov := profitability.Input{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	build := time.Now()
	r, err := prof.Profitability(bctx, nov)
	if err != nil {
		b.Fatal(err)
	}
	var rollups int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM profitability_rollups`).Scan(&rollups); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE profitability_rollups`); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d rollup rows in %s; November: %d events, revenue %s, cost %s, margin %s (%s%%), cost coverage %s",
		rollups, time.Since(build).Round(time.Second), r.Totals.Events, r.Totals.Revenue.StringFixed(2), r.Totals.Cost.StringFixed(2),
		r.Totals.Margin.StringFixed(2), r.Totals.MarginPct, r.Totals.CostCoverage)

	for _, q := range []struct {
		name    string
		groupBy []string
		filters profitability.Filters
	}{
		{"ByCustomer", []string{"customer"}, profitability.Filters{}},
		{"ByProductDay", []string{"product", "day"}, profitability.Filters{}},
		{"ByModel", []string{"dimension:model"}, profitability.Filters{}},
		{"ByModelRegionWeek", []string{"dimension:model", "dimension:region", "week"}, profitability.Filters{}},
		{"OneCustomerByDay", []string{"day"}, profitability.Filters{Customer: "user_00042"}},
		{"ChatByCustomerVersion", []string{"customer", "version"}, profitability.Filters{Product: "chat"}},
	} {
		in := nov
		in.GroupBy, in.Filters = q.groupBy, q.filters
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := prof.Profitability(bctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var decimalOne = dec("1")

type benchFee struct {
	event, customer, product, asset string
	amount                          rating.Decimal
	version                         int32
	at                              time.Time
}
