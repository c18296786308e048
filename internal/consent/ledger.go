package consent

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Ledger records, reads, verifies, exports and erases consent. It is safe
// for concurrent use, and several Ledgers (replicas) may share one store.
type Ledger struct {
	st     store.Consent
	now    func() time.Time
	region string

	mu       sync.Mutex
	keys     map[string][]byte
	onChange []func(tenantID, waID string)
	onRecord []func(ctx context.Context, tenantID, waID string, req Request)
	onErase  []func(ctx context.Context, tenantID, waID string) error
}

// Option configures a Ledger.
type Option func(*Ledger)

// WithClock sets the clock that times records (default time.Now).
func WithClock(now func() time.Time) Option { return func(l *Ledger) { l.now = now } }

// WithDefaultRegion sets the region a number without a country code is
// read in (default none: such numbers are refused).
func WithDefaultRegion(region string) Option { return func(l *Ledger) { l.region = region } }

// WithOnChange registers f to be called after every record this Ledger
// appends (opt-in, opt-out, erasure), with the contact's canonical wa_id:
// the intake's facts cache forgets the contact at once.
func WithOnChange(f func(tenantID, waID string)) Option {
	return func(l *Ledger) { l.onChange = append(l.onChange, f) }
}

// WithOnRecorded registers f to be called after each record Record
// appends, with the canonical wa_id and the request: the double opt-in
// asks the person to confirm an opt-in recorded off WhatsApp.
func WithOnRecorded(f func(ctx context.Context, tenantID, waID string, req Request)) Option {
	return func(l *Ledger) { l.onRecord = append(l.onRecord, f) }
}

// WithOnErased registers f to be called after each erasure, to erase the
// person's data outside the ledger (the outbox, the webhook records). Its
// error is Erase's: the ledger's part is done, and the caller may retry.
func WithOnErased(f func(ctx context.Context, tenantID, waID string) error) Option {
	return func(l *Ledger) { l.onErase = append(l.onErase, f) }
}

// New returns a Ledger on st.
func New(st store.Consent, opts ...Option) *Ledger {
	l := &Ledger{st: st, now: time.Now, keys: map[string][]byte{}}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Receipt is what a write returns: where the record landed in the chain.
type Receipt struct {
	Seq        int64
	Hash       string
	ContactKey string
	At         time.Time
}

// personal is the body stored apart from the chain. Its exact bytes are
// hashed into the record's evidence digest; the random salt keeps that
// digest from confirming a guess of the number or the text once the body
// is erased.
type personal struct {
	V        int      `json:"v"`
	Salt     string   `json:"salt"`
	WaID     string   `json:"wa_id"`
	E164     string   `json:"e164"`
	Evidence Evidence `json:"evidence"`
}

// Record appends an opt-in or opt-out. Bad input is refused with a
// *FieldError naming the field, and nothing is written.
func (l *Ledger) Record(ctx context.Context, req Request) (Receipt, error) {
	at := l.now().UTC().Truncate(time.Millisecond)
	if err := req.validate(at); err != nil {
		return Receipt{}, err
	}
	num, err := l.normalize(req.Contact)
	if err != nil && req.FromMeta && metaWaID(req.Contact) {
		c := phone.Canonical(req.Contact)
		num, err = phone.Number{E164: "+" + c, WaID: c}, nil
	}
	if err != nil {
		return Receipt{}, err
	}
	ev := req.Evidence
	if ev.At.IsZero() {
		ev.At = at
	}
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return Receipt{}, fmt.Errorf("consent: salt: %w", err)
	}
	body, err := json.Marshal(personal{V: 1, Salt: hex.EncodeToString(salt), WaID: num.WaID, E164: num.E164, Evidence: ev})
	if err != nil {
		return Receipt{}, fmt.Errorf("consent: evidence: %w", err)
	}
	rec, err := l.append(ctx, req.TenantID, num.WaID, at, store.ConsentAppend{
		Record: store.ConsentRecord{
			Action: string(req.Action), Category: string(req.Category), Source: string(req.Source),
			EvidenceDigest: EvidenceDigest(body),
		},
		Personal: body,
	})
	if err == nil {
		for _, f := range l.onRecord {
			f(ctx, req.TenantID, num.WaID, req)
		}
	}
	return rec, err
}

