package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

// eUnsupportedMediaType is local to the HTTP layer: a request body whose
// Content-Type is not application/json.
const eUnsupportedMediaType = "unsupported_media_type"

// errorStatus is THE table mapping error codes to HTTP status codes.
// Anything not listed (including errors that are not *cloudtrust.Error) is a
// 500 whose detail is logged and never shown to the client.
var errorStatus = map[string]int{
	cloudtrust.EINVALID:        http.StatusBadRequest,
	cloudtrust.EUNAUTHORIZED:   http.StatusUnauthorized,
	cloudtrust.EFORBIDDEN:      http.StatusForbidden,
	cloudtrust.ENOTFOUND:       http.StatusNotFound,
	cloudtrust.ECONFLICT:       http.StatusConflict,
	cloudtrust.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	eUnsupportedMediaType:      http.StatusUnsupportedMediaType,
	cloudtrust.ENOTIMPLEMENTED: http.StatusNotImplemented,
	cloudtrust.EUNAVAILABLE:    http.StatusServiceUnavailable,
	cloudtrust.EINTERNAL:       http.StatusInternalServerError,
}

// wwwAuthenticate is the challenge of CTP §6.3: its scope field tells CTP
// clients that the recommended OAuth2 bearer mechanism is in use.
const wwwAuthenticate = `Bearer scope="CTP API 1.0"`

// Error writes err as a CTP error body {"error": "..."} (§5.1.5), or as an
// RFC 9457 problem document on the /api/v1 surface.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := cloudtrust.ErrorCode(err)
	status, ok := errorStatus[code]
	msg := cloudtrust.ErrorMessage(err)
	if !ok || status == http.StatusInternalServerError {
		status = http.StatusInternalServerError
		s.logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err.Error())
		msg = "internal error"
	} else if status >= 500 {
		s.logger.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", msg)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	}
	if strings.HasPrefix(r.URL.Path, "/api/v1/") {
		writeProblem(w, status, msg, r.URL.Path)
		return
	}
	writeJSONStatus(w, status, errorBody{Error: msg})
}

type errorBody struct {
	Error string `json:"error"`
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

func writeProblem(w http.ResponseWriter, status int, detail, instance string) {
	b := getBuffer()
	defer putBuffer(b)
	if err := encode(b, problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Instance: instance}); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// invalidf, notFoundf, forbiddenf and conflictf build the errors handlers return most.
func invalidf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EINVALID, format, args...)
}

func notFoundf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.ENOTFOUND, format, args...)
}

func forbiddenf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.EFORBIDDEN, format, args...)
}

func conflictf(format string, args ...any) error {
	return cloudtrust.Errorf(cloudtrust.ECONFLICT, format, args...)
}

// discardLogger is used when Config.Logger is nil.
var discardLogger = slog.New(slog.DiscardHandler)

// asError returns err as a *cloudtrust.Error, or nil.
func asError(err error) *cloudtrust.Error {
	var e *cloudtrust.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
