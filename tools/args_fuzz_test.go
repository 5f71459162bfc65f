package tools

import (
	"encoding/json"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// FuzzToolArguments feeds arbitrary bytes as an MCP call's arguments through
// the argument parser and the decoder with the real argument types: it never
// panics, and every refusal is kernel.EInvalid naming the argument at fault
// (or "arguments" for the whole). The seed corpus is committed in
// testdata/fuzz/FuzzToolArguments.
func FuzzToolArguments(f *testing.F) {
	f.Add([]byte(`{"customer": "user_123", "event_type": "image.generated", "id": "ev-1"}`))
	targets := []func() any{
		func() any { return new(wire.RecordUsageArgs) },
		func() any { return new(wire.AuthorizeUsageArgs) },
		func() any { return new(wire.CreateCustomerArgs) },
		func() any { return new(wire.CreateAdjustmentArgs) },
		func() any { return new(wire.CreateProductPriceArgs) },
		func() any { return new(wire.ListEventsArgs) },
		func() any { return new(wire.WhoamiArgs) },
	}
	check := func(t *testing.T, raw []byte, dst any, err error) {
		t.Helper()
		if err == nil {
			return
		}
		if kernel.ErrorCode(err) != kernel.EInvalid || kernel.ErrorField(err) == "" || kernel.ErrorMessage(err) == "" {
			t.Fatalf("arguments %q into %T: %v (code %q, field %q), want invalid naming an argument",
				raw, dst, err, kernel.ErrorCode(err), kernel.ErrorField(err))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req mcpgo.CallToolRequest
		req.Params.Arguments = json.RawMessage(raw)
		args, err := arguments(req)
		check(t, raw, nil, err)
		if err != nil {
			return
		}
		for _, newDst := range targets {
			dst := newDst()
			check(t, raw, dst, decodeArgs("fuzzed_tool", args, nil, dst))
		}
	})
}
