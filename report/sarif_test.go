package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

// The RFC 3986 grammar (appendix A) for a URI-reference, as regular
// expressions over its components: the oracle the encoder is tested
// against, written from the RFC and not from the encoder.
const (
	rfcUnreserved = `A-Za-z0-9\-._~`
	rfcSubDelims  = `!$&'()*+,;=`
	rfcPct        = `%[0-9A-Fa-f]{2}`
	rfcPchar      = `(?:[` + rfcUnreserved + rfcSubDelims + `:@]|` + rfcPct + `)`
)

var (
	rfcScheme    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+\-.]*$`)
	rfcUserinfo  = regexp.MustCompile(`^(?:[` + rfcUnreserved + rfcSubDelims + `:]|` + rfcPct + `)*$`)
	rfcRegName   = regexp.MustCompile(`^(?:[` + rfcUnreserved + rfcSubDelims + `]|` + rfcPct + `)*$`)
	rfcPort      = regexp.MustCompile(`^[0-9]*$`)
	rfcPathAbEmp = regexp.MustCompile(`^(?:/` + rfcPchar + `*)*$`)
	// path-absolute / path-rootless / path-noscheme / path-empty
	rfcPathAny     = regexp.MustCompile(`^(?:/?(?:` + rfcPchar + `+(?:/` + rfcPchar + `*)*)?)$`)
	rfcPathNoSch   = regexp.MustCompile(`^(?:(?:[` + rfcUnreserved + rfcSubDelims + `@]|` + rfcPct + `)+(?:/` + rfcPchar + `*)*|/(?:` + rfcPchar + `+(?:/` + rfcPchar + `*)*)?)?$`)
	rfcQueryFrag   = regexp.MustCompile(`^(?:` + rfcPchar + `|[/?])*$`)
	rfcIPv4        = regexp.MustCompile(`^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$`)
	rfcSchemeStart = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+\-.]*):`)
)

// isRFC3986Reference reports whether s is a URI-reference (RFC 3986 § 4.1):
// a URI or a relative reference, every component within its grammar.
func isRFC3986Reference(s string) bool {
	rest, frag, hasFrag := strings.Cut(s, "#")
	if hasFrag && !rfcQueryFrag.MatchString(frag) {
		return false
	}
	rest, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery && !rfcQueryFrag.MatchString(query) {
		return false
	}
	scheme := false
	if m := rfcSchemeStart.FindStringSubmatch(rest); m != nil {
		if !rfcScheme.MatchString(m[1]) {
			return false
		}
		rest, scheme = rest[len(m[0]):], true
	}
	if strings.HasPrefix(rest, "//") {
		auth, path := rest[2:], ""
		if i := strings.IndexByte(auth, '/'); i >= 0 {
			auth, path = auth[:i], auth[i:]
		}
		if !rfcPathAbEmp.MatchString(path) {
			return false
		}
		if i := strings.LastIndexByte(auth, '@'); i >= 0 {
			if !rfcUserinfo.MatchString(auth[:i]) {
				return false
			}
			auth = auth[i+1:]
		}
		host, port := auth, ""
		if strings.HasPrefix(host, "[") {
			j := strings.IndexByte(host, ']')
			if j < 0 || net.ParseIP(host[1:j]) == nil || strings.Contains(host[1:j], ".") && !strings.Contains(host[1:j], ":") {
				return false
			}
			host, port = host[:j+1], host[j+1:]
			if port != "" && !strings.HasPrefix(port, ":") {
				return false
			}
			port = strings.TrimPrefix(port, ":")
		} else {
			if i := strings.LastIndexByte(host, ':'); i >= 0 {
				host, port = host[:i], host[i+1:]
			}
			if !rfcRegName.MatchString(host) && !rfcIPv4.MatchString(host) {
				return false
			}
		}
		return rfcPort.MatchString(port)
	}
	if scheme {
		return rfcPathAny.MatchString(rest)
	}
	return rfcPathNoSch.MatchString(rest)
}

