package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/sim"

	_ "modernc.org/sqlite" // reads the killed process's database
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// gatewayBinary builds cmd/wabaguard once per test run.
func gatewayBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wabaguard-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "wabaguard")
		cmd := exec.Command("go", "build", "-o", binPath, "../cmd/wabaguard")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var crashBody = regexp.MustCompile(`crash-(\d+)`)

// TestAcceptedMessagesSurviveSIGKILL: a gateway process is killed with
// SIGKILL in the middle of a stream of sends and restarted on the same data
// directory; every message it answered 200 for reaches the upstream. The
// duplicate bound: messages claimed by the dispatcher whose outcome was not
// yet recorded — those in state sending — are sent again after the restart;
// the dispatcher never has more than claim_batch per sender in that state
// (here 64), and nothing else goes out twice.
func TestAcceptedMessagesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := gatewayBinary(t)

	// The upstream outlives the gateway: it is Meta for this test.
	scfg := sim.DefaultConfig()
	scfg.Limits = sim.LimitsConfig{}
	scfg.Webhooks.Enabled = false
	scfg.MaxRecords = 50000
	scfg.AccessTokens = []string{"meta-token"}
	scfg.Numbers = []sim.Number{{PhoneNumberID: testPhoneNumberID, WABAID: testWABAID, DisplayPhoneNumber: "+55 11 4000-1000", ThroughputMPS: 100000}}
	up, err := sim.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	upSrv := httptest.NewServer(up.Handler())
	defer upSrv.Close()

	const claimBatch = 64
	dir := t.TempDir()
	addr := freeAddr(t)
	off := false
	cfg := config.Config{
		Listen:    addr,
		DataDir:   filepath.Join(dir, "data"),
		LogLevel:  "warn",
		Graph:     config.Graph{BaseURL: upSrv.URL, Version: "v23.0", AccessToken: "meta-token", AppSecret: "app-secret", VerifyToken: "verify"},
		Simulator: config.Simulator{Enabled: &off},
		Policy:    deliveryOnly,
		Dispatch:  config.Dispatch{ClaimBatch: claimBatch, MaxInFlight: 16, LeaseTTL: config.Duration(2 * time.Second)},
		Tenants:   []config.TenantConfig{{ID: "acme", APIKeys: []string{testAPIKey}}},
		Senders:   []config.SenderConfig{{PhoneNumberID: testPhoneNumberID, TenantID: "acme", WABAID: testWABAID, ThroughputMPS: 2000}},
	}
	cfgPath := filepath.Join(dir, "wabaguard.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--config", cfgPath)
		cmd.Env = append(os.Environ(), "WABAGUARD_SECRET_KEY=", "WABAGUARD_CONFIG=")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd
	}
	base := "http://" + addr
	first := start()
	waitReady(t, base)

	// Stream sends from 8 clients; kill the process once 400 are accepted.
	var (
		accepted sync.Map // body number -> true
		nAcc     atomic.Int64
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > 5000 {
					return
				}
				body := fmt.Sprintf(`{"messaging_product":"whatsapp","to":"+5511987%06d","type":"text","text":{"body":"crash-%d"}}`, i%1000, i)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v23.0/"+testPhoneNumberID+"/messages", bytes.NewBufferString(body))
				req.Header.Set("Authorization", "Bearer "+testAPIKey)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the process is gone: outcome unknown, not accepted
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					accepted.Store(i, true)
					nAcc.Add(1)
				}
			}
		}()
	}
	for nAcc.Load() < 400 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = first.Process.Wait()
	wg.Wait()
	total := nAcc.Load()
	t.Logf("accepted %d messages before SIGKILL", total)

	// What the dead process left in state sending is exactly what can go
	// out twice; the dispatcher never lets it exceed claim_batch.
	db, err := sql.Open("sqlite", cfg.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	var sending int
	err = db.QueryRow(`SELECT COUNT(*) FROM messages WHERE sender_id = ? AND state = 'sending'`, testPhoneNumberID).Scan(&sending)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("left in state sending by the killed process: %d (claim_batch %d)", sending, claimBatch)
	if sending > claimBatch {
		t.Fatalf("%d messages in state sending at the crash, above claim_batch %d", sending, claimBatch)
	}

	start()
	waitReady(t, base)

	missing := func() (int, map[int64]int) {
		seen := map[int64]int{}
		for _, r := range up.Sent() {
			if m := crashBody.FindStringSubmatch(r.Body); m != nil {
				var n int64
				fmt.Sscan(m[1], &n)
				seen[n]++
			}
		}
		miss := 0
		accepted.Range(func(k, _ any) bool {
			if seen[k.(int64)] == 0 {
				miss++
			}
			return true
		})
		return miss, seen
	}
	deadline := time.Now().Add(30 * time.Second)
	var miss int
	var seen map[int64]int
	for {
		miss, seen = missing()
		if miss == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if miss != 0 {
		t.Fatalf("%d of %d accepted messages never reached the upstream after the restart", miss, total)
	}
	dups := 0
	for _, c := range seen {
		if c > 1 {
			dups += c - 1
		}
	}
	t.Logf("duplicates after the crash: %d (bound: claim_batch %d; in state sending at the crash %d)", dups, claimBatch, sending)
	if dups > claimBatch {
		t.Fatalf("%d duplicates exceed the documented bound, claim_batch = %d", dups, claimBatch)
	}
	if dups > sending {
		t.Fatalf("%d duplicates, yet only %d messages were in state sending at the crash", dups, sending)
	}
}
