package dispatch

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// SenderEventField is the webhook field of the gateway's own sender events.
// It travels in Meta's envelope (object whatsapp_business_account, entry[],
// changes[]), so SDKs that parse Meta's webhooks parse it too and those that
// do not know the field skip it.
const SenderEventField = "wabaguard_sender_state"

// Sender events.
const (
	SenderEventStopped = "SENDER_STOPPED"
	SenderEventResumed = "SENDER_RESUMED"
)

// SenderEventValue is the value of a SenderEventField change.
type SenderEventValue struct {
	MessagingProduct string        `json:"messaging_product"`
	Metadata         wire.Metadata `json:"metadata"`
	Event            string        `json:"event"`
	Timestamp        string        `json:"timestamp"`
	// Error is Meta's error that stopped the sender (SENDER_STOPPED only).
	Error *wire.StatusError `json:"error,omitempty"`
	// Queued messages are kept and go out after a resume.
	Resume string `json:"resume,omitempty"`
}

// SenderEventForward builds the forward telling the tenant that its sender
// was stopped (code > 0) or resumed.
func SenderEventForward(s store.Sender, event string, code int, detail string, at time.Time) (store.Forward, error) {
	v := SenderEventValue{
		MessagingProduct: "whatsapp",
		Metadata:         wire.Metadata{DisplayPhoneNumber: s.DisplayPhoneNumber, PhoneNumberID: s.PhoneNumberID},
		Event:            event,
		Timestamp:        strconv.FormatInt(at.Unix(), 10),
	}
	if event == SenderEventStopped {
		title := wire.Title(code)
		msg := detail
		if msg == "" {
			msg = title
		}
		v.Error = &wire.StatusError{Code: code, Title: title, Message: msg,
			ErrorData: &wire.StatusErrorData{Details: detail}}
		v.Resume = "queued messages are kept; new sends are refused until an operator resumes the sender"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return store.Forward{}, fmt.Errorf("dispatch: encode sender event: %w", err)
	}
	return store.Forward{TenantID: s.TenantID, WABAID: s.WABAID, Field: SenderEventField,
		Value: b, CreatedAt: at, NextAttemptAt: at}, nil
}

// StoppedSendError is the Graph error a new send to a stopped sender is
// refused with: Meta's code that stopped it (the answer Meta itself would
// give the next send), with the gateway's subcode StoppedSubcode so clients
// can tell the refusal came from the gateway, and the stop reason.
func StoppedSendError(s store.Sender) *wire.Error {
	code := s.StateCode
	if code == 0 {
		code = wire.CodeAccountLocked
	}
	e := wire.NewError(code, fmt.Sprintf("sender %s is stopped since %s: %s; queued messages are kept and sending resumes after an operator runs `wabaguard senders resume --phone-number-id %s`",
		s.PhoneNumberID, s.StateChangedAt.UTC().Format(time.RFC3339), s.StateReason, s.PhoneNumberID))
	e.ErrorSubcode = StoppedSubcode
	e.HTTPStatus = 400
	if code == wire.CodeAccessToken {
		e.HTTPStatus = 401
	}
	return e
}

// StoppedSubcode marks a refusal made by the gateway because the sender is
// stopped.
const StoppedSubcode = 4990001
