package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/dispatch"
	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	tmplcache "github.com/wabaguard/wabaguard/internal/template"
)

// chartDays is how many days the overview charts, today included.
const chartDays = 7

// chartStatuses are the series of the overview's chart, in order.
var chartStatuses = []string{"sent", "delivered", "read", "failed"}

type numberRow struct {
	Display, ID, State, Reason string
	Stopped, DefaultMPS        bool
	MPS, Queue                 int
	// Health is Meta's view of the number and its limit (nil: unknown).
	Health *healthRow
}

type dayRow struct {
	Day    string
	Counts []int
}

type overviewData struct {
	Numbers  []numberRow
	Statuses []string
	Days     []dayRow
}

func (s *Server) tenantSenders(r *http.Request, tenantID string) ([]store.Sender, error) {
	all, err := s.store.ListSenders(r.Context())
	if err != nil {
		return nil, err
	}
	var out []store.Sender
	for _, snd := range all {
		if snd.TenantID == tenantID {
			out = append(out, snd)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DisplayPhoneNumber < out[j].DisplayPhoneNumber })
	return out, nil
}

// week is the chart's figures: one row per day (oldest first), one count
// per status of chartStatuses.
func (s *Server) week(r *http.Request, tenantID string) ([]time.Time, [][]int, error) {
	return s.weekOf(r, func(since time.Time) ([]store.DayCount, error) {
		return s.store.DailyStatusCounts(r.Context(), tenantID, since)
	})
}

// weekOf lays out the counts fetch gives from the chart's first day on.
func (s *Server) weekOf(r *http.Request, fetch func(since time.Time) ([]store.DayCount, error)) ([]time.Time, [][]int, error) {
	today := s.now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(chartDays - 1))
	counts, err := fetch(first)
	if err != nil {
		return nil, nil, err
	}
	days := make([]time.Time, chartDays)
	vals := make([][]int, chartDays)
	for i := range days {
		days[i] = first.AddDate(0, 0, i)
		vals[i] = make([]int, len(chartStatuses))
	}
	for _, c := range counts {
		i := int(c.Day.Sub(first) / (24 * time.Hour))
		if i < 0 || i >= chartDays {
			continue
		}
		for j, st := range chartStatuses {
			if st == c.Status {
				vals[i][j] += c.Count
			}
		}
	}
	return days, vals, nil
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request, sess *session) {
	senders, err := s.tenantSenders(r, sess.user.TenantID)
	if err != nil {
		s.fail(w, r, sess, "senders", err)
		return
	}
	depth, err := s.store.QueueDepth(r.Context())
	if err != nil {
		s.fail(w, r, sess, "queue depth", err)
		return
	}
	health, err := s.healthByNumber(r, sess.user.TenantID)
	if err != nil {
		s.fail(w, r, sess, "senders' health", err)
		return
	}
	lang := language(r)
	var d overviewData
	for _, snd := range senders {
		row := s.row(lang, snd, depth)
		row.Health = health[snd.PhoneNumberID]
		if dispatch.Paused(snd) {
			row.State = msg(lang, "state.paused")
		}
		d.Numbers = append(d.Numbers, row)
	}
	days, vals, err := s.week(r, sess.user.TenantID)
	if err != nil {
		s.fail(w, r, sess, "daily status counts", err)
		return
	}
	for _, st := range chartStatuses {
		d.Statuses = append(d.Statuses, msg(lang, "status."+st))
	}
	for i, day := range days {
		d.Days = append(d.Days, dayRow{Day: day.Format("2006-01-02"), Counts: vals[i]})
	}
	s.render(w, r, http.StatusOK, "overview", &page{Nav: "overview", User: &sess.user, CSRF: sess.csrf, Data: d})
}

// row is a number as the overview and its own page show it.
func (s *Server) row(lang refusal.Lang, snd store.Sender, depth map[string]int) numberRow {
	row := numberRow{Display: snd.DisplayPhoneNumber, ID: snd.PhoneNumberID, MPS: snd.ThroughputMPS,
		Queue: depth[snd.PhoneNumberID], Stopped: snd.State == store.SenderStopped, State: msg(lang, "state."+string(snd.State))}
	if row.MPS <= 0 {
		row.MPS, row.DefaultMPS = s.mps, true
	}
	if row.Stopped {
		row.Reason = snd.StateReason
	}
	return row
}

// chart is the overview's chart as an SVG image of its own, so the page's
// Content-Security-Policy need not allow the inline styles SVG uses.
func (s *Server) chart(w http.ResponseWriter, r *http.Request, sess *session) {
	days, vals, err := s.week(r, sess.user.TenantID)
	if err != nil {
		s.fail(w, r, sess, "daily status counts", err)
		return
	}
	s.writeChart(w, r, sess, days, vals)
}

