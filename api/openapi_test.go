package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgatehq/tollgate/tools"
	"github.com/tollgatehq/tollgate/wire"
)

var update = flag.Bool("update", false, "regenerate api/openapi.json from the route table")

// TestOpenAPIDocument regenerates the OpenAPI document from the route table
// and compares it with the committed (and embedded) api/openapi.json; with
// -update it writes the file instead.
func TestOpenAPIDocument(t *testing.T) {
	s := newServer(nil, nil, Options{})
	got, err := buildOpenAPI(s.routes)
	if err != nil {
		t.Fatalf("buildOpenAPI: %v", err)
	}
	if *update {
		if err := os.WriteFile("openapi.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote api/openapi.json; rebuild to embed it")
		return
	}
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("api/openapi.json is stale; run `go test ./api -run TestOpenAPIDocument -update` and commit it (-committed +generated):\n%s",
			cmp.Diff(string(want), string(got)))
	}
	if !bytes.Equal(openAPIDocument, want) {
		t.Fatalf("the embedded document differs from api/openapi.json; rebuild")
	}
	var doc map[string]any
	if err := json.Unmarshal(want, &doc); err != nil {
		t.Fatalf("api/openapi.json is not JSON: %v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
}

// documentedOperations reads "METHOD /path" of every operation in the
// committed document.
func documentedOperations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// TestOpenAPIRoutes holds the document and the router to each other: every
// pattern registered on the router is documented, and every documented
// operation answers through the real router (no 404 route_not_found, no 405).
func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	documented := documentedOperations(t)
	var registered []string
	for _, rt := range e.server.routes {
		registered = append(registered, rt.pattern)
	}
	slices.Sort(registered)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Fatalf("registered routes (-) and documented operations (+) differ:\n%s", diff)
	}
	samples := strings.NewReplacer("{code}", "USD", "{id}", "does-not-exist", "{wallet}", "default", "{account}", "does-not-exist", "{mode}", "test")
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		var body any
		if method == http.MethodPost {
			body = map[string]any{}
		}
		res := e.do(method, samples.Replace(path), e.key, body)
		if res.status == http.StatusMethodNotAllowed || res.status == http.StatusNotFound && res.errorBody(t).Code == "route_not_found" {
			t.Errorf("%s answered %d %s; a documented operation must be routed", op, res.status, res.body)
		}
	}
	// And the catch-all answers what is not documented, in the envelope.
	if res := e.do("GET", "/v1/nothing-here", e.key, nil); res.status != http.StatusNotFound || res.errorBody(t).Code != "route_not_found" {
		t.Errorf("GET /v1/nothing-here = %d %s, want 404 route_not_found", res.status, res.body)
	}
}

// TestOpenAPISharesToolSchemas checks that where a REST body has the shape
// of an MCP tool's (schemas/), the document uses the very same schema.
func TestOpenAPISharesToolSchemas(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ component, file, property string }{
		{"Customer", "get_customer.output.json", "customer"},
		{"Wallet", "get_wallet.output.json", "wallet"},
		{"Adjustment", "create_adjustment.output.json", "adjustment"},
		{"Quote", "quote_asset.output.json", "quote"},
		{"AssetRate", "add_asset_rate.output.json", "rate"},
		{"Asset", "create_asset.output.json", "asset"},
	} {
		raw, err := os.ReadFile("../schemas/" + c.file)
		if err != nil {
			t.Logf("schemas/%s: %v (skipped)", c.file, err)
			continue
		}
		var tool struct {
			Properties map[string]map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(raw, &tool); err != nil {
			t.Fatal(err)
		}
		want := tool.Properties[c.property]
		if want == nil {
			t.Errorf("schemas/%s has no property %s", c.file, c.property)
			continue
		}
		var got map[string]any
		if err := json.Unmarshal(doc.Components.Schemas[c.component], &got); err != nil {
			t.Fatalf("component %s: %v", c.component, err)
		}
		// The property's own description is the tool's wording for its field.
		delete(want, "description")
		delete(got, "description")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("component %s differs from schemas/%s#/properties/%s (-tool +api):\n%s", c.component, c.file, c.property, diff)
		}
	}
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

// pathParamDocs describes each path parameter name.
var pathParamDocs = map[string]string{
	"code":    "Asset code, such as USD or credits",
	"id":      "The resource: a Tollgate id, or for customers your external_id and for products their code",
	"wallet":  "Wallet id (wal_…) or name; default is the customer's default wallet",
	"account": "The Tollgate account id whose Stripe connection signs the events (`tollgate payments status` prints the whole URL)",
	"mode":    "test or live: the mode of the Stripe connection",
}

