// Package kernel holds what every Tollgate package shares: the one error
// type with its codes, ids, and the fingerprints of idempotent requests. It
// imports nothing of Tollgate and no database, transport or CLI package.
package kernel

import (
	"errors"
	"fmt"
)

// Error codes. Every surface maps them to its own form (HTTP status, MCP tool
// error) in one place.
const (
	EInvalid           = "invalid"            // the input is wrong; the message says how to fix it
	ENotFound          = "not_found"          // the named thing does not exist in this account and mode
	EConflict          = "conflict"           // an idempotency id reused with another payload, or a duplicate
	EInsufficientFunds = "insufficient_funds" // the wallet cannot pay
	EUnauthorized      = "unauthorized"       // no or a bad API key
	EUnavailable       = "unavailable"        // shutting down or overloaded; nothing was done, retry the same request
	EOutcomeUnknown    = "outcome_unknown"    // the database went away while committing: it may or may not be written; retry with the same id
	EInternal          = "internal"           // a bug or an outage; the message is generic
)

// Error is a domain error whose Message is safe to show to any caller.
type Error struct {
	Code    string
	Message string
	// Field names the input at fault, when there is one ("amount", "customer").
	Field string
	// Action names the operation that fixes it ("create_asset"), when there
	// is one. The domain states the facts; each surface words the fix in its
	// own terms (tools name the tool, the REST API the endpoint).
	Action string
}

func (e *Error) Error() string {
	if e.Action != "" {
		return e.Message + " (fix: " + e.Action + ")"
	}
	return e.Message
}

// With returns e with the operation that fixes it (see Action).
func (e *Error) With(action string) *Error {
	e.Action = action
	return e
}

// ErrorAction returns the operation that fixes err, if it names one.
func ErrorAction(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Action
	}
	return ""
}

// ErrorCode returns the code of err, EInternal for errors that are not *Error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the safe message of err; internal errors get a generic text.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error; it has been logged, try again later"
}

// ErrorField returns the input field an error names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns an EInvalid error naming the field at fault.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns an ENotFound error naming the field that referred to it.
func NotFoundf(field, format string, args ...any) *Error {
	return &Error{Code: ENotFound, Field: field, Message: fmt.Sprintf(format, args...)}
}
