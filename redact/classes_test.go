package redact

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// A class test: each input holds secrets (which must all go) and markers
// support reads (which must all stay).
type classCase struct {
	in      string
	secrets []string
	keep    []string
}

func runClass(t *testing.T, class string, cases []classCase) {
	t.Helper()
	for _, c := range cases {
		outs := map[string]string{"String": String(c.in)}
		var buf bytes.Buffer
		if _, err := New().Copy(&buf, strings.NewReader(c.in), 0); err != nil {
			t.Errorf("%s: Copy(%q): %v", class, c.in, err)
		}
		outs["Copy"] = buf.String()
		// Redaction is idempotent: the bundle redacts what the collectors
		// already redacted, and must not mangle its own tokens.
		if again := String(outs["String"]); again != outs["String"] {
			t.Errorf("%s: a second pass changed\n  %q\n  to %q", class, outs["String"], again)
		}
		for how, out := range outs {
			for _, s := range c.secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s (%s): %q survived in\n  in:  %q\n  out: %q", class, how, s, c.in, out)
				}
			}
			for _, k := range c.keep {
				if !strings.Contains(out, k) {
					t.Errorf("%s (%s): marker %q lost in\n  in:  %q\n  out: %q", class, how, k, c.in, out)
				}
			}
		}
	}
}

func TestClassKeyMidLine(t *testing.T) {
	runClass(t, "key not at the start of a line", []classCase{
		{`level=error msg="bad" ClientSecret: Xq7vSecretA1 user=alice`, []string{"Xq7vSecretA1"}, []string{"level=error", "user=alice", "ClientSecret:"}},
		{`config ClientSecret=Xq7vSecretA2 loaded`, []string{"Xq7vSecretA2"}, []string{"config", "loaded"}},
		{`ldap: BindPassword=Xq7vSecretA3, retrying`, []string{"Xq7vSecretA3"}, []string{"retrying"}},
		{`env aws_secret_access_key=Xq7vSecretA4 region=us-east-1`, []string{"Xq7vSecretA4"}, []string{"region=us-east-1"}},
		{`cookie header rs-csrf-token=Xq7vSecretA5; path=/`, []string{"Xq7vSecretA5"}, []string{"path=/"}},
		{`request X-Api-Key: Xq7vSecretA6 from 10.0.0.1`, []string{"Xq7vSecretA6"}, []string{"from 10.0.0.1"}},
		{`ran /usr/bin/tool --password Xq7vSecretA7 --user bob`, []string{"Xq7vSecretA7"}, []string{"--user bob"}},
		{`session user-id=alice|Mon%2C%2001%20Jan%202024|9f8e7d6c5b4a3f2e1d0c for /`, []string{"9f8e7d6c5b4a3f2e1d0c"}, []string{"for /"}},
		{`export PGPASSWORD=Xq7vSecretA8; psql`, []string{"Xq7vSecretA8"}, []string{"psql"}},
		{`<DataSource><Password>Xq7vSecretA9</Password><User>alice</User></DataSource>`, []string{"Xq7vSecretA9"}, []string{"<User>alice</User>", "</Password>"}},
		{`<settings><ClientSecret>Xq7vSecretB1</ClientSecret><KeyFile>/etc/app/key.pem</KeyFile></settings>`, []string{"Xq7vSecretB1"}, []string{"<KeyFile>/etc/app/key.pem</KeyFile>"}},
		{`<input type="hidden" name="client_secret" value="Xq7vSecretB2"><input name="user" value="alice">`, []string{"Xq7vSecretB2"}, []string{`name="user" value="alice"`}},
		{`<input id='csrf_token' VALUE='Xq7vSecretB3' name="next" value="/home">`, []string{"Xq7vSecretB3"}, []string{`value="/home"`}},
		{"db:\n  password: |\n    Xq7vSecretB7\n\n    Xq7vSecretB8\n  user: alice\nkey: >-\n  Xq7vSecretB9\nname: |\n  readable block\n", []string{"Xq7vSecretB7", "Xq7vSecretB8", "Xq7vSecretB9"}, []string{"user: alice", "readable block"}},
		{"machine db.example.com login alice password Xq7vSecretB4", []string{"Xq7vSecretB4"}, []string{"machine db.example.com login alice"}},
		{"default login anonymous password Xq7vSecretB5\n  password Xq7vSecretB6\nthe password was rejected for alice", []string{"Xq7vSecretB5", "Xq7vSecretB6"}, []string{"login anonymous", "the password was rejected for alice"}},
	})
}

