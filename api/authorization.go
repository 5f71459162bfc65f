package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/wire"
)

// authorize answers 201 for a new hold, and 200 for a decline (a decision,
// not an error: nothing is held, and the body says why and by how much) or a
// replay.
func (s *server) authorize(w http.ResponseWriter, r *http.Request) error {
	var in wire.AuthorizeRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	key := in.IdempotencyKey
	if key == "" {
		key = r.Header.Get("Idempotency-Key")
	}
	a, err := s.svc.Authorize(r.Context(), in.ToInput(key))
	if err != nil {
		return err
	}
	return writeJSON(w, created(a.Approved && !a.Replayed), wire.FromAuthorization(a, mode(r.Context())))
}

func (s *server) getAuthorization(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	a, err := s.svc.GetAuthorization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromAuthorization(a, mode(r.Context())))
}

func (s *server) voidAuthorization(w http.ResponseWriter, r *http.Request) error {
	if err := decodeBody(r, &struct{}{}, true); err != nil {
		return err
	}
	a, err := s.svc.VoidAuthorization(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromAuthorization(a, mode(r.Context())))
}
