package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) createTestClock(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateTestClockRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = r.Header.Get("Idempotency-Key")
	}
	clk, replayed, err := s.svc.Plans.CreateTestClock(r.Context(), in.ToInput())
	if err != nil {
		return err
	}
	return writeJSON(w, created(!replayed), wire.FromTestClock(clk))
}

func (s *server) getTestClock(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	clk, err := s.svc.Plans.GetTestClock(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromTestClock(clk))
}

func (s *server) listTestClocks(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, withPage()...)
	limit, cursor := q.int("limit"), q.cursor()
	if q.err != nil {
		return q.err
	}
	p, err := s.svc.Plans.ListTestClocks(r.Context(), limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(p.Items, wire.FromTestClock), p.HasMore, p.NextCursor))
}

func (s *server) advanceTestClock(w http.ResponseWriter, r *http.Request) error {
	var in wire.AdvanceTestClockRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	clk, err := s.svc.Plans.AdvanceTestClock(r.Context(), r.PathValue("id"), in.FrozenTime.Time)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromTestClock(clk))
}
