// Package wire holds the JSON shapes Tollgate's surfaces (MCP tools, REST API,
// portal) speak, and their mapping from billing's domain types. Field names are
// snake_case, amounts are decimal strings, times are RFC 3339 in UTC. JSON
// Schemas in schemas/ are generated from these types.
package wire

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/rating"
)

// Decimal is an exact amount. It is written as a JSON string by
// rating.FormatAmount: exact, with at least the asset's precision in
// decimal places when it is an amount in an asset (A), else without
// trailing zeros (D). It is read from a string or a JSON number, taken from
// the JSON text exactly, never through float64, within billing's bounds.
type Decimal struct {
	rating.Decimal
	places int32 // the asset's precision; 0 for a rate, quantity or price
}

// D wraps a billing decimal that is not an amount in an asset's precision
// (a rate, a quantity, a price).
func D(d rating.Decimal) Decimal { return Decimal{Decimal: d} }

// DP wraps an optional billing decimal.
func DP(d *rating.Decimal) *Decimal {
	if d == nil {
		return nil
	}
	return &Decimal{Decimal: *d}
}

// A wraps an amount in an asset of the given precision.
func A(d rating.Decimal, precision int32) Decimal { return Decimal{Decimal: d, places: precision} }

// AP wraps an optional amount in an asset of the given precision.
func AP(d *rating.Decimal, precision int32) *Decimal {
	if d == nil {
		return nil
	}
	return &Decimal{Decimal: *d, places: precision}
}

// Display writes the decimal for a person, by rating.Display.
func (d Decimal) Display() string { return rating.Display(d.Decimal, d.places) }

// MarshalJSON writes the decimal as a string.
func (d Decimal) MarshalJSON() ([]byte, error) {
	return json.Marshal(rating.FormatAmount(d.Decimal, d.places))
}

// UnmarshalJSON reads a string or a number exactly. A value of another JSON
// type is a type error; a string or number that is not a decimal within
// billing's bounds is a *kernel.Error with code invalid.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case len(s) >= 2 && s[0] == '"':
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	case len(s) > 0 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')):
	default:
		return errors.New("must be a decimal number written as a string, such as \"12.50\"; got " + s)
	}
	v, err := rating.ParseAmount(s)
	if err != nil {
		return err
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
		Description: "Exact decimal amount, as a string such as \"12.50\" (a JSON number is accepted and read exactly); at most 15 digits before the decimal point and 18 after.",
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
