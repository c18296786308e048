package dispatch

import (
	"context"
	"encoding/json"
	"errors"
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
	// SenderEventPaused: an operator stopped the sender by hand.
	SenderEventPaused = "SENDER_PAUSED"
)

// PausedCode is the state code of a sender an operator paused by hand. It
// is the gateway's own, outside Meta's codes, so a pause is never taken
// for a stop Meta caused.
const PausedCode = 4990002

// Paused reports whether a sender is stopped by an operator's pause.
func Paused(s store.Sender) bool { return s.State == store.SenderStopped && s.StateCode == PausedCode }

// SenderEventValue is the value of a SenderEventField change.
type SenderEventValue struct {
	MessagingProduct string        `json:"messaging_product"`
	Metadata         wire.Metadata `json:"metadata"`
	Event            string        `json:"event"`
	Timestamp        string        `json:"timestamp"`
	// Error is Meta's error that stopped the sender (SENDER_STOPPED only).
	Error *wire.StatusError `json:"error,omitempty"`
	// Reason says who paused the sender (SENDER_PAUSED only).
	Reason string `json:"reason,omitempty"`
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
	switch event {
	case SenderEventStopped:
		ae := wire.AsyncError(code, detail)
		v.Error = &ae
		v.Resume = "queued messages are kept; new sends are refused until an operator resumes the sender"
	case SenderEventPaused:
		v.Reason = detail
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
	if Paused(s) {
		// Not Meta's doing: the nearest of Meta's codes says "try later".
		e := wire.NewError(wire.CodeTemporary, fmt.Sprintf("sender %s is paused since %s (%s); queued messages are kept and sending resumes when an admin resumes it in the dashboard or runs `wabaguard senders resume --phone-number-id %s`",
			s.PhoneNumberID, s.StateChangedAt.UTC().Format(time.RFC3339), s.StateReason, s.PhoneNumberID))
		e.ErrorSubcode = StoppedSubcode
		return e
	}
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

// ResumeStore is what Resume needs of the store.
type ResumeStore interface {
	GetSender(ctx context.Context, phoneNumberID string) (store.Sender, error)
	SetSenderState(ctx context.Context, phoneNumberID string, state store.SenderState, code int, reason string, at time.Time) error
	RecordOutcomes(ctx context.Context, outcomes []store.Outcome, forwards []store.Forward) error
}

// ErrNotStopped is Resume's answer for a sender that is not stopped.
var ErrNotStopped = errors.New("sender is not stopped")

// ErrAlreadyStopped is Pause's answer for a sender already stopped (by
// Meta or by a pause): resuming it is the operator's next step.
var ErrAlreadyStopped = errors.New("sender is already stopped")

// Pause stops an active sender by hand: new sends are refused at once
// (StoppedSendError, an operator's pause), queued messages are kept and
// wait, and the tenant hears a SENDER_PAUSED event naming who paused it.
// Resume undoes it. Every replica's dispatcher stops the sender at its
// next lease tick (about a second). It returns the sender as it was.
func Pause(ctx context.Context, st ResumeStore, phoneNumberID, by string, at time.Time) (store.Sender, error) {
	s, err := st.GetSender(ctx, phoneNumberID)
	if err != nil {
		return s, fmt.Errorf("pause %s: %w", phoneNumberID, err)
	}
	if s.State == store.SenderStopped {
		return s, fmt.Errorf("pause %s: %w", phoneNumberID, ErrAlreadyStopped)
	}
	reason := "paused by " + by
	if err := st.SetSenderState(ctx, phoneNumberID, store.SenderStopped, PausedCode, reason, at); err != nil {
		return s, fmt.Errorf("pause %s: %w", phoneNumberID, err)
	}
	f, err := SenderEventForward(s, SenderEventPaused, 0, reason, at)
	if err != nil {
		return s, err
	}
	if err := st.RecordOutcomes(ctx, nil, []store.Forward{f}); err != nil {
		return s, fmt.Errorf("pause %s: queue the paused event: %w", phoneNumberID, err)
	}
	return s, nil
}

// Resume makes a stopped sender active again and tells its tenant with a
// SENDER_RESUMED event. Every replica's dispatcher picks the sender up at
// its next lease tick (about a second); its queued messages go out in
// order. It returns the sender as it was before the resume.
func Resume(ctx context.Context, st ResumeStore, phoneNumberID string, at time.Time) (store.Sender, error) {
	s, err := st.GetSender(ctx, phoneNumberID)
	if err != nil {
		return s, fmt.Errorf("resume %s: %w", phoneNumberID, err)
	}
	if s.State != store.SenderStopped {
		return s, fmt.Errorf("resume %s: %w", phoneNumberID, ErrNotStopped)
	}
	if err := st.SetSenderState(ctx, phoneNumberID, store.SenderActive, 0, "", at); err != nil {
		return s, fmt.Errorf("resume %s: %w", phoneNumberID, err)
	}
	f, err := SenderEventForward(s, SenderEventResumed, 0, "", at)
	if err != nil {
		return s, err
	}
	if err := st.RecordOutcomes(ctx, nil, []store.Forward{f}); err != nil {
		return s, fmt.Errorf("resume %s: queue the resumed event: %w", phoneNumberID, err)
	}
	return s, nil
}
