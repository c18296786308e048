package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// consentRequest is the body of POST /consent.
type consentRequest struct {
	Number   string        `json:"number"`
	Action   string        `json:"action"`
	Category string        `json:"category"`
	Source   string        `json:"source"`
	Evidence *evidenceJSON `json:"evidence"`
}

// evidenceJSON is consent.Evidence as the API spells it; at is RFC 3339.
type evidenceJSON struct {
	Text      string `json:"text,omitempty"`
	URL       string `json:"url,omitempty"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	At        string `json:"at,omitempty"`
	MessageID string `json:"message_id,omitempty"`
}

func evidenceOut(ev consent.Evidence) *evidenceJSON {
	out := &evidenceJSON{Text: ev.Text, URL: ev.URL, IP: ev.IP, UserAgent: ev.UserAgent, MessageID: ev.MessageID}
	if !ev.At.IsZero() {
		out.At = rfc3339(ev.At)
	}
	return out
}

// contactJSON names a person as the gateway keys them.
type contactJSON struct {
	WaID string `json:"wa_id"`
	E164 string `json:"e164"`
}

func contactOut(n phone.Number) contactJSON { return contactJSON{WaID: n.WaID, E164: n.E164} }

// recordJSON is a record of the ledger as written.
type recordJSON struct {
	Seq        int64  `json:"seq"`
	Hash       string `json:"hash"`
	Action     string `json:"action"`
	Category   string `json:"category"`
	Source     string `json:"source"`
	RecordedAt string `json:"recorded_at"`
}

type consentResponse struct {
	Contact contactJSON `json:"contact"`
	Record  recordJSON  `json:"record"`
}

// rfc3339 renders a time for the API: UTC, milliseconds when it has them
// (the store keeps no finer).
func rfc3339(t time.Time) string { return t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano) }

// number reads and normalises a phone number, so "+55 11 98765-4321" and
// "5511987654321" are the same person.
func (s *Server) number(r *http.Request, field, raw string) (phone.Number, *wire.Error) {
	if strings.TrimSpace(raw) == "" {
		return phone.Number{}, errMissing(lang(r), field)
	}
	n, err := phone.Normalize(raw, s.region)
	if err != nil {
		return phone.Number{}, errNumber(lang(r), field, err)
	}
	return n, nil
}

// recordConsent is POST /consent: an opt-in or opt-out into the ledger.
func (s *Server) recordConsent(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	var req consentRequest
	if e := s.decodeJSON(r, &req); e != nil {
		writeError(w, e)
		return
	}
	num, e := s.number(r, "number", req.Number)
	if e != nil {
		writeError(w, e)
		return
	}
	for _, f := range []struct{ name, v string }{{"action", req.Action}, {"category", req.Category}, {"source", req.Source}} {
		if f.v == "" {
			writeError(w, errMissing(lang(r), f.name))
			return
		}
	}
	var ev consent.Evidence
	if req.Evidence != nil {
		ev = consent.Evidence{Text: req.Evidence.Text, URL: req.Evidence.URL, IP: req.Evidence.IP,
			UserAgent: req.Evidence.UserAgent, MessageID: req.Evidence.MessageID}
		if req.Evidence.At != "" {
			at, err := time.Parse(time.RFC3339Nano, req.Evidence.At)
			if err != nil {
				writeError(w, errParam(lang(r), "evidence.at", msgNotRFC3339, req.Evidence.At))
				return
			}
			ev.At = at
		}
	}
	rc, err := s.ledger.Record(r.Context(), consent.Request{TenantID: t.ID, Contact: num.E164,
		Action: consent.Action(req.Action), Category: consent.Category(req.Category), Source: consent.Source(req.Source), Evidence: ev})
	if err != nil {
		writeError(w, s.ledgerError(r, err))
		return
	}
	writeJSON(w, http.StatusCreated, consentResponse{Contact: contactOut(num), Record: recordJSON{
		Seq: rc.Seq, Hash: rc.Hash, Action: req.Action, Category: req.Category, Source: req.Source, RecordedAt: rfc3339(rc.At)}})
}

// stateJSON is a contact's consent for one category.
type stateJSON struct {
	Category string `json:"category"`
	// State is opt_in, opt_out, erased, or none when no record covers it.
	State string `json:"state"`
	// Suppressed: nothing business-initiated of this category may go.
	Suppressed bool `json:"suppressed"`
	// CoveredBy is the category of the deciding record (this one or all).
	CoveredBy string `json:"covered_by,omitempty"`
	Source    string `json:"source,omitempty"`
	Seq       int64  `json:"seq,omitempty"`
	At        string `json:"at,omitempty"`
}

type stateResponse struct {
	Contact    contactJSON `json:"contact"`
	Categories []stateJSON `json:"categories"`
}

// stateCategories are reported in this order.
var stateCategories = []consent.Category{consent.Marketing, consent.Utility, consent.Authentication, consent.All}

// consentState is GET /consent/{number}: the current state per category.
// A number the tenant never recorded, or only another tenant did, reads
// "none" everywhere.
func (s *Server) consentState(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	num, e := s.number(r, "number", r.PathValue("number"))
	if e != nil {
		writeError(w, e)
		return
	}
	out := stateResponse{Contact: contactOut(num), Categories: make([]stateJSON, 0, len(stateCategories))}
	for _, c := range stateCategories {
		st, err := s.ledger.StateByWaID(r.Context(), t.ID, num.WaID, c)
		if err != nil {
			writeError(w, s.ledgerError(r, err))
			return
		}
		sj := stateJSON{Category: string(c), State: "none", Suppressed: st.Suppressed()}
		if st.Action != "" {
			sj.State, sj.CoveredBy, sj.Source, sj.Seq, sj.At = string(st.Action), string(st.Category), string(st.Source), st.Seq, rfc3339(st.At)
		}
		out.Categories = append(out.Categories, sj)
	}
	writeJSON(w, http.StatusOK, out)
}

type verifyResponse struct {
	OK       bool   `json:"ok"`
	Records  int64  `json:"records"`
	Erased   int64  `json:"erased"`
	HeadSeq  int64  `json:"head_seq"`
	FirstBad int64  `json:"first_bad,omitempty"`
	Problem  string `json:"problem,omitempty"`
	// CheckedAt is when this verification ran.
	CheckedAt string `json:"checked_at"`
}

// verifyChain is GET /consent/verify: the tenant's chain checked now. A
// broken chain is a 200 with ok false: the request succeeded, the chain
// did not.
func (s *Server) verifyChain(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	rep, err := s.ledger.Verify(r.Context(), t.ID)
	if err != nil {
		writeError(w, s.ledgerError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, verifyResponse{OK: rep.OK, Records: rep.Records, Erased: rep.Erased, HeadSeq: rep.HeadSeq,
		FirstBad: rep.FirstBad, Problem: rep.Problem, CheckedAt: rfc3339(s.now())})
}
