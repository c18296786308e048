package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wabaguard/wabaguard/internal/secret"
)

// HTTP bounds what one client can hold of the HTTP server. Zero values mean
// the defaults (DefaultHTTP).
type HTTP struct {
	// ReadHeaderTimeout bounds reading a request's headers. Default 10s.
	ReadHeaderTimeout Duration `json:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included, so a body
	// sent a byte at a time cannot hold a connection. Default 60s; raise it
	// for large media uploads over slow links.
	ReadTimeout Duration `json:"read_timeout"`
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer (handler time included). Default 120s.
	WriteTimeout Duration `json:"write_timeout"`
	// IdleTimeout closes kept-alive connections idle this long. Default 120s.
	IdleTimeout Duration `json:"idle_timeout"`
	// MaxHeaderBytes caps a request's headers. Default 64 KiB.
	MaxHeaderBytes int `json:"max_header_bytes"`
	// MaxConnsPerClient caps the open connections of one client address;
	// more are closed as they arrive. Default 256; -1 turns the cap off.
	MaxConnsPerClient int `json:"max_conns_per_client"`
}

// DefaultHTTP is the HTTP section of the zero configuration.
func DefaultHTTP() HTTP {
	return HTTP{
		ReadHeaderTimeout: Duration(10 * time.Second),
		ReadTimeout:       Duration(60 * time.Second),
		WriteTimeout:      Duration(120 * time.Second),
		IdleTimeout:       Duration(120 * time.Second),
		MaxHeaderBytes:    64 << 10,
		MaxConnsPerClient: 256,
	}
}

// Metrics protects /metrics, which names senders and their volumes.
type Metrics struct {
	// Token, when set, is required as "Authorization: Bearer <token>".
	Token string `json:"token"`
	// Listen, when set, serves /metrics on this address only (for example
	// a private interface) instead of the API's listener.
	Listen string `json:"listen"`
}

// Auth bounds failed authentications (see gateway.AuthLimit).
type Auth struct {
	// FailureBurst is how many wrong keys a client address or key prefix
	// may send before it is refused with 429. Default 20; -1 turns the
	// limit off.
	FailureBurst int `json:"failure_burst"`
	// FailuresPerMinute is how fast that budget comes back. Default 10.
	FailuresPerMinute int `json:"failures_per_minute"`
}

// DefaultAuth is the auth section of the zero configuration.
func DefaultAuth() Auth { return Auth{FailureBurst: 20, FailuresPerMinute: 10} }

// validateSecurity checks the settings of this file and the configured
// API keys; key errors name the key's place in the file, never the key.
func (c Config) validateSecurity() []error {
	var errs []error
	h := c.HTTP
	for _, d := range []struct {
		name string
		v    Duration
	}{
		{"http.read_header_timeout", h.ReadHeaderTimeout}, {"http.read_timeout", h.ReadTimeout},
		{"http.write_timeout", h.WriteTimeout}, {"http.idle_timeout", h.IdleTimeout},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", d.name))
		}
	}
	if h.MaxHeaderBytes < 0 {
		errs = append(errs, errors.New("http.max_header_bytes must not be negative"))
	}
	if h.MaxConnsPerClient < -1 {
		errs = append(errs, errors.New("http.max_conns_per_client must be positive, 0 for the default or -1 for no cap"))
	}
	if c.Metrics.Listen != "" && c.Metrics.Listen == c.Listen && !strings.HasSuffix(c.Listen, ":0") {
		errs = append(errs, errors.New("metrics.listen must differ from listen (leave it empty to serve /metrics on the API's listener)"))
	}
	if c.Auth.FailureBurst < -1 || c.Auth.FailuresPerMinute < 0 {
		errs = append(errs, errors.New("auth.failure_burst must be positive, 0 for the default or -1 for no limit, and auth.failures_per_minute not negative"))
	}
	owner := map[string]string{}
	for i, t := range c.Tenants {
		for j, k := range t.APIKeys {
			if err := secret.CheckAPIKeyStrength(k); err != nil {
				errs = append(errs, fmt.Errorf("tenants[%d].api_keys[%d] of %q %w", i, j, t.ID, err))
			}
			if prev, ok := owner[k]; ok {
				errs = append(errs, fmt.Errorf("tenants[%d].api_keys[%d] of %q is also declared by %s", i, j, t.ID, prev))
			}
			owner[k] = fmt.Sprintf("tenants[%d].api_keys[%d]", i, j)
		}
	}
	return errs
}
