package loadtest

import (
	"encoding/json"
	"testing"
	"time"
)

func TestSummarizeNearestRank(t *testing.T) {
	samples := make([]time.Duration, 0, 1003)
	for i := 1000; i >= 1; i-- { // unsorted on purpose
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	samples = append(samples, -1, -1, -1) // never recorded
	l := summarize(samples)
	want := Latency{
		Count: 1000, Min: time.Millisecond, Mean: 500500 * time.Microsecond,
		P50: 500 * time.Millisecond, P90: 900 * time.Millisecond, P99: 990 * time.Millisecond,
		P999: 999 * time.Millisecond, Max: 1000 * time.Millisecond,
	}
	if l != want {
		t.Fatalf("summarize = %+v, want %+v", l, want)
	}
	if (summarize([]time.Duration{-1}) != Latency{}) {
		t.Error("no samples should give a zero summary")
	}
	one := summarize([]time.Duration{7})
	if one.P50 != 7 || one.P999 != 7 || one.Max != 7 {
		t.Errorf("single sample: %+v", one)
	}
}

func TestReportJSON(t *testing.T) {
	r := &Report{
		Kind: KindSend, Target: "http://x", Stopped: StopCount, Requests: 10, Successes: 8, Errors: 2, Events: 8,
		ErrorsByStatus: map[string]int{"429": 2}, ErrorsByCode: map[int]int{130429: 2},
		Elapsed: 2 * time.Second, Latency: Latency{Count: 10, P50: 1500 * time.Microsecond, Max: 3 * time.Millisecond},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	lat := got["latency"].(map[string]any)
	if got["throughput_rps"] != 5.0 || got["events_per_s"] != 4.0 || lat["p50_ms"] != 1.5 || lat["max_ms"] != 3.0 ||
		got["errors_by_code"].(map[string]any)["130429"] != 2.0 || got["elapsed_s"] != 2.0 {
		t.Fatalf("json = %s", b)
	}
}
