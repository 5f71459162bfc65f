package wire

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/rating"
)

// TimeArg is a time a tool argument carries: an RFC 3339 string such as
// "2026-12-31T23:59:59Z". It decodes with an error that says the format.
type TimeArg struct{ time.Time }

// UnmarshalJSON reads an RFC 3339 string.
func (t *TimeArg) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("must be an RFC 3339 date-time string such as \"2026-12-31T23:59:59Z\"; got %s", b)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("must be an RFC 3339 date-time such as \"2026-12-31T23:59:59Z\" (with a Z or an offset such as +02:00); got %q", s)
	}
	t.Time = v.UTC()
	return nil
}

// MarshalJSON writes the time as RFC 3339 in UTC.
func (t TimeArg) MarshalJSON() ([]byte, error) { return json.Marshal(Time(t.Time)) }

// JSONSchema describes the time for invopop/jsonschema.
func (TimeArg) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Format: "date-time"}
}

// TimeP returns the time, or nil for a nil argument.
func (t *TimeArg) TimeP() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// Value returns the time, or the zero time for a nil argument.
func (t *TimeArg) Value() time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}

// Ptr unwraps an optional wire decimal: nil stays nil.
func (d *Decimal) Ptr() *rating.Decimal {
	if d == nil {
		return nil
	}
	v := d.Decimal
	return &v
}
