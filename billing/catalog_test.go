package billing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// decimalEqual compares decimals by value (0.5 equals 0.50).
var decimalEqual = cmp.Comparer(func(a, b rating.Decimal) bool { return a.Equal(b) })

func upTo(s string) *rating.Decimal { return decp(s) }

func TestCreateProduct(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := billing.CreateProductInput{Code: "images", Name: "Images", Description: "Generated images", EventType: "image.generated",
		Prices: []rating.Price{perUnit("USD", "0.04")}}
	first, created, err := e.svc.Catalog.CreateProduct(e.ctx, in)
	if err != nil || !created {
		t.Fatalf("CreateProduct(images) = created %v, %v; want created", created, err)
	}
	if first.DefaultVersion != 1 || len(first.Versions) != 1 || first.Versions[0].Version != 1 || len(first.Versions[0].Prices) != 1 ||
		!strings.HasPrefix(first.Versions[0].Prices[0].ID, "price_") || !first.Versions[0].PublishedAt.Equal(t0) {
		t.Fatalf("CreateProduct(images) = %+v, want version 1 published and default with one price", first)
	}

	t.Run("SameDefinition", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		again, created, err := e.svc.Catalog.CreateProduct(e.ctx, in)
		if err != nil || created || again.ID != first.ID || len(again.Versions) != 1 || again.Versions[0].Prices[0].ID != first.Versions[0].Prices[0].ID {
			t.Fatalf("CreateProduct(images) again = %+v, created %v, %v; want the existing product, not created", again, created, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		for name, change := range map[string]func(*billing.CreateProductInput){
			"Price":     func(in *billing.CreateProductInput) { in.Prices = []rating.Price{perUnit("USD", "0.05")} },
			"Asset":     func(in *billing.CreateProductInput) { in.Prices = []rating.Price{perUnit("EUR", "0.04")} },
			"TwoPrices": func(in *billing.CreateProductInput) { in.Prices = append(in.Prices, perUnit("USD", "0.01")) },
			"Name":      func(in *billing.CreateProductInput) { in.Name = "Pictures" },
			"EventType": func(in *billing.CreateProductInput) { in.EventType = "image.created" },
			"Entitlement": func(in *billing.CreateProductInput) {
				in.Entitlements = []rating.Entitlement{{Kind: rating.EntitlementOneOff, Asset: "USD", Amount: dec("5")}}
			},
		} {
			t.Run(name, func(t *testing.T) {
				other := in
				other.Prices = append([]rating.Price(nil), in.Prices...)
				change(&other)
				_, _, err := e.svc.Catalog.CreateProduct(e.ctx, other)
				wantCode(t, fmt.Sprintf("CreateProduct(images, other %s)", name), err, kernel.EConflict)
				if kernel.ErrorAction(err) != billing.ActNewVersion {
					t.Errorf("CreateProduct conflict %q does not name the fix (publish a new version)", err)
				}
			})
		}
		p, err := e.svc.Catalog.GetProduct(e.ctx, "images")
		if err != nil || len(p.Versions) != 1 || !p.Versions[0].Prices[0].UnitAmount.Equal(dec("0.04")) || p.Name != "Images" {
			t.Errorf("GetProduct(images) after conflicts = %+v, %v; want it unchanged", p, err)
		}
	})
	t.Run("ReplayAfterNewVersion", func(t *testing.T) {
		if _, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "images", Prices: []rating.Price{perUnit("USD", "0.05")}}); err != nil {
			t.Fatal(err)
		}
		again, created, err := e.svc.Catalog.CreateProduct(e.ctx, in)
		if err != nil || created || again.ID != first.ID || again.DefaultVersion != 2 {
			t.Fatalf("CreateProduct(images) after v2 = %+v, created %v, %v; want the existing product at default version 2", again.Product, created, err)
		}
	})
}

func TestCreateProductInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tiers := func(mode string, ts ...rating.Tier) rating.Price {
		return rating.Price{Model: rating.Tiered, Asset: "USD", TierMode: mode, Tiers: ts}
	}
	for _, tc := range []struct {
		name   string
		in     billing.CreateProductInput
		field  string
		inText []string // the message names these
	}{
		{"Code", billing.CreateProductInput{Code: "Images!", EventType: "x", Prices: []rating.Price{perUnit("USD", "1")}}, "code", nil},
		{"EventType", billing.CreateProductInput{Code: "images", EventType: "image generated", Prices: []rating.Price{perUnit("USD", "1")}}, "event_type", nil},
		{"NoPrices", billing.CreateProductInput{Code: "images", EventType: "x"}, "prices", nil},
		{"NegativeUnitAmount", billing.CreateProductInput{Code: "images", EventType: "x", Prices: []rating.Price{perUnit("USD", "-0.04")}},
			"prices[0].unit_amount", []string{"prices[0].unit_amount", "negative"}},
		{"UnknownModel", billing.CreateProductInput{Code: "images", EventType: "x", Prices: []rating.Price{{Model: "per_image", Asset: "USD"}}},
			"prices[0].model", []string{"per_unit", "tiered"}},
		{"VolumeWithoutField", billing.CreateProductInput{Code: "tokens", EventType: "x", Prices: []rating.Price{
			{Model: rating.PerVolume, Asset: "USD", BlockSize: dec("1000"), BlockAmount: dec("1")}}}, "prices[0].field", nil},
		{"ZeroBlockSize", billing.CreateProductInput{Code: "tokens", EventType: "x", Prices: []rating.Price{
			perUnit("USD", "1"), {Model: rating.Package, Asset: "USD", Field: "n", BlockSize: dec("0"), BlockAmount: dec("1")}}}, "prices[1].block_size", nil},
		{"TiersNotAscending", billing.CreateProductInput{Code: "api", EventType: "x", Prices: []rating.Price{
			perUnit("USD", "1"), tiers(rating.TierGraduated, rating.Tier{UpTo: upTo("100"), UnitAmount: dec("1")}, rating.Tier{UpTo: upTo("50"), UnitAmount: dec("1")}, rating.Tier{UnitAmount: dec("1")})}},
			"prices[1].tiers[1].up_to", []string{"prices[1].tiers[1].up_to", "prices[1].tiers[0].up_to"}},
		{"VolumeTierFlat", billing.CreateProductInput{Code: "api", EventType: "x", Prices: []rating.Price{
			tiers(rating.TierVolume, rating.Tier{UpTo: upTo("10"), UnitAmount: dec("1"), FlatAmount: dec("5")}, rating.Tier{UnitAmount: dec("1")})}},
			"prices[0].tiers[0].flat_amount", nil},
		{"RateMissingDimension", billing.CreateProductInput{Code: "render", EventType: "x", Prices: []rating.Price{
			{Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"}, Rates: []rating.DimensionRate{{Values: map[string]string{"quality": "hd"}, Amount: dec("1")}}}}},
			"prices[0].rates[0].values", []string{"model"}},
		{"RecurringPrecision", billing.CreateProductInput{Code: "plan", EventType: "x", Prices: []rating.Price{
			{Model: rating.Recurring, Asset: "USD", Interval: "month", Amount: dec("20.0000000000000000001")}}}, "prices[0].amount", nil},
		{"RecurringInterval", billing.CreateProductInput{Code: "plan", EventType: "x", Prices: []rating.Price{
			{Model: rating.Recurring, Asset: "USD", Interval: "fortnight", Amount: dec("20")}}}, "prices[0].interval", nil},
		{"UnknownAsset", billing.CreateProductInput{Code: "images", EventType: "x", Prices: []rating.Price{perUnit("credits", "2")}},
			"prices[0].asset", []string{"credits", "existing assets", "USD", "EUR", "create_asset"}},
		{"EntitlementAmount", billing.CreateProductInput{Code: "plan", EventType: "x", Prices: []rating.Price{perUnit("USD", "1")},
			Entitlements: []rating.Entitlement{{Kind: rating.EntitlementOneOff, Asset: "USD", Amount: dec("0")}}}, "entitlements[0].amount", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.svc.Catalog.CreateProduct(e.ctx, tc.in)
			wantField(t, "CreateProduct("+tc.name+")", err, kernel.EInvalid, tc.field)
			for _, s := range tc.inText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("CreateProduct(%s) error %q does not mention %q", tc.name, err, s)
				}
			}
		})
	}
	t.Run("ErrNotFoundVendor", func(t *testing.T) {
		in := billing.CreateProductInput{Code: "agent", EventType: "agent.step", Prices: []rating.Price{
			perUnit("USD", "0.01"), {Model: rating.CostPlus, Asset: "USD", Vendor: "openai", MarkupPercent: dec("20")}}}
		_, _, err := e.svc.Catalog.CreateProduct(e.ctx, in)
		wantField(t, "CreateProduct(cost_plus over an unknown vendor)", err, kernel.ENotFound, "prices[1].vendor")
		if !strings.Contains(err.Error(), "create_vendor") || !strings.Contains(err.Error(), "openai") {
			t.Errorf("CreateProduct(unknown vendor) error %q does not name the vendor and create_vendor", err)
		}
		if _, _, err := e.svc.Catalog.CreateVendor(e.ctx, "openai", "OpenAI"); err != nil {
			t.Fatal(err)
		}
		if _, created, err := e.svc.Catalog.CreateProduct(e.ctx, in); err != nil || !created {
			t.Errorf("CreateProduct(cost_plus) once the vendor exists = created %v, %v; want created", created, err)
		}
	})
	page, err := e.svc.Catalog.ListProducts(e.ctx, billing.ListProductsInput{IncludeArchived: true})
	if err != nil || len(page.Items) != 1 || page.Items[0].Code != "agent" {
		t.Errorf("ListProducts() after rejected creates = %+v, %v; want only agent", page.Items, err)
	}
}

