package inbound

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// routingStores are the real engines the routing test runs on.
var routingStores = []struct {
	name string
	open func(t *testing.T) testStore
}{
	{"sqlite", func(t *testing.T) testStore { return newTestStore(t) }},
	{"postgres", func(t *testing.T) testStore {
		st, err := postgres.Open(t.Context(), pgtest.DSN(t), storetest.Sealer(t))
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}},
}

// routedTenant is one tenant of the routing test: its WABA, a number and
// that number's display form.
type routedTenant struct {
	id, waba, pnid, display string
}

// fieldValues gives, for every webhook field of Meta's list, a value shaped
// like Meta's (after the references and the SDK's fixtures) concerning t's
// WABA or number.
func fieldValues(t routedTenant) map[string]string {
	md := fmt.Sprintf(`"messaging_product":"whatsapp","metadata":{"display_phone_number":%q,"phone_number_id":%q}`, t.display, t.pnid)
	return map[string]string{
		// WABA-level.
		"account_update":                     `{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1641330498}]}`,
		"account_review_update":              `{"decision":"APPROVED"}`,
		"account_alerts":                     `{"entity_type":"BUSINESS","entity_id":"5550001","alert_info":{"alert_severity":"INFORMATIONAL","alert_status":"ACTIVE","alert_type":"OBA_APPROVED","alert_description":"approved"}}`,
		"business_capability_update":         `{"max_daily_conversations_per_business":2000,"max_phone_numbers_per_business":2}`,
		"message_template_status_update":     `{"event":"APPROVED","message_template_id":1689556908129832,"message_template_name":"order_confirmation","message_template_language":"en_US","reason":"NONE","message_template_category":"UTILITY"}`,
		"message_template_quality_update":    `{"previous_quality_score":"GREEN","new_quality_score":"YELLOW","message_template_id":1689556908129832,"message_template_name":"order_confirmation","message_template_language":"en_US"}`,
		"message_template_components_update": `{"message_template_id":1689556908129832,"message_template_name":"order_confirmation","message_template_language":"en_US","message_template_element":"Your order is confirmed"}`,
		"template_category_update":           `{"message_template_id":12345678,"message_template_name":"my_message_template","message_template_language":"he","new_category":"MARKETING","previous_category":"UTILITY"}`,
		"partner_solutions":                  `{"event":"SOLUTION_CREATED","solution_id":"777","solution_status":"ACTIVE"}`,
		"payment_configuration_update":       `{"configuration_name":"pix","provider_name":"upi","status":"Active"}`,
		"automatic_events":                   `{"event":"PURCHASE","ctwa_clid":"abc"}`,
		// Per number, by display_phone_number.
		"phone_number_quality_update": fmt.Sprintf(`{"display_phone_number":%q,"event":"FLAGGED","current_limit":"TIER_10K"}`, t.display),
		"phone_number_name_update":    fmt.Sprintf(`{"display_phone_number":%q,"decision":"APPROVED","requested_verified_name":"Acme","rejection_reason":null}`, t.display),
		"security":                    fmt.Sprintf(`{"display_phone_number":%q,"event":"PIN_RESET_REQUEST","requester":"12345"}`, t.display),
		// Per number, by phone_number_id.
		"user_preferences":     `{` + md + `,"contacts":[{"profile":{"name":"Ana"},"wa_id":"5511988887777"}],"user_preferences":[{"wa_id":"5511988887777","detail":"User requested to stop marketing messages","category":"marketing_messages","value":"stop","timestamp":1731705721}]}`,
		"calls":                `{` + md + `,"calls":[{"id":"wacid.x=","to":"` + t.display + `","from":"5511988887777","event":"connect","timestamp":"1752582933","direction":"USER_INITIATED"}]}`,
		"history":              `{` + md + `,"history":[{"metadata":{"phase":0,"chunk_order":1,"progress":10}}]}`,
		"smb_app_state_sync":   `{` + md + `,"state_sync":[{"type":"contact","contact":{"full_name":"Ana","phone_number":"5511988887777"},"action":"add"}]}`,
		"smb_message_echoes":   `{` + md + `,"message_echoes":[{"from":"` + t.display + `","to":"5511988887777","id":"wamid.echo","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]}`,
		"account_alerts_phone": fmt.Sprintf(`{"entity_type":"PHONE_NUMBER","entity_id":%q,"alert_info":{"alert_severity":"WARNING","alert_status":"ACTIVE","alert_type":"PROFILE_PICTURE_LOST","alert_description":"lost"}}`, t.pnid),
	}
}

// fieldOf maps a case name of fieldValues to the webhook field it is sent
// as (two cases share account_alerts).
func fieldOf(name string) string { return strings.TrimSuffix(name, "_phone") }

