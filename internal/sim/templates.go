package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

type wabaState struct {
	id        string
	portfolio *portfolioState // the messaging limit, shared with the portfolio's other WABAs

	numbers []*numberState // fixed after New

	mu        sync.Mutex
	optedOut  map[string]struct{} // users who stopped marketing messages
	templates []*template
}

func newWABA(id string, p *portfolioState) *wabaState {
	return &wabaState{id: id, portfolio: p, optedOut: map[string]struct{}{}}
}

// portfolioState is a business portfolio's messaging limit and reach.
type portfolioState struct {
	id    string
	tier  string
	limit int // unique recipients per 24 h; -1 unlimited

	mu       sync.Mutex
	reached  map[string]time.Time // recipient → last reach
	reachLog []reach
}

func newPortfolio(id, tier string) *portfolioState {
	limit, _ := tierLimit(tier)
	return &portfolioState{id: id, tier: strings.ToUpper(tier), limit: limit, reached: map[string]time.Time{}}
}

// template is a message template; status is decided at creation and becomes
// visible at reviewAt, so the review needs no goroutine.
type template struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Language   string          `json:"language"`
	Category   string          `json:"category"`
	Components json.RawMessage `json:"components"`

	// ParameterFormat is POSITIONAL or NAMED, as Meta lists it.
	ParameterFormat string `json:"parameter_format"`

	final      string // APPROVED or REJECTED
	reason     string
	reviewAt   time.Time
	bodyParams int
	// set is a status set after the review (PAUSED, DISABLED, APPROVED
	// again…) by SetTemplateStatus; "" while the review decides.
	set     string
	quality string // GREEN, YELLOW, RED; UNKNOWN until set
	// pausedUntil ends a quality pause (set PAUSED) without a goroutine.
	pausedUntil time.Time

	// Pacing (PaceTemplate): while paced, paceLeft more sends go out and
	// the ones after are held until ReleaseHeld or a pause.
	paced    bool
	paceLeft int
	held     []heldSend
}

// heldSend is a send held for quality assessment, with what its statuses
// need once it is released or dropped.
type heldSend struct {
	ns    *numberState
	d     Delivery
	req   *wire.SendRequest
	react Reaction
}

// pace counts a send of t against its pacing and reports whether it is
// held (and keeps it if so); w.mu must not be held.
func (w *wabaState) pace(t *template, h heldSend) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !t.paced {
		return false
	}
	if t.paceLeft > 0 {
		t.paceLeft--
		return false
	}
	t.held = append(t.held, h)
	return true
}

// PaceTemplate makes Meta's template pacing happen to a template
// (meta-platform.md §1.6): the next threshold sends are answered
// "accepted" and go out; the ones after are answered
// "held_for_quality_assessment" and get no status until ReleaseHeld
// (good early feedback: they are delivered) or SetTemplateStatus to PAUSED
// or DISABLED (bad feedback: each fails with 132015).
func (s *Sim) PaceTemplate(wabaID, name, language string, threshold int) error {
	wb := s.wabas[wabaID]
	if wb == nil {
		return fmt.Errorf("sim: no WABA %s", wabaID)
	}
	wb.mu.Lock()
	defer wb.mu.Unlock()
	t, err := wb.templateLocked(name, language)
	if err != nil {
		return err
	}
	t.paced, t.paceLeft = true, max(0, threshold)
	return nil
}

// ReleaseHeld ends a template's pacing with good feedback: the held
// messages go out now (their sent and delivered statuses follow) and
// later sends are no longer held. It returns how many were released.
func (s *Sim) ReleaseHeld(wabaID, name, language string) (int, error) {
	held, err := s.takeHeld(wabaID, name, language)
	if err != nil {
		return 0, err
	}
	s.settleHeld(held, 0)
	return len(held), nil
}

