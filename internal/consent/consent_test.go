package consent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
)

var base = time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)

// TestHashVector pins the documented encoding: docs/consent-ledger.md
// gives this record and this hash for auditors re-implementing it.
func TestHashVector(t *testing.T) {
	r := store.ConsentRecord{
		TenantID: "acme", Seq: 1, At: time.Date(2026, 11, 1, 9, 30, 0, 123_000_000, time.UTC),
		ContactKey: "c0ffee", Action: "opt_in", Category: "marketing", Source: "web_form",
		EvidenceDigest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		PrevHash:       consent.GenesisHash,
	}
	const want = "b7d5389e29158ed8002c52bb68529fcc7733bd5f75107f27bae26850fffcd3d0"
	if got := consent.RecordHash(r); got != want {
		t.Errorf("RecordHash = %s, want %s", got, want)
	}
	// Length prefixes keep fields apart: moving a byte from one field to
	// the next changes the hash.
	moved := r
	moved.Action, moved.Category = "opt_inm", "arketing"
	if consent.RecordHash(moved) == consent.RecordHash(r) {
		t.Error("moving a byte between fields leaves the hash unchanged")
	}
}

func ledger(t *testing.T) (*consent.Ledger, *sqlite.Store) {
	t.Helper()
	st := sqlitetest.Open(t)
	return consent.New(st, consent.WithClock(func() time.Time { return base })), st
}

func optIn(contact string) consent.Request {
	return consent.Request{TenantID: "acme", Contact: contact, Action: consent.OptIn, Category: consent.Marketing,
		Source: consent.WebForm, Evidence: consent.Evidence{Text: "Quero receber ofertas da Acme pelo WhatsApp",
			URL: "https://acme.example/optin", IP: "203.0.113.7", UserAgent: "Mozilla/5.0", At: base}}
}

