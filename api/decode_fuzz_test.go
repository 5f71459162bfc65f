package api

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

// FuzzDecodeBody feeds arbitrary bytes to the REST body decoder with the
// real request types: it never panics, and every refusal is a 4xx that
// names the field at fault or says it is about the body. The seed corpus is
// committed in testdata/fuzz/FuzzDecodeBody; `go test -fuzz FuzzDecodeBody`
// explores from it.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte(`{"id": "ev-1", "customer": "user_123", "event_type": "image.generated"}`))
	targets := []func() any{
		func() any { return new(wire.RecordEventRequest) },
		func() any { return new(wire.RecordBatchRequest) },
		func() any { return new(wire.AuthorizeRequest) },
		func() any { return new(wire.CreateCustomerRequest) },
		func() any { return new(wire.CreateAdjustmentRequest) },
		func() any { return new(wire.CreateProductRequest) },
		func() any { return new(wire.CreateTopUpRequest) },
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, newDst := range targets {
			dst := newDst()
			r := httptest.NewRequest("POST", "/v1/x", bytes.NewReader(raw))
			err := decodeBody(r, dst, false)
			if err == nil {
				continue
			}
			status, body := classify(err)
			if status < 400 || status > 499 {
				t.Fatalf("decodeBody(%q) into %T = %d %+v, want a 4xx", raw, dst, status, body)
			}
			aboutBody := body.Code == "invalid_body" || body.Code == "malformed_json"
			if body.Param == "" && !aboutBody {
				t.Fatalf("decodeBody(%q) into %T = %d %+v: names neither a field nor the body", raw, dst, status, body)
			}
			if body.Message == "" {
				t.Fatalf("decodeBody(%q) into %T = %d %+v: no message", raw, dst, status, body)
			}
		}
	})
}
