// Package storetest is the conformance suite for store.Store. Every engine
// runs it against a fresh database per subtest; an engine is correct when
// the whole suite passes. The suite pins the behaviour the interface
// documents and a few choices it leaves open:
//
//   - lookups of one missing record (GetTenant, GetSender, GetMessage,
//     GetIdempotency, LeaseOwner, SetSenderState) return store.ErrNotFound;
//     GetWindow returns the zero time and no error;
//   - CommitIntake assigns Message.Seq (increasing in item order) and
//     Decision.ID through the item pointers; AppendDeliveries assigns
//     Delivery.ID;
//   - ClaimMessages does not change Attempts: the dispatcher reports the
//     attempt count in its Outcome;
//   - a lease is lapsed when its expiry is at or before now, and ListLeases
//     leaves lapsed leases out;
//   - ForwardCounts always has the keys "pending", "done" and "dead".
//
// All times are passed in explicitly from a fixed base, so no test depends
// on the wall clock; engines must round-trip times to the millisecond.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
)

// base is the fixed "now" of the suite.
var base = time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)

// Sealer returns a real sealer with a fresh random key, for engines' tests.
func Sealer(t testing.TB) store.Sealer {
	t.Helper()
	b, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatalf("secret box: %v", err)
	}
	return b
}

// Run runs the conformance suite. open must return a fresh, empty store
// isolated from every other call, and arrange for it to be closed (for
// example with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"TenantsAndKeys", testTenantsAndKeys},
		{"APIKeyLifecycle", testAPIKeyLifecycle},
		{"Senders", testSenders},
		{"WABAOwnedByOneTenant", testWABAOwnedByOneTenant},
		{"CommitIntakeBatch", testCommitIntakeBatch},
		{"Idempotency", testIdempotency},
		{"ClaimOrderDueAndLease", testClaimOrderDueAndLease},
		{"ClaimConcurrent", testClaimConcurrent},
		{"RequeueInFlight", testRequeueInFlight},
		{"RecordOutcomes", testRecordOutcomes},
		{"QueueDepthAndDueSenders", testQueueDepthAndDueSenders},
		{"MessageStatusKept", testMessageStatusKept},
		{"FailedStatusOnce", testFailedStatusOnce},
		{"ListDecisions", testListDecisions},
		{"DecisionsByMessage", testDecisionsByMessage},
		{"WarnDecisions", testWarnDecisions},
		{"Deliveries", testDeliveries},
		{"ApplyStatuses", testApplyStatuses},
		{"InboundAndWindows", testInboundAndWindows},
		{"Forwards", testForwards},
		{"ForwardEntryTime", testForwardEntryTime},
		{"ForwardLanes", testForwardLanes},
		{"EventKeys", testEventKeys},
		{"Leases", testLeases},
		{"ListLeases", testListLeases},
		{"OwnedObjects", testOwnedObjects},
		{"ConsentLedger", testConsentLedger}, {"ConsentRefusals", testConsentRefusals},
		{"Templates", testTemplates},
		{"Identities", testIdentities},
		{"SenderHealthAndPortfolios", testSenderHealthAndPortfolios},
		{"PortfolioReach", testPortfolioReach},
		{"PortfolioReachConcurrent", testPortfolioReachConcurrent},
		{"ReserveReaches", testReserveReaches}, {"SenderAllowance", testSenderAllowance}, {"Warmups", testWarmups}, {"ReadyAt", testReadyAt},
		{"EraseContact", testEraseContact},
		{"ByRecipient", testByRecipient}, {"LastFailedWith", testLastFailedWith}, {"ConsentBatch", testConsentBatch}, {"InboundFrom", testInboundFrom},
		{"Users", testUsers}, {"DailyStatusCounts", testDailyStatusCounts},
		{"ContentModels", testContentModels},
		{"Cadence", testCadence}, {"CadenceConcurrent", testCadenceConcurrent},
		{"Contacts", testContacts}, {"Audiences", testAudiences}, {"ContactImports", testContactImports},
		{"Sessions", testSessions}, {"GetUser", testGetUser}, {"SenderDailyStatusCounts", testSenderDailyStatusCounts},
		{"EventForwards", testEventForwards},
		{"AppealReads", testAppealReads},
		{"RiskCounts", testRiskCounts}, {"Brakes", testBrakes}, {"Incidents", testIncidents},
		{"StageRollsBack", testStageRollsBack},
		{"Campaigns", testCampaigns},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// ---- helpers ----

func ctx(t *testing.T) context.Context { return t.Context() }

// sameTime reports whether two instants are equal to the millisecond; zero
// times must stay zero.
func sameTime(got, want time.Time) bool {
	if want.IsZero() || got.IsZero() {
		return want.IsZero() == got.IsZero()
	}
	d := got.Sub(want)
	return d > -time.Millisecond && d < time.Millisecond
}

