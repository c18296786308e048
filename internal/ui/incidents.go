package ui

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Dossiers builds appeal dossiers (*appeal.Builder, the one the management
// API's /api/v1/incidents/{id}/appeal uses).
type Dossiers interface {
	Build(ctx context.Context, req appeal.Request) (*appeal.Dossier, error)
}

// incidentsLimit is how many incidents the list shows, newest first.
const incidentsLimit = 200

// dossierFormats are the downloads an incident's page offers: the PDF to
// hand Meta, the HTML to read, the JSON for the business's own records.
var dossierFormats = []string{appeal.FormatPDF, appeal.FormatHTML, appeal.FormatJSON}

type incidentListRow struct {
	ID, Title, Kind, State, Opened, Closed, Number, NumberID string
	Open                                                     bool
}

type incidentsData struct{ Rows []incidentListRow }

type incidentEventRow struct {
	At, Kind, KindKey, Name, Detail, Raw string
}

type dossierLink struct {
	Format, Href, Label string
}

type incidentData struct {
	incidentListRow
	WABA, CampaignID string
	Events           []incidentEventRow
	Dossiers         []dossierLink
}

// incidentKind names an incident's kind in lang (the kind itself when the
// dashboard has no word for it).
func incidentKind(lang refusal.Lang, k store.IncidentKind) string {
	if s := msg(lang, "incident.kind."+string(k)); s != "incident.kind."+string(k) {
		return s
	}
	return string(k)
}

func incidentListRowOf(lang refusal.Lang, in store.Incident, numbers map[string]string) incidentListRow {
	row := incidentListRow{ID: in.ID, Title: in.Title, Kind: incidentKind(lang, in.Kind), Opened: utcTime(in.OpenedAt),
		Open: in.Open(), State: msg(lang, "incidents.open"), NumberID: in.PhoneNumberID, Number: numbers[in.PhoneNumberID]}
	if row.Number == "" {
		row.Number = in.PhoneNumberID
	}
	if !in.Open() {
		row.State, row.Closed = msg(lang, "incidents.closed"), utcTime(in.ClosedAt)
	}
	return row
}

func (s *Server) incidentsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	lang, tenant := language(r), sess.user.TenantID
	d := incidentsData{}
	if s.incidents != nil {
		list, err := s.incidents.Incidents(r.Context(), tenant, "", incidentsLimit)
		if err != nil {
			s.fail(w, r, sess, "incidents", err)
			return
		}
		numbers, err := s.numberNames(r, tenant)
		if err != nil {
			s.fail(w, r, sess, "senders", err)
			return
		}
		for _, in := range list {
			if in.TenantID != "" && in.TenantID != tenant {
				continue // the store answers the tenant's; never show another's
			}
			d.Rows = append(d.Rows, incidentListRowOf(lang, in, numbers))
		}
	}
	s.render(w, r, http.StatusOK, "incidents", &page{Nav: "incidents", User: &sess.user, CSRF: sess.csrf, Data: &d})
}

// tenantIncident reads one of the user's tenant's incidents; another
// tenant's is store.ErrNotFound, like a missing one.
func (s *Server) tenantIncident(r *http.Request, sess *session) (store.Incident, error) {
	if s.incidents == nil {
		return store.Incident{}, store.ErrNotFound
	}
	in, err := s.incidents.Incident(r.Context(), sess.user.TenantID, r.PathValue("id"))
	if err != nil {
		return store.Incident{}, err
	}
	if in.TenantID != "" && in.TenantID != sess.user.TenantID {
		return store.Incident{}, store.ErrNotFound
	}
	return in, nil
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request, sess *session) {
	in, err := s.tenantIncident(r, sess)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r, sess)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "incident", err)
		return
	}
	lang := language(r)
	numbers, err := s.numberNames(r, sess.user.TenantID)
	if err != nil {
		s.fail(w, r, sess, "senders", err)
		return
	}
	d := incidentData{incidentListRow: incidentListRowOf(lang, in, numbers), WABA: in.WABAID, CampaignID: in.CampaignID}
	for _, e := range in.Timeline {
		row := incidentEventRow{At: utcTime(e.At), KindKey: string(e.Kind), Kind: msg(lang, "incident.event."+string(e.Kind)),
			Name: e.Name, Detail: e.Detail}
		if row.Kind == "incident.event."+string(e.Kind) {
			row.Kind = string(e.Kind)
		}
		if len(e.Raw) > 0 && string(e.Raw) != "{}" {
			row.Raw = string(e.Raw)
		}
		d.Events = append(d.Events, row)
	}
	if s.dossiers != nil {
		dl := dossierLang(lang)
		for _, f := range dossierFormats {
			d.Dossiers = append(d.Dossiers, dossierLink{Format: f, Label: msg(lang, "dossier."+f),
				Href: Prefix + "/incidents/" + in.ID + "/appeal?format=" + f + "&lang=" + dl})
		}
	}
	s.render(w, r, http.StatusOK, "incident", &page{Nav: "incidents", User: &sess.user, CSRF: sess.csrf, Data: &d, Title: in.Title})
}

// dossierLang is the dossier's language for a page's (they are the same
// three, spelt alike; pt-BR when appeal lacks one).
func dossierLang(lang refusal.Lang) string {
	if appeal.ValidLang(string(lang)) {
		return string(lang)
	}
	return appeal.Langs[0]
}

// incidentAppeal downloads an incident's appeal dossier: the same builder
// and writer as the management API's /api/v1/incidents/{id}/appeal, so the
// bytes are the ones the API serves, as an attachment.
func (s *Server) incidentAppeal(w http.ResponseWriter, r *http.Request, sess *session) {
	in, err := s.tenantIncident(r, sess)
	if errors.Is(err, store.ErrNotFound) || (err == nil && s.dossiers == nil) {
		s.notFound(w, r, sess)
		return
	}
	if err != nil {
		s.fail(w, r, sess, "incident", err)
		return
	}
	q := r.URL.Query()
	format, dl := q.Get("format"), q.Get("lang")
	if format == "" {
		format = appeal.FormatPDF
	}
	if dl == "" {
		dl = dossierLang(language(r))
	}
	if !appeal.ValidFormat(format) || !appeal.ValidLang(dl) {
		s.render(w, r, http.StatusBadRequest, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(language(r), "dossier.bad")})
		return
	}
	d, err := s.dossiers.Build(r.Context(), appeal.Request{TenantID: sess.user.TenantID, IncidentID: in.ID, Now: s.now()})
	switch {
	case errors.Is(err, appeal.ErrNotFound), errors.Is(err, appeal.ErrNoIncidents):
		s.notFound(w, r, sess)
		return
	case err != nil:
		s.fail(w, r, sess, "appeal dossier", err)
		return
	}
	var buf bytes.Buffer
	if err := appeal.Write(&buf, d, format, dl); err != nil {
		s.fail(w, r, sess, "appeal dossier render", err)
		return
	}
	w.Header().Set("Content-Type", appeal.ContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+dossierFilename(in.ID, format)+`"`)
	s.log.InfoContext(r.Context(), "ui: appeal dossier downloaded", "incident", in.ID, "format", format, "user", sess.user.ID, "tenant", sess.user.TenantID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// dossierFilename is appeal-<incident>.<format>, keeping only characters
// that need no quoting in a Content-Disposition header.
func dossierFilename(id, format string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, id)
	return "appeal-" + safe + "." + format
}
