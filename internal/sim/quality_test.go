package sim

import (
	"context"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

const spammyBody = "OFERTA RELÂMPAGO!!! {{1}}, GANHE 70% DE DESCONTO GRÁTIS só hoje: clique https://bit.ly/oferta 🔥🔥🔥"

func TestCleanConsentedCampaignStaysGreen(t *testing.T) {
	h := modelHarness(t, func(c *Config) { c.Population.ConsentShare = 1 })
	codes := h.campaign(t, 0, 400, 2*time.Second, "confirmacao_pedido", "pt_BR", "48213")
	if codes[0] != 400 {
		t.Fatalf("answers by code: %v", codes)
	}
	if q := h.sim.Quality(pnid); q != "GREEN" {
		t.Errorf("quality %s, want GREEN (score %.4f)", q, h.sim.QualityScore(pnid))
	}
	if hist := h.sim.QualityHistory(pnid); len(hist) != 0 {
		t.Errorf("quality changed: %+v", hist)
	}
	evs := events(h.rc.changes(t, "phone_number_quality_update", "message_template_status_update", "account_update"))
	if len(evs) != 0 {
		t.Errorf("unexpected webhooks: %v", evs)
	}
	tq := events(h.rc.changes(t, "message_template_quality_update"))
	if !reflect.DeepEqual(tq, []string{"message_template_quality_update:UNKNOWN→GREEN"}) {
		t.Errorf("template quality webhooks %v, want the first rating GREEN", tq)
	}
	pop := h.sim.Population()
	if pop.Consented.Delivered != 400 || pop.Unconsented.Delivered != 0 || pop.Recipients != 400 {
		t.Errorf("tallies %+v", pop)
	}
	if pop.Consented.Read < 250 || pop.Consented.Blocked+pop.Consented.Reported > 10 {
		t.Errorf("implausible tallies for a wanted message: %+v", pop.Consented)
	}
	if _, m := h.do(t, http.MethodGet, "/v23.0/"+pnid, ""); m["quality_rating"] != "GREEN" {
		t.Errorf("GET number: %v", m)
	}
}

func TestSpammyBlastPausesTemplateThenDisables(t *testing.T) {
	h := modelHarness(t, nil)
	h.createTemplate(t, "oferta_relampago", "MARKETING", spammyBody)

	codes := h.campaign(t, 0, 300, time.Second, "oferta_relampago", "pt_BR", "Ana")
	hist := h.sim.QualityHistory(pnid)
	if len(hist) < 2 || hist[0].From != "GREEN" || hist[0].To != "YELLOW" || hist[1].To != "RED" {
		t.Fatalf("number quality history %+v, want GREEN→YELLOW→RED", hist)
	}
	if codes[132015] == 0 {
		t.Errorf("no send was refused with 132015 after the pause: %v", codes)
	}
	if _, m := h.do(t, http.MethodGet, "/v23.0/"+pnid, ""); m["quality_rating"] != "RED" {
		t.Errorf("GET number: %v", m)
	}
	cs := h.rc.changes(t)
	evs := events(cs)
	flagged := indexOf(evs, "phone_number_quality_update:FLAGGED")
	red := indexOf(evs, "message_template_quality_update:UNKNOWN→RED")
	if red < 0 {
		red = indexOf(evs, "message_template_quality_update:YELLOW→RED")
	}
	paused := indexOf(evs, "message_template_status_update:PAUSED/FIRST_PAUSE")
	if flagged < 0 || red < 0 || paused < red {
		t.Fatalf("webhooks %v: want FLAGGED, the template's fall to RED, then FIRST_PAUSE", evs)
	}
	sameShape(t, "FLAGGED", fixtureChange(t, "phone_number_quality_update.json", "flagged").Value, cs[flagged].Value)
	sameShape(t, "template quality", fixtureChange(t, "template_quality_update.json", "yellow").Value, cs[red].Value)
	sameShape(t, "FIRST_PAUSE", fixtureChange(t, "template_status_paused.json", "paused").Value, cs[paused].Value)
	if d := cs[paused].Value["other_info"].(map[string]any)["description"].(string); !strings.Contains(d, "3 hours") {
		t.Errorf("first pause description %q", d)
	}
	if got, want := cs[flagged].Value["display_phone_number"], "15550783881"; got != want {
		t.Errorf("display_phone_number %v, want %v", got, want)
	}

	// The pause ends after 3 hours with an UNPAUSE back to APPROVED.
	h.clock.Advance(3 * time.Hour)
	h.flush(t)
	evs = events(h.rc.changes(t, "message_template_status_update"))
	if evs[len(evs)-1] != "message_template_status_update:APPROVED/UNPAUSE" {
		t.Fatalf("after 3 h: %v", evs)
	}
	if _, m := h.do(t, http.MethodGet, "/v23.0/"+wabaID+"/message_templates?name=oferta_relampago", ""); m["data"].([]any)[0].(map[string]any)["status"] != "APPROVED" {
		t.Fatalf("template after the pause: %v", m)
	}

	// Still low quality: the next complaint pauses it for 6 hours, then the
	// third time disables it.
	h.campaign(t, 1000, 100, time.Second, "oferta_relampago", "pt_BR", "Bia")
	cs = h.rc.changes(t, "message_template_status_update")
	last := cs[len(cs)-1]
	if events(cs)[len(cs)-1] != "message_template_status_update:PAUSED/SECOND_PAUSE" ||
		!strings.Contains(last.Value["other_info"].(map[string]any)["description"].(string), "6 hours") {
		t.Fatalf("second pause: %v", events(cs))
	}
	h.clock.Advance(6 * time.Hour)
	codes = h.campaign(t, 2000, 100, time.Second, "oferta_relampago", "pt_BR", "Caio")
	cs = h.rc.changes(t, "message_template_status_update")
	evs = events(cs)
	want := []string{
		"message_template_status_update:PAUSED/FIRST_PAUSE", "message_template_status_update:APPROVED/UNPAUSE",
		"message_template_status_update:PAUSED/SECOND_PAUSE", "message_template_status_update:APPROVED/UNPAUSE",
		"message_template_status_update:DISABLED/DISABLED",
	}
	if !reflect.DeepEqual(evs[len(evs)-5:], want) {
		t.Fatalf("template status webhooks %v, want them ending %v", evs, want)
	}
	sameShape(t, "DISABLED", fixtureChange(t, "template_status_paused.json", "disabled").Value, cs[len(cs)-1].Value)
	if codes[132016] == 0 {
		t.Errorf("no send refused with 132016 after the disable: %v", codes)
	}
	if _, m := h.sendTemplate(t, recipient(9999), "oferta_relampago", "pt_BR", "Davi"); errCode(m) != 132016 {
		t.Errorf("send of a disabled template: %v", m)
	}
	pop := h.sim.Population()
	if pop.Unconsented.Blocked == 0 || pop.Unconsented.OptedOut == 0 || pop.Consented.Delivered != 0 {
		t.Errorf("tallies %+v", pop)
	}
	// Each opt-out reaches the business as an inbound PARAR.
	stops := 0
	for _, c := range h.rc.changes(t, "messages") {
		msgs, _ := c.Value["messages"].([]any)
		for _, m := range msgs {
			if text, ok := m.(map[string]any)["text"].(map[string]any); ok && text["body"] == "PARAR" {
				stops++
			}
		}
	}
	if int64(stops) != pop.Unconsented.OptedOut {
		t.Errorf("%d PARAR messages, %d opt-outs tallied", stops, pop.Unconsented.OptedOut)
	}
}

func TestFeedbackAgesOutOfTheWindow(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Numbers[0].MessagingLimitTier = "TIER_UNLIMITED"
		c.Quality.Enabled = true
		c.Behaviour = BehaviourFunc(func(context.Context, Delivery, *rand.Rand) Reaction { return Reaction{Report: true, Block: true} })
	})
	h.campaign(t, 0, 100, time.Second, "hello_world", "en_US")
	if q := h.sim.Quality(pnid); q != "RED" {
		t.Fatalf("quality %s after 100 reports", q)
	}
	if _, m := h.doAuth(t, http.MethodGet, "/sim/behaviour", "", ""); m["numbers"].(map[string]any)[pnid].(map[string]any)["quality_rating"] != "RED" ||
		len(m["numbers"].(map[string]any)[pnid].(map[string]any)["history"].([]any)) != 2 {
		t.Errorf("GET /sim/behaviour: %v", m["numbers"])
	}
	h.clock.Advance(3 * 24 * time.Hour)
	h.flush(t)
	if q := h.sim.Quality(pnid); q != "RED" {
		t.Errorf("quality %s 3 days later: the ratio of old feedback does not improve by itself", q)
	}
	h.clock.Advance(5 * 24 * time.Hour)
	h.flush(t)
	if q := h.sim.Quality(pnid); q != "GREEN" {
		t.Errorf("quality %s after the 7-day window emptied", q)
	}
	evs := events(h.rc.changes(t, "phone_number_quality_update"))
	if !reflect.DeepEqual(evs, []string{"phone_number_quality_update:FLAGGED", "phone_number_quality_update:UNFLAGGED"}) {
		t.Errorf("phone quality webhooks %v", evs)
	}
}

