package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/wire/wiretest"
)

// simUpstream makes the simulator the env's Meta, with the fixture's
// numbers, so pass-through answers are the simulator's Graph shapes.
func simUpstream(t *testing.T, e *env, extra ...sim.Number) {
	t.Helper()
	cfg := sim.FastConfig()
	cfg.Numbers = append([]sim.Number{
		{PhoneNumberID: pnA, WABAID: wabaA, DisplayPhoneNumber: "+1 555 1001", VerifiedName: "A", ThroughputMPS: 80, QualityRating: "GREEN", MessagingLimitTier: "TIER_1K", Status: "LINKED"}, // the specification's listing enum
		{PhoneNumberID: pnB, WABAID: wabaB, DisplayPhoneNumber: "+1 555 2002", VerifiedName: "B", ThroughputMPS: 80, QualityRating: "GREEN", MessagingLimitTier: "TIER_1K", Status: "LINKED"}, // the specification's listing enum
	}, extra...)
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	h := s.Handler()
	e.upMu.Lock()
	// The env's fake Meta has read the body to record it; the simulator
	// gets the recorded copy.
	e.upReply = func(w http.ResponseWriter, r *http.Request) {
		calls := e.calls()
		r.Body = io.NopCloser(bytes.NewReader(calls[len(calls)-1].body))
		h.ServeHTTP(w, r)
	}
	e.upMu.Unlock()
}

