package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// historyEntryJSON is a consent record with its evidence.
type historyEntryJSON struct {
	Seq        int64         `json:"seq"`
	Hash       string        `json:"hash"`
	Action     string        `json:"action"`
	Category   string        `json:"category"`
	Source     string        `json:"source"`
	RecordedAt string        `json:"recorded_at"`
	E164       string        `json:"e164,omitempty"`
	Evidence   *evidenceJSON `json:"evidence,omitempty"`
	// Erased says the record's personal data was removed on request.
	Erased bool `json:"erased"`
}

// messageJSON is a message the gateway holds for the person.
type messageJSON struct {
	ID          string          `json:"id"`
	SenderID    string          `json:"sender_id"`
	Type        string          `json:"type"`
	Category    string          `json:"category,omitempty"`
	State       string          `json:"state"`
	Attempts    int             `json:"attempts"`
	ErrorCode   int             `json:"error_code,omitempty"`
	ErrorDetail string          `json:"error_detail,omitempty"`
	Body        json.RawMessage `json:"body"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
}

// decisionJSON is a verdict of the policy pipeline about the person.
type decisionJSON struct {
	ID        int64  `json:"id"`
	MessageID string `json:"message_id,omitempty"`
	SenderID  string `json:"sender_id"`
	Outcome   string `json:"outcome"`
	Rule      string `json:"rule,omitempty"`
	Code      string `json:"code,omitempty"`
	GraphCode int    `json:"graph_code,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Until     string `json:"until,omitempty"`
	CreatedAt string `json:"created_at"`
}

// inboundJSON is a message the person wrote to one of the tenant's numbers.
type inboundJSON struct {
	ID         string          `json:"id"`
	SenderID   string          `json:"sender_id"`
	From       string          `json:"from"`
	Type       string          `json:"type"`
	Body       json.RawMessage `json:"body"`
	Timestamp  string          `json:"timestamp"`
	ReceivedAt string          `json:"received_at"`
}

type historyResponse struct {
	Contact contactJSON `json:"contact"`
	// Consent is oldest first; Messages, Decisions and Inbound newest
	// first.
	Consent   []historyEntryJSON `json:"consent"`
	Messages  []messageJSON      `json:"messages"`
	Decisions []decisionJSON     `json:"decisions"`
	Inbound   []inboundJSON      `json:"inbound"`
	// NextCursor, when present, fetches the next page of every list that
	// has more.
	NextCursor string `json:"next_cursor,omitempty"`
}

// historyCursor is where each list of a history page ends: the last
// consent seq read, and the oldest message seq, decision id and inbound
// message (time in microseconds, id) read; done marks a list that has no
// more.
type historyCursor struct {
	ConsentAfter   int64  `json:"c"`
	MessagesBefore int64  `json:"m"`
	DecisionBefore int64  `json:"d"`
	InboundTS      int64  `json:"it,omitempty"`
	InboundID      string `json:"ii,omitempty"`
	Done           uint8  `json:"x,omitempty"`
}

const (
	doneConsent uint8 = 1 << iota
	doneMessages
	doneDecisions
	doneInbound
	doneAll = doneConsent | doneMessages | doneDecisions | doneInbound
)

