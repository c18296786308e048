package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// ParseSendRequest decodes and validates the body of a send request the way
// Cloud API does, so a client gets the same Graph error from the gateway as
// it would from Meta: 100 for malformed JSON, wrong JSON types and invalid
// values, 131008 for missing required parameters, 131009 for values that
// break a documented constraint, and 131051 for an unknown message type.
// Every error's details name the offending parameter in Meta's notation,
// e.g. interactive['action']['buttons'][0]['reply']['title'].
//
// Before decoding, CheckJSON refuses invalid UTF-8, lone surrogates,
// duplicate keys and bodies nested or repeated beyond SendJSONLimits, so
// the body forwarded to Meta is exactly the one that was validated.
//
// Fields the gateway does not model are ignored rather than refused, because
// Meta ignores many and SDKs add their own; the returned request keeps the
// body in Raw so it can be forwarded unchanged.
func ParseSendRequest(body []byte) (*SendRequest, *Error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, NewError(CodeInvalidParameter, "The request body is empty; expected a JSON object.")
	}
	if err := CheckJSON(body, SendJSONLimits); err != nil {
		return nil, Errorf(CodeInvalidParameter, "The request body is not valid JSON: %s.", err.Error())
	}
	var r SendRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, decodeError(err)
	}
	r.Raw = body
	if e := r.Validate(); e != nil {
		return nil, e
	}
	return &r, nil
}

// decodeError turns an encoding/json error into the Graph error Meta gives
// for the same mistake, naming the offset or the field.
func decodeError(err error) *Error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return Errorf(CodeInvalidParameter, "The request body is not valid JSON: %s (after %d bytes).", syn.Error(), syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return Errorf(CodeInvalidParameter, "The request body must be a JSON object, got %s.", typ.Value)
		}
		return Errorf(CodeInvalidParameter, "Param %s must be %s, got %s.", metaPath(typ.Field), jsonKind(typ.Type), typ.Value)
	}
	// Truncated input and invalid UTF-8 escapes end here.
	return Errorf(CodeInvalidParameter, "The request body is not valid JSON: %s.", err.Error())
}

// metaPath writes a dotted Go field path as Meta writes parameter paths:
// "text.body" becomes "text['body']".
func metaPath(dotted string) string {
	parts := strings.Split(dotted, ".")
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		b.WriteString("['")
		b.WriteString(p)
		b.WriteString("']")
	}
	return b.String()
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[Coordinate]():
		return "a number"
	case reflect.TypeFor[TemplateIndex]():
		return "an integer or a string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a valid value"
}

// decodeInto decodes a raw sub-object whose shape depends on a sibling field,
// reporting type errors under the sub-object's path.
func decodeInto(p param, raw []byte, v any) *Error {
	if err := json.Unmarshal(raw, v); err != nil {
		e := decodeError(err)
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			field := string(p)
			if typ.Field != "" {
				field = string(p) + metaPath("."+typ.Field)
			}
			e = Errorf(CodeInvalidParameter, "Param %s must be %s, got %s.", field, jsonKind(typ.Type), typ.Value)
		}
		return e
	}
	return nil
}
