package optout_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/optout"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// signalsOf turns a fixture webhook into the signals webhook processing
// emits for it, for tenant acme.
func signalsOf(t *testing.T, file, name string, replace ...string) []signal.Signal {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	n, err := wire.ParseNotification([]byte(strings.NewReplacer(replace...).Replace(string(all[name]))))
	if err != nil {
		t.Fatal(err)
	}
	var out []signal.Signal
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if c.Field != wire.FieldMessages {
				out = append(out, signal.Signal{Kind: signal.Event, TenantID: "acme", Field: c.Field, Raw: c.Value})
				continue
			}
			v, err := c.Messages()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range v.Messages {
				var hdr wire.InboundHeader
				_ = json.Unmarshal(m, &hdr)
				out = append(out, signal.Signal{Kind: signal.Inbound, TenantID: "acme", WaID: hdr.From, MessageID: hdr.ID, Field: c.Field, Raw: m})
			}
			for _, st := range v.Statuses {
				raw, _ := json.Marshal(st)
				s := signal.Signal{Kind: signal.Status, TenantID: "acme", WaID: st.RecipientID, MessageID: st.ID, Status: st.Status, Field: c.Field, Raw: raw}
				for _, e := range st.Errors {
					s.Codes = append(s.Codes, e.Code)
				}
				out = append(out, s)
			}
		}
	}
	return out
}

func TestRecorderWritesTheLedger(t *testing.T) {
	box, _ := secret.NewBox(secret.NewKey())
	tests := []struct {
		name     string
		file     string
		fixture  string
		replace  []string
		contact  string
		category consent.Category
		action   consent.Action
		source   consent.Source
		tenant   string
	}{
		{"stop promotions button", "callback_button.json", "quick_reply", []string{`"text": "title"`, `"text": "Stop promotions"`},
			"+972987654321", consent.Marketing, consent.OptOut, consent.WhatsAppKeyword, "acme"},
		{"unsubscribe payload opts out of all", "callback_button.json", "quick_reply", []string{`"payload": "callback_data"`, `"payload": "UNSUBSCRIBE"`},
			"+972987654321", consent.Utility, consent.OptOut, consent.WhatsAppKeyword, "acme"},
		{"user_preferences stop", "user_marketing_preferences.json", "resume", []string{`"value": "resume"`, `"value": "stop"`},
			"+16505551234", consent.Marketing, consent.OptOut, consent.UserPreferences, "acme"},
		{"user_preferences resume", "user_marketing_preferences.json", "resume", nil,
			"+16505551234", consent.Marketing, consent.OptIn, consent.UserPreferences, "acme"},
		{"131050 failure", "message_status.json", "failed", []string{"130472", "131050"},
			"+972987654321", consent.Marketing, consent.OptOut, consent.Error131050, "acme"},
		{"an ordinary button records nothing", "callback_button.json", "quick_reply", nil,
			"+972987654321", consent.Marketing, "", "", "acme"},
		{"another failure records nothing", "message_status.json", "failed", nil,
			"+972987654321", consent.Marketing, "", "", "acme"},
		{"nobody's number records nothing", "callback_button.json", "quick_reply", []string{`"text": "title"`, `"text": "Stop promotions"`},
			"+972987654321", consent.Marketing, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "w.db"), box)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			ledger := consent.New(st)
			rec := optout.NewRecorder(ledger, nil, nil)
			batch := signalsOf(t, tc.file, tc.fixture, tc.replace...)
			for i := range batch {
				batch[i].TenantID = tc.tenant
			}
			// Twice: webhook batches are offered again after a failure.
			for range 2 {
				if err := rec.Consume(t.Context(), batch); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ledger.StateByWaID(t.Context(), "acme", strings.TrimPrefix(tc.contact, "+"), tc.category)
			if err != nil {
				t.Fatal(err)
			}
			if got.Action != tc.action || got.Source != tc.source {
				t.Fatalf("state %+v, want %s from %s", got, tc.action, tc.source)
			}
			rep, err := ledger.Verify(t.Context(), "acme")
			if err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			if tc.action != "" {
				want = 1 // the second offer wrote nothing
			}
			if !rep.OK || rep.Records != want {
				t.Fatalf("chain %+v, want %d records", rep, want)
			}
		})
	}
}

// An opt-out is never lost to an opt-in the ledger wrote in between: a
// STOP processed late still stops.
func TestRecorderOptOutWinsOverANewerOptIn(t *testing.T) {
	box, _ := secret.NewBox(secret.NewKey())
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "w.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ledger := consent.New(st)
	if _, err := ledger.Record(t.Context(), consent.Request{TenantID: "acme", Contact: "+16505551234", Action: consent.OptIn,
		Category: consent.Marketing, Source: consent.WebForm,
		Evidence: consent.Evidence{Text: "Quero ofertas", URL: "https://acme.example/f", At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	batch := signalsOf(t, "user_marketing_preferences.json", "resume", `"value": "resume"`, `"value": "stop"`)
	if err := optout.NewRecorder(ledger, nil, nil).Consume(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	got, _ := ledger.State(t.Context(), "acme", "+16505551234", consent.Marketing)
	if got.Action != consent.OptOut {
		t.Fatalf("state %+v: the late stop was lost", got)
	}
}
