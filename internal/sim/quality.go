package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// QualityConfig turns recipients' feedback into the number's quality
// rating and each template's quality score, and pauses templates that fall
// to RED. With Enabled, every delivered message and every block, report,
// mute and opt-out of its recipient (from the Behaviour's Reaction) enter a
// 7-day window of hourly buckets, weighted by recency with HalfLife. The
// score is the weighted negative feedback per weighted delivered message,
// with PriorMessages clean deliveries added so that a few early blocks do
// not flip a young number. Zero fields take DefaultQuality's values.
type QualityConfig struct {
	Enabled bool
	// HalfLife of a signal's weight inside the 7-day window.
	HalfLife time.Duration
	// PriorMessages clean deliveries weigh against early feedback.
	PriorMessages float64
	// Weights of each negative signal.
	BlockWeight, ReportWeight, MuteWeight, OptOutWeight float64
	// A number or template turns YELLOW at YellowAt and RED at RedAt; it
	// leaves RED below RedExit and YELLOW below YellowExit (hysteresis).
	YellowAt, RedAt, RedExit, YellowExit float64
	// TemplateMinMessages delivered messages before a template is rated
	// (UNKNOWN until then).
	TemplateMinMessages int
	// FirstPause and SecondPause are how long a template that falls to RED
	// is paused the first and second time; the third time it is disabled.
	FirstPause, SecondPause time.Duration
}

// DefaultQuality returns the quality defaults (disabled).
func DefaultQuality() QualityConfig {
	return QualityConfig{
		HalfLife: 24 * time.Hour, PriorMessages: 50,
		BlockWeight: 1, ReportWeight: 3, MuteWeight: 0.2, OptOutWeight: 0.5,
		YellowAt: 0.03, RedAt: 0.08, RedExit: 0.06, YellowExit: 0.02,
		TemplateMinMessages: 20,
		FirstPause:          3 * time.Hour, SecondPause: 6 * time.Hour,
	}
}

func (q QualityConfig) withDefaults() QualityConfig {
	d := DefaultQuality()
	setF := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setD(&q.HalfLife, d.HalfLife)
	setD(&q.FirstPause, d.FirstPause)
	setD(&q.SecondPause, d.SecondPause)
	setF(&q.PriorMessages, d.PriorMessages)
	setF(&q.BlockWeight, d.BlockWeight)
	setF(&q.ReportWeight, d.ReportWeight)
	setF(&q.MuteWeight, d.MuteWeight)
	setF(&q.OptOutWeight, d.OptOutWeight)
	setF(&q.YellowAt, d.YellowAt)
	setF(&q.RedAt, d.RedAt)
	setF(&q.RedExit, d.RedExit)
	setF(&q.YellowExit, d.YellowExit)
	if q.TemplateMinMessages <= 0 {
		q.TemplateMinMessages = d.TemplateMinMessages
	}
	return q
}

func (q QualityConfig) validate() error {
	if !(q.YellowExit <= q.YellowAt && q.YellowAt <= q.RedExit && q.RedExit <= q.RedAt) {
		return fmt.Errorf("sim: quality thresholds must satisfy YellowExit ≤ YellowAt ≤ RedExit ≤ RedAt, got %v ≤ %v ≤ %v ≤ %v",
			q.YellowExit, q.YellowAt, q.RedExit, q.RedAt)
	}
	return nil
}

// windowHours is Meta's 7-day quality window in hourly buckets.
const windowHours = 7 * 24

// feedbackWindow holds delivered messages and weighted negative feedback in
// hourly buckets of the last 7 days.
type feedbackWindow struct {
	hour int64 // hour index (unix hours) of the newest bucket written
	del  [windowHours]float64
	neg  [windowHours]float64
}

func unixHour(t time.Time) int64 { return int64(math.Floor(float64(t.Unix()) / 3600)) }

func bucket(h int64) int { return int(((h % windowHours) + windowHours) % windowHours) }

