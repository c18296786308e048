package loadtest

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Comparison is two send runs of the same shape, one after the other in the
// same process: Target (typically the gateway) and Baseline (typically the
// simulator called directly). Ratios are Target over Baseline: a throughput
// ratio of 0.8 means the target sustained 80% of the baseline's rate.
type Comparison struct {
	Target   *Report `json:"target"`
	Baseline *Report `json:"baseline"`
	// ThroughputRatio is Target req/s over Baseline req/s.
	ThroughputRatio float64 `json:"throughput_ratio"`
	// P50Ratio and P99Ratio are Target latency over Baseline latency.
	P50Ratio float64 `json:"p50_ratio"`
	P99Ratio float64 `json:"p99_ratio"`
}

// RunCompare runs target, then baseline, and relates the two. Both configs
// are run as given; the caller makes them the same shape (N, concurrency,
// rate, type) so the ratio means something.
func RunCompare(ctx context.Context, target, baseline SendConfig) (*Comparison, error) {
	t, err := RunSend(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("loadtest: compare: target: %w", err)
	}
	b, err := RunSend(ctx, baseline)
	if err != nil {
		return nil, fmt.Errorf("loadtest: compare: baseline: %w", err)
	}
	return &Comparison{
		Target:          t,
		Baseline:        b,
		ThroughputRatio: ratio(t.Throughput(), b.Throughput()),
		P50Ratio:        ratio(float64(t.Latency.P50), float64(b.Latency.P50)),
		P99Ratio:        ratio(float64(t.Latency.P99), float64(b.Latency.P99)),
	}, nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteText prints both reports side by side with their ratios.
func (c *Comparison) WriteText(w io.Writer) error {
	t, b := c.Target, c.Baseline
	row := func(name, tv, bv, r string) string {
		return fmt.Sprintf("  %-12s %18s %18s %10s\n", name, tv, bv, r)
	}
	durRow := func(name string, tv, bv time.Duration) string {
		return row(name, fmtDur(tv), fmtDur(bv), fmt.Sprintf("%.2fx", ratio(float64(tv), float64(bv))))
	}
	out := fmt.Sprintf("bench compare\n  target   %s\n  baseline %s\n", t.Target, b.Target) +
		row("", "target", "baseline", "ratio") +
		row("requests", fmt.Sprint(t.Requests), fmt.Sprint(b.Requests), "") +
		row("successes", fmt.Sprint(t.Successes), fmt.Sprint(b.Successes), "") +
		row("errors", fmt.Sprint(t.Errors), fmt.Sprint(b.Errors), "") +
		row("stopped", t.Stopped, b.Stopped, "") +
		durRow("elapsed", t.Elapsed, b.Elapsed) +
		row("req/s", fmt.Sprintf("%.1f", t.Throughput()), fmt.Sprintf("%.1f", b.Throughput()),
			fmt.Sprintf("%.2fx", c.ThroughputRatio)) +
		durRow("p50", t.Latency.P50, b.Latency.P50) +
		durRow("p90", t.Latency.P90, b.Latency.P90) +
		durRow("p99", t.Latency.P99, b.Latency.P99) +
		durRow("p99.9", t.Latency.P999, b.Latency.P999) +
		durRow("max", t.Latency.Max, b.Latency.Max) +
		fmt.Sprintf("  target sustains %.1f%% of the baseline's throughput\n", 100*c.ThroughputRatio)
	if t.Errors > 0 {
		out += "  target errors:   " + t.errorSummary() + "\n"
	}
	if b.Errors > 0 {
		out += "  baseline errors: " + b.errorSummary() + "\n"
	}
	if _, err := io.WriteString(w, out); err != nil {
		return fmt.Errorf("loadtest: write comparison: %w", err)
	}
	return nil
}