func TestRFC3986Oracle(t *testing.T) {
	for s, want := range map[string]bool{
		"file:///etc/rstudio/rserver.conf": true, "https://h.example.com:443/a%20b?x=1#f": true,
		"rserver.log": true, "a/b": true, "journal%3Arserver": true, "https://[::1]:8080/": true,
		"": true, "../x": true, "mailto:a@b": true,
		"file:///etc/a b": false, "file:///x%zz": false, "file:///x%": false, "https://h/x#a#b": false,
		"https://[REDACTED]@h/": false, "https://h:port/": false, "https://h/ü": false,
		"a:b:c/d": true, "file:///x\x01": false, "https://h/[x]": false, "https://h^/": false,
	} {
		if got := isRFC3986Reference(s); got != want {
			t.Errorf("isRFC3986Reference(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestEvidenceURIStrict: the class "an evidence path that is not a valid
// URI as it is". Every one becomes an RFC 3986 URI-reference that decodes
// back to the same path (file names) or to the same URL (URLs), and no
// relative path gains a scheme.
func TestEvidenceURIStrict(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/etc/rstudio/rserver.conf", "file:///etc/rstudio/rserver.conf"},
		{"/etc/my dir/a b.conf", "file:///etc/my%20dir/a%20b.conf"},
		{"/etc/100%/x%20y", "file:///etc/100%25/x%2520y"},
		{"/etc/a#b?c", "file:///etc/a%23b%3Fc"},
		{"/etc/ünï/日本.conf", "file:///etc/%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC.conf"},
		{"/etc/x\x01\x1b[2J\x7f", "file:///etc/x%01%1B%5B2J%7F"},
		{"/etc/bad\xff", "file:///etc/bad%FF"},
		{"//etc/x", "file:////etc/x"},
		{"/a;b=c,d", "file:///a%3Bb%3Dc%2Cd"},
		{"rserver.log", "rserver.log"},
		{"journal:rserver", "journal%3Arserver"},
		{"relative dir/x", "relative%20dir/x"},
		{"https://connect.example.com/__login__/callback", "https://connect.example.com/__login__/callback"},
		{"HTTPS://Connect.Example.com:8443/a b?q=a b&r=%zz#frag ment", "https://Connect.Example.com:8443/a%20b?q=a%20b&r=%25zz#frag%20ment"},
		{"https://login.example.com/v2.0/.well-known/openid-configuration?x=%2F", "https://login.example.com/v2.0/.well-known/openid-configuration?x=%2F"},
		{"https://[REDACTED:secret]@h.example.com/", "https://%5BREDACTED:secret%5D@h.example.com/"},
		{"ldaps://[::1]:636", "ldaps://[::1]:636"},
		{"ldaps://ldap.example.com:636/dc=example,dc=com", "ldaps://ldap.example.com:636/dc=example,dc=com"},
		{"https://h.example.com:notaport/x", "https%3A//h.example.com%3Anotaport/x"},
		{"https://h^x.example.com/#a#b", "https://h%5Ex.example.com/#a%23b"},
		{"https://ü.example.com/", "https://%C3%BC.example.com/"},
		{"", ""},
	}
	for _, c := range cases {
		got := evidenceURI(c.in)
		if got != c.want {
			t.Errorf("evidenceURI(%q) = %q, want %q", c.in, got, c.want)
		}
		if !isRFC3986Reference(got) {
			t.Errorf("evidenceURI(%q) = %q is not an RFC 3986 URI-reference", c.in, got)
		}
	}
}

// FuzzEvidenceURI: whatever the path, the URI is an RFC 3986
// URI-reference; a file name decodes back to itself byte for byte; a
// relative path never gains a scheme or an authority.
func FuzzEvidenceURI(f *testing.F) {
	for _, s := range []string{"/etc/a b", "/x%41", "a:b", "//x", "https://h/a b?c#d#e", "https://[::1]:1/", "https://u@h:x/", "\xff", "/\x00", "ldap://[v1.x]/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		u := evidenceURI(p)
		if !isRFC3986Reference(u) {
			t.Fatalf("evidenceURI(%q) = %q: not an RFC 3986 URI-reference", p, u)
		}
		if strings.HasPrefix(p, "/") {
			dec, err := url.PathUnescape(strings.TrimPrefix(u, "file://"))
			if err != nil || dec != p {
				t.Fatalf("evidenceURI(%q) = %q decodes to %q (%v)", p, u, dec, err)
			}
			return
		}
		if !strings.Contains(p, "://") {
			if rfcSchemeStart.MatchString(u) || strings.HasPrefix(u, "//") {
				t.Fatalf("relative %q became %q, which has a scheme or an authority", p, u)
			}
			dec, err := url.PathUnescape(u)
			if err != nil || dec != p {
				t.Fatalf("evidenceURI(%q) = %q decodes to %q (%v)", p, u, dec, err)
			}
		}
	})
}

func hostileFindings() []checks.Finding {
	const esc = "\x1b[31mred\x1b[0m \u202eevil\u202c\x07\r\x00\u0085 bad\xff"
	return []checks.Finding{
		{Check: "whitespace", Severity: checks.Fail, Title: "title " + esc, Detail: "line one " + esc + "\nline two",
			Remediation: "fix " + esc, References: []string{"ref " + esc},
			Evidence: []checks.Evidence{{Path: "/etc/rstudio/a b\x1b#?%.conf", Line: 3, Text: "value = " + esc + " "}}},
		{Check: "whitespace", Severity: checks.Warn, Title: "warn " + esc, Detail: esc},
		{Check: "whitespace", Severity: checks.Error, Title: "error " + esc},
		{Check: "whitespace", Severity: checks.Skip, Title: "skip " + esc},
		{Check: "whitespace", Severity: checks.Info, Title: "info " + esc},
	}
}

// TestMachineTextShowsControls: the class "a control character or bidi
// override from a config or a log reaches a UI". SARIF and JUnit show
// every one as ⟨U+XXXX⟩ (as nagios and prometheus do), keep line feeds
// between lines, stay valid UTF-8, and the SARIF still validates against
// the vendored 2.1.0 schema.
func TestMachineTextShowsControls(t *testing.T) {
	r := New(Tool{Name: "posit-doctor", Version: "v\x1b1"}, Host{Hostname: "h\x1bost", OS: "os\u202e", Root: "/r\x00"}, time.Unix(1796000000, 0), 0, hostileFindings())
	for _, format := range []Format{FormatSARIF, FormatJUnit, FormatNagios} {
		var b bytes.Buffer
		if err := Write(&b, r, format, Options{}, redact.New()); err != nil {
			t.Fatal(err)
		}
		text := b.String()
		var shown []string
		switch format {
		case FormatSARIF:
			var doc any
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			shown = jsonStrings(doc)
			validateSARIF(t, b.Bytes())
		case FormatJUnit:
			shown = xmlTexts(t, text)
		default:
			shown = []string{text}
		}
		for _, s := range shown {
			if !utf8.ValidString(s) || strings.ContainsRune(s, '\uFFFD') && !strings.Contains(s, "bad") {
				t.Errorf("%s: invalid UTF-8 or a stray U+FFFD in %q", format, s)
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && isHostileRune(r) }) {
				t.Errorf("%s: a control character reaches the reader: %q", format, s)
			}
		}
		for _, want := range []string{"⟨U+001B⟩[31mred", "⟨U+202E⟩evil", "⟨U+0007⟩", "⟨U+0085⟩"} {
			if want == "⟨U+0085⟩" && format == FormatNagios {
				continue // NEL is white space: nagios folds it with the rest into one space
			}
			if !strings.Contains(strings.Join(shown, "\n"), want) {
				t.Errorf("%s: %q not shown in\n%s", format, want, text)
			}
		}
	}
}

func jsonStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, e := range x {
			out = append(out, jsonStrings(e)...)
		}
	case map[string]any:
		for k, e := range x {
			out = append(out, k)
			out = append(out, jsonStrings(e)...)
		}
	}
	return out
}