func TestVersionImmutability(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	e.customer(t, "u1")
	e.record(t, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "image.generated"})
	pool := e.svc.Pool()

	t.Run("DatabaseRefusesUpdate", func(t *testing.T) {
		_, err := pool.Exec(e.ctx, `UPDATE product_versions SET prices = '[]'::jsonb WHERE product_id = $1`, p.ID)
		if err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Fatalf("UPDATE product_versions = %v, want refused as immutable", err)
		}
	})
	t.Run("DatabaseRefusesDelete", func(t *testing.T) {
		_, err := pool.Exec(e.ctx, `DELETE FROM product_versions WHERE product_id = $1`, p.ID)
		if err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Fatalf("DELETE FROM product_versions = %v, want refused as immutable", err)
		}
	})
	got, err := e.svc.Catalog.GetProduct(e.ctx, "images")
	if err != nil || len(got.Versions) != 1 || len(got.Versions[0].Prices) != 1 || !got.Versions[0].Prices[0].UnitAmount.Equal(dec("0.04")) {
		t.Fatalf("GetProduct(images) after refused changes = %+v, %v; want version 1 at 0.04", got, err)
	}

	t.Run("NewVersionRepricesNothing", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		v2, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: p.ID, Prices: []rating.Price{perUnit("USD", "0.05")}})
		if err != nil || v2.Version != 2 || !v2.PublishedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("CreateProductVersion(images) = %+v, %v; want version 2", v2, err)
		}
		if got, _ := e.svc.Catalog.GetProduct(e.ctx, "images"); got.DefaultVersion != 2 || len(got.Versions) != 2 || got.Versions[0].Version != 2 {
			t.Errorf("GetProduct(images) = default %d, %d versions; want default 2 of 2, newest first", got.DefaultVersion, len(got.Versions))
		}
		ev, err := e.svc.GetEvent(e.ctx, "ev1")
		if err != nil || len(ev.Fees) != 1 || ev.Fees[0].Version != 1 {
			t.Fatalf("GetEvent(ev1) = %+v, %v; want one fee of version 1", ev, err)
		}
		wantDec(t, "ev1 fee after v2", ev.Fees[0].Amount, "0.04")
		wantDec(t, "u1 total after v2", e.balance(t, "u1", "USD").Total, "-0.04")
		// u1 stays on the version it subscribed to; a new customer gets the new default.
		again := e.record(t, billing.UsageEventInput{ID: "ev2", Customer: "u1", EventType: "image.generated"})
		wantDec(t, "u1's next event", again.Fees[0].Amount, "0.04")
		e.customer(t, "u2")
		fresh := e.record(t, billing.UsageEventInput{ID: "ev3", Customer: "u2", EventType: "image.generated"})
		wantDec(t, "u2's first event", fresh.Fees[0].Amount, "0.05")
		if fresh.Fees[0].Version != 2 || again.Fees[0].Version != 1 {
			t.Errorf("versions = %d (u1), %d (u2); want 1 and 2", again.Fees[0].Version, fresh.Fees[0].Version)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "videos", Prices: []rating.Price{perUnit("USD", "1")}})
		wantField(t, "CreateProductVersion(videos)", err, kernel.ENotFound, "product")
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "images", Prices: []rating.Price{perUnit("USD", "0.05"), perUnit("USD", "-1")}})
		wantField(t, "CreateProductVersion(negative price)", err, kernel.EInvalid, "prices[1].unit_amount")
		if got, _ := e.svc.Catalog.GetProduct(e.ctx, "images"); len(got.Versions) != 2 {
			t.Errorf("GetProduct(images) after a rejected version = %d versions, want 2", len(got.Versions))
		}
	})
	e.verifyClean(t)
}

func TestKeepDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	v2, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "images", Prices: []rating.Price{perUnit("USD", "0.03")}, KeepDefault: true})
	if err != nil || v2.Version != 2 {
		t.Fatalf("CreateProductVersion(KeepDefault) = %+v, %v; want version 2", v2, err)
	}
	p, err := e.svc.Catalog.GetProduct(e.ctx, "images")
	if err != nil || p.DefaultVersion != 1 || len(p.Versions) != 2 {
		t.Fatalf("GetProduct(images) = default %d, %d versions, %v; want default 1 of 2", p.DefaultVersion, len(p.Versions), err)
	}
	sim, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "images"})
	if err != nil || sim.Version != 1 {
		t.Fatalf("SimulateUsage(images) = %+v, %v; want the default version 1", sim, err)
	}
	wantDec(t, "simulated default", sim.Fees[0].Amount, "0.04")
	sim, err = e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "images", Version: 2})
	if err != nil || sim.Version != 2 {
		t.Fatalf("SimulateUsage(images v2) = %+v, %v; want version 2", sim, err)
	}
	wantDec(t, "simulated v2", sim.Fees[0].Amount, "0.03")

	e.customer(t, "u1")
	ev := e.record(t, billing.UsageEventInput{ID: "e1", Customer: "u1", EventType: "image.generated"})
	if ev.Fees[0].Version != 1 || !ev.Fees[0].Amount.Equal(dec("0.04")) {
		t.Errorf("RecordUsage(new customer) fee = version %d %s, want version 1 at 0.04", ev.Fees[0].Version, ev.Fees[0].Amount)
	}
	e.customer(t, "u2")
	sub, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u2", Product: "images", Version: 2})
	if err != nil || sub.Version != 2 {
		t.Fatalf("Subscribe(u2, images v2) = %+v, %v; want version 2", sub, err)
	}
	ev = e.record(t, billing.UsageEventInput{ID: "e2", Customer: "u2", EventType: "image.generated"})
	if ev.Fees[0].Version != 2 || !ev.Fees[0].Amount.Equal(dec("0.03")) {
		t.Errorf("RecordUsage(u2 on v2) fee = version %d %s, want version 2 at 0.03", ev.Fees[0].Version, ev.Fees[0].Amount)
	}
	t.Run("ErrInvalidVersion", func(t *testing.T) {
		for _, v := range []int{3, -1} {
			_, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u2", Product: "images", Version: v})
			wantField(t, fmt.Sprintf("Subscribe(version %d)", v), err, kernel.EInvalid, "version")
			_, err = e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "images", Version: v})
			wantField(t, fmt.Sprintf("SimulateUsage(version %d)", v), err, kernel.EInvalid, "version")
		}
	})
}