// takeHeld ends a template's pacing and returns its held sends.
func (s *Sim) takeHeld(wabaID, name, language string) ([]heldSend, error) {
	wb := s.wabas[wabaID]
	if wb == nil {
		return nil, fmt.Errorf("sim: no WABA %s", wabaID)
	}
	wb.mu.Lock()
	defer wb.mu.Unlock()
	t, err := wb.templateLocked(name, language)
	if err != nil {
		return nil, err
	}
	held := t.held
	t.paced, t.held = false, nil
	return held, nil
}

// settleHeld plans the statuses of released (failCode 0) or dropped sends
// from now.
func (s *Sim) settleHeld(held []heldSend, failCode int) {
	now := s.clock.Now()
	for _, h := range held {
		h.ns.mu.Lock()
		h.d.At = now
		h.react.FailCode = failCode
		if failCode != 0 {
			h.ns.failed[failCode]++
		}
		if s.webhooksOn() {
			s.planStatuses(h.ns, h.d, h.req, h.react)
		}
		h.ns.mu.Unlock()
	}
}

func (t *template) status(now time.Time) string {
	if now.Before(t.reviewAt) {
		return "PENDING"
	}
	if t.set == "PAUSED" && !t.pausedUntil.IsZero() && !now.Before(t.pausedUntil) {
		return "APPROVED"
	}
	if t.set != "" {
		return t.set
	}
	return t.final
}

func (t *template) qualityScore() string {
	if t.quality == "" {
		return "UNKNOWN"
	}
	return t.quality
}

var (
	templateNameRE = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	placeholderRE  = regexp.MustCompile(`\{\{\s*([a-zA-Z0-9_]+)\s*\}\}`)
)

// bodyParamCount counts the distinct placeholders of the BODY component.
func bodyParamCount(components json.RawMessage) int {
	var comps []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(components, &comps) != nil {
		return 0
	}
	for _, c := range comps {
		if strings.EqualFold(c.Type, "BODY") {
			seen := map[string]bool{}
			for _, m := range placeholderRE.FindAllStringSubmatch(c.Text, -1) {
				seen[m[1]] = true
			}
			return len(seen)
		}
	}
	return 0
}

func (s *Sim) seedTemplates(w *wabaState) {
	seed := []struct{ name, lang, cat, comps string }{
		{"hello_world", "en_US", "UTILITY",
			`[{"type":"HEADER","format":"TEXT","text":"Hello World"},{"type":"BODY","text":"Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."},{"type":"FOOTER","text":"WhatsApp Business Platform sample message"}]`},
		{"confirmacao_pedido", "pt_BR", "UTILITY",
			`[{"type":"BODY","text":"Olá! Seu pedido {{1}} foi confirmado e será enviado em breve.","example":{"body_text":[["12345"]]}}]`},
		{"ofertas_semana", "pt_BR", "MARKETING",
			`[{"type":"BODY","text":"Oi {{1}}! As ofertas da semana chegaram. Responda PARAR para não receber mais.","example":{"body_text":[["Ana"]]}}]`},
	}
	for _, t := range seed {
		c := json.RawMessage(t.comps)
		w.templates = append(w.templates, &template{
			ID: s.newNumericID(), Name: t.name, Language: t.lang, Category: t.cat, Components: c,
			final: "APPROVED", reason: "NONE", bodyParams: bodyParamCount(c), ParameterFormat: "POSITIONAL",
		})
	}
}

// findTemplate returns the template of that name and language, or nil.
func (w *wabaState) findTemplate(name, lang string) *template {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range w.templates {
		if t.Name == name && t.Language == lang {
			return t
		}
	}
	return nil
}

type templateView struct {
	Name       string          `json:"name"`
	Components json.RawMessage `json:"components"`
	Language   string          `json:"language"`
	Status     string          `json:"status"`
	Category   string          `json:"category"`
	ID         string          `json:"id"`
}

// templateFields are the fields a listing's fields= may ask for.
var templateFields = map[string]bool{
	"id": true, "name": true, "language": true, "status": true, "category": true, "components": true,
	"parameter_format": true, "quality_score": true, "rejected_reason": true,
}

