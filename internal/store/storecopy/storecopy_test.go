package storecopy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
)

// emptySum is the SHA-256 of nothing: the checksum of an empty table.
const emptySum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// sqliteCounts counts every source table's rows straight from the file.
func sqliteCounts(t *testing.T, path string) map[string]int64 {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	must(t, err)
	defer db.Close()
	out := make(map[string]int64)
	for _, tb := range tables {
		var n int64
		must(t, db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+quote(tb.src)).Scan(&n))
		out[tb.dst] = n
	}
	return out
}

// postgresCounts counts every target table's rows.
func postgresCounts(t *testing.T, dsn string) map[string]int64 {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	must(t, err)
	defer conn.Close(context.Background())
	out := make(map[string]int64)
	for _, tb := range tables {
		var n int64
		must(t, conn.QueryRow(t.Context(), `SELECT count(*) FROM `+quote(tb.dst)).Scan(&n))
		out[tb.dst] = n
	}
	return out
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return sha256.Sum256(b)
}

func TestCopyFullInstallation(t *testing.T) {
	ctx := t.Context()
	f := buildFixture(t)
	dsn := pgtest.DSN(t)
	want := sqliteCounts(t, f.path)
	for name, n := range want {
		// The fixture must exercise every table, or a table's mapping
		// could be wrong without any test noticing.
		if n == 0 {
			t.Fatalf("fixture leaves %s empty", name)
		}
	}
	before := fileSum(t, f.path)

	rep, err := Copy(ctx, f.path, dsn, Options{BatchSize: 50})
	must(t, err)
	if fileSum(t, f.path) != before {
		t.Error("the SQLite file changed while being copied")
	}

	// (1) The report: every table, counts as in SQLite, a checksum each.
	if len(rep.Tables) != len(tables) {
		t.Fatalf("report lists %d tables, want %d", len(rep.Tables), len(tables))
	}
	for i, tr := range rep.Tables {
		if tr.Table != tables[i].dst {
			t.Errorf("report table %d = %s, want %s", i, tr.Table, tables[i].dst)
		}
		if tr.Rows != want[tr.Table] {
			t.Errorf("report %s: %d rows, SQLite has %d", tr.Table, tr.Rows, want[tr.Table])
		}
		if len(tr.Checksum) != 64 || tr.Checksum == emptySum {
			t.Errorf("report %s: checksum %q", tr.Table, tr.Checksum)
		}
	}
	if got := postgresCounts(t, dsn); !maps.Equal(got, want) {
		t.Errorf("PostgreSQL counts %v, want %v", got, want)
	}
	var out bytes.Buffer
	must(t, rep.Write(&out))
	for _, tr := range rep.Tables {
		line := regexp.MustCompile(fmt.Sprintf(`(?m)^%s +%d +%s +\S+$`, tr.Table, tr.Rows, tr.Checksum))
		if !line.MatchString(out.String()) {
			t.Errorf("printed report lacks %s's line:\n%s", tr.Table, out.String())
		}
	}

	// (2) The PostgreSQL store, opened with the same key, serves the data
	// the SQLite store serves.
	src, err := sqlite.Open(ctx, f.path, f.box)
	must(t, err)
	t.Cleanup(func() { must(t, src.Close()) })
	dst, err := postgres.Open(ctx, dsn, f.box)
	must(t, err)
	t.Cleanup(func() { must(t, dst.Close()) })
	compareStores(t, f, src, dst)

	// Claiming after the copy takes the same messages in the same order.
	for _, sender := range []string{"p1", "p2"} {
		sm, err := src.ClaimMessages(ctx, sender, probeNow, 1000, time.Minute)
		must(t, err)
		pm, err := dst.ClaimMessages(ctx, sender, probeNow, 1000, time.Minute)
		must(t, err)
		if len(sm) == 0 || !slices.Equal(msgIDs(sm), msgIDs(pm)) {
			t.Errorf("claim %s: PostgreSQL %v, SQLite %v", sender, msgIDs(pm), msgIDs(sm))
		}
	}

	// New rows get ids past every copied one.
	maxSeq, maxDecision, maxDelivery, maxForward := maxCopied(t, f.path)
	fresh := &store.Intake{
		Message: &store.Message{ID: "wamid.gw.after", TenantID: "t1", SenderID: "p1", Input: "1", WaID: "1",
			Type: "text", Body: []byte("{}"), State: store.StateQueued, NextAttemptAt: probeNow, CreatedAt: probeNow, UpdatedAt: probeNow},
		Decision: store.Decision{TenantID: "t1", SenderID: "p1", MessageID: "wamid.gw.after", Outcome: store.OutcomeAllow, CreatedAt: probeNow},
	}
	must(t, dst.CommitIntake(ctx, []*store.Intake{fresh}))
	if fresh.Message.Seq <= maxSeq || fresh.Decision.ID <= maxDecision {
		t.Errorf("new seq %d / decision %d, copied up to %d / %d", fresh.Message.Seq, fresh.Decision.ID, maxSeq, maxDecision)
	}
	d := &store.Delivery{DedupeKey: "after", Body: []byte("{}"), ReceivedAt: probeNow}
	must(t, dst.AppendDeliveries(ctx, []*store.Delivery{d}))
	if d.ID <= maxDelivery {
		t.Errorf("new delivery id %d, copied up to %d", d.ID, maxDelivery)
	}
	must(t, dst.RecordOutcomes(ctx, nil, []store.Forward{{TenantID: "t1", WABAID: "w1", Field: "probe", Value: []byte("{}"), CreatedAt: probeNow}}))
	fs, err := dst.ClaimForwards(ctx, probeNow.Add(time.Hour), 1000, time.Minute)
	must(t, err)
	var probe *store.Forward
	for i := range fs {
		if fs[i].Field == "probe" {
			probe = &fs[i]
		}
	}
	if probe == nil || probe.ID <= maxForward {
		t.Errorf("new forward %+v, copied ids up to %d", probe, maxForward)
	}
}

