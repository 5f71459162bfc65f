package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) listAssets(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	assets, err := s.svc.Catalog.ListAssets(r.Context())
	if err != nil {
		return err
	}
	out := make([]wire.AssetWithRates, 0, len(assets))
	for _, a := range assets {
		item, err := s.assetWithRates(r, a)
		if err != nil {
			return err
		}
		out = append(out, item)
	}
	return writeJSON(w, http.StatusOK, wire.NewList(out, false, ""))
}

func (s *server) assetWithRates(r *http.Request, a billing.Asset) (wire.AssetWithRates, error) {
	item := wire.AssetWithRates{Asset: wire.FromAsset(a), Rates: []wire.AssetRate{}}
	if a.Kind == billing.AssetCurrency {
		return item, nil
	}
	rates, err := s.svc.Catalog.ListAssetRates(r.Context(), a.Code)
	item.Rates = wire.Map(rates, wire.FromAssetRate)
	return item, err
}

func (s *server) createAsset(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateAssetRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	a, isNew, err := s.svc.Catalog.CreateAsset(r.Context(), billing.CreateAssetInput{Code: in.Code, Name: in.Name, Symbol: in.Symbol, Precision: in.Precision})
	if err != nil {
		return err
	}
	return writeJSON(w, created(isNew), wire.FromAsset(a))
}

func (s *server) getAsset(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	a, err := s.svc.Catalog.GetAsset(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	item, err := s.assetWithRates(r, a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, item)
}

func (s *server) listAssetRates(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	a, err := s.svc.Catalog.GetAsset(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	rates, err := s.svc.Catalog.ListAssetRates(r.Context(), a.Code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(rates, wire.FromAssetRate), false, ""))
}

func (s *server) addAssetRate(w http.ResponseWriter, r *http.Request) error {
	var in wire.AddAssetRateRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	rate, err := s.svc.Catalog.AddAssetRate(r.Context(), in.ToInput(r.PathValue("code")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.FromAssetRate(rate))
}

func (s *server) quote(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, "currency", "asset_amount", "currency_amount", "at")
	in := billing.QuoteInput{Asset: r.PathValue("code"), Currency: q.str("currency"),
		AssetAmount: q.decimal("asset_amount"), CurrencyAmount: q.decimal("currency_amount"), At: q.time("at")}
	if q.err != nil {
		return q.err
	}
	res, err := s.svc.Catalog.Quote(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromQuote(res))
}
