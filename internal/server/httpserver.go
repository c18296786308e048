package server

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"github.com/wabaguard/wabaguard/internal/config"
)

// httpSettings is the HTTP section of cfg with every zero replaced by its
// default.
func httpSettings(h config.HTTP) config.HTTP {
	d := config.DefaultHTTP()
	if h.ReadHeaderTimeout == 0 {
		h.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if h.ReadTimeout == 0 {
		h.ReadTimeout = d.ReadTimeout
	}
	if h.WriteTimeout == 0 {
		h.WriteTimeout = d.WriteTimeout
	}
	if h.IdleTimeout == 0 {
		h.IdleTimeout = d.IdleTimeout
	}
	if h.MaxHeaderBytes == 0 {
		h.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if h.MaxConnsPerClient == 0 {
		h.MaxConnsPerClient = d.MaxConnsPerClient
	}
	return h
}

// newHTTPServer is an http.Server bounded by h: a client that sends its
// headers or body slowly, or holds an idle connection, is cut off.
func newHTTPServer(handler http.Handler, h config.HTTP, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: h.ReadHeaderTimeout.D(),
		ReadTimeout:       h.ReadTimeout.D(),
		WriteTimeout:      h.WriteTimeout.D(),
		IdleTimeout:       h.IdleTimeout.D(),
		MaxHeaderBytes:    h.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// metricsHandler serves the registry, behind a bearer token when one is
// configured. The token is compared in constant time and never logged.
func (s *Server) metricsHandler() http.Handler {
	h := s.scrapeHandler()
	token := s.cfg.Metrics.Token
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token configured as metrics.token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// demoMode reports whether this start is the zero-configuration demo: no
// tenants declared. Only then do the /_demo routes exist.
func demoMode(cfg config.Config) bool { return len(cfg.Tenants) == 0 }