func TestRatingHysteresis(t *testing.T) {
	q := DefaultQuality()
	tests := []struct {
		from  string
		score float64
		want  string
	}{
		{"GREEN", 0.029, "GREEN"},
		{"GREEN", 0.03, "YELLOW"},
		{"GREEN", 0.09, "RED"},
		{"YELLOW", 0.025, "YELLOW"},
		{"YELLOW", 0.019, "GREEN"},
		{"YELLOW", 0.079, "YELLOW"},
		{"RED", 0.07, "RED"},
		{"RED", 0.05, "YELLOW"},
		{"RED", 0.01, "GREEN"},
		{"UNKNOWN", 0.05, "YELLOW"},
	}
	for _, tt := range tests {
		if got := q.rate(tt.from, tt.score); got != tt.want {
			t.Errorf("rate(%s, %v) = %s, want %s", tt.from, tt.score, got, tt.want)
		}
	}
	bad := DefaultQuality()
	bad.Enabled, bad.RedExit = true, 0.1
	if _, err := New(Config{Numbers: []Number{DefaultNumber}, Quality: bad}); err == nil {
		t.Error("New accepted RedExit above RedAt")
	}
}

func TestFeedbackWindowWeights(t *testing.T) {
	b, err := newBehaviour(Config{Quality: QualityConfig{Enabled: true}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var w feedbackWindow
	w.add(t0, 100, 10)
	if s, _ := w.score(t0, &b.weights, 0); s != 0.1 {
		t.Errorf("score now %v, want 0.1", s)
	}
	// A day later the same hour weighs half; newer clean traffic weighs fully.
	w.add(t0.Add(24*time.Hour), 100, 0)
	if s, _ := w.score(t0.Add(24*time.Hour), &b.weights, 0); s < 0.0333 || s > 0.0334 {
		t.Errorf("score a day later %v, want 5/150", s)
	}
	if s, vol := w.score(t0.Add(8*24*time.Hour), &b.weights, 0); s != 0 && vol != 0 {
		t.Errorf("score after the window %v (volume %v)", s, vol)
	}
}
