package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) createCustomerKey(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateCustomerKeyRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	k, secret, err := s.svc.Accounts.CreateCustomerKey(r.Context(), in.ToInput(r.PathValue("id")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.CreatedCustomerKey{CustomerKey: wire.FromCustomerKey(k), Secret: secret})
}

func (s *server) listCustomerKeys(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	keys, err := s.svc.Accounts.ListCustomerKeys(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(keys, wire.FromCustomerKey), false, ""))
}

func (s *server) revokeCustomerKey(w http.ResponseWriter, r *http.Request) error {
	var in struct{}
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	k, err := s.svc.Accounts.RevokeCustomerKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromCustomerKey(k))
}
