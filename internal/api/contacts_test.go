package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// historyBody is the answer of GET /contacts/{number}/history.
type historyBody struct {
	Consent []struct {
		Seq      int64  `json:"seq"`
		Action   string `json:"action"`
		E164     string `json:"e164"`
		Erased   bool   `json:"erased"`
		Evidence *struct {
			Text string `json:"text"`
			URL  string `json:"url"`
		} `json:"evidence"`
	} `json:"consent"`
	Messages []struct {
		ID   string         `json:"id"`
		Body map[string]any `json:"body"`
	} `json:"messages"`
	Decisions []struct {
		ID      int64  `json:"id"`
		Outcome string `json:"outcome"`
	} `json:"decisions"`
	Inbound []struct {
		ID   string `json:"id"`
		From string `json:"from"`
	} `json:"inbound"`
	NextCursor string `json:"next_cursor"`
}

func (e *env) history(key, number, query string) historyBody {
	e.t.Helper()
	r := e.do("GET", "/api/v1/contacts/"+pathOf(number)+"/history"+query, key, "", "")
	if r.status != http.StatusOK {
		e.t.Fatalf("history: %d %s", r.status, r.body)
	}
	conforms(e.t, "GET", "/api/v1/contacts/{number}/history", r)
	var h historyBody
	r.json(e.t, &h)
	return h
}

