package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// timelineLimit bounds the events a number's page reads (its WABA's, of
// which the number's are picked).
const timelineLimit = 200

// timelineFields are the webhook fields a number's timeline shows: what
// happens to the account, the number and its templates, and the gateway's
// own actions. Per-person and per-message fields (user_preferences,
// message echoes, calls…) are not the number's story and would crowd it
// out.
var timelineFields = []string{
	"account_update", "account_alerts", "account_review_update", "business_capability_update", "business_status_update",
	"phone_number_quality_update", "phone_number_name_update", "security",
	"message_template_status_update", "message_template_quality_update", "message_template_components_update",
	"template_category_update", "template_correct_category_detection",
	dispatch.SenderEventField,
}

// numberRefusals is how many of a number's latest refusals its page lists.
const numberRefusals = 10

type timelineRow struct {
	At, Kind, Event string
	// Details are the event's own words (Meta's enums and names).
	Details []string
	// Gateway marks the gateway's own actions (stop, pause, resume).
	Gateway bool
	// Account marks events about the whole WhatsApp Business Account.
	Account bool
}

type numberData struct {
	numberRow
	WABA, Since, StateCode string
	Paused                 bool
	Statuses               []string
	Days                   []dayRow
	Timeline               []timelineRow
	Incidents              []incidentRow
	Refusals               []decisionRow
}

// incidentRow is one of the number's incidents with its timeline.
type incidentRow struct {
	ID, Title, Kind, State, Opened, Closed string
	Open                                   bool
	Lines                                  []string
}

// numberIncidents is how many incidents a number's page shows.
const numberIncidents = 5

// tenantSender is the user's tenant's number id, or ErrNotFound for any
// other, so another tenant's number looks exactly like a missing one.
func (s *Server) tenantSender(r *http.Request, sess *session, id string) (store.Sender, error) {
	snd, err := s.store.GetSender(r.Context(), id)
	if err != nil {
		return store.Sender{}, err
	}
	if snd.TenantID != sess.user.TenantID {
		return store.Sender{}, fmt.Errorf("sender %s: %w", id, store.ErrNotFound)
	}
	return snd, nil
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, sess *session) {
	s.render(w, r, http.StatusNotFound, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(language(r), "notfound")})
}

// senderWeek is a number's chart figures, as week is the tenant's.
func (s *Server) senderWeek(r *http.Request, tenantID, senderID string) ([]time.Time, [][]int, error) {
	return s.weekOf(r, func(since time.Time) ([]store.DayCount, error) {
		return s.store.SenderDailyStatusCounts(r.Context(), tenantID, senderID, since)
	})
}