func (s *Server) writeChart(w http.ResponseWriter, r *http.Request, sess *session, days []time.Time, vals [][]int) {
	lang := language(r)
	labels := make([]string, len(days))
	for i, d := range days {
		labels[i] = d.Format("02/01")
		if lang == refusal.EN {
			labels[i] = d.Format("Jan 2")
		}
	}
	names := make([]string, len(chartStatuses))
	for i, st := range chartStatuses {
		names[i] = msg(lang, "status."+st)
	}
	svg, err := barChart(labels, names, vals)
	if err != nil {
		s.fail(w, r, sess, "chart", err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(svg)
}

// contactCategories are shown in this order, as the API answers them.
var contactCategories = []consent.Category{consent.Marketing, consent.Utility, consent.Authentication, consent.All}

type stateRow struct {
	Category, State, Since string
	Suppressed             bool
}

type historyRow struct {
	Seq                          int64
	At, Action, Category, Source string
	Evidence                     []string
	Erased                       bool
	Hash                         string
}

type contactData struct {
	Query   string
	Number  *phone.Number
	States  []stateRow
	History []historyRow
	Chain   consent.Report
}

func (s *Server) contacts(w http.ResponseWriter, r *http.Request, sess *session) {
	lang := language(r)
	q := strings.TrimSpace(r.URL.Query().Get("number"))
	p := &page{Nav: "contacts", User: &sess.user, CSRF: sess.csrf}
	d := contactData{Query: q}
	p.Data = &d
	if r.URL.Query().Get("erased") == "1" {
		p.Message, p.Notice = msg(lang, "erase.done"), true
	}
	if q == "" {
		s.render(w, r, http.StatusOK, "contacts", p)
		return
	}
	num, err := phone.Normalize(q, s.region)
	if err != nil {
		p.Message, p.Notice = fmt.Sprintf(msg(lang, "contacts.bad"), err), false
		s.render(w, r, http.StatusBadRequest, "contacts", p)
		return
	}
	d.Number = &num
	ctx, tenant := r.Context(), sess.user.TenantID
	for _, c := range contactCategories {
		st, err := s.ledger.StateByWaID(ctx, tenant, num.WaID, c)
		if err != nil {
			s.fail(w, r, sess, "consent state", err)
			return
		}
		row := stateRow{Category: msg(lang, "cat."+string(c)), State: msg(lang, "act.none"), Suppressed: st.Suppressed()}
		if st.Action != "" {
			row.State, row.Since = msg(lang, "act."+string(st.Action)), utcTime(st.At)
			if st.Category != c {
				row.State += " (" + msg(lang, "cat."+string(st.Category)) + ")"
			}
		}
		d.States = append(d.States, row)
	}
	es, err := s.ledger.History(ctx, tenant, num.E164, 0, 500)
	if err != nil {
		s.fail(w, r, sess, "consent history", err)
		return
	}
	for _, e := range es {
		h := historyRow{Seq: e.Seq, At: utcTime(e.At), Action: msg(lang, "act."+string(e.Action)),
			Category: msg(lang, "cat."+string(e.Category)), Source: string(e.Source), Erased: e.Erased, Hash: e.Hash}
		if ev := e.Evidence; ev != nil {
			for _, kv := range [][2]string{{"text", ev.Text}, {"url", ev.URL}, {"ip", ev.IP}, {"user_agent", ev.UserAgent}, {"message_id", ev.MessageID}} {
				if kv[1] != "" {
					h.Evidence = append(h.Evidence, kv[0]+": "+kv[1])
				}
			}
			if !ev.At.IsZero() {
				h.Evidence = append(h.Evidence, "at: "+utcTime(ev.At))
			}
		}
		d.History = append(d.History, h)
	}
	if d.Chain, err = s.ledger.Verify(ctx, tenant); err != nil {
		s.fail(w, r, sess, "verify chain", err)
		return
	}
	s.render(w, r, http.StatusOK, "contacts", p)
}

// erase is an admin's LGPD erasure, confirmed by a ticked box.
func (s *Server) erase(w http.ResponseWriter, r *http.Request, sess *session) {
	lang := language(r)
	if sess.user.Role != store.RoleAdmin {
		s.render(w, r, http.StatusForbidden, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(lang, "forbidden")})
		return
	}
	q := strings.TrimSpace(r.PostForm.Get("number"))
	num, err := phone.Normalize(q, s.region)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: fmt.Sprintf(msg(lang, "contacts.bad"), err)})
		return
	}
	if r.PostForm.Get("confirm") != num.E164 {
		s.render(w, r, http.StatusBadRequest, "contacts", &page{Nav: "contacts", User: &sess.user, CSRF: sess.csrf,
			Message: msg(lang, "erase.need"), Data: &contactData{Query: q}})
		return
	}
	if _, err := s.ledger.Erase(r.Context(), sess.user.TenantID, num.E164); err != nil {
		s.fail(w, r, sess, "erase", err)
		return
	}
	s.log.InfoContext(r.Context(), "ui: contact erased", "user", sess.user.ID, "tenant", sess.user.TenantID)
	http.Redirect(w, r, Prefix+"/contacts?erased=1&number="+url.QueryEscape(num.E164), http.StatusSeeOther)
}

