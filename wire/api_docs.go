package wire

import (
	"github.com/invopop/jsonschema"
)

// nullableTime makes a *string time property say what it is: an RFC 3339
// date-time, or null.
func nullableTime(s *jsonschema.Schema, name, example string) {
	p, ok := s.Properties.Get(name)
	if !ok {
		panic("wire: no property " + name)
	}
	s.Properties.Set(name, &jsonschema.Schema{
		OneOf:       []*jsonschema.Schema{{Type: "string", Format: "date-time"}, {Type: "null"}},
		Description: p.Description + " (RFC 3339, UTC)",
		Examples:    []any{example},
	})
}

// JSONSchemaExtend marks archived_at nullable.
func (Product) JSONSchemaExtend(s *jsonschema.Schema) { nullableTime(s, "archived_at", exampleTime) }

// JSONSchemaExtend marks the optional times nullable.
func (Subscription) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, name := range []string{"ended_at", "current_period_start", "current_period_end", "next_renewal_at", "trial_ends_at", "grace_ends_at"} {
		nullableTime(s, name, exampleTime)
	}
}

// JSONSchemaExtend marks settled_at nullable.
func (Authorization) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableTime(s, "settled_at", "2026-11-01T12:00:02Z")
}

// JSONSchemaExtend marks costs nullable: null means the cost is unknown,
// which is not the same as no cost.
func (Event) JSONSchemaExtend(s *jsonschema.Schema) {
	p, _ := s.Properties.Get("costs")
	s.Properties.Set("costs", &jsonschema.Schema{
		OneOf:       []*jsonschema.Schema{{Type: "array", Items: p.Items}, {Type: "null"}},
		Description: p.Description,
		Examples:    []any{[]map[string]string{{"vendor": "openai", "amount": "0.0021", "currency": "USD"}}},
	})
}

// nullableCursor makes a page's next_cursor (a *string) say what it is: the
// cursor of the next page, or null on the last one.
func nullableCursor(s *jsonschema.Schema) {
	p, ok := s.Properties.Get("next_cursor")
	if !ok {
		panic("wire: no property next_cursor")
	}
	s.Properties.Set("next_cursor", &jsonschema.Schema{
		OneOf:       []*jsonschema.Schema{{Type: "string"}, {Type: "null"}},
		Description: p.Description,
		Examples:    p.Examples,
	})
}

// JSONSchemaExtend marks next_cursor nullable.
func (ListTransactionsResult) JSONSchemaExtend(s *jsonschema.Schema) { nullableCursor(s) }

// JSONSchemaExtend marks next_cursor nullable.
func (ListCustomersResult) JSONSchemaExtend(s *jsonschema.Schema) { nullableCursor(s) }

// JSONSchemaExtend marks next_cursor nullable.
func (ListProductsResult) JSONSchemaExtend(s *jsonschema.Schema) { nullableCursor(s) }

// JSONSchemaExtend marks next_cursor nullable.
func (ListEventsResult) JSONSchemaExtend(s *jsonschema.Schema) { nullableCursor(s) }

// JSONSchemaExtend marks next_cursor nullable.
func (ListWebhookDeliveriesResult) JSONSchemaExtend(s *jsonschema.Schema) { nullableCursor(s) }

// JSONSchemaExtend marks next_cursor nullable.
func (ProfitabilityReport) JSONSchemaExtend(s *jsonschema.Schema) { nullableCursor(s) }

// JSONSchemaExtend marks next_cursor nullable.
func (RepricingReport) JSONSchemaExtend(s *jsonschema.Schema) { nullableCursor(s) }
