package api

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("Replay", func(t *testing.T) {
		first := e.do("POST", "/v1/customers", e.key, `{"external_id": "idem_1", "name": "Ada"}`, "Idempotency-Key", "k-replay")
		if first.status != http.StatusCreated || first.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first = %d %s (replayed %q)", first.status, first.body, first.header.Get("Idempotent-Replayed"))
		}
		// The same object, re-serialised: same request.
		again := e.do("POST", "/v1/customers", e.key, `{ "name":"Ada","external_id":"idem_1" }`, "Idempotency-Key", "k-replay")
		if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
			t.Errorf("replay = %d %s (replayed %q), want the first response", again.status, again.body, again.header.Get("Idempotent-Replayed"))
		}
		if again.header.Get("Request-Id") == first.header.Get("Request-Id") {
			t.Errorf("a replay keeps the first Request-Id; each request has its own")
		}
	})

	t.Run("Mismatch", func(t *testing.T) {
		e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "idem_2"}, nil, "Idempotency-Key", "k-mismatch")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "idem_3"}, "Idempotency-Key", "k-mismatch"),
			http.StatusConflict, typeIdempotency, "idempotency_key_reused", "Idempotency-Key")
		e.wantError(t, e.do("POST", "/v1/vendors", e.key, map[string]any{"external_id": "idem_2"}, "Idempotency-Key", "k-mismatch"),
			http.StatusConflict, typeIdempotency, "idempotency_key_reused", "Idempotency-Key")
		if res := e.do("GET", "/v1/customers/idem_3", e.key, nil); res.status != http.StatusNotFound {
			t.Errorf("the refused request ran: GET idem_3 = %d", res.status)
		}
	})

	t.Run("DomainErrorIsStored", func(t *testing.T) {
		// The service ran and answered 404; a retry gets the same answer, even
		// once the customer exists: the key names that one request.
		e.wantError(t, e.do("POST", "/v1/customers/idem_late", e.key, map[string]any{"name": "x"}, "Idempotency-Key", "k-404"), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
		e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "idem_late"}, nil)
		res := e.do("POST", "/v1/customers/idem_late", e.key, map[string]any{"name": "x"}, "Idempotency-Key", "k-404")
		if res.status != http.StatusNotFound || res.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry = %d %s, want the stored 404", res.status, res.body)
		}
	})

	t.Run("RejectedRequestIsNotStored", func(t *testing.T) {
		// A body refused before reaching billing is not stored: the fixed
		// request may reuse the key.
		e.wantError(t, e.do("POST", "/v1/customers", e.key, `{"external_id": "idem_4",`, "Idempotency-Key", "k-bad-body"), http.StatusBadRequest, typeInvalidRequest, "malformed_json", "")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "idem_4", "nmae": "x"}, "Idempotency-Key", "k-bad-body"), http.StatusBadRequest, typeInvalidRequest, "unknown_field", "nmae")
		e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "idem_4"}, nil, "Idempotency-Key", "k-bad-body")
	})

	t.Run("BadKey", func(t *testing.T) {
		for _, k := range []string{strings.Repeat("k", 256), "has space", "tab\tkey"} {
			e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "idem_5"}, "Idempotency-Key", k),
				http.StatusBadRequest, typeInvalidRequest, "invalid_idempotency_key", "Idempotency-Key")
		}
		e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "idem_5"}, "Idempotency-Key", ""),
			http.StatusBadRequest, typeInvalidRequest, "invalid_idempotency_key", "Idempotency-Key")
	})
}

// TestIdempotencyKeyConcurrent: ten concurrent copies of a request that is
// not idempotent by itself (each publishes a product version) with one key
// publish exactly one version; the others are told it is in progress or get
// its response.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	body := map[string]any{"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.05"}}}

	const n = 10
	results := make([]response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = e.do("POST", "/v1/products/images/versions", e.key, body, "Idempotency-Key", "publish-v2")
		})
	}
	close(start)
	wg.Wait()

	var ran, replayed, inProgress int
	var versionID string
	for _, res := range results {
		switch {
		case res.status == http.StatusCreated && res.header.Get("Idempotent-Replayed") == "":
			ran++
			var v wire.ProductVersion
			res.decode(t, &v)
			versionID = v.ID
		case res.status == http.StatusCreated:
			replayed++
		case res.status == http.StatusConflict && res.errorBody(t).Code == "idempotency_key_in_progress":
			inProgress++
			if res.header.Get("Retry-After") == "" {
				t.Errorf("in-progress 409 without Retry-After")
			}
		default:
			t.Errorf("unexpected answer %d %s", res.status, res.body)
		}
	}
	t.Logf("%d ran, %d replayed, %d in progress", ran, replayed, inProgress)
	if ran != 1 || ran+replayed+inProgress != n {
		t.Errorf("%d ran, %d replayed, %d in progress; want exactly 1 to run", ran, replayed, inProgress)
	}
	var p wire.Product
	e.must(t, http.StatusOK, "GET", "/v1/products/images", nil, &p)
	if len(p.Versions) != 2 || p.Versions[0].ID != versionID {
		t.Errorf("product has %d versions (newest %s), want 2 with the new one %s", len(p.Versions), p.Versions[0].ID, versionID)
	}
	// Once the first has finished, every retry replays it.
	res := e.do("POST", "/v1/products/images/versions", e.key, body, "Idempotency-Key", "publish-v2")
	if res.status != http.StatusCreated || res.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry after = %d %s, want the replay", res.status, res.body)
	}
	// Without a key the same request is not idempotent: the key did the work.
	e.must(t, http.StatusCreated, "POST", "/v1/products/images/versions", body, nil)
	e.must(t, http.StatusOK, "GET", "/v1/products/images", nil, &p)
	if len(p.Versions) != 3 {
		t.Errorf("product has %d versions, want 3", len(p.Versions))
	}
}
