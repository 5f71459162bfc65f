package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) listProducts(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, withPage("include_archived")...)
	in := billing.ListProductsInput{IncludeArchived: q.bool("include_archived"), Limit: q.int("limit"), Cursor: q.cursor()}
	if q.err != nil {
		return q.err
	}
	p, err := s.svc.Catalog.ListProducts(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(p.Items, wire.FromProduct), p.HasMore, p.NextCursor))
}

func (s *server) createProduct(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateProductRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	v, isNew, err := s.svc.Catalog.CreateProduct(r.Context(), billing.CreateProductInput{Code: in.Code, Name: in.Name, Description: in.Description,
		EventType: in.EventType, Prices: prices(in.Prices), Entitlements: entitlements(in.Entitlements)})
	if err != nil {
		return err
	}
	return writeJSON(w, created(isNew), wire.FromProductView(v))
}

func prices(in []wire.Price) []rating.Price {
	out := make([]rating.Price, len(in))
	for i, p := range in {
		out[i] = p.ToPrice()
	}
	return out
}

func entitlements(in []wire.Entitlement) []rating.Entitlement {
	out := make([]rating.Entitlement, len(in))
	for i, e := range in {
		out[i] = e.ToEntitlement()
	}
	return out
}

func (s *server) getProduct(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	v, err := s.svc.Catalog.GetProduct(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromProductView(v))
}

func (s *server) createVersion(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateVersionRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	v, err := s.svc.Catalog.CreateProductVersion(r.Context(), billing.CreateVersionInput{Product: r.PathValue("id"),
		Prices: prices(in.Prices), Entitlements: entitlements(in.Entitlements), KeepDefault: in.KeepDefault})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.FromProductVersion(v))
}

func (s *server) archiveProduct(w http.ResponseWriter, r *http.Request) error {
	if err := decodeBody(r, &struct{}{}, true); err != nil {
		return err
	}
	p, err := s.svc.Catalog.ArchiveProduct(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromProduct(p))
}

func (s *server) simulate(w http.ResponseWriter, r *http.Request) error {
	var in wire.SimulateRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	sim := billing.SimulateInput{Product: r.PathValue("id"), Version: in.Version, Customer: in.Customer, Data: in.Data, Costs: wire.ToCosts(in.Costs)}
	if in.Prior != nil {
		sim.Prior = make(map[string]rating.Decimal, len(in.Prior))
		for k, v := range in.Prior {
			sim.Prior[k] = v.Decimal
		}
	}
	res, err := s.svc.Catalog.SimulateUsage(r.Context(), sim)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromSimulation(res))
}
