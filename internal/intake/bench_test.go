package intake_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/intake"
	"github.com/wabaguard/wabaguard/internal/policy"
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
