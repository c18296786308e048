package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkImportSuppressions imports a do-not-contact list of 10,000
// numbers per operation, through HTTP, into one transaction of the ledger.
func BenchmarkImportSuppressions(b *testing.B) {
	const n = 10_000
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			e := newEnv(b, eng.open(b))
			round := 0
			for b.Loop() {
				var csv strings.Builder
				for i := range n {
					fmt.Fprintf(&csv, "+55 11 98%03d-%04d\n", round%1000, i)
				}
				round++
				r := e.do("POST", "/api/v1/suppressions/import", e.keyA, "text/csv", csv.String())
				if r.status != 200 {
					b.Fatalf("import: %d %s", r.status, r.body)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "numbers/s")
		})
	}
}
