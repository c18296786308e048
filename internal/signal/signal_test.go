package signal

import (
	"context"
	"errors"
	"testing"
)

func TestBusGivesEveryConsumerTheBatch(t *testing.T) {
	var got []string
	var b Bus
	boom := errors.New("ledger unreachable")
	b.Subscribe("first", ConsumerFunc(func(_ context.Context, batch []Signal) error {
		got = append(got, "first:"+batch[0].MessageID)
		return boom
	}))
	b.Subscribe("second", ConsumerFunc(func(_ context.Context, batch []Signal) error {
		got = append(got, "second:"+batch[0].MessageID)
		return nil
	}))
	err := b.Emit(context.Background(), []Signal{{Kind: Inbound, MessageID: "wamid.1"}})
	if !errors.Is(err, boom) {
		t.Fatalf("Emit = %v, want the first consumer's error", err)
	}
	if len(got) != 2 || got[0] != "first:wamid.1" || got[1] != "second:wamid.1" {
		t.Fatalf("consumers saw %v", got)
	}
	if err := b.Emit(context.Background(), nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	var none *Bus
	if err := none.Emit(context.Background(), []Signal{{Kind: Status}}); err != nil {
		t.Fatalf("nil bus: %v", err)
	}
}
