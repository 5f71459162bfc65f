package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) createPortalSession(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreatePortalSessionRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	if s.opts.PortalLinks == nil {
		return kernel.NotFoundf("portal", "this server does not serve the customer portal")
	}
	url, exp, err := s.opts.PortalLinks(r.Context(), in.Customer, in.ReturnURL)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.PortalSession{Object: "portal_session", URL: url, ExpiresAt: exp.UTC(), Livemode: mode(r.Context()) == billing.ModeLive})
}

func (s *server) getPortalBranding(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	p, err := s.svc.Portal.GetPortalBranding(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromPortalBranding(p, mode(r.Context())))
}

func (s *server) setPortalBranding(w http.ResponseWriter, r *http.Request) error {
	var in wire.SetPortalBrandingRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	p, err := s.svc.Portal.SetPortalBranding(r.Context(), in.ToInput())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromPortalBranding(p, mode(r.Context())))
}
