// SPDX-License-Identifier: Apache-2.0

// Package billingtest is the fixture the domain's tests share (billing's,
// and those of the read models over it): a billing service on a fresh,
// migrated database, a settable clock, the default account in test mode,
// and the few calls every such test makes (a customer, a gift, an asset, a
// product, an event, a balance). Tests only.
package billingtest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/rating"
)

// T0 is when every test clock starts unless a test says otherwise.
var T0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Clock is a settable test clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time (billing.Options.Now).
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Env is a billing service over its own database, on a clock at T0, with
// its job queue (inserting only until started) and the default account's
// test mode in Ctx.
type Env struct {
	Pool  *pgxpool.Pool
	Svc   *billing.Service
	Jobs  *jobs.Queue
	Clock *Clock
	Ctx   context.Context
	Acct  billing.Account
}

// New builds an Env; opts may set anything but Now and Jobs, which the Env
// owns.
func New(t testing.TB, opts ...billing.Options) *Env {
	t.Helper()
	pool := testdb.New(t)
	clk := NewClock(T0)
	q := jobs.New(pool, nil)
	var o billing.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Now, o.Jobs = clk.Now, q
	svc := billing.NewService(pool, o)
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	return &Env{Pool: pool, Svc: svc, Jobs: q, Clock: clk, Ctx: ctx, Acct: acct}
}

// Dec reads a decimal literal.
func Dec(s string) rating.Decimal { return decimal.RequireFromString(s) }

// PerUnit is a per-unit price of amount in asset.
func PerUnit(asset, amount string) rating.Price {
	return rating.Price{Name: "per unit", Model: rating.PerUnit, Asset: asset, UnitAmount: Dec(amount)}
}

// Data builds event data from key, value pairs; a string value that starts
// with a digit is a JSON number, as the API would read it.
func Data(kv ...any) map[string]any {
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

// Customer creates a customer by external id in ctx's account and mode.
func Customer(t testing.TB, ctx context.Context, svc *billing.Service, ext string) billing.Customer {
	t.Helper()
	c, _, err := svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: ext})
	if err != nil {
		t.Fatalf("CreateCustomer(%s) = %v", ext, err)
	}
	return c
}

// Adjust makes an adjustment, under a fresh transaction id when in has none.
func Adjust(t testing.TB, ctx context.Context, svc *billing.Service, in billing.CreateAdjustmentInput) billing.Adjustment {
	t.Helper()
	if in.TransactionID == "" {
		in.TransactionID = "txn-" + time.Now().Format("150405.000000000") + in.Reason
	}
	a, err := svc.CreateAdjustment(ctx, in)
	if err != nil {
		t.Fatalf("CreateAdjustment(%+v) = %v", in, err)
	}
	return a
}

// Balance reads a customer's default wallet's balance in asset (zero when
// it has none).
func Balance(t testing.TB, ctx context.Context, svc *billing.Service, customer, asset string) billing.Balance {
	t.Helper()
	v, err := svc.GetWallet(ctx, customer, "")
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

// Record records a usage event.
func Record(t testing.TB, ctx context.Context, svc *billing.Service, in billing.UsageEventInput) billing.Event {
	t.Helper()
	ev, err := svc.RecordUsage(ctx, in)
	if err != nil {
		t.Fatalf("RecordUsage(%s) = %v", in.ID, err)
	}
	return ev
}

// Product creates a product with its first version.
func Product(t testing.TB, ctx context.Context, svc *billing.Service, code, eventType string, prices ...rating.Price) billing.ProductView {
	t.Helper()
	v, _, err := svc.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: code, Name: code, EventType: eventType, Prices: prices})
	if err != nil {
		t.Fatalf("CreateProduct(%s) = %v", code, err)
	}
	return v
}

// Asset creates a custom asset.
func Asset(t testing.TB, ctx context.Context, svc *billing.Service, code string, precision int32) billing.Asset {
	t.Helper()
	a, _, err := svc.Catalog.CreateAsset(ctx, billing.CreateAssetInput{Code: code, Name: code, Precision: precision})
	if err != nil {
		t.Fatalf("CreateAsset(%s) = %v", code, err)
	}
	return a
}

// Rate adds an exchange rate of asset in currency from at.
func Rate(t testing.TB, ctx context.Context, svc *billing.Service, asset, currency, rate string, at time.Time) {
	t.Helper()
	in := billing.AddAssetRateInput{Asset: asset, Currency: currency, Rate: Dec(rate), EffectiveAt: at}
	if _, err := svc.Catalog.AddAssetRate(ctx, in); err != nil {
		t.Fatalf("AddAssetRate(%+v) = %v", in, err)
	}
}
