package template

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

const (
	wabaA = "102290129340398" // the WABA of most fixtures
	wabaB = "57438975935"     // the WABA of the category and components fixtures
)

// fixture returns the webhook entries of one case of a fixture file.
func fixture(t *testing.T, file, name string) wire.Entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pywa", file))
	must(t, err)
	var cases map[string]json.RawMessage
	must(t, json.Unmarshal(b, &cases))
	raw, ok := cases[name]
	if !ok {
		t.Fatalf("%s has no case %q", file, name)
	}
	n, err := wire.ParseNotification(raw)
	must(t, err)
	if len(n.Entry) != 1 {
		t.Fatalf("%s/%s: %d entries", file, name, len(n.Entry))
	}
	return n.Entry[0]
}

func TestLookupKnown(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)
			ck := &clock{now: t0}
			c := NewCache(st, WithClock(ck.Now))
			if _, k := c.Lookup(wabaA, "hello", "en_US"); k != NotSynced {
				t.Errorf("empty cache: %v, want not synced", k)
			}
			must(t, st.ReplaceTemplates(t.Context(), wabaA, []store.Template{{WABAID: wabaA, Name: "hello", Language: "en_US", ID: "1",
				Category: CategoryUtility, Status: StatusApproved, ParameterFormat: "positional",
				Components: []byte(`[{"type":"BODY","text":"Hi {{1}}"}]`)}}, t0))
			// A webhook told of a template of a WABA never synced.
			_, err := st.PatchTemplate(t.Context(), store.TemplatePatch{WABAID: wabaB, Name: "promo", Language: "es", ID: "2",
				Status: StatusApproved, Category: CategoryMarketing, At: t0, Insert: true})
			must(t, err)
			if _, k := c.Lookup(wabaA, "hello", "en_US"); k != NotSynced {
				t.Errorf("before Load: %v, want not synced", k)
			}
			must(t, c.Load(t.Context()))
			tests := []struct {
				waba, name, lang string
				want             Known
			}{
				{wabaA, "hello", "en_US", Present},
				{wabaA, "hello", "pt_BR", Absent},
				{wabaA, "bye", "en_US", Absent},
				{wabaB, "promo", "es", Present},
				{wabaB, "other", "es", NotSynced},
				{"999", "hello", "en_US", NotSynced},
			}
			for _, tc := range tests {
				info, k := c.Lookup(tc.waba, tc.name, tc.lang)
				if k != tc.want {
					t.Errorf("Lookup(%s, %s, %s) = %v, want %v", tc.waba, tc.name, tc.lang, k, tc.want)
				}
				if ref, rk := c.LookupRef(tc.waba, tc.name, tc.lang); rk != k || (ref != nil) != (k == Present) {
					t.Errorf("LookupRef(%s, %s, %s) = %v %v, unlike Lookup", tc.waba, tc.name, tc.lang, ref, rk)
				}
				if k == Present && (info.Name != tc.name || info.WABAID != tc.waba) {
					t.Errorf("Lookup(%s, %s, %s) returned %+v", tc.waba, tc.name, tc.lang, info)
				}
			}
			hello := lookup(t, c, wabaA, "hello", "en_US")
			if !hello.ParamsKnown || !hello.Sendable() || hello.Format != Positional || len(hello.Slots) != 1 || hello.Slots[0].Count != 1 ||
				hello.Body != "Hi {{1}}" {
				t.Errorf("hello = %+v", hello)
			}
			if promo := lookup(t, c, wabaB, "promo", "es"); promo.ParamsKnown || promo.Category != CategoryMarketing {
				t.Errorf("webhook-only promo = %+v", promo)
			}
			if at, ok := c.Synced(wabaA); !ok || !at.Equal(t0) {
				t.Errorf("Synced(A) = %v %v", at, ok)
			}
			if _, ok := c.Synced(wabaB); ok {
				t.Error("a WABA never listed counts as synced")
			}
		})
	}
}

