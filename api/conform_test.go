package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// documentValidator parses the committed (embedded) OpenAPI document once for
// the whole test binary; the validator is safe for concurrent use.
var documentValidator = sync.OnceValues(func() (validator.Validator, error) {
	doc, err := libopenapi.NewDocument(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("parse api/openapi.json: %w", err)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("build a validator for api/openapi.json: %v", errs)
	}
	return v, nil
})

// TestOpenAPIDocumentIsValid checks api/openapi.json against the OpenAPI 3.1
// specification's own schema, as an OpenAPI tool reading it would.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	v, err := documentValidator()
	if err != nil {
		t.Fatal(err)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("api/openapi.json is not a valid OpenAPI 3.1 document:\n%s", describe(errs))
	}
}

// serve sends req through h, as the API's clients would, and checks the
// response against the OpenAPI document: its status is one the operation
// declares, and its body matches that status's schema. It is the REST twin of
// the MCP tests' check of every tool result against its output schema, and
// every handler test's request goes through it (env.do).
func serve(t testing.TB, h http.Handler, req *http.Request) response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
	if err := conforms(req, w.Result()); err != nil {
		t.Errorf("%s %s answered %d %s\nwhich the OpenAPI document does not allow:\n%v", req.Method, req.URL, res.status, res.body, err)
	}
	return res
}

// conforms reports how res departs from the document's description of req's
// operation. The router's answers to what the document does not describe (an
// unknown path, a method a path lacks) have no operation to check against.
func conforms(req *http.Request, res *http.Response) error {
	v, err := documentValidator()
	if err != nil {
		return err
	}
	ok, errs := v.ValidateHttpResponse(req, res)
	if ok {
		return nil
	}
	if len(errs) == 1 && errs[0].ValidationType == helpers.PathValidation &&
		(errs[0].ValidationSubType == helpers.ValidationMissing || errs[0].ValidationSubType == helpers.ValidationMissingOperation) &&
		(res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed) {
		return nil
	}
	return fmt.Errorf("%s", describe(errs))
}

func describe(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "- %s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    at %s: %s", f.FieldPath, f.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestConformsRejects keeps serve's check from passing vacuously: a body of
// the wrong shape and a status the operation does not declare are refused.
func TestConformsRejects(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"WrongShape", http.StatusOK, `{"id": 42, "object": "customer"}`},
		{"UndeclaredStatus", http.StatusTeapot, `{}`},
		{"NotAnEnvelope", http.StatusNotFound, `{"message": "no"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/v1/customers/user_1", nil)
			res := &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(c.body)), Request: req}
			if err := conforms(req, res); err == nil {
				t.Errorf("conforms(%d %s) = nil, want a mismatch", c.status, c.body)
			}
		})
	}
	req := httptest.NewRequest("GET", "/v1/nothing-here", nil)
	res := &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"error": {"type": "invalid_request_error", "code": "route_not_found", "message": "x"}}`)), Request: req}
	if err := conforms(req, res); err != nil {
		t.Errorf("conforms(the router's 404 for an undocumented path) = %v, want nil", err)
	}
}
