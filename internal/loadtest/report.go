package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// StatusTransport is the ErrorsByStatus key of requests that got no HTTP
// response at all (refused, reset, timed out).
const StatusTransport = "transport"

// Report is the outcome of one run.
type Report struct {
	// Kind is "send" or "webhooks".
	Kind string
	// Target is the URL the requests went to.
	Target string
	// Stopped says why the run ended: StopCount, StopDuration, StopCanceled
	// or StopUnreachable.
	Stopped string
	// Requests is the number of HTTP requests made (success or not).
	Requests int
	// Successes is the number of requests the target accepted.
	Successes int
	// Errors is Requests - Successes.
	Errors int
	// Events counts the units carried by successful requests: accepted
	// messages for send, acknowledged statuses for webhooks.
	Events int
	// ErrorsByStatus counts failures by HTTP status ("429", "500", …), or
	// StatusTransport when no response arrived.
	ErrorsByStatus map[string]int
	// ErrorsByCode counts failures whose body was a Graph error, by code.
	ErrorsByCode map[int]int
	// ErrorSample is one failure's explanation, to start a diagnosis from.
	ErrorSample string
	// Elapsed is the wall time of the run.
	Elapsed time.Duration
	// Latency summarises every request that got an HTTP response.
	Latency Latency
}

// Throughput is requests per second over the run.
func (r *Report) Throughput() float64 { return perSecond(r.Requests, r.Elapsed) }

// EventsPerSecond is successful units (messages or statuses) per second.
func (r *Report) EventsPerSecond() float64 { return perSecond(r.Events, r.Elapsed) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Latency is a latency distribution, exact: every sample is kept and sorted.
type Latency struct {
	Count                    int
	Min, Mean, P50, P90, P99 time.Duration
	P999, Max                time.Duration
}

// summarize sorts the recorded samples (negative ones were never recorded)
// and reads the percentiles by nearest rank.
func summarize(samples []time.Duration) Latency {
	xs := make([]time.Duration, 0, len(samples))
	var sum time.Duration
	for _, d := range samples {
		if d >= 0 {
			xs = append(xs, d)
			sum += d
		}
	}
	if len(xs) == 0 {
		return Latency{}
	}
	slices.Sort(xs)
	return Latency{
		Count: len(xs),
		Min:   xs[0],
		Mean:  sum / time.Duration(len(xs)),
		P50:   percentile(xs, 50),
		P90:   percentile(xs, 90),
		P99:   percentile(xs, 99),
		P999:  percentile(xs, 99.9),
		Max:   xs[len(xs)-1],
	}
}

// percentile returns the nearest-rank p-th percentile of sorted xs.
func percentile(sorted []time.Duration, p float64) time.Duration {
	// The epsilon keeps float error (99.9/100·1000 = 999.0000001) from
	// pushing an exact rank up by one.
	rank := int(math.Ceil(p*float64(len(sorted))/100 - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

type latencyJSON struct {
	Count  int     `json:"count"`
	MinMs  float64 `json:"min_ms"`
	MeanMs float64 `json:"mean_ms"`
	P50Ms  float64 `json:"p50_ms"`
	P90Ms  float64 `json:"p90_ms"`
	P99Ms  float64 `json:"p99_ms"`
	P999Ms float64 `json:"p99_9_ms"`
	MaxMs  float64 `json:"max_ms"`
}

type reportJSON struct {
	Kind            string         `json:"kind"`
	Target          string         `json:"target"`
	Stopped         string         `json:"stopped"`
	Requests        int            `json:"requests"`
	Successes       int            `json:"successes"`
	Errors          int            `json:"errors"`
	Events          int            `json:"events"`
	ErrorsByStatus  map[string]int `json:"errors_by_status"`
	ErrorsByCode    map[string]int `json:"errors_by_code"`
	ErrorSample     string         `json:"error_sample,omitempty"`
	ElapsedSeconds  float64        `json:"elapsed_s"`
	Throughput      float64        `json:"throughput_rps"`
	EventsPerSecond float64        `json:"events_per_s"`
	Latency         latencyJSON    `json:"latency"`
}

// MarshalJSON renders the report with rates computed and times in
// milliseconds, the form `--json` prints.
func (r *Report) MarshalJSON() ([]byte, error) {
	codes := make(map[string]int, len(r.ErrorsByCode))
	for k, v := range r.ErrorsByCode {
		codes[strconv.Itoa(k)] = v
	}
	l := r.Latency
	return json.Marshal(reportJSON{
		Kind: r.Kind, Target: r.Target, Stopped: r.Stopped,
		Requests: r.Requests, Successes: r.Successes, Errors: r.Errors, Events: r.Events,
		ErrorsByStatus: r.ErrorsByStatus, ErrorsByCode: codes, ErrorSample: r.ErrorSample,
		ElapsedSeconds:  math.Round(r.Elapsed.Seconds()*1e3) / 1e3,
		Throughput:      math.Round(r.Throughput()*10) / 10,
		EventsPerSecond: math.Round(r.EventsPerSecond()*10) / 10,
		Latency: latencyJSON{
			Count: l.Count, MinMs: ms(l.Min), MeanMs: ms(l.Mean), P50Ms: ms(l.P50),
			P90Ms: ms(l.P90), P99Ms: ms(l.P99), P999Ms: ms(l.P999), MaxMs: ms(l.Max),
		},
	})
}

// errorSummary renders the error maps as "429×3 500×1; code 130429×3".
func (r *Report) errorSummary() string {
	if r.Errors == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedKeys(r.ErrorsByStatus) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, r.ErrorsByStatus[k]))
	}
	s := strings.Join(parts, " ")
	if len(r.ErrorsByCode) > 0 {
		codes := make([]int, 0, len(r.ErrorsByCode))
		for k := range r.ErrorsByCode {
			codes = append(codes, k)
		}
		sort.Ints(codes)
		var cs []string
		for _, c := range codes {
			cs = append(cs, fmt.Sprintf("%d×%d", c, r.ErrorsByCode[c]))
		}
		s += "; code " + strings.Join(cs, " ")
	}
	return s
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	}
}

// WriteText prints the report for a human.
func (r *Report) WriteText(w io.Writer) error {
	unit := "msg/s"
	if r.Kind == KindWebhooks {
		unit = "statuses/s"
	}
	l := r.Latency
	_, err := fmt.Fprintf(w, `bench %s → %s
  requests    %d (stopped: %s)
  successes   %d
  errors      %d: %s
  elapsed     %s
  throughput  %.1f req/s, %.1f %s
  latency     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d, mean %s)
`, r.Kind, r.Target, r.Requests, r.Stopped, r.Successes, r.Errors, r.errorSummary(),
		fmtDur(r.Elapsed), r.Throughput(), r.EventsPerSecond(), unit,
		fmtDur(l.P50), fmtDur(l.P90), fmtDur(l.P99), fmtDur(l.P999), fmtDur(l.Max), l.Count, fmtDur(l.Mean))
	if err == nil && r.ErrorSample != "" {
		_, err = fmt.Fprintf(w, "  sample      %s\n", r.ErrorSample)
	}
	if err != nil {
		return fmt.Errorf("loadtest: write report: %w", err)
	}
	return nil
}