func TestClassKeyNames(t *testing.T) {
	var cases []classCase
	for i, name := range []string{"Pass", "BindPW", "db-pass", "admin-pass", "pass", "DB_PASS", "MYSQL_PWD", "PGPASSWORD", "SigningKey", "api.key", "x-auth-token", "ApiKey", "JWT_SECRET", "Private-Key", "sessionid", "XSRF-TOKEN", "oauth_credentials", strings.Repeat("very_long_prefix_", 6) + "password"} {
		secret := fmt.Sprintf("Zk8%02dNameSecret", i)
		for _, form := range []string{"%s = %s", "%s=%s", "%s: %s", "x %s=%s y", `{"%s":"%s"}`} {
			cases = append(cases, classCase{in: fmt.Sprintf(form, name, secret), secrets: []string{secret}})
		}
	}
	runClass(t, "key names outside the old word list", cases)
}

func TestClassValues(t *testing.T) {
	runClass(t, "values once waved through", []classCase{
		{`Password = 730591826441`, []string{"730591826441"}, []string{"Password ="}},
		{`{"password":4417302958,"user":"bob"}`, []string{"4417302958"}, []string{`"user":"bob"`}},
		{`SigningKey = /K7eDJUD5gLg916yildo6m+XG0+Sld7r==`, []string{"K7eDJUD5gLg916yildo6m"}, nil},
		{`SigningKey = /abc/def`, []string{"/abc/def"}, nil}, // not a catalogued path setting
		{`[SMTP] Pass = 123456`, []string{"123456"}, nil},
		{`pass=hunter`, []string{"hunter"}, nil},
	})
}

func TestClassTokenShapes(t *testing.T) {
	runClass(t, "token shapes (gitleaks rules)", []classCase{
		{`using key AKIAZ7VRSQ5TJN2UEXAM in us-east-1`, []string{"AKIAZ7VRSQ5TJN2UEXAM"}, []string{"in us-east-1"}},
		{`clone https://ghp_R7d9Kp2Lq8Zx4Vw1Nm6Tb3Yc5Hj0Fs9Ae2Gu@github.com/org/repo`, []string{"ghp_R7d9Kp2Lq8Zx4Vw1Nm6Tb3Yc5Hj0Fs9Ae2Gu"}, []string{"github.com/org/repo"}},
		{`token ghp_R7d9Kp2Lq8Zx4Vw1Nm6Tb3Yc5Hj0Fs9Ae2Gu used`, []string{"ghp_R7d9Kp2Lq8Zx4Vw1Nm6Tb3Yc5Hj0Fs9Ae2Gu"}, []string{"used"}},
		{`slack xoxb-2412587340-2412587340123-Ab3dEf6hIj9kLm2nOp5qRs8t posted`, []string{"Ab3dEf6hIj9kLm2nOp5qRs8t"}, []string{"posted"}},
		{`{"Authorization":"Token Xq7vTokenB1"}`, []string{"Xq7vTokenB1"}, []string{"Token "}},
		{`jwt eyJhbGciOiJIUzI1NiJ9\u002eeyJzdWIiOiJhbGljZSJ9\u002eSflKxwRJSMeKKF2QT4fwpM end`, []string{"SflKxwRJSMeKKF2QT4fwpM", "eyJzdWIiOiJhbGljZSJ9"}, []string{"end"}},
		{`glpat-Xq7vGitLabTok1Ab2Cd3 in ci`, []string{"Xq7vGitLabTok1Ab2Cd3"}, nil},
	})
}