func (c historyCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (historyCursor, error) {
	var c historyCursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ConsentAfter < 0 || c.MessagesBefore < 0 || c.DecisionBefore < 0 || c.InboundTS < 0 || c.Done > doneAll {
		return historyCursor{}, fmt.Errorf("is not a cursor this API gave")
	}
	return c, nil
}

// contactHistory is GET /contacts/{number}/history: everything the gateway
// holds about one person for the calling tenant (an LGPD access request):
// the consent records with their evidence, the messages to them, the
// decisions about them, and what they wrote to the tenant's numbers.
// Each page has up to limit entries of each list.
func (s *Server) contactHistory(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	num, e := s.number(r, "number", r.PathValue("number"))
	if e != nil {
		writeError(w, e)
		return
	}
	limit, e := pageLimit(r)
	if e != nil {
		writeError(w, e)
		return
	}
	cur, err := decodeCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		writeError(w, errParam(lang(r), "cursor", msgAsGiven, err))
		return
	}
	ctx := r.Context()
	out := historyResponse{Contact: contactOut(num), Consent: []historyEntryJSON{}, Messages: []messageJSON{}, Decisions: []decisionJSON{},
		Inbound: []inboundJSON{}}
	next := cur
	// One more than a page tells whether there is a next one.
	if cur.Done&doneConsent == 0 {
		es, err := s.ledger.History(ctx, t.ID, num.E164, cur.ConsentAfter, limit+1)
		if err != nil {
			writeError(w, s.ledgerError(r, err))
			return
		}
		if len(es) <= limit {
			next.Done |= doneConsent
		} else {
			es = es[:limit]
		}
		for _, en := range es {
			out.Consent = append(out.Consent, entryOut(en))
			next.ConsentAfter = en.Seq
		}
	}
	if cur.Done&doneMessages == 0 {
		ms, err := s.store.MessagesByRecipient(ctx, t.ID, num.WaID, cur.MessagesBefore, limit+1)
		if err != nil {
			s.log.ErrorContext(ctx, "api: messages by recipient failed", "err", err)
			writeError(w, errInternal(lang(r)))
			return
		}
		if len(ms) <= limit {
			next.Done |= doneMessages
		} else {
			ms = ms[:limit]
		}
		for _, m := range ms {
			out.Messages = append(out.Messages, messageOut(m))
			next.MessagesBefore = m.Seq
		}
	}
	if cur.Done&doneDecisions == 0 {
		ds, err := s.store.ListDecisions(ctx, store.DecisionFilter{TenantID: t.ID, WaID: num.WaID, BeforeID: cur.DecisionBefore, Limit: limit + 1})
		if err != nil {
			s.log.ErrorContext(ctx, "api: decisions by recipient failed", "err", err)
			writeError(w, errInternal(lang(r)))
			return
		}
		if len(ds) <= limit {
			next.Done |= doneDecisions
		} else {
			ds = ds[:limit]
		}
		for _, d := range ds {
			out.Decisions = append(out.Decisions, decisionOut(d))
			next.DecisionBefore = d.ID
		}
	}
	if cur.Done&doneInbound == 0 {
		var before time.Time
		if cur.InboundTS > 0 {
			before = time.UnixMicro(cur.InboundTS)
		}
		ins, err := s.store.InboundFrom(ctx, t.ID, num.Aliases(), before, cur.InboundID, limit+1)
		if err != nil {
			s.log.ErrorContext(ctx, "api: inbound from the person failed", "err", err)
			writeError(w, errInternal(lang(r)))
			return
		}
		if len(ins) <= limit {
			next.Done |= doneInbound
		} else {
			ins = ins[:limit]
		}
		for _, m := range ins {
			out.Inbound = append(out.Inbound, inboundOut(m))
			next.InboundTS, next.InboundID = m.Timestamp.UnixMicro(), m.ID
		}
	}
	if next.Done != doneAll {
		out.NextCursor = next.encode()
	}
	writeJSON(w, http.StatusOK, out)
}

func entryOut(en consent.Entry) historyEntryJSON {
	h := historyEntryJSON{Seq: en.Seq, Hash: en.Hash, Action: string(en.Action), Category: string(en.Category),
		Source: string(en.Source), RecordedAt: rfc3339(en.At), E164: en.E164, Erased: en.Erased}
	if en.Evidence != nil {
		h.Evidence = evidenceOut(*en.Evidence)
	}
	return h
}

func messageOut(m store.Message) messageJSON {
	body := json.RawMessage(m.Body)
	if !json.Valid(body) {
		body = json.RawMessage("null")
	}
	return messageJSON{ID: m.ID, SenderID: m.SenderID, Type: m.Type, Category: m.Category, State: string(m.State),
		Attempts: m.Attempts, ErrorCode: m.ErrorCode, ErrorDetail: m.ErrorDetail, Body: body,
		CreatedAt: rfc3339(m.CreatedAt), UpdatedAt: rfc3339(m.UpdatedAt)}
}

func inboundOut(m store.InboundMessage) inboundJSON {
	body := json.RawMessage(m.Body)
	if !json.Valid(body) {
		body = json.RawMessage("null")
	}
	return inboundJSON{ID: m.ID, SenderID: m.SenderID, From: m.From, Type: m.Type, Body: body,
		Timestamp: rfc3339(m.Timestamp), ReceivedAt: rfc3339(m.ReceivedAt)}
}

func decisionOut(d store.Decision) decisionJSON {
	out := decisionJSON{ID: d.ID, MessageID: d.MessageID, SenderID: d.SenderID, Outcome: string(d.Outcome), Rule: d.Rule,
		Code: d.Code, GraphCode: d.GraphCode, Reason: d.Reason, CreatedAt: rfc3339(d.CreatedAt)}
	if !d.Until.IsZero() {
		out.Until = rfc3339(d.Until)
	}
	return out
}

type eraseResponse struct {
	Contact contactJSON `json:"contact"`
	Record  recordJSON  `json:"record"`
	// Suppressed is true: nothing is sent to the person again unless they
	// opt in anew.
	Suppressed bool `json:"suppressed"`
}

// eraseContact is DELETE /contacts/{number}: the person's personal data
// leaves the consent ledger and an erasure record for every category takes
// its place, which is the suppression the send path reads. Erasing a
// number never recorded is allowed (it suppresses it all the same), so the
// answer tells nothing about what the tenant held.
func (s *Server) eraseContact(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	num, e := s.number(r, "number", r.PathValue("number"))
	if e != nil {
		writeError(w, e)
		return
	}
	rc, err := s.ledger.Erase(r.Context(), t.ID, num.E164)
	if err != nil {
		writeError(w, s.ledgerError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, eraseResponse{Contact: contactJSON{WaID: num.WaID, E164: num.E164}, Suppressed: true,
		Record: recordJSON{Seq: rc.Seq, Hash: rc.Hash, Action: string(consent.Erased), Category: string(consent.All),
			Source: string(consent.ErasureRequest), RecordedAt: rfc3339(rc.At)}})
}