// metaWaID reports whether s looks like a wa_id: 8 to 15 digits.
func metaWaID(s string) bool {
	if len(s) < 8 || len(s) > 15 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Erase removes the personal data of a contact (its number and every
// evidence body) and appends an erasure record for all categories, in one
// transaction. The chain still verifies; the contact is suppressed from
// then on, because its key (derived from the number) still finds the
// erasure in the current state, until it opts in again with new evidence.
func (l *Ledger) Erase(ctx context.Context, tenantID, contact string) (Receipt, error) {
	if strings.TrimSpace(tenantID) == "" {
		return Receipt{}, invalid("tenant", "is required")
	}
	num, err := l.normalize(contact)
	if err != nil {
		return Receipt{}, err
	}
	rec, err := l.append(ctx, tenantID, num.WaID, l.now().UTC().Truncate(time.Millisecond), store.ConsentAppend{
		Record: store.ConsentRecord{Action: string(Erased), Category: string(All), Source: string(ErasureRequest)},
		Erase:  true,
	})
	if err != nil {
		return rec, err
	}
	for _, f := range l.onErase {
		if err := f(ctx, tenantID, num.WaID); err != nil {
			return rec, fmt.Errorf("consent: erased from the ledger, but not elsewhere: %w", err)
		}
	}
	return rec, nil
}

func (l *Ledger) normalize(contact string) (phone.Number, error) {
	if phone.IsBSUID(contact) {
		// A person known only by a business-scoped user id: the id is the
		// contact, so their consent and opt-outs hold for sends to it.
		return phone.Number{WaID: contact}, nil
	}
	num, err := phone.Normalize(contact, l.region)
	if err != nil {
		return phone.Number{}, &FieldError{Field: "contact", Reason: strings.TrimPrefix(err.Error(), phone.ErrInvalid.Error()+": ")}
	}
	return num, nil
}

func (l *Ledger) append(ctx context.Context, tenantID, waID string, at time.Time, a store.ConsentAppend) (Receipt, error) {
	key, err := l.key(ctx, tenantID)
	if err != nil {
		return Receipt{}, err
	}
	a.Record.TenantID = tenantID
	a.Record.At = at
	a.Record.ContactKey = contactKey(key, waID)
	rec, err := l.st.AppendConsent(ctx, tenantID, func(head store.ConsentHead) (store.ConsentAppend, error) {
		next := a
		next.Record.Seq = head.Seq + 1
		next.Record.PrevHash = head.Hash
		if head.Seq == 0 {
			next.Record.PrevHash = GenesisHash
		}
		next.Record.Hash = RecordHash(next.Record)
		next.HeadMAC = headMAC(key, tenantID, next.Record.Seq, next.Record.Hash)
		return next, nil
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("consent: append: %w", err)
	}
	for _, f := range l.onChange {
		f(tenantID, waID)
	}
	return Receipt{Seq: rec.Seq, Hash: rec.Hash, ContactKey: rec.ContactKey, At: rec.At}, nil
}

// key returns the tenant's ledger key, creating it on first use.
func (l *Ledger) key(ctx context.Context, tenantID string) ([]byte, error) {
	l.mu.Lock()
	k, ok := l.keys[tenantID]
	l.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := l.st.ConsentKey(ctx, tenantID, nil)
	if errors.Is(err, store.ErrNotFound) {
		// A new key only for a tenant without a chain: a chain whose key
		// vanished would otherwise get a new one, under which its
		// contacts' opt-outs and erasures are no longer found.
		h, herr := l.st.ConsentHead(ctx, tenantID)
		if herr != nil {
			return nil, fmt.Errorf("consent: key: %w", herr)
		}
		if h.Seq > 0 {
			// Another ledger may have stored the key and appended
			// between the two reads: the key read again settles it.
			if k, err = l.st.ConsentKey(ctx, tenantID, nil); err == nil {
				return l.remember(tenantID, k)
			}
			return nil, fmt.Errorf("%w: tenant %s has %d records but no ledger key; restore consent_keys from a backup", ErrKeyMissing, tenantID, h.Seq)
		}
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, fmt.Errorf("consent: key: %w", err)
		}
		k, err = l.st.ConsentKey(ctx, tenantID, fresh)
	}
	if err != nil {
		return nil, fmt.Errorf("consent: key: %w", err)
	}
	return l.remember(tenantID, k)
}

// remember checks a key read from the store and caches it.
func (l *Ledger) remember(tenantID string, k []byte) ([]byte, error) {
	if len(k) != 32 {
		return nil, fmt.Errorf("consent: key of tenant %s is %d bytes, want 32", tenantID, len(k))
	}
	l.mu.Lock()
	l.keys[tenantID] = k
	l.mu.Unlock()
	return k, nil
}

// State is a contact's consent for one category: the latest record that
// covers it (one of that category, or of all).
type State struct {
	// Action is "" when no record covers the category.
	Action Action
	// Category is the covering record's: the one asked for, or All.
	Category Category
	Source   Source
	Seq      int64
	At       time.Time
}

// OptedIn reports whether the contact's latest word for the category is
// an opt-in.
func (s State) OptedIn() bool { return s.Action == OptIn }

// Suppressed reports whether the contact must not get business-initiated
// messages of the category: it opted out, or had its data erased.
func (s State) Suppressed() bool { return s.Action == OptOut || s.Action == Erased }

// State returns a contact's current consent for a category. It reads the
// current-state table (one indexed lookup), not the chain. For All it is
// the latest record of category all.
func (l *Ledger) State(ctx context.Context, tenantID, contact string, cat Category) (State, error) {
	if !oneOf(cat, categories) {
		return State{}, invalid("category", "%q is not one of marketing, utility, authentication, all", cat)
	}
	num, err := l.normalize(contact)
	if err != nil {
		return State{}, err
	}
	return l.StateByWaID(ctx, tenantID, num.WaID, cat)
}

// StateByWaID is State for a caller that already holds the canonical wa_id
// (phone.Number.WaID, as the intake pipeline does), skipping the parse.
func (l *Ledger) StateByWaID(ctx context.Context, tenantID, waID string, cat Category) (State, error) {
	if !oneOf(cat, categories) {
		return State{}, invalid("category", "%q is not one of marketing, utility, authentication, all", cat)
	}
	key, err := l.key(ctx, tenantID)
	if err != nil {
		return State{}, err
	}
	rows, err := l.st.ConsentStates(ctx, tenantID, contactKey(key, waID))
	if err != nil {
		return State{}, fmt.Errorf("consent: state: %w", err)
	}
	var best State
	for _, r := range rows {
		if (Category(r.Category) == cat || Category(r.Category) == All) && r.Seq > best.Seq {
			best = State{Action: Action(r.Action), Category: Category(r.Category), Source: Source(r.Source), Seq: r.Seq, At: r.At}
		}
	}
	return best, nil
}

// Current is a contact's consent for each category: the latest record
// covering it (of the category itself, or of all).
type Current struct {
	Marketing, Utility, Authentication State
}

// For returns the state of a category; marketing for anything else, the
// strictest when in doubt.
func (c Current) For(cat Category) State {
	switch cat {
	case Utility:
		return c.Utility
	case Authentication:
		return c.Authentication
	default:
		return c.Marketing
	}
}

// Erased reports whether the contact's data was erased and no opt-in came
// after, for any category.
func (c Current) Erased() bool {
	return c.Marketing.Action == Erased || c.Utility.Action == Erased || c.Authentication.Action == Erased
}

// OptedOutOfAll reports whether the latest word on every category is an
// opt-out, and when the newest of them was.
func (c Current) OptedOutOfAll() (bool, time.Time) {
	var latest time.Time
	for _, s := range []State{c.Marketing, c.Utility, c.Authentication} {
		if s.Action != OptOut {
			return false, time.Time{}
		}
		if s.At.After(latest) {
			latest = s.At
		}
	}
	return true, latest
}

// CurrentByWaID returns a contact's state for every category from one read
// of the current-state table.
func (l *Ledger) CurrentByWaID(ctx context.Context, tenantID, waID string) (Current, error) {
	key, err := l.key(ctx, tenantID)
	if err != nil {
		return Current{}, err
	}
	rows, err := l.st.ConsentStates(ctx, tenantID, contactKey(key, waID))
	if err != nil {
		return Current{}, fmt.Errorf("consent: state: %w", err)
	}
	pick := func(cat Category) State {
		var best State
		for _, r := range rows {
			if (Category(r.Category) == cat || Category(r.Category) == All) && r.Seq > best.Seq {
				best = State{Action: Action(r.Action), Category: Category(r.Category), Source: Source(r.Source), Seq: r.Seq, At: r.At}
			}
		}
		return best
	}
	return Current{Marketing: pick(Marketing), Utility: pick(Utility), Authentication: pick(Authentication)}, nil
}

// checkHeadMAC reports whether a head's MAC is the tenant's.
func (l *Ledger) checkHeadMAC(ctx context.Context, tenantID string, h store.ConsentHead) (bool, error) {
	key, err := l.key(ctx, tenantID)
	if err != nil {
		return false, err
	}
	want := headMAC(key, tenantID, h.Seq, h.Hash)
	return hmac.Equal([]byte(want), []byte(h.MAC)), nil
}

// ErrKeyMissing is returned when a tenant's chain exists but its ledger key
// is gone: nothing is recorded or looked up under a new key, which would
// lose every contact's state.
var ErrKeyMissing = errors.New("consent: ledger key missing")

// ContactKey returns the ledger's name for a contact of a tenant (the HMAC
// of its canonical wa_id), creating the tenant's key on first use. Package
// contact stores it beside a contact so that consent is read from the
// ledger's current state, never copied.
func (l *Ledger) ContactKey(ctx context.Context, tenantID, waID string) (string, error) {
	key, err := l.key(ctx, tenantID)
	if err != nil {
		return "", err
	}
	return contactKey(key, waID), nil
}

// ContactKeys maps canonical wa_ids to the keys that name them in the
// tenant's chain, so that a reader of the chain (an appeal dossier) can
// tell whose records are whose without the chain naming anyone. A tenant
// without a ledger key has no chain: the map is empty.
func (l *Ledger) ContactKeys(ctx context.Context, tenantID string, waIDs []string) (map[string]string, error) {
	key, err := l.st.ConsentKey(ctx, tenantID, nil)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("consent: contact keys: %w", err)
	}
	out := make(map[string]string, len(waIDs))
	for _, w := range waIDs {
		out[w] = contactKey(key, w)
	}
	return out, nil
}
