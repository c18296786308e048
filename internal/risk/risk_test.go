package risk_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/metrics"
	"github.com/wabaguard/wabaguard/internal/risk"
	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"github.com/wabaguard/wabaguard/internal/wire"
)

const (
	tenant = "acme"
	waba   = "waba-1"
	phone  = "pn-1"
)

var start = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

type rig struct {
	st    *sqlite.Store
	eng   *risk.Engine
	clock *clocktest.Manual
	logs  *bytes.Buffer
}

func newRig(t testing.TB, mod func(*risk.Config)) *rig {
	t.Helper()
	st := sqlitetest.Open(t)
	ctx := t.Context()
	if err := st.PutTenant(ctx, store.Tenant{ID: tenant, Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: phone, TenantID: tenant, WABAID: waba, DisplayPhoneNumber: "+55 11 4000 0000",
		State: store.SenderActive}); err != nil {
		t.Fatal(err)
	}
	clock := clocktest.New(start)
	logs := &bytes.Buffer{}
	cfg := risk.Config{Now: clock.Now, Logger: slog.New(slog.NewTextHandler(logs, nil)), Metrics: metrics.NewForTest(),
		OptOut: func(_, text string) bool { return strings.EqualFold(text, "PARAR") }}
	if mod != nil {
		mod(&cfg)
	}
	eng := risk.New(st, cfg)
	if err := eng.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return &rig{st: st, eng: eng, clock: clock, logs: logs}
}

func (r *rig) feed(t testing.TB, batch ...signal.Signal) {
	t.Helper()
	if err := r.eng.Consume(t.Context(), batch); err != nil {
		t.Fatalf("Consume: %v", err)
	}
}

func status(st string, n int, codes ...int) []signal.Signal {
	out := make([]signal.Signal, n)
	for i := range out {
		out[i] = signal.Signal{Kind: signal.Status, TenantID: tenant, WABAID: waba, PhoneNumberID: phone, Field: "messages",
			Status: st, Codes: codes, At: start, MessageID: fmt.Sprintf("wamid.%s.%d", st, i),
			Raw: json.RawMessage(`{"status":"` + st + `"}`)}
	}
	return out
}

func inbound(text string, n int) []signal.Signal {
	out := make([]signal.Signal, n)
	for i := range out {
		out[i] = signal.Signal{Kind: signal.Inbound, TenantID: tenant, WABAID: waba, PhoneNumberID: phone, Field: "messages",
			WaID: fmt.Sprint(5511900000000 + i), At: start, Raw: json.RawMessage(`{"type":"text","text":{"body":"` + text + `"}}`)}
	}
	return out
}

func event(field, value string) signal.Signal {
	return signal.Signal{Kind: signal.Event, TenantID: tenant, WABAID: waba, Field: field, At: start, Raw: json.RawMessage(value)}
}

func (r *rig) brake(t *testing.T) store.Brake {
	t.Helper()
	b, err := r.st.GetBrake(t.Context(), phone, "")
	if err != nil {
		return store.Brake{}
	}
	if c := r.eng.Brake(phone); c.Level != b.Level {
		t.Errorf("cached brake %q, stored %q", c.Level, b.Level)
	}
	return b
}

