package limits_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// benchReserve measures one slot reservation, the store call the send-time
// stage makes for every business-initiated message, with 2,000 recipients
// already counted in the portfolio.
func benchReserve(b *testing.B, st store.Store) {
	ctx := context.Background()
	for i := range 2000 {
		if _, err := st.ReserveReach(ctx, store.ReachRequest{PortfolioID: "bp1", WaID: fmt.Sprintf("5511%08d", i), MessageID: fmt.Sprint(i), Limit: -1, Now: start}); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		i++
		if _, err := st.ReserveReach(ctx, store.ReachRequest{PortfolioID: "bp1", WaID: fmt.Sprintf("5521%08d", i), MessageID: fmt.Sprint("n", i),
			Limit: -1, Now: start.Add(time.Duration(i) * time.Millisecond)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReserveReachSQLite(b *testing.B) { benchReserve(b, sqlitetest.Open(b)) }

func BenchmarkReserveReachPostgres(b *testing.B) {
	st, err := postgres.Open(context.Background(), pgtest.DSN(b), storetest.Sealer(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	benchReserve(b, st)
}

// claimSize is a typical claim at Meta's default 80 mps: a second's worth
// of tokens.
const claimSize = 80

// benchClaim reserves the slots of one claim of claimSize new recipients,
// as the send-time stage did before (a transaction per message) and does
// now (one for the claim), side by side on the same store; ns/msg is the
// cost per message.
func benchClaim(b *testing.B, st store.Store) {
	ctx := context.Background()
	for i := range 2000 {
		if _, err := st.ReserveReach(ctx, store.ReachRequest{PortfolioID: "bp1", WaID: fmt.Sprintf("5511%08d", i), MessageID: fmt.Sprint(i), Limit: -1, Now: start}); err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	claim := func(at time.Time) []store.ReachRequest {
		rs := make([]store.ReachRequest, claimSize)
		for j := range rs {
			n++
			rs[j] = store.ReachRequest{PortfolioID: "bp1", WaID: fmt.Sprintf("5521%08d", n), MessageID: fmt.Sprint("n", n),
				Limit: -1, Now: at, SenderID: "109"}
		}
		return rs
	}
	b.Run("one-by-one", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			for _, r := range claim(start.Add(time.Duration(i) * time.Second)) {
				if _, err := st.ReserveReach(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*claimSize), "ns/msg")
	})
	b.Run("per-claim", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := st.ReserveReaches(ctx, claim(start.Add(time.Duration(i)*time.Second))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*claimSize), "ns/msg")
	})
}

func BenchmarkReserveClaimSQLite(b *testing.B) { benchClaim(b, sqlitetest.Open(b)) }

func BenchmarkReserveClaimPostgres(b *testing.B) {
	st, err := postgres.Open(context.Background(), pgtest.DSN(b), storetest.Sealer(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	benchClaim(b, st)
}
