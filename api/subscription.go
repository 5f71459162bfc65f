package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) getSubscription(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	sub, periods, err := s.svc.Plans.GetSubscription(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := wire.SubscriptionDetail{Subscription: wire.FromSubscription(sub), Periods: make([]wire.SubscriptionPeriod, 0, len(periods))}
	precision := map[string]int32{}
	for _, p := range periods {
		if _, ok := precision[p.Asset]; !ok {
			a, err := s.svc.Catalog.GetAsset(r.Context(), p.Asset)
			if err != nil {
				return err
			}
			precision[p.Asset] = a.Precision
		}
		out.Periods = append(out.Periods, wire.FromSubscriptionPeriod(p, precision[p.Asset]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) changeSubscription(w http.ResponseWriter, r *http.Request) error {
	var in wire.ChangeSubscriptionRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	sub, err := s.svc.Plans.ChangeSubscription(r.Context(), billing.ChangeSubscriptionInput{Subscription: r.PathValue("id"), Version: in.Version, AtPeriodEnd: in.AtPeriodEnd})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromSubscription(sub))
}

func (s *server) cancelSubscription(w http.ResponseWriter, r *http.Request) error {
	var in wire.CancelSubscriptionRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	sub, err := s.svc.Plans.CancelSubscription(r.Context(), r.PathValue("id"), in.AtPeriodEnd)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromSubscription(sub))
}