// senderEvents returns the sender-state events queued for the tenant.
func (r *rig) senderEvents(t *testing.T) []map[string]any {
	t.Helper()
	fs, err := r.st.EventForwards(t.Context(), tenant, waba, []string{dispatch.SenderEventField}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	slices.Reverse(fs) // oldest first
	for _, f := range fs {
		var v map[string]any
		if err := json.Unmarshal(f.Value, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func concat(parts ...[]signal.Signal) []signal.Signal {
	var out []signal.Signal
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Each threshold's brake: signals whose score crosses it set its level,
// tell the tenant, and (from a pause up) open an incident.
func TestThresholdBrakes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		batch    []signal.Signal
		want     store.BrakeLevel
		event    string
		incident bool
	}{
		{"clean list: no brake", concat(status(wire.StatusSent, 200), status(wire.StatusDelivered, 200), status(wire.StatusRead, 150), inbound("obrigado", 20)),
			store.BrakeNone, "", false},
		{"1% opt-outs: slow", concat(status(wire.StatusSent, 200), status(wire.StatusDelivered, 200), status(wire.StatusRead, 150), inbound("PARAR", 2)),
			store.BrakeSlow, risk.EventSlowed, false},
		{"opt-outs and 131049: pause marketing", concat(status(wire.StatusSent, 200), status(wire.StatusDelivered, 190), status(wire.StatusRead, 150),
			inbound("PARAR", 2), status(wire.StatusFailed, 10, 131049)), store.BrakePauseMarketing, risk.EventMarketingPaused, true},
		{"opt-outs, 131049, 131050 and 131026: pause business", concat(status(wire.StatusSent, 200), status(wire.StatusDelivered, 180), status(wire.StatusRead, 150),
			inbound("PARAR", 2), status(wire.StatusFailed, 10, 131049), status(wire.StatusFailed, 10, 131026), status(wire.StatusFailed, 2, 131050)), store.BrakePauseBusiness, risk.EventBusinessPaused, true},
		{"quality flagged: slow", []signal.Signal{event("phone_number_quality_update", `{"display_phone_number":"554040000000","event":"FLAGGED","current_limit":"TIER_10K"}`)},
			store.BrakeSlow, risk.EventSlowed, true},
		{"flag and a RED template: pause marketing", []signal.Signal{event("phone_number_quality_update", `{"event":"FLAGGED"}`),
			event("message_template_quality_update", `{"previous_quality_score":"YELLOW","new_quality_score":"RED","message_template_id":1,"message_template_name":"promo","message_template_language":"pt_BR"}`)},
			store.BrakePauseMarketing, risk.EventMarketingPaused, true},
		{"warning, flag and a paused template: pause business", []signal.Signal{event("account_update", `{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"SCAM"}}`),
			event("phone_number_quality_update", `{"event":"FLAGGED"}`),
			event("message_template_status_update", `{"event":"PAUSED","message_template_id":1,"message_template_name":"promo","reason":"NONE"}`)},
			store.BrakePauseBusiness, risk.EventBusinessPaused, true},
		{"few sends: rates do not count", concat(status(wire.StatusSent, 10), status(wire.StatusDelivered, 10), inbound("PARAR", 5)),
			store.BrakeNone, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, nil)
			r.feed(t, tc.batch...)
			b := r.brake(t)
			if b.Level != tc.want {
				t.Fatalf("level %q (%s), want %q", b.Level, b.Reason, tc.want)
			}
			evs := r.senderEvents(t)
			if tc.event == "" {
				if len(evs) != 0 {
					t.Errorf("events %v, want none", evs)
				}
			} else if len(evs) != 1 || evs[0]["event"] != tc.event || evs[0]["level"] != string(tc.want) {
				t.Errorf("events %v, want one %s", evs, tc.event)
			}
			if tc.want == store.BrakeSlow && r.eng.RateFactor(phone) != 0.5 {
				t.Errorf("rate factor %v, want 0.5", r.eng.RateFactor(phone))
			}
			_, err := r.st.OpenIncidentOf(t.Context(), phone, "")
			if (err == nil) != tc.incident {
				t.Errorf("open incident: %v, want one: %v", err, tc.incident)
			}
			s, _ := r.st.GetSender(t.Context(), phone)
			if s.State != store.SenderActive {
				t.Errorf("sender %s by a score brake, want active (the rules hold what a pause holds)", s.State)
			}
		})
	}
}

// A slow-down lifts by itself once the score falls well below its
// threshold; a pause does not.
func TestSlowLiftsPauseStays(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.feed(t, concat(status(wire.StatusSent, 200), status(wire.StatusDelivered, 200), status(wire.StatusRead, 150), inbound("PARAR", 2))...)
	if r.brake(t).Level != store.BrakeSlow {
		t.Fatalf("want slow first, got %+v", r.brake(t))
	}
	// A day later the opt-outs left the window; a clean batch re-scores.
	r.clock.Advance(26 * time.Hour)
	clean := concat(status(wire.StatusSent, 100), status(wire.StatusDelivered, 100), status(wire.StatusRead, 90))
	for i := range clean {
		clean[i].At = r.clock.Now()
	}
	r.feed(t, clean...)
	if b := r.brake(t); b.Level != store.BrakeNone {
		t.Fatalf("after a clean day: %+v, want no brake", b)
	}

	r2 := newRig(t, nil)
	r2.feed(t, event("phone_number_quality_update", `{"event":"FLAGGED"}`), event("message_template_quality_update", `{"new_quality_score":"RED"}`))
	r2.clock.Advance(8 * 24 * time.Hour)
	r2.feed(t, signal.Signal{Kind: signal.Status, TenantID: tenant, PhoneNumberID: phone, Status: wire.StatusSent, At: r2.clock.Now()})
	if b := r2.brake(t); b.Level != store.BrakePauseMarketing {
		t.Fatalf("a pause after its events aged out: %+v, want it kept until a resume", b)
	}
}

// Each immediate stop: Meta's codes and events set their brake at once,
// whatever the score.
func TestImmediateStops(t *testing.T) {
	t.Parallel()
	exp := start.Add(72 * time.Hour).Unix()
	tests := []struct {
		name      string
		signals   []signal.Signal
		refused   int    // a synchronous refusal through SendRefused instead
		category  string // of the refused message
		want      store.BrakeLevel
		stopped   bool
		until     bool
		kind      store.IncidentKind
		loopStops bool
	}{
		{name: "131048 in a status", signals: status(wire.StatusFailed, 1, 131048), want: store.BrakePauseBusiness, kind: store.IncidentRestriction},
		{name: "131031 in a status", signals: status(wire.StatusFailed, 1, 131031), want: store.BrakeStop, stopped: true, kind: store.IncidentBan},
		{name: "368 refusing a template", refused: 368, category: "marketing", want: store.BrakePauseBusiness, kind: store.IncidentRestriction},
		{name: "368 refusing a reply", refused: 368, category: "service", want: store.BrakeStop, stopped: true, kind: store.IncidentRestriction, loopStops: true},
		{name: "131048 refusing a send", refused: 131048, category: "utility", want: store.BrakePauseBusiness, kind: store.IncidentRestriction},
		{name: "131031 refusing a send", refused: 131031, want: store.BrakeStop, stopped: true, kind: store.IncidentBan, loopStops: true},
		{name: "an expired token stops as before", refused: 190, want: store.BrakeStop, stopped: true, kind: store.IncidentPause, loopStops: true},
		{name: "ACCOUNT_RESTRICTION of business-initiated messages", signals: []signal.Signal{event("account_update",
			fmt.Sprintf(`{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":%d},{"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION","expiration":%d}]}`, exp, exp))},
			want: store.BrakePauseBusiness, until: true, kind: store.IncidentRestriction},
		{name: "ACCOUNT_RESTRICTION of every message", signals: []signal.Signal{event("account_update",
			fmt.Sprintf(`{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":%d},{"restriction_type":"RESTRICTED_CUSTOMER_INITIATED_MESSAGING","expiration":%d}]}`, exp, exp))},
			want: store.BrakeStop, stopped: true, until: true, kind: store.IncidentRestriction},
		{name: "ACCOUNT_RESTRICTION without an end (a lock)", signals: []signal.Signal{event("account_update",
			`{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING"}]}`)},
			want: store.BrakeStop, stopped: true, kind: store.IncidentRestriction},
		{name: "DISABLED_UPDATE", signals: []signal.Signal{event("account_update",
			`{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"DISABLE","waba_ban_date":"December 3, 2026"}}`)},
			want: store.BrakeStop, stopped: true, kind: store.IncidentBan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, nil)
			if tc.refused != 0 {
				s, err := r.st.GetSender(t.Context(), phone)
				if err != nil {
					t.Fatal(err)
				}
				stop, err := r.eng.SendRefused(t.Context(), s, tc.category, tc.refused, "refused", start)
				if err != nil {
					t.Fatal(err)
				}
				if stop != tc.loopStops {
					t.Errorf("SendRefused says stop the loop %v, want %v", stop, tc.loopStops)
				}
			} else {
				r.feed(t, tc.signals...)
			}
			b := r.brake(t)
			if b.Level != tc.want {
				t.Fatalf("level %q (%s), want %q", b.Level, b.Reason, tc.want)
			}
			if got := !b.Until.IsZero(); got != tc.until {
				t.Errorf("until %v, want set %v", b.Until, tc.until)
			} else if tc.until && b.Until.Unix() != exp {
				t.Errorf("until %v, want Meta's expiration %v", b.Until, time.Unix(exp, 0).UTC())
			}
			s, _ := r.st.GetSender(t.Context(), phone)
			if (s.State == store.SenderStopped) != tc.stopped {
				t.Errorf("sender %s, want stopped %v", s.State, tc.stopped)
			}
			in, err := r.st.OpenIncidentOf(t.Context(), phone, "")
			if err != nil {
				t.Fatalf("no incident: %v", err)
			}
			if in.Kind != tc.kind {
				t.Errorf("incident kind %q, want %q", in.Kind, tc.kind)
			}
			full, err := r.st.Incident(t.Context(), tenant, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Timeline) < 2 || full.Timeline[0].Kind != store.EventMeta || full.Timeline[len(full.Timeline)-1].Name != "brake."+string(tc.want) {
				t.Errorf("timeline %+v, want Meta's line then the action", full.Timeline)
			}
			if tc.signals != nil && tc.signals[0].Kind == signal.Event && string(full.Timeline[0].Raw) != string(tc.signals[0].Raw) {
				t.Errorf("timeline keeps %s, want the raw webhook %s", full.Timeline[0].Raw, tc.signals[0].Raw)
			}
			if evs := r.senderEvents(t); len(evs) != 1 {
				t.Errorf("sender events %v, want one", evs)
			}
		})
	}
}

