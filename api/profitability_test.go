package api

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/wire"
)

// profitSetup records, on top of setup, two images of user_1 today: evt_1
// with a 0.01 USD cost, evt_2 without costs (unknown).
func (e *env) profitSetup(t *testing.T) {
	t.Helper()
	e.setup(t)
	e.must(t, http.StatusCreated, "POST", "/v1/events", map[string]any{"id": "evt_1", "customer": "user_1", "event_type": "image.generated",
		"data": map[string]any{"model": "flux"}, "costs": []any{map[string]any{"vendor": "replicate", "amount": "0.01", "currency": "USD"}}}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/events", map[string]any{"id": "evt_2", "customer": "user_1", "event_type": "image.generated"}, nil)
}

func TestProfitability(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.profitSetup(t)
	today := time.Now().UTC().Format(time.DateOnly)

	var rep wire.ProfitabilityReport
	e.must(t, http.StatusOK, "GET", "/v1/profitability?group_by=customer,day", nil, &rep)
	if rep.Currency != "USD" || len(rep.GroupBy) != 2 || len(rep.Rows) != 1 || rep.HasMore || rep.NextCursor != nil || len(rep.Dimensions) != 0 {
		t.Fatalf("report %+v", rep)
	}
	row := rep.Rows[0]
	if len(row.Group) != 2 || row.Group[0].Key != "customer" || row.Group[0].Label != "user_1" || row.Group[1].Key != "day" || row.Group[1].Value != today {
		t.Errorf("group %+v, want user_1 on %s", row.Group, today)
	}
	// Revenue 0.08; the known cost is evt_1's 0.01, against its 0.04: margin 0.03, 75%.
	for what, m := range map[string]wire.ProfitabilityMetrics{"row": row.ProfitabilityMetrics, "totals": rep.Totals} {
		if m.Events != 2 || m.Revenue.String() != "0.08" || m.Billed.String() != "0.08" || m.Cost.String() != "0.01" || m.Margin.String() != "0.03" ||
			m.MarginPct == nil || m.MarginPct.String() != "75" || m.CostEvents != 1 || m.CostCoverage == nil || m.CostCoverage.String() != "0.5" {
			t.Errorf("%s %+v", what, m)
		}
	}

	t.Run("FiltersAndRange", func(t *testing.T) {
		var r wire.ProfitabilityReport
		from := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
		e.must(t, http.StatusOK, "GET", "/v1/profitability?from="+from+"&customer=user_1&product=images&event_type=image.generated&sort=margin&order=asc&limit=10", nil, &r)
		if r.From != from+"T00:00:00Z" || len(r.Rows) != 1 || r.Totals.Events != 2 {
			t.Errorf("filtered %+v", r)
		}
		e.must(t, http.StatusOK, "GET", "/v1/profitability?event_type=other", nil, &r)
		if len(r.Rows) != 0 || r.Totals.Events != 0 || r.Totals.MarginPct != nil || r.Totals.CostCoverage != nil {
			t.Errorf("other event type %+v, want nothing", r)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		b := e.wantError(t, e.do("GET", "/v1/profitability?group_by=model", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "group_by[0]")
		if !contains(b.Message, "customer, product, version, event_type, dimension:<key>, day, week or month") {
			t.Errorf("message %q names no group keys", b.Message)
		}
		e.wantError(t, e.do("GET", "/v1/profitability?grouping=customer", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "unknown_parameter", "grouping")
		e.wantError(t, e.do("GET", "/v1/profitability?from=yesterday", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "invalid_parameter", "from")
		e.wantError(t, e.do("GET", "/v1/profitability?from="+url.QueryEscape("2026-11-01T10:00:00Z"), e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "from")
		e.wantError(t, e.do("GET", "/v1/profitability?dimensions[model]=flux", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "filters.dimensions")
		e.wantError(t, e.do("GET", "/v1/profitability?customer=nobody", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "")
		e.wantError(t, e.do("GET", "/v1/profitability?limit=5000", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "limit")
		e.wantError(t, e.do("GET", "/v1/profitability?cursor=pc_nope", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "cursor")
	})
	t.Run("Dimensions", func(t *testing.T) {
		var d wire.ProfitabilityDimensions
		e.must(t, http.StatusOK, "GET", "/v1/profitability/dimensions", nil, &d)
		if d.Dimensions == nil || len(d.Dimensions) != 0 {
			t.Errorf("dimensions %+v, want []", d)
		}
		e.must(t, http.StatusOK, "POST", "/v1/profitability/dimensions", map[string]any{"dimensions": []any{"model"}}, &d)
		if len(d.Dimensions) != 1 || d.Dimensions[0] != "model" {
			t.Errorf("set %+v", d)
		}
		e.must(t, http.StatusOK, "GET", "/v1/profitability/dimensions", nil, &d)
		if len(d.Dimensions) != 1 {
			t.Errorf("after set %+v", d)
		}
		// evt_1 has model flux, evt_2 no model (the empty value).
		var r wire.ProfitabilityReport
		e.must(t, http.StatusOK, "GET", "/v1/profitability?group_by=dimension:model&dimensions[model]=flux", nil, &r)
		if len(r.Rows) != 1 || r.Rows[0].Group[0].Value != "flux" || r.Rows[0].Events != 1 || r.Rows[0].Margin.String() != "0.03" {
			t.Errorf("by model, flux only: %+v", r.Rows)
		}
		e.must(t, http.StatusOK, "GET", "/v1/profitability?group_by=dimension:model&dimensions[model]=", nil, &r)
		if len(r.Rows) != 1 || r.Rows[0].Group[0].Value != "" || r.Rows[0].Events != 1 || r.Rows[0].CostEvents != 0 {
			t.Errorf("by model, without one: %+v", r.Rows)
		}
		e.wantError(t, e.do("POST", "/v1/profitability/dimensions", e.key, map[string]any{"dimensions": []any{"no spaces"}}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "dimensions[0]")
		e.wantError(t, e.do("POST", "/v1/profitability/dimensions", e.key, map[string]any{}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "dimensions")
		e.wantError(t, e.do("POST", "/v1/profitability/dimensions", e.key, map[string]any{"dimension": []any{}}), http.StatusBadRequest, typeInvalidRequest, "unknown_field", "dimension")
	})
}

func TestProfitabilityRepricing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.profitSetup(t)

	var rep wire.RepricingReport
	e.must(t, http.StatusOK, "POST", "/v1/profitability/repricing", map[string]any{"product": "images", "group_by": []any{"customer"},
		"prices": []any{map[string]any{"id": "price_ignored", "model": "per_unit", "asset": "USD", "unit_amount": "0.05"}}}, &rep)
	if rep.ProductCode != "images" || rep.Version != 0 || rep.Currency != "USD" || len(rep.Rows) != 1 || rep.Rows[0].Group[0].Label != "user_1" ||
		rep.Excluded != 0 || rep.Warnings == nil {
		t.Fatalf("repricing %+v", rep)
	}
	// Known cost only on evt_1: margin 0.04 − 0.01 = 0.03 actual, 0.05 − 0.01 = 0.04 proposed.
	tot := rep.Totals
	if tot.Events != 2 || tot.ActualRevenue.String() != "0.08" || tot.ProposedRevenue.String() != "0.1" || tot.Delta.String() != "0.02" ||
		tot.ActualMargin.String() != "0.03" || tot.ProposedMargin.String() != "0.04" || tot.ActualMarginPct.String() != "75" ||
		tot.ProposedMarginPct.String() != "80" || tot.CostCoverage.String() != "0.5" {
		t.Errorf("totals %+v", tot)
	}
	if r := rep.Rows[0]; r.Events != 2 || r.Delta.String() != "0.02" || r.ProposedMargin.String() != "0.04" {
		t.Errorf("row %+v", rep.Rows[0])
	}

	// The version in use reproduces actual revenue; nothing changed.
	e.must(t, http.StatusOK, "POST", "/v1/profitability/repricing", map[string]any{"product": "images", "version": 1, "from": "2020-01-01", "to": "2100-01-01"}, &rep)
	if rep.Version != 1 || rep.Totals.ProposedRevenue.String() != "0.08" || rep.Totals.Delta.String() != "0" || len(rep.Rows) != 1 || len(rep.Rows[0].Group) != 0 {
		t.Errorf("version 1 %+v", rep)
	}
	var w wire.Wallet
	e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &w)
	if w.Balances[0].Available.String() != "9.92" {
		t.Errorf("balance %s, want 9.92: a what-if changes nothing", w.Balances[0].Available)
	}

	e.wantError(t, e.do("POST", "/v1/profitability/repricing", e.key, map[string]any{"product": "images"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "version")
	e.wantError(t, e.do("POST", "/v1/profitability/repricing", e.key, map[string]any{"product": "images", "version": 7}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "version")
	e.wantError(t, e.do("POST", "/v1/profitability/repricing", e.key, map[string]any{"product": "video", "version": 1}), http.StatusNotFound, typeInvalidRequest, "not_found", "")
	e.wantError(t, e.do("POST", "/v1/profitability/repricing", e.key, map[string]any{"product": "images", "version": 1, "from": "soon"}), http.StatusBadRequest, typeInvalidRequest, "invalid_field", "from")
	e.wantError(t, e.do("POST", "/v1/profitability/repricing", e.key, map[string]any{"product": "images", "version": 1, "group_by": []any{"product"}}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "group_by[0]")
	e.wantError(t, e.do("POST", "/v1/profitability/repricing", e.key, map[string]any{"product": "images", "version": 1, "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.05"}}}),
		http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "version")
}