func (w *feedbackWindow) add(at time.Time, delivered, negative float64) {
	h := unixHour(at)
	if h > w.hour {
		if h-w.hour >= windowHours {
			w.del, w.neg = [windowHours]float64{}, [windowHours]float64{}
		} else {
			for x := w.hour + 1; x <= h; x++ {
				w.del[bucket(x)], w.neg[bucket(x)] = 0, 0
			}
		}
		w.hour = h
	}
	// Late feedback of an earlier hour still inside the window counts there.
	if w.hour-h >= windowHours {
		return
	}
	w.del[bucket(h)] += delivered
	w.neg[bucket(h)] += negative
}

// score is the recency-weighted negative feedback per delivered message at
// now, and the weighted number of deliveries.
func (w *feedbackWindow) score(now time.Time, weights *[windowHours]float64, prior float64) (score, volume float64) {
	hn := unixHour(now)
	var del, neg float64
	for i := int64(0); i < windowHours; i++ {
		h := w.hour - i
		age := hn - h
		if age < 0 {
			age = 0
		}
		if age >= windowHours {
			break
		}
		wt := weights[age]
		del += wt * w.del[bucket(h)]
		neg += wt * w.neg[bucket(h)]
	}
	return neg / (prior + del), del
}

// rate moves a rating by a score with hysteresis.
func (q QualityConfig) rate(current string, score float64) string {
	switch current {
	case "RED":
		switch {
		case score < q.YellowExit:
			return "GREEN"
		case score < q.RedExit:
			return "YELLOW"
		}
		return "RED"
	case "YELLOW":
		switch {
		case score >= q.RedAt:
			return "RED"
		case score < q.YellowExit:
			return "GREEN"
		}
		return "YELLOW"
	}
	switch {
	case score >= q.RedAt:
		return "RED"
	case score >= q.YellowAt:
		return "YELLOW"
	}
	return "GREEN"
}

// QualityChange is one change of a number's quality rating or of a
// template's quality score or status.
type QualityChange struct {
	At    time.Time `json:"at"`
	From  string    `json:"from"`
	To    string    `json:"to"`
	Score float64   `json:"score"`
	// Template is "name (language)" for template changes, "" for the number.
	Template string `json:"template,omitempty"`
	// Event is PAUSED, APPROVED (unpaused) or DISABLED for status changes,
	// "" for a change of quality.
	Event string `json:"event,omitempty"`
}

// behaviour is the state of the recipient, quality and enforcement models;
// nil in a Sim that has none of them on.
type behaviour struct {
	pop     *population
	qcfg    QualityConfig
	ecfg    EnforcementConfig
	weights [windowHours]float64
	numbers map[string]*numberQuality // fixed after New; guarded by the number's mu
	wabas   map[string]*wabaQuality   // fixed after New
	bodies  sync.Map                  // template id → body text
}

type numberQuality struct {
	win      feedbackWindow
	score    float64
	redSince time.Time
	history  []QualityChange
}

type templateQuality struct {
	win     feedbackWindow
	count   int
	score   float64
	pauses  int
	negSeen bool // negative feedback since the last pause ended
}

func newBehaviour(cfg Config, numbers []*numberState, wabas map[string]*wabaState) (*behaviour, error) {
	if !cfg.Population.Enabled && !cfg.Quality.Enabled && !cfg.Enforcement.Enabled {
		return nil, nil
	}
	b := &behaviour{
		qcfg: cfg.Quality.withDefaults(), ecfg: cfg.Enforcement.withDefaults(),
		numbers: map[string]*numberQuality{}, wabas: map[string]*wabaQuality{},
	}
	if err := b.qcfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Population.ConsentShare > 1 {
		return nil, fmt.Errorf("sim: Population.ConsentShare %v is above 1", cfg.Population.ConsentShare)
	}
	b.qcfg.Enabled = cfg.Quality.Enabled || cfg.Enforcement.Enabled
	if cfg.Population.Enabled {
		b.pop = newPopulation(cfg.Population, cfg.Seed)
	}
	for age := range b.weights {
		b.weights[age] = math.Exp2(-float64(age) * float64(time.Hour) / float64(b.qcfg.HalfLife))
	}
	for _, ns := range numbers {
		b.numbers[ns.cfg.PhoneNumberID] = &numberQuality{}
	}
	for id := range wabas {
		b.wabas[id] = &wabaQuality{templates: map[string]*templateQuality{}}
	}
	return b, nil
}

