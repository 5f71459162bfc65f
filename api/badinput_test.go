package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// badValues are path and query values no id, code, name or filter can hold:
// a NUL character and bytes that are not UTF-8 (an unfinished two-byte
// sequence, a lone continuation byte).
var badValues = []string{"b%00c", "%c3%28", "%ff"}

// TestBadPathAndQueryValues sweeps every route of the table with a NUL or
// invalid UTF-8 in each of its path parameters and documented query
// parameters: each answers 400 invalid_parameter naming the parameter, and
// nothing is logged at ERROR (such a value used to reach PostgreSQL, which
// refused it, and came back as a 500).
func TestBadPathAndQueryValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	e.must(t, http.StatusCreated, "POST", "/v1/events", map[string]any{"id": "ev-1", "customer": "user_1", "event_type": "image.generated"}, nil)

	check := func(t *testing.T, method, path, param string) {
		t.Helper()
		var body any
		if method == http.MethodPost {
			body = "{}"
		}
		res := e.do(method, path, e.key, body)
		if res.status != http.StatusBadRequest {
			t.Errorf("%s %s = %d %s, want 400", method, path, res.status, res.body)
			return
		}
		b := res.errorBody(t)
		if b.Code != "invalid_parameter" || b.Param != param || !strings.Contains(b.Message, strconv.Quote(param)) && !strings.Contains(b.Message, param) {
			t.Errorf("%s %s = %+v, want invalid_parameter naming %s", method, path, b, param)
		}
	}
	routes := 0
	for _, rt := range e.server.routes {
		method, pattern, _ := strings.Cut(rt.pattern, " ")
		params := pathParam.FindAllStringSubmatch(pattern, -1)
		// Every parameter takes a well-formed value but the one under test.
		with := func(name, value string) string {
			return pathParam.ReplaceAllStringFunc(pattern, func(m string) string {
				if m == "{"+name+"}" {
					return value
				}
				if m == "{mode}" {
					return "test"
				}
				return "x"
			})
		}
		for _, p := range params {
			for _, v := range badValues {
				check(t, method, with(p[1], v), p[1])
			}
		}
		for _, q := range rt.doc.query {
			for _, v := range badValues {
				check(t, method, with("", "")+"?"+q.name+"="+v, q.name)
			}
		}
		if len(params) > 0 || len(rt.doc.query) > 0 {
			routes++
		}
	}
	if routes < 20 {
		t.Errorf("the sweep covered %d routes with parameters; the table has more", routes)
	}
	// A query parameter's name is checked too: it is named in the error.
	check(t, "GET", "/v1/customers?em%00ail=x", "em\x00ail")
	if strings.Contains(e.logs.String(), `"level":"ERROR"`) {
		t.Errorf("bad parameters logged an ERROR:\n%s", e.logs.String())
	}
	// Nothing was written: the one event and the one customer are all there is.
	var events, customers int
	if err := e.svc.Pool().QueryRow(t.Context(), `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM customers)`).Scan(&events, &customers); err != nil || events != 1 || customers != 1 {
		t.Errorf("after the sweep: %d events, %d customers (%v), want 1 and 1", events, customers, err)
	}
}
