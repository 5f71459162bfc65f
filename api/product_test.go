package api

import (
	"net/http"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

func TestProducts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	def := map[string]any{
		"code": "chat", "name": "Chat", "event_type": "chat.completed",
		"prices":       []any{map[string]any{"model": "per_volume", "asset": "USD", "field": "total_tokens", "block_size": "1000000", "block_amount": "1.25"}},
		"entitlements": []any{map[string]any{"kind": "one_off", "asset": "USD", "amount": "1.00", "purpose": "promotion"}},
	}
	var p, again, byID, byCode wire.Product
	e.must(t, http.StatusCreated, "POST", "/v1/products", def, &p)
	if p.Code != "chat" || p.DefaultVersion != 1 || len(p.Versions) != 1 || len(p.Versions[0].Prices) != 1 || p.ArchivedAt != nil {
		t.Fatalf("created %+v", p)
	}
	if pr := p.Versions[0].Prices[0]; pr.BlockAmount == nil || pr.BlockAmount.String() != "1.25" || pr.UnitAmount != nil || pr.ID == "" {
		t.Errorf("price %+v: want block_amount 1.25, no unit_amount, an id", pr)
	}
	e.must(t, http.StatusOK, "POST", "/v1/products", def, &again)
	if again.ID != p.ID {
		t.Errorf("same definition again = %s, want %s", again.ID, p.ID)
	}
	other := map[string]any{"code": "chat", "event_type": "chat.completed", "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "1"}}}
	e.wantError(t, e.do("POST", "/v1/products", e.key, other), http.StatusConflict, typeConflict, "conflict", "")

	e.must(t, http.StatusOK, "GET", "/v1/products/"+p.ID, nil, &byID)
	e.must(t, http.StatusOK, "GET", "/v1/products/chat", nil, &byCode)
	if byID.ID != p.ID || byCode.ID != p.ID {
		t.Errorf("get by id/code = %s/%s, want %s", byID.ID, byCode.ID, p.ID)
	}

	var v2 wire.ProductVersion
	e.must(t, http.StatusCreated, "POST", "/v1/products/chat/versions", map[string]any{
		"prices": []any{map[string]any{"model": "per_volume", "asset": "USD", "field": "total_tokens", "block_size": "1000000", "block_amount": "1.50"}},
	}, &v2)
	if v2.Version != 2 || v2.ProductID != p.ID {
		t.Errorf("version %+v", v2)
	}

	var sim wire.Simulation
	e.must(t, http.StatusOK, "POST", "/v1/products/chat/simulate", map[string]any{"data": map[string]any{"total_tokens": 2000000}}, &sim)
	if sim.Version != 2 || sim.Totals["USD"].String() != "3" {
		t.Errorf("simulation %+v, want version 2 and 3.00 USD", sim)
	}
	e.must(t, http.StatusOK, "POST", "/v1/products/chat/simulate", map[string]any{"version": 1, "data": map[string]any{"total_tokens": 1000000}}, &sim)
	if sim.Version != 1 || sim.Totals["USD"].String() != "1.25" {
		t.Errorf("simulation v1 %+v, want 1.25 USD", sim)
	}

	l := list[wire.Product](t, e.must(t, http.StatusOK, "GET", "/v1/products", nil, nil))
	if len(l.Data) != 1 || l.Data[0].ID != p.ID || len(l.Data[0].Versions) != 0 {
		t.Errorf("products = %+v", l.Data)
	}

	var archived wire.Product
	e.must(t, http.StatusOK, "POST", "/v1/products/chat/archive", nil, &archived)
	if archived.ArchivedAt == nil {
		t.Errorf("archived %+v", archived)
	}
	e.must(t, http.StatusOK, "POST", "/v1/products/chat/archive", map[string]any{}, nil)
	if l := list[wire.Product](t, e.must(t, http.StatusOK, "GET", "/v1/products", nil, nil)); len(l.Data) != 0 {
		t.Errorf("archived product still listed: %+v", l.Data)
	}
	if l := list[wire.Product](t, e.must(t, http.StatusOK, "GET", "/v1/products?include_archived=true", nil, nil)); len(l.Data) != 1 {
		t.Errorf("include_archived lists %d", len(l.Data))
	}

	t.Run("Errors", func(t *testing.T) {
		e.wantError(t, e.do("GET", "/v1/products/nope", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "product")
		e.wantError(t, e.do("POST", "/v1/products/nope/archive", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "product")
		e.wantError(t, e.do("POST", "/v1/products/nope/versions", e.key, map[string]any{"prices": []any{}}), http.StatusNotFound, typeInvalidRequest, "not_found", "product")
		e.wantError(t, e.do("POST", "/v1/products/nope/simulate", e.key, map[string]any{}), http.StatusNotFound, typeInvalidRequest, "not_found", "product")
		e.wantError(t, e.do("POST", "/v1/products/chat/versions", e.key, map[string]any{"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "1"}}}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "product")
		e.wantError(t, e.do("POST", "/v1/products/chat/archive", e.key, map[string]any{"now": true}), http.StatusBadRequest, typeInvalidRequest, "unknown_field", "now")
		bad := map[string]any{"code": "img", "event_type": "image.generated", "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amout": "1"}}}
		e.wantError(t, e.do("POST", "/v1/products", e.key, bad), http.StatusBadRequest, typeInvalidRequest, "unknown_field", "prices[0].unit_amout")
		invalid := map[string]any{"code": "img", "event_type": "image.generated", "prices": []any{map[string]any{"model": "per_unit", "asset": "GEMS", "unit_amount": "1"}}}
		b := e.wantError(t, e.do("POST", "/v1/products", e.key, invalid), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "")
		if b.Param == "" {
			t.Errorf("invalid price error names no param: %+v", b)
		}
		e.wantError(t, e.do("GET", "/v1/products?include_archived=maybe", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "invalid_parameter", "include_archived")
	})
}