// jsonKeys decodes an object answer, failing on anything else.
func jsonKeys(t *testing.T, r response) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// TestOwnedEdgesPassThrough walks every Graph edge clients call beyond
// sending (issue 7, item 4) as tenant A: on A's own number or WABA each
// reaches Meta (the simulator) with A's token and comes back in Meta's
// shape; on B's objects and on ids nobody has, each is Graph's 100/33 and
// Meta sees nothing. Before these routes existed every one of them was
// "Unknown path components".
func TestOwnedEdgesPassThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	simUpstream(t, e)
	const user = "+15551234567"
	blockBody := `{"messaging_product":"whatsapp","block_users":[{"user":"` + user + `"}]}`
	form := map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "application/x-www-form-urlencoded"}
	jsonCT := map[string]string{"Authorization": "Bearer " + e.keyA, "Content-Type": "application/json"}

	type route struct {
		name, method, path, body string // path has %s for the object id
		headers                  map[string]string
		kind                     string // "phone" or "waba"
		wantKeys                 []string
	}
	routes := []route{
		{"list phone numbers", "GET", "/v23.0/%s/phone_numbers", "", bearer(e.keyA), "waba", []string{"data", "paging"}},
		{"list phone numbers unversioned", "GET", "/%s/phone_numbers?fields=id,health_status", "", bearer(e.keyA), "waba", []string{"data"}},
		{"subscribed apps", "GET", "/v23.0/%s/subscribed_apps", "", bearer(e.keyA), "waba", []string{"data"}},
		{"subscribe app", "POST", "/v23.0/%s/subscribed_apps", "", bearer(e.keyA), "waba", []string{"success"}},
		{"business profile", "GET", "/v23.0/%s/whatsapp_business_profile?fields=about,websites", "", bearer(e.keyA), "phone", []string{"data"}},
		{"update business profile", "POST", "/v23.0/%s/whatsapp_business_profile", `{"messaging_product":"whatsapp","about":"Open 9-5","websites":["https://a.example"]}`, jsonCT, "phone", []string{"success"}},
		{"update business profile form", "POST", "/%s/whatsapp_business_profile", "messaging_product=whatsapp&about=Closed", form, "phone", []string{"success"}},
		{"block user", "POST", "/v23.0/%s/block_users", blockBody, jsonCT, "phone", []string{"messaging_product", "block_users"}},
		{"blocked users", "GET", "/v23.0/%s/block_users", "", bearer(e.keyA), "phone", []string{"data", "paging"}},
		{"unblock user", "DELETE", "/v23.0/%s/block_users", blockBody, jsonCT, "phone", []string{"messaging_product", "block_users"}},
		{"create QR code", "POST", "/v23.0/%s/message_qrdls?prefilled_message=Hi&generate_qr_image=SVG", "", bearer(e.keyA), "phone", []string{"code", "prefilled_message", "deep_link_url", "qr_image_url"}},
		{"QR codes", "GET", "/v23.0/%s/message_qrdls", "", bearer(e.keyA), "phone", []string{"data"}},
		{"phone number fields", "GET", "/v23.0/%s?fields=health_status,throughput,quality_rating,messaging_limit_tier", "", bearer(e.keyA), "phone", []string{"id", "health_status", "throughput", "quality_rating"}},
		{"WABA node", "GET", "/v23.0/%s?fields=id,name,timezone_id,message_template_namespace", "", bearer(e.keyA), "waba", []string{"id", "name", "timezone_id", "message_template_namespace"}},
	}
	ownID := map[string]string{"phone": pnA, "waba": wabaA}
	for _, rt := range routes {
		t.Run("own/"+rt.name, func(t *testing.T) {
			id := ownID[rt.kind]
			base := len(e.calls())
			r := request(t, e.srv, rt.method, sprintf(rt.path, id), rt.body, rt.headers)
			if r.status != 200 {
				t.Fatalf("= %d %s, want 200", r.status, r.body)
			}
			path, _, _ := strings.Cut(sprintf(rt.path, id), "?")
			if !strings.HasPrefix(path, "/v") {
				path = "/v23.0" + path
			}
			wiretest.ValidateResponse(t, rt.method, path, r.status, r.body)
			m := jsonKeys(t, r)
			for _, k := range rt.wantKeys {
				if _, ok := m[k]; !ok {
					t.Errorf("answer %s lacks %q", r.body, k)
				}
			}
			calls := e.calls()[base:]
			if len(calls) != 1 || calls[0].auth != "Bearer meta-token-tenant-a" || calls[0].method != rt.method ||
				!strings.HasPrefix(calls[0].path, "/v23.0/"+id) {
				t.Fatalf("upstream saw %+v", calls)
			}
			if strings.Contains(calls[0].query, "access_token") {
				t.Errorf("the gateway key travelled: %q", calls[0].query)
			}
		})
	}

	// The QR code just created is reachable by its code, then deleted.
	r := request(t, e.srv, "GET", "/v23.0/"+pnA+"/message_qrdls", "", bearer(e.keyA))
	var qrs struct {
		Data []struct {
			Code string `json:"code"`
		} `json:"data"`
	}
	if json.Unmarshal(r.body, &qrs) != nil || len(qrs.Data) != 1 {
		t.Fatalf("QR codes = %s", r.body)
	}
	code := qrs.Data[0].Code
	if r := request(t, e.srv, "GET", "/v23.0/"+pnA+"/message_qrdls/"+code, "", bearer(e.keyA)); r.status != 200 || !strings.Contains(string(r.body), code) {
		t.Errorf("QR code by code = %d %s", r.status, r.body)
	}
	if r := request(t, e.srv, "DELETE", "/v23.0/"+pnA+"/message_qrdls/"+code, "", bearer(e.keyA)); r.status != 200 {
		t.Errorf("delete QR code = %d %s", r.status, r.body)
	}
	// The profile update and the block are what Meta now reports.
	if r := request(t, e.srv, "GET", "/v23.0/"+pnA+"/whatsapp_business_profile?fields=about", "", bearer(e.keyA)); !strings.Contains(string(r.body), `"about":"Closed"`) {
		t.Errorf("profile after update = %s", r.body)
	}

	base := len(e.calls())
	others := map[string][]string{"phone": {pnB, "3003"}, "waba": {wabaB, "9003"}}
	for _, rt := range routes {
		for _, id := range others[rt.kind] {
			t.Run("foreign/"+rt.name+"/"+id, func(t *testing.T) {
				wantUnknown(t, request(t, e.srv, rt.method, sprintf(rt.path, id), rt.body, rt.headers), rt.method, id)
			})
		}
		// An edge on the wrong kind of owned object does not exist either.
		wrong := map[string]string{"phone": wabaA, "waba": pnA}[rt.kind]
		if strings.Contains(rt.path, "%s/") {
			t.Run("wrong kind/"+rt.name, func(t *testing.T) {
				wantUnknown(t, request(t, e.srv, rt.method, sprintf(rt.path, wrong), rt.body, rt.headers), rt.method, wrong)
			})
		}
	}
	for _, path := range []string{"/v23.0/" + pnB + "/message_qrdls/" + code, "/v23.0/3003/message_qrdls/" + code} {
		id := strings.Split(path, "/")[2]
		wantUnknown(t, request(t, e.srv, "DELETE", path, "", bearer(e.keyA)), "DELETE", id)
	}
	// Parameters that would reach another object, in the query or a form body.
	for _, rt := range []struct{ method, path, body string }{
		{"GET", "/v23.0/" + pnA + "/block_users?method=delete", ""},
		{"POST", "/v23.0/" + pnA + "/whatsapp_business_profile", "method=delete&messaging_product=whatsapp"},
		{"POST", "/v23.0/" + pnA + "/block_users", "ids=" + pnB + "&messaging_product=whatsapp"},
	} {
		wantUnknown(t, request(t, e.srv, rt.method, rt.path, rt.body, form), rt.method, pnA)
	}
	wantUnknown(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/whatsapp_business_profile",
		`{"messaging_product":"whatsapp","method":"delete"}`, jsonCT), "POST", pnA)
	if calls := e.calls()[base:]; len(calls) != 0 {
		t.Fatalf("refusals reached Meta %d times: %+v", len(calls), calls)
	}
}

