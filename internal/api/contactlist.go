package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// DefaultMaxContactImport bounds a contact import's body.
const DefaultMaxContactImport = 4 << 30

// contactError turns a refusal of package contact (or the ledger) into a
// 400 naming the field, a missing record into a 404, and anything else
// into a logged 500.
func (s *Server) contactError(r *http.Request, err error) *wire.Error {
	var fe *contact.FieldError
	switch {
	case errors.As(err, &fe):
		return errParam(lang(r), fe.Field, msgAsGiven, fe.Reason)
	case errors.Is(err, store.ErrNotFound):
		what := "contact"
		if strings.HasPrefix(r.URL.Path, Prefix+"/audiences") {
			what = "audience"
		}
		e := wire.Errorf(wire.CodeInvalidParameter, "The %s does not exist.", what)
		e.HTTPStatus = http.StatusNotFound
		return e
	}
	return s.ledgerError(r, err)
}

func (s *Server) needContacts(w http.ResponseWriter, r *http.Request) bool {
	if s.contacts == nil {
		writeError(w, errUnknownPath(r))
		return false
	}
	return true
}

// listContacts is GET /contacts: a page by wa_id, with search and tag.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	limit, e := pageLimit(r)
	if e != nil {
		writeError(w, e)
		return
	}
	q := r.URL.Query()
	page, err := s.contacts.List(r.Context(), contact.Query{TenantID: t.ID, After: q.Get("after"), Limit: limit,
		Search: q.Get("search"), Tag: strings.ToLower(q.Get("tag"))})
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	out := map[string]any{"data": page}
	if page == nil {
		out["data"] = []contact.View{}
	}
	if len(page) == limit {
		out["paging"] = map[string]string{"after": page[len(page)-1].WaID}
	}
	writeJSON(w, http.StatusOK, out)
}

// getContact is GET /contacts/{number}.
func (s *Server) getContact(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	v, err := s.contacts.Get(r.Context(), t.ID, r.PathValue("number"))
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// patchContact is PATCH /contacts/{number}: creates or changes a contact.
func (s *Server) patchContact(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	var p contact.Patch
	if e := s.decodeJSON(r, &p); e != nil {
		writeError(w, e)
		return
	}
	v, created, err := s.contacts.Upsert(r.Context(), t.ID, r.PathValue("number"), p)
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, v)
}

// importContacts is POST /contacts/import: the body is the file, the
// answer a stream of JSON Lines: one {"type":"line"} per reported line,
// {"type":"progress"} now and then, and one {"type":"summary"} (or
// {"type":"error"}) at the end. The status is 200 once the stream starts:
// the summary says whether the import was committed.
func (s *Server) importContacts(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	q := r.URL.Query()
	flag := func(name string) (bool, *wire.Error) {
		switch v := q.Get(name); v {
		case "", "false", "0":
			return false, nil
		case "true", "1":
			return true, nil
		default:
			return false, errParam(lang(r), name, msgNotBool, v)
		}
	}
	dry, e := flag("dry_run")
	if e != nil {
		writeError(w, e)
		return
	}
	strict, e := flag("strict")
	if e != nil {
		writeError(w, e)
		return
	}
	lines := q.Get("lines")
	switch lines {
	case "":
		lines = "refused"
		if dry {
			lines = "all"
		}
	case "all", "refused", "none":
	default:
		writeError(w, errParam(lang(r), "lines", msgNotLinesMode, lines))
		return
	}
	format := q.Get("format")
	switch format {
	case "", contact.CSV, contact.JSON, contact.JSONL:
	default:
		writeError(w, errParam(lang(r), "format", msgNotImportFormat, format))
		return
	}
	var loc *time.Location
	if tz := q.Get("timezone"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			writeError(w, errParam(lang(r), "timezone", msgNotIANA, tz))
			return
		}
		loc = l
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	var mu sync.Mutex
	send := func(typ string, v any) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := json.Marshal(v)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		m["type"] = typ
		_ = enc.Encode(m)
	}
	lastProgress := time.Time{}
	rep, err := s.contacts.Import(r.Context(), t.ID, http.MaxBytesReader(nil, r.Body, s.maxContactImport), contact.ImportOptions{
		Format: format, Encoding: q.Get("encoding"), DryRun: dry, Strict: strict, Location: loc, Size: r.ContentLength,
		OnLine: func(l contact.LineResult) {
			if lines == "all" || (lines == "refused" && l.Outcome == contact.Refused) {
				send("line", l)
			}
		},
		OnProgress: func(p contact.Progress) {
			if time.Since(lastProgress) < 500*time.Millisecond {
				return
			}
			lastProgress = time.Now()
			send("progress", p)
			_ = rc.Flush()
		},
	})
	if err != nil {
		var fe *contact.FieldError
		var tooBig *http.MaxBytesError
		msg := "the import failed; nothing past the last progress report's commit landed, and importing the same file again resumes it"
		switch {
		case errors.As(err, &fe):
			msg = fe.Field + ": " + fe.Reason
		case errors.As(err, &tooBig):
			msg = "body: larger than " + strconv.FormatInt(s.maxContactImport, 10) + " bytes"
		default:
			s.log.ErrorContext(r.Context(), "api: contact import", "tenant_id", t.ID, "err", err)
		}
		send("error", map[string]any{"message": msg, "report": rep})
		return
	}
	send("summary", rep)
}