// sent commits n messages of a tenant to a wa_id (and one rejected
// decision), as the gateway's intake does.
func (e *env) sent(tenant, waID string, n int) {
	e.t.Helper()
	var items []*store.Intake
	for i := range n {
		at := now.Add(time.Duration(i) * time.Second)
		m := &store.Message{ID: fmt.Sprintf("wamid.%s-%s-%d", tenant, waID, i), TenantID: tenant, SenderID: "pn-" + tenant,
			Input: "+" + waID, WaID: waID, Type: "text", Category: "service",
			Body:  []byte(fmt.Sprintf(`{"messaging_product":"whatsapp","to":"%s","type":"text","text":{"body":"pedido %d"}}`, waID, i)),
			State: store.StateQueued, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
		items = append(items, &store.Intake{Message: m, Decision: store.Decision{TenantID: tenant, SenderID: m.SenderID,
			MessageID: m.ID, WaID: waID, Outcome: store.OutcomeAllow, CreatedAt: at}})
	}
	items = append(items, &store.Intake{Decision: store.Decision{TenantID: tenant, SenderID: "pn-" + tenant, WaID: waID,
		Outcome: store.OutcomeReject, Rule: "consent", Code: "consent.missing", GraphCode: 131047, Reason: "no opt-in", CreatedAt: now}})
	must(e.t, e.st.CommitIntake(context.Background(), items))
}

// wrote records n inbound messages from a wa_id to the tenant's sender,
// as webhook processing does.
func (e *env) wrote(tenant, from string, n int) {
	e.t.Helper()
	var in []store.InboundMessage
	for i := range n {
		id := fmt.Sprintf("wamid.in-%s-%s-%d", tenant, from, i)
		at := now.Add(time.Duration(i) * time.Minute)
		in = append(in, store.InboundMessage{ID: id, SenderID: "pn-" + tenant, From: from, Type: "text", Timestamp: at,
			Body: []byte(fmt.Sprintf(`{"from":%q,"id":%q,"type":"text","text":{"body":"oi %d"}}`, from, id, i)), ReceivedAt: at})
	}
	must(e.t, e.st.ApplyWebhooks(context.Background(), store.WebhookApply{Inbound: in}))
}

// The history holds everything about one person, paged per list with one
// cursor, and after erasure the consent evidence is gone.
func TestHistoryAndErasure(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.record(e.keyA, optIn(personE164, "marketing"))
		e.record(e.keyA, optIn(otherE164, "marketing"))
		e.record(e.keyA, optIn(personWaID, "utility"))
		e.record(e.keyA, optOut(personNoNine, "marketing"))
		e.sent("tenant-a", personWaID, 3)
		e.sent("tenant-a", "5521998765432", 1)
		e.wrote("tenant-a", personWaID, 2)
		e.wrote("tenant-a", personNoNine, 1) // the same person, as Meta may report them
		e.wrote("tenant-a", "5521998765432", 1)

		h := e.history(e.keyA, personSpaced, "")
		if len(h.Consent) != 3 || len(h.Messages) != 3 || len(h.Decisions) != 4 || len(h.Inbound) != 3 || h.NextCursor != "" {
			t.Fatalf("history = %d consent, %d messages, %d decisions, %d inbound, cursor %q; want 3, 3, 4, 3 and none",
				len(h.Consent), len(h.Messages), len(h.Decisions), len(h.Inbound), h.NextCursor)
		}
		if c := h.Consent[0]; c.Seq != 1 || c.E164 != personE164 || c.Evidence == nil || c.Evidence.URL != "https://acme.example/optin" {
			t.Errorf("first consent entry = %+v", c)
		}
		if h.Messages[0].ID != "wamid.tenant-a-"+personWaID+"-2" || h.Messages[0].Body["to"] != personWaID {
			t.Errorf("newest message = %+v", h.Messages[0])
		}

		// Pages of two: every entry once, in order, then no cursor.
		var seqs, msgs, decs, ins []string
		query := "?limit=2"
		for page := 0; ; page++ {
			if page > 3 {
				t.Fatal("the cursor never ends")
			}
			p := e.history(e.keyA, personE164, query)
			for _, c := range p.Consent {
				seqs = append(seqs, fmt.Sprint(c.Seq))
			}
			for _, m := range p.Messages {
				msgs = append(msgs, m.ID[strings.LastIndex(m.ID, "-")+1:])
			}
			for _, d := range p.Decisions {
				decs = append(decs, d.Outcome)
			}
			for _, m := range p.Inbound {
				ins = append(ins, m.From+"/"+m.ID[strings.LastIndex(m.ID, "-")+1:])
			}
			if p.NextCursor == "" {
				break
			}
			query = "?limit=2&cursor=" + p.NextCursor
		}
		if got := strings.Join(seqs, ","); got != "1,3,4" {
			t.Errorf("paged consent = %s, want 1,3,4", got)
		}
		if got := strings.Join(msgs, ","); got != "2,1,0" {
			t.Errorf("paged messages = %s, want 2,1,0", got)
		}
		if got := strings.Join(decs, ","); got != "reject,allow,allow,allow" {
			t.Errorf("paged decisions = %s, want reject,allow,allow,allow", got)
		}
		if got, want := strings.Join(ins, ","), personWaID+"/1,"+personWaID+"/0,"+personNoNine+"/0"; got != want {
			t.Errorf("paged inbound = %s, want %s", got, want)
		}

		// Erasure: suppressed everywhere, evidence gone, chain intact.
		r := e.do("DELETE", "/api/v1/contacts/"+pathOf(personNoNine), e.keyA, "", "")
		if r.status != 200 {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		conforms(t, "DELETE", "/api/v1/contacts/{number}", r)
		if got, want := e.state(e.keyA, personE164).states(), "marketing=erased! utility=erased! authentication=erased! all=erased!"; got != want {
			t.Errorf("after erasure states = %s, want %s", got, want)
		}
		h = e.history(e.keyA, personE164, "")
		if len(h.Consent) != 4 {
			t.Fatalf("after erasure %d consent entries, want 4", len(h.Consent))
		}
		for _, c := range h.Consent {
			if c.Evidence != nil || c.E164 != "" || !c.Erased {
				t.Errorf("after erasure entry %d still has personal data: %+v", c.Seq, c)
			}
		}
		if h.Consent[3].Action != "erased" {
			t.Errorf("last entry = %+v, want the erasure", h.Consent[3])
		}
		if other := e.history(e.keyA, otherE164, ""); len(other.Consent) != 1 || other.Consent[0].Evidence == nil {
			t.Errorf("erasure touched another person: %+v", other.Consent)
		}
		r = e.do("GET", "/api/v1/consent/verify", e.keyA, "", "")
		if !strings.Contains(string(r.body), `"ok":true`) || !strings.Contains(string(r.body), `"erased":3`) {
			t.Errorf("verify after erasure: %s", r.body)
		}
		// A new opt-in with fresh evidence is the only way back.
		e.record(e.keyA, optIn(personE164, "marketing"))
		if got := e.state(e.keyA, personE164).states(); !strings.HasPrefix(got, "marketing=opt_in ") {
			t.Errorf("after a new opt-in states = %s", got)
		}
	})
}

