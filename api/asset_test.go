package api

import (
	"net/http"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

func TestAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	var a wire.Asset
	e.must(t, http.StatusCreated, "POST", "/v1/assets", map[string]any{"code": "credits", "name": "Credits", "precision": 2}, &a)
	if a.Code != "credits" || a.Kind != "custom" || a.Precision != 2 {
		t.Errorf("created %+v", a)
	}
	e.must(t, http.StatusOK, "POST", "/v1/assets", map[string]any{"code": "credits", "name": "Credits", "precision": 2}, nil)
	e.wantError(t, e.do("POST", "/v1/assets", e.key, map[string]any{"code": "credits", "name": "Credits", "precision": 4}), http.StatusConflict, typeConflict, "conflict", "")
	e.wantError(t, e.do("POST", "/v1/assets", e.key, map[string]any{"code": "Credits!"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "code")
	e.wantError(t, e.do("POST", "/v1/assets", e.key, map[string]any{"code": "x", "precision": "2"}), http.StatusBadRequest, typeInvalidRequest, "invalid_field", "precision")

	var rate wire.AssetRate
	e.must(t, http.StatusCreated, "POST", "/v1/assets/credits/rates", map[string]any{"currency": "USD", "rate": "0.05", "effective_at": "2020-01-01T00:00:00Z"}, &rate)
	if rate.Rate.String() != "0.05" || rate.Currency != "USD" {
		t.Errorf("rate %+v", rate)
	}
	e.wantError(t, e.do("POST", "/v1/assets/credits/rates", e.key, map[string]any{"currency": "USD", "rate": "0.07", "effective_at": "2020-01-01T00:00:00Z"}), http.StatusConflict, typeConflict, "conflict", "")
	e.wantError(t, e.do("POST", "/v1/assets/credits/rates", e.key, map[string]any{"currency": "USD", "rate": "-1"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "rate")
	e.wantError(t, e.do("POST", "/v1/assets/credits/rates", e.key, map[string]any{"currency": "USD", "rate": "abc"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "rate")
	e.wantError(t, e.do("POST", "/v1/assets/credits/rates", e.key, map[string]any{"currency": "USD", "rate": "1", "effective_at": "tomorrow"}), http.StatusBadRequest, typeInvalidRequest, "invalid_field", "effective_at")
	e.wantError(t, e.do("POST", "/v1/assets/gems/rates", e.key, map[string]any{"currency": "USD", "rate": "1"}), http.StatusNotFound, typeInvalidRequest, "not_found", "asset")

	l := list[wire.AssetWithRates](t, e.must(t, http.StatusOK, "GET", "/v1/assets", nil, nil))
	var found bool
	for _, x := range l.Data {
		if x.Code == "credits" {
			found = len(x.Rates) == 1
		}
	}
	if !found || l.Data[0].Kind != "currency" {
		t.Errorf("assets = %+v, want currencies first and credits with its rate", l.Data)
	}
	var one wire.AssetWithRates
	e.must(t, http.StatusOK, "GET", "/v1/assets/credits", nil, &one)
	if len(one.Rates) != 1 {
		t.Errorf("GET asset = %+v", one)
	}
	rates := list[wire.AssetRate](t, e.must(t, http.StatusOK, "GET", "/v1/assets/credits/rates", nil, nil))
	if len(rates.Data) != 1 {
		t.Errorf("rates = %+v", rates.Data)
	}
	e.wantError(t, e.do("GET", "/v1/assets/gems", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "asset")
	e.wantError(t, e.do("GET", "/v1/assets/gems/rates", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "asset")

	var q wire.Quote
	e.must(t, http.StatusOK, "GET", "/v1/assets/credits/quote?currency_amount=10", nil, &q)
	if q.AssetAmount.String() != "200" || q.Currency != "USD" {
		t.Errorf("quote $10 = %+v, want 200 credits", q)
	}
	e.must(t, http.StatusOK, "GET", "/v1/assets/credits/quote?asset_amount=250&currency=USD", nil, &q)
	if q.CurrencyAmount.String() != "12.5" {
		t.Errorf("quote 250 credits = %+v, want 12.50 USD", q)
	}
	e.wantError(t, e.do("GET", "/v1/assets/credits/quote?asset_amount=1&currency_amount=1", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "asset_amount")
	e.wantError(t, e.do("GET", "/v1/assets/credits/quote?asset_amount=lots", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "invalid_parameter", "asset_amount")
	e.wantError(t, e.do("GET", "/v1/assets/gems/quote?asset_amount=1", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "asset")
	e.wantError(t, e.do("GET", "/v1/assets/credits/quote?amount=1", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "unknown_parameter", "amount")
}

func TestVendors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var v, again wire.Vendor
	e.must(t, http.StatusCreated, "POST", "/v1/vendors", map[string]any{"code": "openai", "name": "OpenAI"}, &v)
	e.must(t, http.StatusOK, "POST", "/v1/vendors", map[string]any{"code": "openai"}, &again)
	if again.ID != v.ID {
		t.Errorf("second create = %+v, want %s", again, v.ID)
	}
	l := list[wire.Vendor](t, e.must(t, http.StatusOK, "GET", "/v1/vendors", nil, nil))
	if len(l.Data) != 1 || l.Data[0].Code != "openai" {
		t.Errorf("vendors = %+v", l.Data)
	}
	e.wantError(t, e.do("POST", "/v1/vendors", e.key, map[string]any{"code": "Open AI"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "code")
}
