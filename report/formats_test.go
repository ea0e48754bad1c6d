package report

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

// TestCertificatesGathered: every certificate the findings carry, from a
// TLS leaf at the top of data and from data["certificates"] lists (chains,
// LDAP, IdP signing certificates, local files), typed as checks write
// them and as they come back from a bundle's JSON.
func TestCertificatesGathered(t *testing.T) {
	soon := "2027-01-10T00:00:00Z"
	later := "2027-06-01T00:00:00Z"
	cases := []struct {
		name string
		f    checks.Finding
		want []string // check|target|not_after
	}{
		{"frontdoor leaf today", checks.Finding{Check: "frontdoor-tls", Severity: checks.Pass,
			Data: map[string]any{"url": "https://connect.example.com", "subject": "CN=connect", "not_after": later}},
			[]string{"frontdoor-tls|https://connect.example.com|" + later}},
		{"issuer leaf", checks.Finding{Check: "issuer-reachable", Severity: checks.Pass,
			Data: map[string]any{"issuer": "https://login.example.com/v2.0", "not_after": soon}},
			[]string{"issuer-reachable|https://login.example.com/v2.0|" + soon}},
		{"chain: every certificate, the soonest per target", checks.Finding{Check: "frontdoor-tls", Severity: checks.Warn,
			Data: map[string]any{"url": "https://wb.example.com", "certificates": []any{
				map[string]any{"subject": "CN=wb", "not_after": later, "target": "https://wb.example.com"},
				map[string]any{"subject": "CN=Intermediate", "not_after": soon, "target": "https://wb.example.com"},
				map[string]any{"subject": "CN=Root", "not_after": "2030-01-01T00:00:00Z", "target": "https://wb.example.com#root"},
			}}},
			[]string{"frontdoor-tls|https://wb.example.com|" + soon, "frontdoor-tls|https://wb.example.com#root|2030-01-01T00:00:00Z"}},
		{"typed list, LDAP server", checks.Finding{Check: "connect-ldap", Severity: checks.Pass,
			Data: map[string]any{"certificates": []map[string]any{{"subject": "CN=ldap", "not_after": later, "target": "ldaps://ldap.example.com:636"}}}},
			[]string{"connect-ldap|ldaps://ldap.example.com:636|" + later}},
		{"IdP signing certificate without its own target uses the finding's", checks.Finding{Check: "connect-saml", Severity: checks.Pass,
			Data: map[string]any{"url": "https://idp.example.com/metadata", "certificates": []any{map[string]any{"subject": "CN=signing", "not_after": soon}}}},
			[]string{"connect-saml|https://idp.example.com/metadata|" + soon}},
		{"local file from evidence", checks.Finding{Check: "frontdoor-tls", Severity: checks.Pass,
			Evidence: []checks.Evidence{{Path: "/etc/ssl/connect.pem"}},
			Data:     map[string]any{"certificates": []any{map[string]any{"not_after": later}}}},
			[]string{"frontdoor-tls|/etc/ssl/connect.pem|" + later}},
		{"unparsable dates and no target are ignored", checks.Finding{Check: "frontdoor-tls",
			Data: map[string]any{"not_after": "tomorrow", "certificates": []any{map[string]any{"not_after": later}, "junk"}}},
			nil},
		{"no data", checks.Finding{Check: "nscd-cache"}, nil},
	}
	for _, c := range cases {
		var got []string
		for _, ce := range Certificates([]checks.Finding{c.f}) {
			got = append(got, ce.Check+"|"+ce.Target+"|"+ce.NotAfter.UTC().Format(time.RFC3339))
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestLogErrorLines(t *testing.T) {
	fs := []checks.Finding{
		{Check: "log-errors", Data: map[string]any{"count": 3, "log": "rserver.log"}},
		{Check: "log-errors", Data: map[string]any{"count": float64(2), "log": "rserver.log"}}, // from a bundle's JSON
		{Check: "log-errors", Data: map[string]any{"count": 0, "log": "rstudio-connect.log"}},
		{Check: "log-errors", Data: map[string]any{"count": 7, "files": []string{"/var/log/x.log"}}},
		{Check: "services", Data: map[string]any{"count": 9, "log": "not-a-log"}},
	}
	got := LogErrorLines(fs)
	want := map[string]float64{"rserver.log": 5, "rstudio-connect.log": 0, "/var/log/x.log": 7}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestFingerprintIgnoresVolatileParts(t *testing.T) {
	a := checks.Finding{Check: "frontdoor-tls", Title: "Connect (https://c.example.com): certificate expires in 12 days",
		Evidence: []checks.Evidence{{Path: "/etc/rstudio-connect/rstudio-connect.gcfg", Line: 4, Text: "Address = x"}}}
	b := a
	b.Title = "Connect (https://c.example.com): certificate expires in 11 days"
	b.Evidence = []checks.Evidence{{Path: "/etc/rstudio-connect/rstudio-connect.gcfg", Line: 9, Text: "Address = y"}}
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("days left or a moved line changed the fingerprint")
	}
	c := a
	c.Check = "issuer-reachable"
	d := a
	d.Evidence = []checks.Evidence{{Path: "/etc/rstudio/rserver.conf"}}
	if Fingerprint(a) == Fingerprint(c) || Fingerprint(a) == Fingerprint(d) {
		t.Error("another check or another file gave the same fingerprint")
	}
}

func TestLabelAndNagiosEscaping(t *testing.T) {
	if got := labelValue("a\\b\"c\nd\xff"); got != `a\\b\"c⟨U+000A⟩d`+"\uFFFD" {
		t.Errorf("escapeLabel = %q", got)
	}
	if got := nagiosText("a | b\n c", 0); got != "a ¦ b c" {
		t.Errorf("nagiosText = %q", got)
	}
	for in, want := range map[string]string{
		"x\x1b[31mred":      "x⟨U+001B⟩[31mred",
		"evil\u202eexe.txt": "evil⟨U+202E⟩exe.txt",
		"del\x7f c1\u009b":  "del⟨U+007F⟩ c1⟨U+009B⟩",
		"plain ünïcode":     "plain ünïcode",
	} {
		if got := nagiosText(in, 0); got != want {
			t.Errorf("nagiosText(%q) = %q, want %q", in, got, want)
		}
		if got := labelValue(in); got != want {
			t.Errorf("labelValue(%q) = %q, want %q", in, got, want)
		}
	}
	if got := nagiosText(strings.Repeat("x", 200), 10); len([]rune(got)) != 10 {
		t.Errorf("not shortened: %q", got)
	}
}

// TestMachineFormatsRedactEveryField plants a secret in every string field
// and renders the machine formats (and the textfile bytes): the one choke
// point in Write covers them.
func TestMachineFormatsRedactEveryField(t *testing.T) {
	const s = "Bearer Zq9PlantedSecretXk27"
	f := checks.Finding{
		Check: "frontdoor-tls", Severity: checks.Fail, Title: s, Detail: s, Remediation: s,
		Evidence:   []checks.Evidence{{Path: "/etc/" + s, Line: 1, Text: "ClientSecret = Zq9PlantedSecretXk27"}},
		References: []string{s},
		Data: map[string]any{"url": "https://u:Zq9PlantedSecretXk27@h.example.com", "not_after": "2027-01-01T00:00:00Z",
			"certificates": []map[string]any{{"target": s, "not_after": "2027-01-01T00:00:00Z", "subject": s}}},
	}
	lf := checks.Finding{Check: "log-errors", Severity: checks.Warn, Title: "t", Data: map[string]any{"count": 1, "log": s}}
	r := New(Tool{Name: "posit-doctor"}, Host{Hostname: s, OS: s, Root: s}, time.Time{}, 0, []checks.Finding{f, lf})
	for _, format := range []Format{FormatSARIF, FormatJUnit, FormatNagios, FormatPrometheus} {
		var b bytes.Buffer
		if err := Write(&b, r, format, Options{}, redact.New()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Zq9PlantedSecretXk27") {
			t.Errorf("%s leaked the secret:\n%s", format, b.String())
		}
		if format == FormatPrometheus && !strings.Contains(b.String(), "posit_doctor_cert_expiry_timestamp_seconds{check=\"frontdoor-tls\"") {
			t.Errorf("no certificate metric:\n%s", b.String())
		}
	}
	dir := t.TempDir()
	if err := WriteTextfile(dir, r, redact.New()); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, r, FormatPrometheus, Options{}, redact.New()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dir+"/"+TextfileName); got != b.String() || strings.Contains(got, "Zq9PlantedSecretXk27") {
		t.Errorf("textfile differs from --format prometheus or leaks:\n%s", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzMachineText: whatever a label value or a Nagios line holds, the
// output stays one line, valid UTF-8, free of controls, with every quote
// of a label escaped and no '|' in plugin text.
func FuzzMachineText(f *testing.F) {
	for _, s := range []string{"https://connect.example.com", "a\"b\\c\nd", "x\x1b[2J|y", "\u202e\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := labelValue(s)
		n := nagiosText(s, 100)
		for _, out := range []string{l, n} {
			if !utf8.ValidString(out) || strings.ContainsFunc(out, isHostileRune) {
				t.Fatalf("%q -> %q: invalid UTF-8 or a control character", s, out)
			}
		}
		for i := 0; i < len(l); i++ {
			if l[i] == '\\' {
				i++ // an escape and what it escapes
				continue
			}
			if l[i] == '"' {
				t.Fatalf("%q -> %q: unescaped quote", s, l)
			}
		}
		if strings.Contains(n, "|") {
			t.Fatalf("%q -> %q: '|' would start performance data", s, n)
		}
	})
}