func (s *Server) number(w http.ResponseWriter, r *http.Request, sess *session) {
	snd, err := s.tenantSender(r, sess, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, sess)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "sender", err)
		return
	}
	ctx, lang := r.Context(), language(r)
	depth, err := s.store.QueueDepth(ctx)
	if err != nil {
		s.fail(w, r, sess, "queue depth", err)
		return
	}
	d := numberData{numberRow: s.row(lang, snd, depth), WABA: snd.WABAID, Paused: dispatch.Paused(snd)}
	if d.Paused {
		d.State = msg(lang, "state.paused")
	}
	if !snd.StateChangedAt.IsZero() {
		d.Since = utcTime(snd.StateChangedAt)
	}
	if d.Stopped && !d.Paused && snd.StateCode != 0 {
		d.StateCode = fmt.Sprintf("%d · %s", snd.StateCode, wire.Title(snd.StateCode))
	}
	days, vals, err := s.senderWeek(r, sess.user.TenantID, snd.PhoneNumberID)
	if err != nil {
		s.fail(w, r, sess, "sender daily status counts", err)
		return
	}
	for _, st := range chartStatuses {
		d.Statuses = append(d.Statuses, msg(lang, "status."+st))
	}
	for i, day := range days {
		d.Days = append(d.Days, dayRow{Day: day.Format("2006-01-02"), Counts: vals[i]})
	}
	evs, err := s.store.EventForwards(ctx, sess.user.TenantID, snd.WABAID, timelineFields, timelineLimit)
	if err != nil {
		s.fail(w, r, sess, "event forwards", err)
		return
	}
	for _, f := range evs {
		if row, ok := timelineEntry(lang, snd, f); ok {
			d.Timeline = append(d.Timeline, row)
		}
	}
	if s.incidents != nil {
		list, err := s.incidents.Incidents(ctx, sess.user.TenantID, snd.PhoneNumberID, numberIncidents)
		if err != nil {
			s.fail(w, r, sess, "incidents", err)
			return
		}
		for _, in := range list {
			full, err := s.incidents.Incident(ctx, sess.user.TenantID, in.ID)
			if err != nil {
				s.fail(w, r, sess, "incident", err)
				return
			}
			d.Incidents = append(d.Incidents, incidentOf(lang, full))
		}
	}
	ds, err := s.store.ListDecisions(ctx, store.DecisionFilter{TenantID: sess.user.TenantID, SenderID: snd.PhoneNumberID,
		Outcome: store.OutcomeReject, Limit: numberRefusals})
	if err != nil {
		s.fail(w, r, sess, "decisions", err)
		return
	}
	for _, dc := range ds {
		d.Refusals = append(d.Refusals, decisionOf(lang, dc))
	}
	p := &page{Nav: "overview", User: &sess.user, CSRF: sess.csrf, Data: &d, Title: snd.DisplayPhoneNumber}
	switch r.URL.Query().Get("done") {
	case "paused":
		p.Message, p.Notice = msg(lang, "number.paused"), true
	case "resumed":
		p.Message, p.Notice = msg(lang, "number.resumed"), true
	}
	s.render(w, r, http.StatusOK, "number", p)
}

func (s *Server) numberChart(w http.ResponseWriter, r *http.Request, sess *session) {
	snd, err := s.tenantSender(r, sess, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "sender", err)
		return
	}
	days, vals, err := s.senderWeek(r, sess.user.TenantID, snd.PhoneNumberID)
	if err != nil {
		s.fail(w, r, sess, "sender daily status counts", err)
		return
	}
	s.writeChart(w, r, sess, days, vals)
}

// pause and resume are an admin's, on the user's tenant's numbers only.
func (s *Server) pause(w http.ResponseWriter, r *http.Request, sess *session) {
	s.act(w, r, sess, "paused", func(id string, now time.Time) error {
		_, err := dispatch.Pause(r.Context(), s.store, id, sess.user.Email+" (dashboard)", now)
		return err
	})
}

func (s *Server) resume(w http.ResponseWriter, r *http.Request, sess *session) {
	s.act(w, r, sess, "resumed", func(id string, now time.Time) error {
		_, err := dispatch.Resume(r.Context(), s.store, id, now)
		return err
	})
}

func (s *Server) act(w http.ResponseWriter, r *http.Request, sess *session, done string, do func(id string, now time.Time) error) {
	lang := language(r)
	if sess.user.Role != store.RoleAdmin {
		s.render(w, r, http.StatusForbidden, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(lang, "forbidden")})
		return
	}
	snd, err := s.tenantSender(r, sess, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, sess)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "sender", err)
		return
	}
	err = do(snd.PhoneNumberID, s.now())
	switch {
	case errors.Is(err, dispatch.ErrAlreadyStopped), errors.Is(err, dispatch.ErrNotStopped):
		// Someone else (or Meta) got there first: show the number as it is.
		s.render(w, r, http.StatusConflict, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(lang, "number.conflict")})
		return
	case err != nil:
		s.fail(w, r, sess, "number "+done, err)
		return
	}
	s.changed(snd.PhoneNumberID)
	s.log.WarnContext(r.Context(), "ui: number "+done, "sender", snd.PhoneNumberID, "user", sess.user.ID, "tenant", sess.user.TenantID)
	http.Redirect(w, r, Prefix+"/numbers/"+snd.PhoneNumberID+"?done="+done, http.StatusSeeOther)
}

