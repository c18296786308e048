package gateway_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wabaguard/wabaguard/internal/gateway"
)

// BenchmarkSend measures accepted sends per second through the handler over
// loopback HTTP into SQLite with group commit.
func BenchmarkSend(b *testing.B) {
	e := newEnv(b, func(c *gateway.Config, _ *env) {
		c.Logger = slog.New(slog.DiscardHandler)
	})
	url := e.srv.URL + "/v23.0/" + pnA + "/messages"
	client := e.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := textBody(fmt.Sprintf("+1666%07d", seq.Add(1)), "benchmark")
			req, _ := http.NewRequest("POST", url, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.keyA)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
