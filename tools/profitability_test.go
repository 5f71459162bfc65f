package tools

import (
	"context"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/profitability"
)

// profitEnv runs at a fixed clock (2026-11-15 12:00 UTC) with a product chat
// priced by model (gpt 0.10, claude 0.30, others 0.20 USD), customers u1 and
// u2 with 10 USD each, and four events:
//
//	e1 u1 gpt    Nov 10  fee 0.10  cost 0.04
//	e2 u1 claude Nov 11  fee 0.30  cost 0.12
//	e3 u2 gpt    Nov 12  fee 0.10  cost unknown (not sent)
//	e4 u2 claude Nov 12  fee 0.30  cost 0.36
func profitEnv(t *testing.T) *env {
	t.Helper()
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{Now: func() time.Time { return now }})
	prof := profitability.New(pool, svc)
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvFor(t, svc, prof, billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	e.ok("create_product_price", map[string]any{"code": "chat", "event_type": "chat.completion", "prices": []any{map[string]any{
		"model": "dimensional", "asset": "USD", "dimensions": []any{"model"}, "rates": []any{
			map[string]any{"values": map[string]any{"model": "gpt"}, "amount": "0.10"},
			map[string]any{"values": map[string]any{"model": "claude"}, "amount": "0.30"},
			map[string]any{"values": map[string]any{"model": "*"}, "amount": "0.20"},
		}}}})
	for _, u := range []string{"u1", "u2"} {
		e.ok("create_customer", map[string]any{"external_id": u, "subscriptions": []any{map[string]any{"product": "chat"}}})
		e.ok("create_adjustment", map[string]any{"transaction_id": "fund-" + u, "kind": "top_up", "customer": u, "asset": "USD", "amount": "10.00"})
	}
	cost := func(amount string) []any {
		return []any{map[string]any{"vendor": "openai", "amount": amount, "currency": "USD"}}
	}
	events := []any{
		map[string]any{"id": "e1", "customer": "u1", "event_type": "chat.completion", "occurred_at": "2026-11-10T10:00:00Z", "data": map[string]any{"model": "gpt"}, "costs": cost("0.04")},
		map[string]any{"id": "e2", "customer": "u1", "event_type": "chat.completion", "occurred_at": "2026-11-11T10:00:00Z", "data": map[string]any{"model": "claude"}, "costs": cost("0.12")},
		map[string]any{"id": "e3", "customer": "u2", "event_type": "chat.completion", "occurred_at": "2026-11-12T09:00:00Z", "data": map[string]any{"model": "gpt"}},
		map[string]any{"id": "e4", "customer": "u2", "event_type": "chat.completion", "occurred_at": "2026-11-12T10:00:00Z", "data": map[string]any{"model": "claude"}, "costs": cost("0.36")},
	}
	if r := e.ok("record_usage", map[string]any{"events": events}); r["recorded"] != float64(4) {
		t.Fatalf("record_usage = %v", r)
	}
	return e
}

// wantFigures compares the named fields of a result object with strings
// (decimals), numbers (counts) or nil (null).
func wantFigures(t *testing.T, what string, got any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g := get(got, k)
		if n, ok := w.(int); ok {
			w = float64(n)
		}
		if g != w {
			t.Errorf("%s.%s = %v, want %v (in %v)", what, k, g, w, got)
		}
	}
}

// rowByLabel finds a row by its first group label.
func rowByLabel(t *testing.T, r map[string]any, label string) any {
	t.Helper()
	for _, row := range r["rows"].([]any) {
		if get(row, "group", 0, "label") == label {
			return row
		}
	}
	t.Fatalf("no row %q in %v", label, r["rows"])
	return nil
}

