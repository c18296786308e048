package consent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/store"
)

// MaxBatch bounds the records RecordAll writes in one transaction.
const MaxBatch = 100_000

// ItemError is a refusal of one request of a batch: Index is its position
// (from 0) and Err the *FieldError. Nothing of the batch is written.
type ItemError struct {
	Index int
	Err   error
}

func (e *ItemError) Error() string { return fmt.Sprintf("consent: request %d: %v", e.Index, e.Err) }

// Unwrap exposes the FieldError, so errors.Is(err, ErrInvalid) and
// errors.As(err, **FieldError) see through.
func (e *ItemError) Unwrap() error { return e.Err }

// RecordAll appends many opt-ins and opt-outs of one tenant in one
// transaction: every request is checked first, and either all are written,
// in order, or none is (a do-not-contact import is never half-written).
// The requests' TenantID is ignored; tenantID is used for all.
func (l *Ledger) RecordAll(ctx context.Context, tenantID string, reqs []Request) ([]Receipt, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	if len(reqs) > MaxBatch {
		return nil, invalid("records", "%d records are more than %d at once", len(reqs), MaxBatch)
	}
	at := l.now().UTC().Truncate(time.Millisecond)
	key, err := l.key(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	links := make([]store.ConsentAppend, len(reqs))
	waIDs := make([]string, len(reqs))
	for i, req := range reqs {
		req.TenantID = tenantID
		if err := req.validate(at); err != nil {
			return nil, &ItemError{Index: i, Err: err}
		}
		var num phone.Number
		if req.Number != nil {
			num = *req.Number
		} else if num, err = l.normalize(req.Contact); err != nil {
			return nil, &ItemError{Index: i, Err: err}
		}
		ev := req.Evidence
		if ev.At.IsZero() {
			ev.At = at
		}
		ev.At = ev.At.UTC().Truncate(time.Millisecond)
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return nil, fmt.Errorf("consent: salt: %w", err)
		}
		body, err := json.Marshal(personal{V: 1, Salt: hex.EncodeToString(salt), WaID: num.WaID, E164: num.E164, Evidence: ev})
		if err != nil {
			return nil, fmt.Errorf("consent: evidence: %w", err)
		}
		waIDs[i] = num.WaID
		links[i] = store.ConsentAppend{
			Record: store.ConsentRecord{
				TenantID: tenantID, At: at, ContactKey: contactKey(key, num.WaID),
				Action: string(req.Action), Category: string(req.Category), Source: string(req.Source),
				EvidenceDigest: EvidenceDigest(body),
			},
			Personal: body,
		}
	}
	recs, err := l.st.AppendConsents(ctx, tenantID, func(head store.ConsentHead) ([]store.ConsentAppend, error) {
		out := make([]store.ConsentAppend, len(links))
		seq, prev := head.Seq, head.Hash
		if head.Seq == 0 {
			prev = GenesisHash
		}
		for i, a := range links {
			seq++
			a.Record.Seq, a.Record.PrevHash = seq, prev
			a.Record.Hash = RecordHash(a.Record)
			prev = a.Record.Hash
			out[i] = a
		}
		// Only the last head is stored; its MAC is the one that counts.
		out[len(out)-1].HeadMAC = headMAC(key, tenantID, seq, prev)
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("consent: append: %w", err)
	}
	out := make([]Receipt, len(recs))
	for i, r := range recs {
		out[i] = Receipt{Seq: r.Seq, Hash: r.Hash, ContactKey: r.ContactKey, At: r.At}
	}
	// The same hooks as Record: caches forget the contacts, and a double
	// opt-in tenant's imported opt-ins ask for their confirmation.
	for i, req := range reqs {
		req.TenantID = tenantID
		for _, f := range l.onChange {
			f(tenantID, waIDs[i])
		}
		for _, f := range l.onRecord {
			f(ctx, tenantID, waIDs[i], req)
		}
	}
	return out, nil
}

// Entry is one record of a contact's history, with its personal data
// while it has not been erased.
type Entry struct {
	Seq      int64
	At       time.Time
	Action   Action
	Category Category
	Source   Source
	// Hash is the record's link in the chain.
	Hash       string
	ContactKey string
	// E164 and Evidence are absent (and Erased true) once the contact's
	// personal data was erased; erasure records never had any.
	E164     string
	Evidence *Evidence
	Erased   bool
}

// History returns up to limit records of one contact of a tenant with seq
// above afterSeq, oldest first, with the evidence the ledger still holds (a
// data subject's access request under the LGPD); limit <= 0 returns them
// all. A contact without records has an empty history.
func (l *Ledger) History(ctx context.Context, tenantID, contact string, afterSeq int64, limit int) ([]Entry, error) {
	num, err := l.normalize(contact)
	if err != nil {
		return nil, err
	}
	key, err := l.key(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	ck := contactKey(key, num.WaID)
	var out []Entry
	after := afterSeq
	for {
		n := pageSize
		if limit > 0 {
			n = min(n, limit-len(out))
		}
		page, err := l.st.ConsentContactEntries(ctx, tenantID, ck, after, n)
		if err != nil {
			return nil, fmt.Errorf("consent: history: %w", err)
		}
		for _, e := range page {
			en := Entry{Seq: e.Seq, At: e.At, Action: Action(e.Action), Category: Category(e.Category), Source: Source(e.Source),
				Hash: e.Hash, ContactKey: e.ContactKey}
			switch {
			case e.Personal != nil:
				var p personal
				if err := json.Unmarshal(e.Personal, &p); err != nil {
					return nil, fmt.Errorf("consent: history: record %d: %w", e.Seq, err)
				}
				ev := p.Evidence
				en.E164, en.Evidence = p.E164, &ev
			case e.EvidenceDigest != "" || Action(e.Action) == Erased:
				en.Erased = true
			}
			out = append(out, en)
		}
		if len(page) < n || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
		after = page[len(page)-1].Seq
	}
}
