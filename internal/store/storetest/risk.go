package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testRiskCounts covers the risk engine's counters: adds to the same hour
// accumulate (also within one call), other hours, metrics and campaigns
// keep their own rows, since bounds the read, and the sweep drops only old
// buckets.
func testRiskCounts(t *testing.T, s store.Store) {
	c := ctx(t)
	h := base.Truncate(time.Hour)
	cnt := func(campaign, metric string, at time.Time, n int64) store.RiskCount {
		return store.RiskCount{TenantID: "t1", PhoneNumberID: "risk-pn", CampaignID: campaign, Metric: metric, Bucket: at, N: n}
	}
	must(t, s.AddRiskCounts(c, []store.RiskCount{
		cnt("", "sent", h.Add(10*time.Minute), 3), cnt("", "sent", h.Add(50*time.Minute), 2),
		cnt("", "failed:131049", h, 1), cnt("cmp-1", "sent", h, 7),
		cnt("", "sent", h.Add(-3*time.Hour), 4),
	}))
	must(t, s.AddRiskCounts(c, []store.RiskCount{cnt("", "sent", h.Add(5*time.Minute), 1)}))
	must(t, s.AddRiskCounts(c, nil))

	got, err := s.RiskCounts(c, "risk-pn", "", h.Add(-time.Hour))
	must(t, err)
	want := map[string]int64{"sent": 6, "failed:131049": 1}
	if len(got) != len(want) {
		t.Fatalf("RiskCounts(last hour) = %+v, want %v", got, want)
	}
	for _, g := range got {
		if g.N != want[g.Metric] || !g.Bucket.Equal(h) || g.TenantID != "t1" || g.CampaignID != "" {
			t.Errorf("RiskCounts row %+v, want n %d at %v", g, want[g.Metric], h)
		}
	}
	all, err := s.RiskCounts(c, "risk-pn", "", h.Add(-24*time.Hour))
	must(t, err)
	if len(all) != 3 || !all[0].Bucket.Equal(h.Add(-3*time.Hour)) || all[0].N != 4 {
		t.Errorf("RiskCounts(24 h) = %+v, want the older bucket first", all)
	}
	cmp, err := s.RiskCounts(c, "risk-pn", "cmp-1", h.Add(-24*time.Hour))
	must(t, err)
	if len(cmp) != 1 || cmp[0].N != 7 || cmp[0].CampaignID != "cmp-1" {
		t.Errorf("RiskCounts(campaign) = %+v", cmp)
	}
	n, err := s.DeleteRiskCountsBefore(c, h.Add(-time.Hour))
	must(t, err)
	if n != 1 {
		t.Errorf("DeleteRiskCountsBefore = %d, want 1", n)
	}
	all, err = s.RiskCounts(c, "risk-pn", "", time.Time{})
	must(t, err)
	if len(all) != 2 {
		t.Errorf("after the sweep: %+v", all)
	}
}

// testBrakes covers brakes: absent, a round trip of every field, replace,
// and the list.
func testBrakes(t *testing.T, s store.Store) {
	c := ctx(t)
	wantNotFound(t, "GetBrake(none)", func() error { _, err := s.GetBrake(c, "brake-pn", ""); return err }())
	b := store.Brake{TenantID: "t1", PhoneNumberID: "brake-pn", Level: store.BrakePauseBusiness, RateFactor: 0.25, Code: 131048,
		Reason: "spam rate limit", Score: 71.5, Until: base.Add(72 * time.Hour), WarmupFrom: base, WarmupUntil: base.Add(time.Hour),
		Manual: true, ChangedAt: base}
	must(t, s.PutBrake(c, b))
	got, err := s.GetBrake(c, "brake-pn", "")
	must(t, err)
	if got.Level != b.Level || got.RateFactor != 0.25 || got.Code != 131048 || got.Reason != b.Reason || got.Score != 71.5 ||
		!got.Until.Equal(b.Until) || !got.WarmupFrom.Equal(base) || !got.WarmupUntil.Equal(b.WarmupUntil) || !got.Manual ||
		!got.ChangedAt.Equal(base) || got.TenantID != "t1" {
		t.Errorf("GetBrake = %+v, want %+v", got, b)
	}
	cb := store.Brake{TenantID: "t1", PhoneNumberID: "brake-pn", CampaignID: "cmp-9", Level: store.BrakePauseMarketing, RateFactor: 1, ChangedAt: base}
	must(t, s.PutBrake(c, cb))
	b2 := store.Brake{TenantID: "t1", PhoneNumberID: "brake-pn", Level: store.BrakeNone, RateFactor: 1, ChangedAt: base.Add(time.Minute)}
	must(t, s.PutBrake(c, b2))
	got, err = s.GetBrake(c, "brake-pn", "")
	must(t, err)
	if got.Level != store.BrakeNone || !got.Until.IsZero() || !got.WarmupFrom.IsZero() || got.Manual || got.Code != 0 {
		t.Errorf("GetBrake after replace = %+v", got)
	}
	list, err := s.ListBrakes(c)
	must(t, err)
	var mine []store.Brake
	for _, l := range list {
		if l.PhoneNumberID == "brake-pn" {
			mine = append(mine, l)
		}
	}
	if len(mine) != 2 || mine[0].CampaignID != "" || mine[1].CampaignID != "cmp-9" || mine[1].Level != store.BrakePauseMarketing {
		t.Errorf("ListBrakes = %+v", mine)
	}
}

