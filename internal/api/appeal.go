package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// Dossiers builds appeal dossiers (*appeal.Builder is one).
type Dossiers interface {
	Build(ctx context.Context, req appeal.Request) (*appeal.Dossier, error)
}

func (s *Server) senderAppeal(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	s.appeal(w, r, t, appeal.Request{SenderID: r.PathValue("id")}, true)
}

func (s *Server) incidentAppeal(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	s.appeal(w, r, t, appeal.Request{IncidentID: r.PathValue("id")}, false)
}

// appeal answers a dossier in the format asked (json by default), its
// headings in lang (pt-BR by default). from and to (RFC 3339) bound a
// sender's window; an incident brings its own.
func (s *Server) appeal(w http.ResponseWriter, r *http.Request, t store.Tenant, req appeal.Request, window bool) {
	if s.dossiers == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = appeal.FormatJSON
	}
	if !appeal.ValidFormat(format) {
		writeError(w, errParam(lang(r), "format", msgNotDossierFormat))
		return
	}
	ui := lang(r) // the errors' language; the dossier's is asked for apart
	dlang := q.Get("lang")
	if dlang == "" {
		dlang = appeal.Langs[0]
	}
	if !appeal.ValidLang(dlang) {
		writeError(w, errParam(ui, "lang", msgNotLang))
		return
	}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"from", &req.From}, {"to", &req.To}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		if !window {
			writeError(w, errParam(ui, f.name, msgIncidentWindow))
			return
		}
		at, err := time.Parse(time.RFC3339, v)
		if err != nil {
			writeError(w, errParam(ui, f.name, msgNotRFC3339Time))
			return
		}
		*f.to = at
	}
	req.TenantID, req.Now = t.ID, s.now()
	d, err := s.dossiers.Build(r.Context(), req)
	switch {
	case errors.Is(err, appeal.ErrWindow):
		writeError(w, errParam(ui, "from", msgAsGiven, err.Error()))
		return
	case errors.Is(err, appeal.ErrNotFound), errors.Is(err, appeal.ErrNoIncidents):
		e := wire.NewError(wire.CodeInvalidParameter, text(ui, msgUnknownObject, r.PathValue("id")))
		e.HTTPStatus = http.StatusNotFound
		writeError(w, e)
		return
	case err != nil:
		s.log.Error("api: appeal", "tenant_id", t.ID, "err", err)
		writeError(w, errInternal(ui))
		return
	}
	var buf bytes.Buffer
	if err := appeal.Write(&buf, d, format, dlang); err != nil {
		s.log.Error("api: appeal render", "tenant_id", t.ID, "format", format, "err", err)
		writeError(w, errInternal(ui))
		return
	}
	w.Header().Set("Content-Type", appeal.ContentType(format))
	if format == appeal.FormatPDF {
		w.Header().Set("Content-Disposition", `attachment; filename="appeal-`+d.Sender.PhoneNumberID+`.pdf"`)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
