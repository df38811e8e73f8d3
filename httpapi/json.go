package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
)

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 64<<10 { // do not keep huge buffers alive
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

// encode writes v as JSON into b. HTML escaping is off so that links with
// query strings keep their '&'.
func encode(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSON writes v with status 200.
func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

// writeJSONStatus encodes v completely before writing anything, so that an
// encoding failure still produces a clean 500.
func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	b := getBuffer()
	defer putBuffer(b)
	if err := encode(b, v); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":"internal error"}`+"\n")
		return
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

var jsonContentType = []string{"application/json"}

// writeNoContent answers a successful DELETE: 204 with an empty body (§5.1.4).
func writeNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// decodeJSON reads the request body (at most maxBytes) into v, strictly:
// the Content-Type must be application/json, the body one JSON object with
// no unknown fields, no type mismatches and no trailing data. Every error
// names the field or the byte offset at fault.
func decodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	data, err := readBody(w, r, maxBytes)
	if err != nil {
		return err
	}
	return unmarshalStrict(data, v)
}

// readBody checks the Content-Type and reads the whole body under the limit.
func readBody(w http.ResponseWriter, r *http.Request, maxBytes int64) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil, cloudtrust.Errorf(eUnsupportedMediaType, "missing Content-Type: the request body must be application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return nil, cloudtrust.Errorf(eUnsupportedMediaType, "Content-Type %q is not supported: the request body must be application/json", ct)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, cloudtrust.Errorf(cloudtrust.ETOOLARGE, "request body larger than %d bytes", mbe.Limit)
		}
		return nil, invalidf("reading request body: %v", err)
	}
	return data, nil
}

// unmarshalStrict decodes one JSON object from data into v.
func unmarshalStrict(data []byte, v any) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return invalidf("empty request body: expected a JSON object")
	}
	if trimmed[0] != '{' {
		return invalidf("request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalidf("malformed JSON: unexpected data after the JSON object at byte offset %d", dec.InputOffset())
	}
	return nil
}

// jsonError turns an encoding/json error into an EINVALID error naming the
// field or position.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ce *cloudtrust.Error
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &se):
		return invalidf("malformed JSON at byte offset %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := strings.ReplaceAll(te.Field, "commonIn.", "") // embedded struct, not a JSON level
		if field == "" {
			field = "(top level)"
		}
		return invalidf("field %q: expected %s, got JSON %s", field, goTypeName(te.Type.String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("malformed JSON: unexpected end of input")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return invalidf("unknown field %s", f)
	}
	return invalidf("invalid JSON: %s", strings.TrimPrefix(msg, "json: "))
}

// goTypeName renders a Go type as the JSON type a client should send.
func goTypeName(t string) string {
	switch {
	case t == "string" || t == "*string":
		return "a string"
	case t == "bool" || t == "*bool" || strings.HasSuffix(t, "flexBool"):
		return "a boolean"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "float") || strings.HasPrefix(t, "*int") || strings.HasPrefix(t, "*float"):
		return "a number"
	case strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "*[]"):
		return "an array"
	case t == "json.RawMessage":
		return "a JSON value"
	}
	return "an object"
}

// fieldf is a shorthand for an EINVALID error about one field.
func fieldf(field, format string, args ...any) error {
	return invalidf("%s: %s", field, fmt.Sprintf(format, args...))
}