// exportContacts is GET /contacts/export: CSV or JSON Lines, streamed; an
// audience narrows it.
func (s *Server) exportContacts(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	format := r.URL.Query().Get("format")
	ct := "text/csv; charset=utf-8"
	switch format {
	case "", contact.CSV:
		format = contact.CSV
	case contact.JSONL, contact.JSON:
		format, ct = contact.JSONL, "application/x-ndjson"
	default:
		writeError(w, errParam(lang(r), "format", msgNotExportFormat, format))
		return
	}
	var f *contact.Filter
	if id := r.URL.Query().Get("audience"); id != "" {
		var err error
		if _, f, err = s.contacts.Audience(r.Context(), t.ID, id); err != nil {
			writeError(w, s.contactError(r, err))
			return
		}
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="contacts.`+format+`"`)
	if _, err := s.contacts.Export(r.Context(), t.ID, f, format, w); err != nil {
		// The status is gone with the first row: the cut shows as a
		// truncated file, and the cause is logged.
		s.log.ErrorContext(r.Context(), "api: contact export", "tenant_id", t.ID, "err", err)
	}
}

// audienceBody is an audience as written.
type audienceBody struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Filter json.RawMessage `json:"filter"`
}

func (s *Server) listAudiences(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	as, err := s.contacts.Audiences(r.Context(), t.ID)
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	if as == nil {
		as = []contact.AudienceView{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": as})
}

func (s *Server) putAudience(w http.ResponseWriter, r *http.Request, t store.Tenant, id string) {
	var b audienceBody
	if e := s.decodeJSON(r, &b); e != nil {
		writeError(w, e)
		return
	}
	if id == "" {
		id = b.ID
	} else if b.ID != "" && b.ID != id {
		writeError(w, errParam(lang(r), "id", msgIDMismatch, b.ID, id))
		return
	}
	if len(b.Filter) == 0 {
		writeError(w, errMissing(lang(r), "filter"))
		return
	}
	a, err := s.contacts.PutAudience(r.Context(), t.ID, id, b.Name, b.Filter)
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) createAudience(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.needContacts(w, r) {
		s.putAudience(w, r, t, "")
	}
}

func (s *Server) replaceAudience(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.needContacts(w, r) {
		s.putAudience(w, r, t, r.PathValue("id"))
	}
}

func (s *Server) getAudience(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	a, _, err := s.contacts.Audience(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) deleteAudience(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	if err := s.contacts.DeleteAudience(r.Context(), t.ID, r.PathValue("id")); err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// countAudience is GET /audiences/{id}/count: evaluated now.
func (s *Server) countAudience(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	_, f, err := s.contacts.Audience(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	n, err := s.contacts.Count(r.Context(), t.ID, f)
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"count": n})
}

// errStop ends a preview's walk once it has its page.
var errStop = errors.New("enough")

// previewAudience is GET /audiences/{id}/preview: the first contacts it
// matches now.
func (s *Server) previewAudience(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if !s.needContacts(w, r) {
		return
	}
	limit, e := pageLimit(r)
	if e != nil {
		writeError(w, e)
		return
	}
	_, f, err := s.contacts.Audience(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		writeError(w, s.contactError(r, err))
		return
	}
	out := []contact.View{}
	err = s.contacts.Each(r.Context(), t.ID, f, func(v contact.View) error {
		out = append(out, v)
		if len(out) >= limit {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		writeError(w, s.contactError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}
