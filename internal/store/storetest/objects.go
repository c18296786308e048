package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testOwnedObjects covers the registry of tenants' Graph objects: what is
// recorded reads back, the first owner of an id is kept whatever comes
// later, and forgetting is idempotent.
func testOwnedObjects(t *testing.T, s store.Store) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	media := store.OwnedObject{ID: "7001", TenantID: "t1", Kind: store.ObjectMedia, SenderID: "1001", WABAID: "9001", CreatedAt: at}
	tmpl := store.OwnedObject{ID: "8001", TenantID: "t2", Kind: store.ObjectTemplate, WABAID: "9002", CreatedAt: at.Add(time.Second)}
	if err := s.PutObjects(ctx(t), nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
	// The same id twice in one batch: the first is kept.
	dup := media
	dup.TenantID = "t2"
	if err := s.PutObjects(ctx(t), []store.OwnedObject{media, tmpl, dup}); err != nil {
		t.Fatal(err)
	}
	// A later record naming another tenant never moves the object.
	later := tmpl
	later.TenantID, later.Kind, later.CreatedAt = "t1", store.ObjectMedia, at.Add(time.Hour)
	if err := s.PutObjects(ctx(t), []store.OwnedObject{later}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []store.OwnedObject{media, tmpl} {
		got, err := s.GetObject(ctx(t), want.ID)
		if err != nil {
			t.Fatalf("get %s: %v", want.ID, err)
		}
		if !sameTime(got.CreatedAt, want.CreatedAt) {
			t.Errorf("%s created %v, want %v", want.ID, got.CreatedAt, want.CreatedAt)
		}
		got.CreatedAt = want.CreatedAt
		if got != want {
			t.Errorf("get %s = %+v, want %+v", want.ID, got, want)
		}
	}
	if _, err := s.GetObject(ctx(t), "404"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: err %v, want ErrNotFound", err)
	}

	// A batch bigger than one statement's worth of rows.
	var many []store.OwnedObject
	for i := range 150 {
		many = append(many, store.OwnedObject{ID: fmt.Sprintf("6%04d", i), TenantID: "t1", Kind: store.ObjectMedia, SenderID: "1001", WABAID: "9001", CreatedAt: at})
	}
	if err := s.PutObjects(ctx(t), many); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"60000", "60064", "60149"} {
		if o, err := s.GetObject(ctx(t), id); err != nil || o.TenantID != "t1" {
			t.Errorf("get %s = %+v, %v", id, o, err)
		}
	}

	if err := s.DeleteObject(ctx(t), media.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteObject(ctx(t), media.ID); err != nil {
		t.Errorf("deleting an absent id: %v", err)
	}
	if _, err := s.GetObject(ctx(t), media.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted id: err %v, want ErrNotFound", err)
	}
	// Once forgotten, an id may be recorded again.
	media.TenantID = "t2"
	if err := s.PutObjects(ctx(t), []store.OwnedObject{media}); err != nil {
		t.Fatal(err)
	}
	if o, err := s.GetObject(ctx(t), media.ID); err != nil || o.TenantID != "t2" {
		t.Errorf("re-recorded = %+v, %v", o, err)
	}
}
