package ui

import (
	"strings"
	"testing"
)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword(testPassword)
	must(t, err)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q does not name argon2id with the documented parameters", h)
	}
	h2, err := HashPassword(testPassword)
	must(t, err)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if strings.Contains(h, testPassword) {
		t.Error("the hash contains the password")
	}
	cases := []struct {
		name     string
		password string
		want     bool
	}{
		{"right password", testPassword, true},
		{"wrong password", testPassword + "!", false},
		{"empty", "", false},
		{"case differs", strings.ToUpper(testPassword), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, hash := range []string{h, h2} {
				ok, err := VerifyPassword(hash, tc.password)
				must(t, err)
				if ok != tc.want {
					t.Errorf("VerifyPassword(%q) = %v, want %v", tc.password, ok, tc.want)
				}
			}
		})
	}
}

func TestHashPasswordRefusesWeakPasswords(t *testing.T) {
	for _, p := range []string{"", "short", "elevenchars", strings.Repeat("x", MaxPasswordLen+1)} {
		if _, err := HashPassword(p); err == nil {
			t.Errorf("HashPassword(%d chars) accepted", len(p))
		}
	}
	if _, err := HashPassword("twelve chars"); err != nil {
		t.Errorf("a 12-character password refused: %v", err)
	}
}

func TestVerifyPasswordRefusesForeignHashes(t *testing.T) {
	good, err := HashPassword(testPassword)
	must(t, err)
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	cases := map[string]string{
		"empty":            "",
		"bcrypt":           "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":          with(1, "argon2i"),
		"old version":      with(2, "v=16"),
		"huge memory":      with(3, "m=4194304,t=3,p=2"),
		"huge time":        with(3, "m=65536,t=1000,p=2"),
		"zero lanes":       with(3, "m=65536,t=3,p=0"),
		"salt not base64":  with(4, "***"),
		"short key":        with(5, "AAAA"),
		"missing sections": "$argon2id$v=19$m=65536,t=3,p=2",
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			ok, err := VerifyPassword(h, testPassword)
			if err == nil || ok {
				t.Errorf("VerifyPassword(%q) = %v, %v; want an error", h, ok, err)
			}
		})
	}
}

// BenchmarkVerifyPassword is what one log-in costs (docs/dashboard.md).
func BenchmarkVerifyPassword(b *testing.B) {
	h, err := HashPassword(testPassword)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := VerifyPassword(h, testPassword); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
