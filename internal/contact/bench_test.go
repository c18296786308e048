package contact_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/consent"
	"github.com/wabaguard/wabaguard/internal/contact"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/store/storetest"
)

// GenerateCSV writes n contacts as a pt-BR spreadsheet would save them:
// ';' separated, distinct Brazilian mobiles, tags and a city, and every
// second one with an opt-in and its evidence.
func GenerateCSV(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintln(bw, "telefone;nome;tags;attr.cidade;opt_in;consent_source;consent_at;consent_text;consent_url;consent_ip")
	cities := []string{"São Paulo", "Rio de Janeiro", "Recife", "Belo Horizonte", "Porto Alegre"}
	for i := range n {
		// Eight capitals' area codes, then a mobile's 9 and 8 digits.
		area := []int{11, 21, 31, 41, 51, 61, 71, 81}[i%8]
		fmt.Fprintf(bw, "+55%d9%08d;Cliente %d;t%d|bench;%s;", area, 60000000+i/8, i, i%7, cities[i%len(cities)])
		if i%2 == 0 {
			fmt.Fprintf(bw, "marketing;web_form;2026-10-01 10:%02d;Quero receber ofertas da Acme;https://acme.example/form;203.0.113.%d\n", i%60, i%250+1)
		} else {
			fmt.Fprintln(bw, ";;;;;")
		}
	}
	return bw.Flush()
}

// BenchmarkImportCSV imports a generated CSV of $WABAGUARD_BENCH_CONTACTS
// contacts (20,000 when unset) into a fresh SQLite file, once per
// iteration, and reports contacts/s and the peak Go heap in use. The
// issue's target is 1,000,000 in under 60 s under 300 MB:
//
//	WABAGUARD_BENCH_CONTACTS=1000000 go test ./internal/contact -run XXX -bench ImportCSV -benchtime 1x
func BenchmarkImportCSV(b *testing.B) {
	n := 20_000
	if v := os.Getenv("WABAGUARD_BENCH_CONTACTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "contacts.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := GenerateCSV(f, n); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		st, err := sqlite.Open(b.Context(), filepath.Join(dir, fmt.Sprintf("bench-%d.db", i)), storetest.Sealer(b))
		if err != nil {
			b.Fatal(err)
		}
		l := consent.New(st)
		svc := contact.New(st, l)
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		b.StartTimer()
		start := time.Now()
		rep, err := svc.Import(b.Context(), "bench", in, contact.ImportOptions{})
		elapsed := time.Since(start)
		b.StopTimer()
		close(stop)
		<-done
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Created != int64(n) || !rep.Committed {
			b.Fatalf("report %+v, want %d created", rep, n)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "contacts/s")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
		_ = st.Close()
		b.StartTimer()
	}
}