func TestClassEncodings(t *testing.T) {
	runClass(t, "encodings", []classCase{
		{`GET /cb?client%5Fsecret=Xq7vEncC1&x=1`, []string{"Xq7vEncC1"}, []string{"x=1"}},
		{`redirect=https%3A%2F%2Fidp%2Fcb%3Fcode%3DXq7vEncC2%26state%3Dok`, []string{"Xq7vEncC2"}, []string{"redirect="}},
		{`body="{\"access_token\":\"Xq7vEncC3\",\"n\":1}"`, []string{"Xq7vEncC3"}, []string{`\"n\":1`}},
		{`body="{\\\"refresh_token\\\":\\\"Xq7vEncC4\\\"}"`, []string{"Xq7vEncC4"}, nil},
		{`{"password":"Xq7v\"EncC5, still"}`, []string{"Xq7v", "EncC5", "still"}, nil},
		{`client%2Dsecret%3DXq7vEncC6%26next`, []string{"Xq7vEncC6"}, []string{"next"}},
	})
}

func TestClassURLs(t *testing.T) {
	runClass(t, "URLs", []classCase{
		{`URL = postgres://connect:Xq7v/Url/D1@db.example.com/connect`, []string{"Xq7v/Url/D1", "Url/D1"}, []string{"db.example.com/connect"}},
		{`dsn "postgres://connect:Xq7v@Url@D2@db.example.com:5432/c" ok`, []string{"Xq7v", "Url@D2"}, []string{"db.example.com:5432/c", `" ok`}},
		{`ldaps://cn=admin:Xq7v:Url%40D3@ldap:636`, []string{"Xq7v", "Url%40D3"}, []string{"@ldap:636"}},
		{`https://user@example.com/path stays`, nil, []string{"https://user@example.com/path stays"}},
	})
}

func TestClassArmour(t *testing.T) {
	const body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Xq7vArmourE1"
	runClass(t, "private-key armour", []classCase{
		{"key: -----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\nafter", []string{body}, []string{"key:", "after"}},
		{"    -----BEGIN RSA PRIVATE KEY-----\n    " + body + "\n    -----END RSA PRIVATE KEY-----", []string{body}, nil},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----", []string{"b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"}, nil},
		{"-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: x\n\nlQOYBF0Xq7vArmourE2AQgAq\n=Ab12\n-----END PGP PRIVATE KEY BLOCK-----", []string{"lQOYBF0Xq7vArmourE2AQgAq", "=Ab12"}, nil},
		{`{"private_key":"-----BEGIN PRIVATE KEY-----\n` + body + `\n-----END PRIVATE KEY-----\n","client_email":"svc@x.iam"}`, []string{body}, []string{"client_email"}},
		{"  " + body + "\n> ERROR failed", []string{body}, []string{"ERROR failed"}}, // an excerpt cut the BEGIN off
		{"-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBBQUAMBExDzANBgNVBAMMBnRlc3RjYTAeFw0y\n-----END CERTIFICATE-----", nil, []string{"MIIBkTCB+wIJAKHBfpegPjMC"}},
	})
}

func TestClassAuthorization(t *testing.T) {
	runClass(t, "Authorization and cookies", []classCase{
		{`level=error msg="401" header="Proxy-Authorization: Basic Xq7vAuthF1==" next=1`, []string{"Xq7vAuthF1"}, []string{`" next=1`, "Basic"}},
		{`Authorization: Digest username="bob", realm="r", nonce="abc", uri="/", response="6629fae49393a05397450978507c4ef1", opaque="o"`, []string{"6629fae49393a05397450978507c4ef1"}, []string{`username="bob"`, `uri="/"`}},
		{`Authorization: Negotiate YIIXq7vAuthF2kerberos`, []string{"YIIXq7vAuthF2kerberos"}, []string{"Negotiate"}},
		{`Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830, Signature=Xq7vAuthF3abcdef`, []string{"Xq7vAuthF3abcdef"}, []string{"AWS4-HMAC-SHA256"}},
		{`msg="login" Set-Cookie: rs-csrf-token=Xq7vCookieG1; Path=/; HttpOnly" user=bob`, []string{"Xq7vCookieG1"}, []string{"Path=/", `" user=bob`}},
		{`Cookie: user-id=Xq7vCookieG2; port-token=Xq7vCookieG3`, []string{"Xq7vCookieG2", "Xq7vCookieG3"}, []string{"user-id=", "port-token="}},
		{`sent Bearer Xq7vBearerH1 to issuer`, []string{"Xq7vBearerH1"}, []string{"to issuer"}},
	})
}

