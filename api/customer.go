package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) createCustomer(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateCustomerRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	c, existed, err := s.svc.CreateCustomer(r.Context(), in.ToInput())
	if err != nil {
		return err
	}
	return writeJSON(w, created(!existed), wire.FromCustomer(c))
}

func (s *server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	c, err := s.svc.GetCustomer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	subs, err := s.svc.Plans.ListSubscriptions(r.Context(), c.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.CustomerDetail{Customer: wire.FromCustomer(c), Subscriptions: wire.Map(subs, wire.FromSubscription)})
}

func (s *server) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	var in wire.UpdateCustomerRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	c, err := s.svc.UpdateCustomer(r.Context(), r.PathValue("id"), billing.UpdateCustomerInput{Name: in.Name, Email: in.Email, Metadata: in.Metadata})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromCustomer(c))
}

func (s *server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, withPage("email", "created_after", "created_before")...)
	in := billing.ListCustomersInput{Limit: q.int("limit"), Cursor: q.cursor(), Email: q.str("email"),
		CreatedAfter: q.time("created_after"), CreatedBefore: q.time("created_before")}
	if q.err != nil {
		return q.err
	}
	p, err := s.svc.ListCustomers(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(p.Items, wire.FromCustomer), p.HasMore, p.NextCursor))
}

func (s *server) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	subs, err := s.svc.Plans.ListSubscriptions(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(subs, wire.FromSubscription), false, ""))
}

func (s *server) subscribe(w http.ResponseWriter, r *http.Request) error {
	var in wire.SubscribeRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	sub, err := s.svc.Plans.Subscribe(r.Context(), in.ToInput(r.PathValue("id")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromSubscription(sub))
}
