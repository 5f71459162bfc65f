package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

func (s *server) recordEvent(w http.ResponseWriter, r *http.Request) error {
	var in wire.RecordEventRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	ev, err := s.svc.RecordUsage(r.Context(), in.ToInput())
	if err != nil {
		return err
	}
	return writeJSON(w, created(!ev.Replayed), wire.FromEvent(ev, mode(r.Context())))
}

// recordBatch answers 200 with one result per event: each is recorded in its
// own transaction, so one bad event fails alone.
func (s *server) recordBatch(w http.ResponseWriter, r *http.Request) error {
	var in wire.RecordBatchRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	events := make([]billing.UsageEventInput, len(in.Events))
	for i, e := range in.Events {
		events[i] = e.ToInput()
	}
	results, err := s.svc.RecordUsageBatch(r.Context(), events)
	if err != nil {
		return err
	}
	m := mode(r.Context())
	out := make([]wire.BatchResult, len(results))
	for i, res := range results {
		out[i] = wire.BatchResult{EventOutcome: wire.EventOutcome{Index: i, ID: in.Events[i].ID}}
		switch {
		case res.Err != nil:
			// Billing has logged internal errors; the client sees the generic message.
			_, body := classify(res.Err)
			out[i].Status, out[i].Error = "failed", &body
		case res.Event.Replayed:
			ev := wire.FromEvent(res.Event, m)
			out[i].Status, out[i].Event = "replayed", &ev
		default:
			ev := wire.FromEvent(res.Event, m)
			out[i].Status, out[i].Event = "recorded", &ev
		}
	}
	return writeJSON(w, http.StatusOK, wire.NewList(out, false, ""))
}

func (s *server) getEvent(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	ev, err := s.svc.GetEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromEvent(ev, mode(r.Context())))
}

func (s *server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, withPage("customer", "event_type", "occurred_after", "occurred_before")...)
	in := billing.ListEventsInput{Customer: q.str("customer"), EventType: q.str("event_type"),
		From: q.time("occurred_after"), To: q.time("occurred_before"), Limit: q.int("limit"), Cursor: q.cursor()}
	if q.err != nil {
		return q.err
	}
	p, err := s.svc.ListEvents(r.Context(), in)
	if err != nil {
		return err
	}
	m := mode(r.Context())
	out := make([]wire.Event, len(p.Items))
	for i, ev := range p.Items {
		out[i] = wire.FromEvent(ev, m)
	}
	return writeJSON(w, http.StatusOK, wire.NewList(out, p.HasMore, p.NextCursor))
}
