package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/webhooks"
)

type endpointRow struct {
	ID, URL, Description, Types, State, FailingSince, Secret string
	Enabled                                                  bool
}

type attemptRow struct{ Number, At, Status, Latency, Note string }

type deliveryRow struct {
	ID, EventType, EventID, Status, Created, Next string
	Failed                                        bool
	Attempts                                      []attemptRow
}

type webhooksPage struct {
	base
	Endpoints  []endpointRow
	Selected   *endpointRow
	Status     string
	Deliveries []deliveryRow
	Next       string
	Off        bool // this server has no webhooks
}

// webhooksPage lists the endpoints, and one endpoint's deliveries with
// every attempt (?endpoint=…&status=failed).
func (c *Console) webhooks(w http.ResponseWriter, r *request) error {
	b, err := c.layout(r, "webhooks", "Webhooks")
	if err != nil {
		return err
	}
	p := webhooksPage{base: b, Status: r.URL.Query().Get("status"), Off: c.hooks == nil}
	if c.hooks == nil {
		c.render(w, http.StatusOK, "webhooks", p)
		return nil
	}
	eps, err := c.hooks.ListEndpoints(r.ctx)
	if err != nil {
		return err
	}
	want := r.URL.Query().Get("endpoint")
	for _, ep := range eps {
		row := endpointRow{ID: ep.ID, URL: ep.URL, Description: ep.Description, Types: "every event", Enabled: ep.Enabled, State: "Enabled", Secret: "…" + ep.SecretLast4}
		if len(ep.EventTypes) > 0 {
			row.Types = strings.Join(ep.EventTypes, ", ")
		}
		if !ep.Enabled {
			row.State = "Disabled"
			if ep.DisabledReason != "" {
				row.State += ": " + ep.DisabledReason
			}
		}
		if ep.FailingSince != nil {
			row.FailingSince = dateTime(*ep.FailingSince)
		}
		p.Endpoints = append(p.Endpoints, row)
		if ep.ID == want || (want == "" && len(eps) == 1) {
			p.Selected = &p.Endpoints[len(p.Endpoints)-1]
		}
	}
	if p.Selected != nil {
		ds, next, err := c.hooks.ListDeliveries(r.ctx, webhooks.ListDeliveriesInput{EndpointID: p.Selected.ID, Status: p.Status, After: r.URL.Query().Get("after"), Limit: 25})
		if kernel.ErrorCode(err) == kernel.EInvalid {
			return &pageError{status: http.StatusUnprocessableEntity, title: "That did not work", message: "Show pending, succeeded or failed deliveries."}
		}
		if err != nil {
			return err
		}
		for _, d := range ds {
			p.Deliveries = append(p.Deliveries, deliveryRowOf(d))
		}
		if next != "" {
			p.Next = "/console/webhooks?" + url.Values{"endpoint": {p.Selected.ID}, "status": {p.Status}, "after": {next}}.Encode()
		}
	}
	c.render(w, http.StatusOK, "webhooks", p)
	return nil
}

func deliveryRowOf(d webhooks.Delivery) deliveryRow {
	row := deliveryRow{ID: d.ID, EventType: d.EventType, EventID: d.EventID, Status: label(d.Status), Created: dateTime(d.CreatedAt),
		Failed: d.Status == webhooks.DeliveryFailed}
	if d.NextAttemptAt != nil && d.Status == webhooks.DeliveryPending {
		row.Next = dateTime(*d.NextAttemptAt)
	}
	for _, a := range d.Attempts {
		ar := attemptRow{Number: fmt.Sprint(a.Number), At: dateTime(a.At), Status: "no response", Latency: fmt.Sprintf("%d ms", a.Latency.Milliseconds()),
			Note: a.Error}
		if a.StatusCode != nil {
			ar.Status = fmt.Sprintf("HTTP %d", *a.StatusCode)
		}
		if ar.Note == "" {
			ar.Note = a.ResponseExcerpt
		}
		row.Attempts = append(row.Attempts, ar)
	}
	return row
}

// retryDelivery sends a delivery again now (owners and admins).
func (c *Console) retryDelivery(w http.ResponseWriter, r *request) error {
	if c.hooks == nil {
		return &pageError{status: http.StatusNotFound, title: "No webhooks here", message: "This server does not send webhooks."}
	}
	d, err := c.hooks.RetryDelivery(r.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/console/webhooks?"+url.Values{"endpoint": {d.EndpointID}}.Encode(), http.StatusSeeOther)
	return nil
}

type topUpRow struct {
	ID, When, CustomerID, Customer, Credit, Paid, Status, Refunded, Failure string
	Auto, Bad                                                               bool
}

type paymentsPage struct {
	base
	Kind        string
	Rows        []topUpRow
	Next, First string
}

// payments lists the account's top-ups: all, auto top-up declines, or
// refunded ones.
func (c *Console) payments(w http.ResponseWriter, r *request) error {
	b, err := c.layout(r, "payments", "Payments")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := paymentsPage{base: b, Kind: q.Get("kind")}
	if p.Kind == "" {
		p.Kind = "all"
	}
	page, err := c.svc.Overview.TopUps(r.ctx, billing.TopUpsInput{Kind: p.Kind, Cursor: q.Get("cursor"), Limit: 25})
	if err != nil {
		return err
	}
	as, err := c.assets(r)
	if err != nil {
		return err
	}
	names := c.customerNames(r.ctx)
	for _, t := range page.Items {
		row := topUpRow{ID: t.ID, When: dateTime(t.CreatedAt), CustomerID: t.CustomerID, Customer: names(t.CustomerID), Credit: as.money(t.Credit, t.Asset),
			Paid: as.money(t.Paid, t.Currency), Status: label(t.Status), Auto: t.Auto, Bad: t.Status == "failed"}
		if t.Refunded.IsPositive() {
			row.Refunded = as.money(t.Refunded, t.Currency)
		}
		if t.FailureMessage != "" || t.FailureCode != "" {
			row.Failure = strings.TrimSpace(t.FailureCode + " " + t.FailureMessage)
		}
		p.Rows = append(p.Rows, row)
	}
	if page.HasMore {
		p.Next = "/console/payments?" + url.Values{"kind": {p.Kind}, "cursor": {page.NextCursor}}.Encode()
	}
	if q.Get("cursor") != "" {
		p.First = "/console/payments?kind=" + url.QueryEscape(p.Kind)
	}
	c.render(w, http.StatusOK, "payments", p)
	return nil
}
