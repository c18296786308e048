package contact

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/store"
)

// Outcomes of a line.
const (
	Created = "created"
	Merged  = "merged"
	Refused = "refused"
)

// Reasons a line is refused.
const (
	ReasonBadNumber       = "bad_number"
	ReasonMissingEvidence = "missing_evidence"
	ReasonSuppressed      = "suppressed"
	ReasonDuplicate       = "duplicate"
	ReasonMalformed       = "malformed"
	ReasonBadField        = "bad_field"
	ReasonUnknownColumn   = "unknown_column"
)

// LineResult is what an import did, or would do, with one line.
type LineResult struct {
	Line    int    `json:"line"`
	Outcome string `json:"outcome"`
	WaID    string `json:"wa_id,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// OptIns counts the consent records the line adds to the ledger.
	OptIns int `json:"opt_ins,omitempty"`
}

// Progress is reported while an import runs.
type Progress struct {
	// Phase is "check" (reading and checking the file) or "commit".
	Phase string `json:"phase"`
	// Bytes read of the file (check), lines written (commit) of Total.
	Done  int64 `json:"done"`
	Total int64 `json:"total"`
}

// ImportOptions tune an import.
type ImportOptions struct {
	// Format is csv, json or jsonl; "" detects it.
	Format string
	// Encoding is utf-8 or windows-1252 (latin-1); "" detects it.
	Encoding string
	// DryRun checks everything and writes nothing.
	DryRun bool
	// Strict writes nothing when any line is refused.
	Strict bool
	// Location reads consent_at values without a zone (UTC when nil).
	Location *time.Location
	// Size is the file's size when known, for progress.
	Size int64
	// OnLine receives every line's result, in file order.
	OnLine func(LineResult)
	// OnProgress receives progress now and then.
	OnProgress func(Progress)
	// ChunkSize is how many contacts one transaction writes (5,000 when 0).
	ChunkSize int
}

// ImportReport sums an import up.
type ImportReport struct {
	ID       string `json:"id,omitempty"`
	Format   string `json:"format"`
	Encoding string `json:"encoding"`
	Lines    int64  `json:"lines"`
	Created  int64  `json:"created"`
	Merged   int64  `json:"merged"`
	Refused  int64  `json:"refused"`
	OptIns   int64  `json:"opt_ins"`
	// Committed says the good lines landed; false for a dry run, a strict
	// import with refusals, or a refused file.
	Committed bool `json:"committed"`
	// Resumed says an interrupted import of the same file was continued.
	Resumed bool `json:"resumed,omitempty"`
	// Refusal is why the whole file was refused (its header), "" else.
	Refusal string `json:"refusal,omitempty"`
	// Reasons counts refused lines by reason.
	Reasons map[string]int64 `json:"reasons,omitempty"`
}

// staged is a checked line waiting in the spill file for the commit.
type staged struct {
	Line    int               `json:"l"`
	Contact store.Contact     `json:"c"`
	OptIns  []consent.Request `json:"o,omitempty"`
}

// countingReader hashes and counts what an import reads.
type countingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// checkBatch is how many lines are looked up in the store at once.
const checkBatch = 1000

// Import reads contacts from r and, unless it is a dry run (or a strict
// one with refusals), writes the good ones and their opt-ins.
//
// It runs in two passes and never holds the file in memory. The check pass
// streams the file, checks every line (number, fields, evidence, duplicates
// within the file by canonical wa_id, suppression and merges against the
// store in batches) and writes the good lines, merged, to a temporary
// spill file. The commit pass then writes the spill in chunks: for each,
// the opt-ins go to the ledger (one transaction), then the contacts with
// the import's journal (one transaction) recording the last line written.
// An import interrupted during its commit is resumed by importing the same
// file again: the journal is found by the file's digest and the commit
// continues after its last line. The ledger is append-only, so a crash
// between a chunk's two transactions records that chunk's opt-ins twice on
// resume (the same facts twice, never one lost); contacts are upserts and
// land once. Before the commit starts nothing is written, so a refused,
// strict or cancelled import leaves no trace.
func (s *Service) Import(ctx context.Context, tenantID string, r io.Reader, opt ImportOptions) (ImportReport, error) {
	rep := ImportReport{Reasons: map[string]int64{}}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	chunkSize := opt.ChunkSize
	if chunkSize <= 0 {
		chunkSize = 5000
	}
	cr := &countingReader{r: r, h: sha256.New()}
	br, enc, err := decode(cr, opt.Encoding)
	if err != nil {
		return rep, err
	}
	rep.Encoding = enc
	format := opt.Format
	if format == "" {
		format = sniffFormat(br)
	}
	rep.Format = format

	spill, err := os.CreateTemp("", "wabaguard-import-*.jsonl")
	if err != nil {
		return rep, fmt.Errorf("contact: import: spill: %w", err)
	}
	defer func() { spill.Close(); os.Remove(spill.Name()) }()
	sw := bufio.NewWriterSize(spill, 1<<20)
	enc2 := json.NewEncoder(sw)

	emit := func(lr LineResult) {
		rep.Lines++
		switch lr.Outcome {
		case Created:
			rep.Created++
		case Merged:
			rep.Merged++
		case Refused:
			rep.Refused++
			rep.Reasons[lr.Reason]++
		}
		rep.OptIns += int64(lr.OptIns)
		if opt.OnLine != nil {
			opt.OnLine(lr)
		}
	}
	c := &checker{s: s, tenantID: tenantID, loc: loc, now: s.now().UTC().Truncate(time.Millisecond), seen: map[uint64]int{}}
	var batch []Row
	flush := func() error {
		res, good, err := c.check(ctx, batch)
		if err != nil {
			return err
		}
		for i := range res {
			emit(res[i])
			if good[i] != nil {
				if err := enc2.Encode(good[i]); err != nil {
					return fmt.Errorf("contact: import: spill: %w", err)
				}
			}
		}
		batch = batch[:0]
		if opt.OnProgress != nil {
			opt.OnProgress(Progress{Phase: "check", Done: cr.n, Total: opt.Size})
		}
		return ctx.Err()
	}
	read := readCSV
	switch format {
	case CSV:
	case JSON, JSONL:
		read = readJSON
	default:
		return rep, invalid("format", "%q is not one of csv, json, jsonl", format)
	}
	err = read(br, func(row Row) error {
		batch = append(batch, row)
		if len(batch) >= checkBatch {
			return flush()
		}
		return nil
	})
	var he *HeaderError
	if errors.As(err, &he) {
		rep.Refusal = he.Reason
		emit(LineResult{Line: 1, Outcome: Refused, Reason: ReasonUnknownColumn, Detail: he.Reason})
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	if err := flush(); err != nil {
		return rep, err
	}
	if err := sw.Flush(); err != nil {
		return rep, fmt.Errorf("contact: import: spill: %w", err)
	}
	if opt.DryRun || (opt.Strict && rep.Refused > 0) || rep.Created+rep.Merged == 0 {
		return rep, nil
	}
	digest := hex.EncodeToString(cr.h.Sum(nil))
	return s.commit(ctx, tenantID, spill, digest, chunkSize, rep, opt)
}

func (s *Service) commit(ctx context.Context, tenantID string, spill *os.File, digest string, chunkSize int, rep ImportReport, opt ImportOptions) (ImportReport, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	imp, err := s.st.ContactImportByDigest(ctx, tenantID, digest)
	switch {
	case err == nil:
		rep.Resumed = true
	case errors.Is(err, store.ErrNotFound):
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return rep, fmt.Errorf("contact: import id: %w", err)
		}
		imp = store.ContactImport{TenantID: tenantID, ID: "imp_" + hex.EncodeToString(b[:]), Digest: digest, State: "committing", CreatedAt: now}
	default:
		return rep, err
	}
	imp.Lines, imp.Created, imp.Merged, imp.Refused, imp.UpdatedAt = rep.Lines, rep.Created, rep.Merged, rep.Refused, now
	if err := s.st.PutContactImport(ctx, imp); err != nil {
		return rep, err
	}
	rep.ID = imp.ID
	if _, err := spill.Seek(0, io.SeekStart); err != nil {
		return rep, fmt.Errorf("contact: import: spill: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(spill, 1<<20))
	total := rep.Created + rep.Merged
	var done int64
	var contacts []store.Contact
	var reqs []consent.Request
	last := 0
	write := func() error {
		if len(contacts) == 0 {
			return nil
		}
		if len(reqs) > 0 {
			if _, err := s.ledger.RecordAll(ctx, tenantID, reqs); err != nil {
				return fmt.Errorf("contact: import: opt-ins up to line %d: %w", last, err)
			}
		}
		imp.CommittedLine, imp.UpdatedAt = int64(last), s.now().UTC().Truncate(time.Millisecond)
		if err := s.st.PutContacts(ctx, contacts, &imp); err != nil {
			return fmt.Errorf("contact: import: contacts up to line %d: %w", last, err)
		}
		done += int64(len(contacts))
		contacts, reqs = contacts[:0], reqs[:0]
		if opt.OnProgress != nil {
			opt.OnProgress(Progress{Phase: "commit", Done: done, Total: total})
		}
		return ctx.Err()
	}
	for {
		var st staged
		if err := dec.Decode(&st); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return rep, fmt.Errorf("contact: import: spill: %w", err)
		}
		if int64(st.Line) <= imp.CommittedLine {
			done++
			continue
		}
		st.Contact.UpdatedAt = now
		contacts = append(contacts, st.Contact)
		reqs = append(reqs, st.OptIns...)
		last = st.Line
		if len(contacts) >= chunkSize || len(reqs) >= consent.MaxBatch-MaxTags {
			if err := write(); err != nil {
				return rep, err
			}
		}
	}
	if err := write(); err != nil {
		return rep, err
	}
	imp.State, imp.UpdatedAt = "done", s.now().UTC().Truncate(time.Millisecond)
	if err := s.st.PutContactImport(ctx, imp); err != nil {
		return rep, err
	}
	rep.Committed = true
	return rep, nil
}

// checker checks lines in batches against the store.
type checker struct {
	s        *Service
	tenantID string
	loc      *time.Location
	now      time.Time
	// seen maps a canonical wa_id (digits, as a number) to the first line
	// that named it: 1,000,000 contacts take some 40 MB.
	seen map[uint64]int
}

// check returns each row's result and, for a good one, what to stage.
func (c *checker) check(ctx context.Context, rowsIn []Row) ([]LineResult, []*staged, error) {
	res := make([]LineResult, len(rowsIn))
	good := make([]*staged, len(rowsIn))
	var ids []string
	for i, row := range rowsIn {
		res[i] = LineResult{Line: row.Line, Outcome: Refused}
		if row.Err != nil {
			res[i].Reason, res[i].Detail = ReasonMalformed, reason(row.Err)
			var fe *FieldError
			if errors.As(row.Err, &fe) && fe.Field != "row" {
				res[i].Reason = ReasonBadField
			}
			continue
		}
		n, err := c.s.Number(row.Phone)
		if err != nil {
			res[i].Reason, res[i].Detail = ReasonBadNumber, reason(err)
			continue
		}
		res[i].WaID = n.WaID
		k, kerr := strconv.ParseUint(n.WaID, 10, 64)
		if kerr == nil {
			if first, dup := c.seen[k]; dup {
				res[i].Reason, res[i].Detail = ReasonDuplicate, fmt.Sprintf("the same person as line %d", first)
				continue
			}
			c.seen[k] = row.Line
		}
		st := &staged{Line: row.Line, Contact: store.Contact{TenantID: c.tenantID, WaID: n.WaID, E164: n.E164}}
		if row.Consent != nil {
			reqs, err := c.optIns(row, n.E164)
			if err != nil {
				res[i].Reason, res[i].Detail = ReasonMissingEvidence, reason(err)
				var fe *consent.FieldError
				if errors.As(err, &fe) && fe.Field != "evidence" && fe.Field != "evidence.text" && fe.Field != "evidence.url" && fe.Field != "evidence.at" {
					res[i].Reason = ReasonBadField
				}
				continue
			}
			for j := range reqs {
				reqs[j].Number = &n
			}
			st.OptIns = reqs
		}
		good[i] = st
		ids = append(ids, n.WaID)
	}
	if len(ids) == 0 {
		return res, good, nil
	}
	existing, err := c.s.st.GetContacts(ctx, c.tenantID, ids)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, 0, len(ids))
	for _, st := range good {
		if st == nil {
			continue
		}
		key, err := c.s.ledger.ContactKey(ctx, c.tenantID, st.Contact.WaID)
		if err != nil {
			return nil, nil, err
		}
		st.Contact.ContactKey = key
		keys = append(keys, key)
	}
	states, err := c.s.st.ConsentStatesOf(ctx, c.tenantID, keys)
	if err != nil {
		return nil, nil, err
	}
	for i, st := range good {
		if st == nil {
			continue
		}
		rows := states[st.Contact.ContactKey]
		if why := suppressed(rows, st.OptIns); why != "" {
			res[i].Reason, res[i].Detail, good[i] = ReasonSuppressed, why, nil
			continue
		}
		cur, exists := existing[st.Contact.WaID]
		if exists {
			st.Contact.CreatedAt, st.Contact.Name, st.Contact.Language = cur.CreatedAt, cur.Name, cur.Language
			st.Contact.Tags, st.Contact.Attributes = cur.Tags, cur.Attributes
		} else {
			st.Contact.CreatedAt, st.Contact.Attributes = c.now, []byte("{}")
		}
		if err := mergeRow(&st.Contact, rowsIn[i]); err != nil {
			res[i].Reason, res[i].Detail, good[i] = ReasonBadField, reason(err), nil
			continue
		}
		res[i].Outcome, res[i].OptIns = Created, len(st.OptIns)
		if exists {
			res[i].Outcome = Merged
		}
	}
	return res, good, nil
}

// mergeRow sets what a row carries on a contact: name and language when
// given, tags added to the contact's, attributes set key by key.
func mergeRow(c *store.Contact, row Row) error {
	if row.Name != nil {
		c.Name = *row.Name
	}
	if row.Language != nil {
		c.Language = *row.Language
	}
	if row.HasTags {
		c.Tags = append(append([]string(nil), c.Tags...), row.Tags...)
	}
	if len(row.Attributes) > 0 {
		add := make(map[string]json.RawMessage, len(row.Attributes))
		for k, v := range row.Attributes {
			b, err := json.Marshal(v)
			if err != nil {
				return invalid("attributes."+k, "%v", err)
			}
			add[k] = b
		}
		m, err := mergeAttributes(c.Attributes, add)
		if err != nil {
			return err
		}
		c.Attributes = m
	}
	return normaliseContact(c)
}

// optIns turns a row's consent into ledger requests, one per category,
// checked as the ledger checks them (so a batch is never refused whole).
func (c *checker) optIns(row Row, e164 string) ([]consent.Request, error) {
	rc := row.Consent
	ev := consent.Evidence{Text: rc.Text, URL: rc.URL, IP: rc.IP, UserAgent: rc.UserAgent}
	if rc.At != "" {
		t, err := parseTime(rc.At, c.loc)
		if err != nil {
			return nil, err
		}
		ev.At = t
	}
	src := consent.Source(rc.Source)
	if src == "" {
		src = consent.Import
	}
	var out []consent.Request
	for _, cs := range rc.Categories {
		cat, err := consent.ParseCategory(cs)
		if err != nil {
			return nil, err
		}
		req := consent.Request{TenantID: c.tenantID, Contact: e164, Action: consent.OptIn, Category: cat, Source: src, Evidence: ev}
		if err := consent.Check(req, c.now); err != nil {
			return nil, err
		}
		out = append(out, req)
	}
	return out, nil
}

// suppressed says why a line may not land: the person's data was erased
// (an import must not bring it back), or it opted out of a category the
// line opts it into after the line's evidence (a spreadsheet's old
// opt-in does not undo a later stop).
func suppressed(rows []store.ConsentState, optIns []consent.Request) string {
	for _, cat := range Categories {
		if st := consentOf(rows, cat); st.Action == string(consent.Erased) {
			return "the person's data was erased on request; it comes back only with a new opt-in through the API"
		}
	}
	for _, r := range optIns {
		cats := []consent.Category{r.Category}
		if r.Category == consent.All {
			cats = Categories
		}
		for _, cat := range cats {
			if st := consentOf(rows, cat); st.Action == string(consent.OptOut) && !r.Evidence.At.After(st.At) {
				return fmt.Sprintf("opted out of %s on %s, after this opt-in's evidence", cat, st.At.UTC().Format(time.RFC3339))
			}
		}
	}
	return ""
}

// reason is an error's text without its package prefix.
func reason(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field + ": " + fe.Reason
	}
	var ce *consent.FieldError
	if errors.As(err, &ce) {
		return ce.Field + ": " + ce.Reason
	}
	return err.Error()
}