func TestGetProfitability(t *testing.T) {
	t.Parallel()
	e := profitEnv(t)
	nov := map[string]any{"from": "2026-11-01", "to": "2026-12-01"}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range nov {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}

	t.Run("ByCustomer", func(t *testing.T) {
		r := e.ok("get_profitability", with(map[string]any{"group_by": []any{"customer"}, "sort": "margin"}))
		if r["currency"] != "USD" || r["from"] != "2026-11-01T00:00:00Z" || r["to"] != "2026-12-01T00:00:00Z" || mustJSON(r["group_by"]) != `["customer"]` ||
			mustJSON(r["dimensions"]) != `["model"]` || r["has_more"] != false || r["next_cursor"] != nil {
			t.Errorf("get_profitability = %v", r)
		}
		if n := len(r["rows"].([]any)); n != 2 {
			t.Fatalf("rows = %v, want u1 and u2", r["rows"])
		}
		u1 := get(r, "rows", 0)
		if get(u1, "group", 0, "key") != "customer" || get(u1, "group", 0, "label") != "u1" {
			t.Errorf("first row by margin = %v, want u1", u1)
		}
		wantFigures(t, "u1", u1, map[string]any{"events": 2, "revenue": "0.4", "billed": "0.4", "promotional": "0", "bundled": "0",
			"cost": "0.16", "margin": "0.24", "margin_pct": "60", "cost_events": 2, "cost_coverage": "1", "unvalued_events": 0})
		// e3's cost is unknown: u2's cost and margin are e4's alone.
		wantFigures(t, "u2", get(r, "rows", 1), map[string]any{"events": 2, "revenue": "0.4", "cost": "0.36", "margin": "-0.06",
			"margin_pct": "-20", "cost_events": 1, "cost_coverage": "0.5"})
		wantFigures(t, "totals", r["totals"], map[string]any{"events": 4, "revenue": "0.8", "cost": "0.52", "margin": "0.18",
			"margin_pct": "25.71", "cost_events": 3, "cost_coverage": "0.75"})
		wantContains(t, "summary", r["summary"].(string), "From 2026-11-01 to 2026-11-30 (USD): 4 events, revenue 0.80, cost 0.52, margin 0.18 (25.71%).",
			"Cost is known for 3 of 4 events (coverage 75.00%)", "2 rows by customer on this page; first: u1 (revenue 0.40, margin 0.24, 60%).")
		wantContains(t, "next_steps", mustJSON(r["next_steps"]), "record_usage (costs)")
	})
	t.Run("ByDimension", func(t *testing.T) {
		r := e.ok("get_profitability", with(map[string]any{"group_by": []any{"dimension:model"}}))
		if get(r, "rows", 0, "group", 0, "key") != "dimension:model" || get(r, "rows", 0, "group", 0, "value") != "claude" {
			t.Errorf("first row by revenue = %v, want claude", get(r, "rows", 0))
		}
		wantFigures(t, "claude", rowByLabel(t, r, "claude"), map[string]any{"events": 2, "revenue": "0.6", "cost": "0.48", "margin": "0.12", "margin_pct": "20", "cost_coverage": "1"})
		wantFigures(t, "gpt", rowByLabel(t, r, "gpt"), map[string]any{"events": 2, "revenue": "0.2", "cost": "0.04", "margin": "0.06", "margin_pct": "60", "cost_coverage": "0.5"})
	})
	t.Run("FilterAndDay", func(t *testing.T) {
		r := e.ok("get_profitability", with(map[string]any{"group_by": []any{"day"}, "customer": "u2", "dimensions": map[string]any{"model": "gpt"}}))
		if n := len(r["rows"].([]any)); n != 1 || get(r, "rows", 0, "group", 0, "value") != "2026-11-12" {
			t.Fatalf("rows = %v, want one row for 2026-11-12", r["rows"])
		}
		// The one event has no known cost: no margin %, coverage 0.
		wantFigures(t, "row", get(r, "rows", 0), map[string]any{"events": 1, "revenue": "0.1", "cost": "0", "margin": "0", "margin_pct": nil, "cost_events": 0, "cost_coverage": "0"})
	})
	t.Run("DefaultPeriodTotal", func(t *testing.T) {
		// No range: the 30 days up to and including today (the clock's Nov 15).
		r := e.ok("get_profitability", nil)
		if r["from"] != "2026-10-17T00:00:00Z" || r["to"] != "2026-11-16T00:00:00Z" || len(r["rows"].([]any)) != 1 || len(get(r, "rows", 0, "group").([]any)) != 0 {
			t.Errorf("get_profitability() = %v, want one ungrouped row over the default period", r)
		}
		wantFigures(t, "row", get(r, "rows", 0), map[string]any{"events": 4, "revenue": "0.8", "margin": "0.18"})
	})
	t.Run("Pages", func(t *testing.T) {
		args := with(map[string]any{"group_by": []any{"customer"}, "sort": "margin", "order": "asc", "limit": 1})
		r := e.ok("get_profitability", args)
		if get(r, "rows", 0, "group", 0, "label") != "u2" || r["has_more"] != true || r["next_cursor"] == nil {
			t.Fatalf("page 1 = %v, want u2 (least margin) with more to follow", r)
		}
		wantContains(t, "summary", r["summary"].(string), "call again with cursor")
		wantFigures(t, "totals of page 1", r["totals"], map[string]any{"events": 4})
		args["cursor"] = r["next_cursor"]
		r = e.ok("get_profitability", args)
		if get(r, "rows", 0, "group", 0, "label") != "u1" || r["has_more"] != false || len(r["rows"].([]any)) != 1 {
			t.Errorf("page 2 = %v, want u1 and the end", r)
		}
		args["sort"] = "revenue"
		wantContains(t, "error", e.fail("get_profitability", args), "cursor", "same query")
	})
	t.Run("Empty", func(t *testing.T) {
		r := e.ok("get_profitability", map[string]any{"from": "2026-10-01", "to": "2026-11-01", "group_by": []any{"customer"}})
		if len(r["rows"].([]any)) != 0 || get(r, "totals", "events") != float64(0) || get(r, "totals", "margin_pct") != nil || get(r, "totals", "cost_coverage") != nil {
			t.Errorf("October = %v, want nothing", r)
		}
		wantContains(t, "summary", r["summary"].(string), "No billed events from 2026-10-01 to 2026-10-31")
	})
	t.Run("ErrGroupKey", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_profitability", with(map[string]any{"group_by": []any{"model"}})),
			`"model" is not a group key`, "customer, product, version, event_type, dimension:<key>, day, week or month")
	})
	t.Run("ErrUnknownDimension", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_profitability", with(map[string]any{"group_by": []any{"dimension:region"}})),
			`"region" is not a profitability dimension`, "dimensions: model", "set_profitability_dimensions")
	})
	t.Run("ErrNotMidnight", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_profitability", map[string]any{"from": "2026-11-01T10:00:00Z"}), "not a UTC midnight", "2026-11-01T00:00:00Z")
	})
	t.Run("ErrBadDate", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_profitability", map[string]any{"from": "last week"}), "from", "2026-11-01")
	})
	t.Run("ErrSort", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_profitability", map[string]any{"sort": "profit"}), `sort "profit"`, "revenue, billed, cost, margin, margin_pct, events")
	})
	t.Run("ErrUnknownCustomer", func(t *testing.T) {
		wantContains(t, "error", e.fail("get_profitability", map[string]any{"customer": "nobody"}), `customer "nobody" not found`)
	})
}

