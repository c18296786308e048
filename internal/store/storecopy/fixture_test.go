package storecopy

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// base is the fixture's clock. Its sub-millisecond part checks that times
// survive to the millisecond, which is what SQLite keeps.
var base = time.Date(2026, 11, 1, 9, 30, 0, 123_456_789, time.UTC)

// probeNow is after every due time in the fixture.
var probeNow = base.Add(24 * time.Hour)

const (
	nMessages = 300
	whsec1    = "whsec-tenant-one"
	token1    = "EAAG-token-of-p1"
)

func keyHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newBox(t testing.TB) *secret.Box {
	t.Helper()
	b, err := secret.NewBox(secret.NewKey())
	must(t, err)
	return b
}

// fixture is a SQLite installation with something in every table, built
// through the store's own API the way a running gateway fills it.
type fixture struct {
	path    string
	box     *secret.Box
	metaIDs []string
}

func buildFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{path: filepath.Join(t.TempDir(), "wabaguard.db"), box: newBox(t)}
	s, err := sqlite.Open(ctx, f.path, f.box)
	must(t, err)
	defer func() { must(t, s.Close()) }()

	must(t, s.PutTenant(ctx, store.Tenant{ID: "t1", Name: "Acme", WebhookURL: "https://acme.example/hook",
		WebhookSecret: whsec1, CreatedAt: base}))
	must(t, s.PutTenant(ctx, store.Tenant{ID: "t2", Name: "Globex", WebhookURL: "https://globex.example/hook",
		CreatedAt: base.Add(time.Second)}))
	must(t, s.PutAPIKey(ctx, store.APIKey{ID: "wg_k1", TenantID: "t1", Hash: keyHash("key-one"), CreatedAt: base,
		Source: store.KeyFromConfig, ExpiresAt: base.Add(90 * 24 * time.Hour), LastUsedAt: base.Add(time.Minute)}))
	must(t, s.PutAPIKey(ctx, store.APIKey{ID: "wg_k2", TenantID: "t2", Hash: keyHash("key-two"), CreatedAt: base}))
	must(t, s.RevokeAPIKey(ctx, "wg_k2"))
	must(t, s.CreateUser(ctx, store.User{ID: "u1", TenantID: "t1", Email: "ana@acme.example", Role: store.RoleAdmin,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", CreatedAt: base}))
	must(t, s.CreateUser(ctx, store.User{ID: "u2", TenantID: "t2", Email: "bo@globex.example", Role: store.RoleViewer,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdDI$aGFzaDI", CreatedAt: base.Add(time.Second)}))
	for _, m := range []store.ContentModel{
		{TenantID: "t1", CreatedAt: base, TrainingRows: 6480, TenantRows: 10, HeldOut: `{"all":{"n":2}}`, Model: []byte{0x1f, 0x8b, 1, 2, 3}},
		{TenantID: "t1", CreatedAt: base.Add(time.Minute), TrainingRows: 6490, TenantRows: 20, HeldOut: `{"all":{"n":4}}`, Model: []byte{0x1f, 0x8b, 4}},
		{TenantID: "t2", CreatedAt: base.Add(time.Second), TrainingRows: 6475, TenantRows: 3, HeldOut: `{}`, Model: []byte{0}},
	} {
		_, err := s.AddContentModel(ctx, m)
		must(t, err)
	}
	must(t, s.ActivateContentModel(ctx, "t1", 1))
	must(t, s.PutSession(ctx, store.Session{KeyHash: keyHash("session-one"), UserID: "u1", CSRF: "csrf-one",
		CreatedAt: base, SeenAt: base.Add(time.Minute), ExpiresAt: base.Add(31 * time.Minute)}))
	must(t, s.PutSession(ctx, store.Session{KeyHash: keyHash("session-anon"), CSRF: "csrf-anon",
		CreatedAt: base, SeenAt: base, ExpiresAt: base.Add(15 * time.Minute)}))
	must(t, s.PutContacts(ctx, []store.Contact{
		{TenantID: "t1", WaID: "5511987654321", E164: "+5511987654321", ContactKey: "ck-1", Name: "Ana Sá", Language: "pt_BR",
			Tags: []string{"vip"}, Attributes: []byte(`{"city":"São Paulo"}`), CreatedAt: base, UpdatedAt: base.Add(time.Minute)},
		{TenantID: "t2", WaID: "4915100000001", E164: "+4915100000001", ContactKey: "ck-2", Tags: []string{},
			Attributes: []byte(`{}`), CreatedAt: base, UpdatedAt: base},
	}, &store.ContactImport{TenantID: "t1", ID: "imp_1", Digest: "ab12", State: "done", Lines: 2, CommittedLine: 2,
		Created: 1, Refused: 1, CreatedAt: base, UpdatedAt: base.Add(time.Second)}))
	must(t, s.PutAudience(ctx, store.Audience{TenantID: "t1", ID: "vip", Name: "VIPs", Filter: []byte(`{"tag":"vip"}`),
		CreatedAt: base, UpdatedAt: base}))
	// A campaign with a start time, one that never started, and one
	// checkpoint with a message (times NULL in PostgreSQL when never).
	must(t, s.CreateCampaign(ctx, store.Campaign{TenantID: "t1", ID: "spring", Name: "Spring", SenderID: "p1",
		TemplateName: "promo", TemplateLanguage: "pt_BR", Params: []byte(`["{{name}}"]`), AudienceID: "vip",
		StartAt: base.Add(time.Hour), State: store.CampaignRunning, Refused: []byte(`{}`), CreatedAt: base, UpdatedAt: base,
		StartedAt: base.Add(time.Hour)}))
	must(t, s.CreateCampaign(ctx, store.Campaign{TenantID: "t2", ID: "draft", Name: "Draft", SenderID: "p2",
		TemplateName: "promo", TemplateLanguage: "en", AudienceID: "all", State: store.CampaignDraft, CreatedAt: base, UpdatedAt: base}))
	if ok, err := s.CheckpointCampaign(ctx, store.CampaignCheckpoint{TenantID: "t1", ID: "spring", To: "5511987654321",
		Targeted: 1, Accepted: 1, Refused: map[string]int64{"consent.missing": 2},
		Messages: []store.CampaignMessage{{WaID: "5511987654321", MessageID: "wamid.gw.0000"}}, At: base.Add(2 * time.Hour)}); err != nil || !ok {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}
	must(t, s.PutSender(ctx, store.Sender{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1",
		DisplayPhoneNumber: "+49 30 1111", ThroughputMPS: 80, AccessToken: token1, State: store.SenderActive}))
	must(t, s.PutSender(ctx, store.Sender{PhoneNumberID: "p2", TenantID: "t2", WABAID: "w2",
		DisplayPhoneNumber: "+49 30 2222", State: store.SenderActive}))
	must(t, s.PutSender(ctx, store.Sender{PhoneNumberID: "p3", TenantID: "t2", WABAID: "w2",
		DisplayPhoneNumber: "+49 30 3333", State: store.SenderActive}))
	must(t, s.SetSenderState(ctx, "p3", store.SenderStopped, 131031, "account locked", base.Add(time.Minute)))

	// Intake in several group commits, with rejections, idempotency keys
	// and one replayed key.
	var items []*store.Intake
	for i := range nMessages {
		at := base.Add(time.Duration(i) * 1700 * time.Microsecond)
		tenant, sender := "t1", "p1"
		if i%3 == 2 {
			tenant, sender = "t2", "p2"
		}
		it := &store.Intake{}
		if i%10 == 9 {
			it.Decision = store.Decision{TenantID: tenant, SenderID: sender, WaID: "4915100000000",
				Outcome: store.OutcomeReject, Rule: "recipient", Code: "recipient.invalid", GraphCode: 131026,
				Reason: "not a phone number", CreatedAt: at}
		} else {
			id := fmt.Sprintf("wamid.gw.%04d", i)
			m := &store.Message{ID: id, TenantID: tenant, SenderID: sender, Input: "+49 151 " + fmt.Sprint(1000+i),
				WaID: fmt.Sprintf("49151%04d", i), Type: "text", Category: []string{"utility", "marketing", ""}[i%3],
				Body:  fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"49151%04d","type":"text","text":{"body":"héllo %d"}}`, i, i),
				State: store.StateQueued, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
			it.Message = m
			it.Decision = store.Decision{TenantID: tenant, SenderID: sender, MessageID: id, WaID: m.WaID,
				Outcome: store.OutcomeAllow, CreatedAt: at}
			if i%7 == 0 {
				it.Decision.Outcome, it.Decision.Rule, it.Decision.Until = store.OutcomeDefer, "quiet-hours", at.Add(time.Hour)
			}
			if m.Category == "marketing" {
				it.Cadence = &store.Cadence{TenantID: tenant, WaID: m.WaID, Category: m.Category, MessageID: id,
					ContentHash: fmt.Sprintf("%032x", i), At: at, CapMax: 2, CapSince: at.Add(-7 * 24 * time.Hour)}
			}
		}
		if i%4 == 0 {
			it.Idempotency = &store.Idempotency{TenantID: tenant, Key: fmt.Sprintf("idem-%d", i), StatusCode: 200,
				Response: fmt.Appendf(nil, `{"messages":[{"id":"wamid.gw.%04d"}]}`, i), CreatedAt: at}
		}
		items = append(items, it)
		if len(items) == 64 || i == nMessages-1 {
			must(t, s.CommitIntake(ctx, items))
			items = nil
		}
	}
	replay := &store.Intake{
		Message:     &store.Message{ID: "wamid.gw.replay", TenantID: "t1", SenderID: "p1", State: store.StateQueued, Body: []byte("{}")},
		Decision:    store.Decision{TenantID: "t1", SenderID: "p1", Outcome: store.OutcomeAllow},
		Idempotency: &store.Idempotency{TenantID: "t1", Key: "idem-0", StatusCode: 200, Response: []byte("{}")},
	}
	must(t, s.CommitIntake(ctx, []*store.Intake{replay}))
	if !replay.Duplicate {
		t.Fatal("fixture: replayed idempotency key was not detected")
	}

	// Dispatch: p1's first 100 are claimed; 60 sent, 10 failed (with their
	// forwards), 10 back to queued for later, 20 left in flight.
	claimAt := base.Add(time.Minute)
	claimed, err := s.ClaimMessages(ctx, "p1", claimAt, 100, 5*time.Minute)
	must(t, err)
	if len(claimed) != 100 {
		t.Fatalf("fixture: claimed %d, want 100", len(claimed))
	}
	var outcomes []store.Outcome
	var forwards []store.Forward
	doneAt := claimAt.Add(1500 * time.Microsecond)
	for i, m := range claimed {
		switch {
		case i < 60:
			meta := fmt.Sprintf("wamid.meta.%04d", i)
			f.metaIDs = append(f.metaIDs, meta)
			outcomes = append(outcomes, store.Outcome{MessageID: m.ID, State: store.StateSent, MetaID: meta,
				WaID: m.WaID, Attempts: 1, At: doneAt})
		case i < 70:
			outcomes = append(outcomes, store.Outcome{MessageID: m.ID, State: store.StateFailed, Attempts: 1,
				ErrorCode: 131026, ErrorDetail: "message undeliverable", At: doneAt})
			forwards = append(forwards, store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages",
				Value: fmt.Appendf(nil, `{"statuses":[{"id":%q,"status":"failed"}]}`, m.ID), CreatedAt: doneAt})
		case i < 75:
			outcomes = append(outcomes, store.Outcome{MessageID: m.ID, State: store.StateQueued, Attempts: 1,
				NextAttemptAt: doneAt.Add(30 * time.Second), ErrorCode: 130429, ErrorDetail: "rate limit hit", At: doneAt})
		case i < 80:
			// Deferred by the messaging limit: sendable again in a day.
			outcomes = append(outcomes, store.Outcome{MessageID: m.ID, State: store.StateQueued,
				NextAttemptAt: doneAt.Add(24 * time.Hour), ReadyAt: doneAt.Add(24 * time.Hour), At: doneAt})
		}
	}
	must(t, s.RecordOutcomes(ctx, outcomes, forwards))

	// Webhooks: deliveries, statuses for the sent messages, inbound
	// messages and their windows.
	var ds []*store.Delivery
	for i := range 6 {
		b := fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"w1","n":%d}]}`, i)
		sum := sha256.Sum256(b)
		ds = append(ds, &store.Delivery{DedupeKey: fmt.Sprintf("%x", sum), Body: b, ReceivedAt: base.Add(2 * time.Minute)})
	}
	must(t, s.AppendDeliveries(ctx, ds))
	var (
		statuses []store.StatusApply
		statusFw []store.Forward // every status here is new: its forward goes
	)
	for i, meta := range f.metaIDs {
		ref := claimed[i]
		ts := base.Add(3*time.Minute + time.Duration(i)*time.Millisecond)
		statuses = append(statuses, store.StatusApply{
			Event: store.StatusEvent{MessageID: ref.ID, MetaID: meta, Status: "delivered", Timestamp: ts},
			State: store.StateDelivered})
		statusFw = append(statusFw, store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages",
			Value: fmt.Appendf(nil, `{"statuses":[{"id":%q,"status":"delivered"}]}`, ref.ID), CreatedAt: ts, Lane: "msg:" + ref.ID})
		if i%2 == 0 {
			statuses = append(statuses, store.StatusApply{
				Event: store.StatusEvent{MessageID: ref.ID, MetaID: meta, Status: "read", Timestamp: ts.Add(time.Second)},
				State: store.StateRead})
		}
	}
	var inbound []store.InboundMessage
	var windows []store.Window
	for i := range 8 {
		ts := base.Add(4*time.Minute + time.Duration(i)*time.Second)
		from := fmt.Sprintf("4917000000%02d", i%3)
		inbound = append(inbound, store.InboundMessage{ID: fmt.Sprintf("wamid.in.%02d", i), SenderID: "p1", From: from,
			Type: "text", Timestamp: ts, Body: fmt.Appendf(nil, `{"text":{"body":"hi %d"}}`, i), ReceivedAt: ts.Add(time.Second)})
		windows = append(windows, store.Window{SenderID: "p1", WaID: from, At: ts})
	}
	must(t, s.ApplyWebhooks(ctx, store.WebhookApply{
		Statuses: statuses, Inbound: inbound, Windows: windows,
		Forwards: append(statusFw, store.Forward{TenantID: "t2", WABAID: "w2", Field: "account_update", Value: []byte(`{"event":"x"}`), CreatedAt: base,
			Lane: "account_update:w2", EventKeys: []string{"account_update:w2:x"}}),
		Done:  []int64{ds[0].ID, ds[1].ID, ds[2].ID},
		Retry: []store.DeliveryRetry{{ID: ds[3].ID, Attempts: 1, NextAt: base.Add(10 * time.Minute)}, {ID: ds[4].ID, Attempts: 5, GiveUp: true}},
	}))
	// ds[5] stays claimed.
	_, err = s.ClaimDeliveries(ctx, base.Add(5*time.Minute), 10, time.Minute)
	must(t, err)

	// Forwards: some delivered, some retried, one given up.
	fs, err := s.ClaimForwards(ctx, probeNow, 30, time.Minute)
	must(t, err)
	var complete []int64
	var retries []store.ForwardRetry
	for i, fw := range fs {
		switch {
		case i < 15:
			complete = append(complete, fw.ID)
		case i < 20:
			retries = append(retries, store.ForwardRetry{ID: fw.ID, Attempts: 1, NextAt: probeNow.Add(time.Minute), LastError: "503 from tenant"})
		case i == 20:
			retries = append(retries, store.ForwardRetry{ID: fw.ID, Attempts: 9, LastError: "gone", GiveUp: true})
		}
	}
	must(t, s.CompleteForwards(ctx, complete, probeNow))
	must(t, s.RetryForwards(ctx, retries))

	must(t, s.PutObjects(ctx, []store.OwnedObject{
		{ID: "7001", TenantID: "t1", Kind: store.ObjectMedia, SenderID: "p1", WABAID: "w1", CreatedAt: base},
		{ID: "7002", TenantID: "t2", Kind: store.ObjectMedia, SenderID: "p2", WABAID: "w2", CreatedAt: base.Add(time.Millisecond)},
		{ID: "8001", TenantID: "t2", Kind: store.ObjectTemplate, WABAID: "w2", CreatedAt: base.Add(time.Second)},
	}))

	// The template cache: a synced WABA, and a template only a webhook
	// has told of (no components).
	must(t, s.ReplaceTemplates(ctx, "w1", []store.Template{
		{WABAID: "w1", Name: "confirmacao_pedido", Language: "pt_BR", ID: "9001", Category: "UTILITY", Status: "APPROVED",
			Quality: "GREEN", ParameterFormat: "positional", Components: []byte(`[{"type":"BODY","text":"Pedido {{1}}"}]`)},
		{WABAID: "w1", Name: "oferta", Language: "pt_BR", ID: "9002", Category: "MARKETING", Status: "PAUSED",
			Quality: "RED", ParameterFormat: "named", Reason: "FIRST_PAUSE", Components: []byte(`[{"type":"BODY","text":"Oi {{nome}}"}]`)},
	}, base.Add(time.Minute)))
	_, err = s.PatchTemplate(ctx, store.TemplatePatch{WABAID: "w2", Name: "novo", Language: "es", ID: "9003",
		Status: "APPROVED", Category: "UTILITY", At: base.Add(2 * time.Minute), Insert: true})
	must(t, err)

	// A person known by number and by BSUID.
	must(t, s.PutIdentities(ctx, []store.Identity{{TenantID: "t1", WaID: "5511987654321", UserID: "BR.1349120865530274", SeenAt: base}}))
	must(t, s.PutSenderHealth(ctx, store.SenderHealth{PhoneNumberID: "109000000000001", PortfolioID: "bp1", Quality: "GREEN",
		Status: "CONNECTED", Health: "AVAILABLE", Tier: "TIER_2K", Throughput: "STANDARD", UpdatedAt: base}))
	must(t, s.PutPortfolio(ctx, store.Portfolio{ID: "bp1", Tier: "TIER_2K", UpdatedAt: base}))
	if _, err := s.ReserveReach(ctx, store.ReachRequest{PortfolioID: "bp1", WaID: "5511987654321", MessageID: "wamid.1", Limit: 2000, Now: base,
		SenderID: "109000000000001", SenderLimit: 50}); err != nil {
		t.Fatal(err)
	}
	must(t, s.StartWarmup(ctx, store.Warmup{PhoneNumberID: "109000000000001", StartedAt: base, Reason: "first_seen", UpdatedAt: base}))

	// The consent ledger: a chain with personal data, an opt-out and an
	// erasure, so every consent table has rows.
	ledger := consent.New(s, consent.WithClock(func() time.Time { return base }))
	for _, r := range []consent.Request{
		{TenantID: "t1", Contact: "+5511987654321", Action: consent.OptIn, Category: consent.Marketing, Source: consent.WebForm,
			Evidence: consent.Evidence{Text: "Quero ofertas", URL: "https://acme.example/f", At: base}},
		{TenantID: "t1", Contact: "+5521998765432", Action: consent.OptOut, Category: consent.All, Source: consent.API},
	} {
		_, err := ledger.Record(ctx, r)
		must(t, err)
	}
	_, err = ledger.Erase(ctx, "t1", "+5521998765432")
	must(t, err)

	// The risk engine's tables: a counter, a brake with nullable times
	// both set and unset, an open and a closed incident with a timeline.
	must(t, s.AddRiskCounts(ctx, []store.RiskCount{{TenantID: "t1", PhoneNumberID: "p1", Metric: "sent", Bucket: base, N: 12},
		{TenantID: "t1", PhoneNumberID: "p1", CampaignID: "cmp-1", Metric: "failed:131049", Bucket: base, N: 2}}))
	must(t, s.PutBrake(ctx, store.Brake{TenantID: "t1", PhoneNumberID: "p1", Level: store.BrakePauseBusiness, RateFactor: 0.5,
		Code: 131048, Reason: "spam rate limit", Score: 70.25, Until: base.Add(time.Hour), Manual: true, ChangedAt: base}))
	must(t, s.PutBrake(ctx, store.Brake{TenantID: "t1", PhoneNumberID: "p2", Level: store.BrakeSlow, RateFactor: 0.25,
		WarmupFrom: base, WarmupUntil: base.Add(24 * time.Hour), ChangedAt: base}))
	must(t, s.OpenIncident(ctx, store.Incident{ID: "inc-1", TenantID: "t1", PhoneNumberID: "p1", WABAID: "w1", Kind: store.IncidentPause,
		Title: "paused", OpenedAt: base, Timeline: []store.IncidentEvent{{At: base, Kind: store.EventMeta, Name: "ACCOUNT_RESTRICTION",
			Detail: "restricted", Raw: []byte(`{"event":"ACCOUNT_RESTRICTION"}`)}, {At: base, Kind: store.EventAction, Name: "brake.pause_business"}}}))
	must(t, s.OpenIncident(ctx, store.Incident{ID: "inc-2", TenantID: "t1", PhoneNumberID: "p2", Kind: store.IncidentFlag, Title: "flag", OpenedAt: base}))
	must(t, s.CloseIncident(ctx, "inc-2", base.Add(time.Hour)))

	ok, err := s.AcquireLease(ctx, "sender:p1", "replica-a", base, time.Minute)
	must(t, err)
	if !ok {
		t.Fatal("fixture: lease not acquired")
	}
	ok, err = s.AcquireLease(ctx, "sender:p2", "replica-b", base, time.Hour)
	must(t, err)
	if !ok {
		t.Fatal("fixture: lease not acquired")
	}
	return f
}

// sameFields compares two records field by field (times with Equal, which
// after a copy must hold to the millisecond) and reports each difference.
func sameFields(t *testing.T, what string, got, want any) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	if gv.Type() != wv.Type() || gv.Kind() != reflect.Struct {
		t.Fatalf("%s: cannot compare %T with %T", what, got, want)
	}
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gt, ok := g.(time.Time); ok {
			if wt := w.(time.Time); !gt.Equal(wt) {
				t.Errorf("%s.%s = %v, want %v", what, name, gt, wt)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) && !(reflect.ValueOf(g).Kind() == reflect.Slice &&
			reflect.ValueOf(g).Len() == 0 && reflect.ValueOf(w).Len() == 0) {
			t.Errorf("%s.%s = %v, want %v", what, name, g, w)
		}
	}
}
