package postgres_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/pgtest"
	"github.com/wabaguard/wabaguard/internal/store/postgres"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)

// openOn opens another Store (its own pool) on an existing schema, as a
// second replica would.
func openOn(t testing.TB, dsn string, sealer store.Sealer) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, sealer)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func intake(id, sender string, key string) *store.Intake {
	m := &store.Message{
		ID: id, TenantID: "t1", SenderID: sender, Input: "+15550001", WaID: "15550001",
		Type: "text", Body: []byte(`{"id":"` + id + `"}`), State: store.StateQueued,
		NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0,
	}
	it := &store.Intake{
		Message:  m,
		Decision: store.Decision{TenantID: "t1", SenderID: sender, MessageID: id, Outcome: store.OutcomeAllow, CreatedAt: t0},
	}
	if key != "" {
		it.Idempotency = &store.Idempotency{TenantID: "t1", Key: key, StatusCode: 200, Response: []byte(id), CreatedAt: t0}
	}
	return it
}

func TestClaimMessagesDisjointAcrossPools(t *testing.T) {
	dsn := pgtest.DSN(t)
	sealer := storetest.Sealer(t)
	replicas := []*postgres.Store{openOn(t, dsn, sealer), openOn(t, dsn, sealer)}
	c := t.Context()

	const total = 600
	var items []*store.Intake
	for i := range total {
		items = append(items, intake(fmt.Sprintf("m%04d", i), "p1", ""))
	}
	if err := replicas[0].CommitIntake(c, items); err != nil {
		t.Fatal(err)
	}

	// Two claimers per pool, all racing on the same sender.
	var mu sync.Mutex
	claimedBy := map[string]int{}
	var dup []string
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		s := replicas[w%2]
		wg.Go(func() {
			for {
				ms, err := s.ClaimMessages(c, "p1", t0, 7, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					if _, ok := claimedBy[m.ID]; ok {
						dup = append(dup, m.ID)
					}
					claimedBy[m.ID] = w
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(dup) > 0 {
		t.Fatalf("%d claims of already claimed messages, first %v", len(dup), dup[:min(len(dup), 5)])
	}
	if len(claimedBy) != total {
		t.Fatalf("claimed %d distinct messages, want %d", len(claimedBy), total)
	}
	depth, err := replicas[1].QueueDepth(c)
	if err != nil {
		t.Fatal(err)
	}
	if depth["p1"] != total {
		t.Errorf("QueueDepth = %d, want %d in flight", depth["p1"], total)
	}
}

func TestLeaseContentionOneWinner(t *testing.T) {
	dsn := pgtest.DSN(t)
	sealer := storetest.Sealer(t)
	r1, r2 := openOn(t, dsn, sealer), openOn(t, dsn, sealer)
	c := t.Context()

	const names = 40
	type result struct {
		name, owner string
		ok          bool
		err         error
	}
	results := make(chan result, 2*names)
	var wg sync.WaitGroup
	for i := range names {
		name := fmt.Sprintf("sender:%d", i)
		for owner, s := range map[string]*postgres.Store{"r1": r1, "r2": r2} {
			wg.Go(func() {
				ok, err := s.AcquireLease(c, name, owner, t0, 15*time.Second)
				results <- result{name, owner, ok, err}
			})
		}
	}
	wg.Wait()
	close(results)
	winners := map[string][]string{}
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.ok {
			winners[r.name] = append(winners[r.name], r.owner)
		}
	}
	for i := range names {
		name := fmt.Sprintf("sender:%d", i)
		if len(winners[name]) != 1 {
			t.Errorf("%s: winners %v, want exactly one", name, winners[name])
			continue
		}
		owner, until, err := r2.LeaseOwner(c, name)
		if err != nil {
			t.Fatal(err)
		}
		if owner != winners[name][0] || !until.Equal(t0.Add(15*time.Second)) {
			t.Errorf("%s: LeaseOwner = %s until %v, want %s", name, owner, until, winners[name][0])
		}
	}

	// The loser cannot take over before expiry, even at the exact instant
	// before it; at expiry it can.
	owner, _, err := r1.LeaseOwner(c, "sender:0")
	if err != nil {
		t.Fatal(err)
	}
	other := map[string]string{"r1": "r2", "r2": "r1"}[owner]
	if ok, err := r1.AcquireLease(c, "sender:0", other, t0.Add(15*time.Second-time.Millisecond), time.Minute); err != nil || ok {
		t.Errorf("takeover before expiry = %v, %v", ok, err)
	}
	if ok, err := r1.AcquireLease(c, "sender:0", other, t0.Add(15*time.Second), time.Minute); err != nil || !ok {
		t.Errorf("takeover at expiry = %v, %v", ok, err)
	}
}

func TestCommitIntakeDuplicateKeys(t *testing.T) {
	s := openStore(t, storetest.Sealer(t))
	c := t.Context()

	if err := s.CommitIntake(c, []*store.Intake{intake("old", "p1", "k-old")}); err != nil {
		t.Fatal(err)
	}
	batch := []*store.Intake{
		intake("a", "p1", "k1"),
		intake("b", "p1", "k1"),    // same key earlier in this batch
		intake("c", "p1", "k-old"), // key of an earlier batch
		intake("d", "p1", ""),      // no key
		intake("e", "p1", "k2"),
		intake("f", "p1", "k2"),
	}
	if err := s.CommitIntake(c, batch); err != nil {
		t.Fatal(err)
	}
	wantDup := map[string]bool{"a": false, "b": true, "c": true, "d": false, "e": false, "f": true}
	for _, it := range batch {
		id := it.Message.ID
		if it.Duplicate != wantDup[id] {
			t.Errorf("%s: Duplicate = %v, want %v", id, it.Duplicate, wantDup[id])
		}
		_, err := s.GetMessage(c, id)
		if wantDup[id] {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("duplicate %s was stored (err %v)", id, err)
			}
			if it.Decision.ID != 0 || it.Message.Seq != 0 {
				t.Errorf("duplicate %s got ids: decision %d seq %d", id, it.Decision.ID, it.Message.Seq)
			}
		} else if err != nil {
			t.Errorf("GetMessage(%s): %v", id, err)
		}
	}
	idem, err := s.GetIdempotency(c, "t1", "k1")
	if err != nil {
		t.Fatal(err)
	}
	if string(idem.Response) != "a" {
		t.Errorf("k1 answer = %q, want the first item's", idem.Response)
	}
	ds, err := s.ListDecisions(c, store.DecisionFilter{TenantID: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.MessageID)
	}
	slices.Sort(got)
	if want := []string{"a", "d", "e", "old"}; !slices.Equal(got, want) {
		t.Errorf("decisions for %v, want %v", got, want)
	}
}

// Two replicas committing the same keys in opposite orders at once must
// neither deadlock-fail nor both accept a key.
func TestCommitIntakeConcurrentSameKeys(t *testing.T) {
	dsn := pgtest.DSN(t)
	sealer := storetest.Sealer(t)
	r1, r2 := openOn(t, dsn, sealer), openOn(t, dsn, sealer)
	c := t.Context()

	const n = 100
	var b1, b2 []*store.Intake
	for i := range n {
		b1 = append(b1, intake(fmt.Sprintf("x%03d", i), "p1", fmt.Sprintf("k%03d", i)))
		b2 = append(b2, intake(fmt.Sprintf("y%03d", n-1-i), "p1", fmt.Sprintf("k%03d", n-1-i)))
	}
	var wg sync.WaitGroup
	var err1, err2 error
	wg.Go(func() { err1 = r1.CommitIntake(c, b1) })
	wg.Go(func() { err2 = r2.CommitIntake(c, b2) })
	wg.Wait()
	if err1 != nil || err2 != nil {
		t.Fatalf("commit: %v / %v", err1, err2)
	}
	accepted := map[string]int{}
	for _, it := range append(b1, b2...) {
		if !it.Duplicate {
			accepted[it.Idempotency.Key]++
		}
	}
	for i := range n {
		if k := fmt.Sprintf("k%03d", i); accepted[k] != 1 {
			t.Errorf("key %s accepted %d times", k, accepted[k])
		}
	}
	depth, err := r1.QueueDepth(c)
	if err != nil {
		t.Fatal(err)
	}
	if depth["p1"] != n {
		t.Errorf("QueueDepth = %d, want %d", depth["p1"], n)
	}
}

func TestSecretsSealedAtRest(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := openOn(t, dsn, storetest.Sealer(t))
	c := t.Context()

	const webhookSecret = "whsec-plaintext-4f1d9c"
	const token = "EAAG-meta-token-plaintext-77aa"
	if err := s.PutTenant(c, store.Tenant{ID: "t1", Name: "Acme", WebhookSecret: webhookSecret, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSender(c, store.Sender{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1",
		AccessToken: token, State: store.SenderActive}); err != nil {
		t.Fatal(err)
	}

	conn, err := pgx.Connect(c, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(c)
	var rawSecret, rawToken []byte
	if err := conn.QueryRow(c, `SELECT webhook_secret FROM tenants WHERE id = 't1'`).Scan(&rawSecret); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(c, `SELECT access_token FROM senders WHERE phone_number_id = 'p1'`).Scan(&rawToken); err != nil {
		t.Fatal(err)
	}
	for what, raw := range map[string][]byte{webhookSecret: rawSecret, token: rawToken} {
		if len(raw) == 0 {
			t.Errorf("sealed column for %q is empty", what[:5])
		}
		if bytes.Contains(raw, []byte(what)) {
			t.Errorf("plaintext found in the sealed column")
		}
	}

	tn, err := s.GetTenant(c, "t1")
	if err != nil || tn.WebhookSecret != webhookSecret {
		t.Errorf("GetTenant did not open the secret (err %v)", err)
	}
	sn, err := s.GetSender(c, "p1")
	if err != nil || sn.AccessToken != token {
		t.Errorf("GetSender did not open the token (err %v)", err)
	}

	// With another key the rows cannot be opened: the data really depends
	// on the sealer, and the failure is an error, not garbage.
	other := openOn(t, dsn, storetest.Sealer(t))
	if _, err := other.GetTenant(c, "t1"); err == nil {
		t.Error("tenant opened with the wrong key")
	}
}

func TestMigrateInSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	c := t.Context()
	for range 2 { // a second run finds nothing to do
		if err := postgres.Migrate(c, dsn); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(c, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(c)
	var n int
	if err := conn.QueryRow(c, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name IN ('goose_db_version', 'messages', 'leases')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("found %d of 3 tables in the DSN's schema", n)
	}
}
