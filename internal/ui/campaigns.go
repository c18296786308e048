package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/campaign"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Campaigns is the campaign service the management API uses
// (*campaign.Service): the dashboard lists, reads, pre-flights, pauses,
// resumes and cancels through it, so a campaign changes the same way
// whichever door the change came in by.
type Campaigns interface {
	List(ctx context.Context, tenantID string) ([]campaign.View, error)
	Get(ctx context.Context, tenantID, id string) (campaign.View, error)
	Preflight(ctx context.Context, tenantID, id string) (campaign.Preflight, error)
	Pause(ctx context.Context, tenantID, id, reason string) (campaign.View, error)
	Resume(ctx context.Context, tenantID, id string) (campaign.View, error)
	Cancel(ctx context.Context, tenantID, id string) (campaign.View, error)
	Stats(ctx context.Context, tenantID, id string) (campaign.Stats, error)
}

// liveRefresh is how often a campaign's page reloads itself when the user
// asked it to follow the campaign live (never without asking: a page that
// reloads on its own disturbs screen readers and keyboard users).
const liveRefresh = 10 * time.Second

// refusalWarnShare is the share of refused contacts above which a
// pre-flight warns: an audience this far from the rules is a list the
// business should look at before Meta's recipients do.
const refusalWarnShare = 0.2

// progressRow is a campaign's counters as the list and its page show them.
type progressRow struct {
	Targeted, Accepted, Refused, Queued, Sent, Delivered, Read, Replied, Failed, OptOuts int64
}

type campaignRow struct {
	ID, Name, Template, Language, Number, NumberID, State, StateKey, StateReason string
	StartAt, Created, Started, Finished                                          string
	progressRow
}

// countRow is one line of a per-rule or per-code breakdown.
type countRow struct {
	Code, Title, Explanation, Link string
	Count                          int64
}

type campaignsData struct{ Rows []campaignRow }

type preflightView struct {
	Targeted, Eligible          int64
	Refused, Deferred           []countRow
	Finish                      string
	Today                       int
	BeyondToday                 string
	Limit, Used, MPS            int
	Unlimited                   bool
	Warnings                    []string
	Ran                         string
	RefusedShare, EligibleShare string
	RefusedTotal                int64
	FinishUnknown               bool
}

type campaignData struct {
	campaignRow
	Audience string
	Params   []string
	// What the admin may do in the campaign's state.
	CanPause, CanResume, CanCancel, CanPreflight bool
	Refusals                                     []countRow
	Failures                                     []countRow
	Preflight                                    *preflightView
	Live                                         bool
	Updated                                      string
	// Stages are the chart's bars, also listed as a table.
	Stages []stageRow
}

type stageRow struct {
	Name  string
	Count int64
}

// campaignStateKeys are the states the dashboard has words for.
var campaignStateKeys = map[string]bool{
	string(store.CampaignDraft): true, string(store.CampaignPreflight): true, string(store.CampaignScheduled): true,
	string(store.CampaignRunning): true, string(store.CampaignPaused): true, string(store.CampaignCompleted): true,
	string(store.CampaignCancelled): true,
}

func campaignState(lang refusal.Lang, state string) string {
	if campaignStateKeys[state] {
		return msg(lang, "campaign.state."+state)
	}
	return state
}

func progressOf(v campaign.View, st campaign.Stats) progressRow {
	p := progressRow{Targeted: v.Targeted, Accepted: v.Accepted, Queued: st.Queued, Sent: st.Sent, Delivered: st.Delivered,
		Read: st.Read, Replied: st.Replied, OptOuts: st.OptOuts}
	for _, n := range v.Refused {
		p.Refused += n
	}
	for _, n := range st.Failed {
		p.Failed += n
	}
	return p
}

func (s *Server) campaignRowOf(lang refusal.Lang, v campaign.View, st campaign.Stats, numbers map[string]string) campaignRow {
	row := campaignRow{ID: v.ID, Name: v.Name, Template: v.TemplateName, Language: v.TemplateLanguage, NumberID: v.PhoneNumberID,
		Number: numbers[v.PhoneNumberID], State: campaignState(lang, v.State), StateKey: v.State, StateReason: v.StateReason,
		StartAt: msg(lang, "campaign.at_once"), Created: utcTime(v.CreatedAt), Started: utcTime(v.StartedAt),
		Finished: utcTime(v.FinishedAt), progressRow: progressOf(v, st)}
	if row.Number == "" {
		row.Number = v.PhoneNumberID
	}
	if !v.StartAt.IsZero() {
		row.StartAt = utcTime(v.StartAt)
	}
	return row
}

