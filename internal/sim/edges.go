package sim

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// edgeState holds what the Graph edges beyond sending keep per phone number
// and WABA: business profiles, blocked users, QR codes and app
// subscriptions. The zero value is ready to use.
type edgeState struct {
	mu       sync.Mutex
	profiles map[string]map[string]any    // phone_number_id -> profile fields
	blocks   map[string]map[string]bool   // phone_number_id -> blocked wa_ids
	qrdls    map[string]map[string]qrCode // phone_number_id -> code -> QR code
	unsubbed map[string]bool              // WABA ids whose app was unsubscribed
}

type qrCode struct {
	Code             string `json:"code"`
	PrefilledMessage string `json:"prefilled_message"`
	DeepLinkURL      string `json:"deep_link_url"`
	QRImageURL       string `json:"qr_image_url,omitempty"`
}

// simAppID and simAppName describe the app subscribed to every WABA.
const (
	simAppID   = "1234567890123456"
	simAppName = "wabaguard simulator"
)

// params reads a request's parameters as Graph does: the query, then a form
// or JSON body on top.
func params(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	out := map[string]json.RawMessage{}
	for k, vs := range r.URL.Query() {
		b, _ := json.Marshal(vs[0])
		out[k] = b
	}
	if r.Method != http.MethodPost && r.Method != http.MethodDelete {
		return out, true
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "could not read request body: %v", err))
		return nil, false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return out, true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "Invalid form body"))
			return nil, false
		}
		for k, vs := range v {
			b, _ := json.Marshal(vs[0])
			out[k] = b
		}
		return out, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "Invalid JSON for postcard"))
		return nil, false
	}
	for k, v := range m {
		out[k] = v
	}
	return out, true
}

// str is a parameter as a string: a JSON string, or the raw JSON otherwise.
func str(p map[string]json.RawMessage, k string) string {
	raw, ok := p[k]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// servePhoneNumbers answers GET /{waba_id}/phone_numbers.
func (s *Sim) servePhoneNumbers(w http.ResponseWriter, r *http.Request, wb *wabaState) {
	data := make([]map[string]any, 0, len(wb.numbers))
	for _, ns := range wb.numbers {
		rec := httptestRecorder{}
		s.servePhoneNumber(&rec, r, ns)
		if rec.status != http.StatusOK {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(rec.body, &m)
		// The listing always carries these, whatever fields were asked.
		m["display_phone_number"] = ns.cfg.DisplayPhoneNumber
		m["status"] = ns.cfg.Status
		data = append(data, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "paging": paging{Cursors: cursors{Before: encodeCursor(0), After: encodeCursor(len(data))}}})
}

// httptestRecorder captures one JSON answer of a handler in this package.
type httptestRecorder struct {
	h      http.Header
	status int
	body   []byte
}

func (r *httptestRecorder) Header() http.Header {
	if r.h == nil {
		r.h = http.Header{}
	}
	return r.h
}
func (r *httptestRecorder) WriteHeader(code int) { r.status = code }
func (r *httptestRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

// profileFields are the business profile's fields and their defaults.
var profileFields = []string{"about", "address", "description", "email", "profile_picture_url", "websites", "vertical"}

// serveBusinessProfile answers GET and POST /{phone_number_id}/whatsapp_business_profile.
func (s *Sim) serveBusinessProfile(w http.ResponseWriter, r *http.Request, ns *numberState) {
	p, ok := params(w, r)
	if !ok {
		return
	}
	id := ns.cfg.PhoneNumberID
	s.edges.mu.Lock()
	defer s.edges.mu.Unlock()
	if s.edges.profiles == nil {
		s.edges.profiles = map[string]map[string]any{}
	}
	prof := s.edges.profiles[id]
	if prof == nil {
		prof = map[string]any{"about": "Hello from " + ns.cfg.VerifiedName, "address": "", "description": "",
			"email": "", "profile_picture_url": "", "websites": []string{}, "vertical": "OTHER"}
		s.edges.profiles[id] = prof
	}
	if r.Method == http.MethodPost {
		if str(p, "messaging_product") != "whatsapp" {
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "The parameter messaging_product is required."))
			return
		}
		for _, f := range profileFields {
			raw, ok := p[f]
			if !ok {
				continue
			}
			if f == "websites" {
				var ws []string
				if json.Unmarshal(raw, &ws) != nil || len(ws) > 2 {
					wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "Param websites must be an array of at most 2 URLs."))
					return
				}
				prof[f] = ws
				continue
			}
			prof[f] = str(p, f)
		}
		writeJSON(w, http.StatusOK, wire.SuccessResponse{Success: true})
		return
	}
	fields := profileFields
	if f := str(p, "fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	out := map[string]any{"messaging_product": "whatsapp"}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		v, ok := prof[f]
		if !ok {
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter,
				"Tried accessing nonexisting field (%s) on node type (WhatsAppBusinessProfile)", f))
			return
		}
		out[f] = v
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{out}})
}