// negative is the weighted negative feedback of one reaction.
func (q QualityConfig) negative(r Reaction) float64 {
	var n float64
	if r.Report {
		n += q.ReportWeight
	}
	if r.Block {
		n += q.BlockWeight
	}
	if r.Mute {
		n += q.MuteWeight
	}
	if isStop(r.Reply) {
		n += q.OptOutWeight
	}
	return n
}

func isStop(reply string) bool {
	switch strings.ToUpper(strings.TrimSpace(reply)) {
	case "PARAR", "STOP", "BAJA", "SAIR", "CANCELAR":
		return true
	}
	return false
}

// templateContent is what the recipient of a template reads: its body text
// and the parameters filled in, cached per template.
func (s *Sim) templateContent(tm *template, t *wire.Template) string {
	if s.beh == nil || s.beh.pop == nil {
		return ""
	}
	body, ok := s.beh.bodies.Load(tm.ID)
	if !ok {
		var comps []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		text := ""
		if json.Unmarshal(tm.Components, &comps) == nil {
			for _, c := range comps {
				if strings.EqualFold(c.Type, "BODY") || strings.EqualFold(c.Type, "HEADER") {
					text += c.Text + "\n"
				}
			}
		}
		body, _ = s.beh.bodies.LoadOrStore(tm.ID, text)
	}
	var b strings.Builder
	b.WriteString(body.(string))
	for _, c := range t.Components {
		for _, p := range c.Parameters {
			b.WriteString(p.Text)
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// observe feeds one accepted message and its recipient's reaction to the
// quality and enforcement models; ns.mu must be held.
func (s *Sim) observe(ns *numberState, d Delivery, r Reaction) {
	b := s.beh
	if b == nil || !b.qcfg.Enabled || r.FailCode != 0 {
		return
	}
	neg := b.qcfg.negative(r)
	nq := b.numbers[ns.cfg.PhoneNumberID]
	nq.win.add(d.At, 1, neg)
	if d.TemplateName != "" {
		if tm := ns.waba.findTemplate(d.TemplateName, d.TemplateLanguage); tm != nil {
			s.observeTemplate(ns.waba, tm, d.At, neg)
		}
	}
	if r.Report {
		b.wabas[ns.waba.id].report(d.At, b.ecfg)
	}
	if neg > 0 {
		b.wabas[ns.waba.id].negative()
	}
	s.rateNumber(ns, nq, d.At)
}

// rateNumber re-rates a number at now and steps the enforcement ladder if
// its feedback calls for it; ns.mu must be held.
func (s *Sim) rateNumber(ns *numberState, nq *numberQuality, now time.Time) {
	b := s.beh
	score, _ := nq.win.score(now, &b.weights, b.qcfg.PriorMessages)
	nq.score = score
	prev := ns.quality
	next := b.qcfg.rate(prev, score)
	if next != prev {
		ns.quality = next
		nq.history = append(nq.history, QualityChange{At: now, From: prev, To: next, Score: score})
		switch {
		case next == "RED":
			nq.redSince = now
			s.queueNumberQuality(ns, "FLAGGED", now)
		case prev == "RED":
			nq.redSince = time.Time{}
			s.queueNumberQuality(ns, "UNFLAGGED", now)
		}
	}
	if b.ecfg.Enabled {
		s.enforce(ns, nq, now)
	}
}

// refreshQuality re-rates every number at the clock's time, so that
// feedback ageing out of the window shows without new sends.
func (s *Sim) refreshQuality() {
	if s.beh == nil || !s.beh.qcfg.Enabled {
		return
	}
	now := s.clock.Now()
	for _, ns := range s.order {
		ns.mu.Lock()
		s.rateNumber(ns, s.beh.numbers[ns.cfg.PhoneNumberID], now)
		ns.mu.Unlock()
	}
}

// phoneQualityValue is the value of a phone_number_quality_update webhook.
type phoneQualityValue struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	Event              string `json:"event"`
	CurrentLimit       string `json:"current_limit"`
	MaxDaily           string `json:"max_daily_conversations_per_business"`
}

func (s *Sim) queueNumberQuality(ns *numberState, event string, at time.Time) {
	if !s.webhooksOn() {
		return
	}
	v := phoneQualityValue{DisplayPhoneNumber: strings.TrimPrefix(ns.cfg.DisplayPhoneNumber, "+"), Event: event,
		CurrentLimit: ns.cfg.MessagingLimitTier, MaxDaily: ns.cfg.MessagingLimitTier}
	if err := s.queueChange(ns.waba.id, at, "phone_number_quality_update", v); err != nil {
		s.logDrop(fmt.Errorf("phone number quality webhook: %w", err))
	}
}

// observeTemplate rates a template after one more delivery and pauses or
// disables it when it falls to RED.
func (s *Sim) observeTemplate(wb *wabaState, tm *template, now time.Time, neg float64) {
	b := s.beh
	wq := b.wabas[wb.id]
	wq.mu.Lock()
	defer wq.mu.Unlock()
	tq := wq.templates[tm.ID]
	if tq == nil {
		tq = &templateQuality{}
		wq.templates[tm.ID] = tq
	}
	tq.win.add(now, 1, neg)
	tq.count++
	if neg > 0 {
		tq.negSeen = true
	}
	if tq.count < b.qcfg.TemplateMinMessages {
		return
	}
	score, _ := tq.win.score(now, &b.weights, b.qcfg.PriorMessages)
	tq.score = score
	wb.mu.Lock()
	prev := tm.qualityScore()
	cur := prev
	if cur == "UNKNOWN" {
		cur = "GREEN"
	}
	next := b.qcfg.rate(cur, score)
	changed := next != prev
	if changed {
		tm.quality = next
	}
	status := tm.status(now)
	snap := *tm
	wb.mu.Unlock()
	label := tm.Name + " (" + tm.Language + ")"
	if changed {
		wq.history = append(wq.history, QualityChange{At: now, From: prev, To: next, Score: score, Template: label})
		s.queueTemplateQuality(wb.id, &snap, prev, now)
	}
	if next != "RED" || status != "APPROVED" || !tq.negSeen {
		return
	}
	tq.pauses++
	tq.negSeen = false
	event, title, until := "PAUSED", "FIRST_PAUSE", now.Add(b.qcfg.FirstPause)
	switch tq.pauses {
	case 1:
	case 2:
		title, until = "SECOND_PAUSE", now.Add(b.qcfg.SecondPause)
	default:
		event, title, until = "DISABLED", "DISABLED", time.Time{}
	}
	wb.mu.Lock()
	tm.set, tm.pausedUntil = event, until
	wb.mu.Unlock()
	wq.history = append(wq.history, QualityChange{At: now, From: "APPROVED", To: event, Score: score, Template: label, Event: event})
	s.queueTemplatePause(wb.id, &snap, event, title, now, until)
	if event == "PAUSED" {
		wq.history = append(wq.history, QualityChange{At: until, From: "PAUSED", To: "APPROVED", Score: score, Template: label, Event: "APPROVED"})
		s.queueTemplatePause(wb.id, &snap, "APPROVED", "UNPAUSE", until, time.Time{})
	}
}

func (s *Sim) queueTemplateQuality(wabaID string, t *template, prev string, at time.Time) {
	if !s.webhooksOn() {
		return
	}
	id, _ := strconv.ParseInt(t.ID, 10, 64)
	err := s.queueChange(wabaID, at, "message_template_quality_update", map[string]any{
		"previous_quality_score": prev, "new_quality_score": t.qualityScore(),
		"message_template_id": id, "message_template_name": t.Name, "message_template_language": t.Language,
	})
	if err != nil {
		s.logDrop(fmt.Errorf("template quality webhook: %w", err))
	}
}

// templatePauseValue is a message_template_status_update about a pause,
// an unpause or a disable.
type templatePauseValue struct {
	Event       string             `json:"event"`
	ID          int64              `json:"message_template_id"`
	Name        string             `json:"message_template_name"`
	Language    string             `json:"message_template_language"`
	Reason      string             `json:"reason"`
	Category    string             `json:"message_template_category"`
	DisableInfo *templateDisable   `json:"disable_info,omitempty"`
	OtherInfo   *templateOtherInfo `json:"other_info,omitempty"`
}

type templateDisable struct {
	DisableDate int64 `json:"disable_date"`
}

func (s *Sim) queueTemplatePause(wabaID string, t *template, event, title string, at, until time.Time) {
	if !s.webhooksOn() {
		return
	}
	id, _ := strconv.ParseInt(t.ID, 10, 64)
	v := templatePauseValue{Event: event, ID: id, Name: t.Name, Language: t.Language, Reason: "NONE", Category: t.Category}
	desc := ""
	switch title {
	case "FIRST_PAUSE", "SECOND_PAUSE":
		hours := int(until.Sub(at).Round(time.Hour) / time.Hour)
		desc = fmt.Sprintf("Your WhatsApp message template has been paused for %d hours until %s because of issues related to low quality.",
			hours, until.UTC().Format("Jan 2 at 3:04 PM MST"))
	case "UNPAUSE":
		desc = "Your WhatsApp message template is no longer paused and can be sent again."
	case "DISABLED":
		desc = "Your WhatsApp message template has been disabled because it was paused too many times for low quality."
		v.DisableInfo = &templateDisable{DisableDate: at.Unix()}
	}
	v.OtherInfo = &templateOtherInfo{Title: title, Description: desc}
	if err := s.queueChange(wabaID, at, "message_template_status_update", v); err != nil {
		s.logDrop(fmt.Errorf("template status webhook: %w", err))
	}
}

// QualityHistory returns the changes of a number's quality rating, oldest
// first (nil without the quality model or for an unknown number).
func (s *Sim) QualityHistory(phoneNumberID string) []QualityChange {
	ns := s.numbers[phoneNumberID]
	if ns == nil || s.beh == nil {
		return nil
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return append([]QualityChange(nil), s.beh.numbers[phoneNumberID].history...)
}

// QualityScore returns a number's current recency-weighted negative
// feedback score (0 without the quality model).
func (s *Sim) QualityScore(phoneNumberID string) float64 {
	ns := s.numbers[phoneNumberID]
	if ns == nil || s.beh == nil {
		return 0
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return s.beh.numbers[phoneNumberID].score
}

// TemplateHistory returns the quality and status changes of a WABA's
// templates decided by the quality model, oldest first. An unpause is
// listed at pause time with its due time.
func (s *Sim) TemplateHistory(wabaID string) []QualityChange {
	if s.beh == nil || s.beh.wabas[wabaID] == nil {
		return nil
	}
	wq := s.beh.wabas[wabaID]
	wq.mu.Lock()
	defer wq.mu.Unlock()
	return append([]QualityChange(nil), wq.history...)
}

// Population returns the recipients' tallies (zero without the population model).
func (s *Sim) Population() PopulationTallies {
	if s.beh == nil || s.beh.pop == nil {
		return PopulationTallies{}
	}
	return s.beh.pop.snapshot()
}

// BehaviourReport is everything the recipient, quality and enforcement
// models decided, for GET /sim/behaviour and for tests of the gateway.
type BehaviourReport struct {
	Population PopulationTallies        `json:"population"`
	Numbers    map[string]NumberQuality `json:"numbers"`
	WABAs      map[string]WABAQuality   `json:"wabas"`
}

// NumberQuality is a number's rating, score and rating history.
type NumberQuality struct {
	QualityRating string          `json:"quality_rating"`
	Score         float64         `json:"score"`
	History       []QualityChange `json:"history"`
}

// WABAQuality is a WABA's template decisions and enforcement steps.
type WABAQuality struct {
	Templates   []QualityChange     `json:"templates"`
	Enforcement []EnforcementAction `json:"enforcement"`
}

// Behaviour returns the models' report (empty maps when they are off).
func (s *Sim) Behaviour() BehaviourReport {
	rep := BehaviourReport{Population: s.Population(), Numbers: map[string]NumberQuality{}, WABAs: map[string]WABAQuality{}}
	if s.beh == nil {
		return rep
	}
	s.refreshQuality()
	for _, ns := range s.order {
		id := ns.cfg.PhoneNumberID
		rep.Numbers[id] = NumberQuality{QualityRating: s.Quality(id), Score: s.QualityScore(id), History: s.QualityHistory(id)}
	}
	for id := range s.wabas {
		rep.WABAs[id] = WABAQuality{Templates: s.TemplateHistory(id), Enforcement: s.Enforcement(id)}
	}
	return rep
}