func TestArchiveProduct(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	e.customer(t, "u1")
	e.customer(t, "u2")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("1"), Reason: "p"})
	e.record(t, billing.UsageEventInput{ID: "e1", Customer: "u1", EventType: "image.generated"}) // subscribes u1
	e.clock.Advance(time.Minute)
	archived, err := e.svc.Catalog.ArchiveProduct(e.ctx, "images")
	if err != nil || archived.ArchivedAt == nil || !archived.ArchivedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ArchiveProduct(images) = %+v, %v; want archived at %v", archived, err, t0.Add(time.Minute))
	}
	t.Run("Again", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		again, err := e.svc.Catalog.ArchiveProduct(e.ctx, p.ID)
		if err != nil || again.ArchivedAt == nil || !again.ArchivedAt.Equal(*archived.ArchivedAt) {
			t.Errorf("ArchiveProduct(images) again = %+v, %v; want the first archive time kept", again, err)
		}
	})
	t.Run("ExistingSubscriptionWorks", func(t *testing.T) {
		a, err := e.svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: "a1", Customer: "u1", EventType: "image.generated"})
		if err != nil || !a.Approved || !a.Amount.Equal(dec("0.04")) {
			t.Fatalf("Authorize(u1) on an archived product = %+v, %v; want 0.04 held", a, err)
		}
		ev := e.record(t, billing.UsageEventInput{ID: "e2", Customer: "u1", EventType: "image.generated", AuthorizationID: a.ID})
		if len(ev.Fees) != 1 || !ev.Fees[0].Amount.Equal(dec("0.04")) || ev.Settlement == nil || ev.Settlement.Status != billing.AuthCaptured {
			t.Fatalf("RecordUsage(u1) on an archived product = %+v, want priced 0.04 and captured", ev)
		}
		wantDec(t, "u1 total", e.balance(t, "u1", "USD").Total, "0.92")
		sim, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "images"})
		if err != nil || len(sim.Fees) != 1 {
			t.Errorf("SimulateUsage(archived images) = %+v, %v; want its price", sim, err)
		}
	})
	t.Run("ErrSubscribe", func(t *testing.T) {
		_, err := e.svc.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: "u2", Product: "images"})
		wantField(t, "Subscribe(u2, archived images)", err, kernel.EInvalid, "product")
		if !strings.Contains(err.Error(), "archived") {
			t.Errorf("Subscribe(archived) error %q does not say the product is archived", err)
		}
		// Nor does usage subscribe u2 implicitly.
		_, err = e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: "e3", Customer: "u2", EventType: "image.generated"})
		wantCode(t, "RecordUsage(u2, archived images)", err, kernel.EInvalid)
		if subs, err := e.svc.Plans.ListSubscriptions(e.ctx, "u2"); err != nil || len(subs) != 0 {
			t.Errorf("ListSubscriptions(u2) = %+v, %v; want none", subs, err)
		}
	})
	t.Run("ErrNewVersion", func(t *testing.T) {
		_, err := e.svc.Catalog.CreateProductVersion(e.ctx, billing.CreateVersionInput{Product: "images", Prices: []rating.Price{perUnit("USD", "0.05")}})
		wantField(t, "CreateProductVersion(archived images)", err, kernel.EInvalid, "product")
	})
	t.Run("Listing", func(t *testing.T) {
		page, err := e.svc.Catalog.ListProducts(e.ctx, billing.ListProductsInput{})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("ListProducts() = %+v, %v; want archived products hidden", page.Items, err)
		}
		page, err = e.svc.Catalog.ListProducts(e.ctx, billing.ListProductsInput{IncludeArchived: true})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != p.ID {
			t.Errorf("ListProducts(include archived) = %+v, %v; want images", page.Items, err)
		}
	})
	e.verifyClean(t)
}

