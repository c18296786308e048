package storecopy

import (
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// A row is read from either engine into one normal form, so that the same
// canonical serialisation (and so the same checksum) comes out of both when
// they hold the same data. Each value is one of:
//
//	nil     NULL, or a time that means "never" (SQLite 0, PostgreSQL NULL,
//	        the zero time or -infinity)
//	string  text
//	int64   integers
//	[]byte  bytes (never nil: an empty BLOB is an empty slice)
//	millis  a time, as unix milliseconds
//	bool    booleans
type millis int64

// quote quotes an identifier for either engine; both use SQL's double
// quotes, which also keeps column names such as "key" and "until" from
// being read as keywords.
func quote(name string) string {
	return pgx.Identifier{name}.Sanitize()
}

// selectList is the SELECT list reading t's columns from one engine. A
// nullable bytes column is read twice, the second time as "IS NULL":
// SQLite's driver returns an empty BLOB as nil, which a scan alone cannot
// tell from NULL.
func selectList(t *table, dst bool) string {
	parts := make([]string, 0, len(t.cols)+2)
	for _, c := range t.cols {
		name := c.src
		if dst {
			name = c.dst
		}
		parts = append(parts, quote(name))
		if c.kind == kBytesNull {
			parts = append(parts, quote(name)+" IS NULL")
		}
	}
	return strings.Join(parts, ", ")
}

// orderBy is the ORDER BY list over the columns idx. On PostgreSQL, text
// is compared byte-wise (COLLATE "C"), which is how SQLite's default BINARY
// collation orders UTF-8 text; the database's own collation may not be.
func orderBy(t *table, idx []int, dst bool) string {
	parts := make([]string, len(idx))
	for i, j := range idx {
		c := t.cols[j]
		if dst {
			parts[i] = quote(c.dst)
			if c.kind == kText || c.kind == kTextNull {
				parts[i] += ` COLLATE "C"`
			}
		} else {
			parts[i] = quote(c.src)
		}
	}
	return strings.Join(parts, ", ")
}

// scanner reads rows of one table from one engine into the normal form.
type scanner struct {
	t    *table
	dst  bool  // reading PostgreSQL rather than SQLite
	dest []any // scan destinations, reused from row to row
}

func newScanner(t *table, dst bool) *scanner {
	s := &scanner{t: t, dst: dst}
	for _, c := range t.cols {
		switch c.kind {
		case kText:
			s.dest = append(s.dest, new(string))
		case kTextNull:
			if dst {
				s.dest = append(s.dest, new(pgtype.Text))
			} else {
				s.dest = append(s.dest, new(sql.NullString))
			}
		case kInt:
			s.dest = append(s.dest, new(int64))
		case kBytes:
			s.dest = append(s.dest, new([]byte))
		case kBytesNull:
			s.dest = append(s.dest, new([]byte), new(bool))
		case kTime, kTimeNull:
			if dst {
				s.dest = append(s.dest, new(pgtype.Timestamptz))
			} else {
				s.dest = append(s.dest, new(int64))
			}
		case kBool:
			if dst {
				s.dest = append(s.dest, new(bool))
			} else {
				s.dest = append(s.dest, new(int64))
			}
		}
	}
	return s
}

// normal converts what the last Scan into s.dest put there into a fresh
// row in the normal form.
func (s *scanner) normal() []any {
	row := make([]any, len(s.t.cols))
	d := 0
	for i, c := range s.t.cols {
		switch c.kind {
		case kText:
			row[i] = *s.dest[d].(*string)
		case kTextNull:
			if s.dst {
				if v := s.dest[d].(*pgtype.Text); v.Valid {
					row[i] = v.String
				}
			} else if v := s.dest[d].(*sql.NullString); v.Valid {
				row[i] = v.String
			}
		case kInt:
			row[i] = *s.dest[d].(*int64)
		case kBytes:
			b := *s.dest[d].(*[]byte)
			if b == nil {
				b = []byte{}
			}
			row[i] = b
		case kBytesNull:
			b := *s.dest[d].(*[]byte)
			d++
			if !*s.dest[d].(*bool) {
				if b == nil {
					b = []byte{}
				}
				row[i] = b
			}
		case kTime, kTimeNull:
			if s.dst {
				v := s.dest[d].(*pgtype.Timestamptz)
				if v.Valid && v.InfinityModifier == pgtype.Finite && !v.Time.IsZero() {
					row[i] = millis(v.Time.UnixMilli())
				}
			} else if v := *s.dest[d].(*int64); v != 0 {
				row[i] = millis(v)
			}
		case kBool:
			if s.dst {
				row[i] = *s.dest[d].(*bool)
			} else {
				row[i] = *s.dest[d].(*int64) != 0
			}
		}
		d++
	}
	return row
}

// pgValue converts a normal-form value of kind k into what CopyFrom sends.
func pgValue(k kind, v any) any {
	switch v := v.(type) {
	case nil:
		if k == kTime {
			// A NOT NULL timestamptz cannot hold NULL; the zero time is
			// what the PostgreSQL engine stores for "never" there.
			return time.Time{}
		}
		return nil
	case millis:
		return time.UnixMilli(int64(v)).UTC()
	default:
		return v
	}
}

// appendCanon appends the canonical serialisation of one normal-form value.
// Text is length-prefixed so that no content can imitate a separator, and
// every value carries its type letter so that, say, the text "1" and the
// integer 1 differ.
func appendCanon(buf []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(buf, 'N')
	case string:
		buf = append(buf, 's')
		buf = strconv.AppendInt(buf, int64(len(v)), 10)
		buf = append(buf, ':')
		return append(buf, v...)
	case int64:
		buf = append(buf, 'i')
		return strconv.AppendInt(buf, v, 10)
	case []byte:
		buf = append(buf, 'x')
		return hex.AppendEncode(buf, v)
	case millis:
		buf = append(buf, 't')
		return strconv.AppendInt(buf, int64(v), 10)
	case bool:
		if v {
			return append(buf, 'b', '1')
		}
		return append(buf, 'b', '0')
	}
	panic(fmt.Sprintf("storecopy: no canonical form for %T", v))
}

// appendRow appends the canonical serialisation of a whole row: values
// separated by '|', the row ended by '\n'.
func appendRow(buf []byte, row []any) []byte {
	for i, v := range row {
		if i > 0 {
			buf = append(buf, '|')
		}
		buf = appendCanon(buf, v)
	}
	return append(buf, '\n')
}

// describeKey names a row by its key columns, for error messages.
func describeKey(t *table, row []any) string {
	parts := make([]string, len(t.key))
	for i, j := range t.key {
		parts[i] = t.cols[j].src + "=" + describeValue(row[j])
	}
	return strings.Join(parts, ", ")
}

func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(v)
	case []byte:
		return "x'" + hex.EncodeToString(v) + "'"
	case millis:
		return time.UnixMilli(int64(v)).UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}
