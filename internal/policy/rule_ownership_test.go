package policy

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestOwnership(t *testing.T) {
	t.Parallel()
	own := &Sender{PhoneNumberID: "111", TenantID: "t1"}
	const (
		unknown999 = "Unsupported post request. Object with ID '999' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
		unknown111 = "Unsupported post request. Object with ID '111' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
	)
	tests := []struct {
		name    string
		m       Message
		outcome Outcome
		code    string
		graph   int
		status  int
		msg     string
	}{
		{"own sender", Message{TenantID: "t1", PhoneNumberID: "111", Sender: own}, Allow, "", 0, 0, ""},
		{"unknown sender", Message{TenantID: "t1", PhoneNumberID: "999"}, Reject, "ownership.unknown_sender", 100, 400, unknown999},
		{"foreign sender", Message{TenantID: "t2", PhoneNumberID: "111", Sender: own}, Reject, "ownership.foreign_sender", 100, 400, unknown111},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := Ownership{}.Check(context.Background(), &tc.m)
			if d.Outcome != tc.outcome || d.Code != tc.code {
				t.Fatalf("got %v %q, want %v %q", d.Outcome, d.Code, tc.outcome, tc.code)
			}
			if tc.outcome == Allow {
				return
			}
			if d.Rule != "ownership" || d.Err == nil || d.Err.Code != tc.graph || d.Err.Status() != tc.status || d.Err.Message != tc.msg {
				t.Errorf("got rule %q err %+v", d.Rule, d.Err)
			}
			if strings.Contains(d.Reason, "t1") {
				t.Errorf("reason %q names the owning tenant", d.Reason)
			}
		})
	}
}

// Another tenant's number and a number nobody has must produce the same
// client-facing error, field for field: anything else lets a tenant
// enumerate the numbers the gateway serves.
func TestOwnershipForeignLooksUnknown(t *testing.T) {
	t.Parallel()
	foreign := Ownership{}.Check(context.Background(), &Message{TenantID: "t2", PhoneNumberID: "111", Sender: &Sender{PhoneNumberID: "111", TenantID: "t1"}})
	unknown := Ownership{}.Check(context.Background(), &Message{TenantID: "t2", PhoneNumberID: "111"})
	if foreign.Err == nil || unknown.Err == nil {
		t.Fatalf("want both refused, got %+v and %+v", foreign, unknown)
	}
	if !reflect.DeepEqual(*foreign.Err, *unknown.Err) {
		t.Errorf("foreign sender answers %+v, unknown sender %+v; want identical", *foreign.Err, *unknown.Err)
	}
	if foreign.Err.Type != "GraphMethodException" || foreign.Err.ErrorSubcode != 33 {
		t.Errorf("error %+v, want Graph's GraphMethodException 100/33", *foreign.Err)
	}
	if foreign.Code == unknown.Code {
		t.Errorf("decision codes both %q; the operator's audit must still tell them apart", foreign.Code)
	}
}