// exported records four links for acme and exports them.
func exported(t *testing.T, withPersonal bool) []string {
	t.Helper()
	l, _ := ledger(t)
	for _, c := range []string{"+5511987654321", "+5521998765432", "+5531987654321"} {
		if _, err := l.Record(t.Context(), optIn(c)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Erase(t.Context(), "acme", "+5521998765432"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := l.Export(t.Context(), "acme", &buf, withPersonal); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func edit(t *testing.T, line string, f func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVerifyExport checks the offline verification of an export against
// each kind of tampering, with and without personal data.
func TestVerifyExport(t *testing.T) {
	// Lines: 0 header, 1..4 records, 5 head.
	tests := []struct {
		name     string
		personal bool
		tamper   func(t *testing.T, ls []string) []string
		firstBad int64
		problem  string
	}{
		{"untouched", false, func(_ *testing.T, ls []string) []string { return ls }, 0, ""},
		{"untouched with personal data", true, func(_ *testing.T, ls []string) []string { return ls }, 0, ""},
		{"edit a field", false, func(t *testing.T, ls []string) []string {
			ls[2] = edit(t, ls[2], func(m map[string]any) { m["category"] = "utility" })
			return ls
		}, 2, "edited"},
		{"edit the time", false, func(t *testing.T, ls []string) []string {
			ls[1] = edit(t, ls[1], func(m map[string]any) { m["at"] = "2026-10-01T09:30:00.000Z" })
			return ls
		}, 1, "edited"},
		{"reorder", false, func(_ *testing.T, ls []string) []string {
			ls[2], ls[3] = ls[3], ls[2]
			return ls
		}, 2, "record 2 is missing"},
		{"remove a record", false, func(_ *testing.T, ls []string) []string {
			return append(ls[:2:2], ls[3:]...)
		}, 2, "missing"},
		{"truncate the tail", false, func(_ *testing.T, ls []string) []string {
			return append(ls[:4:4], ls[5])
		}, 4, "removed from the end"},
		{"cut short", false, func(_ *testing.T, ls []string) []string { return ls[:4] }, 4, "no head line"},
		{"edit personal data", true, func(t *testing.T, ls []string) []string {
			ls[1] = edit(t, ls[1], func(m map[string]any) {
				m["personal"] = strings.Replace(m["personal"].(string), "203.0.113.7", "198.51.100.1", 1)
			})
			return ls
		}, 1, "evidence digest"},
		{"drop personal data of a contact never erased", true, func(t *testing.T, ls []string) []string {
			ls[3] = edit(t, ls[3], func(m map[string]any) { delete(m, "personal") })
			return ls
		}, 3, "never erased"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ls := tc.tamper(t, exported(t, tc.personal))
			rep, err := consent.VerifyExport(strings.NewReader(strings.Join(ls, "\n") + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if tc.problem == "" {
				if !rep.OK || rep.Records != 4 || rep.HeadSeq != 4 {
					t.Errorf("report = %v, want ok with 4 records", rep)
				}
				if wantErased := map[bool]int64{false: 0, true: 1}[tc.personal]; rep.Erased != wantErased {
					t.Errorf("erased = %d, want %d", rep.Erased, wantErased)
				}
				return
			}
			if rep.OK || rep.FirstBad != tc.firstBad || !strings.Contains(rep.Problem, tc.problem) {
				t.Errorf("report = %v (first bad %d), want broken at %d with %q", rep, rep.FirstBad, tc.firstBad, tc.problem)
			}
		})
	}
}

// TestVerifyExportMalformed checks that what is not an export is an error,
// not a verdict.
func TestVerifyExportMalformed(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "no header"},
		{"not json", "hello\n", "line 1"},
		{"wrong format", `{"kind":"header","format":"other","version":1,"tenant":"a"}` + "\n", "format"},
		{"record first", `{"kind":"record","tenant":"a","seq":1,"at":"2026-11-01T09:30:00.000Z"}` + "\n", "before the header"},
		{"unknown kind", `{"kind":"header","format":"wabaguard-consent-chain","version":1,"tenant":"a"}` + "\n" + `{"kind":"x","tenant":"a"}` + "\n", "unknown kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := consent.VerifyExport(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestExportWithoutPersonalData checks that the default export holds no
// number and no evidence, and that one with personal data does.
func TestExportWithoutPersonalData(t *testing.T) {
	plain := strings.Join(exported(t, false), "\n")
	for _, pii := range []string{"5511987654321", "203.0.113.7", "Mozilla", "acme.example/optin"} {
		if strings.Contains(plain, pii) {
			t.Errorf("the export holds %q", pii)
		}
	}
	full := strings.Join(exported(t, true), "\n")
	if !strings.Contains(full, "5511987654321") {
		t.Error("the export with personal data lacks the number")
	}
	if strings.Contains(full, "5521998765432") {
		t.Error("the export with personal data holds an erased number")
	}
}

// TestErasedContactStaysSuppressed checks that erasure is also "never
// send again": with the number gone, the contact's key still finds it.
func TestErasedContactStaysSuppressed(t *testing.T) {
	l, _ := ledger(t)
	ctx := t.Context()
	if _, err := l.Record(ctx, optIn("+5511987654321")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Erase(ctx, "acme", "5511987654321"); err != nil {
		t.Fatal(err)
	}
	// Written without the ninth digit, as an old wa_id: the same contact.
	st, err := l.State(ctx, "acme", "+551187654321", consent.Marketing)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Suppressed() || st.Action != consent.Erased || st.OptedIn() {
		t.Errorf("state after erasure = %+v, want erased and suppressed", st)
	}
	byWaID, err := l.StateByWaID(ctx, "acme", "5511987654321", consent.Utility)
	if err != nil || byWaID != st {
		t.Errorf("StateByWaID = %+v, %v; want %+v", byWaID, err, st)
	}
}

// TestLedgerKeySurvivesRotation checks that the tenant's ledger key is
// resealed with the other secrets: after a rotation, the chain (whose head
// MAC needs the key) verifies under the new key alone.
func TestLedgerKeySurvivesRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wabaguard.db")
	oldKey, newKey := secret.NewKey(), secret.NewKey()
	open := func(s store.Sealer) *sqlite.Store {
		st, err := sqlite.Open(t.Context(), path, s)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
	oldBox, _ := secret.NewBox(oldKey)
	newBox, _ := secret.NewBox(newKey)
	ring, err := secret.NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := consent.New(open(oldBox), consent.WithClock(func() time.Time { return base })).Record(t.Context(), optIn("+5511987654321")); err != nil {
		t.Fatal(err)
	}
	if _, err := open(ring).ResealSecrets(t.Context()); err != nil {
		t.Fatal(err)
	}
	rep, err := consent.New(open(newBox)).Verify(t.Context(), "acme")
	if err != nil || !rep.OK {
		t.Errorf("after rotation: %v, %v", rep, err)
	}
}

// TestHooksSeeEveryWritePath: Record and RecordAll both tell the caches
// (WithOnChange) and the double opt-in (WithOnRecorded) of what they wrote,
// under the canonical wa_id, so an imported opt-in asks for its
// confirmation like one recorded alone; a refused batch tells nothing.
func TestHooksSeeEveryWritePath(t *testing.T) {
	type seen struct{ waID, action string }
	var changed []string
	var recorded []seen
	st := sqlitetest.Open(t)
	l := consent.New(st, consent.WithClock(func() time.Time { return base }),
		consent.WithOnChange(func(_, waID string) { changed = append(changed, waID) }),
		consent.WithOnRecorded(func(_ context.Context, _, waID string, r consent.Request) {
			recorded = append(recorded, seen{waID, string(r.Action)})
		}))
	ctx := t.Context()
	if _, err := l.Record(ctx, optIn("+5511987654321")); err != nil {
		t.Fatal(err)
	}
	out := optIn("+55 21 99876-5432")
	out.Action, out.Source = consent.OptOut, consent.Import
	if _, err := l.RecordAll(ctx, "acme", []consent.Request{optIn("+5531987654321"), out}); err != nil {
		t.Fatal(err)
	}
	bad := optIn("not a number")
	if _, err := l.RecordAll(ctx, "acme", []consent.Request{optIn("+5541987654321"), bad}); err == nil {
		t.Fatal("a batch with a bad number was written")
	}
	wantChanged := []string{"5511987654321", "5531987654321", "5521998765432"}
	if strings.Join(changed, ",") != strings.Join(wantChanged, ",") {
		t.Errorf("OnChange saw %v, want %v", changed, wantChanged)
	}
	wantRecorded := []seen{{"5511987654321", "opt_in"}, {"5531987654321", "opt_in"}, {"5521998765432", "opt_out"}}
	if len(recorded) != len(wantRecorded) {
		t.Fatalf("OnRecorded saw %v, want %v", recorded, wantRecorded)
	}
	for i := range recorded {
		if recorded[i] != wantRecorded[i] {
			t.Errorf("OnRecorded[%d] = %v, want %v", i, recorded[i], wantRecorded[i])
		}
	}
}
