package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// stateBody is the answer of GET /consent/{number}.
type stateBody struct {
	Contact struct {
		WaID string `json:"wa_id"`
		E164 string `json:"e164"`
	} `json:"contact"`
	Categories []struct {
		Category   string `json:"category"`
		State      string `json:"state"`
		Suppressed bool   `json:"suppressed"`
		CoveredBy  string `json:"covered_by"`
		Source     string `json:"source"`
	} `json:"categories"`
}

func (e *env) state(key, number string) stateBody {
	e.t.Helper()
	r := e.do("GET", "/api/v1/consent/"+pathOf(number), key, "", "")
	if r.status != http.StatusOK {
		e.t.Fatalf("consent state: %d %s", r.status, r.body)
	}
	conforms(e.t, "GET", "/api/v1/consent/{number}", r)
	var s stateBody
	r.json(e.t, &s)
	return s
}

// states renders the categories' states as "marketing=opt_in ...".
func (s stateBody) states() string {
	var b []string
	for _, c := range s.Categories {
		v := c.Category + "=" + c.State
		if c.Suppressed {
			v += "!"
		}
		b = append(b, v)
	}
	return strings.Join(b, " ")
}

// Consent recorded under one spelling of a number is read under every
// other, and the latest record covering a category decides it.
func TestRecordAndReadConsent(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		r := e.postJSON("/api/v1/consent", e.keyA, optIn(personSpaced, "marketing"))
		if r.status != http.StatusCreated {
			t.Fatalf("record: %d %s", r.status, r.body)
		}
		conforms(t, "POST", "/api/v1/consent", r)
		var rec struct {
			Contact struct {
				WaID string `json:"wa_id"`
				E164 string `json:"e164"`
			} `json:"contact"`
			Record struct {
				Seq        int64  `json:"seq"`
				RecordedAt string `json:"recorded_at"`
			} `json:"record"`
		}
		r.json(t, &rec)
		if rec.Contact.WaID != personWaID || rec.Contact.E164 != personE164 || rec.Record.Seq != 1 || rec.Record.RecordedAt != "2026-12-03T09:30:00Z" {
			t.Errorf("record answer = %+v", rec)
		}

		steps := []struct {
			name   string
			req    map[string]any
			lookup string
			want   string
		}{
			{"opt-in read as a wa_id", nil, personWaID,
				"marketing=opt_in utility=none authentication=none all=none"},
			{"read without the ninth digit", nil, personNoNine,
				"marketing=opt_in utility=none authentication=none all=none"},
			{"utility opt-in", optIn(personWaID, "utility"), personE164,
				"marketing=opt_in utility=opt_in authentication=none all=none"},
			{"marketing opt-out by keyword", optOut(personNoNine, "marketing"), personSpaced,
				"marketing=opt_out! utility=opt_in authentication=none all=none"},
			{"opt-out of all covers every category", optOut(personE164, "all"), personE164,
				"marketing=opt_out! utility=opt_out! authentication=opt_out! all=opt_out!"},
			{"a later marketing opt-in beats the opt-out of all for marketing", optIn(personE164, "marketing"), personE164,
				"marketing=opt_in utility=opt_out! authentication=opt_out! all=opt_out!"},
			{"another person is untouched", nil, otherE164,
				"marketing=none utility=none authentication=none all=none"},
		}
		for _, st := range steps {
			if st.req != nil {
				e.record(e.keyA, st.req)
			}
			if got := e.state(e.keyA, st.lookup).states(); got != st.want {
				t.Errorf("%s: states = %s, want %s", st.name, got, st.want)
			}
		}
		if n := e.chainLength("tenant-a"); n != 5 {
			t.Errorf("chain has %d records, want 5", n)
		}
	})
}

