package contact

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Row is one record of an import file as read, before it is checked
// against the numbering plan and the store. Err is set for a row that
// could not be read (a malformed CSV record, a JSON line that is not an
// object of known fields): the row is refused as malformed.
type Row struct {
	// Line is the file's line where the record starts (1 is a CSV's
	// header), or for a JSON array the element's position from 1.
	Line int
	// Set says which optional fields the row carries, so that a merge
	// keeps what a row leaves out.
	Phone          string
	Name, Language *string
	Tags           []string
	HasTags        bool
	Attributes     map[string]any
	Consent        *RowConsent
	Err            error
}

// RowConsent is a row's opt-in with its evidence.
type RowConsent struct {
	Categories []string `json:"categories"`
	Source     string   `json:"source"`
	At         string   `json:"at"`
	Text       string   `json:"text"`
	URL        string   `json:"url"`
	IP         string   `json:"ip"`
	UserAgent  string   `json:"user_agent"`
}

// Encodings an import is read in.
const (
	UTF8        = "utf-8"
	Windows1252 = "windows-1252"
)

// sniffSize is how much of a file decides its encoding and format.
const sniffSize = 64 << 10

// decode returns r as UTF-8 and the encoding it was in: a UTF-8 byte order
// mark is dropped; without one, the first 64 KiB decide, UTF-8 when they
// are valid UTF-8 and Windows-1252 (a superset of Latin-1's printable
// characters, what Brazilian spreadsheets export) otherwise. enc forces
// one. A UTF-16 file is refused: spreadsheets save UTF-8 when asked.
func decode(r io.Reader, enc string) (*bufio.Reader, string, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", fmt.Errorf("contact: read: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		if _, err := br.Discard(3); err != nil {
			return nil, "", fmt.Errorf("contact: read: %w", err)
		}
		if enc == "" {
			enc = UTF8
		}
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, "", invalid("file", "is UTF-16; save it as UTF-8 (CSV UTF-8) or Latin-1")
	}
	if enc == "" {
		enc = UTF8
		if !validPrefix(head, len(head) == sniffSize) {
			enc = Windows1252
		}
	}
	switch strings.ToLower(enc) {
	case UTF8, "utf8":
		return br, UTF8, nil
	case Windows1252, "latin-1", "latin1", "iso-8859-1", "cp1252":
		return bufio.NewReaderSize(charmap.Windows1252.NewDecoder().Reader(br), sniffSize), Windows1252, nil
	}
	return nil, "", invalid("encoding", "%q is not one of utf-8, latin-1, windows-1252", enc)
}

// validPrefix reports whether b is valid UTF-8, allowing a rune cut at
// the end when b is only a prefix of the file.
func validPrefix(b []byte, cut bool) bool {
	if cut {
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			if utf8.Valid(b) {
				return true
			}
			b = b[:len(b)-1]
		}
	}
	return utf8.Valid(b)
}

// Formats an import is read in.
const (
	CSV   = "csv"
	JSON  = "json" // JSON Lines, or one JSON array of objects
	JSONL = "jsonl"
)

// sniffFormat says json when the first non-space byte opens a JSON value.
func sniffFormat(br *bufio.Reader) string {
	head, _ := br.Peek(sniffSize)
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return JSON
	}
	return CSV
}

// columns of a CSV header, by the names the import accepts (lower case).
var columnNames = map[string]string{
	"phone": "phone", "number": "phone", "telefone": "phone", "celular": "phone", "whatsapp": "phone", "wa_id": "phone", "e164": "phone",
	"name": "name", "nome": "name",
	"language": "language", "idioma": "language", "lang": "language",
	"tags": "tags", "etiquetas": "tags",
	"attributes":         "attributes",
	"opt_in":             "opt_in",
	"consent_categories": "opt_in",
	"consent_source":     "consent_source",
	"consent_at":         "consent_at",
	"consent_text":       "consent_text",
	"consent_url":        "consent_url",
	"consent_ip":         "consent_ip",
	"consent_user_agent": "consent_user_agent",
	// What an export writes and an import reads back without using:
	// consent comes only with evidence, times are the gateway's.
	"consent_marketing": "", "consent_utility": "", "consent_authentication": "",
	"last_inbound_at": "", "created_at": "", "updated_at": "",
}

