package intake_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// BenchmarkEvaluateWarmFacts is one message through every rule of the
// consent issue — ownership, schema and recipient, then suppression,
// template, consent and window on facts from a warm cache — without the
// commit, beside the same message with the fact rules and the loader off.
// It reports the 99th percentile of single evaluations with the mean.
func BenchmarkEvaluateWarmFacts(b *testing.B) {
	for _, tc := range []struct {
		name  string
		rules *policy.Pipeline
		facts bool
	}{
		{"rules_on", policy.New(policy.Suppression{}, policy.Template{}, policy.Consent{}, policy.Window{}), true},
		{"rules_off", policy.New(), false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			now := time.Now()
			e := newEnvRules(b, func() time.Time { return now }, tc.rules)
			e.optIn(b, now.Add(-time.Minute))
			svc := e.svc
			if !tc.facts {
				var err error
				svc, err = intake.New(intake.Config{Store: e.st, Pipeline: policy.New(policy.DefaultRules("BR")...)})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(svc.Close)
			}
			req := intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: []byte(tmpl), Now: now}
			if d, _, err := svc.Evaluate(b.Context(), req); err != nil || d.Outcome != policy.Allow {
				b.Fatalf("%+v %v", d, err) // and the cache is warm
			}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if _, _, err := svc.Evaluate(b.Context(), req); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
		})
	}
}

// BenchmarkEvaluateCadence is one marketing template through the cadence
// rules — the contact's recent sends (the facts the frequency and repeat
// rules need) read from the SQLite store or from the process's memory of
// its commits, then frequency, repeat and quiet hours — beside the same
// message with the cadence rules off. The contact has one send on record.
func BenchmarkEvaluateCadence(b *testing.B) {
	for _, tc := range []struct {
		name     string
		on, read bool
	}{{"cadence_on_reading_the_store", true, true}, {"cadence_on_from_memory", true, false}, {"cadence_off", false, false}} {
		on := tc.on
		b.Run(tc.name, func(b *testing.B) {
			now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC) // a Thursday, noon in São Paulo
			box, _ := secret.NewBox(secret.NewKey())
			st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "w.db"), box)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			putSender(b, st, now)
			clock := func() time.Time { return now }
			svc, _ := cadenceServiceReading(b, st, clock, allDay, tc.read)
			if res, err := svc.Accept(b.Context(), intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: promoTo(contact, "first")}); err != nil || res.Outcome != intake.Accepted {
				b.Fatalf("%+v %v", res, err)
			}
			if tc.read {
				// A fresh process: nothing in memory, every evaluation reads.
				svc, _ = cadenceServiceReading(b, st, clock, allDay, true)
			}
			if !on {
				facts := intake.NewFacts(intake.FactsConfig{Consent: consent.New(st, consent.WithClock(clock)), Windows: st, Now: clock})
				svc, err = intake.New(intake.Config{Store: st, Pipeline: policy.New(policy.DefaultRules("BR")...), Facts: facts, Now: clock,
					Rules: policy.New(policy.Suppression{})})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(svc.Close)
			}
			req := intake.Request{TenantID: "acme", PhoneNumberID: pnid, Body: promoTo(contact, "second"), Now: now}
			if d, m, err := svc.Evaluate(b.Context(), req); err != nil || d.Outcome != policy.Allow || (on && len(m.Facts.Recent) != 1) {
				b.Fatalf("%+v %v", d, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := svc.Evaluate(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