func TestApplyFixtures(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)
			ck := &clock{now: t0}
			c := NewCache(st, WithClock(ck.Now))
			// The last sync, an hour before the fixtures' oldest entry.
			synced := time.Unix(1674864290, 0).UTC().Add(-time.Hour)
			comps := []byte(`[{"type":"BODY","text":"Order {{1}} confirmed"}]`)
			must(t, st.ReplaceTemplates(t.Context(), wabaA, []store.Template{
				{WABAID: wabaA, Name: "order_confirmation", Language: "en_US", ID: "1689556908129832", Category: CategoryUtility,
					Status: StatusPending, ParameterFormat: "positional", Components: comps},
				{WABAID: wabaA, Name: "welcome_template", Language: "en_US", ID: "806312974732579", Category: CategoryMarketing,
					Status: StatusApproved, Quality: "GREEN", ParameterFormat: "positional", Components: comps},
			}, synced))
			must(t, st.ReplaceTemplates(t.Context(), wabaB, []store.Template{
				{WABAID: wabaB, Name: "my_message_template", Language: "he", ID: "12345678", Category: CategoryUtility,
					Status: StatusApproved, ParameterFormat: "positional", Components: comps},
			}, synced))
			must(t, c.Load(t.Context()))

			tests := []struct {
				file, name       string
				waba, tmpl, lang string
				check            func(t *testing.T, i Info)
				resync           bool
			}{
				{"template_status_update.json", "approved", wabaA, "order_confirmation", "en_US", func(t *testing.T, i Info) {
					if i.Status != StatusApproved || i.Category != CategoryUtility || i.Reason != "" || !i.ParamsKnown || !i.Sendable() {
						t.Errorf("approved: %+v", i)
					}
				}, false},
				{"template_status_update.json", "rejected", wabaA, "abandoned_cart", "en", func(t *testing.T, i Info) {
					if i.Status != StatusRejected || i.Reason != "INVALID_FORMAT" || i.Category != CategoryMarketing ||
						i.ID != "1689556908129835" || i.ParamsKnown || i.Sendable() {
						t.Errorf("rejected: %+v", i)
					}
				}, true},
				{"template_quality_update.json", "yellow", wabaA, "welcome_template", "en_US", func(t *testing.T, i Info) {
					if i.Quality != "YELLOW" || i.Status != StatusApproved {
						t.Errorf("yellow: %+v", i)
					}
				}, false},
				{"template_category_update.json", "marketing", wabaB, "my_message_template", "he", func(t *testing.T, i Info) {
					if i.Category != CategoryMarketing || i.Status != StatusApproved || !i.ParamsKnown {
						t.Errorf("marketing: %+v", i)
					}
				}, false},
				{"template_components_update.json", "element", wabaB, "my_message_template", "he", func(t *testing.T, i Info) {
					if i.Category != CategoryMarketing {
						t.Errorf("a components update changed %+v", i)
					}
				}, true},
			}
			for _, tc := range tests {
				t.Run(tc.file+"/"+tc.name, func(t *testing.T) {
					entry := fixture(t, tc.file, tc.name)
					if entry.ID != tc.waba {
						t.Fatalf("fixture entry is of WABA %s", entry.ID)
					}
					must(t, c.ApplyEntry(t.Context(), entry))
					tc.check(t, lookup(t, c, tc.waba, tc.tmpl, tc.lang))
					if got := resyncs(c); tc.resync != slices.Contains(got, tc.waba) {
						t.Errorf("resync requests %v, want one for %s: %v", got, tc.waba, tc.resync)
					}
				})
			}

			// Another replica sees every change once it reloads.
			other := NewCache(st)
			must(t, other.Load(t.Context()))
			for _, k := range [][3]string{{wabaA, "order_confirmation", "en_US"}, {wabaA, "abandoned_cart", "en"}, {wabaB, "my_message_template", "he"}} {
				mine, theirs := lookup(t, c, k[0], k[1], k[2]), lookup(t, other, k[0], k[1], k[2])
				if mine.Status != theirs.Status || mine.Category != theirs.Category || mine.Quality != theirs.Quality {
					t.Errorf("%v: this replica %+v, the other %+v", k, mine, theirs)
				}
			}
		})
	}
}

