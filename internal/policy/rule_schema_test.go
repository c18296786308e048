package policy

import (
	"context"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func TestSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		raw   string
		code  string
		graph int
	}{
		{"valid text", `{"messaging_product":"whatsapp","to":"5511987654321","type":"text","text":{"body":"oi"}}`, "", 0},
		{"malformed", `{"messaging_product":`, "schema.invalid_parameter", 100},
		{"missing to", `{"messaging_product":"whatsapp","type":"text","text":{"body":"oi"}}`, "schema.missing_parameter", 131008},
		{"three buttons too many", `{"messaging_product":"whatsapp","to":"1","type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{"type":"reply","reply":{"id":"1","title":"1"}},{"type":"reply","reply":{"id":"2","title":"2"}},{"type":"reply","reply":{"id":"3","title":"3"}},{"type":"reply","reply":{"id":"4","title":"4"}}]}}}`, "schema.invalid_value", 131009},
		{"unknown type", `{"messaging_product":"whatsapp","to":"1","type":"hologram"}`, "schema.unsupported_type", 131051},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{Raw: []byte(tc.raw)}
			d := Schema{}.Check(context.Background(), m)
			if tc.code == "" {
				if d.Outcome != Allow || m.Request == nil || m.Request.Text.Body != "oi" {
					t.Fatalf("got %+v, request %+v", d, m.Request)
				}
				return
			}
			_, perr := wire.ParseSendRequest(m.Raw)
			if d.Outcome != Reject || d.Code != tc.code || d.Rule != "schema" || m.Request != nil {
				t.Fatalf("got %+v", d)
			}
			if d.Err.Code != tc.graph || d.Err.Details() != perr.Details() || d.Reason != perr.Details() {
				t.Errorf("err %+v, want the parser's (#%d) %q", d.Err, perr.Code, perr.Details())
			}
		})
	}
}

func TestSchemaValidatesGivenRequest(t *testing.T) {
	t.Parallel()
	given := &wire.SendRequest{MessagingProduct: "whatsapp", To: "1", Type: "text", Text: &wire.Text{Body: "x"}}
	m := &Message{Raw: []byte(`not parsed again`), Request: given}
	if d := (Schema{}).Check(context.Background(), m); d.Outcome != Allow || m.Request != given {
		t.Fatalf("got %+v", d)
	}
	m.Request = &wire.SendRequest{MessagingProduct: "whatsapp", To: "1", Type: "text"}
	if d := (Schema{}).Check(context.Background(), m); d.Code != "schema.missing_parameter" {
		t.Fatalf("invalid given request: got %+v", d)
	}
}
