package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) listWallets(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	customer := r.PathValue("id")
	ws, err := s.svc.ListWallets(r.Context(), customer)
	if err != nil {
		return err
	}
	out := make([]wire.Wallet, 0, len(ws))
	for _, x := range ws {
		v, err := s.svc.GetWallet(r.Context(), customer, x.ID)
		if err != nil {
			return err
		}
		out = append(out, wire.FromWalletView(v))
	}
	return writeJSON(w, http.StatusOK, wire.NewList(out, false, ""))
}

func (s *server) createWallet(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateWalletRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	customer := r.PathValue("id")
	x, existed, err := s.svc.CreateWallet(r.Context(), billing.CreateWalletInput{Customer: customer, Name: in.Name})
	if err != nil {
		return err
	}
	v, err := s.svc.GetWallet(r.Context(), customer, x.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, created(!existed), wire.FromWalletView(v))
}

func (s *server) getWallet(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	v, err := s.svc.GetWallet(r.Context(), r.PathValue("id"), r.PathValue("wallet"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromWalletView(v))
}

func (s *server) listTransactions(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, withPage("kind", "created_after", "created_before")...)
	in := billing.ListTransactionsInput{Customer: r.PathValue("id"), Wallet: r.PathValue("wallet"), Kind: q.str("kind"),
		From: q.time("created_after"), To: q.time("created_before"), Limit: q.int("limit"), Cursor: q.cursor()}
	if q.err != nil {
		return q.err
	}
	p, err := s.svc.ListTransactions(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(p.Items, wire.FromTransaction), p.HasMore, p.NextCursor))
}

func (s *server) setCreditLimit(w http.ResponseWriter, r *http.Request) error {
	var in wire.SetCreditLimitRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	b, err := s.svc.SetCreditLimit(r.Context(), billing.SetCreditLimitInput{Customer: r.PathValue("id"), Wallet: r.PathValue("wallet"),
		Asset: in.Asset, Limit: in.CreditLimit.Decimal})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromBalance(b))
}