// serveSubscribedApps answers GET, POST and DELETE /{waba_id}/subscribed_apps.
func (s *Sim) serveSubscribedApps(w http.ResponseWriter, r *http.Request, wb *wabaState) {
	if _, ok := params(w, r); !ok {
		return
	}
	s.edges.mu.Lock()
	defer s.edges.mu.Unlock()
	if s.edges.unsubbed == nil {
		s.edges.unsubbed = map[string]bool{}
	}
	switch r.Method {
	case http.MethodPost:
		delete(s.edges.unsubbed, wb.id)
	case http.MethodDelete:
		s.edges.unsubbed[wb.id] = true
	default:
		data := []any{}
		if !s.edges.unsubbed[wb.id] {
			data = append(data, map[string]any{"whatsapp_business_api_data": map[string]string{
				"id": simAppID, "name": simAppName, "link": "https://www.facebook.com/games/?app_id=" + simAppID}})
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	writeJSON(w, http.StatusOK, wire.SuccessResponse{Success: true})
}

// serveBlockUsers answers GET, POST and DELETE /{phone_number_id}/block_users.
func (s *Sim) serveBlockUsers(w http.ResponseWriter, r *http.Request, ns *numberState) {
	p, ok := params(w, r)
	if !ok {
		return
	}
	id := ns.cfg.PhoneNumberID
	s.edges.mu.Lock()
	defer s.edges.mu.Unlock()
	if s.edges.blocks == nil {
		s.edges.blocks = map[string]map[string]bool{}
	}
	set := s.edges.blocks[id]
	if set == nil {
		set = map[string]bool{}
		s.edges.blocks[id] = set
	}
	if r.Method == http.MethodGet {
		ids := make([]string, 0, len(set))
		for wa := range set {
			ids = append(ids, wa)
		}
		sort.Strings(ids)
		data := make([]map[string]string, len(ids))
		for i, wa := range ids {
			data[i] = map[string]string{"messaging_product": "whatsapp", "wa_id": wa}
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data, "paging": paging{Cursors: cursors{Before: encodeCursor(0), After: encodeCursor(len(data))}}})
		return
	}
	var users []struct {
		User string `json:"user"`
	}
	raw := p["block_users"]
	var asString string
	if json.Unmarshal(raw, &asString) == nil {
		raw = json.RawMessage(asString) // a form body carries the array as a JSON string
	}
	if str(p, "messaging_product") != "whatsapp" || json.Unmarshal(raw, &users) != nil || len(users) == 0 {
		wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "The parameters messaging_product and block_users are required."))
		return
	}
	type result struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	}
	done := make([]result, 0, len(users))
	for _, u := range users {
		wa := waIDFor(u.User)
		if wa == "" {
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "Invalid user %q in block_users.", u.User))
			return
		}
		if r.Method == http.MethodPost {
			set[wa] = true
		} else {
			delete(set, wa)
		}
		done = append(done, result{u.User, wa})
	}
	key := "added_users"
	if r.Method == http.MethodDelete {
		key = "removed_users"
	}
	writeJSON(w, http.StatusOK, map[string]any{"messaging_product": "whatsapp", "block_users": map[string]any{key: done}})
}

