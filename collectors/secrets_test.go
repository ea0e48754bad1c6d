package collectors

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/redact"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSecretsNeverInSnapshot: every secret setting becomes a derived fact;
// no raw value is anywhere in the snapshot, and the facts say what the
// checks judge (plain, encrypted and with which key, placeholder).
func TestSecretsNeverInSnapshot(t *testing.T) {
	defer redact.ForgetAll()
	root := t.TempDir()
	const wbEnc = "BFA25145OoPWwVZMdN/K7eDJUD5gLg916yildo6m+XG0+Sld7r+SuKXS3Rsi/TC0qbVZ5uCMBFA25145"
	const cEnc = "S1Foho5A2uUARgvwXP7TrmVVgO6S6wx58BRH85RKnQd1EIgQ/42hgng2f8Wd6cqNFAdcdcNpNpi5z/d3"
	writeTree(t, root, map[string]string{
		"etc/hostname": "h\n",
		"etc/rstudio-connect/rstudio-connect.gcfg": "[OAuth2]\nClientSecret = \"example\"\n[LDAP \"Corp\"]\nBindPassword = PlainBindPw77;tail\n" +
			"[SMTP]\nPassword = " + cEnc + "\n[Postgres]\nURL = postgres://connect:PgUrlPw91@db/connect\n[Weird]\nFutureSigningKey = 123456789\n",
		"etc/rstudio/rserver.conf":         "auth-openid=1\nauth-minimum-user-id=1000\n",
		"etc/rstudio/openid-client-secret": "client-id=abc\nclient-secret=" + wbEnc + "\n",
		"etc/rstudio/database.conf":        "provider=postgresql\npassword=DbPlainPw55\n",
		"etc/rstudio/secure-cookie-key":    "d3161166-e89b-4158-a5a0-2f4b7c9d1e11\n",
	})
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	s := Collect(context.Background(), h, Options{})
	raw, _ := json.Marshal(s)
	for _, v := range []string{"PlainBindPw77", "tail", "PgUrlPw91", "123456789", "DbPlainPw55", wbEnc, cEnc, "d3161166-e89b"} {
		if strings.Contains(string(raw), v) {
			t.Errorf("raw secret %q is in the snapshot", v)
		}
	}
	want := map[string]SecretFact{
		"OAuth2.ClientSecret":      {Set: true, Form: FormPlaintext, Placeholder: true, Listed: true},
		`LDAP "Corp".BindPassword`: {Set: true, Form: FormPlaintext, Listed: true},
		"SMTP.Password":            {Set: true, Form: FormConnectEncrypted, Listed: true},
		"Postgres.URL":             {Set: true, Form: FormPlaintext, Listed: true},
		"Weird.FutureSigningKey":   {Set: true, Form: FormPlaintext, Listed: false},
		"client-secret":            {Set: true, Form: FormWorkbenchEncrypted, KeyCRC32: "BFA25145", Listed: true},
		"password":                 {Set: true, Form: FormPlaintext, Listed: true},
		"secure-cookie-key":        {Set: true, Form: FormFile, Listed: true},
	}
	got := map[string]SecretFact{}
	for _, f := range s.Secrets {
		got[f.Setting] = f
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("no fact for %s (have %v)", name, got)
			continue
		}
		if g.Set != w.Set || g.Form != w.Form || g.Placeholder != w.Placeholder || g.Listed != w.Listed || (w.KeyCRC32 != "" && g.KeyCRC32 != w.KeyCRC32) {
			t.Errorf("%s: got %+v, want %+v", name, g, w)
		}
	}
	if got["secure-cookie-key"].KeyCRC32 == "" || got["secure-cookie-key"].Mode != "0600" {
		t.Errorf("secure-cookie-key fact: %+v", got["secure-cookie-key"])
	}
	// Harmless settings keep their values.
	if v := s.Workbench.RServer.Value("auth-minimum-user-id"); v != "1000" {
		t.Errorf("auth-minimum-user-id became %q", v)
	}
	// The raw values are known to the redactor, so any output scrubs them.
	if l, ok := redact.Find([]byte("x PlainBindPw77 y")); !ok || !strings.Contains(l.Source, "BindPassword") {
		t.Errorf("BindPassword not a known secret: %+v %v", l, ok)
	}
	// A snapshot read back (analyze) derives the same facts from tokens.
	var back Snapshot
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	back.Secrets = nil
	deriveSecrets(&back)
	for _, f := range back.Secrets {
		if g := got[f.Setting]; f.Form != g.Form || f.KeyCRC32 != g.KeyCRC32 || f.Set != g.Set {
			t.Errorf("re-derived %s: %+v, live %+v", f.Setting, f, g)
		}
	}
}
