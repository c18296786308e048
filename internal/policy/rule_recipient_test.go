package policy

import (
	"context"
	"strings"
	"testing"
)

func TestRecipient(t *testing.T) {
	t.Parallel()
	sender := &Sender{PhoneNumberID: "111", TenantID: "t1", DisplayPhoneNumber: "+55 11 3003-0000"}
	mobileSender := &Sender{PhoneNumberID: "112", TenantID: "t1", DisplayPhoneNumber: "55 21 8888-7777"}
	text := func(to string) string {
		return `{"messaging_product":"whatsapp","to":"` + to + `","type":"text","text":{"body":"oi"}}`
	}
	tests := []struct {
		name    string
		raw     string
		sender  *Sender
		waID    string
		code    string
		graph   int
		details string
	}{
		{"brazil e164", text("+55 (11) 98765-4321"), sender, "5511987654321", "", 0, ""},
		{"brazil without nine", text("551187654321"), sender, "5511987654321", "", 0, ""},
		{"national uses region", text("(21) 99876-5432"), sender, "5521998765432", "", 0, ""},
		{"mexico", text("+52 55 1234 5678"), sender, "5215512345678", "", 0, ""},
		{"mark read skipped", `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.X"}`, sender, "", "", 0, ""},
		{"bsuid passed", text("BR.1349120865530274"), sender, "", "", 0, ""},
		{"group passed", `{"messaging_product":"whatsapp","recipient_type":"group","to":"120363","type":"text","text":{"body":"x"}}`, sender, "", "", 0, ""},
		{"garbage", text("call me maybe"), sender, "", "recipient.invalid", 100, "contains 'c'"},
		{"too short", text("+55 11 9876"), sender, "", "recipient.invalid", 100, "too short"},
		{"landline", text("+55 11 3456-7890"), sender, "", "recipient.invalid", 100, "fixed-line"},
		{"self", text("+55 21 98888-7777"), mobileSender, "", "recipient.self", 131021, "sending phone number itself"},
		{"unparsed raw", `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, sender, "", "schema.missing_parameter", 131008, "to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &Message{TenantID: "t1", Sender: tc.sender, Raw: []byte(tc.raw)}
			d := Recipient{DefaultRegion: "BR"}.Check(context.Background(), m)
			if tc.code == "" {
				if d.Outcome != Allow || m.WaID != tc.waID {
					t.Fatalf("got %+v, wa_id %q; want allow, %q", d, m.WaID, tc.waID)
				}
				return
			}
			if d.Outcome != Reject || d.Code != tc.code || d.Err == nil || d.Err.Code != tc.graph {
				t.Fatalf("got %+v (err %+v), want %s (#%d)", d, d.Err, tc.code, tc.graph)
			}
			if !strings.Contains(d.Err.Details(), tc.details) {
				t.Errorf("details %q do not say %q", d.Err.Details(), tc.details)
			}
			if m.WaID != "" {
				t.Errorf("wa_id %q set on a rejection", m.WaID)
			}
		})
	}
}

func TestRecipientWithoutRegion(t *testing.T) {
	t.Parallel()
	m := &Message{Raw: []byte(`{"messaging_product":"whatsapp","to":"(21) 99876-5432","type":"text","text":{"body":"x"}}`)}
	if d := (Recipient{}).Check(context.Background(), m); d.Code != "recipient.invalid" {
		t.Fatalf("national number without a default region: got %+v", d)
	}
}
