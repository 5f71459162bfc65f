package webhooks_test

import (
	"sync"
	"testing"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/webhooks"
)

// TestCreateEndpointIdempotent: a create retried with its idempotency key
// returns the endpoint the first made (with its secret, until a rotation), 20
// at once make one, and the key with another payload is a conflict that
// changes nothing.
func TestCreateEndpointIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := webhooks.CreateEndpointInput{URL: "http://127.0.0.1:9/hooks", EventTypes: []string{"balance.depleted"}, IdempotencyKey: "ep-1"}
	first, err := e.hooks.CreateEndpoint(e.ctx, in)
	if err != nil || first.Replayed || first.Secret == "" {
		t.Fatalf("CreateEndpoint = %+v, %v; want a new endpoint with its secret", first, err)
	}
	var wg sync.WaitGroup
	got := make([]webhooks.Endpoint, 20)
	errs := make([]error, 20)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], errs[i] = e.hooks.CreateEndpoint(e.ctx, in) }()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i].ID != first.ID || !got[i].Replayed || got[i].Secret != first.Secret {
			t.Fatalf("replay %d = %+v, %v; want endpoint %s replayed with its secret", i, got[i], errs[i], first.ID)
		}
	}
	// Twenty at once with a new key: one endpoint.
	in2 := in
	in2.IdempotencyKey, in2.URL = "ep-2", "http://127.0.0.1:9/other"
	ids := make([]string, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep, err := e.hooks.CreateEndpoint(e.ctx, in2)
			if err != nil {
				t.Errorf("concurrent CreateEndpoint = %v", err)
			}
			ids[i] = ep.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent creates with one key made %v, want one endpoint", ids)
		}
	}
	conflict := in
	conflict.URL = "http://127.0.0.1:9/elsewhere"
	if _, err := e.hooks.CreateEndpoint(e.ctx, conflict); kernel.ErrorCode(err) != kernel.EConflict {
		t.Fatalf("same key, another url = %v, want a conflict", err)
	}
	list, err := e.hooks.ListEndpoints(e.ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("ListEndpoints = %d endpoints, %v; want 2", len(list), err)
	}
	// After a rotation a replay no longer shows a secret.
	if _, err := e.hooks.UpdateEndpoint(e.ctx, webhooks.UpdateEndpointInput{ID: first.ID, RotateSecret: true}); err != nil {
		t.Fatal(err)
	}
	again, err := e.hooks.CreateEndpoint(e.ctx, in)
	if err != nil || again.ID != first.ID || again.Secret != "" {
		t.Fatalf("replay after rotation = %+v, %v; want the endpoint without a secret", again, err)
	}
}
