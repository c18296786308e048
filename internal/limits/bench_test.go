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
