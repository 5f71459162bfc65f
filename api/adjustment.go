package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
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
	a, err := s.svc.CreateAdjustment(r.Context(), billing.CreateAdjustmentInput{TransactionID: txn, Kind: billing.AdjustmentKind(in.Kind),
		Customer: in.Customer, Wallet: in.Wallet, Asset: in.Asset, Amount: in.Amount.Decimal, Reason: in.Reason, ExpiresAt: in.ExpiresAt,
		Priority: in.Priority, Purpose: billing.LotPurpose(in.Purpose), PaidAmount: in.PaidAmount.Ptr(), PaidCurrency: in.PaidCurrency, LotID: in.LotID})
	if err != nil {
		return err
	}
	return writeJSON(w, created(!a.Replayed), wire.FromAdjustment(a, mode(r.Context())))
}
