package logs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// templateRef is the string-based normaliser AppendTemplate replaced,
// kept as the reference it must agree with byte for byte.
func templateRef(msg string) string {
	for _, cut := range []string{"; OCCURRED AT", "; LOGGED FROM:"} {
		if i := strings.Index(msg, cut); i >= 0 {
			msg = msg[:i]
		}
	}
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "?")
	}
	var b strings.Builder
	fields := strings.Fields(msg)
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i > 0 && isUserWordRef(fields[i-1]) {
			b.WriteString("<user>")
			continue
		}
		b.WriteString(normTokenRef(f))
		if b.Len() > maxTemplate {
			b.WriteString(" …")
			break
		}
	}
	return b.String()
}

func normTokenRef(t string) string {
	start, end := 0, len(t)
	for start < end && strings.IndexByte("([{<'\"", t[start]) >= 0 {
		start++
	}
	for end > start && strings.IndexByte(")]}>'\",;:.", t[end-1]) >= 0 {
		end--
	}
	pre, core, post := t[:start], t[start:end], t[end:]
	if core == "" {
		return t
	}
	if len(pre) > 0 && (pre[len(pre)-1] == '\'' || pre[len(pre)-1] == '"') {
		return pre + "<s>" + post
	}
	if k, v, ok := strings.Cut(core, "="); ok && k != "" && v != "" && !strings.Contains(k, "/") {
		return pre + k + "=<v>" + post
	}
	if k, v, ok := strings.Cut(core, ":"); ok && k != "" && v != "" && !strings.Contains(core, "//") && !allDigitsOrSep([]byte(core)) {
		return pre + k + ":" + normTokenRef(v) + post
	}
	switch {
	case strings.HasPrefix(core, "/"):
		parts := strings.SplitN(core, "/", 3)
		if len(parts) == 3 {
			return pre + "/" + parts[1] + "/…" + post
		}
		return pre + core + post
	case isHexID([]byte(core)):
		return pre + "<id>" + post
	case hasDigit([]byte(core)) && numeric([]byte(core)):
		return pre + string(appendCollapsedDigits(nil, []byte(core))) + post
	}
	return t
}

func isUserWordRef(w string) bool {
	switch strings.ToLower(strings.TrimRight(w, ":=")) {
	case "user", "username", "uid":
		return true
	}
	return false
}

// templateCases are messages of each class the normaliser treats apart.
var templateCases = []string{
	"session 4412 for user alice exited with code 137; LOGGED FROM: a.cpp:1",
	"attempt to use invalid state: 041fc65df50a6e8b7390213efac495b3f125b9e1d8b43df1b1df8c9b163da162",
	"system error 2 (No such file or directory) [user-value=btsherid]; OCCURRED AT x; LOGGED FROM: y",
	"could not open /home/alice/.local/share/rstudio/x and /tmp",
	"request 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11 failed",
	"path: '/opt/x' \"quoted\" key=value a=b=c /a=b :x x: USER: Bob uid= 7 username=x",
	"OAuth2 x509: bad utf8 10ms 1.2.3 v12345 ab12345cd 10.0.0.1:5432 http://host/x",
	"tabs\tand\u00a0nbsp\u2003em-space \x85 next-line\u0085x",
	"invalid \xff\xfe utf-8 \xc3",
	"a; OCCURRED ATx; LOGGED FROM:y",
	strings.Repeat("word 12 ", 100),
	strings.Repeat("user ", 100),
	"",
	"   ",
	"((\"''))",
	"İd UİD uid: Kelvin",
}

func TestAppendTemplateMatchesReference(t *testing.T) {
	for _, m := range templateCases {
		if got, want := Template(m), templateRef(m); got != want {
			t.Errorf("%q:\n got  %q\n want %q", m, got, want)
		}
	}
	// The buffer is appended to, not overwritten.
	if got := string(AppendTemplate([]byte("x:"), []byte("pid 12"))); got != "x:pid <n>" {
		t.Errorf("append = %q", got)
	}
	if n := testing.AllocsPerRun(100, func() {
		buf := make([]byte, 0, 512)
		AppendTemplate(buf, []byte(templateCases[2]))
	}); n > 1 {
		t.Errorf("AppendTemplate allocated %v times per run", n)
	}
}

