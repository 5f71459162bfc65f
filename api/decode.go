package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// decodeBody reads the request body strictly into dst (a pointer to a
// struct): one JSON object, no unknown field (at any depth, named by its
// path, such as "prices[0].unit_amout"), every value of the right type.
// Numbers inside free-form objects (event data) stay json.Number, exact.
// An empty body decodes as {} when optional is true.
func decodeBody(r *http.Request, dst any, optional bool) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyReadError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return badRequest("invalid_body", "", "the request body is empty; send a JSON object (Content-Type: application/json)")
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return badRequest("malformed_json", "", "the request body is not valid JSON: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("malformed_json", "", "the request body must hold one JSON object and nothing after it")
	}
	if _, ok := raw.(map[string]any); !ok {
		return badRequest("invalid_body", "", "the request body must be a JSON object")
	}
	if e := check(reflect.TypeOf(dst).Elem(), raw, ""); e != nil {
		return e
	}
	dec = json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		// check has already caught what it can name; this is a backstop.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badRequest("invalid_field", te.Field, fmt.Sprintf("%s must be a %s", te.Field, te.Type))
		}
		return badRequest("invalid_body", "", "the request body does not match this endpoint: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// bodyReadError maps a failed body read: too large (413) or cut short (400).
func bodyReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &apiError{status: http.StatusRequestEntityTooLarge, typ: typeInvalidRequest, code: "body_too_large",
			message: fmt.Sprintf("the request body exceeds %d bytes; send less (a batch holds at most %d events)", tooBig.Limit, billing.MaxBatch)}
	}
	return badRequest("invalid_body", "", "the request body could not be read")
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

// check walks a decoded JSON value along the Go type it will decode into and
// returns a 400 naming the first unknown field or wrongly typed value.
// Object keys are visited in sorted order, so the error is deterministic.
func check(t reflect.Type, v any, path string) *apiError {
	if v == nil {
		return nil // null leaves the zero value
	}
	if t == timeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		b, _ := json.Marshal(v) // re-encodes json.Number exactly
		if err := json.Unmarshal(b, reflect.New(t).Interface()); err != nil {
			if t == timeType {
				return badRequest("invalid_field", path, fmt.Sprintf("%s must be an RFC 3339 date-time such as \"2026-11-01T12:00:00Z\"; got %s", path, b))
			}
			var be *billing.Error
			if errors.As(err, &be) { // a value out of billing's bounds: 422, nothing written
				return &apiError{status: http.StatusUnprocessableEntity, typ: typeInvalidRequest, code: billing.EInvalid, param: path,
					message: fmt.Sprintf("%s: %s", path, be.Message)}
			}
			return badRequest("invalid_field", path, fmt.Sprintf("%s %v", path, err))
		}
		return nil
	}
	wrong := func(what string) *apiError {
		b, _ := json.Marshal(v)
		return badRequest("invalid_field", path, fmt.Sprintf("%s must be %s; got %s", path, what, b))
	}
	switch t.Kind() {
	case reflect.Pointer:
		return check(t.Elem(), v, path)
	case reflect.Interface:
		return nil
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(m) {
			ft, ok := fields[k]
			if !ok {
				return badRequest("unknown_field", join(path, k), fmt.Sprintf("unknown field %q%s; known fields: %s", join(path, k), where(path), strings.Join(sortedKeys(fields), ", ")))
			}
			if e := check(ft, m[k], join(path, k)); e != nil {
				return e
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return wrong("an object")
		}
		for _, k := range sortedKeys(m) {
			if e := check(t.Elem(), m[k], join(path, k)); e != nil {
				return e
			}
		}
	case reflect.Slice, reflect.Array:
		a, ok := v.([]any)
		if !ok {
			return wrong("an array")
		}
		for i, x := range a {
			if e := check(t.Elem(), x, fmt.Sprintf("%s[%d]", path, i)); e != nil {
				return e
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return wrong("a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return wrong("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return wrong("an integer")
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return wrong("an integer")
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return wrong("a number")
		}
	}
	return nil
}

func where(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonFields maps a struct's JSON names to field types, embedded structs
// flattened the way encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// query reads query parameters, refusing any not in allowed so a misspelt
// filter fails loudly instead of returning everything.
type query struct {
	r   *http.Request
	err error
}

func newQuery(r *http.Request, allowed ...string) *query {
	q := &query{r: r}
	for _, k := range sortedKeys(r.URL.Query()) {
		if !slices.Contains(allowed, k) {
			q.err = badRequest("unknown_parameter", k, fmt.Sprintf("unknown query parameter %q; this endpoint takes: %s", k, strings.Join(allowed, ", ")))
			break
		}
	}
	return q
}

func (q *query) str(name string) string {
	vals := q.r.URL.Query()[name]
	if len(vals) > 1 && q.err == nil {
		q.err = badRequest("invalid_parameter", name, fmt.Sprintf("query parameter %s is given %d times; give it once", name, len(vals)))
	}
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

func (q *query) int(name string) int {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil && q.err == nil {
		q.err = badRequest("invalid_parameter", name, fmt.Sprintf("query parameter %s must be an integer; got %q", name, s))
	}
	return n
}

func (q *query) bool(name string) bool {
	s := q.str(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil && q.err == nil {
		q.err = badRequest("invalid_parameter", name, fmt.Sprintf("query parameter %s must be true or false; got %q", name, s))
	}
	return b
}

func (q *query) time(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil && q.err == nil {
		q.err = badRequest("invalid_parameter", name, fmt.Sprintf("query parameter %s must be an RFC 3339 date-time such as 2026-11-01T00:00:00Z (URL-encode a + offset as %%2B); got %q", name, s))
	}
	return t
}

func (q *query) decimal(name string) *billing.Decimal {
	s := q.str(name)
	if s == "" {
		return nil
	}
	var d wire.Decimal
	if err := d.UnmarshalJSON([]byte(strconv.Quote(s))); err != nil {
		if q.err == nil {
			q.err = badRequest("invalid_parameter", name, fmt.Sprintf("query parameter %s must be a decimal number such as 12.50; got %q", name, s))
		}
		return nil
	}
	return &d.Decimal
}

// cursor reads the page cursor, given as starting_after (Stripe's name) or
// cursor: both take the next_cursor of the previous page.
func (q *query) cursor() string {
	a, c := q.str("starting_after"), q.str("cursor")
	if a != "" && c != "" && a != c && q.err == nil {
		q.err = badRequest("invalid_parameter", "cursor", "give starting_after or cursor, not both: they are the same thing")
	}
	if a != "" {
		return a
	}
	return c
}

// pageParams are the query parameters of every paginated list.
var pageParams = []string{"limit", "starting_after", "cursor"}

func withPage(names ...string) []string { return append(names, pageParams...) }