func TestApplyOrderAndRefusals(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)
			ck := &clock{now: t0}
			c := NewCache(st, WithClock(ck.Now))
			must(t, st.ReplaceTemplates(t.Context(), wabaA, []store.Template{{WABAID: wabaA, Name: "promo", Language: "pt_BR", ID: "5",
				Category: CategoryMarketing, Status: StatusApproved, ParameterFormat: "named",
				Components: []byte(`[{"type":"BODY","text":"Oi {{nome}}"}]`)}}, t0))
			must(t, c.Load(t.Context()))
			status := func(event, title string) wire.Change {
				v := map[string]any{"event": event, "message_template_id": 5, "message_template_name": "promo",
					"message_template_language": "pt_BR", "reason": "NONE", "message_template_category": "MARKETING"}
				if title != "" {
					v["other_info"] = map[string]string{"title": title, "description": "x"}
				}
				b, _ := json.Marshal(v)
				return wire.Change{Field: wire.FieldTemplateStatus, Value: b}
			}
			steps := []struct {
				name       string
				at         time.Time
				change     wire.Change
				wantStatus string
				wantReason string
			}{
				{"paused", t0.Add(2 * time.Hour), status("PAUSED", "FIRST_PAUSE"), StatusPaused, "FIRST_PAUSE"},
				{"an older approval arriving late changes nothing", t0.Add(time.Hour), status("APPROVED", ""), StatusPaused, "FIRST_PAUSE"},
				{"unpaused", t0.Add(5 * time.Hour), status("APPROVED", "UNPAUSE"), StatusApproved, ""},
				{"disabled", t0.Add(6 * time.Hour), status("DISABLED", "DISABLED"), StatusDisabled, "DISABLED"},
				{"reinstated", t0.Add(7 * time.Hour), status("REINSTATED", ""), StatusApproved, ""},
				{"unarchived says no status", t0.Add(8 * time.Hour), status("UNARCHIVED", ""), StatusApproved, ""},
			}
			for _, s := range steps {
				ok, err := c.Apply(t.Context(), wabaA, s.at, s.change)
				if err != nil || !ok {
					t.Fatalf("%s: Apply = %v, %v", s.name, ok, err)
				}
				i := lookup(t, c, wabaA, "promo", "pt_BR")
				if i.Status != s.wantStatus || i.Reason != s.wantReason || i.Format != Named || !i.ParamsKnown {
					t.Errorf("%s: %+v, want status %s reason %q", s.name, i, s.wantStatus, s.wantReason)
				}
			}
			// A change without a time is timed by the cache's clock.
			ck.now = t0.Add(9 * time.Hour)
			if _, err := c.Apply(t.Context(), wabaA, time.Time{}, status("PAUSED", "SECOND_PAUSE")); err != nil {
				t.Fatal(err)
			}
			if i := lookup(t, c, wabaA, "promo", "pt_BR"); i.Status != StatusPaused || !i.UpdatedAt.Equal(ck.now) {
				t.Errorf("untimed pause: %+v", i)
			}

			bad := []struct {
				name   string
				waba   string
				change wire.Change
			}{
				{"no template name", wabaA, wire.Change{Field: wire.FieldTemplateQuality, Value: json.RawMessage(`{"new_quality_score":"RED","message_template_language":"pt_BR"}`)}},
				{"no new category", wabaA, wire.Change{Field: wire.FieldTemplateCategory, Value: json.RawMessage(`{"message_template_name":"promo","message_template_language":"pt_BR"}`)}},
				{"value not an object", wabaA, wire.Change{Field: wire.FieldTemplateStatus, Value: json.RawMessage(`[1]`)}},
				{"id neither string nor number", wabaA, wire.Change{Field: wire.FieldTemplateStatus, Value: json.RawMessage(`{"event":"PAUSED","message_template_id":true,"message_template_name":"promo","message_template_language":"pt_BR"}`)}},
				{"no WABA", "", status("PAUSED", "")},
			}
			for _, b := range bad {
				ok, err := c.Apply(t.Context(), b.waba, t0.Add(10*time.Hour), b.change)
				if !ok || !errors.Is(err, ErrBadChange) {
					t.Errorf("%s: Apply = %v, %v; want a template change refused with ErrBadChange", b.name, ok, err)
				}
			}
			if i := lookup(t, c, wabaA, "promo", "pt_BR"); i.Status != StatusPaused || i.Quality != "" || i.Category != CategoryMarketing {
				t.Errorf("a refused change left its mark: %+v", i)
			}
			if ok, err := c.Apply(t.Context(), wabaA, t0, wire.Change{Field: "account_update", Value: json.RawMessage(`{}`)}); ok || err != nil {
				t.Errorf("account_update: Apply = %v, %v; want not a template change", ok, err)
			}
		})
	}
}

