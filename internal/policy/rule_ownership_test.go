package policy

import (
	"context"
	"strings"
	"testing"
)

func TestOwnership(t *testing.T) {
	t.Parallel()
	own := &Sender{PhoneNumberID: "111", TenantID: "t1"}
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
		{"unknown sender", Message{TenantID: "t1", PhoneNumberID: "999"}, Reject, "ownership.unknown_sender", 100, 400,
			"Unsupported post request. Object with ID '999' does not exist, cannot be loaded due to missing permissions, or does not support this operation."},
		{"foreign sender", Message{TenantID: "t2", PhoneNumberID: "111", Sender: own}, Reject, "ownership.foreign_sender", 10, 403, "(#10) Permission denied"},
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
