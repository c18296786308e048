package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// testCampaigns covers a campaign's row: create (and a taken id), get and
// list per tenant, state changes only from the states given (StartedAt set
// once, FinishedAt on the end), which campaigns are due, checkpoints that
// land once per cursor with their counters and messages, and the outcomes
// joined from messages, windows and the consent ledger.
func testCampaigns(t *testing.T, s store.Store) {
	c := ctx(t)
	mk := func(tenant, id string, state store.CampaignState, startAt time.Time) store.Campaign {
		return store.Campaign{TenantID: tenant, ID: id, Name: "Campaign " + id, SenderID: "p1", TemplateName: "promo",
			TemplateLanguage: "pt_BR", Params: []byte(`["{{name}}"]`), AudienceID: "vip", StartAt: startAt, State: state,
			Refused: []byte(`{}`), CreatedAt: base, UpdatedAt: base}
	}
	must(t, s.CreateCampaign(c, mk("t1", "b", store.CampaignDraft, time.Time{})))
	must(t, s.CreateCampaign(c, mk("t1", "a", store.CampaignScheduled, base.Add(time.Hour))))
	must(t, s.CreateCampaign(c, mk("t2", "a", store.CampaignDraft, time.Time{})))
	if err := s.CreateCampaign(c, mk("t1", "a", store.CampaignDraft, time.Time{})); !errors.Is(err, store.ErrExists) {
		t.Fatalf("a taken id: %v, want ErrExists", err)
	}
	got, err := s.GetCampaign(c, "t1", "a")
	must(t, err)
	if got.Name != "Campaign a" || got.State != store.CampaignScheduled || !got.StartAt.Equal(base.Add(time.Hour)) ||
		string(got.Params) != `["{{name}}"]` || got.AudienceID != "vip" || !got.StartedAt.IsZero() || got.Cursor != "" {
		t.Fatalf("got %+v", got)
	}
	if _, err := s.GetCampaign(c, "t3", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another tenant's: %v", err)
	}
	list, err := s.ListCampaigns(c, "t1")
	must(t, err)
	if len(list) != 2 || list[0].ID != "a" || list[1].ID != "b" || list[0].TenantID != "t1" {
		t.Fatalf("list: %+v", list)
	}

	// Due: a scheduled campaign once its start time passed; drafts never.
	due := func(now time.Time) []string {
		cs, err := s.DueCampaigns(c, now, 10)
		must(t, err)
		var ids []string
		for _, x := range cs {
			ids = append(ids, x.TenantID+"/"+x.ID)
		}
		slices.Sort(ids)
		return ids
	}
	if d := due(base); len(d) != 0 {
		t.Fatalf("due before start: %v", d)
	}
	if d := due(base.Add(time.Hour)); !slices.Equal(d, []string{"t1/a"}) {
		t.Fatalf("due at start: %v", d)
	}

	// State changes: only from the given states.
	if _, err := s.SetCampaignState(c, "t1", "b", []store.CampaignState{store.CampaignRunning}, store.CampaignPaused, "x", base); !errors.Is(err, store.ErrCampaignState) {
		t.Fatalf("pause a draft: %v", err)
	}
	started := base.Add(-time.Hour)
	run, err := s.SetCampaignState(c, "t1", "a", []store.CampaignState{store.CampaignScheduled}, store.CampaignRunning, "", started)
	must(t, err)
	if run.State != store.CampaignRunning || !run.StartedAt.Equal(started) {
		t.Fatalf("running: %+v", run)
	}
	p, err := s.SetCampaignState(c, "t1", "a", []store.CampaignState{store.CampaignRunning}, store.CampaignPaused, "template paused", base)
	must(t, err)
	if p.State != store.CampaignPaused || p.StateReason != "template paused" {
		t.Fatalf("paused: %+v", p)
	}
	if d := due(base.Add(time.Hour)); len(d) != 0 {
		t.Fatalf("a paused campaign is due: %v", d)
	}
	p, err = s.SetCampaignState(c, "t1", "a", []store.CampaignState{store.CampaignPaused}, store.CampaignRunning, "", base.Add(time.Minute))
	must(t, err)
	if !p.StartedAt.Equal(started) || p.StateReason != "" {
		t.Fatalf("resumed: StartedAt moved or reason kept: %+v", p)
	}

	// Messages the checkpoints name, with their states.
	l := ledgerAt(s)
	recA, err := l.Record(c, formOptIn("t1", mobileA, consent.Marketing))
	must(t, err)
	recB, err := l.Record(c, formOptIn("t1", mobileB, consent.Marketing))
	must(t, err)
	waA, waB := mobileA[1:], mobileB[1:]
	must(t, s.PutContacts(c, []store.Contact{
		{TenantID: "t1", WaID: waA, E164: mobileA, ContactKey: recA.ContactKey, Tags: []string{}, Attributes: []byte(`{}`), CreatedAt: base, UpdatedAt: base},
		{TenantID: "t1", WaID: waB, E164: mobileB, ContactKey: recB.ContactKey, Tags: []string{}, Attributes: []byte(`{}`), CreatedAt: base, UpdatedAt: base},
	}, nil))
	msg := func(id, wa string, st store.MessageState, code int) *store.Intake {
		return &store.Intake{
			Message: &store.Message{ID: id, TenantID: "t1", SenderID: "p1", Input: wa, WaID: wa, Type: "template", Category: "marketing",
				Body: []byte("{}"), State: st, ErrorCode: code, NextAttemptAt: base, CreatedAt: base, UpdatedAt: base},
			Decision: store.Decision{TenantID: "t1", SenderID: "p1", MessageID: id, WaID: wa, Outcome: store.OutcomeAllow, CreatedAt: base},
		}
	}
	must(t, s.CommitIntake(c, []*store.Intake{msg("wamid.c1", waA, store.StateQueued, 0), msg("wamid.c2", waB, store.StateFailed, 131026)}))

	cp := store.CampaignCheckpoint{TenantID: "t1", ID: "a", From: "", To: waA, Targeted: 2, Accepted: 1,
		Refused: map[string]int64{"consent.missing": 1}, Messages: []store.CampaignMessage{{WaID: waA, MessageID: "wamid.c1"}}, At: base}
	ok, err := s.CheckpointCampaign(c, cp)
	must(t, err)
	if !ok {
		t.Fatal("first checkpoint not applied")
	}
	// The same chunk again (a stale round) lands nothing.
	ok, err = s.CheckpointCampaign(c, cp)
	must(t, err)
	if ok {
		t.Fatal("a checkpoint from a cursor already passed was applied")
	}
	ok, err = s.CheckpointCampaign(c, store.CampaignCheckpoint{TenantID: "t1", ID: "a", From: waA, To: waB, Targeted: 1, Accepted: 1,
		Refused:  map[string]int64{"consent.missing": 2, "template.param_missing": 1},
		Messages: []store.CampaignMessage{{WaID: waB, MessageID: "wamid.c2"}}, Done: true, At: base.Add(time.Minute)})
	must(t, err)
	if !ok {
		t.Fatal("second checkpoint not applied")
	}
	got, err = s.GetCampaign(c, "t1", "a")
	must(t, err)
	if got.Cursor != waB || got.Targeted != 3 || got.Accepted != 2 || got.State != store.CampaignCompleted ||
		!got.FinishedAt.Equal(base.Add(time.Minute)) {
		t.Fatalf("after checkpoints: %+v", got)
	}
	merged, err := store.MergeRefused(got.Refused, nil)
	must(t, err)
	if string(merged) != `{"consent.missing":3,"template.param_missing":1}` {
		t.Fatalf("refused: %s", got.Refused)
	}
	m, err := s.CampaignMessageOf(c, "t1", "a", waB)
	must(t, err)
	if m.MessageID != "wamid.c2" {
		t.Fatalf("message of B: %+v", m)
	}
	if _, err := s.CampaignMessageOf(c, "t1", "b", waB); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another campaign's message: %v", err)
	}

	// Outcomes: A replied after the start (B's window is older) and B
	// opted out (the ledger's clock is base, after the start).
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Windows: []store.Window{
		{SenderID: "p1", WaID: waA, At: base.Add(time.Minute)},
		{SenderID: "p1", WaID: waB, At: started.Add(-time.Hour)},
	}}))
	_, err = l.Record(c, keywordOptOut("t1", mobileB, consent.Marketing))
	must(t, err)
	out, err := s.CampaignOutcomes(c, "t1", "a")
	must(t, err)
	want := []store.CampaignDelivery{{State: store.StateFailed, ErrorCode: 131026, Count: 1}, {State: store.StateQueued, Count: 1}}
	if !slices.Equal(out.Deliveries, want) || out.Replied != 1 || out.OptOuts != 1 {
		t.Fatalf("outcomes: %+v, want deliveries %+v, 1 reply, 1 opt-out", out, want)
	}
}