// attrPrefixes name custom attribute columns: "attr.city".
var attrPrefixes = []string{"attr.", "attribute.", "atributo."}

// HeaderError is a CSV header the import cannot use; nothing of the file
// is imported.
type HeaderError struct{ Reason string }

func (e *HeaderError) Error() string { return "contact: header: " + e.Reason }

// readCSV calls fn with every record of a CSV whose first line is its
// header. The separator is the header's: ';' when it has more of them
// than ',' (as spreadsheets in pt-BR locales save), ',' otherwise.
func readCSV(br *bufio.Reader, fn func(Row) error) error {
	head, _ := br.Peek(sniffSize)
	first := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		first = head[:i]
	}
	cr := csv.NewReader(br)
	cr.Comma = ','
	if bytes.Count(first, []byte{';'}) > bytes.Count(first, []byte{','}) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return &HeaderError{Reason: "the file is empty"}
		}
		return &HeaderError{Reason: err.Error()}
	}
	cols := make([]string, len(header))
	attrs := make([]string, len(header))
	seen := map[string]bool{}
	var unknown []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if c, ok := columnNames[h]; ok {
			cols[i] = c
		} else {
			for _, p := range attrPrefixes {
				if name, ok := strings.CutPrefix(h, p); ok && name != "" {
					cols[i], attrs[i] = "attr", name
				}
			}
			if cols[i] == "" {
				unknown = append(unknown, fmt.Sprintf("%q", header[i]))
				continue
			}
		}
		key := cols[i] + "." + attrs[i]
		if cols[i] != "" && seen[key] {
			return &HeaderError{Reason: fmt.Sprintf("column %q appears twice", header[i])}
		}
		seen[key] = true
	}
	if len(unknown) > 0 {
		return &HeaderError{Reason: "unknown column " + strings.Join(unknown, ", ") +
			"; known: phone, name, language, tags, attributes, attr.<name>, opt_in, consent_source, consent_at, consent_text, consent_url, consent_ip, consent_user_agent"}
	}
	if !seen["phone."] {
		return &HeaderError{Reason: "no phone column (phone, telefone, celular, whatsapp or wa_id)"}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if err := fn(Row{Line: pe.StartLine, Err: invalid("row", "malformed CSV: %v", pe.Err)}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("contact: read: %w", err)
		}
		line, _ := cr.FieldPos(0)
		row := Row{Line: line}
		if len(rec) != len(cols) {
			row.Err = invalid("row", "has %d fields, the header has %d", len(rec), len(cols))
		} else {
			row.Err = csvRow(&row, cols, attrs, rec)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
}

func csvRow(row *Row, cols, attrs, rec []string) error {
	var c RowConsent
	hasConsent := false
	for i, v := range rec {
		v = strings.TrimSpace(v)
		switch cols[i] {
		case "phone":
			row.Phone = v
		case "name":
			if v != "" {
				row.Name = &v
			}
		case "language":
			if v != "" {
				row.Language = &v
			}
		case "tags":
			if v != "" {
				row.HasTags = true
				row.Tags = strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' || r == ';' })
			}
		case "attributes":
			if v != "" {
				if err := json.Unmarshal([]byte(v), &row.Attributes); err != nil || row.Attributes == nil {
					return invalid("attributes", "is not a JSON object")
				}
			}
		case "attr":
			if v != "" {
				if row.Attributes == nil {
					row.Attributes = map[string]any{}
				}
				row.Attributes[attrs[i]] = v
			}
		case "opt_in":
			if v != "" {
				hasConsent = true
				c.Categories = optInCategories(v)
			}
		case "consent_source":
			c.Source = v
		case "consent_at":
			c.At = v
		case "consent_text":
			c.Text = v
		case "consent_url":
			c.URL = v
		case "consent_ip":
			c.IP = v
		case "consent_user_agent":
			c.UserAgent = v
		}
	}
	if hasConsent && len(c.Categories) > 0 {
		row.Consent = &c
	} else if c.Text != "" || c.URL != "" || c.Source != "" {
		return invalid("opt_in", "the row has consent evidence but no opt_in category")
	}
	return nil
}

// optInCategories reads an opt_in cell: categories separated by | , ; or
// spaces, or a yes (sim, yes, true, 1, x) meaning marketing; a no (não,
// nao, no, false, 0) means none.
func optInCategories(v string) []string {
	switch strings.ToLower(v) {
	case "sim", "s", "yes", "y", "true", "1", "x":
		return []string{"marketing"}
	case "não", "nao", "n", "no", "false", "0":
		return nil
	}
	return strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == '|' || r == ',' || r == ';' || r == ' ' })
}

