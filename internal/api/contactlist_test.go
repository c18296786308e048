package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// events splits an import's NDJSON answer into its events, progress aside.
func events(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stream line %q: %v", sc.Text(), err)
		}
		if m["type"] != "progress" { // how many depends on the pace
			out = append(out, m)
		}
	}
	return out
}

// TestContactsAPI imports a CSV over HTTP (dry run, then for real), lists,
// patches and reads contacts, exports them, and evaluates an audience; a
// tenant sees only its own.
func TestContactsAPI(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		csv := "telefone;nome;tags;opt_in;consent_source;consent_at;consent_text;consent_url\n" +
			personSpaced + ";José;vip;marketing;web_form;2026-11-01 10:00;Quero ofertas;https://acme.example/f\n" +
			personNoNine + ";José de novo;;;;;;\n" +
			otherE164 + ";Maria;;marketing;;;;\n"
		r := e.do("POST", "/api/v1/contacts/import?dry_run=true", e.keyA, "text/csv", csv)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		evs := events(t, r.body)
		if len(evs) != 4 || evs[0]["outcome"] != "created" || evs[1]["reason"] != "duplicate" || evs[2]["reason"] != "missing_evidence" ||
			evs[3]["type"] != "summary" || evs[3]["committed"] != false {
			t.Fatalf("dry run events: %v", evs)
		}
		r = e.do("POST", "/api/v1/contacts/import", e.keyA, "text/csv", csv)
		evs = events(t, r.body)
		last := evs[len(evs)-1]
		if last["type"] != "summary" || last["committed"] != true || last["created"] != float64(1) || last["refused"] != float64(2) {
			t.Fatalf("import events: %v", evs)
		}

		var list struct {
			Data []map[string]any `json:"data"`
		}
		r = e.do("GET", "/api/v1/contacts?tag=vip", e.keyA, "", "")
		r.json(t, &list)
		if r.status != 200 || len(list.Data) != 1 || list.Data[0]["wa_id"] != personWaID ||
			list.Data[0]["consent"].(map[string]any)["marketing"] != "opt_in" {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		conforms(t, "GET", "/api/v1/contacts", r)
		if r = e.do("GET", "/api/v1/contacts", e.keyB, "", ""); !strings.Contains(string(r.body), `"data":[]`) {
			t.Errorf("tenant B sees %s", r.body)
		}

		r = e.do("PATCH", "/api/v1/contacts/"+pathOf(otherE164), e.keyA, "application/json", `{"name":"Maria","tags":["rj"],"attributes":{"city":"Rio"}}`)
		if r.status != http.StatusCreated {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		conforms(t, "PATCH", "/api/v1/contacts/{number}", r)
		r = e.do("PATCH", "/api/v1/contacts/"+pathOf(otherE164), e.keyA, "application/json", `{"tags":["Bad Tag!"]}`)
		wantError(t, r, 400, 100, "tags")
		r = e.do("GET", "/api/v1/contacts/"+personNoNine, e.keyA, "", "")
		if r.status != 200 || !strings.Contains(string(r.body), `"name":"José"`) {
			t.Errorf("get by the form without the ninth digit: %d %s", r.status, r.body)
		}
		conforms(t, "GET", "/api/v1/contacts/{number}", r)
		wantError(t, e.do("GET", "/api/v1/contacts/"+personNoNine, e.keyB, "", ""), 404, 100, "does not exist")

		r = e.do("GET", "/api/v1/contacts/export?format=csv", e.keyA, "", "")
		if r.status != 200 || strings.Count(string(r.body), "\n") != 3 || !strings.HasPrefix(string(r.body), "phone,name,") {
			t.Errorf("export: %d %s", r.status, r.body)
		}

		r = e.postJSON("/api/v1/audiences", e.keyA, map[string]any{"id": "mkt", "name": "Marketing",
			"filter": map[string]any{"consent": map[string]any{"category": "marketing", "state": "opted_in"}}})
		if r.status != 200 {
			t.Fatalf("create audience: %d %s", r.status, r.body)
		}
		conforms(t, "POST", "/api/v1/audiences", r)
		wantError(t, e.postJSON("/api/v1/audiences", e.keyA, map[string]any{"id": "x", "name": "X", "filter": map[string]any{"colour": "red"}}),
			400, 100, "filter")
		r = e.do("GET", "/api/v1/audiences/mkt/count", e.keyA, "", "")
		if r.status != 200 || strings.TrimSpace(string(r.body)) != `{"count":1}` {
			t.Errorf("count: %d %s", r.status, r.body)
		}
		r = e.do("GET", "/api/v1/audiences/mkt/preview", e.keyA, "", "")
		if r.status != 200 || !strings.Contains(string(r.body), personWaID) || strings.Contains(string(r.body), "5521998765432") {
			t.Errorf("preview: %d %s", r.status, r.body)
		}
		wantError(t, e.do("GET", "/api/v1/audiences/mkt/count", e.keyB, "", ""), 404, 100, "does not exist")
		r = e.do("GET", "/api/v1/contacts/export?format=jsonl&audience=mkt", e.keyA, "", "")
		if strings.Count(string(r.body), "\n") != 1 {
			t.Errorf("audience export: %s", r.body)
		}
		if r = e.do("DELETE", "/api/v1/audiences/mkt", e.keyA, "", ""); r.status != 200 {
			t.Errorf("delete audience: %d %s", r.status, r.body)
		}
		// An erasure (the server's hook after the ledger's) removes the
		// contact row too.
		if _, err := e.st.EraseContact(t.Context(), "tenant-a", []string{"5521998765432"}, 470102, now); err != nil {
			t.Fatal(err)
		}
		wantError(t, e.do("GET", "/api/v1/contacts/"+pathOf(otherE164), e.keyA, "", ""), 404, 100, "does not exist")
	})
}
