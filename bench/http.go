package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// HTTPDriver calls the REST API, as a platform's backend would.
type HTTPDriver struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Key     string
	Client  *http.Client
}

// NewHTTPClient returns a client that keeps a connection per concurrent caller.
func NewHTTPClient(clients int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = clients*2, clients*2
	return &http.Client{Transport: t}
}

// Record implements Driver.
func (d HTTPDriver) Record(ctx context.Context, in billing.UsageEventInput) error {
	body := wire.RecordEventRequest{ID: in.ID, Customer: in.Customer, EventType: in.EventType, AuthorizationID: in.AuthorizationID, Data: in.Data}
	return d.post(ctx, "/v1/events", body, nil)
}

// RecordBatch implements Driver; one failed event fails the batch.
func (d HTTPDriver) RecordBatch(ctx context.Context, in []billing.UsageEventInput) error {
	events := make([]wire.RecordEventRequest, len(in))
	for i, e := range in {
		events[i] = wire.RecordEventRequest{ID: e.ID, Customer: e.Customer, EventType: e.EventType, Data: e.Data}
	}
	var out struct {
		Data []struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	if err := d.post(ctx, "/v1/events/batch", map[string]any{"events": events}, &out); err != nil {
		return err
	}
	for _, r := range out.Data {
		if r.Status == "failed" {
			return fmt.Errorf("a batch event failed")
		}
	}
	return nil
}

// Authorize implements Driver.
func (d HTTPDriver) Authorize(ctx context.Context, in billing.AuthorizeInput) (string, bool, error) {
	var out struct {
		ID       string `json:"id"`
		Approved bool   `json:"approved"`
	}
	body := wire.AuthorizeRequest{IdempotencyKey: in.IdempotencyKey,
		AuthorizeParams: wire.AuthorizeParams{Customer: in.Customer, EventType: in.EventType, Data: in.Data}}
	err := d.post(ctx, "/v1/authorizations", body, &out)
	return out.ID, out.Approved, err
}

func (d HTTPDriver) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}