func TestSimulateRepricing(t *testing.T) {
	t.Parallel()
	e := profitEnv(t)
	draft := []any{map[string]any{"model": "dimensional", "asset": "USD", "dimensions": []any{"model"}, "rates": []any{
		map[string]any{"values": map[string]any{"model": "gpt"}, "amount": "0.20"},
		map[string]any{"values": map[string]any{"model": "*"}, "amount": "0.30"},
	}}}

	t.Run("Draft", func(t *testing.T) {
		r := e.ok("simulate_repricing", map[string]any{"product": "chat", "prices": draft, "group_by": []any{"customer"}})
		if r["product_code"] != "chat" || r["version"] != float64(0) || r["currency"] != "USD" || r["excluded"] != float64(0) ||
			len(r["warnings"].([]any)) != 0 || len(r["rows"].([]any)) != 2 {
			t.Fatalf("simulate_repricing = %v", r)
		}
		wantFigures(t, "u1", rowByLabel(t, r, "u1"), map[string]any{"events": 2, "actual_revenue": "0.4", "proposed_revenue": "0.5", "delta": "0.1",
			"actual_margin": "0.24", "proposed_margin": "0.34", "actual_margin_pct": "60", "proposed_margin_pct": "68", "cost_events": 2, "cost_coverage": "1"})
		// e3 has no known cost: u2's margins are e4's.
		wantFigures(t, "u2", rowByLabel(t, r, "u2"), map[string]any{"events": 2, "actual_revenue": "0.4", "proposed_revenue": "0.5", "delta": "0.1",
			"actual_margin": "-0.06", "proposed_margin": "-0.06", "actual_margin_pct": "-20", "proposed_margin_pct": "-20", "cost_coverage": "0.5"})
		wantFigures(t, "totals", r["totals"], map[string]any{"events": 4, "actual_revenue": "0.8", "proposed_revenue": "1", "delta": "0.2",
			"actual_margin": "0.18", "proposed_margin": "0.28", "actual_margin_pct": "25.71", "proposed_margin_pct": "35", "cost_events": 3})
		wantContains(t, "summary", r["summary"].(string), "Nothing was changed.", "Draft prices for chat on 4 events",
			"revenue 0.80 → 1.00 (+0.20, +25.00%)", "margin 0.18 → 0.28 (25.71% → 35%) over the 3 with known cost")
		wantContains(t, "next_steps", mustJSON(r["next_steps"]), "create_product_version")
		// Nothing changed: the events keep their fees.
		if p := e.ok("get_profitability", nil); get(p, "totals", "revenue") != "0.8" {
			t.Errorf("revenue after simulating = %v, want 0.8", get(p, "totals"))
		}
	})
	t.Run("VersionInUse", func(t *testing.T) {
		r := e.ok("simulate_repricing", map[string]any{"product": "chat", "version": 1, "from": "2026-11-01", "to": "2026-12-01"})
		wantFigures(t, "totals", r["totals"], map[string]any{"events": 4, "actual_revenue": "0.8", "proposed_revenue": "0.8", "delta": "0"})
		wantContains(t, "summary", r["summary"].(string), "Version 1 of chat", "from 2026-11-01 to 2026-11-30", "(0.00, 0.00%)")
	})
	t.Run("PublishedVersion", func(t *testing.T) {
		e.ok("create_product_version", map[string]any{"product": "chat", "prices": draft, "keep_default": true})
		r := e.ok("simulate_repricing", map[string]any{"product": "chat", "version": 2, "group_by": []any{"dimension:model", "version"}})
		if n := len(r["rows"].([]any)); n != 2 || get(r, "rows", 0, "group", 1, "value") != "1" {
			t.Fatalf("rows = %v, want claude and gpt, each priced by version 1", r["rows"])
		}
		wantFigures(t, "claude", rowByLabel(t, r, "claude"), map[string]any{"actual_revenue": "0.6", "proposed_revenue": "0.6", "delta": "0"})
		wantFigures(t, "gpt", rowByLabel(t, r, "gpt"), map[string]any{"actual_revenue": "0.2", "proposed_revenue": "0.4", "delta": "0.2"})
		wantContains(t, "next_steps", mustJSON(r["next_steps"]), "subscribe_customer", "version 2")
	})
	t.Run("ErrBoth", func(t *testing.T) {
		wantContains(t, "error", e.fail("simulate_repricing", map[string]any{"product": "chat", "version": 1, "prices": draft}), "either version", "not both")
	})
	t.Run("ErrNeither", func(t *testing.T) {
		wantContains(t, "error", e.fail("simulate_repricing", map[string]any{"product": "chat"}), "version", "prices")
	})
	t.Run("ErrNoVersion", func(t *testing.T) {
		wantContains(t, "error", e.fail("simulate_repricing", map[string]any{"product": "chat", "version": 9}), "has no version 9", "get_product")
	})
	t.Run("ErrGroupByProduct", func(t *testing.T) {
		wantContains(t, "error", e.fail("simulate_repricing", map[string]any{"product": "chat", "version": 1, "group_by": []any{"product"}}),
			"one product", "customer, version, event_type, dimension:<key>, day, week or month")
	})
	t.Run("ErrPriceField", func(t *testing.T) {
		bad := []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.1", "tiers": []any{}}}
		wantContains(t, "error", e.fail("simulate_repricing", map[string]any{"product": "chat", "prices": bad}), "prices[0].tiers does not apply to a per_unit price")
	})
	t.Run("ErrUnknownProduct", func(t *testing.T) {
		wantContains(t, "error", e.fail("simulate_repricing", map[string]any{"product": "video", "version": 1}), `"video" not found`)
	})
}

