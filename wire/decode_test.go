package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/kernel"
)

type decodeItem struct {
	UnitAmount *Decimal `json:"unit_amount,omitempty"`
	Asset      string   `json:"asset"`
}

type decodeReq struct {
	Items    []decodeItem      `json:"items"`
	Data     map[string]any    `json:"data,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Limit    int               `json:"limit,omitempty"`
	At       *TimeArg          `json:"at,omitempty"`
}

func decodeText(t *testing.T, text string, required bool) (decodeReq, error) {
	t.Helper()
	v, err := ParseJSON([]byte(text))
	if err != nil {
		t.Fatalf("ParseJSON(%s) = %v", text, err)
	}
	var out decodeReq
	return out, Decode(v, &out, required)
}

func TestDecode(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		got, err := decodeText(t, `{"items": [{"asset": "USD", "unit_amount": 0.100000000000000001}], "data": {"n": 12345678901234567890.5}, "at": "2026-11-01T12:00:00+02:00"}`, true)
		if err != nil {
			t.Fatalf("Decode = %v", err)
		}
		if s := got.Items[0].UnitAmount.String(); s != "0.100000000000000001" {
			t.Errorf("unit_amount = %s, want it exact", s)
		}
		if n := got.Data["n"]; n != json.Number("12345678901234567890.5") {
			t.Errorf("data.n = %#v, want the json.Number as sent", n)
		}
		if got.At.Hour() != 10 {
			t.Errorf("at = %v, want 10:00 UTC", got.At)
		}
	})
	for _, tc := range []struct {
		name, text string
		required   bool
		kind       DecodeErrorKind
		path, msg  string
	}{
		{"ErrUnknownField", `{"items": [{"asset": "USD", "unit_amout": "1"}]}`, false, UnknownField, "items[0].unit_amout",
			`items[0] has no field "unit_amout" (did you mean "unit_amount"?); its fields are unit_amount, asset`},
		{"ErrMissingField", `{"items": [{}]}`, true, MissingField, "items[0].asset", "items[0].asset is required"},
		{"NotRequired", `{"items": [{}]}`, false, 0, "", ""},
		{"ErrWrongType", `{"items": [], "limit": "ten"}`, false, WrongType, "limit", "limit must be a whole number, not a JSON string"},
		{"ErrMapValue", `{"items": [], "metadata": {"seats": 3}}`, false, WrongType, "metadata.seats", "every value of metadata must be a string, not a JSON number"},
		{"ErrTime", `{"items": [], "at": "tomorrow"}`, false, BadValue, "at", `at must be an RFC 3339 date-time`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeText(t, tc.text, tc.required)
			if tc.kind == 0 {
				if err != nil {
					t.Fatalf("Decode(%s) = %v, want nil", tc.text, err)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%s) = %v, want a *DecodeError", tc.text, err)
			}
			if de.Kind != tc.kind || de.Path != tc.path || len(de.Error()) < len(tc.msg) || de.Error()[:len(tc.msg)] != tc.msg {
				t.Errorf("Decode(%s) = kind %d path %q %q, want kind %d path %q %q", tc.text, de.Kind, de.Path, de.Error(), tc.kind, tc.path, tc.msg)
			}
		})
	}
	t.Run("ErrOutOfBounds", func(t *testing.T) {
		_, err := decodeText(t, `{"items": [{"asset": "USD", "unit_amount": "1234567890123456789"}]}`, false)
		var de *DecodeError
		if !errors.As(err, &de) || de.Kind != BadValue || kernel.ErrorCode(de.Err) != kernel.EInvalid {
			t.Fatalf("Decode = %v, want a BadValue wrapping a billing invalid error", err)
		}
	})
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	if _, err := ParseJSON([]byte(`{} {}`)); !errors.Is(err, ErrTrailing) {
		t.Errorf("ParseJSON({} {}) = %v, want ErrTrailing", err)
	}
	if _, err := ParseJSON([]byte(`{"a":`)); err == nil || errors.Is(err, ErrTrailing) {
		t.Errorf("ParseJSON({\"a\":) = %v, want a syntax error", err)
	}
}

// TestParseJSONLoneSurrogate: a \u escape of half a UTF-16 pair names no
// character; encoding/json would store it as U+FFFD, so it is refused,
// naming the value. A pair, and an escaped backslash before a u, are fine.
func TestParseJSONLoneSurrogate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, path string }{
		{`{"name": "\ud800"}`, "name"},
		{`{"name": "ok \uDC00 no"}`, "name"},
		{`{"a": {"b": ["x", "\ud83d"]}}`, "a.b[1]"},
		{`{"a": "\ud83d\u0041"}`, "a"},
		{`{"k\udfff": 1}`, "k\ufffd"},
		{`["\ud800"]`, "[0]"},
	} {
		_, err := ParseJSON([]byte(c.in))
		var le *LimitError
		if !errors.As(err, &le) || le.Path != c.path || !strings.Contains(le.Error(), "surrogate") {
			t.Errorf("ParseJSON(%s) = %v, want a LimitError at %q about a lone surrogate", c.in, err, c.path)
		}
	}
	for _, in := range []string{`{"name": "\ud83d\ude00"}`, `{"name": "\\ud800"}`, `{"name": "é \u00e9"}`, `{"n": 1}`} {
		if _, err := ParseJSON([]byte(in)); err != nil {
			t.Errorf("ParseJSON(%s) = %v, want it accepted", in, err)
		}
	}
}

// FuzzParseJSON: ParseJSON never panics, and refuses a text for a lone
// surrogate only when encoding/json, reading it, changed a \u escape into
// U+FFFD.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a": "\ud800"}`, `["\ud83d\ude00", {"k\udc00": 1}]`, `"\\u"`, `{"a": [1, -0, true, null, "\u0041"]}`, `  {"x" : "\ud83d\u0041" } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ParseJSON(b)
		var le *LimitError
		if errors.As(err, &le) && strings.Contains(le.Problem, "surrogate") && !bytes.Contains(b, []byte(`\u`)) {
			t.Errorf("ParseJSON(%q) refused a lone surrogate in a text without a \\u escape", b)
		}
	})
}