// Resuming by hand lifts a stop, starts the warm-up and closes the
// incident; the second resume has nothing to lift.
func TestResumeByHand(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.feed(t, status(wire.StatusFailed, 1, 131031)...)
	if s, _ := r.st.GetSender(t.Context(), phone); s.State != store.SenderStopped {
		t.Fatalf("sender %s, want stopped", s.State)
	}
	r.clock.Advance(time.Hour)
	if _, err := r.eng.Resume(t.Context(), phone, "ana@acme.example"); err != nil {
		t.Fatal(err)
	}
	s, _ := r.st.GetSender(t.Context(), phone)
	if s.State != store.SenderActive {
		t.Errorf("sender %s after resume, want active", s.State)
	}
	b := r.brake(t)
	if b.Level != store.BrakeNone || !b.WarmupFrom.Equal(r.clock.Now()) || !b.WarmupUntil.Equal(r.clock.Now().Add(24*time.Hour)) {
		t.Errorf("brake after resume %+v, want none with a 24 h warm-up", b)
	}
	if f := r.eng.RateFactor(phone); f != 0.25 {
		t.Errorf("rate factor at the resume %v, want 0.25", f)
	}
	r.clock.Advance(12 * time.Hour)
	if f := r.eng.RateFactor(phone); f != 0.625 {
		t.Errorf("rate factor half way %v, want 0.625", f)
	}
	r.clock.Advance(12 * time.Hour)
	if f := r.eng.RateFactor(phone); f != 1 {
		t.Errorf("rate factor after the warm-up %v, want 1", f)
	}
	if _, err := r.st.OpenIncidentOf(t.Context(), phone, ""); err == nil {
		t.Error("incident still open after the resume")
	}
	list, err := r.st.Incidents(t.Context(), tenant, phone, 0)
	if err != nil || len(list) != 1 || list[0].Open() {
		t.Fatalf("incidents %+v %v, want one closed", list, err)
	}
	full, _ := r.st.Incident(t.Context(), tenant, list[0].ID)
	if last := full.Timeline[len(full.Timeline)-1]; last.Name != "brake.none" || !strings.Contains(last.Detail, "ana@acme.example") {
		t.Errorf("last line %+v, want the resume by its operator", last)
	}
	evs := r.senderEvents(t)
	if len(evs) != 2 || evs[0]["event"] != dispatch.SenderEventStopped || evs[1]["event"] != dispatch.SenderEventResumed {
		t.Errorf("events %v, want stopped then resumed", evs)
	}
	if _, err := r.eng.Resume(t.Context(), phone, "ana"); err == nil {
		t.Error("a second resume succeeded")
	}
}

