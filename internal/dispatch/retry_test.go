package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

func graph(code, status int) error {
	e := wire.NewError(code, "x")
	if status != 0 {
		e.HTTPStatus = status
	}
	return e
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Action
		code int
	}{
		{graph(wire.CodeThroughput, 0), ActionThrottle, 130429},
		{graph(999999, 429), ActionThrottle, 999999},
		{&cloudapi.HTTPError{StatusCode: 429}, ActionThrottle, 0},
		{graph(wire.CodePairRate, 0), ActionPairRate, 131056},
		{&cloudapi.HTTPError{StatusCode: 502}, ActionBackoff, 0},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), ActionBackoff, 0},
		{fmt.Errorf("send: %w", &net.OpError{Op: "dial", Err: fmt.Errorf("refused")}), ActionBackoff, 0},
		{graph(1, 0), ActionBackoff, 1},
		{graph(2, 0), ActionBackoff, 2},
		{graph(131000, 0), ActionBackoff, 131000},
		{graph(131016, 0), ActionBackoff, 131016},
		{graph(131057, 0), ActionBackoff, 131057},
		{graph(2494100, 0), ActionBackoff, 2494100},
		{graph(777, 503), ActionBackoff, 777},
		// A Graph error without a code is not account-level.
		{graph(0, 500), ActionBackoff, 0},
		{graph(0, 400), ActionBackoff, 0},
		{graph(0, 429), ActionThrottle, 0},
		{graph(368, 0), ActionStopSender, 368},
		{graph(131031, 0), ActionStopSender, 131031},
		{graph(131048, 0), ActionStopSender, 131048},
		{graph(131064, 0), ActionStopSender, 131064},
		{graph(130497, 0), ActionStopSender, 130497},
		{graph(190, 0), ActionStopSender, 190},
		{graph(131042, 0), ActionStopSender, 131042},
		{graph(131045, 0), ActionStopSender, 131045},
		{graph(131037, 0), ActionStopSender, 131037},
		{graph(131049, 0), ActionLater, 131049},
		{graph(131050, 0), ActionFail, 131050},
		{graph(100, 0), ActionFail, 100},
		{graph(131008, 0), ActionFail, 131008},
		{graph(131009, 0), ActionFail, 131009},
		{graph(131026, 0), ActionFail, 131026},
		{graph(131047, 0), ActionFail, 131047},
		{graph(131051, 0), ActionFail, 131051},
		{graph(132000, 0), ActionFail, 132000},
		{graph(132001, 0), ActionFail, 132001},
		{graph(132015, 0), ActionFail, 132015},
		{graph(132016, 0), ActionFail, 132016},
		{graph(131021, 0), ActionFail, 131021},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			a, code := Classify(tc.err)
			if a != tc.want || code != tc.code {
				t.Fatalf("Classify = %v,%d want %v,%d", a, code, tc.want, tc.code)
			}
		})
	}
}

func TestDelays(t *testing.T) {
	mid := func() float64 { return 0.5 } // no jitter
	for _, tc := range []struct {
		attempts int
		want     time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {5, 16 * time.Second}, {10, 512 * time.Second}, {11, 10 * time.Minute}, {100, 10 * time.Minute}} {
		if got := backoffDelay(tc.attempts, mid); got != tc.want {
			t.Errorf("backoffDelay(%d)=%v want %v", tc.attempts, got, tc.want)
		}
	}
	if lo, hi := backoffDelay(3, func() float64 { return 0 }), backoffDelay(3, func() float64 { return 1 }); lo != 3200*time.Millisecond || hi != 4800*time.Millisecond {
		t.Errorf("jitter bounds %v %v", lo, hi)
	}
	for x, want := range []time.Duration{time.Second, 4 * time.Second, 16 * time.Second, 64 * time.Second} {
		if got := pairDelay(x); got != want {
			t.Errorf("pairDelay(%d)=%v want %v", x, got, want)
		}
	}
	if got := pairDelay(50); got != 4096*time.Second {
		t.Errorf("pairDelay cap = %v", got)
	}
}

func TestFailedStatusValue(t *testing.T) {
	s := store.Sender{PhoneNumberID: "106540352242922", DisplayPhoneNumber: "15550783881", TenantID: "t1", WABAID: "w1"}
	at := time.Unix(1750000000, 0)
	b, err := FailedStatusValue(s, "wamid.G", "4915112345678", at, wire.NewError(131026, "Message Undeliverable."))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
		`"statuses":[{"id":"wamid.G","status":"failed","timestamp":"1750000000","recipient_id":"4915112345678",` +
		`"errors":[{"code":131026,"title":"Message undeliverable","message":"Message undeliverable","error_data":{"details":"Message Undeliverable."},` +
		`"href":"https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]}]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var v wire.MessagesValue
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if _, err := FailedStatusValue(s, "x", "y", at, nil); err == nil {
		t.Fatal("nil error accepted")
	}
}
