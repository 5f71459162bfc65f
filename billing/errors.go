package billing

import "github.com/tollgatehq/tollgate/kernel"

// The domain error type and its codes live in kernel, which every domain
// package shares; these aliases keep billing.Error and its helpers where
// the surfaces already look for them.

// Error codes (see kernel).
const (
	EInvalid           = kernel.EInvalid
	ENotFound          = kernel.ENotFound
	EConflict          = kernel.EConflict
	EInsufficientFunds = kernel.EInsufficientFunds
	EUnauthorized      = kernel.EUnauthorized
	EUnavailable       = kernel.EUnavailable
	EInternal          = kernel.EInternal
)

// Error is a domain error whose Message is safe to show to any caller (see
// kernel.Error).
type Error = kernel.Error

// ErrorCode returns the code of err, EInternal for errors that are not *Error.
func ErrorCode(err error) string { return kernel.ErrorCode(err) }

// ErrorMessage returns the safe message of err; internal errors get a generic text.
func ErrorMessage(err error) string { return kernel.ErrorMessage(err) }

// ErrorField returns the input field an error names, if any.
func ErrorField(err error) string { return kernel.ErrorField(err) }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return kernel.Errorf(code, format, args...)
}

// Invalidf returns an EInvalid error naming the field at fault.
func Invalidf(field, format string, args ...any) *Error {
	return kernel.Invalidf(field, format, args...)
}

// NotFoundf returns an ENotFound error naming the field that referred to it.
func NotFoundf(field, format string, args ...any) *Error {
	return kernel.NotFoundf(field, format, args...)
}