// A restriction with an expiry lifts by itself at its end (Meta sends no
// webhook then), with a warm-up, and the incident closes.
func TestResumeAfterExpiry(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	exp := start.Add(3 * time.Hour)
	r.feed(t, event("account_update", fmt.Sprintf(`{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":%d}]}`, exp.Unix())))
	if b := r.brake(t); b.Level != store.BrakePauseBusiness {
		t.Fatalf("brake %+v", b)
	}
	r.clock.Advance(2 * time.Hour)
	if err := r.eng.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b := r.brake(t); b.Level != store.BrakePauseBusiness {
		t.Fatalf("lifted before the expiry: %+v", b)
	}
	r.clock.Advance(time.Hour)
	if err := r.eng.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := r.brake(t)
	if b.Level != store.BrakeNone || !b.WarmupFrom.Equal(exp) {
		t.Fatalf("after the expiry %+v, want lifted with a warm-up from %v", b, exp)
	}
	if _, err := r.st.OpenIncidentOf(t.Context(), phone, ""); err == nil {
		t.Error("incident still open after the expiry")
	}
	evs := r.senderEvents(t)
	if len(evs) != 2 || evs[1]["cause"] != "expiry" || evs[1]["event"] != dispatch.SenderEventResumed {
		t.Errorf("events %v, want the business pause then a resume by expiry", evs)
	}
}