// serveQRDLs answers the /{phone_number_id}/message_qrdls edge; code is the
// item segment, "" for the edge itself.
func (s *Sim) serveQRDLs(w http.ResponseWriter, r *http.Request, ns *numberState, code string) {
	p, ok := params(w, r)
	if !ok {
		return
	}
	if code == "" {
		code = str(p, "code")
	}
	id := ns.cfg.PhoneNumberID
	s.edges.mu.Lock()
	defer s.edges.mu.Unlock()
	if s.edges.qrdls == nil {
		s.edges.qrdls = map[string]map[string]qrCode{}
	}
	codes := s.edges.qrdls[id]
	if codes == nil {
		codes = map[string]qrCode{}
		s.edges.qrdls[id] = codes
	}
	switch r.Method {
	case http.MethodGet:
		var data []qrCode
		if code != "" {
			qr, ok := codes[code]
			if !ok {
				wire.WriteError(w, unsupported(r.Method, code))
				return
			}
			data = []qrCode{qr}
		} else {
			data = make([]qrCode, 0, len(codes))
			for _, qr := range codes {
				data = append(data, qr)
			}
			sort.Slice(data, func(i, j int) bool { return data[i].Code < data[j].Code })
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": data})
	case http.MethodDelete:
		if _, ok := codes[code]; !ok {
			wire.WriteError(w, unsupported(r.Method, code))
			return
		}
		delete(codes, code)
		writeJSON(w, http.StatusOK, wire.SuccessResponse{Success: true})
	default:
		msg := str(p, "prefilled_message")
		if msg == "" {
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter, "The parameter prefilled_message is required."))
			return
		}
		if code != "" {
			if _, ok := codes[code]; !ok {
				wire.WriteError(w, unsupported(r.Method, code))
				return
			}
		} else {
			code = s.newQRCode()
		}
		qr := qrCode{Code: code, PrefilledMessage: msg, DeepLinkURL: "https://wa.me/message/" + code}
		codes[code] = qr
		if f := strings.ToUpper(str(p, "generate_qr_image")); f == "SVG" || f == "PNG" {
			qr.QRImageURL = "https://scontent.example/qr/" + code + "." + strings.ToLower(f)
		}
		writeJSON(w, http.StatusOK, qr)
	}
}

// newQRCode is a code in Meta's form: 14 characters of the base32 alphabet.
func (s *Sim) newQRCode() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	b := make([]byte, 14)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// wabaFields are what GET /{waba_id} returns; Meta's default set is id and name.
var defaultWABAFields = []string{"id", "name"}

// serveWABA answers GET /{waba_id}.
func (s *Sim) serveWABA(w http.ResponseWriter, r *http.Request, wb *wabaState) {
	fields := defaultWABAFields
	if f := r.URL.Query().Get("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	out := map[string]any{}
	for _, f := range fields {
		switch f = strings.TrimSpace(f); f {
		case "id":
		case "name":
			out[f] = "WABA " + wb.id
		case "timezone_id":
			out[f] = 1
		case "message_template_namespace":
			out[f] = "sim_" + wb.id
		case "currency":
			out[f] = "USD"
		case "account_review_status":
			out[f] = "APPROVED"
		case "business_verification_status":
			out[f] = "verified"
		case "country":
			out[f] = "US"
		case "ownership_type":
			out[f] = "SELF"
		case "":
		default:
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter,
				"Tried accessing nonexisting field (%s) on node type (WhatsAppBusinessAccount)", f))
			return
		}
	}
	out["id"] = wb.id
	writeJSON(w, http.StatusOK, out)
}

// templateByID finds a template of any WABA by its id.
func (s *Sim) templateByID(id string) (*wabaState, *template) {
	for _, wb := range s.wabas {
		wb.mu.Lock()
		for _, t := range wb.templates {
			if t.ID == id {
				wb.mu.Unlock()
				return wb, t
			}
		}
		wb.mu.Unlock()
	}
	return nil, nil
}

// serveTemplate answers GET /{template_id} with the template as listed.
func (s *Sim) serveTemplate(w http.ResponseWriter, wb *wabaState, t *template) {
	wb.mu.Lock()
	v := templateView{Name: t.Name, Components: t.Components, Language: t.Language,
		Status: t.status(s.clock.Now()), Category: t.Category, ID: t.ID}
	wb.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}
