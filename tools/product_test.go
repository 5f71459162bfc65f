package tools

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// imagePrice is a per-unit price of 0.04 USD per image.
func imageProduct() map[string]any {
	return map[string]any{
		"code": "image-generation", "name": "Image generation", "event_type": "image.generated",
		"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.04", "name": "Images"}},
	}
}

func TestProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)

	r := e.ok("list_products", nil)
	if n := len(r["data"].([]any)); n != 0 {
		t.Fatalf("list_products on a new account = %d items, want 0", n)
	}
	wantContains(t, "next_steps", mustJSON(r["next_steps"]), "create_product_price")

	var productID string
	t.Run("Create", func(t *testing.T) {
		r := e.ok("create_product_price", imageProduct())
		productID, _ = get(r, "product", "id").(string)
		if r["created"] != true || !strings.HasPrefix(productID, "prod_") || get(r, "product", "default_version") != float64(1) ||
			get(r, "product", "versions", 0, "prices", 0, "unit_amount") != "0.04" || get(r, "product", "archived_at") != nil {
			t.Errorf("create_product_price = %v", r)
		}
		wantContains(t, "next_steps", mustJSON(r["next_steps"]), "simulate_usage")
		r = e.ok("create_product_price", imageProduct())
		if r["created"] != false || get(r, "product", "id") != productID {
			t.Errorf("create_product_price again = %v, want the same product with created false", r)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		p := imageProduct()
		p["prices"] = []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.05", "name": "Images"}}
		wantContains(t, "error", e.fail("create_product_price", p), "already exists with another definition", "create_product_version")
	})
	t.Run("ErrUnknownAsset", func(t *testing.T) {
		p := imageProduct()
		p["code"] = "other"
		p["prices"] = []any{map[string]any{"model": "per_unit", "asset": "credit", "unit_amount": "1"}}
		wantContains(t, "error", e.fail("create_product_price", p), "prices[0].asset", `"credit"`, "existing assets: ", "USD", "create_asset")
	})
	t.Run("ErrInvalidTier", func(t *testing.T) {
		p := imageProduct()
		p["code"] = "other"
		p["prices"] = []any{map[string]any{"model": "tiered", "asset": "USD", "tier_mode": "graduated", "tiers": []any{
			map[string]any{"up_to": "100", "unit_amount": "0.01"},
			map[string]any{"up_to": "50", "unit_amount": "0.02"},
			map[string]any{"unit_amount": "0.03"},
		}}}
		wantContains(t, "error", e.fail("create_product_price", p), "prices[0].tiers[1].up_to")
	})
	t.Run("ErrModel", func(t *testing.T) {
		p := imageProduct()
		p["prices"] = []any{map[string]any{"model": "flat", "asset": "USD"}}
		wantContains(t, "error", e.fail("create_product_price", p), "prices[0].model", "per_unit, per_volume, package, dimensional, tiered, cost_plus, recurring")
	})
	t.Run("ErrFieldOfAnotherModel", func(t *testing.T) {
		p := imageProduct()
		p["prices"] = []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.04", "tiers": []any{map[string]any{"unit_amount": "1"}}}}
		wantContains(t, "error", e.fail("create_product_price", p), "prices[0].tiers does not apply to a per_unit price, which takes unit_amount")
	})
	t.Run("ErrUnknownPriceField", func(t *testing.T) {
		p := imageProduct()
		p["prices"] = []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amout": "0.04"}}
		wantContains(t, "error", e.fail("create_product_price", p), `prices[0] has no field "unit_amout"`, `did you mean "unit_amount"?`)
	})
	t.Run("ErrMissingPriceField", func(t *testing.T) {
		p := imageProduct()
		p["prices"] = []any{map[string]any{"model": "per_unit", "unit_amount": "0.04"}}
		wantContains(t, "error", e.fail("create_product_price", p), "prices[0].asset is required")
	})
	t.Run("ErrPriceType", func(t *testing.T) {
		p := imageProduct()
		p["prices"] = []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "four cents"}}
		wantContains(t, "error", e.fail("create_product_price", p), "prices[0].unit_amount", "not a decimal number")
		p["prices"] = map[string]any{"model": "per_unit"}
		wantContains(t, "error", e.fail("create_product_price", p), "prices must be an array, not a JSON object")
	})
	t.Run("Get", func(t *testing.T) {
		for _, ref := range []string{"image-generation", productID} {
			r := e.ok("get_product", map[string]any{"product": ref})
			if get(r, "product", "code") != "image-generation" || !strings.HasPrefix(get(r, "product", "versions", 0, "prices", 0, "id").(string), "price_") {
				t.Errorf("get_product(%s) = %v", ref, r)
			}
		}
	})
	t.Run("ErrGetUnknown", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_product", map[string]any{"product": "images"}), `product "images" not found`, "list_products", "create_product_price")
	})
	t.Run("Version", func(t *testing.T) {
		r := e.ok("create_product_version", map[string]any{"product": "image-generation", "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.05"}}})
		if get(r, "version", "version") != float64(2) || r["default_version"] != float64(2) || get(r, "version", "prices", 0, "unit_amount") != "0.05" {
			t.Errorf("create_product_version = %v", r)
		}
		r = e.ok("create_product_version", map[string]any{"product": productID, "keep_default": true, "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.06"}}})
		if get(r, "version", "version") != float64(3) || r["default_version"] != float64(2) {
			t.Errorf("create_product_version(keep_default) = %v, want version 3 with default still 2", r)
		}
		r = e.ok("simulate_usage", map[string]any{"product": "image-generation"})
		if r["version"] != float64(2) || get(r, "totals", "USD") != "0.05" {
			t.Errorf("simulate_usage at the default version = %v, want version 2 charging 0.05", r)
		}
		r = e.ok("simulate_usage", map[string]any{"product": "image-generation", "version": 1})
		if get(r, "totals", "USD") != "0.04" || get(r, "fees", 0, "breakdown") == "" || get(r, "fees", 0, "price_name") != "Images" {
			t.Errorf("simulate_usage(version 1) = %v", r)
		}
		wantContains(t, "error", e.fail("simulate_usage", map[string]any{"product": "image-generation", "version": 9}), "has no version 9", "get_product")
	})
	t.Run("List", func(t *testing.T) {
		e.ok("create_product_price", map[string]any{"code": "chat", "event_type": "chat.completed", "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.01"}}})
		r := e.ok("list_products", map[string]any{"limit": 1})
		if n := len(r["data"].([]any)); n != 1 || r["has_more"] != true || get(r, "data", 0, "code") != "chat" || get(r, "data", 0, "versions") != nil {
			t.Fatalf("list_products(limit 1) = %v", r)
		}
		r = e.ok("list_products", map[string]any{"limit": 1, "cursor": r["next_cursor"]})
		if get(r, "data", 0, "code") != "image-generation" || r["has_more"] != false {
			t.Errorf("list_products page 2 = %v", r)
		}
	})
	t.Run("Archive", func(t *testing.T) {
		r := e.ok("archive_product", map[string]any{"product": "chat"})
		at, _ := get(r, "product", "archived_at").(string)
		if at == "" {
			t.Fatalf("archive_product = %v, want archived_at set", r)
		}
		r = e.ok("archive_product", map[string]any{"product": "chat"})
		if get(r, "product", "archived_at") != at {
			t.Errorf("archive_product again: archived_at %v, want %s unchanged", get(r, "product", "archived_at"), at)
		}
		if n := len(e.ok("list_products", nil)["data"].([]any)); n != 1 {
			t.Errorf("list_products after archiving = %d items, want 1", n)
		}
		if n := len(e.ok("list_products", map[string]any{"include_archived": true})["data"].([]any)); n != 2 {
			t.Errorf("list_products(include_archived) = %d items, want 2", n)
		}
		wantContains(t, "error", e.fail("create_product_version", map[string]any{"product": "chat", "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.02"}}}), "archived")
	})
}

