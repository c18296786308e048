package optout

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/wabaguard/wabaguard/internal/phone"
)

// MaxLineErrors is how many bad lines ParseDoNotContact keeps in its
// report; it counts them all.
const MaxLineErrors = 1000

// DoNotContact is one number of an imported do-not-contact list.
type DoNotContact struct {
	Line   int
	Number phone.Number
	Scope  Scope
	Reason string
}

// LineError is a line of a do-not-contact file that was skipped.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ImportReport sums up a do-not-contact file.
type ImportReport struct {
	Good   int
	Bad    int
	Errors []LineError // the first MaxLineErrors bad lines
}

// ParseDoNotContact reads a do-not-contact list as CSV, one number per line
// with optional scope ("all" or "marketing") and reason columns, and calls
// fn for every good line as it reads, so a list of millions needs no memory.
// Comma and semicolon separators are both accepted (spreadsheets in Brazil
// write semicolons), as is a UTF-8 BOM and a header naming the columns
// (number/phone/telefone/numero/wa_id, scope/escopo, reason/motivo) in any
// order. Numbers are normalised with defaultRegion for the ones written
// without a country code; an empty scope is defaultScope. Bad lines are
// reported, not fatal; an error from fn or from reading stops the parse.
func ParseDoNotContact(r io.Reader, defaultRegion string, defaultScope Scope, fn func(DoNotContact) error) (ImportReport, error) {
	var rep ImportReport
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		if _, err := br.Discard(3); err != nil {
			return rep, fmt.Errorf("optout: read do-not-contact list: %w", err)
		}
	}
	// The separator is whichever of ; and , the first line has more of.
	head, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	if firstLine, _, _ := bytes.Cut(head, []byte("\n")); bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		cr.Comma = ';'
	}
	cols := [3]int{0, 1, 2} // number, scope, reason
	bad := func(line int, err error) {
		rep.Bad++
		if len(rep.Errors) < MaxLineErrors {
			rep.Errors = append(rep.Errors, LineError{Line: line, Err: err})
		}
	}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rep, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad(pe.StartLine, pe.Err)
				continue
			}
			return rep, fmt.Errorf("optout: read do-not-contact list: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			if c, ok := headerColumns(rec); ok {
				cols = c
				continue
			}
		}
		field := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		raw := field(cols[0])
		if raw == "" {
			if len(rec) == 1 || strings.Join(rec, "") == "" {
				continue // a blank line
			}
			bad(line, errors.New("no number"))
			continue
		}
		num, err := phone.Normalize(raw, defaultRegion)
		if err != nil {
			bad(line, err)
			continue
		}
		scope := Scope(strings.ToLower(field(cols[1])))
		switch scope {
		case "":
			scope = defaultScope
		case ScopeAll, ScopeMarketing:
		case "todos", "tudo", "todo":
			scope = ScopeAll
		default:
			bad(line, fmt.Errorf("scope %q is not all or marketing", field(cols[1])))
			continue
		}
		if err := fn(DoNotContact{Line: line, Number: num, Scope: scope, Reason: field(cols[2])}); err != nil {
			return rep, err
		}
		rep.Good++
	}
}

// headerColumns reads a header row, if rec is one.
func headerColumns(rec []string) ([3]int, bool) {
	cols := [3]int{-1, -1, -1}
	for i, h := range rec {
		switch Normalize(h) {
		case "number", "phone", "telefone", "numero", "celular", "wa id", "waid", "e164", "msisdn":
			cols[0] = i
		case "scope", "escopo", "alcance":
			cols[1] = i
		case "reason", "motivo", "razon":
			cols[2] = i
		}
	}
	return cols, cols[0] >= 0
}
