package redact

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestByKey(t *testing.T) {
	cases := map[string]string{
		`ClientSecret = "s3cr3t-value"`:            `ClientSecret = "[REDACTED:secret]"`,
		`ClientSecret = s3cr3t-value`:              `ClientSecret = [REDACTED:secret]`,
		`BindPassword = abc;def`:                   `BindPassword = [REDACTED:secret]`,
		`  Password = "hunter2" ; trailing`:        `  Password = "[REDACTED:secret]"`,
		`client-secret=abcdef123`:                  `client-secret=[REDACTED:secret]`,
		`password=pw`:                              `password=[REDACTED:secret]`,
		`EncryptionKey = 0123456789abcdef`:         `EncryptionKey = [REDACTED:secret]`,
		`secure-cookie-key=d3161166-e89b-4158`:     `secure-cookie-key=[REDACTED:secret]`,
		`api_token: abcdefgh`:                      `api_token: [REDACTED:secret]`,
		`"access_token": "ya29.a0Af",`:             `"access_token": "[REDACTED:secret]",`,
		`{"user":"bob","password":"pw1","n":1}`:    `{"user":"bob","password":"[REDACTED:secret]","n":1}`,
		`;BindPassword = commented-out-but-secret`: `;BindPassword = [REDACTED:secret]`,
	}
	for in, want := range cases {
		if got := String(in); got != want {
			t.Errorf("%q\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestByValue(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
	cases := map[string]string{
		"Authorization: Bearer abc.def.ghi123":                                                                "Authorization: Bearer [REDACTED:auth]",
		"sent header Bearer mF_9.B5f-4.1JqM to issuer":                                                        "sent header Bearer [REDACTED:token] to issuer",
		"id token " + jwt + " rejected":                                                                       "id token [REDACTED:jwt] rejected",
		"URL = postgres://connect:pgpass@db/connect":                                                          "URL = postgres://connect:[REDACTED:password]@db/connect",
		"ldaps://cn=admin:pw%40x@ldap:636":                                                                    "ldaps://cn=admin:[REDACTED:password]@ldap:636",
		"GET /callback?code=AbC123&state=xyz789 HTTP/1.1":                                                     "GET /callback?code=[REDACTED:param]&state=[REDACTED:param] HTTP/1.1",
		"body client_secret=topsecret&grant_type=authorization_code":                                          "body client_secret=[REDACTED:secret]&grant_type=authorization_code",
		"Set-Cookie: user-id=alice|Mon|sig; path=/":                                                           "Set-Cookie: user-id=[REDACTED:cookie]; path=/",
		"ClientSecret: S1Foho5A2uUARgvwXP7TrmVVgO6S6wx58BRH85RKnQd1EIgQ/42hgng2f8Wd6cqNFAdcdcNpNpi5z/d3 seen": "ClientSecret: [REDACTED:secret]",
		"decrypting S1Foho5A2uUARgvwXP7TrmVVgO6S6wx58BRH85RKnQd1EIgQ/42hgng2f8Wd6cqNFAdcdcNpNpi5z/d3 failed":  "decrypting [REDACTED:encrypted] failed",
		"value BFA25145OoPWwVZMdN/K7eDJUD5gLg916yildo6m+XG0+Sld7r+SuKXS3Rsi/TC0qbVZ5uCMBFA25145 end":          "value [REDACTED:encrypted] end",
	}
	for in, want := range cases {
		if got := String(in); got != want {
			t.Errorf("%q\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestPrivateKeyBlock(t *testing.T) {
	in := "cert:\n-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\nMIIEkeymaterial\nmore\n-----END RSA PRIVATE KEY-----\ntail"
	got := String(in)
	if strings.Contains(got, "MIIEkeymaterial") || strings.Contains(got, "more") {
		t.Errorf("key material survived:\n%s", got)
	}
	if !strings.Contains(got, "MIIBcert") || !strings.Contains(got, "[REDACTED:private-key]") || !strings.HasSuffix(got, "-----END RSA PRIVATE KEY-----\ntail") {
		t.Errorf("certificate or shape lost:\n%s", got)
	}
	// A certificate's base64 lines look like encrypted values but stay.
	cert := "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBBQUAMBExDzANBgNVBAMMBnRlc3RjYTAeFw0y\n-----END CERTIFICATE-----"
	if got := String(cert); got != cert {
		t.Errorf("certificate changed:\n%s", got)
	}
	// An unterminated block is redacted to the end.
	if got := String("-----BEGIN PRIVATE KEY-----\nabc\n"); strings.Contains(got, "abc") {
		t.Errorf("unterminated key survived: %q", got)
	}
}

// Settings whose names mention a secret word but whose values are not
// secrets stay readable: support needs them.
func TestNotRedacted(t *testing.T) {
	for _, in := range []string{
		"RequireUsernameClaim = true",
		"passwd:         files systemd pwb",
		"shadow: files pwb sss",
		"PasswordAuthentication = no",
		"ClientSecretFile = /etc/rstudio-connect/client-secret",
		"ssl-certificate-key=/etc/ssl/private/wb.key",
		"Key = /etc/rstudio-connect/connect.key",
		"CookieSweepDuration = 1h",
		"TokenLifetime = 24h",
		"cache_bypass_limit = 100",
		"ClientId = 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11",
		"OpenIDConnectIssuer = https://login.microsoftonline.com/abc/v2.0",
		// The IdP's public token endpoint (discovery metadata, finding data).
		`{"token_endpoint": "https://login.microsoftonline.com/abc/oauth2/v2.0/token"}`,
		`"token_endpoint":"https://idp.test:8443/token",`,
		"image: ghcr.io/posit/connect@sha256:0123456789abcdef0123456789abcdef",
		"2022-03-02T15:37:10.117201Z [rserver] ERROR OpenID failed with error: attempt to use invalid state",
		"https://user@example.com/path",
		"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a089f86d081884c7d659a2feaa0c55ad015",
		"/usr/lib/rstudio-server/bin/rsession/abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz/x",
	} {
		if got := String(in); got != in {
			t.Errorf("%q was changed to %q", in, got)
		}
	}
}

func TestCounts(t *testing.T) {
	r := New()
	r.String("ClientSecret = x1\nBearer abcdefgh\nBearer ijklmnop\n")
	c := r.Counts()
	if c[RuleSecret] != 1 || c[RuleAuth] != 2 {
		t.Errorf("counts = %v", c)
	}
}

func TestEncryptedFormats(t *testing.T) {
	if crc, ok := WorkbenchEncrypted("BFA25145OoPWwVZMdN/K7eDJUD5gLg916yildo6m+XG0+Sld7r+SuKXS3Rsi/TC0qbVZ5uCMBFA25145"); !ok || crc != "BFA25145" {
		t.Errorf("workbench vector: %q %v", crc, ok)
	}
	for _, v := range []string{"example", "BFA25145abcBFA25146", "PlantedWorkbenchSecret42"} {
		if _, ok := WorkbenchEncrypted(v); ok {
			t.Errorf("%q taken for encrypted", v)
		}
	}
	if !ConnectEncrypted("Qu0lI/gridhu85sqChwFtP2wFkqCcWt9owBpxFjAhKFaU2ZraBB2LM62Ieo=") {
		t.Error("rspm doc example not recognised")
	}
	for _, v := range []string{"example", "hunter2", "c2VjcmV0"} {
		if ConnectEncrypted(v) {
			t.Errorf("%q taken for encrypted", v)
		}
	}
}

// FuzzPlantedSecret: a secret (fuzzed, 8 to 64 letters and digits) planted
// in any of the contexts the redactor promises to cover, surrounded by
// arbitrary text, never survives.
func FuzzPlantedSecret(f *testing.F) {
	f.Add("prefix", "suffix", "Zq9PlantedSecretXk27", uint8(0))
	f.Add("", "\n", "hunter2hunter2", uint8(3))
	f.Add("[OAuth2]\n", " ; note", "A1b2C3d4E5f6", uint8(7))
	templates := []string{
		"ClientSecret = %s",
		"ClientSecret = \"%s\"",
		"BindPassword = %s;tail",
		"client-secret=%s",
		"password: %s",
		"\"refresh_token\": \"%s\"",
		"body=\"{\\\"access_token\\\":\\\"%s\\\"}\"",
		"Authorization: Bearer %s",
		"postgres://u:%s@db/x",
		"https://idp/cb?code=%s&x=1",
		"id_token=%s",
		"Cookie: session=%s",
		"EncryptionKey=%s",
		"SAMLResponse=%s",
	}
	f.Fuzz(func(t *testing.T, pre, post, secret string, which uint8) {
		if len(secret) < 8 || len(secret) > 64 {
			return
		}
		for _, c := range secret {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return
			}
		}
		switch strings.ToLower(secret) {
		case "true", "false":
			return
		}
		if strings.Contains(pre, secret) || strings.Contains(post, secret) {
			return // the same text outside the secret's context is not a secret
		}
		// The planted context starts on its own line, as in a config or log.
		tpl := templates[int(which)%len(templates)]
		in := pre + "\n" + strings.Replace(tpl, "%s", secret, 1) + post
		if out := String(in); strings.Contains(out, secret) {
			t.Fatalf("secret survived in %q -> %q", in, out)
		}
		var buf bytes.Buffer
		if _, err := New().Copy(&buf, strings.NewReader(in), 0); err == nil && strings.Contains(buf.String(), secret) {
			t.Fatalf("secret survived Copy in %q -> %q", in, buf.String())
		}
	})
}

func TestCopy(t *testing.T) {
	in := "a=1\nClientSecret = hunter2\n-----BEGIN PRIVATE KEY-----\nMIIkey\n-----END PRIVATE KEY-----\nno newline at end Bearer abcdefghij"
	var out bytes.Buffer
	r := New()
	st, err := r.Copy(&out, strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := "a=1\nClientSecret = [REDACTED:secret]\n-----BEGIN PRIVATE KEY-----\n[REDACTED:private-key]\n-----END PRIVATE KEY-----\nno newline at end Bearer [REDACTED:token]"
	if out.String() != want || st.Lines != 6 {
		t.Errorf("got %q (%d lines)", out.String(), st.Lines)
	}
	if c := r.Counts(); c[RuleSecret] != 1 || c[RulePrivateKey] != 1 || c[RuleAuth] != 1 {
		t.Errorf("counts %v", c)
	}
	if _, err := New().Copy(io.Discard, strings.NewReader("ok\nbin\x00ary\n"), 0); !errors.Is(err, ErrBinary) {
		t.Errorf("binary: %v", err)
	}
	if _, err := New().Copy(io.Discard, strings.NewReader(strings.Repeat("x", 100)+"\n"), 64); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("long line: %v", err)
	}
}

func TestPseudonymizer(t *testing.T) {
	p := NewPseudonymizer([]string{"posit-01", "connect.corp.com"}, []string{"alice", "bob"})
	in := "posit-01 reached https://connect.corp.com/ from 192.168.4.20 as alice (alice@corp.com); bob@corp.com; 127.0.0.1; malice stays; connect.corp.community stays"
	got := p.String(in)
	m := p.Mapping()
	back := map[string]string{}
	for tok, v := range m {
		back[v] = tok
	}
	want := back["posit-01"] + " reached https://" + back["connect.corp.com"] + "/ from 10.255.0.1 as " + back["alice"] + " (" + back["alice@corp.com"] + "); " +
		back["bob@corp.com"] + "; 127.0.0.1; malice stays; connect.corp.community stays"
	if got != want || len(m) != 6 || !strings.HasPrefix(back["posit-01"], "host-") || !strings.HasSuffix(back["bob@corp.com"], "@example.invalid") {
		t.Errorf("got  %q\nwant %q\nmapping %v", got, want, m)
	}
	if again := p.String("alice at posit-01"); again != back["alice"]+" at "+back["posit-01"] {
		t.Errorf("tokens not stable: %q", again)
	}
	for _, secret := range []string{"posit-01", "192.168.4.20", "alice@corp.com", "://connect.corp.com/"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q survived", secret)
		}
	}
}
