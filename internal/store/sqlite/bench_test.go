package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

const benchBatch = 256

var benchBase = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// benchBody is a realistic ~300-byte Graph send body.
func benchBody(i int) []byte {
	return fmt.Appendf(nil, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"4915112345678","type":"template","template":{"name":"order_shipped","language":{"code":"en_US"},"components":[{"type":"body","parameters":[{"type":"text","text":"Order %08d"},{"type":"text","text":"DHL 00340434161234567890"}]}]}}`, i)
}

func benchIntake(n, from int, sender string) []*store.Intake {
	items := make([]*store.Intake, n)
	for i := range items {
		id := fmt.Sprintf("wamid.HBgLNDkxNTExMjM0NTY3OBUCABEYEjBG%010d", from+i)
		m := &store.Message{ID: id, TenantID: "t1", SenderID: sender, Input: "+49 151 12345678", WaID: "4915112345678",
			Type: "template", Category: "utility", Body: benchBody(from + i), State: store.StateQueued,
			NextAttemptAt: benchBase, CreatedAt: benchBase, UpdatedAt: benchBase}
		items[i] = &store.Intake{Message: m, Decision: store.Decision{TenantID: "t1", SenderID: sender, MessageID: id,
			WaID: m.WaID, Outcome: store.OutcomeAllow, CreatedAt: benchBase}}
	}
	return items
}

// BenchmarkCommitIntake commits batches of 256 accepted messages, each with
// its decision, one transaction per batch.
func BenchmarkCommitIntake(b *testing.B) {
	s := openTemp(b)
	ctx := b.Context()
	n := 0
	for b.Loop() {
		b.StopTimer()
		items := benchIntake(benchBatch, n, "p1")
		b.StartTimer()
		if err := s.CommitIntake(ctx, items); err != nil {
			b.Fatal(err)
		}
		n += benchBatch
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkClaimRecord claims 256 messages of one sender and records 256
// sent outcomes, as a dispatcher does.
func BenchmarkClaimRecord(b *testing.B) {
	s := openTemp(b)
	ctx := b.Context()
	// Enough backlog for the iterations the harness asks for, topped up
	// outside the timer when it runs out.
	n, claimed := 0, 0
	fill := func() {
		for range 40 {
			if err := s.CommitIntake(ctx, benchIntake(benchBatch, n, "p1")); err != nil {
				b.Fatal(err)
			}
			n += benchBatch
		}
	}
	outcomes := make([]store.Outcome, 0, benchBatch)
	now := benchBase.Add(time.Second)
	for b.Loop() {
		if n-claimed < benchBatch {
			b.StopTimer()
			fill()
			b.StartTimer()
		}
		ms, err := s.ClaimMessages(ctx, "p1", now, benchBatch, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) != benchBatch {
			b.Fatalf("claimed %d, want %d", len(ms), benchBatch)
		}
		outcomes = outcomes[:0]
		for _, m := range ms {
			outcomes = append(outcomes, store.Outcome{MessageID: m.ID, State: store.StateSent,
				MetaID: "wamid.META" + m.ID[len("wamid."):], Attempts: 1, At: now})
		}
		if err := s.RecordOutcomes(ctx, outcomes, nil); err != nil {
			b.Fatal(err)
		}
		claimed += len(ms)
	}
	b.ReportMetric(float64(claimed)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkClaimForwardsBacklog claims forwards from the backlog a tenant's
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
			s := openTemp(b)
			ctx := b.Context()
			const messages = 6000
			var fws []store.Forward
			for _, status := range []string{"sent", "delivered", "read"} {
				for i := range messages {
					fws = append(fws, store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages",
						Value:     fmt.Appendf(nil, `{"statuses":[{"id":"gw.%d","status":%q}]}`, i, status),
						CreatedAt: benchBase, NextAttemptAt: benchBase})
					if tc.lanes {
						fws[len(fws)-1].Lane = fmt.Sprintf("msg:gw.%d", i)
					}
				}
			}
			if err := s.ApplyWebhooks(ctx, store.WebhookApply{Forwards: fws}); err != nil {
				b.Fatal(err)
			}
			// The first attempt at every lane's head (every sent) fails.
			heads, err := s.ClaimForwards(ctx, benchBase, messages, time.Minute)
			if err != nil || len(heads) != messages {
				b.Fatalf("claimed %d heads, %v", len(heads), err)
			}
			rs := make([]store.ForwardRetry, len(heads))
			for i, h := range heads {
				rs[i] = store.ForwardRetry{ID: h.ID, Attempts: 1, NextAt: benchBase.Add(time.Hour), LastError: "503"}
			}
			if err := s.RetryForwards(ctx, rs); err != nil {
				b.Fatal(err)
			}
			now, want := benchBase.Add(time.Minute), 0
			if headsDue {
				now, want = benchBase.Add(2*time.Hour), 800
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
					rs[i] = store.ForwardRetry{ID: f.ID, Attempts: 1, NextAt: benchBase.Add(time.Hour), LastError: "503"}
				}
				if err := s.RetryForwards(ctx, rs); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
