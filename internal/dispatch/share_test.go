package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/wabaguard/wabaguard/internal/store/sqlite/sqlitetest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/cloudapi"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// shareSenders and shareMessages shape the sharing test: enough paced
// traffic per sender that every hand-over happens while the sender has
// messages claimed, in flight and queued.
const (
	shareSenders  = 6
	shareMessages = 80 // per sender, first wave
	shareMPS      = 25
)

func shareSender(i int) string { return fmt.Sprintf("1077%02d", i) }

// openShared opens a SQLite store with shareSenders senders, each with
// shareMessages queued messages to recipients "<sender>-<n>".
func openShared(t *testing.T) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	if err := st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "T", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for i := range shareSenders {
		if err := st.PutSender(ctx, store.Sender{PhoneNumberID: shareSender(i), TenantID: "t1", WABAID: "w1",
			ThroughputMPS: shareMPS, State: store.SenderActive}); err != nil {
			t.Fatal(err)
		}
	}
	enqueue(t, st, 0, shareMessages)
	return st
}

// enqueue commits messages from..to-1 of every sender.
func enqueue(t *testing.T, st *sqlite.Store, from, to int) {
	t.Helper()
	at := time.Now()
	var items []*store.Intake
	for i := range shareSenders {
		sid := shareSender(i)
		for n := from; n < to; n++ {
			id, to := fmt.Sprintf("m%s-%04d", sid, n), fmt.Sprintf("%s-%d", sid, n)
			items = append(items, &store.Intake{
				Message: &store.Message{ID: id, TenantID: "t1", SenderID: sid, Input: to, WaID: to, Type: "text",
					Body: []byte(`{"to":"` + to + `"}`), State: store.StateQueued, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at},
				Decision: store.Decision{TenantID: "t1", SenderID: sid, MessageID: id, WaID: to, Outcome: store.OutcomeAllow, CreatedAt: at},
			})
		}
	}
	if err := st.CommitIntake(context.Background(), items); err != nil {
		t.Fatal(err)
	}
}

// leaseUpstream answers every send at once and checks, at the moment each
// send arrives, that the replica making it (named by its token) holds the
// sender's live lease: two replicas dispatching one sender would show up as
// a send from a replica that does not.
type leaseUpstream struct {
	st *sqlite.Store

	mu         sync.Mutex
	sends      map[string]int      // recipient → sends
	owners     map[string][]string // sender → replicas that sent for it, in order of change
	violations []string
	seq        atomic.Int64
}

func newLeaseUpstream(t *testing.T, st *sqlite.Store) (*leaseUpstream, *cloudapi.Client) {
	u := &leaseUpstream{st: st, sends: map[string]int{}, owners: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			To string `json:"to"`
		}
		_ = json.Unmarshal(b, &req)
		replica := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		sender := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[1]
		owner, until, err := st.LeaseOwner(r.Context(), leaseName(sender))
		u.mu.Lock()
		if err != nil || owner != replica || !until.After(time.Now()) {
			u.violations = append(u.violations, fmt.Sprintf("%s sent for %s while the lease says %q until %v (err %v)",
				replica, sender, owner, until, err))
		}
		u.sends[req.To]++
		if os := u.owners[sender]; len(os) == 0 || os[len(os)-1] != replica {
			u.owners[sender] = append(os, replica)
		}
		u.mu.Unlock()
		_ = json.NewEncoder(w).Encode(wire.SendResponse{MessagingProduct: "whatsapp",
			Messages: []wire.SentMessage{{ID: fmt.Sprintf("wamid.%d", u.seq.Add(1))}}})
	}))
	t.Cleanup(srv.Close)
	return u, cloudapi.New(srv.URL, "v23.0", srv.Client())
}

// replicaRun is one Manager running as a replica named owner.
type replicaRun struct {
	owner string
	m     *Manager
	stop  func()
}

func runReplica(t *testing.T, st Store, up Upstream, owner string) *replicaRun {
	t.Helper()
	// The lease is long enough that a replica starved of CPU for a while
	// does not lose its senders (and the test would rightly see a sender
	// dispatched by two); the hold is short so the test need not wait.
	m := New(st, up, Config{Owner: owner, LeaseTTL: 3 * time.Second, MinHold: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		ClaimBatch: 16, MaxInFlight: 4, FlushDelay: time.Millisecond,
		TokenFor: func(store.Sender) string { return owner }, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	rr := &replicaRun{owner: owner, m: m}
	rr.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run %s: %v", owner, err)
			}
		})
	}
	t.Cleanup(rr.stop)
	return rr
}