// buildOpenAPI writes the OpenAPI 3.1 document of the routes. Component
// schemas come from the wire types through the generator of schemas/, so a
// shape the MCP tools share has the same schema in both.
func buildOpenAPI(routes []route) ([]byte, error) {
	schemas := map[string]any{}
	var problems []string
	schemaRef := func(t reflect.Type, dir tools.Direction) string {
		name := t.Name()
		if name == "" {
			name = "Empty"
		}
		if _, ok := schemas[name]; !ok {
			b, err := tools.GenerateSchema(t, dir)
			if err != nil {
				problems = append(problems, err.Error())
			}
			schemas[name] = json.RawMessage(b)
		}
		return "#/components/schemas/" + name
	}
	listRef := func(t reflect.Type) string {
		item := schemaRef(t, tools.Output)
		name := t.Name() + "List"
		schemas[name] = map[string]any{
			"type":                 "object",
			"description":          "A page of " + t.Name() + " items; pass next_cursor as starting_after for the next page",
			"additionalProperties": false,
			"required":             []string{"object", "data", "has_more", "next_cursor"},
			"properties": map[string]any{
				"object":      map[string]any{"const": "list", "description": "Always list"},
				"data":        map[string]any{"type": "array", "items": map[string]any{"$ref": item}, "description": "The items"},
				"has_more":    map[string]any{"type": "boolean", "description": "true when another page follows"},
				"next_cursor": map[string]any{"type": []string{"string", "null"}, "description": "The cursor of the next page; null on the last page"},
			},
		}
		return "#/components/schemas/" + name
	}
	errorRef := schemaRef(reflect.TypeFor[wire.ErrorEnvelope](), tools.Output)

	errorResponses := map[int][2]string{
		400: {"BadRequest", "The request is malformed: invalid JSON, an unknown field or query parameter, a value of the wrong type, a bad Idempotency-Key"},
		401: {"Unauthorized", "No API key, a malformed Authorization header, or an unknown or revoked key"},
		403: {"Forbidden", "A customer key (tg_cust_…), which works only on the metering gateway; or, for a request that writes, a read-only key (scope read_only): use a key with scope full"},
		402: {"PaymentRequired", "Insufficient funds: the charge exceeds the available balance plus the credit limit"},
		404: {"NotFound", "The resource does not exist in the key's account and mode (code not_found; a path that is no route answers route_not_found)"},
		409: {"Conflict", "An id reused with another payload, a state that forbids the change, or an Idempotency-Key reused for another request or still in progress"},
		413: {"PayloadTooLarge", "The request body exceeds the size limit"},
		422: {"Unprocessable", "The request is well formed but semantically invalid; param names the field"},
		429: {"TooManyRequests", "The key's rate limit is exceeded; retry after Retry-After seconds"},
		500: {"InternalError", "An internal error, logged with the request id; retry later"},
		503: {"Unavailable", "The database or the payment provider cannot serve the request now (restarting, failing over, unreachable); nothing was done: retry with the same id or idempotency key after Retry-After seconds"},
	}
	responses := map[string]any{}
	for status, r := range errorResponses {
		headers := map[string]any{"Request-Id": map[string]any{"$ref": "#/components/headers/RequestId"}}
		if status == 429 || status == 503 {
			headers["Retry-After"] = map[string]any{"$ref": "#/components/headers/RetryAfter"}
		}
		responses[r[0]] = map[string]any{
			"description": r[1],
			"headers":     headers,
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": errorRef}}},
		}
	}

	paths := map[string]map[string]any{}
	tags := []string{}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		d := rt.doc
		if !slices.Contains(tags, d.tag) {
			tags = append(tags, d.tag)
		}
		op := map[string]any{"operationId": d.id, "summary": d.summary, "tags": []string{d.tag}}
		if d.text != "" {
			op["description"] = d.text
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}, "description": pathParamDocs[m[1]]})
		}
		for _, q := range d.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "schema": paramSchema(q.typ), "description": q.desc})
		}
		if method == http.MethodPost && !rt.public {
			params = append(params, map[string]any{"$ref": "#/components/parameters/IdempotencyKey"})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if d.in != nil {
			op["requestBody"] = map[string]any{
				"required": !d.optionalBody,
				"content":  map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": schemaRef(d.in, tools.Input)}}},
			}
		}
		var content map[string]any
		switch {
		case d.html:
			content = map[string]any{"text/html": map[string]any{"schema": map[string]any{"type": "string", "description": "An HTML page"}}}
		case d.out == nil:
			content = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object", "description": "This document"}}}
		case d.list:
			content = map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": listRef(d.out)}}}
		default:
			content = map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": schemaRef(d.out, tools.Output)}}}
		}
		headers := map[string]any{"Request-Id": map[string]any{"$ref": "#/components/headers/RequestId"}}
		if method == http.MethodPost && !rt.public {
			headers["Idempotent-Replayed"] = map[string]any{"$ref": "#/components/headers/IdempotentReplayed"}
		}
		resps := map[string]any{}
		if d.created {
			resps["201"] = map[string]any{"description": "Created", "headers": headers, "content": content}
			ok := "Already existed, or a replay: nothing changed"
			if d.ok != "" {
				ok = d.ok
			}
			resps["200"] = map[string]any{"description": ok, "headers": headers, "content": content}
		} else {
			resps["200"] = map[string]any{"description": "OK", "headers": headers, "content": content}
		}
		errs := slices.Clone(d.errors)
		if rt.public {
			op["security"] = []any{}
		} else {
			// 403 for every route: customer keys are refused everywhere.
			errs = append(errs, 400, 401, 403, 429, 500, 503)
			if method == http.MethodPost {
				errs = append(errs, 409, 413)
			}
		}
		for _, status := range errs {
			r, ok := errorResponses[status]
			if !ok {
				return nil, fmt.Errorf("%s: no response for status %d", rt.pattern, status)
			}
			resps[strconv.Itoa(status)] = map[string]any{"$ref": "#/components/responses/" + r[0]}
		}
		op["responses"] = resps
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	hooks := map[string]any{}
	for _, ev := range webhookEvents {
		hooks[ev.typ] = map[string]any{"post": map[string]any{
			"operationId": "webhook_" + strings.NewReplacer(".", "_").Replace(ev.typ), "summary": ev.summary, "tags": []string{"Webhooks"},
			"description": "Sent to your endpoint, signed to the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature). " +
				"data is the object as the REST API shows it, read when the event was fanned out (within about a second of the change) and the same on every attempt.",
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"type": "object", "additionalProperties": false, "required": []string{"id", "type", "created_at", "livemode", "data"},
				"properties": map[string]any{
					"id":         map[string]any{"type": "string", "description": "The event id, also the webhook-id header: drop duplicates by it"},
					"type":       map[string]any{"const": ev.typ},
					"created_at": map[string]any{"type": "string", "format": "date-time", "description": "When the change happened"},
					"livemode":   map[string]any{"type": "boolean", "description": "true for a live-mode event"},
					"data":       map[string]any{"$ref": schemaRef(ev.data, tools.Output)},
				}}}}},
			"responses": map[string]any{"2XX": map[string]any{"description": "Received; any other status (or none within 15 s) is retried"}},
		}}
	}
	var tagList []any
	for _, tag := range tags {
		tagList = append(tagList, map[string]any{"name": tag})
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Tollgate REST API",
			"version": "1",
			"license": map[string]any{"name": "See the repository's LICENSE"},
			"description": "Real-time billing for AI products: customers, wallets, authorizations (holds) and usage events, " +
				"over one billing core shared with the MCP server.\n\n" +
				"- Authenticate with `Authorization: Bearer <key>` (`tollgate keys create`); the key's account and mode (test or live) scope every read and write.\n" +
				"- JSON in and out, snake_case, amounts as decimal strings, times RFC 3339 in UTC. Unknown fields and query parameters are refused (400).\n" +
				"- Every POST honours an `Idempotency-Key` header: the first response is stored for 24 h and replayed (with `Idempotent-Replayed: true`) for a retry with the same method, path and body; another request with the key is 409.\n" +
				"- Lists are pages: `limit` (1-100, default 20), `starting_after` or `cursor` (the previous page's `next_cursor`); the response is `{object, data, has_more, next_cursor}`.\n" +
				"- Errors are `{\"error\": {type, code, message, param}}`. A declined authorization is not an error: 200 with `approved: false`.\n" +
				"- Every response carries a `Request-Id` (a well-formed incoming `Request-Id` is kept), also written in the server's log line.\n" +
				"- Each key has two rate limits, the hot path (authorize, record, batch, void: default 5000 requests/s, burst 10000) and the rest (default 100 requests/s, burst 200): 429 with `Retry-After` and `RateLimit-*` headers.",
		},
		"servers":  []any{map[string]any{"url": "http://127.0.0.1:8080", "description": "tollgate serve, by default"}},
		"security": []any{map[string]any{"bearerAuth": []any{}}},
		"tags":     tagList,
		"paths":    paths,
		"webhooks": hooks,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer",
				"description": "An API key from `tollgate keys create` (tg_test_… or tg_live_…)"}},
			"schemas":   schemas,
			"responses": responses,
			"parameters": map[string]any{"IdempotencyKey": map[string]any{"name": "Idempotency-Key", "in": "header",
				"description": fmt.Sprintf("Makes the POST safe to retry: 1-%d printable ASCII characters, such as a UUID, unique per request for 24 hours", MaxIdempotencyKeyLen),
				"schema":      map[string]any{"type": "string", "maxLength": MaxIdempotencyKeyLen}}},
			"headers": map[string]any{
				"RequestId": map[string]any{"description": "This request's id, also in the server's log; a well-formed incoming Request-Id (8-128 of A-Z a-z 0-9 . _ : -) is kept",
					"schema": map[string]any{"type": "string"}},
				"IdempotentReplayed": map[string]any{"description": "true when the response is the stored one of an earlier request with the same Idempotency-Key",
					"schema": map[string]any{"type": "string", "enum": []string{"true"}}},
				"RetryAfter": map[string]any{"description": "Seconds to wait before retrying", "schema": map[string]any{"type": "integer"}},
			},
		},
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("schemas:\n%s", strings.Join(problems, "\n"))
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func paramSchema(typ string) map[string]any {
	switch typ {
	case "date-time":
		return map[string]any{"type": "string", "format": "date-time"}
	case "decimal":
		return map[string]any{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]+)?$`}
	case "integer":
		return map[string]any{"type": "integer"}
	case "boolean":
		return map[string]any{"type": "boolean"}
	}
	return map[string]any{"type": "string"}
}