type decisionRow struct {
	At, To, MessageID, Code, Title, Explanation, Link, Reason string
	Catalogue                                                 int
}

type decisionsData struct {
	Query string
	Rows  []decisionRow
}

// decisionsLimit is how many refusals the page lists.
const decisionsLimit = 100

func (s *Server) decisions(w http.ResponseWriter, r *http.Request, sess *session) {
	lang := language(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := &page{Nav: "decisions", User: &sess.user, CSRF: sess.csrf}
	d := decisionsData{Query: q}
	p.Data = &d
	f := store.DecisionFilter{TenantID: sess.user.TenantID, Outcome: store.OutcomeReject, Limit: decisionsLimit}
	switch {
	case q == "":
	case strings.HasPrefix(q, "wamid."):
		f.MessageID = q
	default:
		num, err := phone.Normalize(q, s.region)
		if err != nil {
			p.Message = fmt.Sprintf(msg(lang, "contacts.bad"), err)
			s.render(w, r, http.StatusBadRequest, "decisions", p)
			return
		}
		f.WaID = num.WaID
	}
	ds, err := s.store.ListDecisions(r.Context(), f)
	if err != nil {
		s.fail(w, r, sess, "decisions", err)
		return
	}
	for _, dc := range ds {
		d.Rows = append(d.Rows, decisionOf(lang, dc))
	}
	s.render(w, r, http.StatusOK, "decisions", p)
}

// decisionOf explains a refusal in lang from the catalogue.
func decisionOf(lang refusal.Lang, dc store.Decision) decisionRow {
	row := decisionRow{At: utcTime(dc.CreatedAt), To: dc.WaID, MessageID: dc.MessageID, Code: dc.Code, Reason: dc.Reason}
	if e, ok := refusal.ByKey(dc.Code); ok {
		t := e.In(lang)
		row.Catalogue, row.Title, row.Explanation, row.Link = int(e.Code), t.Title, t.Explanation, e.Link()
	}
	return row
}

type templateRow struct {
	Name, Language, Category, Status, Quality, Reason, WABA string
	// Sendable: APPROVED (or FLAGGED, which still sends).
	Sendable bool
	// Lint is the template's review (nil: the dashboard has no linter).
	Lint *lintView
}

type templatesData struct{ Rows []templateRow }

// templates lists the templates of the tenant's WABAs as the local cache
// holds them: what the send path checks templates against.
func (s *Server) templates(w http.ResponseWriter, r *http.Request, sess *session) {
	p := &page{Nav: "templates", User: &sess.user, CSRF: sess.csrf}
	d := templatesData{}
	p.Data = &d
	senders, err := s.tenantSenders(r, sess.user.TenantID)
	if err != nil {
		s.fail(w, r, sess, "templates", err)
		return
	}
	seen := map[string]bool{}
	for _, snd := range senders {
		if seen[snd.WABAID] || s.tmpls == nil {
			continue
		}
		seen[snd.WABAID] = true
		lint, err := s.lintTemplates(r, sess.user.TenantID, snd.WABAID)
		if err != nil {
			s.fail(w, r, sess, "template lint", err)
			return
		}
		for _, t := range s.tmpls.Templates(snd.WABAID) {
			d.Rows = append(d.Rows, templateRow{Name: t.Name, Language: t.Language, Category: t.Category, Status: t.Status,
				Quality: t.Quality, Reason: t.Reason, WABA: t.WABAID,
				Sendable: t.Status == tmplcache.StatusApproved || t.Status == tmplcache.StatusFlagged,
				Lint:     lint[[2]string{t.Name, t.Language}]})
		}
	}
	sort.Slice(d.Rows, func(i, j int) bool {
		if d.Rows[i].Name != d.Rows[j].Name {
			return d.Rows[i].Name < d.Rows[j].Name
		}
		return d.Rows[i].Language < d.Rows[j].Language
	})
	s.render(w, r, http.StatusOK, "templates", p)
}
