package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

func TestConsent(t *testing.T) {
	storetest.RunConsent(t, func(t *testing.T) storetest.ConsentDB {
		path := filepath.Join(t.TempDir(), "wabaguard.db")
		sealer := storetest.Sealer(t)
		var first *Store
		openOne := func(t *testing.T) *Store {
			s, err := Open(t.Context(), path, sealer)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		return storetest.ConsentDB{
			Open: func(t *testing.T) store.Store {
				s := openOne(t)
				if first == nil {
					first = s
				}
				return s
			},
			Exec: func(t *testing.T, q string) {
				t.Helper()
				if first == nil {
					first = openOne(t)
				}
				for _, g := range []string{`DROP TRIGGER IF EXISTS consent_records_no_update`, `DROP TRIGGER IF EXISTS consent_records_no_delete`, q} {
					if _, err := first.w.ExecContext(t.Context(), g); err != nil {
						t.Fatalf("%s: %v", g, err)
					}
				}
			},
		}
	})
}

// TestConsentRecordsAppendOnly checks the schema's guard: an UPDATE or a
// DELETE of a chain record through SQL is refused.
func TestConsentRecordsAppendOnly(t *testing.T) {
	s := openTemp(t)
	c := t.Context()
	if _, err := s.AppendConsent(c, "t1", func(store.ConsentHead) (store.ConsentAppend, error) {
		return store.ConsentAppend{Record: store.ConsentRecord{TenantID: "t1", Seq: 1, At: time.Now(), ContactKey: "k",
			Action: "opt_out", Category: "all", Source: "api", PrevHash: "0", Hash: "h"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE consent_records SET action = 'opt_in'`, `DELETE FROM consent_records`} {
		_, err := s.w.ExecContext(c, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", q, err)
		}
	}
}
