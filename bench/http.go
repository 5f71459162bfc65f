package bench

import (
	"context"
	"fmt"
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/client"
)

// HTTPDriver calls the REST API through the Go client, as a platform's
// backend would.
type HTTPDriver struct {
	c *client.Client
	// What the gateway workloads call with: the server's base URL and key,
	// the HTTP client, and the mock upstream's URL (WithUpstream).
	baseURL, key, upstream string
	http                   *http.Client
}

// NewHTTPDriver returns a driver for the API at baseURL (such as
// http://127.0.0.1:8080) that keeps a connection per concurrent caller. It
// sends no Idempotency-Key headers: every call carries its own domain id
// (the event's id, the authorization's idempotency_key), which keeps it
// idempotent, and the header would add a stored response per call that the
// figures have never included.
func NewHTTPDriver(baseURL, key string, clients int) HTTPDriver {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = clients*4, clients*2
	hc := &http.Client{Transport: t}
	return HTTPDriver{c: client.New(client.Options{BaseURL: baseURL, APIKey: key, HTTPClient: hc,
		NoIdempotencyKeys: true, MaxRetries: -1}), baseURL: baseURL, key: key, http: hc}
}

// Record implements Driver.
func (d HTTPDriver) Record(ctx context.Context, in billing.UsageEventInput) error {
	_, err := d.c.RecordEvent(ctx, client.RecordEventRequest{ID: in.ID, Customer: in.Customer, EventType: in.EventType,
		AuthorizationID: in.AuthorizationID, Data: in.Data})
	return err
}

// RecordBatch implements Driver; one failed event fails the batch.
func (d HTTPDriver) RecordBatch(ctx context.Context, in []billing.UsageEventInput) error {
	events := make([]client.RecordEventRequest, len(in))
	for i, e := range in {
		events[i] = client.RecordEventRequest{ID: e.ID, Customer: e.Customer, EventType: e.EventType, Data: e.Data}
	}
	res, err := d.c.RecordEvents(ctx, events)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Status == "failed" {
			return fmt.Errorf("batch event %s failed: %s", r.ID, r.Error.Message)
		}
	}
	return nil
}

// Authorize implements Driver.
func (d HTTPDriver) Authorize(ctx context.Context, in billing.AuthorizeInput) (string, bool, error) {
	a, err := d.c.Authorize(ctx, client.AuthorizeRequest{IdempotencyKey: in.IdempotencyKey, Customer: in.Customer,
		EventType: in.EventType, Data: in.Data})
	if err != nil {
		return "", false, err
	}
	return a.ID, a.Approved, nil
}