func TestSetProfitabilityDimensions(t *testing.T) {
	t.Parallel()
	e := profitEnv(t)
	r := e.ok("set_profitability_dimensions", map[string]any{"dimensions": []any{"region"}})
	if mustJSON(r["dimensions"]) != `["model","region"]` {
		t.Errorf("set_profitability_dimensions = %v, want model and region", r)
	}
	wantContains(t, "summary", r["summary"].(string), "2 dimensions: model, region")
	// No event has a region: one group with the empty value.
	p := e.ok("get_profitability", map[string]any{"group_by": []any{"dimension:region"}})
	if len(p["rows"].([]any)) != 1 || get(p, "rows", 0, "group", 0, "value") != "" || get(p, "rows", 0, "events") != float64(4) {
		t.Errorf("by region = %v, want one group of 4 events without a region", p["rows"])
	}
	r = e.ok("set_profitability_dimensions", map[string]any{"dimensions": []any{}})
	if mustJSON(r["dimensions"]) != `["model"]` {
		t.Errorf("cleared = %v, want the dimensional price's model only", r)
	}
	wantContains(t, "error", e.fail("set_profitability_dimensions", map[string]any{"dimensions": []any{"bad key!"}}), `"bad key!" is not a data key`)
	wantContains(t, "error", e.fail("set_profitability_dimensions", nil), "dimensions is required")
}
