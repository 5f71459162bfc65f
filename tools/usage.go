package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// RecordUsage records one usage event or a batch and charges it.
func RecordUsage(d Deps) Tool {
	return newTool(usageSet, "record_usage", "Record usage",
		"Records usage after the work and charges it: one event, or a batch in events. Returns each event's fees; with authorization_id it settles that hold. A resent id charges nothing again (replayed: true).",
		overwriting,
		func(ctx context.Context, in wire.RecordUsageArgs) (wire.RecordUsageResult, error) {
			m := mode(ctx)
			r := wire.RecordUsageResult{Results: []wire.UsageResult{}, Charged: map[string]wire.Decimal{}, Livemode: m == billing.ModeLive}
			charged := feeTotals(nil)
			add := func(i int, id string, ev billing.Event, err error) {
				res := wire.UsageResult{EventOutcome: wire.EventOutcome{Index: i, ID: id}}
				switch {
				case err != nil:
					res.Status, res.Error = "failed", message(err)
					r.Failed++
				case ev.Replayed:
					res.Status = "replayed"
					r.Replayed++
				default:
					res.Status = "recorded"
					r.Recorded++
					for _, f := range ev.Fees {
						charged.add(f)
					}
				}
				if err == nil {
					e := wire.FromEvent(ev, m)
					res.Event = &e
				}
				r.Results = append(r.Results, res)
			}

			single := singleEvent(in)
			switch {
			case in.Events != nil && single != nil:
				return r, kernel.Invalidf("events", "send one event with its fields (id, customer, event_type, …) or a batch in events, not both")
			case in.Events != nil:
				inputs := make([]billing.UsageEventInput, len(in.Events))
				for i, e := range in.Events {
					inputs[i] = e.ToInput()
				}
				out, err := d.Billing.RecordUsageBatch(ctx, inputs)
				if err != nil {
					return r, err
				}
				for i, o := range out {
					add(i, in.Events[i].ID, o.Event, o.Err)
				}
			case single == nil:
				return r, kernel.Invalidf("id", "send one event (id, customer, event_type and data) or a batch in events; id is your unique id for the event, such as the request id")
			default:
				ev, err := d.Billing.RecordUsage(ctx, single.ToInput())
				if err != nil {
					return r, err
				}
				add(0, single.ID, ev, nil)
			}

			r.Charged = charged.wire()
			r.Summary = usageSummary(r, charged)
			if single != nil && r.Replayed == 1 {
				r.Summary = fmt.Sprintf("Replayed: event %q was already recorded with this payload; these are its original fees and nothing was charged again.", single.ID)
			}
			if ev := r.Results[0].Event; single != nil && ev.Settlement != nil {
				st := ev.Settlement
				r.Summary += fmt.Sprintf(" Authorization %s: %s, held %s, captured %s, released %s, exceeded %s.",
					st.AuthorizationID, st.Status, st.Held.Display(), st.Captured.Display(), st.Released.Display(), st.Exceeded.Display())
			}
			if r.Failed > 0 {
				r.NextSteps = append(r.NextSteps, "fix the failed events as their error says and send them again with the same ids (recorded ones replay without charging twice)")
			}
			if r.Recorded+r.Replayed > 0 {
				first := ""
				for _, x := range r.Results {
					if x.Event != nil {
						first = x.Event.CustomerID
						break
					}
				}
				r.NextSteps = append(r.NextSteps, fmt.Sprintf("get_wallet with customer %q to see the balance", first))
			}
			return r, nil
		})
}

// singleEvent returns the one-event fields as an event, or nil when none is set.
func singleEvent(in wire.RecordUsageArgs) *wire.RecordEventRequest {
	e := wire.RecordEventRequest{ID: in.ID, Customer: in.Customer, Wallet: in.Wallet, EventType: in.EventType, OccurredAt: in.OccurredAt,
		Data: in.Data, Costs: in.Costs, AuthorizationID: in.AuthorizationID}
	if e.ID == "" && e.Customer == "" && e.Wallet == "" && e.EventType == "" && e.OccurredAt == nil && e.Data == nil && e.Costs == nil && e.AuthorizationID == "" {
		return nil
	}
	return &e
}

func usageSummary(r wire.RecordUsageResult, charged totals) string {
	s := fmt.Sprintf("Recorded %s, charged %s", plural(r.Recorded, "event"), charged.text())
	if r.Replayed > 0 {
		s += fmt.Sprintf("; %s already recorded (replayed, not charged again)", plural(r.Replayed, "event"))
	}
	if r.Failed > 0 {
		s += fmt.Sprintf("; %s failed (see each result's error)", plural(r.Failed, "event"))
	}
	return s + "."
}

// GetEvent reads a recorded event with its fees.
func GetEvent(d Deps) Tool {
	return newTool(usageSet, "get_event", "Get a usage event",
		"Reads a recorded usage event by its id: data, costs, fees with breakdowns, settlement.",
		readOnly,
		func(ctx context.Context, in wire.GetEventArgs) (wire.GetEventResult, error) {
			ev, err := d.Billing.GetEvent(ctx, in.ID)
			if err != nil {
				return wire.GetEventResult{}, err
			}
			r := wire.GetEventResult{Event: wire.FromEvent(ev, mode(ctx))}
			r.Summary = fmt.Sprintf("Event %s (%s) of customer %s was charged %s.", ev.ID, ev.EventType, ev.CustomerID, feeTotals(ev.Fees).text())
			return r, nil
		})
}

// ListEvents pages through recorded usage events.
func ListEvents(d Deps) Tool {
	return newTool(usageSet, "list_events", "List usage events",
		"Lists recorded usage events with their fees, newest first; filter by customer, event_type and time; page with cursor.",
		readOnly,
		func(ctx context.Context, in wire.ListEventsArgs) (wire.ListEventsResult, error) {
			p, err := d.Billing.ListEvents(ctx, billing.ListEventsInput{Customer: in.Customer, EventType: in.EventType, From: in.From.Value(), To: in.To.Value(),
				Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return wire.ListEventsResult{}, err
			}
			m := mode(ctx)
			r := wire.ListEventsResult{Data: wire.Map(p.Items, func(e billing.Event) wire.Event { return wire.FromEvent(e, m) }), NextCursor: wire.Cursor(p.NextCursor), HasMore: p.HasMore}
			r.Summary = fmt.Sprintf("%s on this page.", plural(len(p.Items), "event"))
			if p.HasMore {
				r.Summary += " More follow: call again with cursor set to next_cursor."
			}
			return r, nil
		})
}
