package dispatch

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// FailedStatusValue builds the value of a "messages" change carrying one
// failed status of msgID, in Meta's webhook envelope, so the tenant learns
// of a message that failed for good exactly as it would from Meta. The
// gateway also uses it for its own late rejections.
func FailedStatusValue(s store.Sender, msgID, waID string, at time.Time, e *wire.Error) ([]byte, error) {
	if e == nil {
		return nil, fmt.Errorf("dispatch: failed status of %s without an error", msgID)
	}
	// Meta's asynchronous shape (message = title, href,
	// error_data.details), whatever the synchronous error said.
	return failedStatusValue(s, msgID, waID, at, wire.AsyncErrorOf(e))
}

func failedStatusValue(s store.Sender, msgID, waID string, at time.Time, se wire.StatusError) ([]byte, error) {
	v := wire.MessagesValue{
		MessagingProduct: "whatsapp",
		Metadata: wire.Metadata{
			DisplayPhoneNumber: s.DisplayPhoneNumber,
			PhoneNumberID:      s.PhoneNumberID,
		},
		Statuses: []wire.Status{{
			ID:          msgID,
			Status:      wire.StatusFailed,
			Timestamp:   strconv.FormatInt(at.Unix(), 10),
			RecipientID: waID,
			Errors:      []wire.StatusError{se},
		}},
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("dispatch: encode failed status of %s: %w", msgID, err)
	}
	return b, nil
}

// failedForward wraps FailedStatusValue in a store.Forward for the tenant.
func failedForward(s store.Sender, m *store.Message, at time.Time, e *wire.Error) (store.Forward, error) {
	if e == nil {
		return store.Forward{}, fmt.Errorf("dispatch: failed status of %s without an error", m.ID)
	}
	return failedForwardAs(s, m, at, wire.AsyncErrorOf(e))
}

// failedForwardAs is failedForward with the status error given as is (the
// send-time stage's refusals carry the gateway's own).
func failedForwardAs(s store.Sender, m *store.Message, at time.Time, se wire.StatusError) (store.Forward, error) {
	v, err := failedStatusValue(s, m.ID, m.WaID, at, se)
	if err != nil {
		return store.Forward{}, err
	}
	return store.Forward{
		TenantID:      s.TenantID,
		WABAID:        s.WABAID,
		Field:         "messages",
		Value:         v,
		EntryTime:     at.Unix(), // Meta's envelopes always carry entry.time
		CreatedAt:     at,
		NextAttemptAt: at,
		OutcomeOf:     m.ID, // only with an outcome that applies: one failed status per message
	}, nil
}
