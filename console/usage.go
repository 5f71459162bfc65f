package console

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// usageFilter is the usage page's query, validated.
type usageFilter struct {
	Customer, EventType, From, To string
	in                            billing.ListEventsInput
}

// usageFilterOf reads the filter; problem says what is wrong, for people.
func usageFilterOf(q url.Values) (usageFilter, string) {
	f := usageFilter{Customer: strings.TrimSpace(q.Get("customer")), EventType: strings.TrimSpace(q.Get("event_type")), From: q.Get("from"), To: q.Get("to")}
	f.in = billing.ListEventsInput{Customer: f.Customer, EventType: f.EventType, Cursor: q.Get("cursor"), Limit: 50}
	if len(f.Customer) > 200 || len(f.EventType) > 100 {
		return f, "The customer or event type is too long."
	}
	if f.From != "" {
		t, err := time.Parse(time.DateOnly, f.From)
		if err != nil {
			return f, "The start date must be a date such as 2026-11-01."
		}
		f.in.From = t
	}
	if f.To != "" {
		t, err := time.Parse(time.DateOnly, f.To)
		if err != nil {
			return f, "The end date must be a date such as 2026-11-30."
		}
		f.in.To = t.AddDate(0, 0, 1) // the whole last day
	}
	return f, ""
}

