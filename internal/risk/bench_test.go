package risk_test

import (
	"fmt"
	"testing"

	"github.com/wabaguard/wabaguard/internal/signal"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// BenchmarkConsume measures the consumer on one batch of 100 signals of a
// clean sender (40 sent, 30 delivered, 25 read statuses, 5 replies) on a
// SQLite file: one counter transaction and one re-score read per batch.
// The cost per signal is ns/op ÷ 100.
func BenchmarkConsume(b *testing.B) {
	r := newRig(b, nil)
	var batch []signal.Signal
	for i, n := range []int{40, 30, 25} {
		st := []string{wire.StatusSent, wire.StatusDelivered, wire.StatusRead}[i]
		batch = append(batch, status(st, n)...)
	}
	batch = append(batch, inbound("obrigado", 5)...)
	if len(batch) != 100 {
		b.Fatal(fmt.Sprint(len(batch)))
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.eng.Consume(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRateFactor measures the dispatcher's read of a sender's factor,
// once per claim.
func BenchmarkRateFactor(b *testing.B) {
	r := newRig(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = r.eng.RateFactor(phone)
	}
}