func msgIDs(ms []store.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func maxCopied(t *testing.T, path string) (seq, decision, delivery, forward int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	must(t, err)
	defer db.Close()
	must(t, db.QueryRowContext(t.Context(), `SELECT (SELECT MAX(seq) FROM messages), (SELECT MAX(id) FROM decisions),
		(SELECT MAX(id) FROM deliveries), (SELECT MAX(id) FROM forwards)`).Scan(&seq, &decision, &delivery, &forward))
	return seq, decision, delivery, forward
}

// compareStores reads the same things through both stores' public API.
func compareStores(t *testing.T, f *fixture, src, dst store.Store) {
	t.Helper()
	ctx := t.Context()

	tn, err := dst.GetTenant(ctx, "t1")
	must(t, err)
	if tn.WebhookSecret != whsec1 {
		t.Errorf("webhook secret after copy = %q, want %q", tn.WebhookSecret, whsec1)
	}
	for _, id := range []string{"t1", "t2"} {
		want, err := src.GetTenant(ctx, id)
		must(t, err)
		got, err := dst.GetTenant(ctx, id)
		must(t, err)
		sameFields(t, "tenant "+id, got, want)
	}
	byKey, err := dst.TenantByKeyHash(ctx, keyHash("key-one"))
	must(t, err)
	if byKey.ID != "t1" {
		t.Errorf("TenantByKeyHash(key-one) = %s, want t1", byKey.ID)
	}
	if _, err := dst.TenantByKeyHash(ctx, keyHash("key-two")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked key after copy: err = %v, want ErrNotFound", err)
	}
	for _, id := range []string{"p1", "p2", "p3"} {
		want, err := src.GetSender(ctx, id)
		must(t, err)
		got, err := dst.GetSender(ctx, id)
		must(t, err)
		sameFields(t, "sender "+id, got, want)
	}
	if got, _ := dst.GetSender(ctx, "p1"); got.AccessToken != token1 {
		t.Errorf("access token after copy = %q", got.AccessToken)
	}

	for _, id := range []string{"7001", "7002", "8001"} {
		want, err := src.GetObject(ctx, id)
		must(t, err)
		got, err := dst.GetObject(ctx, id)
		must(t, err)
		sameFields(t, "owned object "+id, got, want)
	}

	wantT, err := src.ListTemplates(ctx, "")
	must(t, err)
	gotT, err := dst.ListTemplates(ctx, "")
	must(t, err)
	if len(gotT) != len(wantT) {
		t.Fatalf("templates after copy: %d, want %d", len(gotT), len(wantT))
	}
	for i := range wantT {
		sameFields(t, "template "+wantT[i].Name, gotT[i], wantT[i])
	}
	wantS, err := src.TemplateSyncs(ctx)
	must(t, err)
	gotS, err := dst.TemplateSyncs(ctx)
	must(t, err)
	if !slices.EqualFunc(gotS, wantS, func(a, b store.TemplateSync) bool { return a.WABAID == b.WABAID && a.At.Equal(b.At) }) {
		t.Errorf("template syncs after copy = %v, want %v", gotS, wantS)
	}

	// The consent chain verifies on the target, under the key copied
	// (sealed) with it, and reads the same state.
	rep2, err := consent.New(dst).Verify(ctx, "t1")
	must(t, err)
	if !rep2.OK || rep2.Records != 3 || rep2.Erased != 1 {
		t.Errorf("consent chain after copy: %v", rep2)
	}
	st, err := consent.New(dst).State(ctx, "t1", "+5511987654321", consent.Marketing)
	must(t, err)
	if !st.OptedIn() {
		t.Errorf("consent state after copy = %+v, want opt_in", st)
	}

	decisions, err := src.ListDecisions(ctx, store.DecisionFilter{})
	must(t, err)
	gotDecisions, err := dst.ListDecisions(ctx, store.DecisionFilter{})
	must(t, err)
	if len(gotDecisions) != len(decisions) {
		t.Fatalf("%d decisions after copy, want %d", len(gotDecisions), len(decisions))
	}
	var messages int
	for i, d := range decisions {
		sameFields(t, fmt.Sprintf("decision %d", d.ID), gotDecisions[i], d)
		if d.MessageID == "" {
			continue
		}
		messages++
		want, err := src.GetMessage(ctx, d.MessageID)
		must(t, err)
		got, err := dst.GetMessage(ctx, d.MessageID)
		must(t, err)
		sameFields(t, "message "+d.MessageID, got, want)
		wantEv, err := src.StatusEvents(ctx, d.MessageID)
		must(t, err)
		gotEv, err := dst.StatusEvents(ctx, d.MessageID)
		must(t, err)
		if len(gotEv) != len(wantEv) {
			t.Errorf("message %s: %d status events, want %d", d.MessageID, len(gotEv), len(wantEv))
			continue
		}
		for j := range wantEv {
			sameFields(t, "status event of "+d.MessageID, gotEv[j], wantEv[j])
		}
	}
	if messages != nMessages-nMessages/10 {
		t.Errorf("compared %d messages, want %d", messages, nMessages-nMessages/10)
	}

	wantRefs, err := src.MessagesByMetaID(ctx, f.metaIDs)
	must(t, err)
	gotRefs, err := dst.MessagesByMetaID(ctx, f.metaIDs)
	must(t, err)
	if len(wantRefs) != len(f.metaIDs) || !maps.Equal(gotRefs, wantRefs) {
		t.Errorf("MessagesByMetaID: PostgreSQL %d refs, SQLite %d, want %d equal", len(gotRefs), len(wantRefs), len(f.metaIDs))
	}
	for i := 0; i < nMessages; i += 4 {
		tenant := "t1"
		if i%3 == 2 {
			tenant = "t2"
		}
		want, err := src.GetIdempotency(ctx, tenant, fmt.Sprintf("idem-%d", i))
		must(t, err)
		got, err := dst.GetIdempotency(ctx, tenant, fmt.Sprintf("idem-%d", i))
		must(t, err)
		sameFields(t, "idempotency "+want.Key, got, want)
	}

	wantIn, err := src.ListInbound(ctx, "p1", 0)
	must(t, err)
	gotIn, err := dst.ListInbound(ctx, "p1", 0)
	must(t, err)
	if len(gotIn) != len(wantIn) || len(wantIn) == 0 {
		t.Errorf("inbound: %d after copy, want %d", len(gotIn), len(wantIn))
	} else {
		for i := range wantIn {
			sameFields(t, "inbound "+wantIn[i].ID, gotIn[i], wantIn[i])
			wantW, err := src.GetWindow(ctx, "p1", wantIn[i].From)
			must(t, err)
			gotW, err := dst.GetWindow(ctx, "p1", wantIn[i].From)
			must(t, err)
			if wantW.IsZero() || !gotW.Equal(wantW) {
				t.Errorf("window %s = %v, want %v", wantIn[i].From, gotW, wantW)
			}
		}
	}

	for _, name := range []string{"sender:p1", "sender:p2"} {
		wo, wu, err := src.LeaseOwner(ctx, name)
		must(t, err)
		gotOwner, gotUntil, err := dst.LeaseOwner(ctx, name)
		must(t, err)
		if gotOwner != wo || !gotUntil.Equal(wu) {
			t.Errorf("lease %s = %s until %v, want %s until %v", name, gotOwner, gotUntil, wo, wu)
		}
	}

	reads := []struct {
		what string
		read func(store.Store) (any, error)
	}{
		{"ForwardCounts", func(s store.Store) (any, error) { return s.ForwardCounts(ctx) }},
		{"QueueDepth", func(s store.Store) (any, error) { return s.QueueDepth(ctx) }},
		{"SendersWithDueMessages", func(s store.Store) (any, error) { return s.SendersWithDueMessages(ctx, probeNow) }},
		{"SendersWithDueMessages at the claim", func(s store.Store) (any, error) {
			return s.SendersWithDueMessages(ctx, base.Add(2*time.Minute))
		}},
	}
	for _, r := range reads {
		want, err := r.read(src)
		must(t, err)
		got, err := r.read(dst)
		must(t, err)
		// fmt prints maps sorted by key, so equal contents print alike.
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: PostgreSQL %v, SQLite %v", r.what, got, want)
		}
	}

	// Deliveries still to process come back alike (the claimed one only
	// once its claim lapses, in both).
	wantD, err := src.ClaimDeliveries(ctx, probeNow, 100, time.Minute)
	must(t, err)
	gotD, err := dst.ClaimDeliveries(ctx, probeNow, 100, time.Minute)
	must(t, err)
	if len(wantD) != 2 || len(gotD) != len(wantD) {
		t.Fatalf("due deliveries: PostgreSQL %d, SQLite %d, want 2", len(gotD), len(wantD))
	}
	for i := range wantD {
		sameFields(t, "delivery", gotD[i], wantD[i])
	}
}

