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
	"unicode/utf8"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// requestBody is a POST body, read and parsed once: the Idempotency-Key's
// request hash and the handler's decoder both use the one parse.
type requestBody struct {
	raw   []byte
	value any   // as wire.ParseJSON returns it
	err   error // wire.ParseJSON's error
}

func parseBody(raw []byte) *requestBody {
	v, err := wire.ParseJSON(raw)
	return &requestBody{raw: raw, value: v, err: err}
}

// body returns the request's parsed body: the one endpoint read, or, for a
// handler called another way, the body read now.
func body(r *http.Request) (*requestBody, error) {
	if b := infoFrom(r.Context()).body; b != nil {
		return b, nil
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyReadError(err)
	}
	return parseBody(raw), nil
}

// decodeBody decodes the request body strictly into dst (a pointer to a
// struct) with wire.Decode: one JSON object, no unknown field (at any depth,
// named by its path, such as "prices[0].unit_amout"), every value of the
// right type (400); a decimal out of billing's bounds is 422. Numbers inside
// free-form objects (event data) stay json.Number, exact. An empty body
// decodes as {} when optional is true.
func decodeBody(r *http.Request, dst any, optional bool) error {
	b, err := body(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b.raw)) == 0 {
		if optional {
			return nil
		}
		return badRequest("invalid_body", "", "the request body is empty; send a JSON object (Content-Type: application/json)")
	}
	var limit *wire.LimitError
	switch {
	case errors.As(b.err, &limit):
		return badRequest("invalid_body", limit.Path, limit.Error())
	case errors.Is(b.err, wire.ErrTrailing):
		return badRequest("malformed_json", "", "the request body must hold one JSON object and nothing after it")
	case b.err != nil:
		return badRequest("malformed_json", "", "the request body is not valid JSON: "+strings.TrimPrefix(b.err.Error(), "json: "))
	}
	if _, ok := b.value.(map[string]any); !ok {
		return badRequest("invalid_body", "", "the request body must be a JSON object")
	}
	return decodeError(wire.Decode(b.value, dst, false))
}

// decodeError maps the decoder's error: 400 naming the field, or 422 for a
// value out of billing's bounds (nothing is written either way).
func decodeError(err error) error {
	var de *wire.DecodeError
	if !errors.As(err, &de) {
		return err
	}
	switch de.Kind {
	case wire.UnknownField:
		hint := ""
		if de.Suggest != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", de.Suggest)
		}
		return badRequest("unknown_field", de.Path, fmt.Sprintf("unknown field %q%s%s; known fields: %s", de.Path, where(de.Object), hint, strings.Join(de.Known, ", ")))
	case wire.BadValue:
		if t := de.Type; t == reflect.TypeFor[time.Time]() || t == reflect.TypeFor[wire.TimeArg]() {
			b, _ := json.Marshal(de.Value)
			return badRequest("invalid_field", de.Path, fmt.Sprintf("%s must be an RFC 3339 date-time such as \"2026-11-01T12:00:00Z\"; got %s", de.Path, b))
		}
		var be *kernel.Error
		if errors.As(de.Err, &be) {
			return &apiError{status: http.StatusUnprocessableEntity, typ: typeInvalidRequest, code: kernel.EInvalid, param: de.Path, message: de.Error()}
		}
	}
	return badRequest("invalid_field", de.Path, de.Error())
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

func where(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
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

func (q *query) decimal(name string) *rating.Decimal {
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

// pathParams names the path parameters of a ServeMux pattern
// ("GET /v1/customers/{id}/wallets/{wallet}": id, wallet).
func pathParams(pattern string) []string {
	var names []string
	for rest := pattern; ; {
		_, after, ok := strings.Cut(rest, "{")
		if !ok {
			return names
		}
		name, tail, _ := strings.Cut(after, "}")
		names = append(names, strings.TrimSuffix(name, "..."))
		rest = tail
	}
}

// checkParams refuses, before any handler runs, a path or query value (or a
// query parameter's name) holding a NUL character or bytes that are not
// UTF-8: no id, code, name or filter can hold them, and PostgreSQL refuses
// them as text, so they are a 400 naming the parameter here, once, for every
// route, rather than a database error in each.
func checkParams(r *http.Request, params []string) error {
	for _, name := range params {
		if problem := textProblem(r.PathValue(name)); problem != "" {
			return badRequest("invalid_parameter", name, fmt.Sprintf("path parameter %s %s", name, problem))
		}
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	q := r.URL.Query()
	for _, name := range sortedKeys(q) {
		if problem := textProblem(name); problem != "" {
			return badRequest("invalid_parameter", name, fmt.Sprintf("the query parameter name %q %s", name, problem))
		}
		for _, v := range q[name] {
			if problem := textProblem(v); problem != "" {
				return badRequest("invalid_parameter", name, fmt.Sprintf("query parameter %s %s", name, problem))
			}
		}
	}
	return nil
}

// textProblem says what makes s unusable as a parameter, or is "".
func textProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL character (%00), which no id, code or filter holds; remove it"
	case !utf8.ValidString(s):
		return "is not valid UTF-8; percent-encode the UTF-8 bytes of each character (é is %C3%A9)"
	}
	return ""
}
