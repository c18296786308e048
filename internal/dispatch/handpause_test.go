package dispatch

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestPauseAndResume pauses an active sender by hand on a real store: it is
// stopped with the gateway's pause code, new sends get the pause's Graph
// error, the tenant hears SENDER_PAUSED naming who paused it, a second
// pause is refused, its queued messages stay, and a resume undoes it.
func TestPauseAndResume(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	st := openSQLite(t, 80, 3, at)
	ctx := t.Context()

	before, err := Pause(ctx, st, pnid, "ana@acme.example", at)
	must(t, err)
	if before.State != store.SenderActive {
		t.Errorf("Pause returned the sender as %s, want it as it was (active)", before.State)
	}
	s, err := st.GetSender(ctx, pnid)
	must(t, err)
	if !Paused(s) || s.StateReason != "paused by ana@acme.example" || !s.StateChangedAt.Equal(at) {
		t.Fatalf("after Pause: %+v", s)
	}
	ge := StoppedSendError(s)
	if ge.Code != wire.CodeTemporary || ge.ErrorSubcode != StoppedSubcode || ge.HTTPStatus != 503 {
		t.Errorf("a send to a paused sender gets %d/%d HTTP %d, want %d/%d 503", ge.Code, ge.ErrorSubcode, ge.HTTPStatus,
			wire.CodeTemporary, StoppedSubcode)
	}
	if _, err := Pause(ctx, st, pnid, "vic@acme.example", at.Add(time.Minute)); !errors.Is(err, ErrAlreadyStopped) {
		t.Errorf("a second Pause = %v, want ErrAlreadyStopped", err)
	}
	if _, err := Pause(ctx, st, "nope", "ana@acme.example", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Pause(unknown) = %v, want ErrNotFound", err)
	}
	if depth, err := st.QueueDepth(ctx); err != nil || depth[pnid] != 3 {
		t.Errorf("queue after the pause = %v (%v), want the 3 messages kept", depth, err)
	}

	_, err = Resume(ctx, st, pnid, at.Add(time.Hour))
	must(t, err)
	s, err = st.GetSender(ctx, pnid)
	must(t, err)
	if s.State != store.SenderActive || Paused(s) || s.StateCode != 0 {
		t.Errorf("after Resume: %+v", s)
	}

	evs, err := st.EventForwards(ctx, "t1", "w1", []string{SenderEventField}, 10)
	must(t, err)
	var got []SenderEventValue
	for _, f := range evs {
		if f.Field != SenderEventField {
			continue
		}
		var v SenderEventValue
		must(t, json.Unmarshal(f.Value, &v))
		got = append(got, v)
	}
	if len(got) != 2 || got[0].Event != SenderEventResumed || got[1].Event != SenderEventPaused {
		t.Fatalf("sender events, newest first = %+v, want RESUMED then PAUSED", got)
	}
	if p := got[1]; p.Reason != "paused by ana@acme.example" || p.Error != nil || p.Metadata.PhoneNumberID != pnid {
		t.Errorf("the paused event = %+v", p)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
