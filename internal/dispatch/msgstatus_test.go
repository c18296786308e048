package dispatch

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// TestMessageStatusIsKept: Meta's message_status in the send answer
// (template pacing) is kept on the message, not flattened into "sent", and
// counted by value.
func TestMessageStatusIsKept(t *testing.T) {
	answers := map[string]string{ // recipient → message_status Meta answers
		"1": wire.MessageStatusHeld,
		"2": wire.MessageStatusPaused,
		"3": wire.MessageStatusAccepted,
		"4": "",
		"5": "something_new",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			To string `json:"to"`
		}
		_ = json.Unmarshal(b, &req)
		_ = json.NewEncoder(w).Encode(wire.SendResponse{MessagingProduct: "whatsapp",
			Messages: []wire.SentMessage{{ID: "meta." + req.To, MessageStatus: answers[req.To]}}})
	}))
	t.Cleanup(srv.Close)
	c := newFakeClock()
	st := newMemStore()
	seed(st, c, "1", "2", "3", "4", "5")
	h := start(t, st, c, cloudapi.New(srv.URL, "v23.0", srv.Client()), nil)
	eventually(t, "all sent", func() bool { return st.count(store.StateSent) == 5 })
	h.stop()

	tests := []struct {
		id, want string
	}{
		{"m000", wire.MessageStatusHeld}, {"m001", wire.MessageStatusPaused}, {"m002", wire.MessageStatusAccepted},
		{"m003", ""}, {"m004", "something_new"},
	}
	for _, tc := range tests {
		if got := st.get(tc.id).MessageStatus; got != tc.want {
			t.Errorf("%s: message_status %q, want %q", tc.id, got, tc.want)
		}
	}
	for label, want := range map[string]float64{wire.MessageStatusHeld: 1, wire.MessageStatusPaused: 1,
		wire.MessageStatusAccepted: 1, "none": 1, "other": 1} {
		if got := counterValue(t, h.met.MessageStatus.WithLabelValues(label)); got != want {
			t.Errorf("%s: counted %v, want %v", label, got, want)
		}
	}
}