func TestCopyRefusesNonEmptyTarget(t *testing.T) {
	ctx := t.Context()
	f := buildFixture(t)
	dsn := pgtest.DSN(t)
	_, err := Copy(ctx, f.path, dsn, Options{})
	must(t, err)
	want := postgresCounts(t, dsn)

	_, err = Copy(ctx, f.path, dsn, Options{})
	if !errors.Is(err, ErrTargetNotEmpty) {
		t.Fatalf("second copy: err = %v, want ErrTargetNotEmpty", err)
	}
	if got := postgresCounts(t, dsn); !maps.Equal(got, want) {
		t.Errorf("refused copy changed the target: %v, was %v", got, want)
	}

	// Allowed, a copy whose rows collide fails and changes nothing.
	if _, err := Copy(ctx, f.path, dsn, Options{AllowNonEmpty: true}); err == nil {
		t.Fatal("colliding copy into a non-empty target succeeded")
	}
	if got := postgresCounts(t, dsn); !maps.Equal(got, want) {
		t.Errorf("failed copy changed the target: %v, was %v", got, want)
	}

	// Allowed, a copy of other rows adds them and verifies only its own.
	other := filepath.Join(t.TempDir(), "other.db")
	s, err := sqlite.Open(ctx, other, f.box)
	must(t, err)
	must(t, s.PutTenant(ctx, store.Tenant{ID: "t9", Name: "Initech", CreatedAt: base}))
	must(t, s.Close())
	rep, err := Copy(ctx, other, dsn, Options{AllowNonEmpty: true})
	must(t, err)
	if rep.Tables[0].Table != "tenants" || rep.Tables[0].Rows != 1 {
		t.Errorf("report: %+v, want 1 tenant", rep.Tables[0])
	}
	want["tenants"]++
	if got := postgresCounts(t, dsn); !maps.Equal(got, want) {
		t.Errorf("after adding: %v, want %v", got, want)
	}
}

