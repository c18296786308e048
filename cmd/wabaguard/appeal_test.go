package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wabaguard/wabaguard/internal/appeal"
	"github.com/wabaguard/wabaguard/internal/config"
	"github.com/wabaguard/wabaguard/internal/server"
	"github.com/wabaguard/wabaguard/internal/store"
)

// wabaguard appeal writes each format to --out (taking the format from
// the extension), refuses bad flags, and names an unknown sender.
func TestAppealCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("WABAGUARD_CONFIG", "")
	t.Setenv("WABAGUARD_DATABASE", "")
	t.Setenv("WABAGUARD_DATA_DIR", dir)
	ctx := context.Background()
	cfg, err := config.Load("", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutTenant(ctx, store.Tenant{ID: "t1", Name: "T", CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSender(ctx, store.Sender{PhoneNumberID: "1065", TenantID: "t1", WABAID: "w1", DisplayPhoneNumber: "+55 11 4000-1000", State: store.SenderActive}); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	for _, tc := range []struct{ file, prefix string }{{"a.json", "{"}, {"a.html", "<!doctype html>"}, {"a.pdf", "%PDF-"}} {
		out := filepath.Join(dir, tc.file)
		var stdout bytes.Buffer
		if err := run(ctx, []string{"appeal", "--sender", "1065", "--lang", "en", "--out", out}, &stdout, &stdout); err != nil {
			t.Fatalf("%s: %v (%s)", tc.file, err, stdout.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(tc.prefix)) {
			t.Errorf("%s starts %q", tc.file, b[:min(len(b), 16)])
		}
		if tc.file == "a.json" {
			var d appeal.Dossier
			if err := json.Unmarshal(b, &d); err != nil || d.Tenant != "t1" || !d.Has("no_messages") {
				t.Errorf("json: %v, tenant %q, missing %+v", err, d.Tenant, d.Missing)
			}
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"appeal", "--out", "x.json"}, "--sender is required"},
		{[]string{"appeal", "--sender", "1065"}, "--out is required"},
		{[]string{"appeal", "--sender", "1065", "--out", "-", "--format", "doc"}, "must be html, pdf or json"},
		{[]string{"appeal", "--sender", "1065", "--out", "-", "--lang", "fr"}, "must be pt-BR, en or es"},
		{[]string{"appeal", "--sender", "1065", "--out", "-", "--from", "yesterday"}, "want RFC 3339"},
		{[]string{"appeal", "--sender", "9999", "--out", "-"}, "no sender"},
		{[]string{"appeal", "--sender", "1065", "--out", "-", "--incident", "i1"}, "incidents are not available"},
	} {
		var out bytes.Buffer
		err := run(ctx, tc.args, &out, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}
