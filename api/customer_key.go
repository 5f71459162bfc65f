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
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	}
	// The answer holds the key's secret, which is never stored: not in the
	// store of responses either. A retry runs again and finds the key its
	// idempotency key made (replayed, without the secret).
	infoFrom(r.Context()).noStore = true
	k, secret, err := s.svc.Accounts.CreateCustomerKey(r.Context(), in.ToInput(r.PathValue("id")))
	if err != nil {
		return err
	}
	return writeJSON(w, created(!k.Replayed), wire.CreatedCustomerKey{CustomerKey: wire.FromCustomerKey(k), Secret: secret, Replayed: k.Replayed})
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
