package sim

import (
	"context"
	"math/rand/v2"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestEnforcementLadder(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Numbers[0].MessagingLimitTier = "TIER_UNLIMITED"
		// Every recipient reports: the ladder, not the population, is under test.
		c.Behaviour = BehaviourFunc(func(context.Context, Delivery, *rand.Rand) Reaction { return Reaction{Report: true, Block: true} })
		c.Quality = QualityConfig{Enabled: true, TemplateMinMessages: 1 << 30}
		c.Enforcement = EnforcementConfig{
			Enabled: true, SustainedRed: time.Hour, StrikeCooldown: 2 * time.Hour, ReportsPerStrike: 50,
			TemplateBlock: 3 * time.Hour, MessagingBlock: 6 * time.Hour, DisableAfterLock: 24 * time.Hour,
		}
	})
	steps := func() []string {
		var out []string
		for _, a := range h.sim.Enforcement(wabaID) {
			out = append(out, a.Step)
		}
		return out
	}
	user := 0
	send := func() int {
		user++
		_, m := h.sendHello(t, recipient(user))
		h.clock.Advance(time.Second)
		return errCode(m)
	}
	sendText := func() int {
		user++
		if _, err := h.sim.Inbound(pnid, recipient(user), "oi"); err != nil {
			t.Fatal(err)
		}
		_, m := h.sendText(t, recipient(user), "Olá, como posso ajudar?")
		return errCode(m)
	}

	// 50 reports: a warning; sending goes on.
	for range 50 {
		if c := send(); c != 0 {
			t.Fatalf("send before any restriction: code %d", c)
		}
	}
	if got := steps(); !reflect.DeepEqual(got, []string{StepWarning}) || h.sim.Enforcement(wabaID)[0].Cause != "reports" {
		t.Fatalf("after 50 reports: %+v", h.sim.Enforcement(wabaID))
	}

	// Still RED after the cooldown: templates blocked for 3 h, replies in
	// the service window still allowed.
	h.clock.Advance(2 * time.Hour)
	if c := send(); c != 0 {
		t.Fatalf("the send that earns the strike is still accepted, got %d", c)
	}
	if got := steps(); !reflect.DeepEqual(got, []string{StepWarning, StepTemplateBlock}) {
		t.Fatalf("steps %v", got)
	}
	if c := send(); c != 368 {
		t.Errorf("template during a template block: code %d, want 368", c)
	}
	if c := sendText(); c != 0 {
		t.Errorf("reply in the service window during a template block: code %d", c)
	}
	_, m := h.do(t, http.MethodGet, "/v23.0/"+pnid+"?fields=status,health_status", "")
	if m["status"] != "RESTRICTED" || m["health_status"].(map[string]any)["can_send_message"] != "LIMITED" {
		t.Errorf("number during a template block: %v", m)
	}

	// The block ends; the next complaints earn a messaging block.
	h.clock.Advance(3 * time.Hour)
	send()
	if got := steps(); got[len(got)-1] != StepMessagingBlock {
		t.Fatalf("steps %v", got)
	}
	if c, ct := send(), sendText(); c != 368 || ct != 368 {
		t.Errorf("during a messaging block: template %d, text %d, want 368 both", c, ct)
	}

	// Then the lock: 131031 until an appeal, disabled without one.
	h.clock.Advance(6 * time.Hour)
	send()
	if got := steps(); got[len(got)-1] != StepLocked {
		t.Fatalf("steps %v", got)
	}
	if c, ct := send(), sendText(); c != 131031 || ct != 131031 {
		t.Errorf("while locked: template %d, text %d, want 131031 both", c, ct)
	}
	h.clock.Advance(24 * time.Hour)
	h.flush(t)
	want := []string{StepWarning, StepTemplateBlock, StepMessagingBlock, StepLocked, StepDisabled}
	if got := steps(); !reflect.DeepEqual(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	_, m = h.do(t, http.MethodGet, "/v23.0/"+pnid+"?fields=health_status", "")
	if m["health_status"].(map[string]any)["can_send_message"] != "BLOCKED" {
		t.Errorf("disabled number: %v", m)
	}

	cs := h.rc.changes(t, "account_update")
	evs := events(cs)
	wantEvs := []string{"account_update:ACCOUNT_VIOLATION", "account_update:ACCOUNT_RESTRICTION",
		"account_update:ACCOUNT_RESTRICTION", "account_update:ACCOUNT_RESTRICTION", "account_update:DISABLED_UPDATE"}
	if !reflect.DeepEqual(evs, wantEvs) {
		t.Fatalf("account_update webhooks %v, want %v", evs, wantEvs)
	}
	sameShape(t, "warning", fixtureChange(t, "account_update.json", "account_violation").Value, cs[0].Value)
	sameShape(t, "template block", fixtureChange(t, "account_update.json", "account_restriction").Value, cs[1].Value)
	// A lock has no end: its restrictions carry no expiration.
	sameShape(t, "lock", fixtureChange(t, "account_update.json", "account_restriction").Value, cs[3].Value, "expiration")
	sameShape(t, "disable", fixtureChange(t, "account_update.json", "account_disabled").Value, cs[4].Value)
	types := func(c change) []string {
		var out []string
		for _, r := range c.Value["restriction_info"].([]any) {
			out = append(out, r.(map[string]any)["restriction_type"].(string))
		}
		return out
	}
	if got := types(cs[1]); !reflect.DeepEqual(got, []string{"RESTRICTED_BIZ_INITIATED_MESSAGING", "RESTRICTED_ADD_PHONE_NUMBER_ACTION"}) {
		t.Errorf("template block restrictions %v", got)
	}
	if got := types(cs[2]); len(got) != 3 || got[1] != "RESTRICTED_CUSTOMER_INITIATED_MESSAGING" {
		t.Errorf("messaging block restrictions %v", got)
	}
	if exp := cs[1].Value["restriction_info"].([]any)[0].(map[string]any)["expiration"].(float64); int64(exp) != h.sim.Enforcement(wabaID)[1].Until.Unix() {
		t.Errorf("template block expiration %v", exp)
	}
	if ban := cs[4].Value["ban_info"].(map[string]any); ban["waba_ban_state"] != "DISABLE" || ban["waba_ban_date"] != h.clock.Now().Format("January 2, 2006") {
		t.Errorf("ban_info %v", ban)
	}

	// An appeal that succeeds reinstates the account.
	if err := h.sim.Reinstate(wabaID); err != nil {
		t.Fatal(err)
	}
	h.flush(t)
	if c := send(); c != 0 {
		t.Errorf("send after reinstatement: code %d", c)
	}
	last := h.rc.changes(t, "account_update")
	if ban := last[len(last)-1].Value["ban_info"].(map[string]any); ban["waba_ban_state"] != "REINSTATE" {
		t.Errorf("reinstatement webhook %v", ban)
	}
}

func TestEnforcementNeedsFreshFeedback(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Numbers[0].MessagingLimitTier = "TIER_UNLIMITED"
		c.Behaviour = BehaviourFunc(func(context.Context, Delivery, *rand.Rand) Reaction { return Reaction{Report: true, Block: true} })
		c.Quality = QualityConfig{Enabled: true, TemplateMinMessages: 1 << 30}
		c.Enforcement = EnforcementConfig{Enabled: true, SustainedRed: time.Hour, StrikeCooldown: time.Hour, ReportsPerStrike: 1000}
	})
	h.campaign(t, 0, 20, time.Second, "hello_world", "en_US")
	// RED for days, but nothing sent after the warning: no further strike.
	for range 5 {
		h.clock.Advance(2 * time.Hour)
		h.flush(t)
	}
	got := h.sim.Enforcement(wabaID)
	if len(got) != 1 || got[0].Step != StepWarning || got[0].Cause != "sustained_red" {
		t.Errorf("enforcement %+v, want one warning for sustained RED", got)
	}
}
