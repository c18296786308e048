package sim

import (
	"io"
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/phone"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// maxSendBody bounds a send request; Meta's largest messages are well under it.
const maxSendBody = 1 << 20

func (s *Sim) serveSend(w http.ResponseWriter, r *http.Request, ns *numberState) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSendBody))
	if err != nil {
		wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "could not read request body: %v", err))
		return
	}
	req, werr := wire.ParseSendRequest(body)
	if werr != nil {
		s.reject(ns, werr)
		wire.WriteError(w, werr)
		return
	}
	if req.IsMarkRead() {
		writeJSON(w, http.StatusOK, wire.SuccessResponse{Success: true})
		return
	}
	resp, werr := s.send(r, ns, req)
	if werr != nil {
		s.reject(ns, werr)
		wire.WriteError(w, werr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Sim) reject(ns *numberState, e *wire.Error) {
	ns.mu.Lock()
	ns.rejected[e.Code]++
	ns.mu.Unlock()
}

// send applies Meta's synchronous checks and limits, accepts the message,
// asks the Behaviour what the recipient does, and schedules the webhooks.
func (s *Sim) send(r *http.Request, ns *numberState, req *wire.SendRequest) (*wire.SendResponse, *wire.Error) {
	waID := waIDFor(req.To)
	if waID == "" {
		return nil, wire.Errorf(wire.CodeParameterInvalid, "Param to must be a phone number in international format, got %q.", req.To)
	}
	if waID == ns.cfg.DisplayPhoneNumber {
		return nil, wire.NewError(wire.CodeSameRecipient, "Sender and recipient phone number is the same.")
	}
	d := Delivery{
		PhoneNumberID: ns.cfg.PhoneNumberID, WABAID: ns.waba.id, To: waID,
		Type: req.Type,
	}
	if req.Text != nil {
		d.Text = req.Text.Body
	}
	if werr := s.enforcementGate(ns.waba.id, req.IsTemplate(), s.clock.Now()); werr != nil {
		return nil, werr
	}
	var sentTemplate *template
	if req.IsTemplate() {
		t := req.Template
		lang := ""
		if t.Language != nil {
			lang = t.Language.Code
		}
		tm := ns.waba.findTemplate(t.Name, lang)
		sentTemplate = tm
		now := s.clock.Now()
		st := ""
		if tm != nil {
			ns.waba.mu.Lock()
			st = tm.status(now)
			ns.waba.mu.Unlock()
		}
		switch st {
		case "APPROVED":
		case "PAUSED":
			return nil, wire.Errorf(wire.CodeTemplatePaused, "Template %s (%s) is paused because of low quality.", t.Name, lang)
		case "DISABLED":
			return nil, wire.Errorf(wire.CodeTemplateDisabled, "Template %s (%s) has been paused too many times and is disabled.", t.Name, lang)
		default:
			return nil, wire.Errorf(wire.CodeTemplateMissing, "template name (%s) does not exist in %s", t.Name, lang)
		}
		if got := bodyParams(t); got != tm.bodyParams {
			return nil, wire.Errorf(wire.CodeTemplateParams, "body: number of localizable_params (%d) does not match the expected number of params (%d)", got, tm.bodyParams)
		}
		d.Text, d.TemplateName, d.TemplateLanguage, d.Category = t.Name, t.Name, lang, tm.Category
		d.Content = s.templateContent(tm, t)
	}
	lim := s.cfg.Limits

	ns.mu.Lock()
	now := s.clock.Now()
	if lim.Throughput && !ns.throughputAllows(now) {
		ns.mu.Unlock()
		e := wire.NewError(wire.CodeThroughput, "Cloud API message throughput has been reached.")
		e.ErrorSubcode = 2494055
		e.RetryAfter = 1
		return nil, e
	}
	if lim.PairRate && !ns.pairAllows(waID, now) {
		ns.mu.Unlock()
		return nil, wire.NewError(wire.CodePairRate, "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.")
	}
	ns.meter(now)
	if lim.PairRate {
		ns.pairTake(waID, now)
	}
	d.MessageID = newWamid(ns.rng)
	d.At = now
	d.InServiceWindow = ns.inWindow(waID, now)
	ns.accepted++

	var react Reaction
	_, blocked := ns.blocked[waID]
	switch {
	case blocked:
		react.FailCode = wire.CodeUndeliverable
	case lim.ServiceWindow && !d.InServiceWindow && !req.IsTemplate():
		react.FailCode = wire.CodeWindowClosed
	case d.Category == "MARKETING" && ns.waba.optedOutOf(waID):
		react.FailCode = wire.CodeMarketingStopped
	case d.Category == "MARKETING" && phone.Region(waID) == "US":
		// Since April 1, 2025 marketing templates are not delivered to US
		// numbers: accepted, then failed like the per-user limit.
		react.FailCode = wire.CodeEcosystem
	case lim.MessagingLimit && !d.InServiceWindow && !ns.waba.portfolio.countRecipient(waID, now):
		react.FailCode = wire.CodeSpamRateLimit
	default:
		react = s.behaviour.OnSend(r.Context(), d, ns.rng)
	}
	s.applyReaction(ns, d, react)
	s.observe(ns, d, react)
	if react.FailCode != 0 {
		ns.failed[react.FailCode]++
	}
	ns.record(s.cfg.MaxRecords, SentRecord{
		Seq: s.seq.Add(1), PhoneNumberID: d.PhoneNumberID, To: req.To, WaID: waID, Type: d.Type,
		Body: d.Text, MessageID: d.MessageID, Time: now, FailCode: react.FailCode,
	})
	if react.FailCode == 0 && sentTemplate != nil && ns.waba.pace(sentTemplate, heldSend{ns: ns, d: d, req: req, react: react}) {
		// Paced and over the threshold: held for quality assessment, its
		// statuses wait for ReleaseHeld or a pause.
		react.MessageStatus = wire.MessageStatusHeld
	} else if s.webhooksOn() {
		s.planStatuses(ns, d, req, react)
	}
	ns.mu.Unlock()

	msg := wire.SentMessage{ID: d.MessageID}
	switch {
	case react.MessageStatus != "":
		msg.MessageStatus = react.MessageStatus
	case req.IsTemplate():
		msg.MessageStatus = wire.MessageStatusAccepted
	}
	return &wire.SendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []wire.SendContact{{Input: req.To, WaID: waID}},
		Messages:         []wire.SentMessage{msg},
	}, nil
}

