package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/optout"
	"github.com/wabaguard/wabaguard/internal/refusal"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// maxListedLineErrors is how many bad lines an import refusal names.
const maxListedLineErrors = 20

// importResponse sums up an imported do-not-contact list.
type importResponse struct {
	// Imported counts the opt-outs recorded; Duplicates the lines that
	// repeated a number and scope already in the file.
	Imported   int `json:"imported"`
	Duplicates int `json:"duplicates"`
	// FirstSeq and LastSeq are the ledger records written.
	FirstSeq int64 `json:"first_seq,omitempty"`
	LastSeq  int64 `json:"last_seq,omitempty"`
	// SHA256 is the file's digest, kept in every record's evidence.
	SHA256     string `json:"sha256"`
	RecordedAt string `json:"recorded_at,omitempty"`
}

// importSuppressions is POST /suppressions/import: a do-not-contact list
// as CSV becomes one opt-out per number in the ledger (source import, the
// file's name, digest and line as evidence), all in one transaction. Any
// bad line refuses the whole file, naming the lines; nothing is written.
func (s *Server) importSuppressions(w http.ResponseWriter, r *http.Request, t store.Tenant) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "text/csv" && mt != "text/plain" && mt != "application/octet-stream") {
			e := errParam(lang(r), "Content-Type", msgNotCSVType, ct)
			e.HTTPStatus = http.StatusUnsupportedMediaType
			writeError(w, e)
			return
		}
	}
	q := r.URL.Query()
	scope := optout.ScopeAll
	switch v := q.Get("scope"); v {
	case "", string(optout.ScopeAll):
	case string(optout.ScopeMarketing):
		scope = optout.ScopeMarketing
	default:
		writeError(w, errParam(lang(r), "scope", msgNotScope, v))
		return
	}
	name := q.Get("filename")
	if len(name) > 255 || strings.ContainsFunc(name, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		writeError(w, errParam(lang(r), "filename", msgBadFilename))
		return
	}
	proof := q.Get("proof_url")
	if proof != "" {
		u, err := url.Parse(proof)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			writeError(w, errParam(lang(r), "proof_url", msgNotProofURL, proof))
			return
		}
	}
	body, e := readBody(r, s.maxImport)
	if e != nil {
		writeError(w, e)
		return
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	label := "do-not-contact list"
	if name != "" {
		label += " " + name
	}

	type key struct {
		waID  string
		scope optout.Scope
	}
	seen := map[key]bool{}
	var reqs []consent.Request
	var lines []int
	dups := 0
	rep, err := optout.ParseDoNotContact(bytes.NewReader(body), s.region, scope, func(d optout.DoNotContact) error {
		k := key{d.Number.WaID, d.Scope}
		if seen[k] {
			dups++
			return nil
		}
		seen[k] = true
		if len(reqs) >= consent.MaxBatch {
			return errTooMany
		}
		text := fmt.Sprintf("%s (sha256 %s), line %d", label, digest, d.Line)
		if d.Reason != "" {
			text += ": " + d.Reason
		}
		lines = append(lines, d.Line)
		num := d.Number
		reqs = append(reqs, consent.Request{Contact: num.E164, Number: &num, Action: consent.OptOut,
			Category: consent.Category(d.Scope), Source: consent.Import,
			Evidence: consent.Evidence{Text: text, URL: proof}})
		return nil
	})
	switch {
	case errors.Is(err, errTooMany):
		writeError(w, errParam(lang(r), "body", msgTooManyNumbers, consent.MaxBatch))
		return
	case err != nil:
		writeError(w, errParam(lang(r), "body", msgNotCSV, err))
		return
	case rep.Bad > 0:
		writeError(w, lineErrors(lang(r), rep))
		return
	case len(reqs) == 0:
		writeError(w, errParam(lang(r), "body", msgNoNumbers))
		return
	}
	rcs, err := s.ledger.RecordAll(r.Context(), t.ID, reqs)
	if err != nil {
		var ie *consent.ItemError
		if errors.As(err, &ie) {
			// The parser vouched for every number, so this is the
			// evidence: a reason too long or with control characters.
			var fe *consent.FieldError
			reason := ie.Err.Error()
			if errors.As(ie.Err, &fe) {
				reason = text(lang(r), msgReason, strings.TrimPrefix(fe.Reason, "is "))
			}
			writeError(w, errParam(lang(r), "body", msgBadLineImported, lines[ie.Index], reason))
			return
		}
		writeError(w, s.ledgerError(r, err))
		return
	}
	writeJSON(w, http.StatusOK, importResponse{Imported: len(rcs), Duplicates: dups, FirstSeq: rcs[0].Seq,
		LastSeq: rcs[len(rcs)-1].Seq, SHA256: digest, RecordedAt: rfc3339(rcs[0].At)})
}

var errTooMany = errors.New("too many numbers")

// lineErrors refuses a file with bad lines, naming the first ones.
func lineErrors(l refusal.Lang, rep optout.ImportReport) *wire.Error {
	var b strings.Builder
	for i, le := range rep.Errors {
		if i == maxListedLineErrors {
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strings.Replace(le.Error(), "invalid phone number: ", "", 1))
	}
	if rep.Bad > maxListedLineErrors {
		b.WriteString(text(l, msgAndMore, rep.Bad-maxListedLineErrors))
	}
	m := msgBadLinesImported
	if rep.Bad == 1 {
		m = msgBadLineImported1
	}
	return errParam(l, "body", m, rep.Bad, b.String())
}