// Query is the filter as a query string, with a cursor.
func (f usageFilter) Query(cursor string) string {
	v := url.Values{}
	for k, x := range map[string]string{"customer": f.Customer, "event_type": f.EventType, "from": f.From, "to": f.To, "cursor": cursor} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

type usageRow struct {
	ID, When, Recorded, CustomerID, Customer, Type, Total string
	Fees                                                  []string
}

type usagePage struct {
	base
	Filter      usageFilter
	Rows        []usageRow
	Next, First string
	CSV, Stream string
	Live        bool
	Error       string
}

func (c *Console) usage(w http.ResponseWriter, r *request) error {
	b, err := c.layout(r, "usage", "Usage")
	if err != nil {
		return err
	}
	f, problem := usageFilterOf(r.URL.Query())
	p := usagePage{base: b, Filter: f, CSV: "/console/usage.csv" + f.Query(""), Live: r.URL.Query().Get("live") == "1" && f.in.Cursor == ""}
	if problem != "" {
		p.Error = problem
		c.render(w, http.StatusUnprocessableEntity, "usage", p)
		return nil
	}
	page, err := c.svc.ListEvents(r.ctx, f.in)
	switch kernel.ErrorCode(err) {
	case "":
	case kernel.EInvalid, kernel.ENotFound:
		p.Error = sentence(kernel.ErrorMessage(err))
		c.render(w, http.StatusUnprocessableEntity, "usage", p)
		return nil
	default:
		return err
	}
	as, err := c.assets(r)
	if err != nil {
		return err
	}
	names := c.customerNames(r.ctx)
	for _, ev := range page.Items {
		p.Rows = append(p.Rows, usageRowOf(ev, as, names))
	}
	if page.HasMore {
		p.Next = "/console/usage" + f.Query(page.NextCursor)
	}
	if f.in.Cursor != "" {
		p.First = "/console/usage" + f.Query("")
	}
	p.Stream = "/console/usage/stream" + f.Query("")
	if p.Live {
		w.Header().Set("Content-Security-Policy", tailPolicy)
	}
	c.render(w, http.StatusOK, "usage", p)
	return nil
}

// customerNames names customers by id for a page's rows, reading each once.
func (c *Console) customerNames(ctx context.Context) func(id string) string {
	seen := map[string]string{}
	return func(id string) string {
		if n, ok := seen[id]; ok {
			return n
		}
		n := id
		if cus, err := c.svc.GetCustomer(ctx, id); err == nil {
			n = customerTitle(cus)
		}
		seen[id] = n
		return n
	}
}

func usageRowOf(ev billing.Event, as assets, name func(string) string) usageRow {
	e := eventRowOf(ev, as)
	return usageRow{ID: ev.ID, When: e.When, Recorded: dateTime(ev.CreatedAt), CustomerID: ev.CustomerID, Customer: name(ev.CustomerID), Type: ev.EventType,
		Total: e.Total, Fees: e.Fees}
}

// usageCSV writes every event of the filter, one line per fee (an event
// without fees gets a line of its own), amounts exact, up to 100,000 lines.
func (c *Console) usageCSV(w http.ResponseWriter, r *request) error {
	const maxLines = 100_000
	f, problem := usageFilterOf(r.URL.Query())
	if problem != "" {
		return &pageError{status: http.StatusUnprocessableEntity, title: "Cannot download", message: problem}
	}
	f.in.Limit, f.in.Cursor = 100, ""
	first, err := c.svc.ListEvents(r.ctx, f.in) // before any byte: an error is still a page
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="usage.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"event_id", "occurred_at", "recorded_at", "customer_id", "event_type", "product", "price", "quantity", "amount", "asset"})
	lines := 0
	for page := first; lines < maxLines; {
		for _, ev := range page.Items {
			base := []string{ev.ID, ev.OccurredAt.UTC().Format(time.RFC3339), ev.CreatedAt.UTC().Format(time.RFC3339), ev.CustomerID, ev.EventType}
			if len(ev.Fees) == 0 {
				_ = cw.Write(append(base, "", "", "", "0", ""))
				lines++
			}
			for _, fee := range ev.Fees {
				_ = cw.Write(append(base[:5:5], fee.ProductCode, fee.PriceName, fee.Quantity.String(), rating.FormatAmount(fee.Amount, fee.Precision), fee.Asset))
				lines++
			}
		}
		if !page.HasMore {
			break
		}
		f.in.Cursor = page.NextCursor
		if page, err = c.svc.ListEvents(r.ctx, f.in); err != nil {
			c.log.Error("console usage csv", "err", err)
			break // the header is sent: end the file short rather than lie about it
		}
	}
	cw.Flush()
	return nil
}

// streamPoll is how often the live tail looks for new events.
const streamPoll = time.Second

// usageStream is the live tail: server-sent events, one "usage" event per
// newly recorded event of the filter, as JSON the page's script shows. It
// checks the session at every poll, so a revoked session's stream ends
// within a second; the browser reconnects when the server's write timeout
// ends it.
func (c *Console) usageStream(w http.ResponseWriter, r *request) error {
	f, problem := usageFilterOf(r.URL.Query())
	if problem != "" {
		return &pageError{status: http.StatusUnprocessableEntity, title: "Cannot follow", message: problem}
	}
	f.in.Limit, f.in.Cursor = 50, ""
	page, err := c.svc.ListEvents(r.ctx, f.in)
	if err != nil {
		return err
	}
	as, err := c.assets(r)
	if err != nil {
		return err
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return &pageError{status: http.StatusNotImplemented, title: "No live tail here", message: "Reload the page to see new usage."}
	}
	last := ""
	if len(page.Items) > 0 {
		last = page.Items[0].ID
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	names := c.customerNames(r.ctx)
	tick := time.NewTicker(streamPoll)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
		if _, err := c.svc.Operators.Session(r.Context(), r.token); err != nil {
			fmt.Fprint(w, "event: ended\ndata: {}\n\n")
			flusher.Flush()
			return nil
		}
		page, err := c.svc.ListEvents(r.ctx, f.in)
		if err != nil {
			c.log.Error("console usage stream", "err", err)
			return nil
		}
		var fresh []billing.Event
		for _, ev := range page.Items {
			if ev.ID == last {
				break
			}
			fresh = append(fresh, ev)
		}
		if len(fresh) > 0 {
			last = fresh[0].ID
		}
		for i := len(fresh) - 1; i >= 0; i-- { // oldest first: the page puts each on top
			b, _ := json.Marshal(usageRowOf(fresh[i], as, names)) // strings only: always marshals
			fmt.Fprintf(w, "event: usage\ndata: %s\n\n", b)
		}
		fmt.Fprint(w, ": keep-alive\n\n")
		flusher.Flush()
	}
}