// bodyParams counts the parameters a template send gives its body.
func bodyParams(t *wire.Template) int {
	n := 0
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, "body") {
			n += len(c.Parameters)
		}
	}
	return n
}

func (w *wabaState) optedOutOf(waID string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.optedOut[waID]
	return ok
}

// applyReaction records the recipient's side effects; ns.mu must be held.
func (s *Sim) applyReaction(ns *numberState, d Delivery, react Reaction) {
	if react.Block {
		ns.blocked[d.To] = struct{}{}
		ns.blocks++
	}
	if react.Report {
		ns.reports++
	}
	if react.Quality != "" {
		ns.quality = react.Quality
	}
	if react.OptOutMarketing {
		ns.waba.mu.Lock()
		ns.waba.optedOut[d.To] = struct{}{}
		ns.waba.mu.Unlock()
		s.queueUserPreference(ns, d.To, "stop", d.At.Add(s.cfg.Webhooks.DeliveredDelay))
	}
	if react.Reply != "" {
		// The reply opens the service window as soon as it is decided; the
		// webhook about it follows after delivery.
		ns.csw[d.To] = d.At
		if s.cfg.Limits.Throughput {
			ns.meter(d.At) // the reply counts against the number's throughput
		}
		s.queueInbound(ns, d.To, newWamid(ns.rng), react.Reply, "", d.At.Add(s.cfg.Webhooks.DeliveredDelay))
	}
}