// Every refusal of bad input is a Graph error naming the field, and
// nothing reaches the ledger.
func TestConsentBadInput(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		with := func(edit func(m map[string]any)) map[string]any {
			m := optIn(personE164, "marketing")
			edit(m)
			return m
		}
		ev := func(edit func(ev map[string]any)) map[string]any {
			return with(func(m map[string]any) { edit(m["evidence"].(map[string]any)) })
		}
		tests := []struct {
			name        string
			body        any // a map to marshal, or a raw string
			contentType string
			status      int
			code        int
			want        string
		}{
			{"not JSON", `{"number":`, "application/json", 400, wire.CodeInvalidParameter, "Param body"},
			{"not an object", `[1]`, "application/json", 400, wire.CodeInvalidParameter, "Param body"},
			{"duplicate key", `{"number":"+5511987654321","number":"+5521998765432"}`, "application/json", 400, wire.CodeInvalidParameter, "duplicate"},
			{"unknown field", with(func(m map[string]any) { m["contact"] = "x" }), "application/json", 400, wire.CodeInvalidParameter, "Param contact"},
			{"wrong type", with(func(m map[string]any) { m["category"] = 3 }), "application/json", 400, wire.CodeInvalidParameter, "Param category"},
			{"not JSON content", "number=1", "application/x-www-form-urlencoded", 415, wire.CodeInvalidParameter, "Param Content-Type"},
			{"no number", with(func(m map[string]any) { delete(m, "number") }), "application/json", 400, wire.CodeMissingParameter, "number"},
			{"fixed line", with(func(m map[string]any) { m["number"] = fixedLine }), "application/json", 400, wire.CodeInvalidParameter, "Param number"},
			{"not a number", with(func(m map[string]any) { m["number"] = "call me" }), "application/json", 400, wire.CodeInvalidParameter, "Param number"},
			{"no action", with(func(m map[string]any) { delete(m, "action") }), "application/json", 400, wire.CodeMissingParameter, "action"},
			{"unknown action", with(func(m map[string]any) { m["action"] = "maybe" }), "application/json", 400, wire.CodeInvalidParameter, "Param action"},
			{"unknown category", with(func(m map[string]any) { m["category"] = "promotions" }), "application/json", 400, wire.CodeInvalidParameter, "Param category"},
			{"no source", with(func(m map[string]any) { delete(m, "source") }), "application/json", 400, wire.CodeMissingParameter, "source"},
			{"unknown source", with(func(m map[string]any) { m["source"] = "rumour" }), "application/json", 400, wire.CodeInvalidParameter, "Param source"},
			{"erasure is not recorded here", with(func(m map[string]any) { m["source"] = "erasure_request" }), "application/json", 400, wire.CodeInvalidParameter, "Param source"},
			{"opt-in without evidence", with(func(m map[string]any) { delete(m, "evidence") }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.text"},
			{"opt-in without time", ev(func(ev map[string]any) { delete(ev, "at") }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.at"},
			{"time not RFC 3339", ev(func(ev map[string]any) { ev["at"] = "03/12/2026" }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.at"},
			{"time in the future", ev(func(ev map[string]any) { ev["at"] = "2026-12-04T09:30:00Z" }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.at"},
			{"web form without url", ev(func(ev map[string]any) { delete(ev, "url") }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.url"},
			{"url not http", ev(func(ev map[string]any) { ev["url"] = "javascript:alert(1)" }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.url"},
			{"bad ip", ev(func(ev map[string]any) { ev["ip"] = "300.1.1.1" }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.ip"},
			{"control character", ev(func(ev map[string]any) { ev["text"] = "ok\x00" }), "application/json", 400, wire.CodeInvalidParameter, "Param evidence.text"},
			{"131050 opt-in", with(func(m map[string]any) { m["source"] = "meta_131050" }), "application/json", 400, wire.CodeInvalidParameter, "Param source"},
			{"too big", `{"number":"` + strings.Repeat("1", 70<<10) + `"}`, "application/json", 413, wire.CodeInvalidParameter, "Param body"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var r response
				if s, ok := tc.body.(string); ok {
					r = e.do("POST", "/api/v1/consent", e.keyA, tc.contentType, s)
				} else {
					r = e.postJSON("/api/v1/consent", e.keyA, tc.body)
				}
				wantError(t, r, tc.status, tc.code, tc.want)
				if tc.status == 400 {
					conforms(t, "POST", "/api/v1/consent", r)
				}
			})
		}
		if n := e.chainLength("tenant-a"); n != 0 {
			t.Errorf("refused requests wrote %d records", n)
		}

		// The reads refuse bad numbers the same way.
		for _, path := range []string{"/api/v1/consent/", "/api/v1/contacts/"} {
			suffix := map[string]string{"/api/v1/consent/": "", "/api/v1/contacts/": "/history"}[path]
			wantError(t, e.do("GET", path+pathOf(fixedLine)+suffix, e.keyA, "", ""), 400, wire.CodeInvalidParameter, "Param number")
			wantError(t, e.do("GET", path+"abc"+suffix, e.keyA, "", ""), 400, wire.CodeInvalidParameter, "Param number")
		}
		wantError(t, e.do("DELETE", "/api/v1/contacts/"+pathOf(fixedLine), e.keyA, "", ""), 400, wire.CodeInvalidParameter, "Param number")
	})
}

// Verification reports the tenant's own chain.
func TestVerify(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.record(e.keyA, optIn(personE164, "marketing"))
		e.record(e.keyA, optOut(personE164, "all"))
		e.record(e.keyB, optIn(otherE164, "utility"))
		tests := []struct {
			key     string
			records float64
		}{{e.keyA, 2}, {e.keyB, 1}}
		for _, tc := range tests {
			r := e.do("GET", "/api/v1/consent/verify", tc.key, "", "")
			if r.status != 200 {
				t.Fatalf("verify: %d %s", r.status, r.body)
			}
			conforms(t, "GET", "/api/v1/consent/verify", r)
			var rep map[string]any
			r.json(t, &rep)
			if rep["ok"] != true || rep["records"] != tc.records || rep["head_seq"] != tc.records || rep["checked_at"] != "2026-12-03T09:30:00Z" {
				t.Errorf("verify = %s, want ok with %v records", r.body, tc.records)
			}
		}
	})
}

// Keys are checked as on the Graph surface, with Graph's errors; the
// document itself is public.
func TestAuthentication(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		routes := []struct{ method, path, contentType, body string }{
			{"POST", "/api/v1/consent", "application/json", `{}`},
			{"GET", "/api/v1/consent/verify", "", ""},
			{"GET", "/api/v1/consent/" + personWaID, "", ""},
			{"GET", "/api/v1/contacts/" + personWaID + "/history", "", ""},
			{"DELETE", "/api/v1/contacts/" + personWaID, "", ""},
			{"POST", "/api/v1/suppressions/import", "text/csv", personE164 + "\n"},
		}
		for _, rt := range routes {
			for _, key := range []string{"", "wg_nope_nope"} {
				r := e.do(rt.method, rt.path, key, rt.contentType, rt.body)
				wantError(t, r, http.StatusUnauthorized, wire.CodeAccessToken, "access token")
				if !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
					t.Errorf("%s %s: WWW-Authenticate = %q", rt.method, rt.path, r.header.Get("WWW-Authenticate"))
				}
			}
		}
		if n := e.chainLength("tenant-a") + e.chainLength("tenant-b"); n != 0 {
			t.Errorf("unauthenticated requests wrote %d records", n)
		}
		r := e.do("GET", "/api/v1/openapi.json", "", "", "")
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" || !strings.Contains(string(r.body), `"openapi": "3.1.0"`) {
			t.Errorf("openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
		}
		for _, p := range []struct{ method, path string }{{"GET", "/api/v1/nothing"}, {"DELETE", "/api/v1/consent/verify"}, {"PUT", "/api/v1/consent"}} {
			wantError(t, e.do(p.method, p.path, e.keyA, "", ""), 400, wire.CodeInvalidParameter, "Unknown path components")
		}
	})
}
