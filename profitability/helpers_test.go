package profitability_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/billingtest"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// clock is a settable test clock.
type clock = billingtest.Clock

var t0 = billingtest.T0

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
	b := billingtest.New(t)
	return &env{svc: b.Svc, prof: profitability.New(b.Pool, b.Svc), clock: b.Clock, ctx: b.Ctx}
}

// decimalEqual compares decimals by value (0.5 equals 0.50).
var decimalEqual = cmp.Comparer(func(a, b rating.Decimal) bool { return a.Equal(b) })

func dec(s string) rating.Decimal { return billingtest.Dec(s) }

func (e *env) customer(t *testing.T, ext string) billing.Customer {
	return billingtest.Customer(t, e.ctx, e.svc, ext)
}

func (e *env) adjust(t *testing.T, in billing.CreateAdjustmentInput) billing.Adjustment {
	return billingtest.Adjust(t, e.ctx, e.svc, in)
}

func (e *env) balance(t *testing.T, customer, asset string) billing.Balance {
	return billingtest.Balance(t, e.ctx, e.svc, customer, asset)
}

func (e *env) asset(t *testing.T, code string, precision int32) billing.Asset {
	return billingtest.Asset(t, e.ctx, e.svc, code, precision)
}

func (e *env) rate(t *testing.T, asset, currency, rate string, at time.Time) {
	billingtest.Rate(t, e.ctx, e.svc, asset, currency, rate, at)
}

func (e *env) product(t *testing.T, code, eventType string, prices ...rating.Price) billing.ProductView {
	return billingtest.Product(t, e.ctx, e.svc, code, eventType, prices...)
}

func perUnit(asset, amount string) rating.Price { return billingtest.PerUnit(asset, amount) }

func data(kv ...any) map[string]any { return billingtest.Data(kv...) }

func (e *env) record(t *testing.T, in billing.UsageEventInput) billing.Event {
	return billingtest.Record(t, e.ctx, e.svc, in)
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
