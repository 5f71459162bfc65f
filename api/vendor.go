package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) listVendors(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	vs, err := s.svc.Catalog.ListVendors(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(vs, wire.FromVendor), false, ""))
}

func (s *server) createVendor(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateVendorRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	v, isNew, err := s.svc.Catalog.CreateVendor(r.Context(), in.Code, in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, created(isNew), wire.FromVendor(v))
}
