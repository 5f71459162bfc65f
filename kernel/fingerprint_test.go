package kernel

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strconv"
	"testing"
)

func sum(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// Payloads that read back one way hash as the hashes stored before
// Fingerprint did: a retry across the upgrade is the same request.
func TestFingerprintKeepsStoredForm(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		sep   byte
		parts []string
		old   string
	}{
		{"event", '|', []string{"wal_01", "llm.call", "2026-12-01T12:00:00Z", `{"model":"a|b","tokens":12}`, "openai:0.002:USD", "false", ""},
			"wal_01|llm.call|2026-12-01T12:00:00Z|{\"model\":\"a|b\",\"tokens\":12}|openai:0.002:USD|false|"},
		{"adjustment", '|', []string{"gift", "wal_01", "usd", "10", strconv.Quote(`refund | "ticket" 7`), "", "0", "", "", "", ""},
			fmt.Sprintf("%s|%s|%s|%s|%q|%s|%d|%s|%s|%s|%s", "gift", "wal_01", "usd", "10", `refund | "ticket" 7`, "", 0, "", "", "", "")},
		{"top-up", '|', []string{"wal_01", "usd", "10", "10", "USD", "https://a.example/ok", "https://a.example/cancel"},
			"wal_01|usd|10|10|USD|https://a.example/ok|https://a.example/cancel"},
		{"request", '\n', []string{"POST", "/v1/events?x=1", `{"id":"ev_1"}`}, "POST\n/v1/events?x=1\n{\"id\":\"ev_1\"}"},
		{"endpoint", 0, []string{"https://a.example/hook", "ops", "event.recorded", ""}, "https://a.example/hook\x00ops\x00event.recorded\x00"},
	} {
		if got := Fingerprint(tt.sep, tt.parts...); !bytes.Equal(got, sum(tt.old)) {
			t.Errorf("Fingerprint(%s) = %x, want the stored form's %x", tt.name, got, sum(tt.old))
		}
	}
}

// Lists that joined alike once (a top-up's two URLs around a "|") now
// differ, and so does every pair of different lists below.
func TestFingerprintTellsPayloadsApart(t *testing.T) {
	t.Parallel()
	lists := [][]string{
		{"wal_01", "https://a.example/?a|b", "https://c.example/"},
		{"wal_01", "https://a.example/?a", "b|https://c.example/"},
		{"wal_01", `"x|y"`, "z"},
		{"wal_01", `"x`, `y"`, "z"},
		{"wal_01", `{"a":"x|y"}`},
		{"wal_01", `{"a":"x`, `y"}`},
		{"wal_01", "a", ""},
		{"wal_01", "a|"},
		{"", "v2\"a\""},
		{"a"},
		{"a", "b\x00c"},
		{"a", "b", "c"},
	}
	seen := map[string]int{}
	for i, l := range lists {
		for _, sep := range []byte{'|', 0} {
			k := string(Fingerprint(sep, l...)) + string(sep)
			if j, ok := seen[k]; ok {
				t.Errorf("Fingerprint(%q) = Fingerprint(%q) with sep %q", l, lists[j], sep)
			}
			seen[k] = i
		}
	}
	if a, b := Fingerprint('|', lists[0]...), Fingerprint('|', lists[1]...); bytes.Equal(a, b) {
		t.Errorf("the two top-ups share a fingerprint")
	}
	if got, old := Fingerprint('|', lists[0]...), sum("wal_01|https://a.example/?a|b|https://c.example/"); bytes.Equal(got, old) {
		t.Errorf("an ambiguous payload kept the stored form; want the versioned one")
	}
}

// FuzzFingerprint: two lists of three parts with one fingerprint are the
// same list.
func FuzzFingerprint(f *testing.F) {
	f.Add("a|b", "c", "a", "b|c")
	f.Add(`"x`, `y"`, `"x|y"`, "")
	f.Fuzz(func(t *testing.T, a1, a2, b1, b2 string) {
		a, b := []string{"wal", a1, a2}, []string{"wal", b1, b2}
		if (a1 != b1 || a2 != b2) && bytes.Equal(Fingerprint('|', a...), Fingerprint('|', b...)) {
			t.Errorf("Fingerprint(%q) = Fingerprint(%q)", a, b)
		}
	})
}