// A REINSTATE lifts a ban; a hand resume outside the engine
// (dispatch.Resume, the dashboard's button) is noticed at the next tick.
func TestReinstateAndOutsideResume(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.feed(t, event("account_update", `{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"DISABLE"}}`))
	r.feed(t, event("account_update", `{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"REINSTATE"}}`))
	if b := r.brake(t); b.Level != store.BrakeNone {
		t.Fatalf("after REINSTATE %+v", b)
	}
	if s, _ := r.st.GetSender(t.Context(), phone); s.State != store.SenderActive {
		t.Errorf("sender %s after REINSTATE", s.State)
	}

	r.feed(t, status(wire.StatusFailed, 1, 131031)...)
	if _, err := dispatch.Resume(t.Context(), r.st, phone, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := r.eng.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b := r.brake(t); b.Level != store.BrakeNone {
		t.Errorf("after a resume outside the engine and a tick: %+v", b)
	}
}

// Counters land in the store per hour, so another engine (a replica, a
// restart) reads the same score.
func TestCountersShared(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.feed(t, concat(status(wire.StatusSent, 30), status(wire.StatusFailed, 2, 131049, 131050), inbound("PARAR", 1))...)
	counts, err := r.st.RiskCounts(t.Context(), phone, "", start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range counts {
		got[c.Metric] += c.N
	}
	want := map[string]int64{"sent": 30, "failed:131049": 2, "failed:131050": 2, "replied": 1, "opt_out": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counters %v, want %v", got, want)
	}
	other := risk.New(r.st, risk.Config{Now: r.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	other.Consume(t.Context(), status(wire.StatusSent, 30)) //nolint:errcheck // checked through the store below
	counts, _ = r.st.RiskCounts(t.Context(), phone, "", start.Add(-time.Hour))
	var sent int64
	for _, c := range counts {
		if c.Metric == "sent" {
			sent += c.N
		}
	}
	if sent != 60 {
		t.Errorf("sent after a second engine added 30: %d, want 60", sent)
	}
}

// A campaign key, when a message carries one, gets counters of its own
// beside the sender's.
func TestCampaignCounters(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(c *risk.Config) {
		c.CampaignOf = func(s signal.Signal) string {
			if strings.HasSuffix(s.MessageID, "0") {
				return "cmp-7"
			}
			return ""
		}
	})
	r.feed(t, status(wire.StatusSent, 20)...)
	counts, err := r.st.RiskCounts(t.Context(), phone, "cmp-7", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].N != 2 {
		t.Errorf("campaign counters %+v, want 2 sends", counts)
	}
}