// fieldView is a template with only the fields asked for (and its id, which
// Graph always returns).
func (t *template) fieldView(now time.Time, fields []string) map[string]any {
	out := map[string]any{"id": t.ID}
	for _, f := range fields {
		switch f {
		case "name":
			out[f] = t.Name
		case "language":
			out[f] = t.Language
		case "status":
			out[f] = t.status(now)
		case "category":
			out[f] = t.Category
		case "components":
			out[f] = t.Components
		case "parameter_format":
			out[f] = t.ParameterFormat
		case "quality_score":
			out[f] = map[string]any{"score": t.qualityScore(), "date": now.Unix()}
		case "rejected_reason":
			r := "NONE"
			if t.status(now) == "REJECTED" {
				r = t.reason
			}
			out[f] = r
		}
	}
	return out
}

// templatePageAny is a listing page of field views.
type templatePageAny struct {
	Data   []map[string]any `json:"data"`
	Paging paging           `json:"paging"`
}

type cursors struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

type paging struct {
	Cursors cursors `json:"cursors"`
	Next    string  `json:"next,omitempty"`
}

type templatePage struct {
	Data   []templateView `json:"data"`
	Paging paging         `json:"paging"`
}

func encodeCursor(i int) string { return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(i))) }

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	i, err := strconv.Atoi(string(b))
	return i, err == nil && i >= 0
}

func (s *Sim) serveTemplateList(w http.ResponseWriter, r *http.Request, wb *wabaState) {
	q := r.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "Param limit must be a positive integer"))
			return
		}
		limit = min(n, 1000)
	}
	start := 0
	if c := q.Get("after"); c != "" {
		i, ok := decodeCursor(c)
		if !ok {
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "Invalid after cursor"))
			return
		}
		start = i + 1
	}
	var fields []string
	if f := q.Get("fields"); f != "" {
		for _, name := range strings.Split(f, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !templateFields[name] {
				wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter,
					"Tried accessing nonexisting field (%s) on node type (WhatsAppMessageTemplate)", name))
				return
			}
			fields = append(fields, name)
		}
	}
	now := s.clock.Now()
	name, status := q.Get("name"), strings.ToUpper(q.Get("status"))
	wb.mu.Lock()
	var all []templateView
	var views []map[string]any
	for _, t := range wb.templates {
		st := t.status(now)
		// Meta's name filter matches substrings.
		if (name != "" && !strings.Contains(t.Name, name)) || (status != "" && st != status) {
			continue
		}
		all = append(all, templateView{t.Name, t.Components, t.Language, st, t.Category, t.ID})
		if fields != nil {
			views = append(views, t.fieldView(now, fields))
		}
	}
	wb.mu.Unlock()
	var pg paging
	end := min(start+limit, len(all))
	if start < end {
		pg.Cursors = cursors{Before: encodeCursor(start), After: encodeCursor(end - 1)}
		if end < len(all) {
			nq := r.URL.Query()
			nq.Set("after", pg.Cursors.After)
			nq.Del("access_token")
			pg.Next = "http://" + r.Host + r.URL.Path + "?" + nq.Encode()
		}
	}
	if fields != nil {
		page := templatePageAny{Data: []map[string]any{}, Paging: pg}
		if start < end {
			page.Data = views[start:end]
		}
		writeJSON(w, http.StatusOK, page)
		return
	}
	page := templatePage{Data: []templateView{}, Paging: pg}
	if start < end {
		page.Data = all[start:end]
	}
	writeJSON(w, http.StatusOK, page)
}

type templateCreate struct {
	Name            string          `json:"name"`
	Category        string          `json:"category"`
	Language        string          `json:"language"`
	ParameterFormat string          `json:"parameter_format"`
	Components      json.RawMessage `json:"components"`
}