// xmlTexts parses the JUnit document and returns every attribute value and
// character data as an XML reader sees them.
func xmlTexts(t *testing.T, doc string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var out []string
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatalf("JUnit is not well-formed XML: %v\n%s", err, doc)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			for _, a := range x.Attr {
				out = append(out, a.Value)
			}
		case xml.CharData:
			out = append(out, string(x))
		}
	}
}

func validateSARIF(t *testing.T, doc []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sarif-schema-2.1.0-rtm.5.json", "sarif-2.1.0-subset.schema.json"} {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		sch, err := c.Compile("../testdata/sarif/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("SARIF fails %s: %v\n%s", name, err, doc)
		}
	}
	var s struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					}
				}
			}
		}
	}
	json.Unmarshal(doc, &s)
	for _, run := range s.Runs {
		for _, res := range run.Results {
			for _, l := range res.Locations {
				if u := l.PhysicalLocation.ArtifactLocation.URI; !isRFC3986Reference(u) {
					t.Errorf("artifact URI %q is not RFC 3986", u)
				}
			}
		}
	}
}

// TestSARIFHostilePathsValidate: evidence paths of every awkward kind, in
// one report, validate against the vendored schema and the RFC.
func TestSARIFHostilePathsValidate(t *testing.T) {
	var fs []checks.Finding
	for _, p := range []string{"/etc/a b", "/etc/100%", "/etc/a#b?c", "/etc/ünï", "/etc/\x01\x7f", "/etc/bad\xff", "journal:rserver",
		"https://h.example.com/a b?q=a b#f#g", "https://[REDACTED]@h/", "ldaps://[::1]:636", "relative dir/x"} {
		fs = append(fs, checks.Finding{Check: "secret-file-mode", Severity: checks.Fail, Title: "t " + p,
			Evidence: []checks.Evidence{{Path: p, Line: 1, Text: "x"}}})
	}
	r := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Unix(1796000000, 0), 0, fs)
	var b bytes.Buffer
	if err := Write(&b, r, FormatSARIF, Options{}, redact.New()); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, b.Bytes())
}