// TestSimulateMatchesRecord prices the same events with SimulateUsage and
// then RecordUsage, across every price model, and wants the same fees.
func TestSimulateMatchesRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.asset(t, "credits", 0)
	if _, _, err := e.svc.Catalog.CreateVendor(e.ctx, "openai", "OpenAI"); err != nil {
		t.Fatal(err)
	}
	e.product(t, "images", "image.generated", perUnit("USD", "0.04"))
	e.product(t, "credit-images", "image.credits", perUnit("credits", "2.5"))
	e.product(t, "tokens", "chat.tokens", rating.Price{Name: "tokens", Model: rating.PerVolume, Asset: "USD", Field: "total_tokens", BlockSize: dec("1000000"), BlockAmount: dec("1.25")})
	e.product(t, "batches", "batch.rendered", rating.Price{Name: "per 10 images", Model: rating.Package, Asset: "USD", Field: "images", BlockSize: dec("10"), BlockAmount: dec("0.50")})
	e.product(t, "render", "render", rating.Price{Name: "by model and quality", Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model", "quality"},
		Rates: []rating.DimensionRate{
			{Values: map[string]string{"model": "*", "quality": "*"}, Amount: dec("0.01")},
			{Values: map[string]string{"model": "gpt-image", "quality": "*"}, Amount: dec("0.05")},
			{Values: map[string]string{"model": "gpt-image", "quality": "hd"}, Amount: dec("0.08")},
		}})
	e.product(t, "llm", "llm.call",
		rating.Price{Name: "input", Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"}, Field: "input_tokens", BlockSize: dec("1000000"),
			Rates: []rating.DimensionRate{{Values: map[string]string{"model": "gpt-4o"}, Amount: dec("2.50")}, {Values: map[string]string{"model": "*"}, Amount: dec("1.00")}}},
		rating.Price{Name: "output", Model: rating.PerVolume, Asset: "USD", Field: "output_tokens", BlockSize: dec("1000000"), BlockAmount: dec("10.00")})
	e.product(t, "api", "api.call", rating.Price{Name: "calls", Model: rating.Tiered, Asset: "USD", TierMode: rating.TierGraduated, Field: "calls",
		Tiers: []rating.Tier{{UpTo: upTo("10"), UnitAmount: dec("0.10")}, {UpTo: upTo("100"), UnitAmount: dec("0.05"), FlatAmount: dec("1.00")}, {UnitAmount: dec("0.01")}}})
	e.product(t, "search", "search", rating.Price{Name: "searches", Model: rating.Tiered, Asset: "USD", TierMode: rating.TierVolume,
		Tiers: []rating.Tier{{UpTo: upTo("2"), UnitAmount: dec("0.50")}, {UnitAmount: dec("0.25")}}})
	e.product(t, "agent", "agent.step", rating.Price{Name: "openai +20%", Model: rating.CostPlus, Asset: "USD", Vendor: "openai", MarkupPercent: dec("20"), MarkupFixed: dec("0.01")})
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("100"), Reason: "p"})

	usd := func(amounts ...string) []want {
		out := make([]want, len(amounts))
		for i, a := range amounts {
			out[i] = want{"USD", a}
		}
		return out
	}
	costs := func(kv ...string) []rating.Cost {
		var out []rating.Cost
		for i := 0; i < len(kv); i += 2 {
			out = append(out, rating.Cost{Vendor: kv[i], Amount: dec(kv[i+1]), Currency: "USD"})
		}
		return out
	}
	// Rows run in order: the tiered rows build on the usage of those before.
	for i, tc := range []struct {
		name      string
		product   string
		eventType string
		data      map[string]any
		costs     []rating.Cost
		want      []want
	}{
		{"PerUnit", "images", "image.generated", nil, nil, usd("0.04")},
		{"PerUnitSubUnit", "credit-images", "image.credits", nil, nil, []want{{"credits", "2.5"}}}, // never rounded to the asset's precision
		{"PerVolume", "tokens", "chat.tokens", data("total_tokens", "800000"), nil, usd("1.00")},
		{"PerVolumeSubCent", "tokens", "chat.tokens", data("total_tokens", "1500"), nil, usd("0.001875")},
		{"PerVolumeHalfCent", "tokens", "chat.tokens", data("total_tokens", "4000"), nil, usd("0.005")},
		{"PackagePartialBlock", "batches", "batch.rendered", data("images", "25"), nil, usd("1.50")},
		{"PackageFullBlock", "batches", "batch.rendered", data("images", "10"), nil, usd("0.50")},
		{"PackageZero", "batches", "batch.rendered", data("images", "0"), nil, usd("0.00")},
		{"DimensionalExact", "render", "render", data("model", "gpt-image", "quality", "hd"), nil, usd("0.08")},
		{"DimensionalPartialWildcard", "render", "render", data("model", "gpt-image", "quality", "sd"), nil, usd("0.05")},
		{"DimensionalWildcard", "render", "render", data("model", "dall-e", "quality", "hd"), nil, usd("0.01")},
		{"DimensionalMissing", "render", "render", nil, nil, usd("0.01")},
		{"TwoPrices", "llm", "llm.call", data("model", "gpt-4o", "input_tokens", "400000", "output_tokens", "100000"), nil, usd("1.00", "1.00")},
		{"TwoPricesFallback", "llm", "llm.call", data("model", "claude", "input_tokens", "1000000", "output_tokens", "0"), nil, usd("1.00", "0.00")},
		{"GraduatedFirst", "api", "api.call", data("calls", "8"), nil, usd("0.80")},
		{"GraduatedCrossing", "api", "api.call", data("calls", "5"), nil, usd("1.35")},  // prior 8: 2×0.10 + 3×0.05 + flat 1.00
		{"GraduatedTopTier", "api", "api.call", data("calls", "100"), nil, usd("4.48")}, // prior 13: 87×0.05 + 13×0.01
		{"VolumeTier1", "search", "search", nil, nil, usd("0.50")},
		{"VolumeTier1Edge", "search", "search", nil, nil, usd("0.50")},
		{"VolumeTier2", "search", "search", nil, nil, usd("0.25")},
		{"CostPlusVendor", "agent", "agent.step", nil, costs("openai", "0.10", "anthropic", "0.50"), usd("0.13")}, // 0.12 + 0.01
		{"CostPlusSubCent", "agent", "agent.step", nil, costs("openai", "0.0125"), usd("0.025")},                  // 0.015 + 0.01
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]rating.Decimal{"USD": e.balance(t, "u1", "USD").Total, "credits": e.balance(t, "u1", "credits").Total}
			sim, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: tc.product, Customer: "u1", Data: tc.data, Costs: tc.costs})
			if err != nil {
				t.Fatalf("SimulateUsage(%s) = %v", tc.name, err)
			}
			in := billing.UsageEventInput{ID: fmt.Sprintf("ev%d", i), Customer: "u1", EventType: tc.eventType, Data: tc.data, Costs: tc.costs}
			ev := e.record(t, in)
			if len(ev.Fees) != len(tc.want) {
				t.Fatalf("RecordUsage(%s) = %d fees, want %d", tc.name, len(ev.Fees), len(tc.want))
			}
			for j, w := range tc.want {
				if f := ev.Fees[j]; f.Asset != w.asset || !f.Amount.Equal(dec(w.amount)) {
					t.Errorf("RecordUsage(%s).Fees[%d] = %s %s, want %s %s (%s)", tc.name, j, f.Amount, f.Asset, w.amount, w.asset, f.Breakdown)
				}
			}
			if diff := cmp.Diff(sim.Fees, ev.Fees, decimalEqual, cmpopts.IgnoreFields(billing.Fee{}, "ID", "EventID")); diff != "" {
				t.Errorf("SimulateUsage(%s) fees differ from RecordUsage's (-simulated +recorded):\n%s", tc.name, diff)
			}
			if sim.Version != ev.Fees[0].Version || sim.ProductCode != tc.product {
				t.Errorf("SimulateUsage(%s) = %s v%d, want %s v%d", tc.name, sim.ProductCode, sim.Version, tc.product, ev.Fees[0].Version)
			}
			// Recording moved each balance by exactly the simulated totals.
			for asset, b := range before {
				after := e.balance(t, "u1", asset).Total
				if spent := b.Sub(after); !spent.Equal(sim.Totals[asset]) {
					t.Errorf("RecordUsage(%s) moved %s by %s, simulated total %s", tc.name, asset, spent, sim.Totals[asset])
				}
			}
		})
	}
	e.verifyClean(t)
}