// testIncidents covers incidents: open with a timeline, a duplicate id
// refused, the open one found, lines appended in order with their raw
// payloads, another tenant not seeing it, the list newest first and by
// sender, and closing once.
func testIncidents(t *testing.T, s store.Store) {
	c := ctx(t)
	wantNotFound(t, "OpenIncidentOf(none)", func() error { _, err := s.OpenIncidentOf(c, "inc-pn", ""); return err }())
	raw := []byte(`{"event":"ACCOUNT_RESTRICTION"}`)
	in := store.Incident{ID: "inc-1", TenantID: "t1", PhoneNumberID: "inc-pn", WABAID: "waba-1", Kind: store.IncidentRestriction,
		Title: "account restricted", OpenedAt: base,
		Timeline: []store.IncidentEvent{{At: base, Kind: store.EventMeta, Name: "ACCOUNT_RESTRICTION", Detail: "until tomorrow", Raw: raw}}}
	must(t, s.OpenIncident(c, in))
	if err := s.OpenIncident(c, store.Incident{ID: "inc-1", TenantID: "t1", PhoneNumberID: "x", Kind: store.IncidentFlag, OpenedAt: base}); !errors.Is(err, store.ErrExists) {
		t.Errorf("OpenIncident(same id) = %v, want ErrExists", err)
	}
	must(t, s.AppendIncidentEvents(c, []store.IncidentEvent{
		{IncidentID: "inc-1", At: base.Add(time.Second), Kind: store.EventAction, Name: "brake.pause_business", Detail: "paused"},
		{IncidentID: "inc-1", At: base.Add(2 * time.Second), Kind: store.EventDecision, Name: "score", Detail: "72"},
	}))
	open, err := s.OpenIncidentOf(c, "inc-pn", "")
	must(t, err)
	if open.ID != "inc-1" || !open.Open() || open.Kind != store.IncidentRestriction || open.WABAID != "waba-1" {
		t.Errorf("OpenIncidentOf = %+v", open)
	}
	got, err := s.Incident(c, "t1", "inc-1")
	must(t, err)
	if len(got.Timeline) != 3 || string(got.Timeline[0].Raw) != string(raw) || got.Timeline[0].Kind != store.EventMeta ||
		got.Timeline[1].Name != "brake.pause_business" || got.Timeline[1].Raw != nil || got.Timeline[2].Detail != "72" ||
		!got.Timeline[2].At.Equal(base.Add(2*time.Second)) || got.Title != "account restricted" || !got.OpenedAt.Equal(base) {
		t.Errorf("Incident = %+v", got)
	}
	wantNotFound(t, "Incident(other tenant)", func() error { _, err := s.Incident(c, "t2", "inc-1"); return err }())

	must(t, s.OpenIncident(c, store.Incident{ID: "inc-2", TenantID: "t1", PhoneNumberID: "inc-pn2", Kind: store.IncidentFlag,
		Title: "quality RED", OpenedAt: base.Add(time.Hour)}))
	list, err := s.Incidents(c, "t1", "", 0)
	must(t, err)
	if len(list) < 2 || list[0].ID != "inc-2" || list[1].ID != "inc-1" || list[0].Timeline != nil {
		t.Errorf("Incidents = %+v, want inc-2 then inc-1", list)
	}
	one, err := s.Incidents(c, "t1", "inc-pn", 10)
	must(t, err)
	if len(one) != 1 || one[0].ID != "inc-1" {
		t.Errorf("Incidents(inc-pn) = %+v", one)
	}
	must(t, s.CloseIncident(c, "inc-1", base.Add(3*time.Hour)))
	wantNotFound(t, "CloseIncident(closed)", s.CloseIncident(c, "inc-1", base.Add(4*time.Hour)))
	wantNotFound(t, "OpenIncidentOf(after close)", func() error { _, err := s.OpenIncidentOf(c, "inc-pn", ""); return err }())
	got, err = s.Incident(c, "t1", "inc-1")
	must(t, err)
	if got.Open() || !got.ClosedAt.Equal(base.Add(3*time.Hour)) {
		t.Errorf("closed incident = %+v", got)
	}
}
