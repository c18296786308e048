package sim

import (
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// waIDFor turns a `to` as given into the recipient's wa_id: digits only, with
// Brazil's ninth digit dropped the way Meta often reports it. It returns ""
// when `to` is not a plausible phone number.
func waIDFor(to string) string {
	var b strings.Builder
	b.Grow(len(to))
	for i, c := range to {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '+' && i == 0, c == ' ', c == '-', c == '(', c == ')', c == '.':
			// Formatting Meta accepts and strips.
		default:
			return ""
		}
	}
	d := b.String()
	if len(d) < 8 || len(d) > 15 {
		return ""
	}
	return brazilWaID(d)
}

// brazilWaID drops the ninth digit of a Brazilian mobile (55 + DDD + 9 + 8
// digits) for DDDs 31 and above, where WhatsApp accounts predate the ninth
// digit and Meta returns the eight-digit form. Lower DDDs (São Paulo, Rio…)
// keep it. Deterministic so tests can rely on it.
func brazilWaID(d string) string {
	if len(d) != 13 || !strings.HasPrefix(d, "55") || d[4] != '9' {
		return d
	}
	if ddd := (int(d[2]-'0'))*10 + int(d[3]-'0'); ddd < 31 {
		return d
	}
	return d[:4] + d[5:]
}

// phoneFields are the fields GET /{phone_number_id} can return; Meta's
// default set is id, display_phone_number, verified_name, quality_rating.
var defaultPhoneFields = []string{"id", "display_phone_number", "verified_name", "quality_rating"}

func (s *Sim) servePhoneNumber(w http.ResponseWriter, r *http.Request, ns *numberState) {
	fields := defaultPhoneFields
	if f := r.URL.Query().Get("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	s.refreshQuality()
	ns.mu.Lock()
	quality := ns.quality
	ns.mu.Unlock()
	status, canSend := s.numberHealth(ns, s.clock.Now())
	n := ns.cfg
	level := "STANDARD"
	if n.ThroughputMPS >= 1000 {
		level = "HIGH"
	}
	out := make(map[string]any, len(fields)+1)
	for _, f := range fields {
		switch f = strings.TrimSpace(f); f {
		case "id":
			out[f] = n.PhoneNumberID
		case "display_phone_number":
			out[f] = n.DisplayPhoneNumber
		case "verified_name":
			out[f] = n.VerifiedName
		case "quality_rating":
			out[f] = quality
		case "throughput":
			out[f] = map[string]string{"level": level}
		case "status":
			out[f] = status
		case "whatsapp_business_manager_messaging_limit", "messaging_limit_tier":
			out[f] = ns.waba.portfolio.tier // the portfolio's, shared by its numbers
		case "code_verification_status":
			out[f] = "VERIFIED"
		case "name_status":
			out[f] = "APPROVED"
		case "platform_type":
			out[f] = "CLOUD_API"
		case "account_mode":
			out[f] = "LIVE"
		case "is_official_business_account":
			out[f] = false
		case "health_status":
			entity := func(kind, id string) map[string]string {
				return map[string]string{"entity_type": kind, "id": id, "can_send_message": canSend}
			}
			out[f] = map[string]any{"can_send_message": canSend, "entities": []map[string]string{
				entity("PHONE_NUMBER", n.PhoneNumberID), entity("WABA", n.WABAID)}}
		case "":
		default:
			wire.WriteError(w, wire.Errorf(wire.CodeInvalidParameter,
				"Tried accessing nonexisting field (%s) on node type (WhatsAppBusinessPhoneNumber)", f))
			return
		}
	}
	// Graph always includes the id.
	out["id"] = n.PhoneNumberID
	writeJSON(w, http.StatusOK, out)
}
