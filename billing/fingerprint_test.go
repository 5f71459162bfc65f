package billing

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/rating"
)

// An event stored before kernel.Fingerprint keeps its hash, so its retry
// after the upgrade is a replay; costs whose vendor holds a separator no
// longer share a hash with another list.
func TestEventHashKeepsStoredForm(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	in := UsageEventInput{EventType: "llm.call", Data: map[string]any{"model": "a|b"},
		Costs: []rating.Cost{{Vendor: "openai", Amount: rating.MustDecimal("0.0020"), Currency: "USD"}}}
	got, err := eventHash(in, "wal_01", sent)
	if err != nil {
		t.Fatalf("eventHash = %v", err)
	}
	old := sha256.Sum256([]byte(`wal_01|llm.call|2026-12-01T12:00:00Z|{"model":"a|b"}|openai:0.002:USD|false|`))
	if !bytes.Equal(got, old[:]) {
		t.Errorf("eventHash = %x, want the stored form's %x", got, old)
	}

	one := in
	one.Costs = []rating.Cost{{Vendor: "a:1:USD,b", Amount: rating.MustDecimal("2"), Currency: "EUR"}}
	two := in
	two.Costs = []rating.Cost{{Vendor: "a", Amount: rating.MustDecimal("1"), Currency: "USD"}, {Vendor: "b", Amount: rating.MustDecimal("2"), Currency: "EUR"}}
	h1, _ := eventHash(one, "wal_01", sent)
	h2, _ := eventHash(two, "wal_01", sent)
	if bytes.Equal(h1, h2) {
		t.Errorf("costs %v and %v share a fingerprint", one.Costs, two.Costs)
	}
}

// Two top-ups whose URLs joined alike with "|" (the bug) now differ.
func TestTopUpHashTellsURLsApart(t *testing.T) {
	t.Parallel()
	tu := &TopUp{WalletID: "wal_01", Asset: "usd", Credit: rating.MustDecimal("10"), Paid: rating.MustDecimal("10"), Currency: "USD"}
	a := topUpHash(CreateTopUpInput{SuccessURL: "https://a.example/?x|y", CancelURL: "https://c.example/"}, tu)
	b := topUpHash(CreateTopUpInput{SuccessURL: "https://a.example/?x", CancelURL: "y|https://c.example/"}, tu)
	if bytes.Equal(a, b) {
		t.Error("two top-ups with different URLs share a fingerprint")
	}
}
