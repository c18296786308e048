package ui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
)

type keyRow struct {
	ID, Created, LastUsed, Expires, Source, State string
	Usable                                        bool
}

type ruleRow struct {
	Text, Kind, Scope, Mode, Lang string
}

type policyRow struct {
	Name, Setting string
	On            bool
}

type settingsData struct {
	Keys []keyRow
	// NewKey is a key just created, shown this once.
	NewKey, NewKeyID string
	WebhookURL       string
	WebhookSecret    bool
	Policy           []policyRow
	OptOut, OptIn    []ruleRow
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	p := &page{Nav: "settings", User: &sess.user, CSRF: sess.csrf}
	lang := language(r)
	var newKey, newKeyID string
	switch r.URL.Query().Get("done") {
	case "revoked":
		p.Message, p.Notice = msg(lang, "keys.revoked"), true
	case "created":
		p.Path = Prefix + "/settings" // switching language shows the key no more
		if newKey = takeFlash(w, r, sess); newKey != "" {
			newKeyID = secret.APIKeyID(newKey)
			p.Message, p.Notice = msg(lang, "keys.created"), true
		}
	}
	// The page may hold a secret shown once: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	s.showSettings(w, r, sess, p, http.StatusOK, newKey, newKeyID)
}

// showSettings renders the page, with a new key (shown once) when given.
func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, sess *session, p *page, status int, newKey, newKeyID string) {
	ctx, lang, tenant := r.Context(), language(r), sess.user.TenantID
	d := settingsData{NewKey: newKey, NewKeyID: newKeyID}
	p.Data = &d
	keys, err := s.store.ListAPIKeys(ctx, tenant)
	if err != nil {
		s.fail(w, r, sess, "api keys", err)
		return
	}
	now := s.now()
	for _, k := range keys {
		if k.TenantID != tenant {
			continue // the store answers the tenant's; never show another's
		}
		row := keyRow{ID: k.ID, Created: utcTime(k.CreatedAt), LastUsed: utcTime(k.LastUsedAt), Expires: utcTime(k.ExpiresAt),
			Source: msg(lang, "keys.source."+string(store.KeySourceOrDefault(k.Source))), State: msg(lang, "keys.active"), Usable: true}
		if strings.HasPrefix(row.Source, "keys.source.") {
			row.Source = string(k.Source)
		}
		if k.ExpiresAt.IsZero() {
			row.Expires = msg(lang, "keys.never")
		}
		switch {
		case !k.RevokedAt.IsZero():
			row.State, row.Usable = msg(lang, "keys.revoked.state")+" "+utcTime(k.RevokedAt), false
		case k.Expired(now):
			row.State, row.Usable = msg(lang, "keys.expired"), false
		}
		d.Keys = append(d.Keys, row)
	}
	t, err := s.store.GetTenant(ctx, tenant)
	if err != nil {
		s.fail(w, r, sess, "tenant", err)
		return
	}
	d.WebhookURL, d.WebhookSecret = t.WebhookURL, t.WebhookSecret != ""
	cfg := s.settings(tenant)
	for _, pr := range []struct{ key, v string }{{"consent", cfg.Consent}, {"window", cfg.Window}, {"template", cfg.Template}} {
		on := config.Enforces(pr.v)
		row := policyRow{Name: msg(lang, "policy."+pr.key), Setting: msg(lang, "policy.enforce"), On: on}
		if !on {
			row.Setting = msg(lang, "policy.off")
		}
		d.Policy = append(d.Policy, row)
	}
	for _, ru := range cfg.OptOut {
		row := ruleRow{Text: ru.Text, Kind: string(ru.Kind), Scope: msg(lang, "cat."+string(ru.Scope)), Mode: msg(lang, "rule."+string(ru.Mode))}
		if len(ru.Langs) > 0 {
			row.Lang = ru.Langs[0]
		}
		if ru.Kind == "opt_in" {
			d.OptIn = append(d.OptIn, row)
		} else {
			d.OptOut = append(d.OptOut, row)
		}
	}
	s.render(w, r, status, "settings", p)
}

// createKey issues an API key for the user's tenant and redirects to the
// settings page, which shows it once (see flash.go); only its hash is
// stored.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request, sess *session) {
	lang := language(r)
	if sess.user.Role != store.RoleAdmin {
		s.render(w, r, http.StatusForbidden, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(lang, "forbidden")})
		return
	}
	key, id := secret.NewAPIKey()
	if err := s.store.PutAPIKey(r.Context(), store.APIKey{ID: id, TenantID: sess.user.TenantID, Hash: secret.HashAPIKey(key),
		CreatedAt: s.now(), Source: store.KeyFromDashboard}); err != nil {
		s.fail(w, r, sess, "create api key", err)
		return
	}
	s.log.InfoContext(r.Context(), "ui: api key created", "key", id, "user", sess.user.ID, "tenant", sess.user.TenantID)
	sealed, err := sealFlash(sess.csrf, key)
	if err != nil {
		s.fail(w, r, sess, "seal new api key", err)
		return
	}
	setFlash(w, r, sealed)
	http.Redirect(w, r, Prefix+"/settings?done=created", http.StatusSeeOther)
}

// revokeKey revokes one of the tenant's keys; another tenant's id is
// answered as unknown.
func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, sess *session) {
	lang := language(r)
	if sess.user.Role != store.RoleAdmin {
		s.render(w, r, http.StatusForbidden, "error", &page{User: &sess.user, CSRF: sess.csrf, Message: msg(lang, "forbidden")})
		return
	}
	id := r.PathValue("id")
	keys, err := s.store.ListAPIKeys(r.Context(), sess.user.TenantID)
	if err != nil {
		s.fail(w, r, sess, "api keys", err)
		return
	}
	if !slices.ContainsFunc(keys, func(k store.APIKey) bool { return k.ID == id && k.TenantID == sess.user.TenantID }) {
		s.notFound(w, r, sess)
		return
	}
	if err := s.store.RevokeAPIKey(r.Context(), id); err != nil {
		s.fail(w, r, sess, "revoke api key", err)
		return
	}
	s.log.InfoContext(r.Context(), "ui: api key revoked", "key", id, "user", sess.user.ID, "tenant", sess.user.TenantID)
	http.Redirect(w, r, Prefix+"/settings?done=revoked", http.StatusSeeOther)
}
