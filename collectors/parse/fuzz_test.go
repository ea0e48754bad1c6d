package parse

import (
	"strings"
	"testing"
)

// Every parser must return (never panic, never hang) on any input, and the
// positions it reports must be inside the input.

func FuzzGcfg(f *testing.F) {
	f.Add([]byte("[Server]\nAddress = https://x\n[LDAP \"a\"]\nBindPassword = a;b\n"))
	f.Add([]byte("[S]\nA = \"\\q\"\n"))
	f.Add([]byte("[S]\nA = x\\\n y\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		g, err := ParseGcfg(src)
		lines := strings.Count(string(src), "\n") + 1
		for _, e := range g.Entries {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("entry line %d outside 1..%d", e.Line, lines)
			}
		}
		if ge, ok := err.(*GcfgError); ok && (ge.Line < 1 || ge.Line > lines+1) {
			t.Fatalf("error line %d outside 1..%d", ge.Line, lines)
		}
	})
}

func FuzzKV(f *testing.F) {
	f.Add([]byte("a=b\r\n[s]\nc = \"d\"  \n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		kv := ParseKV(src)
		for _, e := range kv.Entries {
			if strings.Contains(e.Key, "=") {
				t.Fatalf("key %q contains '='", e.Key)
			}
		}
	})
}

func FuzzNSSwitch(f *testing.F) {
	f.Add([]byte("passwd: files [NOTFOUND=return] sss pwb\n"))
	f.Add([]byte("group: [x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		n := ParseNSSwitch(src)
		for _, l := range n.Lines {
			for _, s := range l.Sources {
				if s.Name == "" {
					t.Fatalf("empty source name in %q", l.Raw)
				}
			}
		}
	})
}

func FuzzSystemGrammars(f *testing.F) {
	f.Add([]byte("enable-cache passwd no\n@include common-auth\nsession [a=b] pam_x.so \\\n y\ncustom/pwb\nID=rhel\nroot:x:0:0::/:/bin/sh\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ParseNscd(src)
		ParsePAM(src)
		ParseAuthselect(src)
		ParseOSRelease(src).Family()
		ParsePasswd(src)
	})
}
