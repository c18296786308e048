package classifier

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of a tenant's training file.
const (
	// MaxTrainingBytes bounds the file.
	MaxTrainingBytes = 16 << 20
	// MaxTrainingRows bounds the examples in it.
	MaxTrainingRows = 100_000
	// MaxTextLen is the longest text, in bytes: the Cloud API's limit on
	// a text message body.
	MaxTextLen = 4096
	// maxReportedErrors is how many faulty lines a ParseError lists.
	maxReportedErrors = 20
)

// LineError is one faulty line of a training file.
type LineError struct {
	Line  int    `json:"line"`
	Field string `json:"field,omitempty"`
	Msg   string `json:"message"`
}

func (e LineError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// ParseError lists the faulty lines of a training file (the first
// maxReportedErrors of them); a file with any is refused whole.
type ParseError struct {
	Lines []LineError
	// More is how many further faulty lines were not listed.
	More int
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("training file: ")
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	return b.String()
}

func (e *ParseError) add(line int, field, format string, args ...any) {
	if len(e.Lines) < maxReportedErrors {
		e.Lines = append(e.Lines, LineError{Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	} else {
		e.More++
	}
}

// ParseTrainingFile reads a tenant's labelled examples, either JSON Lines
// (one object a line with "text", "label" and optionally "lang", the
// format of testdata/train.jsonl) or CSV (columns text,label[,lang], an
// optional header row naming them). The format is told by the first
// character: "{" is JSON Lines. Every line is checked; when any is wrong
// the result is a *ParseError naming each by its line number, and no
// example is returned.
func ParseTrainingFile(r io.Reader) ([]Example, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxTrainingBytes+1))
	if err != nil {
		return nil, fmt.Errorf("training file: %w", err)
	}
	if len(data) > MaxTrainingBytes {
		return nil, &ParseError{Lines: []LineError{{Msg: fmt.Sprintf("the file is larger than %d bytes", MaxTrainingBytes)}}}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, &ParseError{Lines: []LineError{{Line: 1, Msg: "the file has no examples"}}}
	}
	var out []Example
	perr := &ParseError{}
	if trimmed[0] == '{' {
		out = parseJSONL(data, perr)
	} else {
		out = parseCSV(data, perr)
	}
	if len(perr.Lines) == 0 && len(out) == 0 {
		perr.add(1, "", "the file has no examples")
	}
	if len(out) > MaxTrainingRows {
		perr.add(0, "", "%d examples, at most %d are accepted", len(out), MaxTrainingRows)
	}
	if len(perr.Lines) > 0 {
		return nil, perr
	}
	return out, nil
}

func parseJSONL(data []byte, perr *ParseError) []Example {
	var out []Example
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxTrainingBytes)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var row struct {
			Text  *string `json:"text"`
			Label *string `json:"label"`
			Lang  string  `json:"lang"`
		}
		if err := json.Unmarshal(b, &row); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				perr.add(line, te.Field, "must be a string")
			} else {
				perr.add(line, "", "not a JSON object: %v", err)
			}
			continue
		}
		if row.Text == nil {
			perr.add(line, "text", "is missing")
			continue
		}
		if row.Label == nil {
			perr.add(line, "label", "is missing")
			continue
		}
		if e, ok := checkExample(line, *row.Text, *row.Label, row.Lang, perr); ok {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		perr.add(line+1, "", "%v", err)
	}
	return out
}

func parseCSV(data []byte, perr *ParseError) []Example {
	var out []Example
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				perr.add(pe.Line, "", "%v", pe.Err)
			} else {
				perr.add(0, "", "%v", err)
			}
			return nil // the reader cannot resync after a quoting error
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if len(rec) >= 2 && strings.EqualFold(strings.TrimSpace(rec[0]), "text") && strings.EqualFold(strings.TrimSpace(rec[1]), "label") {
				continue // the header
			}
		}
		if len(rec) < 2 || len(rec) > 3 {
			perr.add(line, "", "%d columns, want text,label[,lang]", len(rec))
			continue
		}
		lang := ""
		if len(rec) == 3 {
			lang = rec[2]
		}
		if e, ok := checkExample(line, rec[0], rec[1], lang, perr); ok {
			out = append(out, e)
		}
	}
	return out
}

// checkExample validates one example's fields.
func checkExample(line int, text, label, lang string, perr *ParseError) (Example, bool) {
	ok := true
	switch {
	case !utf8.ValidString(text):
		perr.add(line, "text", "is not valid UTF-8")
		ok = false
	case strings.TrimSpace(text) == "":
		perr.add(line, "text", "is empty")
		ok = false
	case len(text) > MaxTextLen:
		perr.add(line, "text", "is %d bytes long, at most %d", len(text), MaxTextLen)
		ok = false
	}
	label = strings.ToLower(strings.TrimSpace(label))
	if LabelIndex(label) < 0 {
		perr.add(line, "label", "%q is not one of ham, spam, smishing", label)
		ok = false
	}
	lang = strings.TrimSpace(lang)
	switch strings.ToLower(lang) {
	case "":
	case "en":
		lang = "en"
	case "pt-br", "pt_br", "pt":
		lang = "pt-BR"
	default:
		perr.add(line, "lang", "%q is not en or pt-BR", lang)
		ok = false
	}
	return Example{Text: text, Label: label, Lang: lang}, ok
}
