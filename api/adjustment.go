package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) createAdjustment(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateAdjustmentRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	txn := in.TransactionID
	if txn == "" {
		txn = r.Header.Get("Idempotency-Key")
	}
	a, err := s.svc.CreateAdjustment(r.Context(), in.ToInput(txn))
	if err != nil {
		return err
	}
	return writeJSON(w, created(!a.Replayed), wire.FromAdjustment(a, mode(r.Context())))
}