// numberNames maps the tenant's numbers' ids to their display numbers.
func (s *Server) numberNames(r *http.Request, tenantID string) (map[string]string, error) {
	senders, err := s.tenantSenders(r, tenantID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(senders))
	for _, snd := range senders {
		out[snd.PhoneNumberID] = snd.DisplayPhoneNumber
	}
	return out, nil
}

func (s *Server) campaignsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	lang, ctx, tenant := language(r), r.Context(), sess.user.TenantID
	d := campaignsData{}
	p := &page{Nav: "campaigns", User: &sess.user, CSRF: sess.csrf, Data: &d}
	if s.campaigns != nil {
		list, err := s.campaigns.List(ctx, tenant)
		if err != nil {
			s.fail(w, r, sess, "campaigns", err)
			return
		}
		numbers, err := s.numberNames(r, tenant)
		if err != nil {
			s.fail(w, r, sess, "senders", err)
			return
		}
		// Newest first: the campaign being run is usually the last made.
		sort.Slice(list, func(i, j int) bool {
			if !list[i].CreatedAt.Equal(list[j].CreatedAt) {
				return list[i].CreatedAt.After(list[j].CreatedAt)
			}
			return list[i].ID > list[j].ID
		})
		for _, v := range list {
			st, err := s.campaigns.Stats(ctx, tenant, v.ID)
			if err != nil {
				s.fail(w, r, sess, "campaign stats", err)
				return
			}
			d.Rows = append(d.Rows, s.campaignRowOf(lang, v, st, numbers))
		}
	}
	s.render(w, r, http.StatusOK, "campaigns", p)
}

// tenantCampaign reads one of the user's tenant's campaigns; the service
// answers store.ErrNotFound for another tenant's as for a missing one.
func (s *Server) tenantCampaign(r *http.Request, sess *session) (campaign.View, error) {
	if s.campaigns == nil {
		return campaign.View{}, fmt.Errorf("campaigns are not wired: %w", store.ErrNotFound)
	}
	return s.campaigns.Get(r.Context(), sess.user.TenantID, r.PathValue("id"))
}

func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request, sess *session) {
	s.showCampaign(w, r, sess, nil)
}

// showCampaign renders a campaign's page, with a pre-flight report when
// one was just run.
func (s *Server) showCampaign(w http.ResponseWriter, r *http.Request, sess *session, pf *campaign.Preflight) {
	v, err := s.tenantCampaign(r, sess)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, sess)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "campaign", err)
		return
	}
	ctx, lang, tenant := r.Context(), language(r), sess.user.TenantID
	st, err := s.campaigns.Stats(ctx, tenant, v.ID)
	if err != nil {
		s.fail(w, r, sess, "campaign stats", err)
		return
	}
	numbers, err := s.numberNames(r, tenant)
	if err != nil {
		s.fail(w, r, sess, "senders", err)
		return
	}
	state := store.CampaignState(v.State)
	d := campaignData{campaignRow: s.campaignRowOf(lang, v, st, numbers), Audience: v.AudienceID, Params: v.Params,
		CanPause:     state == store.CampaignScheduled || state == store.CampaignRunning,
		CanResume:    state == store.CampaignPaused,
		CanCancel:    state != store.CampaignCompleted && state != store.CampaignCancelled,
		CanPreflight: state != store.CampaignCompleted && state != store.CampaignCancelled,
		Live:         r.URL.Query().Get("live") == "1",
		Updated:      utcTime(s.now())}
	d.Refusals = refusalRows(lang, v.Refused)
	d.Failures = failureRows(st.Failed)
	d.Stages = campaignStages(lang, d.progressRow)
	if pf != nil {
		if d.Preflight, err = s.preflightOf(r, lang, tenant, v, *pf); err != nil {
			s.fail(w, r, sess, "pre-flight", err)
			return
		}
	}
	p := &page{Nav: "campaigns", User: &sess.user, CSRF: sess.csrf, Data: &d, Title: v.Name,
		Path: Prefix + "/campaigns/" + v.ID}
	switch r.URL.Query().Get("done") {
	case "paused", "resumed", "cancelled":
		p.Message, p.Notice = msg(lang, "campaign.done."+r.URL.Query().Get("done")), true
	}
	if pf != nil {
		p.Message, p.Notice = msg(lang, "preflight.done"), true
	}
	if d.Live {
		p.Refresh = int(liveRefresh / time.Second)
		p.Path += "?live=1" // a language switch keeps following
	}
	s.render(w, r, http.StatusOK, "campaign", p)
}