type want struct{ asset, amount string }

// TestRecordedFeesReadBack wants an event's fees read back (GetEvent,
// ListEvents, a replay) exactly as RecordUsage and SimulateUsage returned them.
func TestRecordedFeesReadBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "tokens", "chat.tokens", rating.Price{Name: "tokens", Model: rating.PerVolume, Asset: "USD", Field: "total_tokens", BlockSize: dec("1000000"), BlockAmount: dec("1.25")})
	e.customer(t, "u1")
	in := billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "chat.tokens", Data: data("total_tokens", "1234567")}
	ev := e.record(t, in)
	got, err := e.svc.GetEvent(e.ctx, "ev1")
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.ListEvents(e.ctx, billing.ListEventsInput{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("ListEvents() = %+v, %v; want ev1", list.Items, err)
	}
	replay, err := e.svc.RecordUsage(e.ctx, in)
	if err != nil || !replay.Replayed {
		t.Fatalf("RecordUsage(ev1) again = %+v, %v; want a replay", replay, err)
	}
	for name, fees := range map[string][]billing.Fee{"GetEvent": got.Fees, "ListEvents": list.Items[0].Fees, "RecordUsage replay": replay.Fees} {
		if diff := cmp.Diff(ev.Fees, fees, decimalEqual); diff != "" {
			t.Errorf("%s(ev1) fees differ from those RecordUsage returned (-recorded +%s):\n%s", name, name, diff)
		}
	}
}