// eventValue is the part of a forwarded change value the timeline reads.
type eventValue struct {
	Metadata *struct {
		PhoneNumberID string `json:"phone_number_id"`
	} `json:"metadata"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	EntityType         string `json:"entity_type"`
	EntityID           string `json:"entity_id"`
	Event              string `json:"event"`
	// The gateway's sender events.
	Error  *wire.StatusError `json:"error"`
	Reason string            `json:"reason"`
}

// eventDetails are the keys of a change value shown as they are, in this
// order: Meta's names for what changed.
var eventDetails = []string{
	"message_template_name", "message_template_language", "previous_category", "new_category",
	"previous_quality_score", "new_quality_score", "current_limit", "old_limit", "max_daily_conversation_per_phone",
	"requested_verified_name", "decision", "rejection_reason", "reason", "alert_type", "alert_severity", "alert_status",
	"alert_description",
}

// timelineEntry turns a forwarded event into a row of one number's
// timeline; false when the event is about another number.
func timelineEntry(lang refusal.Lang, snd store.Sender, f store.Forward) (timelineRow, bool) {
	var v eventValue
	_ = json.Unmarshal(f.Value, &v) // an event that is not an object is the account's
	var kv map[string]json.RawMessage
	_ = json.Unmarshal(f.Value, &kv)
	row := timelineRow{At: utcTime(f.CreatedAt), Kind: msg(lang, "field."+f.Field), Event: v.Event}
	if row.Kind == "field."+f.Field {
		row.Kind = f.Field
	}
	switch {
	case v.Metadata != nil && v.Metadata.PhoneNumberID != "":
		if v.Metadata.PhoneNumberID != snd.PhoneNumberID {
			return row, false
		}
	case strings.EqualFold(v.EntityType, "PHONE_NUMBER") && v.EntityID != "":
		if v.EntityID != snd.PhoneNumberID {
			return row, false
		}
	case v.DisplayPhoneNumber != "":
		if digits(v.DisplayPhoneNumber) != digits(snd.DisplayPhoneNumber) {
			return row, false
		}
	default:
		row.Account = true
	}
	if f.Field == dispatch.SenderEventField {
		row.Gateway, row.Kind = true, msg(lang, "field."+dispatch.SenderEventField)
		switch v.Event {
		case dispatch.SenderEventStopped:
			row.Event = msg(lang, "timeline.stopped")
			if v.Error != nil {
				row.Details = append(row.Details, fmt.Sprintf("%d · %s", v.Error.Code, v.Error.Title))
				if ed := v.Error.ErrorData; ed != nil && ed.Details != "" && ed.Details != v.Error.Title {
					row.Details = append(row.Details, ed.Details)
				}
			}
		case dispatch.SenderEventPaused:
			row.Event = msg(lang, "timeline.paused")
			if v.Reason != "" {
				row.Details = append(row.Details, v.Reason)
			}
		case dispatch.SenderEventResumed:
			row.Event = msg(lang, "timeline.resumed")
		default: // the risk engine's brakes: the event's name, and why
			if v.Reason != "" {
				row.Details = append(row.Details, v.Reason)
			}
		}
		return row, true
	}
	for _, k := range eventDetails {
		raw, ok := kv[k]
		if !ok {
			continue
		}
		var sv string
		if json.Unmarshal(raw, &sv) != nil {
			sv = string(raw)
		}
		if sv != "" {
			row.Details = append(row.Details, k+": "+sv)
		}
	}
	// Nested reasons Meta gives for account events.
	for _, k := range []string{"violation_info", "ban_info", "restriction_info"} {
		if raw, ok := kv[k]; ok && len(raw) > 2 {
			row.Details = append(row.Details, k+": "+string(raw))
		}
	}
	return row, true
}

// digits keeps the digits of a phone number as written.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func incidentOf(lang refusal.Lang, in store.Incident) incidentRow {
	row := incidentRow{ID: in.ID, Title: in.Title, Kind: string(in.Kind), Opened: utcTime(in.OpenedAt), Open: in.Open(),
		State: msg(lang, "incidents.open")}
	if !in.Open() {
		row.State, row.Closed = msg(lang, "incidents.closed"), utcTime(in.ClosedAt)
	}
	for _, e := range in.Timeline {
		line := utcTime(e.At) + " · " + string(e.Kind) + " · " + e.Name
		if e.Detail != "" && e.Detail != e.Name {
			line += ": " + e.Detail
		}
		row.Lines = append(row.Lines, line)
	}
	return row
}