func TestClassContinuation(t *testing.T) {
	runClass(t, "gcfg continuation", []classCase{
		{"[OAuth2]\nClientSecret = Xq7vContI1 \\\n  Xq7vContI2\nClientId = abc", []string{"Xq7vContI1", "Xq7vContI2"}, []string{"ClientId = abc"}},
		{"curl -H \"Authorization: Bearer \\\n  Xq7vContI3\" https://connect.example.com/__api__/v1/user\nnext line stays", []string{"Xq7vContI3"}, []string{"curl -H", "next line stays"}},
	})
}

// TestReadable: what support reads stays, word for word.
func TestReadable(t *testing.T) {
	for _, in := range []string{
		"UsernameClaim = preferred_username",
		"RequireUsernameClaim = true",
		"GroupsClaim = groups",
		"Address = https://connect.example.com",
		"auth-openid=1",
		"auth-minimum-user-id=1000",
		"auth-pam-sessions-enabled=1",
		"auth-timeout-minutes=60",
		"secure-cookie-key-file=/etc/rstudio/secure-cookie-key",
		"ClientSecretFile = /etc/rstudio-connect/client-secret",
		"EncryptionKeyFile = /var/lib/rstudio-connect/db/secret.key",
		"ssl-certificate-key=/etc/ssl/private/wb.key",
		"TokenLifetime = 24h",
		"open /etc/rstudio/secure-cookie-key: permission denied",
		"the nodes do not share one secure-cookie-key: a load balancer without sticky sessions",
		"2022-03-04T21:07:59.764354Z [rserver] INFO Creating database connection pool of size 2",
		`time="2024-07-10T22:32:40.668Z" level=info msg="Using the normalized Server.Address: https://connect.example.com/"`,
		"passwd:         files systemd pwb",
		"cache_bypass_limit = 100",
		"PasswordAuthentication no",
		"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"Server.Address = https://posit.example.com:3939",
		`[Authentication]`,
		"Provider = oauth2",
	} {
		if got := String(in); got != in {
			t.Errorf("%q was changed to %q", in, got)
		}
	}
}

func TestKnownSecrets(t *testing.T) {
	defer ForgetAll()
	ForgetAll()
	Remember("test ClientSecret", "Known+Secret/Value&1")
	RememberCredential("test LDAP bind", "cn=admin", "BindPw!2024")
	basic := base64.StdEncoding.EncodeToString([]byte("cn=admin:BindPw!2024"))
	for _, in := range []string{
		"free text with Known+Secret/Value&1 inside",
		"encoded " + url.QueryEscape("Known+Secret/Value&1"),
		"json " + jsonEscaped(`"`+"Known+Secret/Value&1"),
		"header " + basic + " seen",
	} {
		out := String(in)
		if strings.Contains(out, "Known+Secret") || strings.Contains(out, url.QueryEscape("Known+Secret/Value&1")) || strings.Contains(out, basic) {
			t.Errorf("known secret survived: %q -> %q", in, out)
		}
	}
	if l, ok := Find([]byte("xx " + basic)); !ok || l.Source != "test LDAP bind" || l.Encoding != "base64 of user:password" {
		t.Errorf("Find: %+v %v", l, ok)
	}
	if _, ok := Find([]byte("nothing here")); ok {
		t.Error("Find on clean data")
	}
	// A leak report never holds the value.
	l, _ := Find([]byte("Known+Secret/Value&1"))
	if strings.Contains(fmt.Sprintf("%+v", l), "Known") {
		t.Errorf("leak report holds the value: %+v", l)
	}
}

func TestGitleaksRulesCompile(t *testing.T) {
	set := gitleaksRules()
	if len(set.rules) < 200 {
		t.Fatalf("only %d gitleaks rules", len(set.rules))
	}
	for _, r := range set.rules {
		if len(r.Keywords) == 0 {
			t.Errorf("rule %s has no keyword: it would run on every line", r.ID)
		}
	}
}