func TestCreatedAndDeletedThroughGateway(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			st := e.open(t)
			ck := &clock{now: t0}
			c := NewCache(st, WithClock(ck.Now))
			req := []byte(`{"name":"pedido","language":"pt_BR","category":"utility","parameter_format":"named",
				"components":[{"type":"BODY","text":"Pedido {{numero}} de {{cliente}}","example":{"body_text_named_params":[{"param_name":"numero","example":"1"}]}}]}`)
			must(t, c.TemplateCreated(t.Context(), wabaA, req, []byte(`{"id":"7001","status":"PENDING","category":"UTILITY"}`)))
			i := lookup(t, c, wabaA, "pedido", "pt_BR")
			if i.ID != "7001" || i.Status != StatusPending || i.Format != Named || !i.ParamsKnown || len(i.Slots) != 1 ||
				!slices.Equal(i.Slots[0].Names, []string{"numero", "cliente"}) {
				t.Errorf("created: %+v", i)
			}
			// A second language of the same name, then its approval.
			must(t, c.TemplateCreated(t.Context(), wabaA, []byte(`{"name":"pedido","language":"en","category":"UTILITY",
				"components":[{"type":"BODY","text":"Order {{1}}"}]}`), []byte(`{"id":"7002","status":"APPROVED","category":"UTILITY"}`)))
			if en := lookup(t, c, wabaA, "pedido", "en"); en.Format != Positional || en.Status != StatusApproved {
				t.Errorf("second language: %+v", en)
			}
			// A failed creation (no id) records nothing; a malformed one is an error.
			must(t, c.TemplateCreated(t.Context(), wabaA, []byte(`{"name":"x","language":"en"}`), []byte(`{}`)))
			if _, k := c.Lookup(wabaA, "x", "en"); k != NotSynced {
				t.Errorf("a creation without an id was recorded: %v", k)
			}
			if err := c.TemplateCreated(t.Context(), wabaA, []byte(`nope`), []byte(`{"id":"1"}`)); err == nil {
				t.Error("a malformed creation request was accepted")
			}

			ck.now = t0.Add(time.Hour)
			must(t, c.TemplatesDeleted(t.Context(), wabaA, "pedido", "7002"))
			if en, pt := lookup(t, c, wabaA, "pedido", "en"), lookup(t, c, wabaA, "pedido", "pt_BR"); en.Status != StatusDeleted || pt.Status != StatusPending {
				t.Errorf("deleting one id: en %s, pt_BR %s", en.Status, pt.Status)
			}
			must(t, c.TemplatesDeleted(t.Context(), wabaA, "pedido", ""))
			if pt := lookup(t, c, wabaA, "pedido", "pt_BR"); pt.Status != StatusDeleted || pt.Sendable() {
				t.Errorf("deleting the name: pt_BR %+v", pt)
			}
		})
	}
}
