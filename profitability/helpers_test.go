package profitability_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// env is billing, which records what profitability reads, and profitability
// over the same database and clock.
type env struct {
	svc   *billing.Service
	prof  *profitability.Service
	clock *clock
	ctx   context.Context // the default account, test mode
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testdb.New(t)
	clk := &clock{t: t0}
	svc := billing.NewService(pool, billing.Options{Now: clk.Now})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	prof := profitability.New(pool, svc)
	return &env{svc: svc, prof: prof, clock: clk, ctx: ctx}
}

// decimalEqual compares decimals by value (0.5 equals 0.50).
var decimalEqual = cmp.Comparer(func(a, b rating.Decimal) bool { return a.Equal(b) })

func dec(s string) rating.Decimal { return decimal.RequireFromString(s) }

func (e *env) customer(t *testing.T, ext string) billing.Customer {
	t.Helper()
	c, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: ext})
	if err != nil {
		t.Fatalf("CreateCustomer(%s) = %v", ext, err)
	}
	return c
}

func (e *env) adjust(t *testing.T, in billing.CreateAdjustmentInput) billing.Adjustment {
	t.Helper()
	if in.TransactionID == "" {
		in.TransactionID = "txn-" + time.Now().Format("150405.000000000") + in.Reason
	}
	a, err := e.svc.CreateAdjustment(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateAdjustment(%+v) = %v", in, err)
	}
	return a
}

func (e *env) balance(t *testing.T, customer, asset string) billing.Balance {
	t.Helper()
	v, err := e.svc.GetWallet(e.ctx, customer, "")
	if err != nil {
		t.Fatalf("GetWallet(%s) = %v", customer, err)
	}
	for _, b := range v.Balances {
		if b.Asset == asset {
			return b
		}
	}
	return billing.Balance{Asset: asset}
}

func (e *env) asset(t *testing.T, code string, precision int32) billing.Asset {
	t.Helper()
	a, _, err := e.svc.Catalog.CreateAsset(e.ctx, billing.CreateAssetInput{Code: code, Name: code, Precision: precision})
	if err != nil {
		t.Fatalf("CreateAsset(%s) = %v", code, err)
	}
	return a
}

func (e *env) rate(t *testing.T, asset, currency, rate string, at time.Time) {
	t.Helper()
	in := billing.AddAssetRateInput{Asset: asset, Currency: currency, Rate: dec(rate), EffectiveAt: at}
	if _, err := e.svc.Catalog.AddAssetRate(e.ctx, in); err != nil {
		t.Fatalf("AddAssetRate(%+v) = %v", in, err)
	}
}

func (e *env) product(t *testing.T, code, eventType string, prices ...rating.Price) billing.ProductView {
	t.Helper()
	v, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: code, Name: code, EventType: eventType, Prices: prices})
	if err != nil {
		t.Fatalf("CreateProduct(%s) = %v", code, err)
	}
	return v
}

func perUnit(asset, amount string) rating.Price {
	return rating.Price{Name: "per unit", Model: rating.PerUnit, Asset: asset, UnitAmount: dec(amount)}
}

func data(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		v := kv[i+1]
		if s, ok := v.(string); ok && len(s) > 0 && (s[0] >= '0' && s[0] <= '9') {
			v = json.Number(s)
		}
		m[kv[i].(string)] = v
	}
	return m
}

func (e *env) record(t *testing.T, in billing.UsageEventInput) billing.Event {
	t.Helper()
	ev, err := e.svc.RecordUsage(e.ctx, in)
	if err != nil {
		t.Fatalf("RecordUsage(%s) = %v", in.ID, err)
	}
	return ev
}

func wantDec(t *testing.T, what string, got rating.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := kernel.ErrorCode(err); got != code {
		t.Fatalf("%s error = %v (code %q), want code %q", what, err, got, code)
	}
}