func (s *Sim) serveTemplateCreate(w http.ResponseWriter, r *http.Request, wb *wabaState) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "could not read request body: %v", err))
		return
	}
	var req templateCreate
	if err := json.Unmarshal(body, &req); err != nil {
		wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "request body is not valid JSON: %v", err))
		return
	}
	req.Category = strings.ToUpper(req.Category)
	switch {
	case req.Name == "":
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "The parameter name is required."))
		return
	case !templateNameRE.MatchString(req.Name):
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "Template name can only contain lowercase alphanumeric characters and underscores."))
		return
	case req.Language == "":
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "The parameter language is required."))
		return
	case req.Category != "MARKETING" && req.Category != "UTILITY" && req.Category != "AUTHENTICATION":
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}."))
		return
	}
	format := strings.ToUpper(req.ParameterFormat)
	switch format {
	case "":
		format = "POSITIONAL"
	case "POSITIONAL", "NAMED":
	default:
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "Param parameter_format must be one of {NAMED, POSITIONAL}."))
		return
	}
	var comps []json.RawMessage
	if len(req.Components) == 0 || json.Unmarshal(req.Components, &comps) != nil || len(comps) == 0 {
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "The parameter components is required and must be a non-empty array."))
		return
	}
	now := s.clock.Now()
	t := &template{
		ID: s.newNumericID(), Name: req.Name, Language: req.Language, Category: req.Category,
		Components: req.Components, ParameterFormat: format, final: "APPROVED", reason: "NONE",
		reviewAt: now.Add(s.cfg.Templates.ReviewDelay), bodyParams: bodyParamCount(req.Components),
	}
	lc := strings.ToLower(req.Name + " " + string(req.Components))
	for _, word := range s.cfg.Templates.RejectWords {
		if word != "" && strings.Contains(lc, strings.ToLower(word)) {
			t.final, t.reason = "REJECTED", "ABUSIVE_CONTENT"
			break
		}
	}
	wb.mu.Lock()
	for _, o := range wb.templates {
		if o.Name == t.Name && o.Language == t.Language {
			wb.mu.Unlock()
			e := wire.Errorf(wire.CodeInvalidParameter, "Content in this language already exists for template %s (%s).", t.Name, t.Language)
			e.ErrorSubcode = 2388024
			wire.WriteError(w, e)
			return
		}
	}
	wb.templates = append(wb.templates, t)
	wb.mu.Unlock()
	s.queueTemplateStatus(wb, t)
	writeJSON(w, http.StatusOK, map[string]string{"id": t.ID, "status": t.status(now), "category": t.Category})
}

func (s *Sim) serveTemplateDelete(w http.ResponseWriter, r *http.Request, wb *wabaState) {
	name := r.URL.Query().Get("name")
	if name == "" {
		wire.WriteError(w, wire.NewError(wire.CodeInvalidParameter, "The parameter name is required."))
		return
	}
	hsmID := r.URL.Query().Get("hsm_id")
	wb.mu.Lock()
	kept := wb.templates[:0]
	removed := 0
	for _, t := range wb.templates {
		if t.Name == name && (hsmID == "" || t.ID == hsmID) {
			removed++
			continue
		}
		kept = append(kept, t)
	}
	clear(wb.templates[len(kept):])
	wb.templates = kept
	wb.mu.Unlock()
	if removed == 0 {
		e := wire.Errorf(wire.CodeInvalidParameter, "Message template %q not found.", name)
		e.ErrorSubcode = 2593002
		wire.WriteError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, wire.SuccessResponse{Success: true})
}

// templateStatusValue is the value of a message_template_status_update webhook.
type templateStatusValue struct {
	Event     string `json:"event"`
	ID        int64  `json:"message_template_id"`
	Name      string `json:"message_template_name"`
	Language  string `json:"message_template_language"`
	Reason    string `json:"reason"`
	Category  string `json:"message_template_category"`
	Rejection *struct {
		Reason         string `json:"reason"`
		Recommendation string `json:"recommendation"`
	} `json:"rejection_info,omitempty"`
}