// TestSimulateHasNoEffect checks that simulating moves no balance, counter,
// subscription or hold: real events afterwards price as if it never happened.
func TestSimulateHasNoEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "api", "api.call", rating.Price{Name: "calls", Model: rating.Tiered, Asset: "USD", TierMode: rating.TierGraduated,
		Tiers: []rating.Tier{{UpTo: upTo("2"), UnitAmount: dec("1.00")}, {UnitAmount: dec("0.10")}}})
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10"), Reason: "p"})
	txns := func() int {
		page, err := e.svc.ListTransactions(e.ctx, billing.ListTransactionsInput{Customer: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Items)
	}
	before := txns()
	for i := range 5 {
		sim, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "api", Customer: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		wantDec(t, fmt.Sprintf("simulation %d", i+1), sim.Fees[0].Amount, "1.00")
	}
	b := e.balance(t, "u1", "USD")
	wantDec(t, "total after simulations", b.Total, "10")
	wantDec(t, "held after simulations", b.Held, "0")
	if n := txns(); n != before {
		t.Errorf("ListTransactions() = %d after simulations, want %d", n, before)
	}
	if subs, err := e.svc.Plans.ListSubscriptions(e.ctx, "u1"); err != nil || len(subs) != 0 {
		t.Errorf("ListSubscriptions(u1) after simulations = %+v, %v; want none", subs, err)
	}
	if page, _ := e.svc.ListEvents(e.ctx, billing.ListEventsInput{}); len(page.Items) != 0 {
		t.Errorf("ListEvents() after simulations = %d events, want 0", len(page.Items))
	}
	var counters int
	if err := e.svc.Pool().QueryRow(e.ctx, `SELECT count(*) FROM usage_counters`).Scan(&counters); err != nil || counters != 0 {
		t.Errorf("usage_counters rows after simulations = %d, %v; want 0", counters, err)
	}
	// Three real events: the first two fill tier 1 as if nothing had been simulated.
	for i, fee := range []string{"1.00", "1.00", "0.10"} {
		ev := e.record(t, billing.UsageEventInput{ID: fmt.Sprintf("e%d", i), Customer: "u1", EventType: "api.call"})
		wantDec(t, fmt.Sprintf("real event %d", i+1), ev.Fees[0].Amount, fee)
		sim, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "api", Customer: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		next := "0.10"
		if i == 0 {
			next = "1.00"
		}
		wantDec(t, fmt.Sprintf("simulation after real event %d", i+1), sim.Fees[0].Amount, next)
	}
	wantDec(t, "total", e.balance(t, "u1", "USD").Total, "7.90")
	t.Run("Prior", func(t *testing.T) {
		p, _ := e.svc.Catalog.GetProduct(e.ctx, "api")
		id := p.Versions[0].Prices[0].ID
		sim, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "api", Customer: "u1", Prior: map[string]rating.Decimal{id: dec("0")}})
		if err != nil {
			t.Fatal(err)
		}
		wantDec(t, "simulation with prior 0", sim.Fees[0].Amount, "1.00")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "videos"})
		wantField(t, "SimulateUsage(videos)", err, kernel.ENotFound, "product")
		_, err = e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: "api", Customer: "u9"})
		wantField(t, "SimulateUsage(customer u9)", err, kernel.ENotFound, "customer")
	})
	e.verifyClean(t)
}

func TestSimulateRatingErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.product(t, "render", "render", rating.Price{Name: "by model", Model: rating.Dimensional, Asset: "USD", Dimensions: []string{"model"},
		Rates: []rating.DimensionRate{{Values: map[string]string{"model": "gpt-image"}, Amount: dec("0.05")}}})
	e.product(t, "tokens", "chat.tokens", rating.Price{Model: rating.PerVolume, Asset: "USD", Field: "total_tokens", BlockSize: dec("1000"), BlockAmount: dec("1")})
	e.customer(t, "u1")
	for _, tc := range []struct {
		name, product, eventType string
		data                     map[string]any
		field                    string
	}{
		{"NoRateNoFallback", "render", "render", data("model", "dall-e"), "data.model"},
		{"MissingDimension", "render", "render", nil, "data.model"},
		{"MissingVolume", "tokens", "chat.tokens", nil, "data.total_tokens"},
		{"NegativeVolume", "tokens", "chat.tokens", data("total_tokens", "-5"), "data.total_tokens"},
		{"NonNumericVolume", "tokens", "chat.tokens", data("total_tokens", "many"), "data.total_tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, simErr := e.svc.Catalog.SimulateUsage(e.ctx, billing.SimulateInput{Product: tc.product, Data: tc.data})
			wantField(t, "SimulateUsage("+tc.name+")", simErr, kernel.EInvalid, tc.field)
			_, recErr := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: tc.name, Customer: "u1", EventType: tc.eventType, Data: tc.data})
			wantField(t, "RecordUsage("+tc.name+")", recErr, kernel.EInvalid, tc.field)
			if simErr.Error() != recErr.Error() {
				t.Errorf("SimulateUsage(%s) error %q, RecordUsage's %q; want the same", tc.name, simErr, recErr)
			}
		})
	}
	wantDec(t, "total after rejected events", e.balance(t, "u1", "USD").Total, "0")
}
