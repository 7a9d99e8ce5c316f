package wire

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a machine-readable error code carried in JSON error bodies
// ({"error":{"code":"...","message":"..."}}). Codes are on the wire: the
// list is append-only and a code's meaning never changes.
type Code string

// Error codes. StatusOf maps each to its HTTP status.
const (
	CodeInternal         Code = "internal"           // 500: the server failed; retry later
	CodeBadRequest       Code = "bad_request"        // 400: malformed request (bad JSON, missing field)
	CodeUnauthorized     Code = "unauthorized"       // 401: no token, an unknown token or a revoked one
	CodeProtocolVersion  Code = "protocol_version"   // 400: the client speaks a protocol version the server does not know
	CodeTooLarge         Code = "too_large"          // 413: body, frame, decoded payload or record count over the limit
	CodeCorrupt          Code = "corrupt"            // 400: bad magic, truncated frame, checksum mismatch, undecodable payload
	CodeHashMismatch     Code = "hash_mismatch"      // 400: an interview's content hash (or an attachment's sha256) does not verify
	CodeUnknownForm      Code = "unknown_form"       // 422: the batch's dictionary id names a form the server does not have
	CodeNotFound         Code = "not_found"          // 404: no such resource
	CodeOffsetMismatch   Code = "offset_mismatch"    // 409: an attachment chunk does not start where the server's copy ends
	CodeMethodNotAllowed Code = "method_not_allowed" // 405
	CodeUnavailable      Code = "unavailable"        // 503: shutting down or overloaded; retry with backoff
	// CodeDictionary (400): the batch names a zstd dictionary this side does
	// not derive from its form (two Sira versions derive differently); the
	// sender re-encodes the batch without the dictionary.
	CodeDictionary Code = "dictionary_mismatch"
	// CodeRateLimited (429): too many requests or bytes in flight for one
	// token, or too many failed tokens from one address; retry after the
	// Retry-After header.
	CodeRateLimited Code = "rate_limited"
	// CodeInsufficientStorage (507): the server's disk is full; the office
	// must free room. The laptop keeps its interviews and shows the message.
	CodeInsufficientStorage Code = "insufficient_storage"
	// CodeRefused (403): the token may not do this (a relay token outside
	// its scope, an attachment no interview of this token cites).
	CodeRefused Code = "refused"
	// CodeConflict (409): the request contradicts what the server holds
	// (a device id enrolled with another key).
	CodeConflict Code = "conflict"
)

var statuses = map[Code]int{
	CodeInternal:            http.StatusInternalServerError,
	CodeBadRequest:          http.StatusBadRequest,
	CodeUnauthorized:        http.StatusUnauthorized,
	CodeProtocolVersion:     http.StatusBadRequest,
	CodeTooLarge:            http.StatusRequestEntityTooLarge,
	CodeCorrupt:             http.StatusBadRequest,
	CodeHashMismatch:        http.StatusBadRequest,
	CodeUnknownForm:         http.StatusUnprocessableEntity,
	CodeNotFound:            http.StatusNotFound,
	CodeOffsetMismatch:      http.StatusConflict,
	CodeMethodNotAllowed:    http.StatusMethodNotAllowed,
	CodeUnavailable:         http.StatusServiceUnavailable,
	CodeDictionary:          http.StatusBadRequest,
	CodeRateLimited:         http.StatusTooManyRequests,
	CodeInsufficientStorage: http.StatusInsufficientStorage,
	CodeRefused:             http.StatusForbidden,
	CodeConflict:            http.StatusConflict,
}

// StatusOf returns the HTTP status for code; unknown codes are 500.
func StatusOf(code Code) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is an application error with a code and a message meant for people.
// Handlers turn it into the JSON error body; the client turns the body back
// into an *Error, so errors.As works on both ends.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// Offset is set with CodeOffsetMismatch: where the server's copy ends.
	Offset *int64 `json:"offset,omitempty"`
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorBody is the JSON body of every non-2xx response.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// Retryable reports whether a client should retry after an error with this
// HTTP status: 408, 429 and 5xx (plus network errors, which have no status).
// Every other 4xx is final for the request as sent.
func Retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
