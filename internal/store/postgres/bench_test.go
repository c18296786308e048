package postgres_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
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
