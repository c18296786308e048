package sim

import (
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/wire"
)

func (s *Sim) serveHTTP(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(segs) > 0 && isVersion(segs[0]) {
		segs = segs[1:]
	}
	if len(segs) == 2 && segs[0] == "sim" && segs[1] == "stats" {
		if r.Method != http.MethodGet {
			wire.WriteError(w, unsupported(r.Method, "sim"))
			return
		}
		// Unauthenticated on purpose: multi-process tests read it without a token.
		writeJSON(w, http.StatusOK, s.Stats())
		return
	}
	if len(segs) == 2 && segs[0] == "sim" && segs[1] == "behaviour" && r.Method == http.MethodGet {
		// Unauthenticated like /sim/stats: the models' tallies and histories.
		writeJSON(w, http.StatusOK, s.Behaviour())
		return
	}
	if len(segs) == 2 && segs[0] == "sim" && segs[1] == "say" {
		s.serveSay(w, r)
		return
	}
	if e := s.authorize(r); e != nil {
		wire.WriteError(w, e)
		return
	}
	switch {
	case len(segs) == 1 && segs[0] != "":
		s.serveObject(w, r, segs[0])
	case len(segs) == 2:
		s.serveEdge(w, r, segs[0], segs[1])
	case len(segs) == 3 && segs[0] == "sim" && segs[1] == "media":
		s.serveMediaDownload(w, r, segs[2])
	case len(segs) == 3 && segs[1] == "message_qrdls" && s.numbers[segs[0]] != nil && r.Method != http.MethodPost:
		s.serveQRDLs(w, r, s.numbers[segs[0]], segs[2])
	default:
		wire.WriteError(w, &wire.Error{
			Message:    "Unknown path components: " + r.URL.Path,
			Type:       "OAuthException",
			Code:       2500,
			HTTPStatus: http.StatusBadRequest,
		})
	}
}

// isVersion recognises a Graph version segment such as "v23.0".
func isVersion(seg string) bool {
	if len(seg) < 2 || seg[0] != 'v' {
		return false
	}
	for _, c := range seg[1:] {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

func (s *Sim) authorize(r *http.Request) *wire.Error {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		// Graph also takes the token as a query parameter.
		tok = r.URL.Query().Get("access_token")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return &wire.Error{Message: "An active access token must be used to query information about the current user.",
			Type: "OAuthException", Code: wire.CodeAccessToken, HTTPStatus: http.StatusUnauthorized}
	}
	if len(s.tokens) > 0 {
		if _, ok := s.tokens[tok]; !ok {
			return &wire.Error{Message: "Invalid OAuth access token - Cannot parse access token",
				Type: "OAuthException", Code: wire.CodeAccessToken, HTTPStatus: http.StatusUnauthorized}
		}
	}
	return nil
}

func (s *Sim) serveObject(w http.ResponseWriter, r *http.Request, id string) {
	if ns := s.numbers[id]; ns != nil && r.Method == http.MethodGet {
		s.servePhoneNumber(w, r, ns)
		return
	}
	if wb := s.wabas[id]; wb != nil && r.Method == http.MethodGet {
		s.serveWABA(w, r, wb)
		return
	}
	if wb, t := s.templateByID(id); t != nil && r.Method == http.MethodGet {
		s.serveTemplate(w, wb, t)
		return
	}
	if s.media.has(id) {
		switch r.Method {
		case http.MethodGet:
			s.serveMediaInfo(w, r, id)
			return
		case http.MethodDelete:
			s.media.delete(id)
			writeJSON(w, http.StatusOK, wire.SuccessResponse{Success: true})
			return
		}
	}
	wire.WriteError(w, unsupported(r.Method, id))
}

func (s *Sim) serveEdge(w http.ResponseWriter, r *http.Request, id, edge string) {
	switch edge {
	case "messages":
		if ns := s.numbers[id]; ns != nil && r.Method == http.MethodPost {
			s.serveSend(w, r, ns)
			return
		}
	case "media":
		if ns := s.numbers[id]; ns != nil && r.Method == http.MethodPost {
			s.serveMediaUpload(w, r)
			return
		}
	case "phone_numbers":
		if wb := s.wabas[id]; wb != nil && r.Method == http.MethodGet {
			s.servePhoneNumbers(w, r, wb)
			return
		}
	case "subscribed_apps":
		if wb := s.wabas[id]; wb != nil {
			s.serveSubscribedApps(w, r, wb)
			return
		}
	case "whatsapp_business_profile":
		if ns := s.numbers[id]; ns != nil && (r.Method == http.MethodGet || r.Method == http.MethodPost) {
			s.serveBusinessProfile(w, r, ns)
			return
		}
	case "block_users":
		if ns := s.numbers[id]; ns != nil {
			s.serveBlockUsers(w, r, ns)
			return
		}
	case "message_qrdls":
		if ns := s.numbers[id]; ns != nil {
			s.serveQRDLs(w, r, ns, "")
			return
		}
	case "message_templates":
		if wb := s.wabas[id]; wb != nil {
			switch r.Method {
			case http.MethodGet:
				s.serveTemplateList(w, r, wb)
				return
			case http.MethodPost:
				s.serveTemplateCreate(w, r, wb)
				return
			case http.MethodDelete:
				s.serveTemplateDelete(w, r, wb)
				return
			}
		}
	}
	wire.WriteError(w, unsupported(r.Method, id))
}