func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !sameTime(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

// body is a realistic Graph send body.
func body(id string) []byte {
	return fmt.Appendf(nil, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"4915112345678","type":"text","text":{"preview_url":false,"body":"order %s has shipped"}}`, id)
}

func newMsg(id, tenant, sender string, at time.Time) *store.Message {
	return &store.Message{
		ID:            id,
		TenantID:      tenant,
		SenderID:      sender,
		Input:         "+49 151 12345678",
		WaID:          "4915112345678",
		Type:          "text",
		Category:      "utility",
		Body:          body(id),
		State:         store.StateQueued,
		NextAttemptAt: at,
		CreatedAt:     at,
		UpdatedAt:     at,
	}
}

func accepted(m *store.Message) *store.Intake {
	return &store.Intake{
		Message: m,
		Decision: store.Decision{
			TenantID:  m.TenantID,
			SenderID:  m.SenderID,
			MessageID: m.ID,
			WaID:      m.WaID,
			Outcome:   store.OutcomeAllow,
			CreatedAt: m.CreatedAt,
		},
	}
}

func rejected(tenant, sender string, at time.Time) *store.Intake {
	return &store.Intake{Decision: store.Decision{
		TenantID:  tenant,
		SenderID:  sender,
		Outcome:   store.OutcomeReject,
		Rule:      "recipient",
		Code:      "recipient.invalid",
		GraphCode: 131026,
		Reason:    "the recipient is not a valid phone number",
		CreatedAt: at,
	}}
}

// enqueue commits queued messages with the given ids for one sender.
func enqueue(t *testing.T, s store.Store, sender string, at time.Time, ids ...string) []*store.Message {
	t.Helper()
	var items []*store.Intake
	var msgs []*store.Message
	for _, id := range ids {
		m := newMsg(id, "t1", sender, at)
		msgs = append(msgs, m)
		items = append(items, accepted(m))
	}
	must(t, s.CommitIntake(ctx(t), items))
	return msgs
}

func ids(ms []store.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func claim(t *testing.T, s store.Store, sender string, now time.Time, limit int) []store.Message {
	t.Helper()
	ms, err := s.ClaimMessages(ctx(t), sender, now, limit, time.Minute)
	must(t, err)
	return ms
}

func checkIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// ---- tests ----

func testPing(t *testing.T, s store.Store) {
	must(t, s.Ping(ctx(t)))
}

func testTenantsAndKeys(t *testing.T, s store.Store) {
	c := ctx(t)
	t1 := store.Tenant{ID: "t1", Name: "Acme", WebhookURL: "https://acme.example/hook", WebhookSecret: "whsec-acme-1", CreatedAt: base}
	t2 := store.Tenant{ID: "t2", Name: "Globex", WebhookURL: "https://globex.example/hook", WebhookSecret: "", CreatedAt: base.Add(time.Second)}
	must(t, s.PutTenant(c, t1))
	must(t, s.PutTenant(c, t2))

	got, err := s.GetTenant(c, "t1")
	must(t, err)
	if got.ID != t1.ID || got.Name != t1.Name || got.WebhookURL != t1.WebhookURL || got.WebhookSecret != t1.WebhookSecret {
		t.Errorf("GetTenant = %+v, want %+v", got, t1)
	}
	checkTime(t, "tenant CreatedAt", got.CreatedAt, t1.CreatedAt)
	got, err = s.GetTenant(c, "t2")
	must(t, err)
	if got.WebhookSecret != "" {
		t.Errorf("empty secret came back as %q", got.WebhookSecret)
	}
	_, err = s.GetTenant(c, "nope")
	wantNotFound(t, "GetTenant(nope)", err)

	// Put replaces.
	t1.Name, t1.WebhookSecret = "Acme Corp", "whsec-acme-2"
	must(t, s.PutTenant(c, t1))
	got, err = s.GetTenant(c, "t1")
	must(t, err)
	if got.Name != "Acme Corp" || got.WebhookSecret != "whsec-acme-2" {
		t.Errorf("after replace: %+v", got)
	}

	list, err := s.ListTenants(c)
	must(t, err)
	var names []string
	for _, x := range list {
		names = append(names, x.ID)
	}
	sort.Strings(names)
	checkIDs(t, "ListTenants", names, []string{"t1", "t2"})

	key, keyID := secret.NewAPIKey()
	hash := secret.HashAPIKey(key)
	must(t, s.PutAPIKey(c, store.APIKey{ID: keyID, TenantID: "t1", Hash: hash, CreatedAt: base}))
	other, otherID := secret.NewAPIKey()
	must(t, s.PutAPIKey(c, store.APIKey{ID: otherID, TenantID: "t2", Hash: secret.HashAPIKey(other), CreatedAt: base}))

	got, err = s.TenantByKeyHash(c, hash)
	must(t, err)
	if got.ID != "t1" || got.WebhookSecret != "whsec-acme-2" {
		t.Errorf("TenantByKeyHash = %+v, want t1 with its secret", got)
	}
	got, err = s.TenantByKeyHash(c, secret.HashAPIKey(other))
	must(t, err)
	if got.ID != "t2" {
		t.Errorf("TenantByKeyHash(other) = %s, want t2", got.ID)
	}
	_, err = s.TenantByKeyHash(c, secret.HashAPIKey("wg_unknown"))
	wantNotFound(t, "TenantByKeyHash(unknown)", err)

	must(t, s.RevokeAPIKey(c, keyID))
	_, err = s.TenantByKeyHash(c, hash)
	wantNotFound(t, "TenantByKeyHash(revoked)", err)
	// Revoking one key leaves the others usable.
	_, err = s.TenantByKeyHash(c, secret.HashAPIKey(other))
	must(t, err)
}

func testSenders(t *testing.T, s store.Store) {
	c := ctx(t)
	senders := []store.Sender{
		{PhoneNumberID: "p1", TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "+1 555 0100", ThroughputMPS: 80, AccessToken: "EAAG-token-p1", State: store.SenderActive},
		{PhoneNumberID: "p2", TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "+1 555 0101", ThroughputMPS: 0, State: store.SenderActive},
		{PhoneNumberID: "p3", TenantID: "t2", WABAID: "w2", DisplayPhoneNumber: "+1 555 0102", ThroughputMPS: 1000, AccessToken: "EAAG-token-p3", State: store.SenderActive},
	}
	for _, x := range senders {
		must(t, s.PutSender(c, x))
	}
	for _, want := range senders {
		got, err := s.GetSender(c, want.PhoneNumberID)
		must(t, err)
		if got.PhoneNumberID != want.PhoneNumberID || got.TenantID != want.TenantID || got.WABAID != want.WABAID ||
			got.DisplayPhoneNumber != want.DisplayPhoneNumber || got.ThroughputMPS != want.ThroughputMPS ||
			got.AccessToken != want.AccessToken || got.State != want.State {
			t.Errorf("GetSender(%s) = %+v, want %+v", want.PhoneNumberID, got, want)
		}
	}
	_, err := s.GetSender(c, "nope")
	wantNotFound(t, "GetSender(nope)", err)

	all, err := s.ListSenders(c)
	must(t, err)
	if len(all) != 3 {
		t.Errorf("ListSenders: %d senders, want 3", len(all))
	}
	w1, err := s.SendersByWABA(c, "w1")
	must(t, err)
	var got []string
	for _, x := range w1 {
		got = append(got, x.PhoneNumberID)
	}
	sort.Strings(got)
	checkIDs(t, "SendersByWABA(w1)", got, []string{"p1", "p2"})
	none, err := s.SendersByWABA(c, "w9")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("SendersByWABA(w9) = %v, want none", none)
	}

	stopAt := base.Add(5 * time.Minute)
	must(t, s.SetSenderState(c, "p1", store.SenderStopped, 131042, "payment issue on the WABA", stopAt))
	p1, err := s.GetSender(c, "p1")
	must(t, err)
	if p1.State != store.SenderStopped || p1.StateCode != 131042 || p1.StateReason != "payment issue on the WABA" {
		t.Errorf("after stop: %+v", p1)
	}
	checkTime(t, "StateChangedAt", p1.StateChangedAt, stopAt)
	if p1.AccessToken != "EAAG-token-p1" {
		t.Errorf("SetSenderState lost the token: %q", p1.AccessToken)
	}
	must(t, s.SetSenderState(c, "p1", store.SenderActive, 0, "", stopAt.Add(time.Hour)))
	p1, err = s.GetSender(c, "p1")
	must(t, err)
	if p1.State != store.SenderActive || p1.StateCode != 0 {
		t.Errorf("after resume: %+v", p1)
	}
	wantNotFound(t, "SetSenderState(nope)", s.SetSenderState(c, "nope", store.SenderStopped, 1, "x", base))

	// Put replaces, including the token.
	senders[2].AccessToken = "EAAG-rotated"
	must(t, s.PutSender(c, senders[2]))
	p3, err := s.GetSender(c, "p3")
	must(t, err)
	if p3.AccessToken != "EAAG-rotated" {
		t.Errorf("rotated token = %q", p3.AccessToken)
	}
}

func testCommitIntakeBatch(t *testing.T, s store.Store) {
	c := ctx(t)
	var items []*store.Intake
	for i := range 600 {
		sender := "p1"
		if i%3 == 0 {
			sender = "p2"
		}
		items = append(items, accepted(newMsg(fmt.Sprintf("wamid.GW%04d", i), "t1", sender, base.Add(time.Duration(i)*time.Millisecond))))
		if i%100 == 0 {
			items = append(items, rejected("t1", sender, base))
		}
	}
	must(t, s.CommitIntake(c, items))

	var lastSeq int64
	decIDs := map[int64]bool{}
	for i, it := range items {
		if it.Duplicate {
			t.Fatalf("item %d marked duplicate without a key", i)
		}
		if it.Decision.ID == 0 || decIDs[it.Decision.ID] {
			t.Fatalf("item %d: decision id %d not assigned or repeated", i, it.Decision.ID)
		}
		decIDs[it.Decision.ID] = true
		if it.Message == nil {
			continue
		}
		if it.Message.Seq <= lastSeq {
			t.Fatalf("item %d: seq %d not increasing after %d", i, it.Message.Seq, lastSeq)
		}
		lastSeq = it.Message.Seq
	}

	want := items[0].Message
	got, err := s.GetMessage(c, want.ID)
	must(t, err)
	if got.ID != want.ID || got.Seq != want.Seq || got.TenantID != want.TenantID || got.SenderID != want.SenderID ||
		got.Input != want.Input || got.WaID != want.WaID || got.Type != want.Type || got.Category != want.Category ||
		!bytes.Equal(got.Body, want.Body) || got.State != store.StateQueued || got.Attempts != 0 || got.MetaID != "" {
		t.Errorf("GetMessage = %+v\nwant %+v", got, *want)
	}
	checkTime(t, "NextAttemptAt", got.NextAttemptAt, want.NextAttemptAt)
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, "ClaimedUntil", got.ClaimedUntil, time.Time{})
	_, err = s.GetMessage(c, "wamid.nope")
	wantNotFound(t, "GetMessage(nope)", err)

	decs, err := s.ListDecisions(c, store.DecisionFilter{})
	must(t, err)
	if len(decs) != len(items) {
		t.Errorf("ListDecisions: %d, want %d", len(decs), len(items))
	}
	depth, err := s.QueueDepth(c)
	must(t, err)
	if depth["p1"] != 400 || depth["p2"] != 200 {
		t.Errorf("QueueDepth = %v, want p1:400 p2:200", depth)
	}

	// An empty batch is fine.
	must(t, s.CommitIntake(c, nil))
}

func testIdempotency(t *testing.T, s store.Store) {
	c := ctx(t)
	withKey := func(m *store.Message, key string, resp string) *store.Intake {
		it := accepted(m)
		it.Idempotency = &store.Idempotency{TenantID: m.TenantID, Key: key, StatusCode: 200, Response: []byte(resp), CreatedAt: m.CreatedAt}
		return it
	}
	first := withKey(newMsg("m1", "t1", "p1", base), "k1", `{"messages":[{"id":"m1"}]}`)
	must(t, s.CommitIntake(c, []*store.Intake{first}))
	if first.Duplicate {
		t.Fatal("first use of a key marked duplicate")
	}

	batch := []*store.Intake{
		withKey(newMsg("m2", "t1", "p1", base), "k1", `{"messages":[{"id":"m2"}]}`), // replay of k1
		withKey(newMsg("m3", "t1", "p1", base), "k2", `{"messages":[{"id":"m3"}]}`), // new
		withKey(newMsg("m4", "t1", "p1", base), "k2", `{"messages":[{"id":"m4"}]}`), // k2 again, same batch
		accepted(newMsg("m5", "t1", "p1", base)),                                    // no key
		withKey(newMsg("m6", "t2", "p1", base), "k1", `{"messages":[{"id":"m6"}]}`), // k1 of another tenant
	}
	must(t, s.CommitIntake(c, batch))
	wantDup := []bool{true, false, true, false, false}
	for i, it := range batch {
		if it.Duplicate != wantDup[i] {
			t.Errorf("batch[%d].Duplicate = %v, want %v", i, it.Duplicate, wantDup[i])
		}
	}
	for _, id := range []string{"m2", "m4"} {
		_, err := s.GetMessage(c, id)
		wantNotFound(t, "duplicate's message "+id, err)
	}
	for _, id := range []string{"m1", "m3", "m5", "m6"} {
		_, err := s.GetMessage(c, id)
		must(t, err)
	}

	idem, err := s.GetIdempotency(c, "t1", "k1")
	must(t, err)
	if idem.TenantID != "t1" || idem.Key != "k1" || idem.StatusCode != 200 || string(idem.Response) != `{"messages":[{"id":"m1"}]}` {
		t.Errorf("GetIdempotency(t1,k1) = %+v", idem)
	}
	checkTime(t, "idempotency CreatedAt", idem.CreatedAt, base)
	idem, err = s.GetIdempotency(c, "t1", "k2")
	must(t, err)
	if string(idem.Response) != `{"messages":[{"id":"m3"}]}` {
		t.Errorf("GetIdempotency(t1,k2) = %s, want m3's answer", idem.Response)
	}
	idem, err = s.GetIdempotency(c, "t2", "k1")
	must(t, err)
	if string(idem.Response) != `{"messages":[{"id":"m6"}]}` {
		t.Errorf("GetIdempotency(t2,k1) = %s", idem.Response)
	}
	_, err = s.GetIdempotency(c, "t1", "k9")
	wantNotFound(t, "GetIdempotency(k9)", err)

	// Nothing of a duplicate is written, not even its decision.
	decs, err := s.ListDecisions(c, store.DecisionFilter{})
	must(t, err)
	if len(decs) != 4 {
		t.Errorf("%d decisions stored, want 4 (duplicates write nothing)", len(decs))
	}
	for _, d := range decs {
		if d.MessageID == "m2" || d.MessageID == "m4" {
			t.Errorf("decision of duplicate %s stored", d.MessageID)
		}
	}
}

func testClaimOrderDueAndLease(t *testing.T, s store.Store) {
	c := ctx(t)
	// Ids sort against insertion order, so ordering by id would fail.
	enqueue(t, s, "p1", base, "z5", "y4")
	later := newMsg("x3", "t1", "p1", base)
	later.NextAttemptAt = base.Add(time.Hour)
	must(t, s.CommitIntake(c, []*store.Intake{accepted(later)}))
	enqueue(t, s, "p1", base, "w2", "v1")
	enqueue(t, s, "p2", base, "other")

	lease := time.Minute
	got, err := s.ClaimMessages(c, "p1", base, 3, lease)
	must(t, err)
	checkIDs(t, "first claim", ids(got), []string{"z5", "y4", "w2"})
	for _, m := range got {
		if m.State != store.StateSending {
			t.Errorf("claimed %s in state %s", m.ID, m.State)
		}
		checkTime(t, "ClaimedUntil of "+m.ID, m.ClaimedUntil, base.Add(lease))
		if m.SenderID != "p1" || !bytes.Equal(m.Body, body(m.ID)) || m.Attempts != 0 {
			t.Errorf("claimed message %+v", m)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Errorf("claim not ordered by seq: %v", got)
		}
	}
	stored, err := s.GetMessage(c, "z5")
	must(t, err)
	if stored.State != store.StateSending {
		t.Errorf("stored state after claim = %s", stored.State)
	}

	checkIDs(t, "second claim", ids(claim(t, s, "p1", base, 10)), []string{"v1"})
	checkIDs(t, "claim while leased", ids(claim(t, s, "p1", base.Add(30*time.Second), 10)), nil)
	// Expired claims come back, still oldest first; x3 is not due yet.
	checkIDs(t, "claim after lapse", ids(claim(t, s, "p1", base.Add(lease+time.Second), 10)), []string{"z5", "y4", "w2", "v1"})
	// By x3's time the claims above have lapsed again: queued and lapsed
	// sending rows come back merged in seq order.
	checkIDs(t, "claim at x3's time", ids(claim(t, s, "p1", base.Add(time.Hour), 10)), []string{"z5", "y4", "x3", "w2", "v1"})
	checkIDs(t, "other sender", ids(claim(t, s, "p2", base, 10)), []string{"other"})
	checkIDs(t, "unknown sender", ids(claim(t, s, "p9", base, 10)), nil)
}

func testClaimConcurrent(t *testing.T, s store.Store) {
	const n = 400
	var all []string
	for i := range n {
		all = append(all, fmt.Sprintf("m%03d", i))
	}
	enqueue(t, s, "p1", base, all...)

	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			for {
				ms, err := s.ClaimMessages(context.Background(), "p1", base, 7, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					seen[m.ID]++
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
	if len(seen) != n {
		t.Errorf("claimed %d distinct messages, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s claimed %d times", id, k)
		}
	}
}

func testRequeueInFlight(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "a", "b", "c", "d", "e")
	enqueue(t, s, "p2", base, "f")
	claim(t, s, "p1", base, 3)
	claim(t, s, "p2", base, 1)

	n, err := s.RequeueInFlight(c, "p1")
	must(t, err)
	if n != 3 {
		t.Errorf("RequeueInFlight = %d, want 3", n)
	}
	m, err := s.GetMessage(c, "a")
	must(t, err)
	if m.State != store.StateQueued {
		t.Errorf("requeued state = %s", m.State)
	}
	checkIDs(t, "claim after requeue", ids(claim(t, s, "p1", base, 10)), []string{"a", "b", "c", "d", "e"})
	f, err := s.GetMessage(c, "f")
	must(t, err)
	if f.State != store.StateSending {
		t.Errorf("other sender's message requeued: %s", f.State)
	}
	n, err = s.RequeueInFlight(c, "p9")
	must(t, err)
	if n != 0 {
		t.Errorf("RequeueInFlight(p9) = %d", n)
	}
}

func testRecordOutcomes(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "m1", "m2", "m3")
	claim(t, s, "p1", base, 10)

	at := base.Add(time.Second)
	retryAt := base.Add(10 * time.Minute)
	outcomes := []store.Outcome{
		{MessageID: "m1", State: store.StateSent, MetaID: "wamid.META1", WaID: "4915112345678", Attempts: 1, At: at},
		{MessageID: "m2", State: store.StateQueued, Attempts: 1, NextAttemptAt: retryAt, ErrorCode: 130429, ErrorDetail: "rate limit hit", At: at},
		{MessageID: "m3", State: store.StateFailed, Attempts: 1, ErrorCode: 131026, ErrorDetail: "message undeliverable", At: at},
	}
	fwd := store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages", Value: []byte(`{"statuses":[{"id":"m3","status":"failed"}]}`), CreatedAt: at, NextAttemptAt: at}
	must(t, s.RecordOutcomes(c, outcomes, []store.Forward{fwd}))

	m1, err := s.GetMessage(c, "m1")
	must(t, err)
	if m1.State != store.StateSent || m1.MetaID != "wamid.META1" || m1.Attempts != 1 {
		t.Errorf("m1 = %+v", m1)
	}
	checkTime(t, "m1 UpdatedAt", m1.UpdatedAt, at)
	m2, err := s.GetMessage(c, "m2")
	must(t, err)
	if m2.State != store.StateQueued || m2.Attempts != 1 || m2.ErrorCode != 130429 || m2.ErrorDetail != "rate limit hit" {
		t.Errorf("m2 = %+v", m2)
	}
	checkTime(t, "m2 NextAttemptAt", m2.NextAttemptAt, retryAt)
	m3, err := s.GetMessage(c, "m3")
	must(t, err)
	if m3.State != store.StateFailed || m3.ErrorCode != 131026 || m3.ErrorDetail != "message undeliverable" {
		t.Errorf("m3 = %+v", m3)
	}

	refs, err := s.MessagesByMetaID(c, []string{"wamid.META1", "wamid.UNKNOWN"})
	must(t, err)
	if len(refs) != 1 {
		t.Errorf("MessagesByMetaID = %v, want one entry", refs)
	}
	want := store.MessageRef{ID: "m1", TenantID: "t1", SenderID: "p1", State: store.StateSent}
	if refs["wamid.META1"] != want {
		t.Errorf("ref = %+v, want %+v", refs["wamid.META1"], want)
	}
	refs, err = s.MessagesByMetaID(c, nil)
	must(t, err)
	if len(refs) != 0 {
		t.Errorf("MessagesByMetaID(nil) = %v", refs)
	}

	// Nothing is due before the retry; the retried message comes back then,
	// and sent or failed messages never do.
	checkIDs(t, "claim before retry", ids(claim(t, s, "p1", base.Add(2*time.Minute), 10)), nil)
	got := claim(t, s, "p1", retryAt, 10)
	checkIDs(t, "claim at retry", ids(got), []string{"m2"})
	if len(got) == 1 && got[0].Attempts != 1 {
		t.Errorf("retried message attempts = %d", got[0].Attempts)
	}
	// Only m2 again, its claim having lapsed; sent and failed never return.
	checkIDs(t, "claim much later", ids(claim(t, s, "p1", base.Add(24*time.Hour), 10)), []string{"m2"})

	fs, err := s.ClaimForwards(c, at, 10, time.Minute)
	must(t, err)
	if len(fs) != 1 || fs[0].TenantID != "t1" || fs[0].WABAID != "w1" || fs[0].Field != "messages" || !bytes.Equal(fs[0].Value, fwd.Value) || fs[0].ID == 0 {
		t.Errorf("forwards after RecordOutcomes = %+v", fs)
	}
	must(t, s.RecordOutcomes(c, nil, nil))
}

func testQueueDepthAndDueSenders(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "a1", "a2", "a3")
	enqueue(t, s, "p2", base.Add(time.Hour), "b1")
	enqueue(t, s, "p3", base, "c1", "c2")
	// p2's message is scheduled later.
	later := newMsg("b2", "t1", "p2", base)
	later.NextAttemptAt = base.Add(time.Hour)
	must(t, s.CommitIntake(c, []*store.Intake{accepted(later)}))

	claim(t, s, "p1", base, 1)
	claim(t, s, "p3", base, 2)
	must(t, s.RecordOutcomes(c, []store.Outcome{
		{MessageID: "c1", State: store.StateSent, MetaID: "wamid.C1", Attempts: 1, At: base},
		{MessageID: "c2", State: store.StateFailed, Attempts: 1, ErrorCode: 131026, At: base},
	}, nil))

	depth, err := s.QueueDepth(c)
	must(t, err)
	if depth["p1"] != 3 || depth["p2"] != 2 || depth["p3"] != 0 {
		t.Errorf("QueueDepth = %v, want p1:3 p2:2 p3:0", depth)
	}
	// The oldest by acceptance, not by queue order: p2's b2 was accepted
	// (at base) after b1 was queued (accepted at base+1h). p3 has nothing
	// left, and p1's oldest is in flight.
	oldest, err := s.OldestUnsent(c)
	must(t, err)
	if len(oldest) != 2 || !oldest["p1"].Equal(base) || !oldest["p2"].Equal(base) {
		t.Errorf("OldestUnsent = %v, want p1 and p2 at %v", oldest, base)
	}
	must(t, s.RecordOutcomes(c, []store.Outcome{{MessageID: "b2", State: store.StateSent, MetaID: "wamid.B2", Attempts: 1, At: base}}, nil))
	oldest, err = s.OldestUnsent(c)
	must(t, err)
	if !oldest["p2"].Equal(base.Add(time.Hour)) {
		t.Errorf("OldestUnsent[p2] after b2 was sent = %v, want %v", oldest["p2"], base.Add(time.Hour))
	}

	due, err := s.SendersWithDueMessages(c, base)
	must(t, err)
	sort.Strings(due)
	checkIDs(t, "due at base", due, []string{"p1"})
	due, err = s.SendersWithDueMessages(c, base.Add(time.Hour))
	must(t, err)
	sort.Strings(due)
	// p1's claimed message has an expired claim by then: still due.
	checkIDs(t, "due in an hour", due, []string{"p1", "p2"})
	claim(t, s, "p1", base, 10)
	due, err = s.SendersWithDueMessages(c, base.Add(30*time.Second))
	must(t, err)
	checkIDs(t, "due while all claimed", due, nil)
}

func testListDecisions(t *testing.T, s store.Store) {
	c := ctx(t)
	var items []*store.Intake
	for i := range 5 {
		items = append(items, accepted(newMsg(fmt.Sprintf("m%d", i), "t1", "p1", base.Add(time.Duration(i)*time.Second))))
	}
	rej := rejected("t1", "p2", base)
	items = append(items, rej)
	def := accepted(newMsg("d1", "t2", "p3", base))
	def.Decision.Outcome = store.OutcomeDefer
	def.Decision.Rule = "quiet-hours"
	def.Decision.Code = "schedule.quiet_hours"
	def.Decision.Reason = "recipient's local time is 23:10"
	def.Decision.Until = base.Add(8 * time.Hour)
	items = append(items, def)
	must(t, s.CommitIntake(c, items))

	all, err := s.ListDecisions(c, store.DecisionFilter{})
	must(t, err)
	if len(all) != 7 {
		t.Fatalf("ListDecisions() = %d, want 7", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Errorf("not newest first: id %d after %d", all[i].ID, all[i-1].ID)
		}
	}

	tests := []struct {
		name string
		f    store.DecisionFilter
		want int
	}{
		{"tenant", store.DecisionFilter{TenantID: "t1"}, 6},
		{"sender", store.DecisionFilter{SenderID: "p1"}, 5},
		{"outcome", store.DecisionFilter{Outcome: store.OutcomeReject}, 1},
		{"tenant+outcome", store.DecisionFilter{TenantID: "t2", Outcome: store.OutcomeDefer}, 1},
		{"no match", store.DecisionFilter{TenantID: "t2", Outcome: store.OutcomeReject}, 0},
		{"limit", store.DecisionFilter{TenantID: "t1", Limit: 2}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListDecisions(c, tc.f)
			must(t, err)
			if len(got) != tc.want {
				t.Errorf("got %d decisions, want %d", len(got), tc.want)
			}
			for _, d := range got {
				if (tc.f.TenantID != "" && d.TenantID != tc.f.TenantID) || (tc.f.SenderID != "" && d.SenderID != tc.f.SenderID) ||
					(tc.f.Outcome != "" && d.Outcome != tc.f.Outcome) {
					t.Errorf("decision %+v does not match filter %+v", d, tc.f)
				}
			}
		})
	}

	limited, err := s.ListDecisions(c, store.DecisionFilter{SenderID: "p1", Limit: 1})
	must(t, err)
	if len(limited) == 1 && limited[0].MessageID != "m4" {
		t.Errorf("newest p1 decision = %s, want m4", limited[0].MessageID)
	}
	got, err := s.ListDecisions(c, store.DecisionFilter{Outcome: store.OutcomeDefer})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("defer decisions = %d", len(got))
	}
	d := got[0]
	if d.Rule != "quiet-hours" || d.Code != "schedule.quiet_hours" || d.Reason != def.Decision.Reason || d.MessageID != "d1" || d.SenderID != "p3" || d.WaID != "4915112345678" {
		t.Errorf("defer decision = %+v", d)
	}
	checkTime(t, "Until", d.Until, def.Decision.Until)
	got, err = s.ListDecisions(c, store.DecisionFilter{Outcome: store.OutcomeReject})
	must(t, err)
	if len(got) == 1 && (got[0].GraphCode != 131026 || got[0].MessageID != "" || got[0].Code != "recipient.invalid") {
		t.Errorf("reject decision = %+v", got[0])
	}
}

func testDeliveries(t *testing.T, s store.Store) {
	c := ctx(t)
	d1 := &store.Delivery{DedupeKey: "k1", Body: []byte(`{"object":"whatsapp_business_account","entry":[1]}`), ReceivedAt: base}
	d2 := &store.Delivery{DedupeKey: "k2", Body: []byte(`{"object":"whatsapp_business_account","entry":[2]}`), ReceivedAt: base.Add(time.Millisecond)}
	d1again := &store.Delivery{DedupeKey: "k1", Body: d1.Body, ReceivedAt: base.Add(2 * time.Millisecond)}
	must(t, s.AppendDeliveries(c, []*store.Delivery{d1, d2, d1again}))
	if d1.Duplicate || d2.Duplicate || !d1again.Duplicate {
		t.Errorf("Duplicate flags = %v %v %v, want false false true", d1.Duplicate, d2.Duplicate, d1again.Duplicate)
	}
	if d1.ID == 0 || d2.ID == 0 || d1.ID == d2.ID {
		t.Errorf("delivery ids %d %d", d1.ID, d2.ID)
	}
	d2again := &store.Delivery{DedupeKey: "k2", Body: d2.Body, ReceivedAt: base.Add(time.Second)}
	must(t, s.AppendDeliveries(c, []*store.Delivery{d2again}))
	if !d2again.Duplicate {
		t.Error("redelivery in a later call not marked duplicate")
	}

	lease := 30 * time.Second
	got, err := s.ClaimDeliveries(c, base.Add(time.Second), 10, lease)
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("ClaimDeliveries = %d, want 2", len(got))
	}
	byID := map[int64]store.Delivery{}
	for _, d := range got {
		byID[d.ID] = d
	}
	if g := byID[d1.ID]; g.DedupeKey != "k1" || !bytes.Equal(g.Body, d1.Body) || !sameTime(g.ReceivedAt, base) {
		t.Errorf("claimed delivery = %+v", g)
	}
	again, err := s.ClaimDeliveries(c, base.Add(2*time.Second), 10, lease)
	must(t, err)
	if len(again) != 0 {
		t.Errorf("leased deliveries claimed again: %d", len(again))
	}
	limited, err := s.ClaimDeliveries(c, base.Add(lease+2*time.Second), 1, lease)
	must(t, err)
	if len(limited) != 1 {
		t.Errorf("limit 1 after lapse: %d", len(limited))
	}

	must(t, s.ApplyWebhooks(c, store.WebhookApply{
		Done:  []int64{d1.ID},
		Retry: []store.DeliveryRetry{{ID: d2.ID, Attempts: 1, NextAt: base.Add(time.Hour)}},
	}))
	got, err = s.ClaimDeliveries(c, base.Add(10*time.Minute), 10, lease)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("claimable before retry time: %+v", got)
	}
	got, err = s.ClaimDeliveries(c, base.Add(time.Hour), 10, lease)
	must(t, err)
	if len(got) != 1 || got[0].ID != d2.ID || got[0].Attempts != 1 {
		t.Errorf("claim at retry time = %+v, want d2 with 1 attempt", got)
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{
		Retry: []store.DeliveryRetry{{ID: d2.ID, Attempts: 2, NextAt: base.Add(2 * time.Hour), GiveUp: true}},
	}))
	got, err = s.ClaimDeliveries(c, base.Add(48*time.Hour), 10, lease)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("done or given-up deliveries claimable: %+v", got)
	}
}

// forwardingNew applies statuses and, as the forward stager does, stages a
// forward for each one the store reports new, checking that report against
// want.
func forwardingNew(t *testing.T, want []bool, sts ...store.StatusApply) store.WebhookApply {
	t.Helper()
	return store.WebhookApply{Statuses: sts, Stage: func(_ context.Context, fresh []bool) (store.Staged, error) {
		if !slices.Equal(fresh, want) {
			t.Errorf("new statuses = %v, want %v", fresh, want)
		}
		var staged store.Staged
		for i, sa := range sts {
			if i < len(fresh) && fresh[i] {
				staged.Forwards = append(staged.Forwards, store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages",
					Value:     fmt.Appendf(nil, `{"statuses":[{"id":%q,"status":%q}]}`, sa.Event.MessageID, sa.Event.Status),
					CreatedAt: base, NextAttemptAt: base})
			}
		}
		return staged, nil
	}}
}

func testApplyStatuses(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "m1", "m2", "m3")
	claim(t, s, "p1", base, 10)
	must(t, s.RecordOutcomes(c, []store.Outcome{
		{MessageID: "m1", State: store.StateSent, MetaID: "wamid.A", Attempts: 1, At: base},
		{MessageID: "m2", State: store.StateSent, MetaID: "wamid.B", Attempts: 1, At: base},
		{MessageID: "m3", State: store.StateSent, MetaID: "wamid.C", Attempts: 1, At: base},
	}, nil))

	st := func(msg, meta, status string, state store.MessageState, sec int) store.StatusApply {
		return store.StatusApply{
			Event: store.StatusEvent{MessageID: msg, MetaID: meta, Status: status, Timestamp: base.Add(time.Duration(sec) * time.Second)},
			State: state,
		}
	}
	failed := st("m2", "wamid.B", "failed", store.StateFailed, 2)
	failed.Event.ErrorCode = 131047
	must(t, s.ApplyWebhooks(c, forwardingNew(t, []bool{true, false, true, true},
		st("m1", "wamid.A", "delivered", store.StateDelivered, 1),
		st("m1", "wamid.A", "delivered", store.StateDelivered, 1), // duplicate in the same call
		failed,
		st("m3", "wamid.C", "read", store.StateRead, 5), // read overtook delivered
	)))
	must(t, s.ApplyWebhooks(c, forwardingNew(t, []bool{false, true, true, true},
		st("m1", "wamid.A", "delivered", store.StateDelivered, 1), // redelivered by Meta
		st("m3", "wamid.C", "delivered", store.StateDelivered, 3), // late, must not move back
		st("m2", "wamid.B", "read", store.StateRead, 6),           // after failed: terminal
		st("m1", "wamid.A", "read", store.StateRead, 7),
	)))

	wantStates := map[string]store.MessageState{"m1": store.StateRead, "m2": store.StateFailed, "m3": store.StateRead}
	for id, want := range wantStates {
		m, err := s.GetMessage(c, id)
		must(t, err)
		if m.State != want {
			t.Errorf("%s state = %s, want %s", id, m.State, want)
		}
	}

	evs, err := s.StatusEvents(c, "m1")
	must(t, err)
	var statuses []string
	for _, e := range evs {
		statuses = append(statuses, e.Status)
		if e.MetaID != "wamid.A" || e.MessageID != "m1" {
			t.Errorf("event %+v", e)
		}
	}
	sort.Strings(statuses)
	checkIDs(t, "m1 events", statuses, []string{"delivered", "read"})
	evs, err = s.StatusEvents(c, "m2")
	must(t, err)
	if len(evs) != 2 {
		t.Errorf("m2 events = %+v, want failed and read", evs)
	}
	for _, e := range evs {
		if e.Status == "failed" {
			if e.ErrorCode != 131047 {
				t.Errorf("failed event code = %d", e.ErrorCode)
			}
			checkTime(t, "failed event time", e.Timestamp, base.Add(2*time.Second))
		}
	}

	// One forward per new event: m1 delivered, m1 read, m2 failed, m2 read,
	// m3 read, m3 delivered.
	fs, err := s.ClaimForwards(c, base, 100, time.Minute)
	must(t, err)
	if len(fs) != 6 {
		var vals []string
		for _, f := range fs {
			vals = append(vals, string(f.Value))
		}
		t.Errorf("forwards = %d, want 6: %v", len(fs), vals)
	}
	counts := map[string]int{}
	for _, f := range fs {
		counts[string(f.Value)]++
	}
	for v, n := range counts {
		if n != 1 {
			t.Errorf("forward %s enqueued %d times", v, n)
		}
	}
}

func testInboundAndWindows(t *testing.T, s store.Store) {
	c := ctx(t)
	in := func(id, from string, sec int) store.InboundMessage {
		return store.InboundMessage{ID: id, SenderID: "p1", From: from, Type: "text",
			Timestamp:  base.Add(time.Duration(sec) * time.Second),
			Body:       fmt.Appendf(nil, `{"from":%q,"id":%q,"type":"text","text":{"body":"hi"}}`, from, id),
			ReceivedAt: base.Add(time.Duration(sec+1) * time.Second)}
	}
	fwd := store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages", Value: []byte(`{"messages":[]}`), CreatedAt: base, NextAttemptAt: base}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{
		Inbound:  []store.InboundMessage{in("wamid.IN1", "491511", 1), in("wamid.IN1", "491511", 1), in("wamid.IN2", "491522", 2)},
		Windows:  []store.Window{{SenderID: "p1", WaID: "491511", At: base.Add(time.Second)}, {SenderID: "p1", WaID: "491522", At: base.Add(2 * time.Second)}},
		Forwards: []store.Forward{fwd, fwd},
	}))
	must(t, s.ApplyWebhooks(c, store.WebhookApply{
		Inbound: []store.InboundMessage{in("wamid.IN1", "491511", 1), in("wamid.IN3", "491511", 3)},
		Windows: []store.Window{
			{SenderID: "p1", WaID: "491511", At: base.Add(3 * time.Second)},
			{SenderID: "p1", WaID: "491522", At: base.Add(-time.Hour)}, // older: ignored
		},
	}))

	list, err := s.ListInbound(c, "p1", 10)
	must(t, err)
	checkIDs(t, "ListInbound", func() []string {
		var out []string
		for _, m := range list {
			out = append(out, m.ID)
		}
		return out
	}(), []string{"wamid.IN3", "wamid.IN2", "wamid.IN1"})
	if len(list) == 3 {
		m := list[2]
		if m.From != "491511" || m.Type != "text" || m.SenderID != "p1" || !bytes.Equal(m.Body, in("wamid.IN1", "491511", 1).Body) {
			t.Errorf("inbound = %+v", m)
		}
		checkTime(t, "inbound Timestamp", m.Timestamp, base.Add(time.Second))
		checkTime(t, "inbound ReceivedAt", m.ReceivedAt, base.Add(2*time.Second))
	}
	list, err = s.ListInbound(c, "p1", 1)
	must(t, err)
	if len(list) != 1 || list[0].ID != "wamid.IN3" {
		t.Errorf("ListInbound limit 1 = %+v", list)
	}
	list, err = s.ListInbound(c, "p2", 10)
	must(t, err)
	if len(list) != 0 {
		t.Errorf("other sender's inbound: %+v", list)
	}

	w, err := s.GetWindow(c, "p1", "491511")
	must(t, err)
	checkTime(t, "window moved forward", w, base.Add(3*time.Second))
	w, err = s.GetWindow(c, "p1", "491522")
	must(t, err)
	checkTime(t, "window did not move back", w, base.Add(2*time.Second))
	w, err = s.GetWindow(c, "p2", "491511")
	must(t, err)
	if !w.IsZero() {
		t.Errorf("unknown window = %v, want zero", w)
	}

	fs, err := s.ClaimForwards(c, base, 10, time.Minute)
	must(t, err)
	if len(fs) != 2 {
		t.Errorf("unconditional forwards = %d, want 2", len(fs))
	}
}

func testForwards(t *testing.T, s store.Store) {
	c := ctx(t)
	mk := func(i int, next time.Time) store.Forward {
		return store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages", Value: fmt.Appendf(nil, `{"n":%d}`, i), CreatedAt: base, NextAttemptAt: next}
	}
	must(t, s.ApplyWebhooks(c, store.WebhookApply{Forwards: []store.Forward{
		mk(1, base), mk(2, base), mk(3, base), mk(4, base.Add(time.Hour)),
	}}))
	counts, err := s.ForwardCounts(c)
	must(t, err)
	if counts["pending"] != 4 || counts["done"] != 0 || counts["dead"] != 0 {
		t.Errorf("ForwardCounts = %v", counts)
	}
	for _, k := range []string{"pending", "done", "dead"} {
		if _, ok := counts[k]; !ok {
			t.Errorf("ForwardCounts lacks key %q", k)
		}
	}

	lease := time.Minute
	now := base.Add(time.Second)
	first, err := s.ClaimForwards(c, now, 2, lease)
	must(t, err)
	val := func(fs []store.Forward) []string {
		var out []string
		for _, f := range fs {
			out = append(out, string(f.Value))
		}
		return out
	}
	checkIDs(t, "first claim", val(first), []string{`{"n":1}`, `{"n":2}`})
	second, err := s.ClaimForwards(c, now, 10, lease)
	must(t, err)
	checkIDs(t, "second claim", val(second), []string{`{"n":3}`})
	third, err := s.ClaimForwards(c, now.Add(time.Second), 10, lease)
	must(t, err)
	checkIDs(t, "claim while leased", val(third), nil)
	if len(first) != 2 || len(second) != 1 {
		t.FailNow()
	}
	if first[0].TenantID != "t1" || first[0].WABAID != "w1" || first[0].Field != "messages" || first[0].Attempts != 0 {
		t.Errorf("claimed forward = %+v", first[0])
	}
	checkTime(t, "forward CreatedAt", first[0].CreatedAt, base)

	must(t, s.CompleteForwards(c, []int64{first[0].ID}, now))
	must(t, s.RetryForwards(c, []store.ForwardRetry{
		{ID: first[1].ID, Attempts: 1, NextAt: base.Add(10 * time.Minute), LastError: "tenant answered 503"},
		{ID: second[0].ID, Attempts: 12, NextAt: base.Add(time.Hour), LastError: "tenant answered 410", GiveUp: true},
	}))
	counts, err = s.ForwardCounts(c)
	must(t, err)
	if counts["pending"] != 2 || counts["done"] != 1 || counts["dead"] != 1 {
		t.Errorf("ForwardCounts = %v, want pending 2 done 1 dead 1", counts)
	}

	got, err := s.ClaimForwards(c, base.Add(5*time.Minute), 10, lease)
	must(t, err)
	checkIDs(t, "claim before retry", val(got), nil)
	got, err = s.ClaimForwards(c, base.Add(10*time.Minute), 10, lease)
	must(t, err)
	checkIDs(t, "claim at retry", val(got), []string{`{"n":2}`})
	if len(got) == 1 && got[0].Attempts != 1 {
		t.Errorf("retried forward attempts = %d", got[0].Attempts)
	}
	got, err = s.ClaimForwards(c, base.Add(48*time.Hour), 10, lease)
	must(t, err)
	// n:2 again (its lease lapsed) and n:4; never the done or dead ones.
	checkIDs(t, "claim much later", val(got), []string{`{"n":2}`, `{"n":4}`})
	must(t, s.CompleteForwards(c, nil, now))
	must(t, s.RetryForwards(c, nil))
}

func testLeases(t *testing.T, s store.Store) {
	c := ctx(t)
	ttl := 15 * time.Second
	steps := []struct {
		name  string
		owner string
		now   time.Time
		want  bool
	}{
		{"free", "r1", base, true},
		{"held by other", "r2", base.Add(5 * time.Second), false},
		{"renew by owner", "r1", base.Add(10 * time.Second), true},
		{"other before renewed expiry", "r2", base.Add(20 * time.Second), false},
		{"other after lapse", "r2", base.Add(26 * time.Second), true},
		{"old owner refused", "r1", base.Add(27 * time.Second), false},
	}
	for _, st := range steps {
		ok, err := s.AcquireLease(c, "sender:p1", st.owner, st.now, ttl)
		must(t, err)
		if ok != st.want {
			t.Errorf("%s: AcquireLease = %v, want %v", st.name, ok, st.want)
		}
	}
	owner, until, err := s.LeaseOwner(c, "sender:p1")
	must(t, err)
	if owner != "r2" {
		t.Errorf("LeaseOwner = %s, want r2", owner)
	}
	checkTime(t, "lease until", until, base.Add(26*time.Second+ttl))

	// Leases are independent per name.
	ok, err := s.AcquireLease(c, "sender:p2", "r1", base, ttl)
	must(t, err)
	if !ok {
		t.Error("lease on another name refused")
	}

	must(t, s.ReleaseLease(c, "sender:p1", "r1")) // not the owner: no effect
	owner, _, err = s.LeaseOwner(c, "sender:p1")
	must(t, err)
	if owner != "r2" {
		t.Errorf("release by non-owner took effect: owner %s", owner)
	}
	must(t, s.ReleaseLease(c, "sender:p1", "r2"))
	_, _, err = s.LeaseOwner(c, "sender:p1")
	wantNotFound(t, "LeaseOwner after release", err)
	ok, err = s.AcquireLease(c, "sender:p1", "r1", base.Add(28*time.Second), ttl)
	must(t, err)
	if !ok {
		t.Error("released lease not acquirable")
	}
	_, _, err = s.LeaseOwner(c, "sender:none")
	wantNotFound(t, "LeaseOwner(none)", err)
}

// testListLeases pins what replicas rely on to share senders: only live
// leases are listed, the prefix matches literally (LIKE's wildcards are
// ordinary characters in lease names), and the order is by name.
func testListLeases(t *testing.T, s store.Store) {
	c := ctx(t)
	held := []struct {
		name, owner string
		at          time.Time // acquired at, for 10 s
	}{
		{"replica:r2", "r2", base},
		{"replica:r1", "r1", base.Add(4 * time.Second)},
		{"replica:r3", "r3", base.Add(-8 * time.Second)}, // until base+2s
		{"sender:p2", "r1", base},
		{"sender:p1", "r2", base},
		{"sender:p10", "r1", base},
		{"sender_x", "r9", base},
		{"sender%y", "r9", base},
		{"Sender:p3", "r9", base},
		{"replicas", "r9", base},
	}
	for _, h := range held {
		ok, err := s.AcquireLease(c, h.name, h.owner, h.at, 10*time.Second)
		must(t, err)
		if !ok {
			t.Fatalf("AcquireLease(%s) refused", h.name)
		}
	}
	must(t, s.ReleaseLease(c, "replicas", "r9"))

	type lease struct {
		name, owner string
		until       time.Time
	}
	tests := []struct {
		name   string
		prefix string
		now    time.Time
		want   []lease
	}{
		{"replicas while all live", "replica:", base.Add(time.Second), []lease{
			{"replica:r1", "r1", base.Add(14 * time.Second)},
			{"replica:r2", "r2", base.Add(10 * time.Second)},
			{"replica:r3", "r3", base.Add(2 * time.Second)},
		}},
		{"expiry at now is lapsed", "replica:", base.Add(2 * time.Second), []lease{
			{"replica:r1", "r1", base.Add(14 * time.Second)},
			{"replica:r2", "r2", base.Add(10 * time.Second)},
		}},
		{"later, one left", "replica:", base.Add(12 * time.Second), []lease{
			{"replica:r1", "r1", base.Add(14 * time.Second)},
		}},
		{"all lapsed", "replica:", base.Add(time.Minute), nil},
		{"senders by name, case-sensitive", "sender:", base, []lease{
			{"sender:p1", "r2", base.Add(10 * time.Second)},
			{"sender:p10", "r1", base.Add(10 * time.Second)},
			{"sender:p2", "r1", base.Add(10 * time.Second)},
		}},
		{"underscore is literal", "sender_", base, []lease{
			{"sender_x", "r9", base.Add(10 * time.Second)},
		}},
		{"percent is literal", "sender%", base, []lease{
			{"sender%y", "r9", base.Add(10 * time.Second)},
		}},
		{"whole name as prefix", "sender:p1", base, []lease{
			{"sender:p1", "r2", base.Add(10 * time.Second)},
			{"sender:p10", "r1", base.Add(10 * time.Second)},
		}},
		{"no match", "forward:", base, nil},
	}
	for _, tc := range tests {
		got, err := s.ListLeases(c, tc.prefix, tc.now)
		must(t, err)
		if len(got) != len(tc.want) {
			t.Errorf("%s: ListLeases(%q) = %+v, want %d leases", tc.name, tc.prefix, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if got[i].Name != w.name || got[i].Owner != w.owner {
				t.Errorf("%s: lease %d = %s by %s, want %s by %s", tc.name, i, got[i].Name, got[i].Owner, w.name, w.owner)
			}
			checkTime(t, tc.name+": until of "+w.name, got[i].Until, w.until)
		}
	}

	// A renewal moves the expiry; a release removes the lease at once.
	ok, err := s.AcquireLease(c, "replica:r3", "r3", base.Add(time.Second), 10*time.Second)
	must(t, err)
	if !ok {
		t.Fatal("renewal refused")
	}
	must(t, s.ReleaseLease(c, "replica:r2", "r2"))
	got, err := s.ListLeases(c, "replica:", base.Add(5*time.Second))
	must(t, err)
	var names []string
	for _, l := range got {
		names = append(names, l.Name+"@"+l.Owner)
	}
	if want := []string{"replica:r1@r1", "replica:r3@r3"}; !slices.Equal(names, want) {
		t.Errorf("after renewal and release: %v, want %v", names, want)
	}
}

// testMessageStatusKept: Meta's message_status from a send answer is kept
// with the sent outcome and read back with the message; a later outcome
// that is not a send does not erase it, and a retry does not set it.
func testMessageStatusKept(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "held", "plain", "retried")
	claim(t, s, "p1", base, 3)
	must(t, s.RecordOutcomes(c, []store.Outcome{
		{MessageID: "held", State: store.StateSent, MetaID: "wamid.H", MessageStatus: "held_for_quality_assessment", Attempts: 1, At: base},
		{MessageID: "plain", State: store.StateSent, MetaID: "wamid.P", Attempts: 1, At: base},
		{MessageID: "retried", State: store.StateQueued, MessageStatus: "paused", Attempts: 1, NextAttemptAt: base.Add(time.Second), At: base},
	}, nil))
	for id, want := range map[string]string{"held": "held_for_quality_assessment", "plain": "", "retried": ""} {
		m, err := s.GetMessage(c, id)
		must(t, err)
		if m.MessageStatus != want {
			t.Errorf("%s: message_status %q, want %q", id, m.MessageStatus, want)
		}
	}
	// A later outcome leaves the send answer's status alone.
	must(t, s.RecordOutcomes(c, []store.Outcome{{MessageID: "held", State: store.StateFailed, ErrorCode: 131026, Attempts: 1, At: base}}, nil))
	m, err := s.GetMessage(c, "held")
	must(t, err)
	if m.MessageStatus != "held_for_quality_assessment" {
		t.Errorf("after a later outcome: message_status %q", m.MessageStatus)
	}
	// "accepted", the plain answer, is kept as Meta wrote it.
	enqueue(t, s, "p2", base, "again")
	claim(t, s, "p2", base, 1)
	must(t, s.RecordOutcomes(c, []store.Outcome{{MessageID: "again", State: store.StateSent, MetaID: "wamid.A", MessageStatus: "accepted", Attempts: 1, At: base}}, nil))
	m, err = s.GetMessage(c, "again")
	must(t, err)
	if m.MessageStatus != "accepted" {
		t.Errorf("again: message_status %q", m.MessageStatus)
	}
}

// testFailedStatusOnce: a forward reporting a message's outcome is enqueued
// only with an outcome that applies, so a second give-up of a message
// already failed (a copy sent again after its claim lapsed, or after a
// lease takeover) does not give the tenant a second failed status. A
// forward that reports no outcome is always enqueued.
func testFailedStatusOnce(t *testing.T, s store.Store) {
	c := ctx(t)
	enqueue(t, s, "p1", base, "f1")
	claim(t, s, "p1", base, 1)
	status := func(id string) store.Forward {
		return store.Forward{TenantID: "t1", WABAID: "w1", Field: "messages", Value: []byte(`{"id":"` + id + `"}`),
			CreatedAt: base, NextAttemptAt: base, OutcomeOf: id}
	}
	failed := store.Outcome{MessageID: "f1", State: store.StateFailed, Attempts: 1, ErrorCode: 131026, At: base}
	// Twice in one call: one status.
	must(t, s.RecordOutcomes(c, []store.Outcome{failed}, []store.Forward{status("f1"), status("f1")}))
	// Again in a later call, with an event that reports no outcome.
	event := store.Forward{TenantID: "t1", WABAID: "w1", Field: "wabaguard_sender_state", Value: []byte(`{}`), CreatedAt: base, NextAttemptAt: base}
	failed.Attempts = 2
	must(t, s.RecordOutcomes(c, []store.Outcome{failed}, []store.Forward{status("f1"), event}))
	// A forward naming a message without an outcome in the call is dropped.
	enqueue(t, s, "p1", base, "f2")
	must(t, s.RecordOutcomes(c, nil, []store.Forward{status("f2")}))

	fs, err := s.ClaimForwards(c, base.Add(time.Minute), 10, time.Minute)
	must(t, err)
	var fields []string
	for _, f := range fs {
		fields = append(fields, f.Field+" "+string(f.Value))
	}
	sort.Strings(fields)
	checkIDs(t, "forwards", fields, []string{`messages {"id":"f1"}`, "wabaguard_sender_state {}"})
	m, err := s.GetMessage(c, "f1")
	must(t, err)
	if m.State != store.StateFailed || m.Attempts != 1 {
		t.Errorf("f1 after a second give-up: %s, %d attempts", m.State, m.Attempts)
	}
}