func TestHistoryBadInput(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		tests := []struct{ query, want string }{
			{"?limit=0", "Param limit"},
			{"?limit=501", "Param limit"},
			{"?limit=ten", "Param limit"},
			{"?cursor=!!!", "Param cursor"},
			{"?cursor=bm90IGpzb24", "Param cursor"},
			{"?cursor=eyJjIjotMX0", "Param cursor"}, // {"c":-1}
		}
		for _, tc := range tests {
			r := e.do("GET", "/api/v1/contacts/"+personWaID+"/history"+tc.query, e.keyA, "", "")
			wantError(t, r, 400, wire.CodeInvalidParameter, tc.want)
			conforms(t, "GET", "/api/v1/contacts/{number}/history", r)
		}
	})
}

// Tenant B cannot read, erase or learn of tenant A's contacts: every
// answer B gets about A's person is the answer for a number nobody knows.
func TestTenantIsolation(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.record(e.keyA, optIn(personE164, "marketing"))
		e.record(e.keyA, optOut(personE164, "utility"))
		e.sent("tenant-a", personWaID, 2)
		e.wrote("tenant-a", personWaID, 2)
		const unknown = "+5531987650000"

		// Reads: B sees A's person exactly as it sees an unknown one.
		same := func(what, pathA, pathU string) {
			t.Helper()
			ra := e.do("GET", pathA, e.keyB, "", "")
			ru := e.do("GET", pathU, e.keyB, "", "")
			if ra.status != 200 || ru.status != 200 {
				t.Fatalf("%s: %d %s / %d %s", what, ra.status, ra.body, ru.status, ru.body)
			}
			a := strings.ReplaceAll(compactJSON(t, ra.body), personWaID, "N")
			a = strings.ReplaceAll(a, personE164, "+N")
			u := strings.ReplaceAll(compactJSON(t, ru.body), unknown[1:], "N")
			u = strings.ReplaceAll(u, unknown, "+N")
			if a != u {
				t.Errorf("%s: B's answer about A's person differs from an unknown number's:\n %s\n %s", what, a, u)
			}
		}
		same("state", "/api/v1/consent/"+pathOf(personE164), "/api/v1/consent/"+pathOf(unknown))
		same("history", "/api/v1/contacts/"+pathOf(personE164)+"/history", "/api/v1/contacts/"+pathOf(unknown)+"/history")
		if h := e.history(e.keyB, personE164, ""); len(h.Consent)+len(h.Messages)+len(h.Decisions)+len(h.Inbound) != 0 {
			t.Errorf("B reads A's person: %+v", h)
		}

		// Erasure by B is B's own suppression; A's records stay whole.
		if r := e.do("DELETE", "/api/v1/contacts/"+pathOf(personE164), e.keyB, "", ""); r.status != 200 {
			t.Fatalf("B erase: %d %s", r.status, r.body)
		}
		if got, want := e.state(e.keyA, personE164).states(), "marketing=opt_in utility=opt_out! authentication=none all=none"; got != want {
			t.Errorf("A's states after B's erasure = %s, want %s", got, want)
		}
		h := e.history(e.keyA, personE164, "")
		if len(h.Consent) != 2 || h.Consent[0].Evidence == nil || len(h.Messages) != 2 || len(h.Inbound) != 2 {
			t.Errorf("A's history after B's erasure = %+v", h)
		}
		if n := e.chainLength("tenant-a"); n != 2 {
			t.Errorf("A's chain has %d records, want 2", n)
		}
		if n := e.chainLength("tenant-b"); n != 1 {
			t.Errorf("B's chain has %d records, want 1 (its erasure)", n)
		}
		// B's verification speaks only of B's chain.
		r := e.do("GET", "/api/v1/consent/verify", e.keyB, "", "")
		if !strings.Contains(string(r.body), `"records":1,`) {
			t.Errorf("B's verify = %s", r.body)
		}
	})
}
