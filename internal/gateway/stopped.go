package gateway

import (
	"context"
	"net/http"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/store"
)

// refuseStopped refuses a send to a sender the dispatcher stopped after an
// account-level error: queuing it would answer 200 for a message that waits
// until an operator resumes the sender, which may be never. The refusal is
// recorded like any rejection.
func (s *Server) refuseStopped(ctx context.Context, w http.ResponseWriter, sr sendReq, snd store.Sender) {
	s.reject(ctx, w, sr, "", policy.Decision{
		Outcome: policy.Reject,
		Rule:    "sender_stopped",
		Code:    "sender.stopped",
		Reason:  snd.StateReason,
		Err:     dispatch.StoppedSendError(snd),
	})
}