// TestEveryFieldReachesOnlyItsTenant sends every webhook field for one
// tenant's WABA and number through a two-tenant setup, on both engines, and
// checks that exactly that tenant receives it, unchanged, and the other
// tenant nothing. It also tries to put the second tenant's number into the
// first one's WABA (how events used to leak): that is refused.
func TestEveryFieldReachesOnlyItsTenant(t *testing.T) {
	t.Parallel()
	a := routedTenant{id: "tenant-a", waba: "waba-a", pnid: "1110001", display: "+55 11 4000-1111"}
	b := routedTenant{id: "tenant-b", waba: "waba-b", pnid: "2220002", display: "+1 555 000 2222"}
	for _, eng := range routingStores {
		t.Run(eng.name, func(t *testing.T) {
			t.Parallel()
			st := eng.open(t)
			seedTenant(t, st, a.id, a.waba, a.pnid)
			seedTenant(t, st, b.id, b.waba, b.pnid)
			ctx := t.Context()
			// Display numbers as operators write them (spaces, dashes).
			for _, rt := range []routedTenant{a, b} {
				if err := st.PutSender(ctx, store.Sender{PhoneNumberID: rt.pnid, TenantID: rt.id, WABAID: rt.waba, DisplayPhoneNumber: rt.display, State: store.SenderActive}); err != nil {
					t.Fatal(err)
				}
			}
			// A second number of A in A's WABA, so that routing by number
			// has a choice to get wrong.
			if err := st.PutSender(ctx, store.Sender{PhoneNumberID: "1110009", TenantID: a.id, WABAID: a.waba, DisplayPhoneNumber: "+55 11 4000-9999", State: store.SenderActive}); err != nil {
				t.Fatal(err)
			}
			err := st.PutSender(ctx, store.Sender{PhoneNumberID: "2220009", TenantID: b.id, WABAID: a.waba, State: store.SenderActive})
			if !errors.Is(err, store.ErrWABAOwned) {
				t.Errorf("B's number joined A's WABA: err = %v", err)
			}
			r := newRig(t, st, 0)
			for _, from := range []routedTenant{a, b} {
				values := fieldValues(from)
				names := make([]string, 0, len(values))
				for n := range values {
					names = append(names, n)
				}
				slices.Sort(names)
				for _, name := range names {
					field, value := fieldOf(name), values[name]
					body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"` + from.waba + `","time":1700000000,"changes":[{"field":"` + field + `","value":` + value + `}]}]}`)
					if code := r.post(t, body); code != http.StatusOK {
						t.Fatalf("%s: post answered %d", name, code)
					}
					r.drain(t)
					fws := r.forwards(t)
					if len(fws) != 1 {
						got := make([]string, 0, len(fws))
						for _, f := range fws {
							got = append(got, f.TenantID)
						}
						t.Errorf("%s for %s: forwarded to %v, want only %s", name, from.id, got, from.id)
						continue
					}
					f := fws[0]
					if f.TenantID != from.id || f.WABAID != from.waba || f.Field != field || string(f.Value) != value {
						t.Errorf("%s for %s: forward = %s %s %s %s", name, from.id, f.TenantID, f.WABAID, f.Field, f.Value)
					}
					if err := st.CompleteForwards(ctx, []int64{f.ID}, t0); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

// TestUnownedEventsAreNotForwarded checks that an event for a WABA or a
// number nobody owns goes to nobody rather than to everyone.
func TestUnownedEventsAreNotForwarded(t *testing.T) {
	t.Parallel()
	st := newTestStore(t)
	seedTenant(t, st, "tenant-a", "waba-a", "1110001")
	seedTenant(t, st, "tenant-b", "waba-b", "2220002")
	r := newRig(t, st, 0)
	cases := []struct{ name, waba, field, value string }{
		{"unknown WABA", "waba-x", "account_update", `{"event":"DISABLED_UPDATE"}`},
		{"unknown WABA, number named", "waba-x", "security", `{"display_phone_number":"15550001111","event":"PIN_CHANGED"}`},
		{"unknown number in a known WABA", "waba-a", "user_preferences",
			`{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550009999","phone_number_id":"9990009"},"user_preferences":[{"wa_id":"1","category":"marketing_messages","value":"stop","timestamp":1}]}`},
		{"unknown phone entity", "waba-a", "account_alerts", `{"entity_type":"PHONE_NUMBER","entity_id":"9990009","alert_info":{"alert_type":"OBA_APPROVED"}}`},
	}
	for _, tc := range cases {
		body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"` + tc.waba + `","changes":[{"field":"` + tc.field + `","value":` + tc.value + `}]}]}`)
		if code := r.post(t, body); code != http.StatusOK {
			t.Fatalf("%s: post answered %d", tc.name, code)
		}
		r.drain(t)
		if fws := r.forwards(t); len(fws) != 0 {
			t.Errorf("%s: forwarded to %s", tc.name, fws[0].TenantID)
		}
	}
}