// FuzzMachineTextLines: machineText keeps the line feeds, shows every
// other control character, and leaves plain text alone.
func FuzzMachineTextLines(f *testing.F) {
	for _, s := range []string{"a\nb", "\x1b[2J\r\n\u202e", "plain ünïcode", "\xff\n\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := machineText(s)
		if !utf8.ValidString(out) || strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && isHostileRune(r) }) {
			t.Fatalf("%q -> %q", s, out)
		}
		if strings.Count(out, "\n") != strings.Count(s, "\n") {
			t.Fatalf("%q -> %q: line feeds changed", s, out)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && isHostileRune(r) }) && out != s {
			t.Fatalf("plain %q changed to %q", s, out)
		}
	})
}

// TestFingerprintSurvivesRotation: the class "what changes from run to run
// without changing the finding". Log rotation moves a sample line from
// rserver.log to rserver.log.1, then rserver.log.2.gz (or a dated name);
// the line number moves; the evidence comes in another order; the count in
// the title grows. None changes the fingerprint; another file, check or
// kind of finding does, and configuration files whose names end in digits
// are not merged.
func TestFingerprintSurvivesRotation(t *testing.T) {
	base := checks.Finding{Check: "log-errors", Severity: checks.Fail, Title: "rserver.log: signed-in user has no local account (2 error line(s))",
		Evidence: []checks.Evidence{{Path: "/var/log/rstudio/rstudio-server/rserver.log", Line: 10, Text: "a"}}}
	with := func(title string, paths ...string) checks.Finding {
		f := base
		if title != "" {
			f.Title = title
		}
		f.Evidence = nil
		for i, p := range paths {
			f.Evidence = append(f.Evidence, checks.Evidence{Path: p, Line: 7 * (i + 1), Text: "b"})
		}
		return f
	}
	same := []checks.Finding{
		with("", "/var/log/rstudio/rstudio-server/rserver.log.1"),
		with("", "/var/log/rstudio/rstudio-server/rserver.log.2.gz"),
		with("", "/var/log/rstudio/rstudio-server/rserver.log-20261101"),
		with("", "/var/log/rstudio/rstudio-server/rserver.log-20261101.gz"),
		with("", "/var/log/rstudio/rstudio-server/rserver.log.2026-11-01.gz"),
		with("", "/var/log/rstudio/rstudio-server/rserver.log.1", "/var/log/rstudio/rstudio-server/rserver.log"),
		with("rserver.log: signed-in user has no local account (17 error line(s))", "/var/log/rstudio/rstudio-server/rserver.log"),
	}
	for _, f := range same {
		if Fingerprint(f) != Fingerprint(base) {
			t.Errorf("%q %v: fingerprint changed", f.Title, f.Evidence)
		}
	}
	other := []checks.Finding{
		with("", "/var/log/rstudio/rstudio-connect/rstudio-connect.log"),
		with("rserver.log: rserver cannot reach the Job Launcher (1 error line(s))", "/var/log/rstudio/rstudio-server/rserver.log"),
		func() checks.Finding { f := base; f.Check = "workbench-openid"; return f }(),
	}
	for _, f := range other {
		if Fingerprint(f) == Fingerprint(base) {
			t.Errorf("%s %q %v: same fingerprint as another finding", f.Check, f.Title, f.Evidence)
		}
	}
	conf := checks.Finding{Check: "secret-file-mode", Title: "t", Evidence: []checks.Evidence{{Path: "/etc/nginx/sites-enabled/site-01"}}}
	conf2 := conf
	conf2.Evidence = []checks.Evidence{{Path: "/etc/nginx/sites-enabled/site-02"}}
	if Fingerprint(conf) == Fingerprint(conf2) {
		t.Error("two configuration files that differ in a digit share a fingerprint")
	}
	for in, want := range map[string]string{
		"/var/log/x/rserver.log.3.gz": "/var/log/x/rserver.log", "/opt/app/logs/app.log.1": "/opt/app/logs/app.log",
		"/etc/rstudio/rserver.conf": "/etc/rstudio/rserver.conf", "/var/log/1": "/var/log/1", "/var/log/syslog.1": "/var/log/syslog",
	} {
		if got := fingerprintPath(in); got != want {
			t.Errorf("fingerprintPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFingerprintRotation: for any log name, rotation number and line, the
// rotated evidence has the fingerprint of the live log's.
func FuzzFingerprintRotation(f *testing.F) {
	f.Add("rserver.log", uint16(1), true, 10)
	f.Add("rstudio-connect.log", uint16(30), false, 0)
	f.Add("a.b.log", uint16(0), true, 99999)
	f.Fuzz(func(t *testing.T, name string, n uint16, gz bool, line int) {
		if name == "" || strings.ContainsAny(name, "/\x00") || rotatedLog.MatchString(name) {
			return
		}
		live := "/var/log/rstudio/" + name
		rotated := live + "." + strconv.Itoa(int(n))
		if gz {
			rotated += ".gz"
		}
		a := checks.Finding{Check: "log-errors", Title: "t", Evidence: []checks.Evidence{{Path: live, Line: 1}}}
		b := checks.Finding{Check: "log-errors", Title: "t", Evidence: []checks.Evidence{{Path: rotated, Line: line}}}
		if Fingerprint(a) != Fingerprint(b) {
			t.Fatalf("%s and %s have different fingerprints", live, rotated)
		}
	})
}
