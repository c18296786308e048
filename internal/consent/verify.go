package consent

import (
	"context"
	"errors"
	"fmt"

	"github.com/wabaguard/wabaguard/internal/store"
)

// Report is the outcome of verifying one tenant's chain.
type Report struct {
	TenantID string `json:"tenant"`
	// Records counts the records checked.
	Records int64 `json:"records"`
	// Erased counts records whose personal data was erased on request:
	// their links still verify.
	Erased int64 `json:"erased"`
	// HeadSeq is the checkpoint's seq.
	HeadSeq int64 `json:"head_seq"`
	OK      bool  `json:"ok"`
	// FirstBad is the seq of the first record that fails (0 when OK, or
	// when the fault is not one record's, like a missing checkpoint).
	FirstBad int64  `json:"first_bad,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

func (r Report) String() string {
	if r.OK {
		s := fmt.Sprintf("tenant %s: ok, %d records, head %d", r.TenantID, r.Records, r.HeadSeq)
		if r.Erased > 0 {
			s += fmt.Sprintf(", %d erased (chain intact)", r.Erased)
		}
		return s
	}
	if r.FirstBad > 0 {
		return fmt.Sprintf("tenant %s: BROKEN at seq %d: %s", r.TenantID, r.FirstBad, r.Problem)
	}
	return fmt.Sprintf("tenant %s: BROKEN: %s", r.TenantID, r.Problem)
}

// verifier walks one tenant's records in seq order. With personal set, the
// personal data is expected beside each record that has a digest, unless
// a later erasure of its contact removed it.
type verifier struct {
	rep      Report
	personal bool
	next     int64
	prev     string
	// missing holds records without their personal data, by contact,
	// until an erasure of that contact explains them.
	missing  map[string]int64
	erasedAt map[string]int64
	// state is the current state the chain implies, per contact and
	// category, to check the table the policy rules read against.
	state map[stateKey]store.ConsentState
}

type stateKey struct{ contact, category string }

func newVerifier(tenantID string, personal bool) *verifier {
	return &verifier{rep: Report{TenantID: tenantID, OK: true}, personal: personal, next: 1, prev: GenesisHash,
		missing: map[string]int64{}, erasedAt: map[string]int64{}, state: map[stateKey]store.ConsentState{}}
}

func (v *verifier) fail(seq int64, format string, args ...any) {
	if v.rep.OK {
		v.rep.OK, v.rep.FirstBad, v.rep.Problem = false, seq, fmt.Sprintf(format, args...)
	}
}

// add checks the next record; it reports false once the chain is broken.
func (v *verifier) add(r store.ConsentRecord, body []byte, hasBody bool) bool {
	switch {
	case r.TenantID != v.rep.TenantID:
		v.fail(v.next, "record %d belongs to tenant %q", r.Seq, r.TenantID)
	case r.Seq < v.next:
		v.fail(v.next, "record %d appears again or out of order", r.Seq)
	case r.Seq > v.next:
		v.fail(v.next, "record %d is missing (the next stored record is %d)", v.next, r.Seq)
	case r.PrevHash != v.prev:
		v.fail(r.Seq, "prev_hash does not link to record %d (removed, reordered or edited)", r.Seq-1)
	case RecordHash(r) != r.Hash:
		v.fail(r.Seq, "hash does not match the record's fields (edited)")
	case hasBody && EvidenceDigest(body) != r.EvidenceDigest:
		v.fail(r.Seq, "personal data does not match the record's evidence digest (edited)")
	}
	if !v.rep.OK {
		return false
	}
	if Action(r.Action) == Erased {
		v.erasedAt[r.ContactKey] = r.Seq
		delete(v.missing, r.ContactKey)
	} else if v.personal && r.EvidenceDigest != "" && !hasBody {
		v.rep.Erased++
		if _, ok := v.missing[r.ContactKey]; !ok {
			v.missing[r.ContactKey] = r.Seq
		}
	}
	v.state[stateKey{r.ContactKey, r.Category}] = store.ConsentState{ContactKey: r.ContactKey, Category: r.Category,
		Action: r.Action, Source: r.Source, Seq: r.Seq, At: r.At}
	v.rep.Records++
	v.next, v.prev = r.Seq+1, r.Hash
	return true
}

// end checks the head against the last record, and that every missing
// personal data was erased on request.
func (v *verifier) end(h store.ConsentHead, macOK *bool) Report {
	if !v.rep.OK {
		return v.rep
	}
	v.rep.HeadSeq = h.Seq
	last := v.next - 1
	switch {
	case h.Seq == 0 && last > 0:
		v.fail(0, "the head checkpoint is missing: truncation cannot be ruled out")
	case h.Seq > last:
		v.fail(last+1, "the chain ends at record %d but its head says %d: records were removed from the end", last, h.Seq)
	case h.Seq < last:
		v.fail(h.Seq+1, "records after the head %d (to %d) were not appended by the ledger", h.Seq, last)
	case h.Seq > 0 && h.Hash != v.prev:
		v.fail(h.Seq, "the head's hash is not record %d's", h.Seq)
	case macOK != nil && !*macOK:
		v.fail(0, "the head checkpoint's MAC is not the tenant's (a forged or replayed head)")
	}
	if v.rep.OK && v.personal {
		first := int64(0)
		for _, seq := range v.missing {
			if first == 0 || seq < first {
				first = seq
			}
		}
		if first > 0 {
			v.fail(first, "personal data is missing but its contact was never erased")
		}
	}
	return v.rep
}

// pageSize is how many records a walk reads at a time.
const pageSize = 1000

// Verify checks a tenant's stored chain: every link, every surviving
// evidence body against its digest, the head checkpoint and its MAC.
// A broken chain is a Report with OK false, not an error; errors are the
// store's.
func (l *Ledger) Verify(ctx context.Context, tenantID string) (Report, error) {
	h, err := l.st.ConsentHead(ctx, tenantID)
	if err != nil {
		return Report{}, fmt.Errorf("consent: verify: %w", err)
	}
	v := newVerifier(tenantID, true)
	after := int64(0)
	for {
		page, err := l.st.ConsentEntries(ctx, tenantID, after, pageSize)
		if err != nil {
			return Report{}, fmt.Errorf("consent: verify: %w", err)
		}
		for _, e := range page {
			// Records appended after the head was read are for the
			// next run; the head is the snapshot checked.
			if h.Seq > 0 && e.Seq > h.Seq && v.next > h.Seq {
				break
			}
			if !v.add(e.ConsentRecord, e.Personal, e.Personal != nil) {
				return v.rep, nil
			}
		}
		if len(page) < pageSize || (h.Seq > 0 && v.next > h.Seq) {
			break
		}
		after = page[len(page)-1].Seq
	}
	var macOK *bool
	if h.Seq > 0 {
		ok, err := l.checkHeadMAC(ctx, tenantID, h)
		if errors.Is(err, ErrKeyMissing) {
			v.fail(0, "the tenant's ledger key is missing: the head cannot be authenticated, and contacts' states cannot be found")
			return v.rep, nil
		}
		if err != nil {
			return Report{}, fmt.Errorf("consent: verify: %w", err)
		}
		macOK = &ok
	}
	rep := v.end(h, macOK)
	if !rep.OK {
		return rep, nil
	}
	states, err := l.st.ConsentAllStates(ctx, tenantID)
	if err != nil {
		return Report{}, fmt.Errorf("consent: verify: %w", err)
	}
	v.checkStates(states, h.Seq)
	return v.rep, nil
}

// checkStates compares the current-state table with the chain: an edited
// state (an opt-out turned into an opt-in, say) would let a message through
// that the ledger forbids. States newer than the head checked are left for
// the next run.
func (v *verifier) checkStates(rows []store.ConsentState, headSeq int64) {
	seen := make(map[stateKey]bool, len(rows))
	for _, r := range rows {
		k := stateKey{r.ContactKey, r.Category}
		seen[k] = true
		if r.Seq > headSeq {
			continue
		}
		want, ok := v.state[k]
		if !ok {
			v.fail(0, "the current state holds a %s %s for a contact the chain has no %s record of", r.Action, r.Category, r.Category)
			return
		}
		if r.Seq != want.Seq || r.Action != want.Action || r.Source != want.Source || !r.At.Equal(want.At) {
			v.fail(want.Seq, "the current state says %s at seq %d where the chain says %s (edited state)", r.Action, r.Seq, want.Action)
			return
		}
	}
	for k, want := range v.state {
		if !seen[k] {
			v.fail(want.Seq, "the current state lacks the %s %s the chain records (deleted state)", want.Action, want.Category)
			return
		}
	}
}

// VerifyAll verifies every tenant having a chain.
func (l *Ledger) VerifyAll(ctx context.Context) ([]Report, error) {
	tenants, err := l.st.ConsentTenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("consent: verify: %w", err)
	}
	out := make([]Report, 0, len(tenants))
	for _, t := range tenants {
		r, err := l.Verify(ctx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
