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

	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// apiJSONLimits bound a management request body: small objects only.
var apiJSONLimits = wire.JSONLimits{MaxDepth: 8, MaxArray: 100}

// readBody reads a body of at most max bytes.
func readBody(r *http.Request, max int64) ([]byte, *wire.Error) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		e := errParam(lang(r), "body", msgTooLarge, max)
		e.HTTPStatus = http.StatusRequestEntityTooLarge
		return nil, e
	}
	if err != nil {
		return nil, errParam(lang(r), "body", msgUnreadable, err)
	}
	return b, nil
}

// decodeJSON reads a JSON object into v: strict (no unknown fields, no
// duplicate keys, valid UTF-8), with errors that name the field.
func (s *Server) decodeJSON(r *http.Request, v any) *wire.Error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			e := errParam(lang(r), "Content-Type", msgNotJSONType, ct)
			e.HTTPStatus = http.StatusUnsupportedMediaType
			return e
		}
	}
	body, e := readBody(r, s.maxBody)
	if e != nil {
		return e
	}
	if err := wire.CheckJSON(body, apiJSONLimits); err != nil {
		return errParam(lang(r), "body", msgNotJSON, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ) && typ.Field != "":
			return errParam(lang(r), typ.Field, msgWrongType, kind(lang(r), typ.Type.Kind().String()), typ.Value)
		case errors.As(err, &typ):
			return errParam(lang(r), "body", msgNotObject, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return errParam(lang(r), name, msgUnknownField)
		default:
			return errParam(lang(r), "body", msgNotJSON, err)
		}
	}
	return nil
}

func kind(l refusal.Lang, k string) string {
	switch k {
	case "string":
		return text(l, msgKindString)
	case "struct", "map":
		return text(l, msgKindObject)
	case "slice", "array":
		return text(l, msgKindArray)
	case "bool":
		return text(l, msgKindBool)
	default:
		return text(l, msgKindNumber)
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
		return 0, errParam(lang(r), "limit", msgNotPageSize, v, MaxPageSize)
	}
	return n, nil
}
