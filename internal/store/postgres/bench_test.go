package postgres_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

const benchBatch = 256

// benchBody is a ~300-byte text message, the size of a typical send.
var benchBody = []byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"15550001234","type":"text","text":{"preview_url":false,"body":"` +
	string(bytes.Repeat([]byte("x"), 170)) + `"}}`)

func benchItems(prefix string, n int) []*store.Intake {
	items := make([]*store.Intake, n)
	for i := range items {
		id := fmt.Sprintf("%s-%d", prefix, i)
		items[i] = &store.Intake{
			Message: &store.Message{ID: id, TenantID: "t1", SenderID: "p1", Input: "+15550001234",
				WaID: "15550001234", Type: "text", Category: "utility", Body: benchBody, State: store.StateQueued,
				NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0},
			Decision:    store.Decision{TenantID: "t1", SenderID: "p1", MessageID: id, WaID: "15550001234", Outcome: store.OutcomeAllow, CreatedAt: t0},
			Idempotency: &store.Idempotency{TenantID: "t1", Key: id, StatusCode: 200, Response: []byte(`{"messages":[{"id":"` + id + `"}]}`), CreatedAt: t0},
		}
	}
	return items
}

// BenchmarkCommitIntake commits batches of 256 accepted messages, each with
// its decision and idempotency record, as the group commit does.
func BenchmarkCommitIntake(b *testing.B) {
	s := openStore(b, storetest.Sealer(b))
	c := b.Context()
	batches := make([][]*store.Intake, b.N)
	for i := range batches {
		batches[i] = benchItems(fmt.Sprintf("b%d", i), benchBatch)
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := s.CommitIntake(c, batches[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkClaimRecord claims 256 messages of one sender and records 256
// sent outcomes: the dispatcher's store work per batch.
func BenchmarkClaimRecord(b *testing.B) {
	s := openStore(b, storetest.Sealer(b))
	c := b.Context()
	for i := range b.N {
		if err := s.CommitIntake(c, benchItems(fmt.Sprintf("b%d", i), benchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	outcomes := make([]store.Outcome, 0, benchBatch)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		ms, err := s.ClaimMessages(c, "p1", t0, benchBatch, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) != benchBatch {
			b.Fatalf("claimed %d, want %d", len(ms), benchBatch)
		}
		outcomes = outcomes[:0]
		for _, m := range ms {
			outcomes = append(outcomes, store.Outcome{MessageID: m.ID, State: store.StateSent,
				MetaID: "wamid.meta-" + m.ID, Attempts: 1, At: t0})
		}
		if err := s.RecordOutcomes(c, outcomes, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkClaimForwardsBacklog is the SQLite engine's benchmark of the
// same name on PostgreSQL: it claims forwards from the backlog a tenant's
// outage leaves: 6,000 messages' sent, delivered and read (18,000 forwards,
// one lane per message). "waiting" has every lane's head waiting for a
// retry, so the 12,000 due forwards behind them are all held back and the
// claim returns nothing; "due" has the heads due, and a claim takes 800 of
// them; "due_without_lanes" is the same backlog queued without lanes.
func BenchmarkClaimForwardsBacklog(b *testing.B) {
	for _, tc := range []struct {
		name            string
		headsDue, lanes bool
	}{{"waiting", false, true}, {"due", true, true}, {"due_without_lanes", true, false}} {
		headsDue := tc.headsDue
		b.Run(tc.name, func(b *testing.B) {
			dsn := pgtest.DSN(b)
			s, err := postgres.Open(b.Context(), dsn, storetest.Sealer(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			ctx := b.Context()
			const messages = 6000
			var fws []store.Forward
			for _, status := range []string{"sent", "delivered", "read"} {
				for i := range messages {
					fws = append(fws, store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages",
						Value:     fmt.Appendf(nil, `{"statuses":[{"id":"gw.%d","status":%q}]}`, i, status),
						CreatedAt: t0, NextAttemptAt: t0})
					if tc.lanes {
						fws[len(fws)-1].Lane = fmt.Sprintf("msg:gw.%d", i)
					}
				}
			}
			if err := s.ApplyWebhooks(ctx, store.WebhookApply{Forwards: fws}); err != nil {
				b.Fatal(err)
			}
			// The first attempt at every lane's head (every sent) fails.
			heads, err := s.ClaimForwards(ctx, t0, messages, time.Minute)
			if err != nil || len(heads) != messages {
				b.Fatalf("claimed %d heads, %v", len(heads), err)
			}
			rs := make([]store.ForwardRetry, len(heads))
			for i, h := range heads {
				rs[i] = store.ForwardRetry{ID: h.ID, Attempts: 1, NextAt: t0.Add(time.Hour), LastError: "503"}
			}
			if err := s.RetryForwards(ctx, rs); err != nil {
				b.Fatal(err)
			}
			// As autovacuum would have by then: on a table it has no
			// statistics of, the planner sorts every due row first.
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				b.Fatal(err)
			}
			_, err = conn.Exec(ctx, `ANALYZE forwards`)
			_ = conn.Close(ctx)
			if err != nil {
				b.Fatal(err)
			}
			now, want := t0.Add(time.Minute), 0
			if headsDue {
				now, want = t0.Add(2*time.Hour), 800
			}
			for b.Loop() {
				got, err := s.ClaimForwards(ctx, now, 800, time.Minute)
				if err != nil || len(got) != want {
					b.Fatalf("claimed %d, %v; want %d", len(got), err, want)
				}
				// Their POSTs fail again: the backlog is as it was.
				b.StopTimer()
				rs := make([]store.ForwardRetry, len(got))
				for i, f := range got {
					rs[i] = store.ForwardRetry{ID: f.ID, Attempts: 1, NextAt: t0.Add(time.Hour), LastError: "503"}
				}
				if err := s.RetryForwards(ctx, rs); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
