// Package wire holds the JSON shapes Tollgate's surfaces (MCP tools, REST API,
// portal) speak, and their mapping from billing's domain types. Field names are
// snake_case, amounts are decimal strings, times are RFC 3339 in UTC. JSON
// Schemas in schemas/ are generated from these types.
package wire

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
)

// Decimal is an exact amount. It is written as a JSON string ("12.50") and
// read from a string or a JSON number, taken from the JSON text exactly,
// never through float64.
type Decimal struct{ billing.Decimal }

// D wraps a billing decimal.
func D(d billing.Decimal) Decimal { return Decimal{d} }

// DP wraps an optional billing decimal.
func DP(d *billing.Decimal) *Decimal {
	if d == nil {
		return nil
	}
	return &Decimal{*d}
}

// MarshalJSON writes the decimal as a string.
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(d.Decimal.String()) }

// UnmarshalJSON reads a string or a number exactly.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("%s is not a decimal number; send a string such as \"12.50\"", string(b))
	}
	d.Decimal = v
	return nil
}

// JSONSchema describes the decimal for invopop/jsonschema.
func (Decimal) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`},
			{Type: "number"},
		},
		Description: "Exact decimal amount, as a string such as \"12.50\" (a JSON number is accepted and read exactly).",
		Examples:    []any{"12.50"},
	}
}

// Time formats a time for the wire.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// TimeP formats an optional time.
func TimeP(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}
