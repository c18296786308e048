// Package pgtest gives tests an isolated PostgreSQL schema on the local test
// server, so that tests of the PostgreSQL store can run in parallel without
// seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is used when WABAGUARD_TEST_POSTGRES is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// connectTimeout bounds how long a test waits for an absent server.
const connectTimeout = 2 * time.Second

// DSN creates a fresh, uniquely named schema in the test database and
// returns a DSN whose search_path is that schema; the schema is dropped when
// the test ends. When the server cannot be reached the test is skipped, or
// fails when CI=true (so that CI never passes by skipping).
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("WABAGUARD_TEST_POSTGRES")
	if base == "" {
		base = DefaultDSN
	}

	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("pgtest: parse WABAGUARD_TEST_POSTGRES: %v", err)
	}
	cfg.ConnectTimeout = connectTimeout
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		msg := fmt.Sprintf("pgtest: PostgreSQL unreachable at %s:%d (%v); start it with "+
			"`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "+
			"or point WABAGUARD_TEST_POSTGRES at a server", cfg.Host, cfg.Port, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer conn.Close(context.Background())

	schema := schemaName(t.Name())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(base, schema)
}

// schemaName derives a readable, unique, lower-case identifier from the test
// name: readable to find leftovers of a crashed run, unique so that parallel
// tests and repeated runs never collide.
func schemaName(testName string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 40 {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}

// withSearchPath adds search_path to a DSN in either URL or keyword/value
// form. The server takes any setting as a startup parameter, so every
// connection of a pool lands in the schema.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
