package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/wabaguard/wabaguard/internal/content/classifier"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// ContentModels trains, lists and activates tenants' content classifiers
// (internal/content/classifier's Registry is one).
type ContentModels interface {
	Train(ctx context.Context, tenantID string, examples []classifier.Example) (classifier.Trained, error)
	Models(ctx context.Context, tenantID string) ([]store.ContentModel, error)
	Activate(ctx context.Context, tenantID string, version int) error
	BuiltinName() string
}

// contentModel is one model version as the API shows it.
type contentModel struct {
	Version      int                 `json:"version"`
	Name         string              `json:"name"`
	Active       bool                `json:"active"`
	CreatedAt    string              `json:"created_at"`
	TrainingRows int                 `json:"training_rows"`
	TenantRows   int                 `json:"tenant_rows"`
	HeldOut      *classifier.Summary `json:"held_out,omitempty"`
}

func toContentModel(m store.ContentModel) contentModel {
	out := contentModel{Version: m.Version, Name: classifier.ModelName(m.TenantID, m.Version), Active: m.Active,
		CreatedAt: rfc3339(m.CreatedAt), TrainingRows: m.TrainingRows, TenantRows: m.TenantRows}
	if ev, err := classifier.DecodeEvaluation(m.HeldOut); err == nil {
		s := ev.Summary()
		out.HeldOut = &s
	}
	return out
}

// contentModelList is the answer of GET /content/models.
type contentModelList struct {
	// Active names the model that serves the tenant now.
	Active  string         `json:"active"`
	Builtin string         `json:"builtin"`
	Data    []contentModel `json:"data"`
}

// trainContentModel is POST /content/models: the body is the tenant's
// labelled examples, JSON Lines or CSV, raw or as the "file" field of a
// multipart form. A file with any bad line trains nothing.
func (s *Server) trainContentModel(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.models == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	body, e := s.trainingFile(r)
	if e != nil {
		writeError(w, e)
		return
	}
	examples, err := classifier.ParseTrainingFile(bytes.NewReader(body))
	var pe *classifier.ParseError
	switch {
	case errors.As(err, &pe):
		n := len(pe.Lines) + pe.More
		m := msgBadLinesTrained
		if n == 1 {
			m = msgBadLineTrained
		}
		writeError(w, errParam(lang(r), "body", m, n, strings.TrimPrefix(pe.Error(), "training file: ")))
		return
	case err != nil:
		writeError(w, errParam(lang(r), "body", msgUnreadable, err))
		return
	}
	tr, err := s.models.Train(r.Context(), t.ID, examples)
	if err != nil {
		s.log.ErrorContext(r.Context(), "api: content model training failed", "err", err, "tenant", t.ID)
		writeError(w, errInternal(lang(r)))
		return
	}
	m := tr.ContentModel
	m.Active = true
	out := toContentModel(m)
	sum := tr.HeldOut.Summary()
	out.HeldOut = &sum
	writeJSON(w, http.StatusCreated, out)
}

// trainingFile reads the training file out of the request body.
func (s *Server) trainingFile(r *http.Request) ([]byte, *wire.Error) {
	mt := ""
	var params map[string]string
	if ct := r.Header.Get("Content-Type"); ct != "" {
		var err error
		mt, params, err = mime.ParseMediaType(ct)
		if err != nil {
			mt = "invalid"
		}
	}
	switch mt {
	case "", "application/jsonl", "application/x-ndjson", "application/json", "text/csv", "text/plain", "application/octet-stream":
		return readBody(r, classifier.MaxTrainingBytes)
	case "multipart/form-data":
		// The form's own headers and boundaries come on top of the file.
		body, e := readBody(r, classifier.MaxTrainingBytes+64<<10)
		if e != nil {
			return nil, e
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, errMissing(lang(r), "file")
			}
			if err != nil {
				return nil, errParam(lang(r), "body", msgNotMultipart, err)
			}
			if p.FormName() != "file" {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(p, classifier.MaxTrainingBytes+1))
			if err != nil {
				return nil, errParam(lang(r), "file", msgUnreadable, err)
			}
			return b, nil
		}
	default:
		e := errParam(lang(r), "Content-Type", msgNotTrainingType, r.Header.Get("Content-Type"))
		e.HTTPStatus = http.StatusUnsupportedMediaType
		return nil, e
	}
}

// listContentModels is GET /content/models.
func (s *Server) listContentModels(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.models == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	ms, err := s.models.Models(r.Context(), t.ID)
	if err != nil {
		s.log.ErrorContext(r.Context(), "api: listing content models failed", "err", err, "tenant", t.ID)
		writeError(w, errInternal(lang(r)))
		return
	}
	out := contentModelList{Active: s.models.BuiltinName(), Builtin: s.models.BuiltinName(), Data: []contentModel{}}
	for _, m := range ms {
		cm := toContentModel(m)
		if cm.Active {
			out.Active = cm.Name
		}
		out.Data = append(out.Data, cm)
	}
	writeJSON(w, http.StatusOK, out)
}

// activation is the answer of an activation.
type activation struct {
	Version     int    `json:"version"`
	Active      string `json:"active"`
	ActivatedAt string `json:"activated_at"`
}

// activateContentModel is POST /content/models/{version}/activate;
// version 0 goes back to the built-in model.
func (s *Server) activateContentModel(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if s.models == nil {
		writeError(w, errUnknownPath(r))
		return
	}
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 0 {
		writeError(w, errParam(lang(r), "version", msgNotModelVersion, r.PathValue("version")))
		return
	}
	err = s.models.Activate(r.Context(), t.ID, v)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, errParam(lang(r), "version", msgNoModelVersion, v))
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "api: activating a content model failed", "err", err, "tenant", t.ID)
		writeError(w, errInternal(lang(r)))
		return
	}
	name := s.models.BuiltinName()
	if v > 0 {
		name = classifier.ModelName(t.ID, v)
	}
	writeJSON(w, http.StatusOK, activation{Version: v, Active: name, ActivatedAt: rfc3339(s.now())})
}
