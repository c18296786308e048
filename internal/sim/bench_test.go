package sim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkSendFast measures the send handler as the instantly answering
// upstream of the gateway's throughput benchmark: limits and webhooks off.
func BenchmarkSendFast(b *testing.B) {
	s, err := New(FastConfig())
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	body := `{"messaging_product":"whatsapp","to":"+16505551234","type":"text","text":{"body":"hello"}}`
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/v23.0/"+DefaultNumber.PhoneNumberID+"/messages", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer x")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}
