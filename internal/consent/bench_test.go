package consent_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

// engines opens a fresh store of each engine for a benchmark.
var engines = []struct {
	name string
	open func(b *testing.B) store.Consent
}{
	{"sqlite", func(b *testing.B) store.Consent { return sqlitetest.Open(b) }},
	{"postgres", func(b *testing.B) store.Consent {
		box, err := secret.NewBox(secret.NewKey())
		if err != nil {
			b.Fatal(err)
		}
		s, err := postgres.Open(b.Context(), pgtest.DSN(b), box)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

// contactN is the n-th of 10,000 distinct Brazilian mobiles.
func contactN(n int) string { return fmt.Sprintf("+55119%08d", 87650000+n%10000) }

// BenchmarkRecord appends opt-ins to one tenant's chain, one transaction
// each (appends of a tenant are serialised by design).
func BenchmarkRecord(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			l := consent.New(e.open(b), consent.WithClock(func() time.Time { return base }))
			i := 0
			for b.Loop() {
				if _, err := l.Record(b.Context(), optIn(contactN(i))); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkState looks up the current state of contacts of a tenant that
// has 2,000 records.
func BenchmarkState(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			l := consent.New(e.open(b), consent.WithClock(func() time.Time { return base }))
			for i := range 2000 {
				if _, err := l.Record(b.Context(), optIn(contactN(i))); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				st, err := l.StateByWaID(b.Context(), "acme", contactN(i % 2000)[1:], consent.Marketing)
				if err != nil || !st.OptedIn() {
					b.Fatal(st, err)
				}
				i++
			}
		})
	}
}

// BenchmarkVerify verifies a chain of 2,000 records.
func BenchmarkVerify(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			l := consent.New(e.open(b), consent.WithClock(func() time.Time { return base }))
			for i := range 2000 {
				if _, err := l.Record(b.Context(), optIn(contactN(i))); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				rep, err := l.Verify(b.Context(), "acme")
				if err != nil || !rep.OK {
					b.Fatal(rep, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2000, "ns/record")
		})
	}
}
