package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// SayRequest is a simulated person writing to a business number: the body of
// POST /sim/say on the simulator and of the gateway's demo endpoint.
type SayRequest struct {
	// From is the person's phone number, in any format Meta accepts.
	From string `json:"from"`
	// ToPhoneNumberID is the business number written to; it may be empty
	// when the simulator has exactly one number.
	ToPhoneNumberID string `json:"to_phone_number_id,omitempty"`
	// Text is the message, or the caption when Media is set.
	Text string `json:"text"`
	// Media, when set, makes the person send a medium instead of a text.
	Media *SayMedia `json:"media,omitempty"`
	// ReplyTo is Meta's id of the business message the text answers
	// (WhatsApp's "reply" to a message), sent as context.id.
	ReplyTo string `json:"reply_to,omitempty"`
}

// SayMedia is a medium a simulated person sends through Say.
type SayMedia struct {
	// Type is image, video, audio, document or sticker.
	Type     string `json:"type"`
	MimeType string `json:"mime_type"`
	// Data is the file (base64 in JSON).
	Data     []byte `json:"data"`
	Filename string `json:"filename,omitempty"`
}

// MaxSayBody bounds a say request: a text, or a medium of up to about 6 MiB
// in base64.
const MaxSayBody = 8 << 20

// SayResult is what Say did: the inbound message's id, the person's wa_id and
// when the 24-hour customer-service window it opened closes.
type SayResult struct {
	MessageID     string    `json:"message_id"`
	PhoneNumberID string    `json:"phone_number_id"`
	WaID          string    `json:"wa_id"`
	WindowUntil   time.Time `json:"window_open_until"`
	// MediaID is the id of the medium sent, when one was.
	MediaID string `json:"media_id,omitempty"`
}

// ErrNoWebhooks is returned by Say when the simulator has nowhere to send the
// inbound message: without the webhook the business never hears of it.
var ErrNoWebhooks = errors.New("sim: webhooks are off or no webhook URL is set, so nobody would receive the message")

// maxSayText is Meta's limit for a text body, which a person's message shares.
const maxSayText = 4096

// Say makes a simulated person send a text (or, with Media, a medium) to a
// business number, exactly as a real one would: the 24-hour window of (number, person) opens at once and
// a signed messages webhook is queued for the business.
func (s *Sim) Say(req SayRequest) (SayResult, error) {
	if !s.webhooksOn() {
		return SayResult{}, ErrNoWebhooks
	}
	pnid := req.ToPhoneNumberID
	if pnid == "" {
		if len(s.order) != 1 {
			return SayResult{}, fmt.Errorf("sim: to_phone_number_id is required when the simulator has %d numbers", len(s.order))
		}
		pnid = s.order[0].cfg.PhoneNumberID
	}
	if req.Text == "" && req.Media == nil {
		return SayResult{}, errors.New("sim: text is required")
	}
	if len([]rune(req.Text)) > maxSayText {
		return SayResult{}, fmt.Errorf("sim: text is longer than %d characters", maxSayText)
	}
	var id, mediaID string
	var err error
	if m := req.Media; m != nil {
		id, mediaID, err = s.InboundMedia(pnid, req.From, InboundMedia{Type: m.Type, MimeType: m.MimeType, Data: m.Data, Caption: req.Text, Filename: m.Filename})
	} else {
		id, err = s.InboundReply(pnid, req.From, req.Text, req.ReplyTo)
	}
	if err != nil {
		return SayResult{}, err
	}
	return SayResult{
		MessageID: id, PhoneNumberID: pnid, WaID: waIDFor(req.From),
		WindowUntil: s.clock.Now().Add(24 * time.Hour).UTC(), MediaID: mediaID,
	}, nil
}

// serveSay is POST /sim/say. It needs no token, like /sim/stats: the person
// is not the business, and the simulator is a test tool on loopback.
func (s *Sim) serveSay(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		wire.WriteError(w, unsupported(r.Method, "say"))
		return
	}
	res, werr := s.SayHTTP(r)
	if werr != nil {
		wire.WriteError(w, werr)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// SayHTTP reads a SayRequest from r's JSON body and says it, answering
// failures as Graph-shaped errors. The gateway's demo endpoint shares it.
func (s *Sim) SayHTTP(r *http.Request) (SayResult, *wire.Error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxSayBody))
	if err != nil {
		return SayResult{}, wire.Errorf(wire.CodeInvalidParameter, "could not read request body: %v", err)
	}
	var req SayRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return SayResult{}, wire.Errorf(wire.CodeInvalidParameter, "request body must be JSON {\"from\",\"to_phone_number_id\",\"text\"}: %v", err)
	}
	if req.From == "" {
		return SayResult{}, wire.NewError(wire.CodeMissingParameter, "The parameter from is required.")
	}
	res, err := s.Say(req)
	if err != nil {
		e := wire.NewError(wire.CodeInvalidParameter, err.Error())
		if errors.Is(err, ErrNoWebhooks) {
			e.HTTPStatus = http.StatusConflict
		}
		return SayResult{}, e
	}
	return res, nil
}