// jsonRecord is one contact of a JSON import.
type jsonRecord struct {
	Phone      string         `json:"phone"`
	Name       *string        `json:"name"`
	Language   *string        `json:"language"`
	Tags       []string       `json:"tags"`
	Attributes map[string]any `json:"attributes"`
	OptIn      *RowConsent    `json:"opt_in"`
	// What an export writes and an import reads back without using.
	WaID          string          `json:"wa_id"`
	Consent       json.RawMessage `json:"consent"`
	LastInboundAt json.RawMessage `json:"last_inbound_at"`
	CreatedAt     json.RawMessage `json:"created_at"`
	UpdatedAt     json.RawMessage `json:"updated_at"`
}

func (j jsonRecord) row(line int) Row {
	r := Row{Line: line, Phone: strings.TrimSpace(j.Phone), Name: j.Name, Language: j.Language, Tags: j.Tags,
		HasTags: j.Tags != nil, Attributes: j.Attributes, Consent: j.OptIn}
	if r.Phone == "" {
		r.Phone = j.WaID
	}
	if r.Consent != nil && len(r.Consent.Categories) == 0 {
		r.Err = invalid("opt_in.categories", "an opt-in names at least one category")
	}
	return r
}

// readJSON calls fn with every record of a JSON Lines file (one object a
// line, blank lines skipped) or of a JSON array of objects.
func readJSON(br *bufio.Reader, fn func(Row) error) error {
	head, _ := br.Peek(sniffSize)
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return readJSONArray(br, fn)
	}
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			if t := bytes.TrimSpace(b); len(t) > 0 {
				var rec jsonRecord
				d := json.NewDecoder(bytes.NewReader(t))
				d.DisallowUnknownFields()
				row := Row{Line: line}
				if derr := d.Decode(&rec); derr != nil {
					row.Err = invalid("row", "not a contact object: %v", derr)
				} else if d.More() {
					row.Err = invalid("row", "more than one JSON value on the line")
				} else {
					row = rec.row(line)
				}
				if err := fn(row); err != nil {
					return err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("contact: read: %w", err)
		}
	}
}

func readJSONArray(br *bufio.Reader, fn func(Row) error) error {
	d := json.NewDecoder(br)
	if _, err := d.Token(); err != nil {
		return &HeaderError{Reason: "not a JSON array: " + err.Error()}
	}
	for n := 1; d.More(); n++ {
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			// The array itself is broken: what follows cannot be read.
			return fn(Row{Line: n, Err: invalid("row", "malformed JSON: %v", err)})
		}
		var rec jsonRecord
		rd := json.NewDecoder(bytes.NewReader(raw))
		rd.DisallowUnknownFields()
		row := Row{Line: n}
		if err := rd.Decode(&rec); err != nil {
			row.Err = invalid("row", "not a contact object: %v", err)
		} else {
			row = rec.row(n)
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

// timeLayouts are the consent_at forms accepted; those without a zone
// are read in the import's time zone.
var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"02/01/2006 15:04:05", "02/01/2006 15:04", "02/01/2006",
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	for i, l := range timeLayouts {
		var t time.Time
		var err error
		if i == 0 {
			t, err = time.Parse(l, s)
		} else {
			t, err = time.ParseInLocation(l, s, loc)
		}
		if err == nil {
			return t, nil
		}
	}
	return time.Time{}, invalid("consent_at", "%q is not a time (2026-03-01T10:00:00Z, 2026-03-01 10:00, 01/03/2026 10:00)", s)
}
