package intake_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/wabaguard/wabaguard/internal/clocktest"
	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

var (
	week   = 7 * 24 * time.Hour
	limits = intake.CadenceLimits{Caps: map[consent.Category]policy.Cap{consent.Marketing: {Max: 2, Per: week}}, Repeat: 24 * time.Hour}
	day    = policy.Span{Start: 0, End: 24 * time.Hour}
	allDay = policy.Hours{Days: [7]policy.Span{day, day, day, day, day, day, day}}
)

// cadenceService is an intake over st with the cadence rules: the default
// caps, the repeat guard and quiet hours.
func cadenceService(t testing.TB, st store.Store, now func() time.Time, hours policy.Hours) (*intake.Service, *intake.Facts) {
	return cadenceServiceReading(t, st, now, hours, true)
}

// cadenceServiceReading is cadenceService; with read false the facts know
// only the sends this service committed, as the gateway runs, and the
// commit's count is the only one that sees the rest.
func cadenceServiceReading(t testing.TB, st store.Store, now func() time.Time, hours policy.Hours, read bool) (*intake.Service, *intake.Facts) {
	t.Helper()
	ledger := consent.New(st, consent.WithClock(now))
	fc := intake.FactsConfig{Consent: ledger, Windows: st, Now: now, Lookback: func(string) time.Duration { return limits.Lookback() }}
	if read {
		fc.Sends = st
	}
	facts := intake.NewFacts(fc)
	svc, err := intake.New(intake.Config{
		Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...), Facts: facts, Now: now,
		Rules:   policy.New(policy.Suppression{}, policy.Frequency{Caps: limits.Caps}, policy.Repeat{Within: limits.Repeat}, policy.QuietHours{Hours: hours}),
		Cadence: func(string) intake.CadenceLimits { return limits },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc, facts
}

func promoTo(to, offer string) []byte {
	return fmt.Appendf(nil, `{"messaging_product":"whatsapp","to":"%s","type":"template","template":{"name":"promo","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"%s"}]}]}}`, to, offer)
}

func putSender(t testing.TB, st store.Store, at time.Time) {
	t.Helper()
	if err := st.PutTenant(t.Context(), store.Tenant{ID: "acme", Name: "Acme", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(t.Context(), store.Sender{PhoneNumberID: pnid, TenantID: "acme", WABAID: "209000000000001",
		DisplayPhoneNumber: "+55 11 4000-1000", ThroughputMPS: 80}); err != nil {
		t.Fatal(err)
	}
}

func accept(t *testing.T, svc *intake.Service, body []byte) intake.Result {
	t.Helper()
	res, err := svc.Accept(t.Context(), intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: body, Lang: refusal.EN})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantRefused(t *testing.T, res intake.Result, code refusal.Code) {
	t.Helper()
	if res.Outcome != intake.Refused || res.Err == nil || res.Err.Code != int(code) {
		t.Fatalf("want refusal %d, got outcome %v decision %+v", code, res.Outcome, res.Decision)
	}
}

// The caps and the repeat guard hold across a restart: the counts live in
// the SQLite file, and a reopened gateway reads them; the virtual clock
// frees the cap after its window.
func TestCadenceAcrossRestart(t *testing.T) {
	for _, read := range []bool{true, false} {
		t.Run(fmt.Sprintf("facts_read_the_store=%v", read), func(t *testing.T) { testCadenceAcrossRestart(t, read) })
	}
}

func testCadenceAcrossRestart(t *testing.T, read bool) {
	clock := clocktest.New(time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "w.db")
	box, _ := secret.NewBox(secret.NewKey())
	open := func() *sqlite.Store {
		st, err := sqlite.Open(t.Context(), path, box)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	st := open()
	putSender(t, st, clock.Now())
	svc, _ := cadenceServiceReading(t, st, clock.Now, allDay, read)
	for _, offer := range []string{"10%", "20%"} {
		if res := accept(t, svc, promoTo(contact, offer)); res.Outcome != intake.Accepted {
			t.Fatalf("offer %s: %+v", offer, res.Decision)
		}
		clock.Advance(time.Hour)
	}
	wantRefused(t, accept(t, svc, promoTo(contact, "30%")), refusal.FrequencyCap)
	if res := accept(t, svc, promoTo("+5521987654321", "10%")); res.Outcome != intake.Accepted {
		t.Fatalf("another contact: %+v", res.Decision)
	}
	svc.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = open()
	defer st.Close()
	svc, _ = cadenceServiceReading(t, st, clock.Now, allDay, read)
	res := accept(t, svc, promoTo(contact, "30%"))
	wantRefused(t, res, refusal.FrequencyCap)
	wantRefused(t, accept(t, svc, promoTo("+5521987654321", "10%")), refusal.FrequencyRepeat)
	if res := accept(t, svc, promoTo("+5521987654321", "15%")); res.Outcome != intake.Accepted {
		t.Fatalf("other content to the second contact: %+v", res.Decision)
	}
	svc.Close() // refusals are recorded in the background
	decs, err := st.ListDecisions(t.Context(), store.DecisionFilter{TenantID: "acme", Outcome: store.OutcomeReject})
	if err != nil {
		t.Fatal(err)
	}
	// Newest first: the two refused after the restart (at the same
	// instant of the test's clock, recorded in the background in either
	// order), then the one before.
	if len(decs) != 3 || decs[2].Code != "frequency.cap" ||
		!(decs[0].Code == "frequency.repeat" && decs[1].Code == "frequency.cap" || decs[0].Code == "frequency.cap" && decs[1].Code == "frequency.repeat") {
		t.Fatalf("recorded refusals: %+v", decs)
	}

	svc, _ = cadenceServiceReading(t, st, clock.Now, allDay, read)
	clock.Advance(week - 2*time.Hour + time.Second) // the first send leaves the window
	if res := accept(t, svc, promoTo(contact, "30%")); res.Outcome != intake.Accepted {
		t.Fatalf("a week later: %+v", res.Decision)
	}
	wantRefused(t, accept(t, svc, promoTo(contact, "40%")), refusal.FrequencyCap)
}

// Two replicas, two intake services on one PostgreSQL database, accept
// marketing for the same person at once: exactly the cap is accepted,
// whichever replica took each slot.
func TestCadenceAcrossReplicas(t *testing.T) {
	dsn := pgtest.DSN(t)
	sealer, _ := secret.NewBox(secret.NewKey())
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var reps []*intake.Service
	for i := range 2 {
		st, err := postgres.Open(t.Context(), dsn, sealer)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if i == 0 {
			putSender(t, st, now)
		}
		// One replica reads the store for its facts, the other knows only
		// its own commits: either way the commit's count decides.
		svc, _ := cadenceServiceReading(t, st, clock, allDay, i == 0)
		reps = append(reps, svc)
	}
	const perReplica = 10
	results := make([]intake.Result, 2*perReplica)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			res, err := reps[i%2].Accept(t.Context(), intake.Request{TenantID: "acme", PhoneNumberID: pnid,
				Body: promoTo(contact, fmt.Sprintf("%d%%", i)), Lang: refusal.PT})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	accepted := 0
	for i, res := range results {
		switch {
		case res.Outcome == intake.Accepted:
			accepted++
		case res.Outcome == intake.Refused && res.Err.Code == int(refusal.FrequencyCap):
		default:
			t.Errorf("request %d: outcome %v %+v", i, res.Outcome, res.Decision)
		}
	}
	if accepted != limits.Caps[consent.Marketing].Max {
		t.Fatalf("%d accepted across two replicas, want the cap of %d", accepted, limits.Caps[consent.Marketing].Max)
	}
}

// Quiet hours at intake and at send time, on a virtual clock: marketing
// accepted at night is deferred to the next opening in the recipient's
// zone, and a message that waited in the queue past the closing hour is
// put back until the next morning.
func TestQuietHoursIntakeAndSendTime(t *testing.T) {
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	clock := clocktest.New(time.Date(2026, 12, 3, 23, 0, 0, 0, sp)) // a Thursday
	box, _ := secret.NewBox(secret.NewKey())
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "w.db"), box)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	putSender(t, st, clock.Now())
	open := policy.Span{Start: 9 * time.Hour, End: 20 * time.Hour}
	hours := policy.Hours{Days: [7]policy.Span{{}, open, open, open, open, open, open}, Spread: 30 * time.Minute}
	svc, facts := cadenceService(t, st, clock.Now, hours)
	sendTime := intake.NewSendTime(facts, func(string) *policy.Pipeline {
		return intake.SendTimeRules(policy.New(policy.Suppression{}, policy.Frequency{Caps: limits.Caps}, policy.QuietHours{Hours: hours}))
	})
	opening := time.Date(2026, 12, 4, 9, 0, 0, 0, sp)

	res := accept(t, svc, promoTo(contact, "10%"))
	if res.Outcome != intake.Accepted || res.Decision.Outcome != policy.Defer || res.Decision.Code != "quiet_hours.closed" {
		t.Fatalf("at 23:00: %v %+v", res.Outcome, res.Decision)
	}
	msg, err := st.GetMessage(t.Context(), res.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	if msg.NextAttemptAt.Before(opening) || !msg.NextAttemptAt.Before(opening.Add(30*time.Minute)) {
		t.Fatalf("due %v, want within 30 minutes after %v", msg.NextAttemptAt.In(sp), opening)
	}
	// The 2 a.m. wake-up of a misbehaving clock is held again; the due
	// time sends.
	if late, err := sendTime.Check(t.Context(), &msg, time.Date(2026, 12, 4, 2, 0, 0, 0, sp)); err != nil || late == nil || late.Until.Before(opening) {
		t.Fatalf("send-time check at 02:00: %+v %v", late, err)
	}
	if late, err := sendTime.Check(t.Context(), &msg, msg.NextAttemptAt); err != nil || late != nil {
		t.Fatalf("send-time check at the due time: %+v %v", late, err)
	}

	// Accepted at 19:50, still queued at 20:10 (a slow queue): back to the
	// next morning, Saturday, not failed.
	clock.Advance(20*time.Hour + 50*time.Minute) // Friday 19:50
	res = accept(t, svc, promoTo("+5521987654321", "10%"))
	if res.Outcome != intake.Accepted || res.Decision.Outcome != policy.Allow {
		t.Fatalf("at 19:50: %v %+v", res.Outcome, res.Decision)
	}
	msg, err = st.GetMessage(t.Context(), res.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	late, err := sendTime.Check(t.Context(), &msg, clock.Now().Add(20*time.Minute))
	saturday := time.Date(2026, 12, 5, 9, 0, 0, 0, sp)
	if err != nil || late == nil || late.Decision.Outcome != policy.Defer || late.Until.Before(saturday) || !late.Until.Before(saturday.Add(30*time.Minute)) {
		t.Fatalf("send-time check at 20:10: %+v %v", late, err)
	}
}
