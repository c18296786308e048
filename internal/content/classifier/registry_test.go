package classifier_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// engines opens a fresh store of each engine.
var engines = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"sqlite", func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "wabaguard.db"), storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.DSN(t), storetest.Sealer(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

// deliveryNotices are a tenant's honest messages the built-in model calls
// smishing, labelled ham.
var deliveryNotices = []classifier.Example{
	{Text: "Your parcel was delivered today at 09:10 and left at your door. Thank you for shopping with us.", Label: "ham", Lang: "en"},
	{Text: "Your order has been delivered and left with your neighbour at number 12. Thank you for shopping with us.", Label: "ham", Lang: "en"},
	{Text: "Good news: your parcel was delivered this afternoon. Thank you for shopping with us.", Label: "ham", Lang: "en"},
	{Text: "Your parcel is out for delivery today between 13:00 and 15:00. Thank you for shopping with us.", Label: "ham", Lang: "en"},
	{Text: "Your parcel was delivered to the parcel locker on Main Street. Thank you for shopping with us.", Label: "ham", Lang: "en"},
	{Text: "Your return was received at our warehouse today. Thank you for shopping with us.", Label: "ham", Lang: "en"},
}

const notice = "Your parcel was delivered today at 14:32 and left with your neighbour. Thank you for shopping with us."

func TestRegistryTrainActivateRollback(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := t.Context()
			st := e.open(t)
			r := classifier.NewRegistry(st, nil)
			r.Now = func() time.Time { return time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) }
			replica := classifier.NewRegistry(st, nil)

			model := func(reg *classifier.Registry, tenant string) string {
				t.Helper()
				v, err := reg.Classify(ctx, tenant, notice)
				if err != nil {
					t.Fatal(err)
				}
				return v.Model
			}
			builtin := r.BuiltinName()
			if got := model(r, "acme"); got != builtin {
				t.Fatalf("before training: %s, want %s", got, builtin)
			}

			tr, err := r.Train(ctx, "acme", deliveryNotices)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Version != 1 || tr.Name != "acme-v1" || tr.TenantRows != len(deliveryNotices) || tr.TrainingRows <= len(deliveryNotices) {
				t.Fatalf("Train = %+v", tr.ContentModel)
			}
			if tr.HeldOut.All.N == 0 {
				t.Logf("no held-out example among %d", len(deliveryNotices))
			}
			v, err := r.Classify(ctx, "acme", notice)
			if err != nil {
				t.Fatal(err)
			}
			if v.Model != "acme-v1" || v.Label == classifier.Smishing {
				t.Errorf("after training: %+v, want acme-v1 and not smishing", v)
			}
			if got := model(r, "globex"); got != builtin {
				t.Errorf("another tenant: %s, want %s", got, builtin)
			}
			if got := model(replica, "acme"); got != builtin {
				t.Errorf("replica before its refresh: %s", got)
			}
			if err := replica.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if got := model(replica, "acme"); got != "acme-v1" {
				t.Errorf("replica after its refresh: %s, want acme-v1", got)
			}

			if tr, err := r.Train(ctx, "acme", deliveryNotices[:3]); err != nil || tr.Version != 2 {
				t.Fatalf("second Train = v%d, %v", tr.Version, err)
			}
			steps := []struct {
				name    string
				do      func() error
				want    string
				wantErr error
			}{
				{"rollback to v1", func() error { _, err := r.Rollback(ctx, "acme"); return err }, "acme-v1", nil},
				{"rollback to built-in", func() error { _, err := r.Rollback(ctx, "acme"); return err }, builtin, nil},
				{"nothing to roll back", func() error { _, err := r.Rollback(ctx, "acme"); return err }, builtin, classifier.ErrNoRollback},
				{"activate v2", func() error { return r.Activate(ctx, "acme", 2) }, "acme-v2", nil},
				{"activate unknown", func() error { return r.Activate(ctx, "acme", 7) }, "acme-v2", store.ErrNotFound},
				{"activate built-in", func() error { return r.Activate(ctx, "acme", 0) }, builtin, nil},
				{"activate v1 again", func() error { return r.Activate(ctx, "acme", 1) }, "acme-v1", nil},
			}
			for _, s := range steps {
				err := s.do()
				if s.wantErr != nil {
					if !errors.Is(err, s.wantErr) {
						t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
					}
				} else if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if got := model(r, "acme"); got != s.want {
					t.Fatalf("%s: serving %s, want %s", s.name, got, s.want)
				}
				if err := replica.Refresh(ctx); err != nil {
					t.Fatal(err)
				}
				if got := model(replica, "acme"); got != s.want {
					t.Fatalf("%s: replica serving %s, want %s", s.name, got, s.want)
				}
			}
			ms, err := r.Models(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) != 2 || ms[0].Version != 2 || ms[0].Active || !ms[1].Active || !ms[1].CreatedAt.Equal(r.Now()) {
				t.Errorf("Models = %+v", ms)
			}
		})
	}
}

// TestRegistryRunPicksUpOtherReplicas: a replica's polling loop notices a
// model another replica trained.
func TestRegistryRunPicksUpOtherReplicas(t *testing.T) {
	st := engines[0].open(t)
	trainer := classifier.NewRegistry(st, nil)
	poller := classifier.NewRegistry(st, nil)
	poller.Poll = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { poller.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	if _, err := trainer.Train(t.Context(), "acme", deliveryNotices); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for poller.Model("acme").Name() != "acme-v1" {
		if time.Now().After(deadline) {
			t.Fatalf("the polling replica still serves %s", poller.Model("acme").Name())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRegistryRefusesBadInput(t *testing.T) {
	r := classifier.NewRegistry(engines[0].open(t), nil)
	if _, err := r.Train(t.Context(), "", deliveryNotices); err == nil {
		t.Error("Train without a tenant: want an error")
	}
	if _, err := r.Train(t.Context(), "acme", nil); err == nil {
		t.Error("Train without examples: want an error")
	}
	if ms, err := r.Models(t.Context(), "acme"); err != nil || len(ms) != 0 {
		t.Errorf("refused trainings stored %v (%v)", ms, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := r.Classify(ctx, "acme", "hi"); !errors.Is(err, context.Canceled) {
		t.Errorf("Classify on a cancelled context: %v", err)
	}
}
