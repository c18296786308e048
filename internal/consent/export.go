package consent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// ExportFormat names the export's format in its first line.
const ExportFormat = "wabaguard-consent-chain"

// ExportLine is one line of an export (JSON Lines): a "header" first, a
// "record" per link in seq order, and the "head" checkpoint last. Fields a
// kind does not use are absent.
type ExportLine struct {
	Kind string `json:"kind"`
	// Header.
	Format     string `json:"format,omitempty"`
	Version    int    `json:"version,omitempty"`
	ExportedAt string `json:"exported_at,omitempty"`
	// WithPersonalData says the export carries the personal bodies not
	// yet erased, so a record without one was erased.
	WithPersonalData bool `json:"with_personal_data,omitempty"`
	// Record, and the head's seq and hash.
	TenantID       string `json:"tenant"`
	Seq            int64  `json:"seq,omitempty"`
	At             string `json:"at,omitempty"`
	ContactKey     string `json:"contact_key,omitempty"`
	Action         string `json:"action,omitempty"`
	Category       string `json:"category,omitempty"`
	Source         string `json:"source,omitempty"`
	EvidenceDigest string `json:"evidence_digest,omitempty"`
	PrevHash       string `json:"prev_hash,omitempty"`
	Hash           string `json:"hash,omitempty"`
	// Personal is the exact stored body whose SHA-256 is EvidenceDigest,
	// as a string; present only in an export made with personal data, and
	// only while it has not been erased.
	Personal *string `json:"personal,omitempty"`
	// MAC is the head's, checkable only with the tenant's key.
	MAC string `json:"mac,omitempty"`
}

// Export writes a tenant's chain as of now, as JSON Lines, without
// personal data unless withPersonal. It writes the records up to the head
// it read first, so an export is consistent while appends go on.
func (l *Ledger) Export(ctx context.Context, tenantID string, w io.Writer, withPersonal bool) error {
	h, err := l.st.ConsentHead(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("consent: export: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(ExportLine{Kind: "header", Format: ExportFormat, Version: 1, TenantID: tenantID,
		ExportedAt: FormatTime(l.now()), WithPersonalData: withPersonal}); err != nil {
		return fmt.Errorf("consent: export: %w", err)
	}
	after := int64(0)
	for after < h.Seq {
		page, err := l.st.ConsentEntries(ctx, tenantID, after, pageSize)
		if err != nil {
			return fmt.Errorf("consent: export: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.Seq > h.Seq {
				break
			}
			line := recordLine(e.ConsentRecord)
			if withPersonal && e.Personal != nil {
				p := string(e.Personal)
				line.Personal = &p
			}
			if err := enc.Encode(line); err != nil {
				return fmt.Errorf("consent: export: %w", err)
			}
		}
		after = page[len(page)-1].Seq
	}
	if err := enc.Encode(ExportLine{Kind: "head", TenantID: tenantID, Seq: h.Seq, Hash: h.Hash, MAC: h.MAC}); err != nil {
		return fmt.Errorf("consent: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("consent: export: %w", err)
	}
	return nil
}

func recordLine(r store.ConsentRecord) ExportLine {
	return ExportLine{Kind: "record", TenantID: r.TenantID, Seq: r.Seq, At: FormatTime(r.At), ContactKey: r.ContactKey,
		Action: r.Action, Category: r.Category, Source: r.Source, EvidenceDigest: r.EvidenceDigest,
		PrevHash: r.PrevHash, Hash: r.Hash}
}

// MaxExportLine bounds one line of an export read back, in bytes.
const MaxExportLine = 1 << 20

// VerifyExport checks an export offline, with no store and no key: every
// link, every personal body present against its digest, and that the
// chain ends at the head the export carries. (The head's MAC needs the
// tenant's key and is checked by Verify on the live store.) A malformed
// file is an error; a broken chain is a Report with OK false.
func VerifyExport(r io.Reader) (Report, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxExportLine)
	var v *verifier
	lineNo := 0
	var head *store.ConsentHead
	for sc.Scan() {
		lineNo++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var ln ExportLine
		if err := json.Unmarshal(sc.Bytes(), &ln); err != nil {
			return Report{}, fmt.Errorf("consent: export line %d: %w", lineNo, err)
		}
		if head != nil {
			return Report{}, fmt.Errorf("consent: export line %d: %q after the head", lineNo, ln.Kind)
		}
		switch ln.Kind {
		case "header":
			if v != nil {
				return Report{}, fmt.Errorf("consent: export line %d: a second header", lineNo)
			}
			if ln.Format != ExportFormat || ln.Version != 1 {
				return Report{}, fmt.Errorf("consent: export line %d: format %q version %d, want %q version 1", lineNo, ln.Format, ln.Version, ExportFormat)
			}
			v = newVerifier(ln.TenantID, ln.WithPersonalData)
		case "record":
			if v == nil {
				return Report{}, fmt.Errorf("consent: export line %d: a record before the header", lineNo)
			}
			at, err := time.Parse(TimeLayout, ln.At)
			if err != nil {
				return Report{}, fmt.Errorf("consent: export line %d: at: %w", lineNo, err)
			}
			rec := store.ConsentRecord{TenantID: ln.TenantID, Seq: ln.Seq, At: at, ContactKey: ln.ContactKey,
				Action: ln.Action, Category: ln.Category, Source: ln.Source, EvidenceDigest: ln.EvidenceDigest,
				PrevHash: ln.PrevHash, Hash: ln.Hash}
			// An export without personal data has no bodies: only the
			// digests are checked against what is present.
			var body []byte
			if ln.Personal != nil {
				body = []byte(*ln.Personal)
			}
			if !v.add(rec, body, ln.Personal != nil) {
				return v.rep, nil
			}
		case "head":
			if v == nil {
				return Report{}, fmt.Errorf("consent: export line %d: a head before the header", lineNo)
			}
			head = &store.ConsentHead{Seq: ln.Seq, Hash: ln.Hash, MAC: ln.MAC}
		default:
			return Report{}, fmt.Errorf("consent: export line %d: unknown kind %q", lineNo, ln.Kind)
		}
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("consent: export: %w", err)
	}
	if v == nil {
		return Report{}, errors.New("consent: export: no header (empty or not an export)")
	}
	if head == nil {
		v.fail(v.next, "the export has no head line: it was cut short")
		return v.rep, nil
	}
	return v.end(*head, nil), nil
}
