package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

// whatsapp-api-js sends contacts as a JSON-encoded string, which Meta
// accepts; the parser used to refuse it with "Param contacts must be an
// array, got string" (issue 7, item 4).
func TestContactsAsJSONString(t *testing.T) {
	t.Parallel()
	const list = `[{"name":{"formatted_name":"Ana"},"phones":[{"phone":"+55 11 98765-4321","type":"CELL"}]}]`
	quoted := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	tests := []struct {
		name     string
		contacts string
		code     int // 0: accepted
		detail   string
	}{
		{"array", list, 0, ""},
		{"string", quoted(list), 0, ""},
		{"string with spaces", quoted("  " + list + "\n"), 0, ""},
		{"string not JSON", quoted("Ana"), CodeInvalidParameter, "contacts"},
		{"string object", quoted(`{"name":{"formatted_name":"Ana"}}`), CodeInvalidParameter, "contacts"},
		{"string duplicate key", quoted(`[{"name":{"formatted_name":"Ana","formatted_name":"Bob"},"phones":[{"phone":"1"}]}]`), CodeInvalidParameter, "contacts"},
		{"string empty list", quoted(`[]`), 131008, "contacts"},
		{"string invalid contact", quoted(`[{"phones":[{"phone":"1"}]}]`), 131008, "contacts[0]['name']['formatted_name']"},
		{"number", `5`, CodeInvalidParameter, "contacts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := envelope("contacts", tt.contacts)
			r, e := ParseSendRequest([]byte(body))
			if tt.code == 0 {
				if e != nil {
					t.Fatalf("refused: %+v", e)
				}
				if len(r.Contacts) != 1 || r.Contacts[0].Name.FormattedName != "Ana" || string(r.Raw) != body {
					t.Errorf("got %+v, raw %s", r.Contacts, r.Raw)
				}
				return
			}
			if e == nil {
				t.Fatalf("accepted %s", body)
			}
			if e.Code != tt.code || !strings.Contains(e.Message+" "+e.Details(), tt.detail) {
				t.Errorf("= %d %q %q, want %d naming %q", e.Code, e.Message, e.Details(), tt.code, tt.detail)
			}
		})
	}
}
