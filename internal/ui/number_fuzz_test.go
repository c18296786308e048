package ui

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// FuzzTimelineEntry: a number's timeline reads events exactly as Meta (or
// anyone who got hold of the webhook URL before the signature check was
// configured) sent them. Whatever the bytes, turning one into a row must
// not panic, must give a row with a kind and a time, and must never put an
// event that names another number on this number's page. Seeded with
// Meta's real account and template events.
func FuzzTimelineEntry(f *testing.F) {
	raw, err := os.ReadFile("testdata/events.json")
	if err != nil {
		f.Fatal(err)
	}
	var seeds []struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &seeds); err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s.Field, []byte(s.Value))
	}
	f.Add(dispatch.SenderEventField, []byte(`{"event":"SENDER_STOPPED","error":{"code":131031,"title":"Account locked","error_data":{"details":"x"}}}`))
	f.Add("phone_number_quality_update", []byte(`{"display_phone_number":"+55 11 4000-0009","event":"DOWNGRADE"}`))
	f.Add("account_update", []byte(`{"entity_type":"PHONE_NUMBER","entity_id":"p9","event":"ACCOUNT_RESTRICTION"}`))
	f.Add("account_update", []byte(`null`))
	f.Add("x", []byte(`{"metadata":{"phone_number_id":"other"}}`))

	snd := store.Sender{PhoneNumberID: "p1", DisplayPhoneNumber: "+55 11 4000-0001"}
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, field string, value []byte) {
		for _, lang := range []refusal.Lang{refusal.PT, refusal.EN, refusal.ES} {
			row, mine := timelineEntry(lang, snd, store.Forward{Field: field, Value: value, CreatedAt: at})
			if row.At == "" {
				t.Fatal("a row without a time")
			}
			if row.Kind == "" && field != "" {
				t.Fatalf("field %q gave a row without a kind", field)
			}
			if !mine {
				continue
			}
			var v struct {
				Metadata *struct {
					PhoneNumberID string `json:"phone_number_id"`
				} `json:"metadata"`
				EntityType string `json:"entity_type"`
				EntityID   string `json:"entity_id"`
			}
			if json.Unmarshal(value, &v) != nil {
				continue
			}
			if v.Metadata != nil && v.Metadata.PhoneNumberID != "" && v.Metadata.PhoneNumberID != snd.PhoneNumberID {
				t.Fatalf("an event for number %q is on %q's timeline", v.Metadata.PhoneNumberID, snd.PhoneNumberID)
			}
			if (v.Metadata == nil || v.Metadata.PhoneNumberID == "") && strings.EqualFold(v.EntityType, "PHONE_NUMBER") &&
				v.EntityID != "" && v.EntityID != snd.PhoneNumberID {
				t.Fatalf("an event for number %q is on %q's timeline", v.EntityID, snd.PhoneNumberID)
			}
		}
	})
}
