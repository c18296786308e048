package contact

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// exportColumns is the CSV header of an export; an import reads it back
// (the consent and time columns are shown, not imported: consent comes
// only with evidence).
var exportColumns = []string{"phone", "name", "language", "tags", "attributes",
	"consent_marketing", "consent_utility", "consent_authentication", "last_inbound_at", "created_at", "updated_at"}

// Export writes a tenant's contacts, those matching f when it is not nil,
// as CSV or JSON Lines, streaming them page by page.
func (s *Service) Export(ctx context.Context, tenantID string, f *Filter, format string, w io.Writer) (int64, error) {
	var write func(View) error
	var flush func() error
	switch format {
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(exportColumns); err != nil {
			return 0, fmt.Errorf("contact: export: %w", err)
		}
		write = func(v View) error {
			last := ""
			if v.LastInboundAt != nil {
				last = v.LastInboundAt.UTC().Format(time.RFC3339)
			}
			return cw.Write([]string{v.E164, v.Name, v.Language, strings.Join(v.Tags, "|"), string(v.Attributes),
				v.Consent["marketing"], v.Consent["utility"], v.Consent["authentication"], last,
				v.CreatedAt.UTC().Format(time.RFC3339), v.UpdatedAt.UTC().Format(time.RFC3339)})
		}
		flush = func() error { cw.Flush(); return cw.Error() }
	case JSON, JSONL:
		enc := json.NewEncoder(w)
		write = func(v View) error { return enc.Encode(v) }
		flush = func() error { return nil }
	default:
		return 0, invalid("format", "%q is not one of csv, jsonl", format)
	}
	var n int64
	err := s.Each(ctx, tenantID, f, func(v View) error {
		n++
		return write(v)
	})
	if err != nil {
		return n, err
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("contact: export: %w", err)
	}
	return n, nil
}