// spread counts the senders each replica holds a live lease on, by the
// store; "" collects senders without one.
func spread(t *testing.T, st *sqlite.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for i := range shareSenders {
		owner, until, err := st.LeaseOwner(context.Background(), leaseName(shareSender(i)))
		if err != nil || !until.After(time.Now()) {
			owner = ""
		}
		out[owner]++
	}
	return out
}

// spreadIs reports whether the replicas hold exactly want senders each (in
// any order) and no sender is without an owner.
func spreadIs(t *testing.T, st *sqlite.Store, replicas []*replicaRun, want ...int) bool {
	got := spread(t, st)
	var counts []int
	for _, r := range replicas {
		counts = append(counts, got[r.owner])
		if n := len(r.m.Owned()); n != got[r.owner] {
			return false // a hand-over under way
		}
	}
	slices.Sort(counts)
	slices.Sort(want)
	return got[""] == 0 && slices.Equal(counts, want)
}

// waitSpread waits, bounded, for the spread to settle at want.
func waitSpread(t *testing.T, st *sqlite.Store, replicas []*replicaRun, what string, want ...int) {
	t.Helper()
	for range 2000 {
		if spreadIs(t, st, replicas, want...) {
			t.Logf("%s: %v", what, spread(t, st))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: spread %v, want %v", what, spread(t, st), want)
}

// TestReplicasShareSenders runs several Managers as replicas on one store:
// a first one takes every sender; two joining it are handed senders until
// the spread is even; a fourth joining later is handed senders too; a replica stopping gives its senders up and the others
// take them. Throughout, each send is made by the replica holding the
// sender's lease at that moment, and every message — moved senders'
// included — is sent exactly once.
func TestReplicasShareSenders(t *testing.T) {
	if testing.Short() {
		t.Skip("runs paced traffic for a few seconds")
	}
	const total = shareMessages + 10
	st := openShared(t)
	up, cl := newLeaseUpstream(t, st)

	// Alone, a replica takes every sender, as a single replica always did.
	a := runReplica(t, st, cl, "a")
	waitSpread(t, st, []*replicaRun{a}, "one replica", shareSenders)

	// Two more: a hands senders over one at a time, once it has held them
	// MinHold, until the spread is even.
	b, c := runReplica(t, st, cl, "b"), runReplica(t, st, cl, "c")
	waitSpread(t, st, []*replicaRun{a, b, c}, "three replicas", 2, 2, 2)

	d := runReplica(t, st, cl, "d")
	waitSpread(t, st, []*replicaRun{a, b, c, d}, "a fourth joined", 1, 1, 2, 2)

	// A stopped replica leaves nothing behind: no sender lease, no
	// liveness lease; the others take its senders at their next tick.
	held := len(b.m.Owned())
	b.stop()
	for i := range shareSenders {
		if owner, _, err := st.LeaseOwner(context.Background(), leaseName(shareSender(i))); err == nil && owner == "b" {
			t.Errorf("sender %s still leased to the stopped replica", shareSender(i))
		}
	}
	live, err := st.ListLeases(context.Background(), replicaLeasePrefix, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range live {
		if l.Owner == "b" {
			t.Errorf("the stopped replica's liveness lease is still there: %+v", l)
		}
	}
	waitSpread(t, st, []*replicaRun{a, c, d}, fmt.Sprintf("b stopped with %d", held), 2, 2, 2)

	// A last few messages per sender, so that every sender's final owner
	// sends too, however fast the first wave went.
	enqueue(t, st, shareMessages, total)

	// Every message goes out exactly once, by whichever replica owned its
	// sender at the time.
	for range 3000 {
		up.mu.Lock()
		n := len(up.sends)
		up.mu.Unlock()
		if n == shareSenders*total {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	for _, v := range up.violations[:min(5, len(up.violations))] {
		t.Error(v)
	}
	var moved []string
	for i := range shareSenders {
		sid := shareSender(i)
		if len(up.owners[sid]) > 1 {
			moved = append(moved, fmt.Sprintf("%s:%s", sid, strings.Join(up.owners[sid], "→")))
		}
		for n := range total {
			if k := up.sends[fmt.Sprintf("%s-%d", sid, n)]; k != 1 {
				t.Errorf("message %d of sender %s sent %d times", n, sid, k)
			}
		}
	}
	if len(up.sends) != shareSenders*total {
		t.Errorf("%d distinct recipients reached, want %d", len(up.sends), shareSenders*total)
	}
	// d was handed a sender and b's moved on: at least two changed hands.
	if len(moved) < 2 {
		t.Errorf("only %d senders sent from more than one replica: %v", len(moved), moved)
	}
	t.Logf("senders that changed hands: %v", moved)
}
