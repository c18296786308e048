package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/sim"
	"github.com/wabaguard/wabaguard/internal/store"
)

// A number is restricted by the simulator's enforcement ladder — every
// recipient reports every message, so strikes come after a few sends —
// with the real gateway in front: the ACCOUNT_RESTRICTION webhook reaches
// the gateway, later sends fail with Meta's 368, and the dossier built
// through the management API agrees with what the store holds: messages
// per day and category, the opt-in share of those recorded before the
// sends, the opt-out honoured (its later send refused by the suppression
// rule), and the failure codes. Its HTML has the charts, its PDF pages,
// its JSON round-trips, and every number of the drafted texts is one of
// the JSON's.
func TestAppealDossierFromASimulatedRestriction(t *testing.T) {
	// A strike per round of sends: the first round earns the warning,
	// a later one the template block.
	const people, consented = 8, 5
	const token, appSecret = "sim-token-for-the-appeal", "sim-app-secret-for-the-appeal"
	// The simulator needs a webhook URL before the gateway exists: a
	// loopback relay forwards to the gateway once it listens.
	var target atomic.Pointer[url.URL]
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := target.Load()
		if u == nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
		r.URL.Path = u.Path
		rp.ServeHTTP(w, r)
	}))
	defer relay.Close()

	sc := sim.DefaultConfig()
	sc.AppSecret, sc.AccessTokens, sc.WebhookURL = appSecret, []string{token}, relay.URL
	sc.Numbers = []sim.Number{{PhoneNumberID: testPhoneNumberID, WABAID: testWABAID, DisplayPhoneNumber: "+55 11 4000-1000", VerifiedName: "acme", ThroughputMPS: 1000}}
	sc.Limits = sim.LimitsConfig{}
	sc.Webhooks.SentDelay, sc.Webhooks.DeliveredDelay, sc.Webhooks.ReadDelay = 5*time.Millisecond, 10*time.Millisecond, 20*time.Millisecond
	sc.Behaviour = sim.BehaviourFunc(func(context.Context, sim.Delivery, *rand.Rand) sim.Reaction { return sim.Reaction{Report: true} })
	sc.Quality = sim.DefaultQuality()
	sc.Quality.Enabled = true
	sc.Enforcement = sim.DefaultEnforcement()
	sc.Enforcement.Enabled, sc.Enforcement.ReportsPerStrike, sc.Enforcement.StrikeCooldown = true, people, time.Millisecond
	sm, err := sim.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	simSrv := httptest.NewServer(sm.Handler())
	defer simSrv.Close()
	simCtx, stopSim := context.WithCancel(context.Background())
	defer stopSim()
	sm.Start(simCtx)

	hook := newTenantEndpoint(t, "tenant-secret-for-the-appeal")
	off := false
	g := startGateway(t, hook.srv.URL, hook.secret, func(c *config.Config) {
		c.Simulator.Enabled = &off
		c.Graph.BaseURL, c.Graph.AccessToken, c.Graph.AppSecret = simSrv.URL, token, appSecret
		// The risk engine would pause marketing at Meta's warning and the
		// number would never be restricted — the product working. This
		// test needs the restriction, so the score's brakes are set out of
		// reach (the immediate stops still act when it arrives).
		c.Risk.Thresholds.Slow, c.Risk.Thresholds.PauseMarketing, c.Risk.Thresholds.PauseBusiness = 101, 101, 101
	})
	u, err := url.Parse(g.url + server.WebhookPath)
	if err != nil {
		t.Fatal(err)
	}
	target.Store(u)

	ctx := context.Background()
	st, ledger := g.srv.Store(), g.srv.Ledger()
	number := func(i int) string { return fmt.Sprintf("5511977%06d", i) }
	for i := range consented {
		if _, err := ledger.Record(ctx, consent.Request{TenantID: "acme", Contact: number(i), Action: consent.OptIn, Category: consent.Marketing,
			Source: consent.WebForm, Evidence: consent.Evidence{Text: "Quero receber ofertas", URL: "https://acme.example/f", At: time.Now().Add(-time.Minute)}}); err != nil {
			t.Fatal(err)
		}
	}
	send := func(i int) (int, []byte) {
		return g.post(t, "/v23.0/"+testPhoneNumberID+"/messages", `{"messaging_product":"whatsapp","to":"+`+number(i)+`","type":"template","template":{"name":"ofertas_semana","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"}]}]}}`, nil)
	}
	restricted := func() bool {
		evs, err := st.EventForwards(ctx, "acme", testWABAID, []string{"account_update"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range evs {
			if bytes.Contains(f.Value, []byte("ACCOUNT_RESTRICTION")) {
				return true
			}
		}
		return false
	}
	// The first round reaches everyone, then person 0 opts out and is
	// refused at the gate.
	for i := range people {
		if status, body := send(i); status != http.StatusOK {
			t.Fatalf("send %d: %d %s", i, status, body)
		}
	}
	waitUntil(t, 20*time.Second, "every first-round message sent", func() bool {
		for i := range people {
			ms, err := st.MessagesByRecipient(ctx, "acme", number(i), 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 || ms[0].State.Rank() < store.StateSent.Rank() {
				return false
			}
		}
		return true
	})
	if _, err := ledger.Record(ctx, consent.Request{TenantID: "acme", Contact: number(0), Action: consent.OptOut, Category: consent.Marketing,
		Source: consent.API, Evidence: consent.Evidence{Text: "Pediu para parar"}}); err != nil {
		t.Fatal(err)
	}
	if status, body := send(0); status != http.StatusForbidden {
		t.Fatalf("send after the opt-out: %d %s, want the suppression refusal", status, body)
	}
	// Later rounds go to new people (one message each keeps clear of
	// the pair pacing), until Meta's next strike blocks templates.
	total := people
	// Once Meta answers 368 the gateway stops the sender and refuses
	// further sends itself.
	blocked := false
	for round := 0; !blocked && !restricted(); round++ {
		if round > 20 {
			t.Fatalf("no ACCOUNT_RESTRICTION after %d rounds; enforcement %+v", round, sm.Enforcement(testWABAID))
		}
		for range people {
			status, body := send(total)
			if status != http.StatusOK {
				if !bytes.Contains(body, []byte(`"code":368`)) {
					t.Fatalf("send %d: %d %s", total, status, body)
				}
				blocked = true
				break
			}
			total++
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !waitFor(10*time.Second, restricted) {
		evs, _ := st.EventForwards(ctx, "acme", testWABAID, nil, 50)
		for _, f := range evs {
			t.Logf("%s %s", f.Field, f.Value)
		}
		t.Fatalf("no ACCOUNT_RESTRICTION webhook; enforcement %+v", sm.Enforcement(testWABAID))
	}
	// Let everything accepted settle: sent with its statuses, or failed
	// (368 once the block is on), or queued behind the stopped sender.
	waitUntil(t, 20*time.Second, "messages settled", func() bool {
		depth, err := st.QueueDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		snd, err := st.GetSender(ctx, testPhoneNumberID)
		if err != nil {
			t.Fatal(err)
		}
		return depth[testPhoneNumberID] == 0 || snd.State == store.SenderStopped
	})
	time.Sleep(300 * time.Millisecond) // the last status webhooks

	get := func(q string) []byte {
		req, _ := http.NewRequest(http.MethodGet, g.url+"/api/v1/senders/"+testPhoneNumberID+"/appeal?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+g.apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET appeal?%s: %d %s", q, resp.StatusCode, b)
		}
		return b
	}
	raw := get("format=json&lang=en")
	var d appeal.Dossier
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}

	// The stored data, read message by message.
	type dayCat struct{ day, cat string }
	wantSent, wantAccepted := map[dayCat]int{}, map[string]int{}
	wantFail := map[int]int{}
	reached := 0
	for i := range total {
		ms, err := st.MessagesByRecipient(ctx, "acme", number(i), 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, m := range ms {
			got = got || m.MetaID != ""
			day := m.CreatedAt.UTC().Format("2006-01-02")
			wantAccepted[day]++
			if m.MetaID != "" {
				wantSent[dayCat{day, m.Category}]++
			}
			if m.State == store.StateFailed {
				wantFail[m.ErrorCode]++
			}
		}
		if got {
			reached++
		}
	}
	gotSent, gotAccepted := map[dayCat]int{}, map[string]int{}
	for _, day := range d.Days {
		for cat, n := range map[string]int{"marketing": day.Marketing, "utility": day.Utility, "authentication": day.Authentication, "service": day.Service} {
			if n > 0 {
				gotSent[dayCat{day.Day, cat}] = n
			}
		}
		if day.Accepted > 0 {
			gotAccepted[day.Day] = day.Accepted
		}
	}
	if fmt.Sprint(gotSent) != fmt.Sprint(wantSent) || fmt.Sprint(gotAccepted) != fmt.Sprint(wantAccepted) {
		t.Errorf("per day: sent %v accepted %v; the store holds sent %v accepted %v", gotSent, gotAccepted, wantSent, wantAccepted)
	}
	gotFail := map[int]int{}
	for _, f := range d.Failures {
		gotFail[f.Code] = f.Count
		if f.Code == 368 && f.Source != "meta" {
			t.Errorf("368 from %s, want meta", f.Source)
		}
	}
	if fmt.Sprint(gotFail) != fmt.Sprint(wantFail) {
		t.Errorf("failures %v, the store holds %v", gotFail, wantFail)
	}
	// Meta's 368 stops the sender (the message waits); the dossier shows
	// the stop among the gateway's actions.
	snd, err := st.GetSender(ctx, testPhoneNumberID)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	for _, a := range d.Actions {
		stopped = stopped || (a.Kind == "sender_stopped" && a.Event == "368")
	}
	if snd.State == store.SenderStopped && !stopped {
		t.Errorf("the sender stopped on %d, not among the actions %+v", snd.StateCode, d.Actions)
	}
	seen := false
	for _, e := range d.MetaEvents {
		seen = seen || (e.Kind == "account_update" && e.Event == "ACCOUNT_RESTRICTION")
	}
	if !seen {
		t.Errorf("no ACCOUNT_RESTRICTION among Meta's events %+v", d.MetaEvents)
	}
	wantPct := math.Round(float64(consented)*1000/float64(reached)) / 10
	if d.Consent.Recipients != reached || d.Consent.WithOptIn != consented || !d.Consent.Verified || d.Consent.Percent != wantPct {
		t.Errorf("consent %+v, want %d of %d opted in (%v%%), chain verified", d.Consent, consented, reached, wantPct)
	}
	if d.OptOuts.OfRecipients != 1 || d.OptOuts.Honoured != 1 || d.OptOuts.MessagedAfter != 0 || d.OptOuts.SuppressionRefusals != 1 {
		t.Errorf("opt-outs %+v, want one, honoured, its send refused by the suppression rule", d.OptOuts)
	}
	if d.Appeal.Case != "restriction" {
		t.Errorf("case %q, want restriction; Meta's events %+v", d.Appeal.Case, d.MetaEvents)
	}
	if len(d.Templates) != 1 || d.Templates[0].Name != "ofertas_semana" || d.Templates[0].Count != d.Totals.Accepted {
		t.Errorf("templates %+v, want ofertas_semana × %d", d.Templates, d.Totals.Accepted)
	}

	// JSON round-trips.
	var again bytes.Buffer
	if err := appeal.WriteJSON(&again, &d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(again.Bytes()), bytes.TrimSpace(raw)) {
		t.Error("the JSON does not round-trip")
	}
	checkTextNumbers(t, &d, raw)

	page := get("format=html&lang=pt-BR")
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	wantCharts := 1 // the volumes, and the failures when there are any
	if len(d.Failures) > 0 {
		wantCharts++
	}
	if n := countElements(doc, "svg"); n != wantCharts {
		t.Errorf("HTML has %d charts, want %d", n, wantCharts)
	}
	pdf := get("format=pdf&lang=es")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/Type /Page")) {
		t.Errorf("PDF starts %q and has no page", pdf[:min(len(pdf), 8)])
	}

	// The risk engine opened an incident for the restriction: its dossier
	// covers the incident and carries its timeline.
	api := func(path string) []byte {
		req, _ := http.NewRequest(http.MethodGet, g.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+g.apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	var list struct {
		Data []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"data"`
	}
	if err := json.Unmarshal(api("/api/v1/incidents?phone_number_id="+testPhoneNumberID), &list); err != nil {
		t.Fatal(err)
	}
	// The warning opened it; the restriction joined its timeline.
	if len(list.Data) == 0 {
		t.Fatal("the risk engine opened no incident")
	}
	incident := list.Data[0].ID
	var di appeal.Dossier
	if err := json.Unmarshal(api("/api/v1/incidents/"+incident+"/appeal?format=json&lang=en"), &di); err != nil {
		t.Fatal(err)
	}
	if di.Incident == nil || di.Incident.ID != incident {
		t.Fatalf("the incident's dossier names incident %+v, want %s", di.Incident, incident)
	}
	restrictionInTimeline := false
	for _, e := range di.Actions {
		restrictionInTimeline = restrictionInTimeline || (e.Kind == "incident.meta" && e.Event == "ACCOUNT_RESTRICTION")
	}
	if !restrictionInTimeline {
		t.Errorf("the incident's timeline in the dossier lacks Meta's ACCOUNT_RESTRICTION: %+v", di.Actions)
	}
}

// numbers finds every number written in s.
var numbers = regexp.MustCompile(`\d+(?:\.\d+)?`)

// checkTextNumbers asserts that every number of each drafted text is one
// of the numbers in the JSON.
func checkTextNumbers(t *testing.T, d *appeal.Dossier, raw []byte) {
	t.Helper()
	in := map[string]bool{}
	for _, n := range numbers.FindAllString(string(raw), -1) {
		in[n] = true
	}
	for _, l := range appeal.Langs {
		txt := d.Appeal.Texts[l]
		if txt == "" {
			t.Errorf("no %s text", l)
		}
		for _, n := range numbers.FindAllString(txt, -1) {
			if !in[n] {
				t.Errorf("%s text says %s, which the JSON does not: %s", l, n, txt)
			}
		}
	}
}

func countElements(n *html.Node, tag string) int {
	c := 0
	if n.Type == html.ElementNode && strings.EqualFold(n.Data, tag) {
		c++
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c += countElements(ch, tag)
	}
	return c
}

func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
