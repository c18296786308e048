package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestSendToStoppedSenderIsRefused: a send to a sender stopped after an
// account-level error used to answer 200 and wait in the queue until
// someone edited the database. It is refused now, with Meta's code that
// stopped the sender and the gateway's subcode, and accepted again once
// the sender is resumed.
func TestSendToStoppedSenderIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		code   int
		status int
	}{
		{"account locked", wire.CodeAccountLocked, 400},
		{"policy block", wire.CodePolicyRestricted, 400},
		{"token expired", wire.CodeAccessToken, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ss, ok := e.st.testStore.(interface {
				SetSenderState(ctx context.Context, id string, st store.SenderState, code int, reason string, at time.Time) error
			})
			if !ok {
				t.Fatal("store cannot set sender state")
			}
			must(t, ss.SetSenderState(ctx, pnA, store.SenderStopped, tc.code, "(#x) blocked by Meta", time.Now()))
			before := e.depth()
			r := request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+16505551234", "hi"), bearer(e.keyA))
			ge := wantErr(t, r, tc.status, tc.code)
			if ge.ErrorSubcode != dispatch.StoppedSubcode || !strings.Contains(ge.Details(), "senders resume") ||
				!strings.Contains(ge.Details(), "blocked by Meta") {
				t.Fatalf("error %+v", ge)
			}
			if e.depth() != before {
				t.Fatalf("a refused send was queued")
			}
			must(t, ss.SetSenderState(ctx, pnA, store.SenderActive, 0, "", time.Now()))
			decodeSend(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", textBody("+16505551234", "hi"), bearer(e.keyA)))
		})
	}
}
