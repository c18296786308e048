package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// RequestIDHeader carries a request's id in and out.
const RequestIDHeader = "X-Request-Id"

// reqInfo is per-request state the handlers fill in for the access log.
type reqInfo struct {
	id       string
	tenantID string
}

type reqInfoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return ri
}

// setTenant records the authenticated tenant for the access log.
func setTenant(ctx context.Context, id string) {
	if ri := infoFrom(ctx); ri != nil {
		ri.tenantID = id
	}
}

// RequestID returns the id of the request carried by ctx, or "".
func RequestID(ctx context.Context) string {
	if ri := infoFrom(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// validRequestID accepts a caller's id only when it is short and printable,
// so it cannot forge log lines or bloat them.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// recorder remembers the status written, for the log and for recovery.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// middleware adds the request id, panic recovery, the access log and request
// metrics around next. The log never includes the Authorization header, the
// query string (it may carry access_token) or the body.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		ri := &reqInfo{id: id}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		rec := &recorder{ResponseWriter: w}

		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "gateway: panic serving request",
					"panic", v, "request_id", id, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, errInternal())
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.HTTPRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.log.InfoContext(r.Context(), "http request",
				"method", r.Method,
				"route", route,
				"status", status,
				"duration", time.Since(start),
				"request_id", id,
				"tenant_id", ri.tenantID,
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// writeJSON writes a JSON body with its status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Wrap adds this API's middleware (request id, panic recovery, the access
// log with the authenticated tenant, request metrics) around another
// handler served on the same listener.
func (s *Server) Wrap(h http.Handler) http.Handler { return s.middleware(h) }