// Nobody may point a WABA's webhooks away from the gateway: Meta's
// per-WABA callback override is refused, in the query, a JSON body or a
// form body, and never reaches Meta; a plain subscription passes.
func TestSubscribedAppsKeepsWebhooksAtGateway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	simUpstream(t, e)
	base := len(e.calls())
	for _, rt := range []struct{ path, body, ct string }{
		{"/v23.0/" + wabaA + "/subscribed_apps?override_callback_uri=https://evil.example/hook&verify_token=x", "", ""},
		{"/v23.0/" + wabaA + "/subscribed_apps", `{"override_callback_uri":"https://evil.example/hook","verify_token":"x"}`, "application/json"},
		{"/v23.0/" + wabaA + "/subscribed_apps", "override_callback_uri=https%3A%2F%2Fevil.example&verify_token=x", "application/x-www-form-urlencoded"},
	} {
		h := bearer(e.keyA)
		if rt.ct != "" {
			h["Content-Type"] = rt.ct
		}
		wantErr(t, request(t, e.srv, "POST", rt.path, rt.body, h), 400, 100)
	}
	if calls := e.calls()[base:]; len(calls) != 0 {
		t.Fatalf("refusals reached Meta: %+v", calls)
	}
	if r := request(t, e.srv, "POST", "/v23.0/"+wabaA+"/subscribed_apps", "", bearer(e.keyA)); r.status != 200 {
		t.Errorf("subscribe the tenant's own WABA = %d %s", r.status, r.body)
	}
}

// A template is reachable by its id once the gateway has seen it in a
// listing, with the simulator answering the template; another tenant's
// template id is unknown.
func TestTemplateByIDFromSimulator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	simUpstream(t, e)
	ids := map[string]string{}
	for _, tn := range []struct{ key, waba string }{{e.keyA, wabaA}, {e.keyB, wabaB}} {
		r := request(t, e.srv, "GET", "/v23.0/"+tn.waba+"/message_templates", "", bearer(tn.key))
		var page struct {
			Data []struct{ ID, Name string } `json:"data"`
		}
		if r.status != 200 || json.Unmarshal(r.body, &page) != nil || len(page.Data) == 0 {
			t.Fatalf("list templates of %s = %d %s", tn.waba, r.status, r.body)
		}
		ids[tn.waba] = page.Data[0].ID
	}
	r := request(t, e.srv, "GET", "/v23.0/"+ids[wabaA], "", bearer(e.keyA))
	wiretest.ValidateResponse(t, "GET", "/v23.0/"+ids[wabaA], r.status, r.body)
	m := jsonKeys(t, r)
	for _, k := range []string{"id", "name", "language", "status", "category", "components"} {
		if _, ok := m[k]; !ok || r.status != 200 {
			t.Errorf("template by id = %d %s, lacks %q", r.status, r.body, k)
		}
	}
	base := len(e.calls())
	wantUnknown(t, request(t, e.srv, "GET", "/v23.0/"+ids[wabaB], "", bearer(e.keyA)), "GET", ids[wabaB])
	if calls := e.calls()[base:]; len(calls) != 0 {
		t.Fatalf("refusal reached Meta: %+v", calls)
	}
}

// A contacts message whose contacts are a JSON-encoded string, as
// whatsapp-api-js sends them and Meta accepts, is accepted and queued with
// the body exactly as sent; it used to be refused with code 100.
func TestSendContactsAsJSONString(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	list := `[{"name":{"formatted_name":"Ana"},"phones":[{"phone":"+5511987654321","type":"CELL"}]}]`
	enc, _ := json.Marshal(list)
	body := `{"messaging_product":"whatsapp","to":"+15551230000","type":"contacts","contacts":` + string(enc) + `}`
	sr := decodeSend(t, request(t, e.srv, "POST", "/v23.0/"+pnA+"/messages", body, bearer(e.keyA)))
	if len(sr.Messages) != 1 || sr.Messages[0].ID == "" {
		t.Fatalf("send = %+v", sr)
	}
	if n := e.depth(); n != 1 {
		t.Errorf("queued %d messages, want 1", n)
	}
}
