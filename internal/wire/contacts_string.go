package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// ContactList is the contacts of a contacts message. Meta accepts it as a
// JSON array or as a string holding that array, JSON-encoded (Graph decodes
// string parameters of array type, and whatsapp-api-js sends contacts that
// way); both decode to the same list. The inner JSON is held to the same
// strictness as the body (CheckJSON), so what Meta decodes from the string
// is what the gateway validated.
type ContactList []Contact

// UnmarshalJSON accepts an array or a JSON-encoded array in a string.
func (c *ContactList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '"' {
		var cs []Contact
		if err := json.Unmarshal(b, &cs); err != nil {
			return err
		}
		*c = cs
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	inner := []byte(s)
	typeErr := &json.UnmarshalTypeError{Value: "string", Type: reflect.TypeOf([]Contact(nil)), Field: "contacts"}
	if CheckJSON(inner, SendJSONLimits) != nil {
		return typeErr
	}
	var cs []Contact
	if err := json.Unmarshal(inner, &cs); err != nil {
		return typeErr
	}
	*c = cs
	return nil
}
