package gateway

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// failure is an answer of the gateway's own (not the upstream's), rendered
// in the provider's error shape so the caller's SDK raises its usual error:
// OpenAI's {"error": {"message", "type", "param", "code"}} and Anthropic's
// {"type": "error", "error": {"type", "message"}}. Declines add their facts
// (decline_reason, authorization_id, required, available, shortfall) to the
// inner object.
type failure struct {
	status  int
	code    string // OpenAI's code; kernel codes or decline reasons
	param   string
	message string
	extra   map[string]any
	// retryAfter is the Retry-After of a 429, in seconds.
	retryAfter int
}

func (f *failure) Error() string { return f.message }

// errorTypes are the error types both providers use per status (Anthropic's
// names; OpenAI's SDK reads the status and the message).
var errorTypes = map[int]string{
	http.StatusBadRequest:            "invalid_request_error",
	http.StatusUnauthorized:          "authentication_error",
	http.StatusPaymentRequired:       "billing_error",
	http.StatusForbidden:             "permission_error",
	http.StatusNotFound:              "not_found_error",
	http.StatusConflict:              "conflict_error",
	http.StatusTooManyRequests:       "rate_limit_error",
	http.StatusRequestEntityTooLarge: "request_too_large",
	http.StatusBadGateway:            "api_error",
	http.StatusServiceUnavailable:    "api_error",
	http.StatusInternalServerError:   "api_error",
}

// render writes f in p's error shape.
func render(w http.ResponseWriter, p Provider, f *failure) {
	typ := errorTypes[f.status]
	if typ == "" {
		typ = "api_error"
	}
	inner := map[string]any{"type": typ, "message": f.message}
	for k, v := range f.extra {
		inner[k] = v
	}
	var body map[string]any
	if p == Anthropic {
		body = map[string]any{"type": "error", "error": inner}
	} else {
		inner["code"], inner["param"] = nilIfEmpty(f.code), nilIfEmpty(f.param)
		body = map[string]any{"error": inner}
	}
	w.Header().Set("Content-Type", "application/json")
	if f.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if f.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, f.retryAfter)))
	}
	w.WriteHeader(f.status)
	json.NewEncoder(w).Encode(body)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// failureOf translates an error into the gateway's answer, once: domain
// errors by their code, with their safe message; anything else is internal,
// logged here and never shown.
func failureOf(err error, log *slog.Logger, what string) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	var bad *errBadRequest
	if errors.As(err, &bad) {
		return &failure{status: http.StatusBadRequest, code: "invalid_request", param: bad.param, message: bad.message}
	}
	code := kernel.ErrorCode(err)
	f = &failure{code: code, param: kernel.ErrorField(err), message: kernel.ErrorMessage(err)}
	switch code {
	case kernel.EInvalid:
		f.status = http.StatusBadRequest
	case kernel.ENotFound:
		f.status = http.StatusNotFound
	case kernel.EUnauthorized:
		f.status = http.StatusUnauthorized
	case kernel.EConflict:
		f.status = http.StatusConflict
	case kernel.EUnavailable, kernel.EOutcomeUnknown:
		f.status = http.StatusServiceUnavailable
	default:
		log.Error("gateway "+what, "err", err)
		f.status, f.code, f.message = http.StatusInternalServerError, kernel.EInternal, "internal error in the Tollgate gateway; nothing was charged"
	}
	return f
}

// declined is the 402 of a hold the wallet cannot cover: the upstream is
// never called.
func declined(a billing.Authorization) *failure {
	amount := func(d rating.Decimal) string { return rating.FormatAmount(d, a.Precision) }
	return &failure{
		status: http.StatusPaymentRequired, code: a.DeclineReason,
		message: "Tollgate declined this call (" + a.DeclineReason + "): it needs " + amount(a.Amount) + " " + a.Asset +
			" and the customer's wallet has " + amount(a.Available) + " available; top up the wallet and retry",
		extra: map[string]any{
			"decline_reason": a.DeclineReason, "authorization_id": a.ID, "asset": a.Asset,
			"required": amount(a.Amount), "available": amount(a.Available), "shortfall": amount(a.Shortfall),
		},
	}
}