// TestCopyDetectsCorruption alters one value on its way to PostgreSQL and
// checks that verification names the table and row, and that the target
// is left empty.
func TestCopyDetectsCorruption(t *testing.T) {
	f := buildFixture(t)
	tests := []struct {
		name, table, column string
		match               any // the row whose column is altered, by its first column
		alter               func(v any) any
		wantKey             string
	}{
		{"text", "messages", "error_detail", int64(77), func(any) any { return "tampered" }, "seq=77"},
		{"time by a millisecond", "messages", "created_at", int64(5),
			func(v any) any { return v.(time.Time).Add(time.Millisecond) }, "seq=5"},
		{"sealed secret", "tenants", "webhook_secret", "t1",
			func(v any) any { b := bytes.Clone(v.([]byte)); b[3] ^= 1; return b }, `id="t1"`},
		{"never becomes a time", "api_keys", "revoked_at", "wg_k1",
			func(any) any { return base }, `id="wg_k1"`},
		{"boolean", "deliveries", "done", int64(1), func(v any) any { return !v.(bool) }, "id=1"},
		{"key", "idempotency", "key", "t1", func(v any) any {
			if v == "idem-0" {
				return "idem-0x"
			}
			return v
		}, `tenant_id="t1", key="idem-0"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dsn := pgtest.DSN(t)
			altered := 0
			opts := Options{tamper: func(table string, cols []string, row []any) {
				if table != tc.table || row[0] != tc.match {
					return
				}
				i := slices.Index(cols, tc.column)
				if i < 0 {
					t.Errorf("no column %s in %s", tc.column, table)
					return
				}
				if nv := tc.alter(row[i]); fmt.Sprint(nv) != fmt.Sprint(row[i]) {
					row[i] = nv
					altered++
				}
			}}
			_, err := Copy(t.Context(), f.path, dsn, opts)
			if altered != 1 {
				t.Fatalf("altered %d rows, want 1", altered)
			}
			var mm *MismatchError
			if !errors.As(err, &mm) {
				t.Fatalf("err = %v, want a MismatchError", err)
			}
			if mm.Table != tc.table || mm.Key != tc.wantKey {
				t.Errorf("mismatch in %s at %s (%v), want %s at %s", mm.Table, mm.Key, err, tc.table, tc.wantKey)
			}
			for name, n := range postgresCounts(t, dsn) {
				if n != 0 {
					t.Errorf("after a failed copy %s holds %d rows", name, n)
				}
			}
		})
	}
}

func TestCopyEmptyInstallation(t *testing.T) {
	ctx := t.Context()
	box := newBox(t)
	path := filepath.Join(t.TempDir(), "empty.db")
	s, err := sqlite.Open(ctx, path, box)
	must(t, err)
	must(t, s.Close())
	dsn := pgtest.DSN(t)

	var out bytes.Buffer
	must(t, Main(ctx, path, dsn, &out))
	for _, tb := range tables {
		if !strings.Contains(out.String(), tb.dst+" ") || !strings.Contains(out.String(), emptySum) {
			t.Errorf("report lacks %s:\n%s", tb.dst, out.String())
		}
	}
	if !strings.Contains(out.String(), "total") {
		t.Errorf("report lacks its total:\n%s", out.String())
	}

	dst, err := postgres.Open(ctx, dsn, box)
	must(t, err)
	defer dst.Close()
	it := &store.Intake{
		Message: &store.Message{ID: "m1", TenantID: "t1", SenderID: "p1", Body: []byte("{}"), State: store.StateQueued,
			NextAttemptAt: base, CreatedAt: base, UpdatedAt: base},
		Decision: store.Decision{TenantID: "t1", SenderID: "p1", MessageID: "m1", Outcome: store.OutcomeAllow, CreatedAt: base},
	}
	must(t, dst.CommitIntake(ctx, []*store.Intake{it}))
	if it.Message.Seq != 1 || it.Decision.ID != 1 {
		t.Errorf("first ids after an empty copy: seq %d, decision %d, want 1 and 1", it.Message.Seq, it.Decision.ID)
	}
}

// TestCopyRefusesUnknownSource covers sources Copy must not read: a
// missing file, a SQLite file that is not a gateway database, and one at a
// schema version whose columns this package does not know.
func TestCopyRefusesUnknownSource(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()

	foreign := filepath.Join(dir, "foreign.db")
	db, err := sql.Open("sqlite", foreign)
	must(t, err)
	_, err = db.ExecContext(ctx, `CREATE TABLE notes (body TEXT)`)
	must(t, err)
	must(t, db.Close())

	newer := filepath.Join(dir, "newer.db")
	s, err := sqlite.Open(ctx, newer, newBox(t))
	must(t, err)
	must(t, s.Close())
	db, err = sql.Open("sqlite", newer)
	must(t, err)
	_, err = db.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, schemaVersion+1)
	must(t, err)
	must(t, db.Close())

	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.db"), "no such file"},
		{"not a gateway database", foreign, "schema version"},
		{"newer schema", newer, fmt.Sprintf("schema version is %d", schemaVersion+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The source is refused before the target is touched, so no
			// server is needed; the DSN points nowhere.
			_, err := Copy(ctx, tc.path, "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("copying from a missing file created it: %v", err)
	}
}
