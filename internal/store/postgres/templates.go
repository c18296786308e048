package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wabaguard/wabaguard/internal/store"
)

// msTime keeps the millisecond the SQLite engine keeps, so "changed after"
// means the same on both engines.
func msTime(t time.Time) time.Time { return t.Truncate(time.Millisecond) }

// upsertTemplates writes templates, each unless its row changed after the
// new content's time. Equal keys keep the last; keys go in one order so
// concurrent batches wait rather than deadlock.
func upsertTemplates(ctx context.Context, tx pgx.Tx, ts []store.Template, at func(store.Template) time.Time) error {
	if len(ts) == 0 {
		return nil
	}
	key := func(t store.Template) [3]string { return [3]string{t.WABAID, t.Name, t.Language} }
	last := make(map[[3]string]int, len(ts))
	for i, t := range ts {
		last[key(t)] = i
	}
	rows := make([]store.Template, 0, len(last))
	for i, t := range ts {
		if last[key(t)] == i {
			rows = append(rows, t)
		}
	}
	slices.SortFunc(rows, func(a, b store.Template) int {
		return cmp.Or(cmp.Compare(a.WABAID, b.WABAID), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Language, b.Language))
	})
	n := len(rows)
	wabas, names, langs, ids, cats, stats, quals, formats, reasons := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	comps := make([][]byte, n)
	times := make([]time.Time, n)
	for i, t := range rows {
		wabas[i], names[i], langs[i], ids[i], cats[i], stats[i], quals[i], formats[i], reasons[i] =
			t.WABAID, t.Name, t.Language, t.ID, t.Category, t.Status, t.Quality, t.ParameterFormat, t.Reason
		comps[i] = t.Components
		if comps[i] == nil {
			comps[i] = []byte{}
		}
		times[i] = msTime(at(t))
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO templates (waba_id, name, language, id, category, status, quality, parameter_format, reason, components, updated_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::bytea[], $11::timestamptz[])
		ON CONFLICT (waba_id, name, language) DO UPDATE SET
			id = excluded.id, category = excluded.category, status = excluded.status, quality = excluded.quality,
			parameter_format = excluded.parameter_format, reason = excluded.reason, components = excluded.components,
			updated_at = excluded.updated_at
		WHERE templates.updated_at <= excluded.updated_at`,
		wabas, names, langs, ids, cats, stats, quals, formats, reasons, comps, times)
	if err != nil {
		return fmt.Errorf("postgres: put templates: %w", err)
	}
	return nil
}

// ReplaceTemplates records a complete listing of a WABA's templates.
func (s *Store) ReplaceTemplates(ctx context.Context, wabaID string, ts []store.Template, syncedAt time.Time) error {
	for _, t := range ts {
		if t.WABAID != wabaID {
			return fmt.Errorf("postgres: replace templates of %s: template %s/%s belongs to WABA %q", wabaID, t.Name, t.Language, t.WABAID)
		}
	}
	at := msTime(syncedAt)
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := upsertTemplates(ctx, tx, ts, func(store.Template) time.Time { return at }); err != nil {
			return err
		}
		// Every listed row now reads syncedAt or later; what is older was
		// not listed.
		if _, err := tx.Exec(ctx, `DELETE FROM templates WHERE waba_id = $1 AND updated_at < $2`, wabaID, at); err != nil {
			return fmt.Errorf("postgres: drop unlisted templates: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO template_syncs (waba_id, synced_at) VALUES ($1, $2)
			ON CONFLICT (waba_id) DO UPDATE SET synced_at = excluded.synced_at`, wabaID, at); err != nil {
			return fmt.Errorf("postgres: record template sync: %w", err)
		}
		return nil
	})
}

// PutTemplates inserts or replaces templates, newer content winning.
func (s *Store) PutTemplates(ctx context.Context, ts []store.Template) error {
	if len(ts) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return upsertTemplates(ctx, tx, ts, func(t store.Template) time.Time { return t.UpdatedAt })
	})
}

// PatchTemplate applies a template webhook's change.
func (s *Store) PatchTemplate(ctx context.Context, p store.TemplatePatch) (bool, error) {
	at := msTime(p.At)
	var exists bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		exists = false
		tag, err := tx.Exec(ctx, `UPDATE templates SET
				status = CASE WHEN $1 = '' THEN status ELSE $1 END,
				category = CASE WHEN $2 = '' THEN category ELSE $2 END,
				quality = CASE WHEN $3 = '' THEN quality ELSE $3 END,
				reason = CASE WHEN $1 = '' THEN reason ELSE $4 END,
				id = CASE WHEN $5 = '' THEN id ELSE $5 END,
				updated_at = $6
			WHERE waba_id = $7 AND name = $8 AND language = $9 AND updated_at <= $6`,
			p.Status, p.Category, p.Quality, p.Reason, p.ID, at, p.WABAID, p.Name, p.Language)
		if err != nil {
			return fmt.Errorf("postgres: patch template: %w", err)
		}
		if tag.RowsAffected() > 0 {
			exists = true
			return nil
		}
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM templates WHERE waba_id = $1 AND name = $2 AND language = $3`,
			p.WABAID, p.Name, p.Language).Scan(&one)
		switch {
		case err == nil:
			exists = true
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("postgres: patch template: %w", err)
		case !p.Insert:
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO templates
			(waba_id, name, language, id, category, status, quality, parameter_format, reason, components, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, ''::bytea, $9)
			ON CONFLICT (waba_id, name, language) DO NOTHING`,
			p.WABAID, p.Name, p.Language, p.ID, p.Category, p.Status, p.Quality, p.Reason, at); err != nil {
			return fmt.Errorf("postgres: insert patched template: %w", err)
		}
		exists = true
		return nil
	})
	return exists, err
}

// ListTemplates returns a WABA's templates, or every WABA's.
func (s *Store) ListTemplates(ctx context.Context, wabaID string) ([]store.Template, error) {
	rows, err := s.pool.Query(ctx, `SELECT waba_id, name, language, id, category, status, quality, parameter_format,
			reason, components, updated_at
		FROM templates WHERE $1 = '' OR waba_id = $1 ORDER BY waba_id COLLATE "C", name COLLATE "C", language COLLATE "C"`, wabaID)
	if err != nil {
		return nil, fmt.Errorf("postgres: list templates: %w", err)
	}
	defer rows.Close()
	var out []store.Template
	for rows.Next() {
		var t store.Template
		if err := rows.Scan(&t.WABAID, &t.Name, &t.Language, &t.ID, &t.Category, &t.Status, &t.Quality,
			&t.ParameterFormat, &t.Reason, &t.Components, &t.UpdatedAt); err != nil {
			return nil, fmt.Errorf("postgres: list templates: %w", err)
		}
		if len(t.Components) == 0 {
			t.Components = nil
		}
		t.UpdatedAt = utc(t.UpdatedAt)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list templates: %w", err)
	}
	return out, nil
}

// TemplateSyncs returns the last sync of every synced WABA.
func (s *Store) TemplateSyncs(ctx context.Context) ([]store.TemplateSync, error) {
	rows, err := s.pool.Query(ctx, `SELECT waba_id, synced_at FROM template_syncs ORDER BY waba_id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: template syncs: %w", err)
	}
	defer rows.Close()
	var out []store.TemplateSync
	for rows.Next() {
		var ts store.TemplateSync
		if err := rows.Scan(&ts.WABAID, &ts.At); err != nil {
			return nil, fmt.Errorf("postgres: template syncs: %w", err)
		}
		ts.At = utc(ts.At)
		out = append(out, ts)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: template syncs: %w", err)
	}
	return out, nil
}