func (s *Sim) queueTemplateStatus(wb *wabaState, t *template) {
	if !s.webhooksOn() {
		return
	}
	id, _ := strconv.ParseInt(t.ID, 10, 64)
	v := templateStatusValue{Event: t.final, ID: id, Name: t.Name, Language: t.Language, Reason: t.reason, Category: t.Category}
	if t.final == "REJECTED" {
		v.Rejection = &struct {
			Reason         string `json:"reason"`
			Recommendation string `json:"recommendation"`
		}{"The template content may violate WhatsApp's Commerce or Business policy.", "Remove prohibited content and submit a new template."}
	}
	if err := s.queueChange(wb.id, t.reviewAt, "message_template_status_update", v); err != nil {
		s.logDrop(fmt.Errorf("template status webhook: %w", err))
	}
}

// SetTemplateStatus changes a reviewed template's status as Meta does when
// it pauses, disables, unpauses or reinstates one (status is the new
// status: PAUSED, DISABLED, APPROVED…), and posts the
// message_template_status_update webhook saying so, titled title
// (FIRST_PAUSE, UNPAUSE…; "" for none).
func (s *Sim) SetTemplateStatus(wabaID, name, language, status, title string) error {
	wb := s.wabas[wabaID]
	if wb == nil {
		return fmt.Errorf("sim: no WABA %s", wabaID)
	}
	status = strings.ToUpper(status)
	now := s.clock.Now()
	wb.mu.Lock()
	found, err := wb.templateLocked(name, language)
	if err != nil {
		wb.mu.Unlock()
		return err
	}
	found.set, found.pausedUntil = status, time.Time{}
	if found.reviewAt.After(now) {
		found.reviewAt = now
	}
	var dropped []heldSend
	if status == "PAUSED" || status == "DISABLED" {
		// Bad early feedback: the held messages are dropped, each with a
		// failed status 132015.
		dropped = found.held
		found.paced, found.held = false, nil
	}
	t := *found
	wb.mu.Unlock()
	s.settleHeld(dropped, wire.CodeTemplatePaused)
	if !s.webhooksOn() {
		return nil
	}
	id, _ := strconv.ParseInt(t.ID, 10, 64)
	v := templateStatusEvent{Event: status, ID: id, Name: t.Name, Language: t.Language, Reason: "NONE", Category: t.Category}
	if title != "" {
		v.OtherInfo = &templateOtherInfo{Title: title, Description: "Set by the simulator."}
	}
	return s.queueChange(wabaID, now, "message_template_status_update", v)
}

// templateLocked finds a template by name and language; wb.mu is held.
func (wb *wabaState) templateLocked(name, language string) (*template, error) {
	for _, t := range wb.templates {
		if t.Name == name && t.Language == language {
			return t, nil
		}
	}
	return nil, fmt.Errorf("sim: WABA %s has no template %s (%s)", wb.id, name, language)
}

// SetTemplateQuality changes a template's quality score and posts the
// message_template_quality_update webhook saying so.
func (s *Sim) SetTemplateQuality(wabaID, name, language, score string) error {
	wb := s.wabas[wabaID]
	if wb == nil {
		return fmt.Errorf("sim: no WABA %s", wabaID)
	}
	wb.mu.Lock()
	found, err := wb.templateLocked(name, language)
	if err != nil {
		wb.mu.Unlock()
		return err
	}
	prev := found.qualityScore()
	found.quality = strings.ToUpper(score)
	t := *found
	wb.mu.Unlock()
	if !s.webhooksOn() {
		return nil
	}
	id, _ := strconv.ParseInt(t.ID, 10, 64)
	return s.queueChange(wabaID, s.clock.Now(), "message_template_quality_update", map[string]any{
		"previous_quality_score": prev, "new_quality_score": t.qualityScore(),
		"message_template_id": id, "message_template_name": t.Name, "message_template_language": t.Language,
	})
}

// templateStatusEvent is a status webhook of a template changed after its
// review.
type templateStatusEvent struct {
	Event     string             `json:"event"`
	ID        int64              `json:"message_template_id"`
	Name      string             `json:"message_template_name"`
	Language  string             `json:"message_template_language"`
	Reason    string             `json:"reason"`
	Category  string             `json:"message_template_category"`
	OtherInfo *templateOtherInfo `json:"other_info,omitempty"`
}

type templateOtherInfo struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}
