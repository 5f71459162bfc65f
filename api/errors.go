package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// Error types: the "type" of the envelope, one per family a client handles
// differently.
const (
	typeInvalidRequest    = "invalid_request_error"    // 400, 404, 405, 413, 422: fix the request
	typeAuthentication    = "authentication_error"     // 401: fix the key
	typePermission        = "permission_error"         // 403: the key may not do this
	typeInsufficientFunds = "insufficient_funds_error" // 402: top up, then retry
	typeConflict          = "conflict_error"           // 409: the state changed or the id is taken
	typeIdempotency       = "idempotency_error"        // 409: the Idempotency-Key was reused or is in flight
	typeRateLimit         = "rate_limit_error"         // 429: wait Retry-After seconds
	typeAPI               = "api_error"                // 500: ours; logged, retry later; 503: retry with the same id
)

// codeReadOnlyKey is the code of the 403 a read_only key gets for a write.
const codeReadOnlyKey = "read_only_key"

// apiError is an error of the HTTP layer itself (a malformed body, a bad
// query parameter, the rate limit): the request never reached billing.
type apiError struct {
	status  int
	typ     string
	code    string
	message string
	param   string
}

func (e *apiError) Error() string { return e.message }

// badRequest is a 400 naming the parameter at fault.
func badRequest(code, param, message string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typeInvalidRequest, code: code, param: param, message: message}
}

func internalError() *apiError {
	return &apiError{status: http.StatusInternalServerError, typ: typeAPI, code: kernel.EInternal, message: kernel.ErrorMessage(errors.New(""))}
}

// classify maps any error to its status and envelope. Billing's codes map
// one to one; anything that is not a *kernel.Error or an *apiError is
// internal, with billing's generic message.
func classify(err error) (int, wire.ErrorBody) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, wire.ErrorBody{Type: ae.typ, Code: ae.code, Message: ae.message, Param: ae.param}
	}
	code := kernel.ErrorCode(err)
	body := wire.ErrorBody{Code: code, Message: message(err), Param: kernel.ErrorField(err)}
	var status int
	switch code {
	case kernel.EInvalid:
		status, body.Type = http.StatusUnprocessableEntity, typeInvalidRequest
	case kernel.ENotFound:
		status, body.Type = http.StatusNotFound, typeInvalidRequest
	case kernel.EConflict:
		status, body.Type = http.StatusConflict, typeConflict
	case kernel.EInsufficientFunds:
		status, body.Type = http.StatusPaymentRequired, typeInsufficientFunds
	case kernel.EUnauthorized:
		status, body.Type = http.StatusUnauthorized, typeAuthentication
	case kernel.EUnavailable, kernel.EOutcomeUnknown:
		status, body.Type = http.StatusServiceUnavailable, typeAPI
	default:
		status, body.Type, body.Code, body.Param = http.StatusInternalServerError, typeAPI, kernel.EInternal, ""
	}
	return status, body
}

// fail is the one place a handler's error becomes a response. Internal
// errors are logged here, once, with the request id; their text never leaves
// the server.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	info := infoFrom(r.Context())
	var ae *apiError
	if errors.As(err, &ae) {
		info.noStore = true
	}
	status, _ := classify(err)
	switch {
	case status == http.StatusServiceUnavailable:
		// Nothing was done, or whether it was is unknown (outcome_unknown):
		// either way a retry with the same key must run, to do it or to find it.
		info.noStore = true
		info.log.Warn("api unavailable", "method", r.Method, "route", info.route, "err", err)
	case status >= http.StatusInternalServerError:
		info.log.Error("api internal error", "method", r.Method, "route", info.route, "err", err)
	}
	s.render(w, r, err)
}

// render writes err's envelope.
func (s *server) render(w http.ResponseWriter, _ *http.Request, err error) {
	status, body := classify(err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate"`)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	b, _ := json.Marshal(wire.ErrorEnvelope{Error: body}) // a struct of strings always encodes
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeJSON writes a success response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n')) // a write error means the client is gone; nothing more can be sent
	return nil
}

// created is 201 for a new resource, 200 for one that existed or a replay.
func created(isNew bool) int {
	if isNew {
		return http.StatusCreated
	}
	return http.StatusOK
}
