package ui

import (
	"crypto/subtle"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wabaguard/wabaguard/internal/store"
)

// sessionCookie carries the session id and nothing else.
const sessionCookie = "wg_session"

// maxFormBytes bounds a form body.
const maxFormBytes = 16 << 10

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: Prefix, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func cookieValue(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// authed lets only logged-in users through; POSTs must also carry the
// session's CSRF token.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.sessions.get(r.Context(), cookieValue(r))
		if err != nil {
			s.fail(w, r, nil, "session", err)
			return
		}
		if sess == nil || sess.anonymous() {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && !s.checkCSRF(w, r, sess) {
			return
		}
		h(w, r, sess)
	})
}

// checkCSRF reads the form and compares its token with the session's
// (constant time), and refuses a cross-origin Origin outright. It writes
// the refusal itself.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, sess *session) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	err := r.ParseForm()
	ok := err == nil && sameOrigin(r) &&
		subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(sess.csrf)) == 1
	if !ok {
		p := &page{Message: msg(language(r), "csrf.bad")}
		if !sess.anonymous() {
			p.User, p.CSRF = &sess.user, sess.csrf
		}
		s.render(w, r, http.StatusForbidden, "error", p)
	}
	return ok
}

// sameOrigin is false when the browser says the request comes from
// another origin; browsers that send no Origin rely on the token alone.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// loginForm shows the form in an anonymous session that holds its CSRF
// token. A logged-in user goes to the overview.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	sess, err := s.sessions.get(r.Context(), cookieValue(r))
	if err != nil {
		s.fail(w, r, nil, "session", err)
		return
	}
	if sess != nil && !sess.anonymous() {
		http.Redirect(w, r, Prefix+"/overview", http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, sess, http.StatusOK, "", "")
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, sess *session, status int, email, message string) {
	if sess == nil {
		id, anon, err := s.sessions.create(r.Context(), store.User{})
		if err != nil {
			s.fail(w, r, nil, "session", err)
			return
		}
		sess = anon
		s.setSessionCookie(w, r, id)
	}
	s.render(w, r, status, "login", &page{CSRF: sess.csrf, Message: message, Data: email})
}

// login checks the CSRF token, the limiter, then the password. On success
// the anonymous session is replaced by a new one (a fixed session id
// never becomes a logged-in one).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	anonID := cookieValue(r)
	sess, err := s.sessions.get(r.Context(), anonID)
	if err != nil {
		s.fail(w, r, nil, "session", err)
		return
	}
	if sess == nil {
		s.showLogin(w, r, nil, http.StatusForbidden, "", msg(language(r), "csrf.bad"))
		return
	}
	if !s.checkCSRF(w, r, sess) {
		return
	}
	lang := language(r)
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	password := r.PostForm.Get("password")
	addr, now := clientAddr(r), s.now()
	if wait := s.limiter.wait(addr, email, now); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		p := &page{}
		p.Lang = lang
		s.showLogin(w, r, sess, http.StatusTooManyRequests, email, p.T("login.limited", int(math.Ceil(wait.Seconds()))))
		return
	}
	u, err := s.store.UserByEmail(r.Context(), email)
	hash := u.PasswordHash
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, nil, "user by email", err)
			return
		}
		hash = dummyHash // the same work as a wrong password
	}
	ok, verr := VerifyPassword(hash, password)
	if verr != nil {
		s.log.WarnContext(r.Context(), "ui: a stored password hash is unreadable", "user", u.ID, "err", verr)
	}
	if err != nil || !ok {
		s.limiter.fail(addr, email, now)
		s.log.InfoContext(r.Context(), "ui: failed log-in", "client", addr)
		s.showLogin(w, r, sess, http.StatusUnauthorized, email, msg(lang, "login.bad"))
		return
	}
	if err := s.sessions.end(r.Context(), anonID); err != nil {
		s.fail(w, r, nil, "end the log-in form's session", err)
		return
	}
	id, _, err := s.sessions.create(r.Context(), u)
	if err != nil {
		s.fail(w, r, nil, "session", err)
		return
	}
	s.setSessionCookie(w, r, id)
	s.log.InfoContext(r.Context(), "ui: log-in", "user", u.ID, "tenant", u.TenantID)
	http.Redirect(w, r, Prefix+"/overview", http.StatusSeeOther)
}

// logout ends the session on the server, not only in the browser.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	if err := s.sessions.end(r.Context(), cookieValue(r)); err != nil {
		s.fail(w, r, sess, "log-out", err)
		return
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}
