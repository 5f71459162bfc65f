package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/oauth"
	"github.com/tollgatehq/tollgate/wire"
)

// grants is the OAuth service, or an error when this server has none.
func (s *server) grants() (*oauth.Service, error) {
	if s.opts.OAuth == nil {
		return nil, kernel.NotFoundf("", "OAuth for MCP clients is not enabled on this server")
	}
	return s.opts.OAuth, nil
}

func (s *server) listOAuthGrants(w http.ResponseWriter, r *http.Request) error {
	o, err := s.grants()
	if err != nil {
		return err
	}
	q := newQuery(r, withPage("include_ended")...)
	in := oauth.ListGrantsInput{After: q.cursor(), Limit: q.int("limit"), IncludeEnded: q.bool("include_ended")}
	if q.err != nil {
		return q.err
	}
	gs, next, err := o.ListGrants(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(gs, wire.FromOAuthGrant), next != "", next))
}

func (s *server) revokeOAuthGrant(w http.ResponseWriter, r *http.Request) error {
	o, err := s.grants()
	if err != nil {
		return err
	}
	var in struct{}
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	g, err := o.RevokeGrant(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromOAuthGrant(g))
}
