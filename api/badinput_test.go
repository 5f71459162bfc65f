package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
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

// TestBadBodyValues: what the strict decoder and billing used to let
// through. A negative zero in event data is a 422 naming it (docs/MONEY.md);
// a lone UTF-16 surrogate in any string is refused instead of being stored
// as U+FFFD; a webhook URL over 2048 bytes, or a description over 200
// characters, is a 422 naming it. Nothing is written.
func TestBadBodyValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	e.server.opts.Webhooks = webhooks.New(e.svc.Pool(), e.svc, webhooks.Options{Render: wire.WebhookData(e.svc)})
	long := "http://127.0.0.1:9/" + strings.Repeat("a", 10_000)
	for _, c := range []struct {
		path, body  string
		status      int
		param, says string
	}{
		{"/v1/events", `{"id": "ev-z", "customer": "user_1", "event_type": "image.generated", "data": {"tokens": -0}}`, 422, "data.tokens", "negative zero"},
		{"/v1/events", `{"id": "ev-z", "customer": "user_1", "event_type": "image.generated", "data": {"n": {"x": -0.0e3}}}`, 422, "data.n.x", "negative zero"},
		{"/v1/events/batch", `{"events": [{"id": "ev-z", "customer": "user_1", "event_type": "image.generated", "data": {"tokens": -0}}]}`, 200, "", ""},
		{"/v1/customers", `{"external_id": "user_2", "name": "Ada \ud800"}`, 400, "name", "surrogate"},
		{"/v1/customers/user_1", `{"name": "\udc00"}`, 400, "name", "surrogate"},
		{"/v1/webhook_endpoints", `{"url": "` + long + `"}`, 422, "url", "2048"},
		{"/v1/webhook_endpoints", `{"url": "http://127.0.0.1:9/h", "description": "` + strings.Repeat("d", 201) + `"}`, 422, "description", "200"},
	} {
		res := e.do("POST", c.path, e.key, c.body)
		if c.status == 200 { // the batch answers each event on its own
			if res.status != 200 || !strings.Contains(string(res.body), "negative zero") {
				t.Errorf("POST %s = %d %s, want the event refused for its negative zero", c.path, res.status, res.body)
			}
			continue
		}
		if res.status != c.status {
			t.Errorf("POST %s %.80s = %d %.300s, want %d", c.path, c.body, res.status, res.body, c.status)
			continue
		}
		b := res.errorBody(t)
		if b.Param != c.param || !strings.Contains(b.Message, c.says) || len(b.Message) > 400 {
			t.Errorf("POST %s %.80s = %+v, want param %s and a short message saying %q", c.path, c.body, b, c.param, c.says)
		}
	}
	update := e.must(t, http.StatusCreated, "POST", "/v1/webhook_endpoints", map[string]any{"url": "http://127.0.0.1:9/h"}, nil)
	var ep wire.WebhookEndpoint
	update.decode(t, &ep)
	e.wantError(t, e.do("POST", "/v1/webhook_endpoints/"+ep.ID, e.key, map[string]any{"url": long}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "url")
	var events, customers, named, endpoints int
	if err := e.svc.Pool().QueryRow(t.Context(), `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM customers),
		(SELECT count(*) FROM customers WHERE name <> ''), (SELECT count(*) FROM webhook_endpoints)`).Scan(&events, &customers, &named, &endpoints); err != nil ||
		events != 0 || customers != 1 || named != 0 || endpoints != 1 {
		t.Errorf("after the refusals: %d events, %d customers (%d named), %d endpoints (%v); want 0, 1 (0), 1", events, customers, named, endpoints, err)
	}
}
