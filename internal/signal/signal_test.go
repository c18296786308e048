package signal

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
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

// TestStagersStageInOrderAndStopAtAnError: stagers run in subscription
// order, their writes collect in the staging, and the first error stops
// the rest (the transaction rolls back anyway); consumers are not stagers.
func TestStagersStageInOrderAndStopAtAnError(t *testing.T) {
	var b Bus
	b.Subscribe("consumer", ConsumerFunc(func(context.Context, []Signal) error {
		t.Error("a consumer was called by Stage")
		return nil
	}))
	fail := false
	boom := errors.New("cannot stage")
	b.SubscribeStager("first", StagerFunc(func(_ context.Context, batch []Signal, tx *Staging) error {
		tx.Forward(store.Forward{TenantID: "t1", Field: batch[0].Field, CreatedAt: tx.Now})
		if fail {
			return boom
		}
		return nil
	}))
	b.SubscribeStager("second", StagerFunc(func(_ context.Context, _ []Signal, tx *Staging) error {
		tx.Forward(store.Forward{TenantID: "t2"})
		return nil
	}))
	tx := &Staging{Now: time.Unix(1700000000, 0)}
	if err := b.Stage(context.Background(), []Signal{{Kind: Event, Field: "brand_new"}}, tx); err != nil {
		t.Fatal(err)
	}
	fs := tx.Staged().Forwards
	if len(fs) != 2 || fs[0].TenantID != "t1" || fs[0].Field != "brand_new" || !fs[0].CreatedAt.Equal(tx.Now) || fs[1].TenantID != "t2" {
		t.Fatalf("staged %+v, want first's then second's", fs)
	}
	fail = true
	tx = &Staging{}
	if err := b.Stage(context.Background(), []Signal{{Kind: Event}}, tx); !errors.Is(err, boom) {
		t.Fatalf("Stage = %v, want the first stager's error", err)
	}
	if fs := tx.Staged().Forwards; len(fs) != 1 {
		t.Fatalf("after an error the second stager ran: %+v", fs)
	}
	var none *Bus
	if err := none.Stage(context.Background(), []Signal{{Kind: Status}}, &Staging{}); err != nil {
		t.Fatalf("nil bus: %v", err)
	}
}