// FuzzPlantedSecretClasses: the fuzzer chooses the class of context, the
// key's spelling, the encoding and the position of a planted secret; it
// never survives String or Copy.
func FuzzPlantedSecretClasses(f *testing.F) {
	f.Add("Zq9PlantedSecretXk27", uint8(0), uint8(0), uint8(0), uint8(0), "prefix", "suffix")
	f.Add("A1b2C3d4E5f6", uint8(3), uint8(5), uint8(1), uint8(2), "", "")
	f.Add("hunter2hunter2", uint8(7), uint8(2), uint8(2), uint8(3), "x", "\n")
	names := []string{"ClientSecret", "BindPassword", "password", "Pass", "BindPW", "db-pass", "DB_PASS", "MYSQL_PWD", "PGPASSWORD",
		"api-key", "X-Api-Key", "x-auth-token", "rs-csrf-token", "SigningKey", "aws_secret_access_key", "openid-client-secret", "refresh_token", "client_secret"}
	spell := func(n string, how uint8) string {
		switch how % 5 {
		case 1:
			return strings.ToUpper(n)
		case 2:
			return strings.ToLower(n)
		case 3:
			return strings.ReplaceAll(strings.ReplaceAll(n, "_", "%5F"), "-", "%2D")
		case 4:
			return strings.ReplaceAll(n, "_", "-")
		}
		return n
	}
	classes := []string{
		"%k = %v", "%k=%v", "%k: %v", `"%k":"%v"`, `"%k": %v,`, `body="{\"%k\":\"%v\"}"`, `body="{\\\"%k\\\":\\\"%v\\\"}"`,
		"--%k %v", "Authorization: Bearer %v", "Proxy-Authorization: Basic %v", "postgres://u:%v@db/x", "https://u:p/%v@h/x",
		"Cookie: a=%v; b=1", "Set-Cookie: %k=%v; Path=/", "%k%3D%v%26x=1", "-----BEGIN PRIVATE KEY-----\n%v\n-----END PRIVATE KEY-----",
		"[X]\n%k = a \\\n  %v",
	}
	f.Fuzz(func(t *testing.T, secret string, class, spelling, enc, pos uint8, pre, post string) {
		if len(secret) < 8 || len(secret) > 64 {
			return
		}
		for _, c := range secret {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return
			}
		}
		if strings.Contains(pre, secret) || strings.Contains(post, secret) || strings.ContainsAny(pre+post, "\x00") {
			return
		}
		key := spell(names[int(spelling)%len(names)], spelling/5)
		body := strings.NewReplacer("%k", key, "%v", secret).Replace(classes[int(class)%len(classes)])
		switch enc % 3 {
		case 1: // inside a JSON string in a logfmt line
			body = `msg="` + strings.ReplaceAll(body, `"`, `\"`) + `"`
		case 2: // a doubly escaped JSON value
			body = strings.ReplaceAll(body, `"`, `\\\"`)
		}
		var in string
		switch pos % 4 {
		case 0: // its own line
			in = pre + "\n" + body + "\n" + post
		case 1: // mid-line, after text
			in = pre + "\n2026-11-23T08:00:00Z ERROR " + body + " " + post
		case 2: // inside an excerpt's error-context window
			in = pre + "\n  " + strings.ReplaceAll(body, "\n", "\n  ") + "\n> " + post
		case 3: // after a JSON member in a logfmt line
			in = pre + "\nlevel=info json=\"{\\\"a\\\":1}\" " + body + "\n" + post
		}
		if strings.Contains(pre, "-----") || strings.Contains(post, "-----") {
			return // a marker in the fuzzed text can close the planted block early, as it would in a real file
		}
		if out := String(in); strings.Contains(out, secret) {
			t.Fatalf("secret survived in %q -> %q", in, out)
		}
		var buf bytes.Buffer
		if _, err := New().Copy(&buf, strings.NewReader(in), 0); err == nil && strings.Contains(buf.String(), secret) {
			t.Fatalf("secret survived Copy in %q -> %q", in, buf.String())
		}
	})
}
