package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// The key's account and the operators of its console. Operators belong to
// the account, not to a mode, so a key of either mode manages them.

func (s *server) getAccount(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	c, err := billing.RequireCaller(r.Context())
	if err != nil {
		return err
	}
	a, err := s.svc.Accounts.GetAccount(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromAccount(a))
}

func (s *server) renameAccount(w http.ResponseWriter, r *http.Request) error {
	var in wire.RenameAccountRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	c, err := billing.RequireCaller(r.Context())
	if err != nil {
		return err
	}
	a, err := s.svc.Accounts.RenameAccount(r.Context(), c.AccountID, in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromAccount(a))
}

func (s *server) listOperators(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	c, err := billing.RequireCaller(r.Context())
	if err != nil {
		return err
	}
	ops, err := s.svc.Operators.List(r.Context(), c.AccountID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(ops, wire.FromOperator), false, ""))
}

// consoleURL is the address of a sign-in link, or ENotFound where this
// server makes none.
func (s *server) consoleURL(token string) (string, error) {
	if s.opts.ConsoleURL == nil {
		return "", kernel.NotFoundf("console", "this server does not serve the console")
	}
	return s.opts.ConsoleURL(token), nil
}

func (s *server) inviteOperator(w http.ResponseWriter, r *http.Request) error {
	var in wire.InviteOperatorRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	c, err := billing.RequireCaller(r.Context())
	if err != nil {
		return err
	}
	if _, err := s.consoleURL(""); err != nil {
		return err
	}
	op, link, existed, err := s.svc.Operators.Invite(r.Context(), in.ToInput(c.AccountID))
	if err != nil {
		return err
	}
	url, _ := s.consoleURL(link.Token)
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	return writeJSON(w, status, wire.FromSignInLink(op, url, link.ExpiresAt))
}

func (s *server) removeOperator(w http.ResponseWriter, r *http.Request) error {
	var in struct{}
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	c, err := billing.RequireCaller(r.Context())
	if err != nil {
		return err
	}
	op, err := s.svc.Operators.Remove(r.Context(), c.AccountID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromOperator(op))
}

func (s *server) createSignInLink(w http.ResponseWriter, r *http.Request) error {
	var in struct{}
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	c, err := billing.RequireCaller(r.Context())
	if err != nil {
		return err
	}
	if _, err := s.consoleURL(""); err != nil {
		return err
	}
	op, link, err := s.svc.Operators.SignInLink(r.Context(), c.AccountID, r.PathValue("id"))
	if err != nil {
		return err
	}
	url, _ := s.consoleURL(link.Token)
	return writeJSON(w, http.StatusCreated, wire.FromSignInLink(op, url, link.ExpiresAt))
}
