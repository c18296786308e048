package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testAppealReads pins the aggregate reads of an appeal dossier: counts per
// day and category, recipients, failures by code, decisions, templates and
// the last send after an opt-out, each confined to one tenant's sender and
// window. The same sender id under another tenant, another sender of the
// tenant, and messages before the window never count.
func testAppealReads(t *testing.T, s store.Store) {
	c := ctx(t)
	const a, b = "5511911110001", "5511911110002"
	day := 24 * time.Hour
	msg := func(id, tenant, sender, waID, cat string, at time.Time, template bool) *store.Message {
		m := newMsg(id, tenant, sender, at)
		m.WaID, m.Category = waID, cat
		if template {
			m.Type = "template"
			m.Body = []byte(`{"messaging_product":"whatsapp","to":"` + waID + `","type":"template","template":{"name":"promo","language":{"code":"pt_BR"}}}`)
		}
		return m
	}
	reject := store.Decision{TenantID: "t1", SenderID: "p1", WaID: b, Outcome: store.OutcomeReject, Rule: "consent",
		Code: "consent.missing", GraphCode: 131047, Reason: "no opt-in", CreatedAt: base.Add(2 * time.Minute)}
	other := reject
	other.TenantID = "t2"
	warn := store.Decision{TenantID: "t1", SenderID: "p1", WaID: a, Outcome: store.OutcomeWarn, Rule: "content",
		Code: "content.spam", Reason: "spammy", CreatedAt: base.Add(3 * time.Minute)}
	must(t, s.CommitIntake(c, []*store.Intake{
		accepted(msg("m1", "t1", "p1", a, "marketing", base, true)),
		accepted(msg("m2", "t1", "p1", b, "utility", base.Add(time.Minute), false)),
		accepted(msg("m3", "t1", "p1", b, "marketing", base.Add(2*time.Minute), true)),
		accepted(msg("m4", "t1", "p1", a, "marketing", base.Add(day), true)),
		accepted(msg("m5", "t1", "p1", a, "marketing", base.Add(-2*day), true)), // before the window
		accepted(msg("m6", "t2", "p1", a, "marketing", base, true)),             // another tenant
		accepted(msg("m7", "t1", "p2", a, "marketing", base, true)),             // another sender
		{Decision: reject}, {Decision: other}, {Decision: warn},
	}))
	claim(t, s, "p1", base.Add(2*day), 10)
	claim(t, s, "p2", base.Add(2*day), 10)
	sent := func(id string, at time.Time) store.Outcome {
		return store.Outcome{MessageID: id, State: store.StateSent, MetaID: "wamid." + id, Attempts: 1, At: at}
	}
	must(t, s.RecordOutcomes(c, []store.Outcome{
		sent("m1", base.Add(time.Second)), sent("m2", base.Add(time.Minute+time.Second)),
		{MessageID: "m3", State: store.StateFailed, Attempts: 1, ErrorCode: 131049, ErrorDetail: "per-user limit", At: base.Add(2*time.Minute + time.Second)},
		sent("m4", base.Add(day+time.Second)), sent("m5", base.Add(-2*day+time.Second)),
		sent("m6", base.Add(time.Second)), sent("m7", base.Add(time.Second)),
	}, nil))
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Statuses: []store.StatusApply{
		{Event: store.StatusEvent{MessageID: "m1", MetaID: "wamid.m1", Status: "sent", Timestamp: base.Add(10 * time.Second)}, State: store.StateSent},
		{Event: store.StatusEvent{MessageID: "m4", MetaID: "wamid.m4", Status: "failed", Timestamp: base.Add(day + 5*time.Second), ErrorCode: 131026}, State: store.StateFailed},
	}}))
	sc := store.AppealScope{TenantID: "t1", SenderID: "p1", From: base.Add(-time.Hour), To: base.Add(2 * day)}
	d0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	vols, err := s.AppealVolumes(c, sc)
	must(t, err)
	wantVols := []store.CategoryDay{
		{Day: d0, Category: "marketing", Accepted: 2, Sent: 1, Failed: 1},
		{Day: d0, Category: "utility", Accepted: 1, Sent: 1},
		{Day: d0.Add(day), Category: "marketing", Accepted: 1, Sent: 1, Failed: 1},
	}
	if !reflect.DeepEqual(vols, wantVols) {
		t.Errorf("volumes = %+v, want %+v", vols, wantVols)
	}

	recs, err := s.AppealRecipients(c, sc)
	must(t, err)
	if len(recs) != 2 || recs[0].WaID != a || recs[0].Category != "marketing" || recs[0].Sent != 2 || !sameTime(recs[0].First, base) ||
		recs[1].WaID != b || recs[1].Category != "utility" || recs[1].Sent != 1 {
		t.Errorf("recipients = %+v", recs)
	}

	fails, err := s.AppealFailures(c, sc)
	must(t, err)
	if want := []store.CodeCount{{Code: 131026, Count: 1}, {Code: 131049, Count: 1}}; !reflect.DeepEqual(fails, want) {
		t.Errorf("failures = %+v, want %+v", fails, want)
	}

	tpls, err := s.AppealTemplates(c, sc)
	must(t, err)
	if want := []store.TemplateUse{{Name: "promo", Language: "pt_BR", Count: 3}}; !reflect.DeepEqual(tpls, want) {
		t.Errorf("templates = %+v, want %+v", tpls, want)
	}

	decs, err := s.AppealDecisions(c, sc)
	must(t, err)
	if len(decs) != 3 || decs[0].Outcome != store.OutcomeAllow || decs[0].Count != 4 ||
		decs[1].Outcome != store.OutcomeReject || decs[1].Rule != "consent" || decs[1].Code != "consent.missing" || decs[1].GraphCode != 131047 || decs[1].Count != 1 ||
		!sameTime(decs[1].First, reject.CreatedAt) || !sameTime(decs[1].Last, reject.CreatedAt) ||
		decs[2].Outcome != store.OutcomeWarn || decs[2].Code != "content.spam" || decs[2].Count != 1 {
		t.Errorf("decisions = %+v", decs)
	}

	mkt := []string{"marketing"}
	lastTests := []struct {
		name          string
		tenant, waID  string
		cats          []string
		after, before time.Time
		want          time.Time
		n             int
	}{
		{"Meta's status time, the latest", "t1", a, mkt, base, time.Time{}, base.Add(day + 5*time.Second), 2},
		{"strictly after", "t1", a, mkt, base.Add(10 * time.Second), time.Time{}, base.Add(day + 5*time.Second), 1},
		{"before bound", "t1", a, mkt, base, base.Add(20 * time.Second), base.Add(10 * time.Second), 1},
		{"the gateway's time without a status", "t1", b, []string{"utility"}, base, time.Time{}, base.Add(time.Minute + time.Second), 1},
		{"never sent: failed before Meta", "t1", b, mkt, base, time.Time{}, time.Time{}, 0},
		{"another tenant's sends", "t2", a, mkt, base, time.Time{}, base.Add(time.Second), 1},
		{"no categories", "t1", a, nil, base, time.Time{}, time.Time{}, 0},
	}
	for _, tc := range lastTests {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := s.AppealLastSent(c, tc.tenant, "p1", tc.waID, tc.cats, tc.after, tc.before)
			must(t, err)
			if n != tc.n || !sameTime(got, tc.want) {
				t.Fatalf("got %v, %d; want %v, %d", got, n, tc.want, tc.n)
			}
		})
	}

	// Another tenant asking for the same sender id sees only its own.
	sc2 := sc
	sc2.TenantID = "t2"
	vols2, err := s.AppealVolumes(c, sc2)
	must(t, err)
	if len(vols2) != 1 || vols2[0].Accepted != 1 {
		t.Errorf("t2 volumes = %+v", vols2)
	}
	decs2, err := s.AppealDecisions(c, sc2)
	must(t, err)
	if len(decs2) != 2 || decs2[1].Code != "consent.missing" {
		t.Errorf("t2 decisions = %+v", decs2)
	}
	sc3 := sc
	sc3.TenantID = "t3"
	for name, f := range map[string]func() (int, error){
		"volumes":    func() (int, error) { r, err := s.AppealVolumes(c, sc3); return len(r), err },
		"recipients": func() (int, error) { r, err := s.AppealRecipients(c, sc3); return len(r), err },
		"failures":   func() (int, error) { r, err := s.AppealFailures(c, sc3); return len(r), err },
		"decisions":  func() (int, error) { r, err := s.AppealDecisions(c, sc3); return len(r), err },
		"templates":  func() (int, error) { r, err := s.AppealTemplates(c, sc3); return len(r), err },
	} {
		n, err := f()
		must(t, err)
		if n != 0 {
			t.Errorf("unknown tenant: %d %s", n, name)
		}
	}
}