// campaignStages are the funnel the chart draws: who the campaign reached
// at each step, and what it cost.
func campaignStages(lang refusal.Lang, p progressRow) []stageRow {
	return []stageRow{
		{msg(lang, "campaign.targeted"), p.Targeted}, {msg(lang, "campaign.accepted"), p.Accepted},
		{msg(lang, "status.sent"), p.Sent}, {msg(lang, "status.delivered"), p.Delivered}, {msg(lang, "status.read"), p.Read},
		{msg(lang, "status.failed"), p.Failed}, {msg(lang, "campaign.optouts"), p.OptOuts},
	}
}

// refusalRows explains each refusal key from the catalogue, most first.
func refusalRows(lang refusal.Lang, m map[string]int64) []countRow {
	var out []countRow
	for k, n := range m {
		row := countRow{Code: k, Title: k, Count: n}
		if e, ok := refusal.ByKey(k); ok {
			t := e.In(lang)
			row.Title, row.Explanation, row.Link = fmt.Sprintf("%d · %s", e.Code, t.Title), t.Explanation, e.Link()
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// failureRows names each error code a campaign's messages failed with.
func failureRows(m map[int]int64) []countRow {
	var out []countRow
	for code, n := range m {
		out = append(out, countRow{Code: strconv.Itoa(code), Title: fmt.Sprintf("%d · %s", code, wire.Title(code)), Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	return out
}

func percentOf(n, of int64) string {
	if of <= 0 {
		return "0%"
	}
	return strconv.Itoa(int(math.Round(100*float64(n)/float64(of)))) + "%"
}

// preflightOf lays out a pre-flight and says what in it should worry the
// business before it starts: many refused, a send that spills past today's
// messaging limit, a number Meta already rates badly or the gateway holds.
func (s *Server) preflightOf(r *http.Request, lang refusal.Lang, tenantID string, v campaign.View, pf campaign.Preflight) (*preflightView, error) {
	pv := &preflightView{Targeted: pf.Targeted, Eligible: pf.Eligible, Refused: refusalRows(lang, pf.Refused),
		Deferred: refusalRows(lang, pf.Deferred), Today: pf.Today, Limit: pf.Limit, Used: pf.Used, MPS: pf.MPS,
		Unlimited: pf.Limit < 0, Ran: utcTime(s.now()), BeyondToday: strconv.Itoa(int(math.Round(100*pf.BeyondToday))) + "%",
		FinishUnknown: pf.Finish.IsZero(), Finish: utcTime(pf.Finish)}
	for _, n := range pf.Refused {
		pv.RefusedTotal += n
	}
	pv.RefusedShare, pv.EligibleShare = percentOf(pv.RefusedTotal, pf.Targeted), percentOf(pf.Eligible, pf.Targeted)
	if pf.Targeted > 0 && float64(pv.RefusedTotal)/float64(pf.Targeted) > refusalWarnShare {
		pv.Warnings = append(pv.Warnings, fmt.Sprintf(msg(lang, "preflight.warn.refused"), pv.RefusedShare))
	}
	if pf.BeyondToday > 0 {
		pv.Warnings = append(pv.Warnings, fmt.Sprintf(msg(lang, "preflight.warn.beyond"), pv.BeyondToday))
	}
	if pf.Eligible == 0 && pf.Targeted > 0 {
		pv.Warnings = append(pv.Warnings, msg(lang, "preflight.warn.none"))
	}
	// The number's own risk, as the overview shows it.
	snd, err := s.store.GetSender(r.Context(), v.PhoneNumberID)
	if err != nil {
		return nil, fmt.Errorf("sender %s: %w", v.PhoneNumberID, err)
	}
	if snd.State == store.SenderStopped {
		pv.Warnings = append(pv.Warnings, msg(lang, "preflight.warn.stopped"))
	}
	if s.health != nil {
		states, err := s.health.SendersOf(r.Context(), tenantID, s.now())
		if err != nil {
			return nil, fmt.Errorf("senders' health: %w", err)
		}
		for _, st := range states {
			if st.PhoneNumberID == v.PhoneNumberID && (st.Quality == "YELLOW" || st.Quality == "RED") {
				pv.Warnings = append(pv.Warnings, fmt.Sprintf(msg(lang, "preflight.warn.quality"), st.Quality))
			}
		}
	}
	return pv, nil
}

func (s *Server) campaignChart(w http.ResponseWriter, r *http.Request, sess *session) {
	v, err := s.tenantCampaign(r, sess)
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "campaign", err)
		return
	}
	st, err := s.campaigns.Stats(r.Context(), sess.user.TenantID, v.ID)
	if err != nil {
		s.fail(w, r, sess, "campaign stats", err)
		return
	}
	lang := language(r)
	stages := campaignStages(lang, progressOf(v, st))
	labels := make([]string, len(stages))
	vals := make([][]int, len(stages))
	for i, sg := range stages {
		labels[i], vals[i] = sg.Name, []int{int(sg.Count)}
	}
	svg, err := barChart(labels, []string{msg(lang, "campaign.people")}, vals)
	if err != nil {
		s.fail(w, r, sess, "campaign chart", err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(svg)
}

// campaignPreflight runs the pre-flight (an admin's: it moves a draft to
// "preflight") and shows its report on the campaign's page. The report is
// not stored, so the page answers the POST itself.
func (s *Server) campaignPreflight(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.admin(w, r, sess) {
		return
	}
	v, err := s.tenantCampaign(r, sess)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, sess)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "campaign", err)
		return
	}
	pf, err := s.campaigns.Preflight(r.Context(), sess.user.TenantID, v.ID)
	if err != nil {
		s.fail(w, r, sess, "campaign pre-flight", err)
		return
	}
	s.log.InfoContext(r.Context(), "ui: campaign pre-flight", "campaign", v.ID, "user", sess.user.ID, "tenant", sess.user.TenantID)
	s.showCampaign(w, r, sess, &pf)
}

func (s *Server) campaignPause(w http.ResponseWriter, r *http.Request, sess *session) {
	s.campaignAct(w, r, sess, "paused", func(ctx context.Context, tenant, id string) error {
		_, err := s.campaigns.Pause(ctx, tenant, id, "paused by "+sess.user.Email+" (dashboard)")
		return err
	})
}

func (s *Server) campaignResume(w http.ResponseWriter, r *http.Request, sess *session) {
	s.campaignAct(w, r, sess, "resumed", func(ctx context.Context, tenant, id string) error {
		_, err := s.campaigns.Resume(ctx, tenant, id)
		return err
	})
}

func (s *Server) campaignCancel(w http.ResponseWriter, r *http.Request, sess *session) {
	s.campaignAct(w, r, sess, "cancelled", func(ctx context.Context, tenant, id string) error {
		// Cancelling cannot be undone: the form asks for a ticked box.
		if r.PostForm.Get("confirm") != "1" {
			return errUnconfirmed
		}
		_, err := s.campaigns.Cancel(ctx, tenant, id)
		return err
	})
}

var errUnconfirmed = errors.New("ui: the confirmation was not ticked")

// admin answers false, having refused with a 403, unless the user is an
// admin.
func (s *Server) admin(w http.ResponseWriter, r *http.Request, sess *session) bool {
	if sess.user.Role == store.RoleAdmin {
		return true
	}
	s.render(w, r, http.StatusForbidden, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(language(r), "forbidden")})
	return false
}

// campaignAct is an admin's change of one of the tenant's campaigns,
// through the campaign service; the page it redirects to says it was done.
func (s *Server) campaignAct(w http.ResponseWriter, r *http.Request, sess *session, done string, do func(ctx context.Context, tenant, id string) error) {
	if !s.admin(w, r, sess) {
		return
	}
	v, err := s.tenantCampaign(r, sess)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, sess)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "campaign", err)
		return
	}
	err = do(r.Context(), sess.user.TenantID, v.ID)
	switch {
	case errors.Is(err, store.ErrCampaignState):
		// The campaign moved meanwhile (it completed, the risk engine
		// paused it, someone else acted): say so, and show where it is.
		now, gerr := s.campaigns.Get(r.Context(), sess.user.TenantID, v.ID)
		state := v.State
		if gerr == nil {
			state = now.State
		}
		s.render(w, r, http.StatusConflict, "error", &page{User: &sess.user, CSRF: sess.csrf,
			Message: fmt.Sprintf(msg(language(r), "campaign.conflict"), campaignState(language(r), state))})
		return
	case errors.Is(err, store.ErrNotFound):
		s.notFound(w, r, sess)
		return
	case errors.Is(err, errUnconfirmed):
		s.render(w, r, http.StatusBadRequest, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(language(r), "campaign.cancel.need")})
		return
	case err != nil:
		s.fail(w, r, sess, "campaign "+done, err)
		return
	}
	s.log.WarnContext(r.Context(), "ui: campaign "+done, "campaign", v.ID, "user", sess.user.ID, "tenant", sess.user.TenantID)
	http.Redirect(w, r, Prefix+"/campaigns/"+v.ID+"?done="+done, http.StatusSeeOther)
}
