package policy

import (
	"context"
	"slices"
	"testing"
	"time"
)

// probe is a rule with a fixed decision that records that it ran.
type probe struct {
	name string
	d    Decision
	ran  *[]string
}

func (p probe) Name() string { return p.name }
func (p probe) Check(context.Context, *Message) Decision {
	*p.ran = append(*p.ran, p.name)
	return p.d
}

func TestDefaultRulesOrder(t *testing.T) {
	t.Parallel()
	var names []string
	for _, r := range DefaultRules("BR") {
		names = append(names, r.Name())
	}
	if want := []string{"ownership", "schema", "recipient"}; !slices.Equal(names, want) {
		t.Fatalf("order %v, want %v", names, want)
	}
}

func TestPipelineStopsAtFirstNonAllow(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		middle Decision
		want   Outcome
		ran    []string
		rule   string
	}{
		{"all allow", Allowed(), Allow, []string{"a", "b", "c"}, ""},
		{"reject stops", Rejected("b", "b.no", 100, "no"), Reject, []string{"a", "b"}, "b"},
		{"defer stops", Deferred("", "b.later", "later", until), Defer, []string{"a", "b"}, "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ran []string
			p := New(probe{"a", Allowed(), &ran}, probe{"b", tc.middle, &ran}, probe{"c", Rejected("c", "c.no", 100, "c"), &ran})
			if tc.want == Allow {
				p = New(p.Rules()[:2]...)
				tc.ran = tc.ran[:2]
			}
			d := p.Evaluate(context.Background(), &Message{})
			if d.Outcome != tc.want || d.Rule != tc.rule || !slices.Equal(ran, tc.ran) {
				t.Fatalf("got %v by %q after %v, want %v by %q after %v", d.Outcome, d.Rule, ran, tc.want, tc.rule, tc.ran)
			}
			if tc.want == Defer && !d.Until.Equal(until) {
				t.Errorf("until %v, want %v", d.Until, until)
			}
		})
	}
}

func TestDefaultPipeline(t *testing.T) {
	t.Parallel()
	own := &Sender{PhoneNumberID: "111", TenantID: "t1", DisplayPhoneNumber: "+55 11 3003-0000"}
	tests := []struct {
		name string
		m    Message
		code string
		waID string
	}{
		{"accepted", Message{TenantID: "t1", Sender: own, Raw: []byte(`{"messaging_product":"whatsapp","to":"551187654321","type":"text","text":{"body":"oi"}}`)}, "", "5511987654321"},
		// A foreign tenant learns nothing about the body's problems.
		{"foreign before schema", Message{TenantID: "t2", Sender: own, Raw: []byte(`{garbage`)}, "ownership.foreign_sender", ""},
		{"unknown before schema", Message{TenantID: "t1", PhoneNumberID: "9", Raw: []byte(`{garbage`)}, "ownership.unknown_sender", ""},
		{"schema before recipient", Message{TenantID: "t1", Sender: own, Raw: []byte(`{"messaging_product":"whatsapp","to":"nope","type":"fax"}`)}, "schema.unsupported_type", ""},
		{"recipient", Message{TenantID: "t1", Sender: own, Raw: []byte(`{"messaging_product":"whatsapp","to":"nope","type":"text","text":{"body":"x"}}`)}, "recipient.invalid", ""},
	}
	p := New(DefaultRules("BR")...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := tc.m
			d := p.Evaluate(context.Background(), &m)
			if d.Code != tc.code || m.WaID != tc.waID {
				t.Fatalf("got %q (%s), wa_id %q; want %q, %q", d.Code, d.Reason, m.WaID, tc.code, tc.waID)
			}
			if tc.code != "" && (d.Err == nil || d.Outcome != Reject) {
				t.Errorf("rejection without a Graph error: %+v", d)
			}
		})
	}
}
