package wire

import (
	"github.com/invopop/jsonschema"
)

// The JSONSchemaExtend methods below complete the core types' generated
// schemas where their struct tags leave a property without a description or
// an example: every property of a published schema (schemas/) carries both,
// since an agent reads nothing else about it. Tags win where they are set.

// prop is a property's documentation.
type prop struct {
	desc    string
	example any
}

// document fills in missing descriptions and examples. It panics on a name
// that is not a property, so a renamed field cannot silently lose its docs.
func document(s *jsonschema.Schema, docs map[string]prop) {
	for name, d := range docs {
		p, ok := s.Properties.Get(name)
		if !ok {
			panic("wire: no property " + name + " to document")
		}
		if p.Description == "" {
			p.Description = d.desc
		}
		if len(p.Examples) == 0 && d.example != nil {
			p.Examples = []any{d.example}
		}
	}
}

// redescribe sets descriptions that core.go's tags cut short: invopop splits
// a jsonschema tag on commas, so "description=a, b" keeps only "a".
func redescribe(s *jsonschema.Schema, descs map[string]string) {
	for name, d := range descs {
		p, ok := s.Properties.Get(name)
		if !ok {
			panic("wire: no property " + name + " to describe")
		}
		p.Description = d
	}
}

const (
	exampleTime     = "2026-11-01T12:00:00Z"
	exampleCustomer = "cus_01jd8x2k7m3n4p5q6r7s8t9v0w"
	exampleWallet   = "wal_01jd8x2k7m3n4p5q6r7s8t9v0w"
	exampleLot      = "lot_01jd8x2k7m3n4p5q6r7s8t9v0w"
)

var createdAt = prop{"When it was created (RFC 3339, UTC)", exampleTime}

// JSONSchemaExtend documents Asset's schema.
func (Asset) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"kind": {"", "custom"},
	})
}

// JSONSchemaExtend documents Quote's schema.
func (Quote) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"asset":             {"The asset converted", nil},
		"currency":          {"The currency the asset is priced in", nil},
		"rate_effective_at": {"", exampleTime},
		"at":                {"", exampleTime},
	})
}

// JSONSchemaExtend documents Customer's schema.
func (Customer) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"name":       {"Display name; empty when not set", nil},
		"email":      {"Email address; empty when not set", nil},
		"metadata":   {"", map[string]string{"plan": "pro"}},
		"created_at": createdAt,
		"livemode":   {"", false},
	})
	redescribe(s, map[string]string{"livemode": "true for live data; false for test data"})
}

// JSONSchemaExtend documents Lot's schema; expires_at is null for a lot that
// never expires, so the schema says so.
func (Lot) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"id":               {"Lot id; refund a paid lot by naming it in create_adjustment's lot_id", nil},
		"purpose":          {"", "paid"},
		"revenue_currency": {"Currency of revenue_basis", nil},
		"created_at":       createdAt,
	})
	s.Properties.Set("expires_at", &jsonschema.Schema{
		OneOf:       []*jsonschema.Schema{{Type: "string", Format: "date-time"}, {Type: "null"}},
		Description: "When the rest of the lot expires (RFC 3339, UTC); null when it never expires",
		Examples:    []any{"2026-12-31T23:59:59Z"},
	})
}

// JSONSchemaExtend documents Balance's schema.
func (Balance) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"asset": {"Asset code of this balance", nil},
	})
	redescribe(s, map[string]string{"debt": "Overdraft from usage or charges; repaid by the next credit"})
}

// JSONSchemaExtend documents Wallet's schema.
func (Wallet) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"id":                   {"Wallet id", nil},
		"customer_id":          {"Tollgate id of the customer who owns the wallet", nil},
		"customer_external_id": {"Your own id for the customer who owns the wallet", nil},
		"is_default":           {"true for the customer's default wallet, used when a call names no wallet", true},
		"created_at":           createdAt,
	})
	redescribe(s, map[string]string{"name": "default for the customer's first wallet; otherwise the name given at creation"})
}

// JSONSchemaExtend documents Adjustment's schema.
func (Adjustment) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"id":                    {"Adjustment id", nil},
		"kind":                  {"gift, top_up, charge, refund or correction", "top_up"},
		"customer_id":           {"Tollgate id of the customer", exampleCustomer},
		"wallet_id":             {"The wallet adjusted", exampleWallet},
		"asset":                 {"Asset code of the amount", nil},
		"amount":                {"Amount adjusted: positive; a correction may be negative", nil},
		"reason":                {"Why, as given; shown in the ledger", "Welcome gift"},
		"lot_id":                {"", exampleLot},
		"ledger_transaction_id": {"The ledger transaction that recorded it (see list_transactions)", nil},
		"replayed":              {"", false},
		"created_at":            createdAt,
		"livemode":              {"true for live data, false for test data", false},
	})
}

// JSONSchemaExtend documents LedgerEntry's schema.
func (LedgerEntry) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"ledger_account": {"", "wallet"},
		"wallet_id":      {"The wallet, for wallet entries", exampleWallet},
		"lot_id":         {"The lot, for wallet entries", exampleLot},
		"asset":          {"Asset code of the amount", "USD"},
		"amount":         {"", "-2.50"},
	})
	redescribe(s, map[string]string{"ledger_account": "The ledger account: wallet, revenue, funding, promotions, expired or corrections"})
}

// JSONSchemaExtend documents Transaction's schema.
func (Transaction) JSONSchemaExtend(s *jsonschema.Schema) {
	document(s, map[string]prop{
		"id":          {"Ledger transaction id", nil},
		"kind":        {"", "top_up"},
		"reference":   {"", "adj_01jd8x2k7m3n4p5q6r7s8t9v0w"},
		"description": {"The reason given, if any", "Welcome gift"},
		"entries":     {"The ledger lines; they sum to zero per asset", nil},
		"created_at":  createdAt,
	})
	redescribe(s, map[string]string{
		"kind":      "What moved value: gift, top_up, charge, refund, correction, usage, capture, expiry…",
		"reference": "The adjustment, event or lot behind it",
	})
}
