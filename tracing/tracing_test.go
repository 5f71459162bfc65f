package tracing

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// With the standard OTEL variables set, a request is exported as a span to
// an OTLP/HTTP receiver, in the caller's trace; without them nothing is
// wrapped.
func TestTracingExportsToOTLP(t *testing.T) {
	var mu sync.Mutex
	var got [][]byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, b)
		mu.Unlock()
		if r.URL.Path != "/v1/traces" {
			t.Errorf("exporter posted to %s, want /v1/traces", r.URL.Path)
		}
	}))
	defer receiver.Close()

	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	if Handler(h) == nil || Enabled() {
		t.Fatal("tracing is on without OTEL variables")
	}

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.URL)
	stop, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	traceID := "4bf92f3577b34da6a3ce929d0e0e4736"
	req := httptest.NewRequest("GET", "/v1/customers", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	Handler(h).ServeHTTP(httptest.NewRecorder(), req)
	if err := stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	id, _ := hex.DecodeString(traceID)
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || !bytes.Contains(bytes.Join(got, nil), id) {
		t.Errorf("the receiver got %d exports, none with trace %s", len(got), traceID)
	}
}