// TestMatcherAgreesWithRegexps: for every catalogue example, and for lines
// made from the examples' messages at each level and for each product, the
// automaton-and-confirm matcher names the signature that trying every
// regexp in order names.
func TestMatcherAgreesWithRegexps(t *testing.T) {
	var lines [][]byte
	for _, s := range Catalogue() {
		lines = append(lines, []byte(s.Example))
		c := Classify([]byte(s.Example))
		msg := s.Example[min(c.Msg, len(s.Example)):]
		for _, prefix := range []string{"2024-01-01T00:00:00.000000Z [rserver] ERROR ", "2024-01-01T00:00:00.000000Z [rserver] WARNING ",
			`time="2024-01-01T00:00:00.000Z" level=warning msg="`, "2021/06/21 16:51:03 ", "[rserver] ERROR "} {
			lines = append(lines, []byte(prefix+msg), []byte(prefix+strings.ToUpper(msg)), []byte(prefix+msg[:len(msg)/2]))
		}
	}
	for _, line := range lines {
		for _, product := range []string{"workbench", "connect", "launcher"} {
			for _, lvl := range []Level{LevelError, LevelWarn, LevelOther} {
				got, want := Match(line, product, lvl), matchRef(line, product, lvl)
				if got != want {
					t.Errorf("%s level %d %q: matcher %v, regexps %v", product, lvl, line, got, want)
				}
			}
		}
	}
}

func TestAnchors(t *testing.T) {
	for _, s := range Catalogue() {
		if compiled.always&(1<<uint(s.idx)) != 0 {
			t.Errorf("%s: no anchor derived from %q: every line would run its regexp", s.ID, s.Pattern)
		}
	}
}

// FuzzTemplateKey: the scanner groups by the template's bytes, so the same
// key is the same template; AppendTemplate agrees with the reference
// normaliser, and two messages group together exactly when their
// templates are equal.
func FuzzTemplateKey(f *testing.F) {
	for _, m := range templateCases {
		f.Add([]byte(m), []byte(templateCases[0]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ka, kb := AppendTemplate(nil, a), AppendTemplate(nil, b)
		if string(ka) != templateRef(string(a)) {
			t.Fatalf("%q: %q, reference %q", a, ka, templateRef(string(a)))
		}
		if bytes.Equal(ka, kb) != (templateRef(string(a)) == templateRef(string(b))) {
			t.Fatalf("key equality and template equality differ for %q / %q", a, b)
		}
		if !utf8.Valid(ka) {
			t.Fatalf("template of %q is not UTF-8", a)
		}
		for _, product := range []string{"workbench", "connect"} {
			for _, lvl := range []Level{LevelError, LevelWarn, LevelOther} {
				if got, want := Match(a, product, lvl), matchRef(a, product, lvl); got != want {
					t.Fatalf("%s level %d %q: matcher %v, regexps %v", product, lvl, a, got, want)
				}
			}
		}
	})
}

// The fuzz corpus kept in testdata holds the examples of each class.
func TestFuzzCorpusPresent(t *testing.T) {
	for _, name := range []string{"FuzzTemplateKey", "FuzzClassify"} {
		ents, err := os.ReadDir(filepath.Join("testdata", "fuzz", name))
		if err != nil || len(ents) == 0 {
			t.Errorf("no fuzz corpus for %s in testdata/fuzz: %v", name, err)
		}
	}
}

// TestPickedAnchors: each anchor is a piece of a literal of its pattern,
// long enough not to fire on every line (-v prints them).
func TestPickedAnchors(t *testing.T) {
	for _, s := range Catalogue() {
		re, err := syntaxParse(s.Pattern)
		if err != nil {
			t.Fatal(err)
		}
		lits, _ := anchors(re)
		var picked []string
		for _, l := range lits {
			a := pickAnchor(l)
			if !strings.Contains(l, a) || len(a) < min(6, len(l)) || len(a) > anchorMax {
				t.Errorf("%s: anchor %q of literal %q", s.ID, a, l)
			}
			picked = append(picked, a)
		}
		t.Logf("%-28s %q", s.ID, picked)
	}
}

// TestFiniteSetsAgreeWithRegexps: where a signature is confirmed by its
// literal set, the set says what the regexp says, on the examples and on
// their halves and case variants.
func TestFiniteSetsAgreeWithRegexps(t *testing.T) {
	n := 0
	for i, s := range Catalogue() {
		if compiled.lits[i] == nil {
			continue
		}
		n++
		for _, m := range []string{s.Example, strings.ToUpper(s.Example), s.Example[:len(s.Example)/2], s.Example[len(s.Example)/3:]} {
			if got, want := compiled.confirm(i, []byte(m)), s.re.MatchString(m); got != want {
				t.Errorf("%s on %q: literal set %v, regexp %v", s.ID, m, got, want)
			}
		}
	}
	if n < 5 {
		t.Errorf("only %d signatures confirmed by literal sets", n)
	}
}

// TestRequiredLiterals: what must be in every match is in every example.
func TestRequiredLiterals(t *testing.T) {
	for i, s := range Catalogue() {
		for _, r := range compiled.required[i] {
			if !strings.Contains(s.Example, string(r)) {
				t.Errorf("%s: required literal %q is not in its example", s.ID, r)
			}
		}
	}
	i := -1
	for k, s := range Catalogue() {
		if s.ID == "wb-launch-permission-denied" {
			i = k
		}
	}
	if i < 0 || len(compiled.required[i]) != 2 {
		t.Errorf("wb-launch-permission-denied: required %q, want the message and launchChildProcess", compiled.required[max(i, 0)])
	}
}
