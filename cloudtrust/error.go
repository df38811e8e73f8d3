// Package cloudtrust holds the vocabulary shared by every CloudTrust package:
// the error type and its codes, the caller identity and the clock.
package cloudtrust

import (
	"errors"
	"fmt"
)

// Error codes. Storage translates driver errors into these; httpapi/error.go
// maps each code to exactly one HTTP status.
const (
	ECONFLICT       = "conflict"
	EINTERNAL       = "internal"
	EINVALID        = "invalid"
	ENOTFOUND       = "not_found"
	EUNAUTHORIZED   = "unauthorized"
	EFORBIDDEN      = "forbidden"
	ETOOLARGE       = "too_large"
	ENOTIMPLEMENTED = "not_implemented"
	EUNAVAILABLE    = "unavailable"
)

// Error is an application error: a code for machines and a message for people.
// The message is shown to API clients, so it must never contain secrets.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("cloudtrust error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, and a
// generic message for any other error so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
