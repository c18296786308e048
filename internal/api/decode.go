package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// apiJSONLimits bound a management request body: small objects only.
var apiJSONLimits = wire.JSONLimits{MaxDepth: 8, MaxArray: 100}

// readBody reads a body of at most max bytes.
func readBody(r *http.Request, max int64) ([]byte, *wire.Error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		e := errParam("body", "is larger than %d bytes", max)
		e.HTTPStatus = http.StatusRequestEntityTooLarge
		return nil, e
	}
	if err != nil {
		return nil, errParam("body", "could not be read: %v", err)
	}
	return b, nil
}

// decodeJSON reads a JSON object into v: strict (no unknown fields, no
// duplicate keys, valid UTF-8), with errors that name the field.
func (s *Server) decodeJSON(r *http.Request, v any) *wire.Error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			e := errParam("Content-Type", "%q is not application/json", ct)
			e.HTTPStatus = http.StatusUnsupportedMediaType
			return e
		}
	}
	body, e := readBody(r, s.maxBody)
	if e != nil {
		return e
	}
	if err := wire.CheckJSON(body, apiJSONLimits); err != nil {
		return errParam("body", "is not acceptable JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ) && typ.Field != "":
			return errParam(typ.Field, "must be %s, got %s", kind(typ.Type.Kind().String()), typ.Value)
		case errors.As(err, &typ):
			return errParam("body", "must be a JSON object, got %s", typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return errParam(name, "is not a field of this request")
		default:
			return errParam("body", "is not acceptable JSON: %v", err)
		}
	}
	return nil
}

func kind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	default:
		return "a number"
	}
}

// pageLimit reads the limit query parameter.
func pageLimit(r *http.Request) (int, *wire.Error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return DefaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPageSize {
		return 0, errParam("limit", "%q is not a whole number from 1 to %d", v, MaxPageSize)
	}
	return n, nil
}
