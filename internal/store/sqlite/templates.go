package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wabaguard/wabaguard/internal/store"
)

// upsertTemplate writes one template unless its row changed after the
// new content's updated_at.
const upsertTemplate = `INSERT INTO templates
	(waba_id, name, language, id, category, status, quality, parameter_format, reason, components, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (waba_id, name, language) DO UPDATE SET
		id = excluded.id, category = excluded.category, status = excluded.status, quality = excluded.quality,
		parameter_format = excluded.parameter_format, reason = excluded.reason, components = excluded.components,
		updated_at = excluded.updated_at
	WHERE templates.updated_at <= excluded.updated_at`

func (s *Store) upsertTemplates(ctx context.Context, tx *sql.Tx, ts []store.Template, at func(store.Template) time.Time) error {
	if len(ts) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, upsertTemplate)
	if err != nil {
		return fmt.Errorf("sqlite: prepare template upsert: %w", err)
	}
	defer st.Close()
	for _, t := range ts {
		comps := t.Components
		if comps == nil {
			comps = []byte{}
		}
		if _, err := st.ExecContext(ctx, t.WABAID, t.Name, t.Language, t.ID, t.Category, t.Status, t.Quality,
			t.ParameterFormat, t.Reason, comps, ms(at(t))); err != nil {
			return fmt.Errorf("sqlite: put template %s/%s/%s: %w", t.WABAID, t.Name, t.Language, err)
		}
	}
	return nil
}

// ReplaceTemplates records a complete listing of a WABA's templates.
func (s *Store) ReplaceTemplates(ctx context.Context, wabaID string, ts []store.Template, syncedAt time.Time) error {
	for _, t := range ts {
		if t.WABAID != wabaID {
			return fmt.Errorf("sqlite: replace templates of %s: template %s/%s belongs to WABA %q", wabaID, t.Name, t.Language, t.WABAID)
		}
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.upsertTemplates(ctx, tx, ts, func(store.Template) time.Time { return syncedAt }); err != nil {
			return err
		}
		// Every listed row now reads syncedAt or later; what is older was
		// not listed.
		if _, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE waba_id = ? AND updated_at < ?`, wabaID, ms(syncedAt)); err != nil {
			return fmt.Errorf("sqlite: drop unlisted templates: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO template_syncs (waba_id, synced_at) VALUES (?, ?)
			ON CONFLICT (waba_id) DO UPDATE SET synced_at = excluded.synced_at`, wabaID, ms(syncedAt)); err != nil {
			return fmt.Errorf("sqlite: record template sync: %w", err)
		}
		return nil
	})
}

// PutTemplates inserts or replaces templates, newer content winning.
func (s *Store) PutTemplates(ctx context.Context, ts []store.Template) error {
	if len(ts) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.upsertTemplates(ctx, tx, ts, func(t store.Template) time.Time { return t.UpdatedAt })
	})
}

// PatchTemplate applies a template webhook's change.
func (s *Store) PatchTemplate(ctx context.Context, p store.TemplatePatch) (bool, error) {
	exists := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE templates SET
				status = CASE WHEN ?1 = '' THEN status ELSE ?1 END,
				category = CASE WHEN ?2 = '' THEN category ELSE ?2 END,
				quality = CASE WHEN ?3 = '' THEN quality ELSE ?3 END,
				reason = CASE WHEN ?1 = '' THEN reason ELSE ?4 END,
				id = CASE WHEN ?5 = '' THEN id ELSE ?5 END,
				updated_at = ?6
			WHERE waba_id = ?7 AND name = ?8 AND language = ?9 AND updated_at <= ?6`,
			p.Status, p.Category, p.Quality, p.Reason, p.ID, ms(p.At), p.WABAID, p.Name, p.Language)
		if err != nil {
			return fmt.Errorf("sqlite: patch template: %w", err)
		}
		n, err := rowsAffected(res)
		if err != nil {
			return err
		}
		if n > 0 {
			exists = true
			return nil
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM templates WHERE waba_id = ? AND name = ? AND language = ?`,
			p.WABAID, p.Name, p.Language).Scan(&one)
		switch {
		case err == nil:
			exists = true
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: patch template: %w", err)
		case !p.Insert:
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO templates
			(waba_id, name, language, id, category, status, quality, parameter_format, reason, components, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, X'', ?)`,
			p.WABAID, p.Name, p.Language, p.ID, p.Category, p.Status, p.Quality, p.Reason, ms(p.At)); err != nil {
			return fmt.Errorf("sqlite: insert patched template: %w", err)
		}
		exists = true
		return nil
	})
	return exists, err
}

// ListTemplates returns a WABA's templates, or every WABA's.
func (s *Store) ListTemplates(ctx context.Context, wabaID string) ([]store.Template, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT waba_id, name, language, id, category, status, quality, parameter_format,
			reason, components, updated_at
		FROM templates WHERE ?1 = '' OR waba_id = ?1 ORDER BY waba_id, name, language`, wabaID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list templates: %w", err)
	}
	defer rows.Close()
	var out []store.Template
	for rows.Next() {
		var t store.Template
		var at int64
		if err := rows.Scan(&t.WABAID, &t.Name, &t.Language, &t.ID, &t.Category, &t.Status, &t.Quality,
			&t.ParameterFormat, &t.Reason, &t.Components, &at); err != nil {
			return nil, fmt.Errorf("sqlite: list templates: %w", err)
		}
		if len(t.Components) == 0 {
			t.Components = nil
		}
		t.UpdatedAt = tm(at)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list templates: %w", err)
	}
	return out, nil
}

// TemplateSyncs returns the last sync of every synced WABA.
func (s *Store) TemplateSyncs(ctx context.Context) ([]store.TemplateSync, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT waba_id, synced_at FROM template_syncs ORDER BY waba_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: template syncs: %w", err)
	}
	defer rows.Close()
	var out []store.TemplateSync
	for rows.Next() {
		var ts store.TemplateSync
		var at int64
		if err := rows.Scan(&ts.WABAID, &at); err != nil {
			return nil, fmt.Errorf("sqlite: template syncs: %w", err)
		}
		ts.At = tm(at)
		out = append(out, ts)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: template syncs: %w", err)
	}
	return out, nil
}