// TestPriceModels creates a product with a price of every model and checks
// simulate_usage's fees exactly.
func TestPriceModels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)

	t.Run("ErrUnknownVendor", func(t *testing.T) {
		msg := e.fail("create_product_price", map[string]any{"code": "llm", "event_type": "llm.call", "prices": []any{
			map[string]any{"model": "cost_plus", "asset": "USD", "vendor": "openai", "markup_percent": "20"},
		}})
		wantContains(t, "error", msg, `vendor "openai" not found`, "create_vendor")
	})
	t.Run("Vendors", func(t *testing.T) {
		r := e.ok("list_vendors", nil)
		if n := len(r["vendors"].([]any)); n != 0 {
			t.Errorf("list_vendors = %d vendors, want 0", n)
		}
		r = e.ok("create_vendor", map[string]any{"code": "openai", "name": "OpenAI"})
		if r["created"] != true || get(r, "vendor", "code") != "openai" {
			t.Errorf("create_vendor = %v", r)
		}
		if r = e.ok("create_vendor", map[string]any{"code": "openai"}); r["created"] != false || get(r, "vendor", "name") != "OpenAI" {
			t.Errorf("create_vendor again = %v, want the existing vendor", r)
		}
		if r = e.ok("list_vendors", nil); get(r, "vendors", 0, "code") != "openai" {
			t.Errorf("list_vendors = %v", r)
		}
		wantContains(t, "error", e.fail("create_vendor", map[string]any{"code": "Open AI"}), `vendor code "Open AI" is not valid`)
	})

	tiers := []any{map[string]any{"up_to": 10, "unit_amount": "1"}, map[string]any{"unit_amount": "0.5"}}
	r := e.ok("create_product_price", map[string]any{"code": "llm", "event_type": "llm.call", "prices": []any{
		map[string]any{"name": "Tokens", "model": "per_volume", "asset": "USD", "field": "total_tokens", "block_size": "1000000", "block_amount": "2.50"},
		map[string]any{"name": "Images", "model": "package", "asset": "USD", "field": "images", "block_size": 10, "block_amount": "1.00"},
		map[string]any{"name": "Model", "model": "dimensional", "asset": "USD", "dimensions": []any{"model"}, "rates": []any{
			map[string]any{"values": map[string]any{"model": "gpt-4o"}, "amount": "0.05"},
			map[string]any{"values": map[string]any{"model": "*"}, "amount": "0.01"},
		}},
		map[string]any{"name": "Graduated", "model": "tiered", "asset": "USD", "tier_mode": "graduated", "field": "requests", "tiers": tiers},
		map[string]any{"name": "Volume", "model": "tiered", "asset": "USD", "tier_mode": "volume", "field": "requests", "tiers": tiers},
		map[string]any{"name": "Cost", "model": "cost_plus", "asset": "USD", "vendor": "openai", "markup_percent": "20", "markup_fixed": "0.01"},
		map[string]any{"name": "Plan", "model": "recurring", "asset": "USD", "interval": "month", "amount": "20.00"},
	}})
	prices := get(r, "product", "versions", 0, "prices").([]any)
	if len(prices) != 7 || get(prices[3], "tiers", 0, "up_to") != "10" || get(prices[6], "interval") != "month" {
		t.Fatalf("create_product_price with every model = %v", r)
	}
	graduated := get(prices[3], "id").(string)

	// The data's numbers arrive as JSON numbers and are read exactly.
	event := `"data": {"total_tokens": 1500000, "images": 25, "model": "gpt-4o", "requests": 12}, "costs": [{"vendor": "openai", "amount": "0.50", "currency": "USD"}]`
	r = e.ok("simulate_usage", json.RawMessage(`{"product": "llm", `+event+`}`))
	want := map[string]string{"Tokens": "3.75", "Images": "3.00", "Model": "0.05", "Graduated": "11.00", "Volume": "6.00", "Cost": "0.61"}
	fees := r["fees"].([]any)
	if len(fees) != len(want) {
		t.Fatalf("simulate_usage = %d fees, want %d (recurring charges no event): %v", len(fees), len(want), fees)
	}
	for _, f := range fees {
		if name := get(f, "price_name").(string); get(f, "amount") != want[name] {
			t.Errorf("simulate_usage: %s fee = %v (%v), want %s", name, get(f, "amount"), get(f, "breakdown"), want[name])
		}
	}
	if get(r, "totals", "USD") != "24.41" {
		t.Errorf("simulate_usage total = %v, want 24.41", get(r, "totals"))
	}
	wantContains(t, "summary", r["summary"].(string), "24.41 USD")

	// 10 requests already this month: the graduated price charges the next
	// 12 at the second tier.
	r = e.ok("simulate_usage", json.RawMessage(`{"product": "llm", "prior": {"`+graduated+`": 10}, `+event+`}`))
	if get(r, "totals", "USD") != "19.41" {
		t.Errorf("simulate_usage with prior usage: total %v, want 19.41", get(r, "totals"))
	}

	t.Run("ErrMissingCost", func(t *testing.T) {
		msg := e.fail("simulate_usage", map[string]any{"product": "llm", "data": map[string]any{"total_tokens": 1, "images": 1, "requests": 1}})
		wantContains(t, "error", msg, "cost")
	})
	t.Run("ErrCostFields", func(t *testing.T) {
		msg := e.fail("simulate_usage", map[string]any{"product": "llm", "costs": []any{map[string]any{"vendor": "openai", "amount": "1"}}})
		wantContains(t, "error", msg, "costs[0].currency is required")
	})
}

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)
	e.ok("create_product_price", imageProduct())
	e.ok("create_product_version", map[string]any{"product": "image-generation", "keep_default": true, "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.03"}}})

	t.Run("CreateCustomerWithSubscriptions", func(t *testing.T) {
		r := e.ok("create_customer", map[string]any{"external_id": "user_1", "subscriptions": []any{map[string]any{"product": "image-generation"}}})
		if get(r, "subscriptions", 0, "product_code") != "image-generation" || get(r, "subscriptions", 0, "version") != float64(1) || get(r, "subscriptions", 0, "ended_at") != nil {
			t.Errorf("create_customer with subscriptions = %v", r)
		}
		wantContains(t, "summary", r["summary"].(string), "Subscribed to image-generation version 1")
		if r := e.ok("create_customer", map[string]any{"external_id": "user_3"}); r["subscriptions"] != nil {
			t.Errorf("create_customer without subscriptions: subscriptions = %v, want it omitted", r["subscriptions"])
		}
	})
	t.Run("ReturningCustomerKeepsItsVersion", func(t *testing.T) {
		e.ok("create_customer", map[string]any{"external_id": "user_4", "subscriptions": []any{map[string]any{"product": "image-generation", "version": 2}}})
		r := e.ok("create_customer", map[string]any{"external_id": "user_4", "subscriptions": []any{map[string]any{"product": "image-generation"}}})
		if r["existed"] != true || get(r, "subscriptions", 0, "version") != float64(2) {
			t.Errorf("create_customer again without a version = %v, want version 2 kept", r)
		}
		wantContains(t, "summary", r["summary"].(string), "version 2 (unchanged)")
		r = e.ok("create_customer", map[string]any{"external_id": "user_4", "subscriptions": []any{map[string]any{"product": "image-generation", "version": 1}}})
		if get(r, "subscriptions", 0, "version") != float64(1) {
			t.Errorf("create_customer again with version 1 = %v, want a move to version 1", r)
		}
	})
	t.Run("ErrCreateCustomerUnknownProduct", func(t *testing.T) {
		msg := e.fail("create_customer", map[string]any{"external_id": "user_2", "subscriptions": []any{map[string]any{"product": "images"}}})
		wantContains(t, "error", msg, "subscriptions[0]", `product "images" not found`, "list_products")
		wantContains(t, "error", e.fail("get_customer", map[string]any{"customer": "user_2"}), "not found")
	})
	t.Run("ErrCreateCustomerVersion", func(t *testing.T) {
		msg := e.fail("create_customer", map[string]any{"external_id": "user_2", "subscriptions": []any{map[string]any{"product": "image-generation", "version": 5}}})
		wantContains(t, "error", msg, "subscriptions[0].version", "versions 1 to 2")
	})
	t.Run("Subscribe", func(t *testing.T) {
		r := e.ok("subscribe_customer", map[string]any{"customer": "user_1", "product": "image-generation"})
		if r["existed"] != true || r["previous_version"] != float64(0) || get(r, "subscription", "version") != float64(1) {
			t.Errorf("subscribe_customer to the version in force = %v, want existed", r)
		}
		r = e.ok("subscribe_customer", map[string]any{"customer": "user_1", "product": "image-generation", "version": 2})
		if r["existed"] != false || r["previous_version"] != float64(1) || get(r, "subscription", "version") != float64(2) {
			t.Errorf("subscribe_customer to version 2 = %v, want a move from 1", r)
		}
		wantContains(t, "summary", r["summary"].(string), "from image-generation version 1 to version 2")
		r = e.ok("simulate_usage", map[string]any{"product": "image-generation", "version": 2, "customer": "user_1"})
		if get(r, "totals", "USD") != "0.03" {
			t.Errorf("simulate_usage(version 2) = %v", r)
		}
	})
	t.Run("ErrSubscribeUnknownCustomer", func(t *testing.T) {
		wantContains(t, "error", e.fail("subscribe_customer", map[string]any{"customer": "nobody", "product": "image-generation"}), `customer "nobody" not found`)
	})
}
