package storetest

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// testContentModels covers the tenants' content classifiers: versions
// numbered per tenant, the newest active, activating an older one, back to
// the built-in model (version 0), an unknown version refused without
// change, and concurrent trainings each getting their own version.
func testContentModels(t *testing.T, s store.Store) {
	c := ctx(t)
	_, err := s.ActiveContentModel(c, "t1")
	wantNotFound(t, "ActiveContentModel(none)", err)
	if ms, err := s.ListContentModels(c, "t1"); err != nil || len(ms) != 0 {
		t.Fatalf("ListContentModels(none) = %v, %v", ms, err)
	}

	add := func(tenant string, at time.Time, rows int) int {
		t.Helper()
		v, err := s.AddContentModel(c, store.ContentModel{TenantID: tenant, Version: 99, CreatedAt: at,
			TrainingRows: 6000 + rows, TenantRows: rows, HeldOut: fmt.Sprintf(`{"all":{"n":%d}}`, rows/5),
			Model: []byte(fmt.Sprintf("model-%s-%d", tenant, rows))})
		must(t, err)
		return v
	}
	if v := add("t1", base, 10); v != 1 {
		t.Errorf("first version = %d, want 1", v)
	}
	if v := add("t2", base.Add(time.Second), 20); v != 1 {
		t.Errorf("first version of t2 = %d, want 1", v)
	}
	if v := add("t1", base.Add(time.Minute), 30); v != 2 {
		t.Errorf("second version = %d, want 2", v)
	}

	list, err := s.ListContentModels(c, "t1")
	must(t, err)
	if len(list) != 2 || list[0].Version != 2 || list[1].Version != 1 || !list[0].Active || list[1].Active {
		t.Fatalf("ListContentModels(t1) = %+v, want v2 (active) then v1", list)
	}
	m := list[0]
	checkTime(t, "CreatedAt", m.CreatedAt, base.Add(time.Minute))
	if m.TenantID != "t1" || m.TrainingRows != 6030 || m.TenantRows != 30 || m.HeldOut != `{"all":{"n":6}}` || m.Model != nil {
		t.Errorf("listed model = %+v", m)
	}

	active := func(tenant string, want int) {
		t.Helper()
		got, err := s.ActiveContentModel(c, tenant)
		if want == 0 {
			wantNotFound(t, "ActiveContentModel", err)
			return
		}
		must(t, err)
		if got.Version != want || !got.Active || got.TenantID != tenant || len(got.Model) == 0 {
			t.Fatalf("ActiveContentModel(%s) = v%d %q, want v%d", tenant, got.Version, got.Model, want)
		}
	}
	active("t1", 2)
	got, err := s.ActiveContentModel(c, "t1")
	must(t, err)
	if !bytes.Equal(got.Model, []byte("model-t1-30")) {
		t.Errorf("Model = %q", got.Model)
	}

	steps := []struct {
		name    string
		version int
		wantErr bool
		active  int
	}{
		{"roll back to v1", 1, false, 1},
		{"unknown version changes nothing", 9, true, 1},
		{"forward to v2", 2, false, 2},
		{"back to the built-in model", 0, false, 0},
		{"built-in again is no error", 0, false, 0},
		{"v1 after built-in", 1, false, 1},
	}
	for _, st := range steps {
		err := s.ActivateContentModel(c, "t1", st.version)
		if st.wantErr {
			wantNotFound(t, st.name, err)
		} else if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		active("t1", st.active)
		active("t2", 1) // another tenant never moves
	}
	wantNotFound(t, "ActivateContentModel(other tenant's version)", s.ActivateContentModel(c, "t3", 1))

	must(t, s.ActivateContentModel(c, "t2", 0))
	all, err := s.ActiveContentModels(c)
	must(t, err)
	if !maps.Equal(all, map[string]int{"t1": 1}) {
		t.Errorf("ActiveContentModels = %v, want t1:1", all)
	}

	// Concurrent trainings of one tenant: each its own version, one active.
	const n = 4
	var wg sync.WaitGroup
	versions := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			versions[i], errs[i] = s.AddContentModel(c, store.ContentModel{TenantID: "t4", CreatedAt: base, HeldOut: "{}", Model: []byte{1}})
		})
	}
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	slices.Sort(versions)
	if !slices.Equal(versions, []int{1, 2, 3, 4}) {
		t.Errorf("concurrent versions = %v, want 1..4", versions)
	}
	list, err = s.ListContentModels(c, "t4")
	must(t, err)
	actives := 0
	for _, m := range list {
		if m.Active {
			actives++
		}
	}
	if len(list) != n || actives != 1 {
		t.Errorf("after concurrent trainings: %d models, %d active; want %d and 1", len(list), actives, n)
	}
}
