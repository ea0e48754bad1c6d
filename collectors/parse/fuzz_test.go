package parse

import (
	"errors"
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

func FuzzSAMLMetadata(f *testing.F) {
	f.Add([]byte(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp"><md:IDPSSODescriptor><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="b" Location="https://idp/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`))
	f.Add([]byte(`<EntitiesDescriptor><EntityDescriptor entityID="x"><SPSSODescriptor/></EntityDescriptor></EntitiesDescriptor>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><EntityDescriptor entityID="&b;"/>`))
	f.Add([]byte("<html><body>Sign in</body></html>"))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := ParseSAMLMetadata(src)
		if err == nil && (m == nil || len(m.IdPs) == 0) {
			t.Fatalf("no error but no IdP: %+v", m)
		}
		if err != nil {
			var se *SAMLError
			if !errors.As(err, &se) || se.Kind == "" {
				t.Fatalf("error %v is not a *SAMLError with a kind", err)
			}
		}
	})
}

// FuzzWebConf: the nginx and Apache parsers return a tree or an error with
// a line inside the input, never a panic or a hang.
func FuzzWebConf(f *testing.F) {
	f.Add([]byte("http {\n server {\n  listen 443 ssl;\n  location /r/ { proxy_pass http://127.0.0.1:8787/; proxy_set_header Connection \"upgrade\"; }\n }\n}\n"))
	f.Add([]byte("map $http_upgrade $c { default upgrade; '' close; }\nupstream u { server 127.0.0.1:3939; }\n"))
	f.Add([]byte("<VirtualHost *:443>\n  <Location /rsconnect/>\n    ProxyPass http://h:3939/ connectiontimeout=5\n    RequestHeader set X \"%{A}e\"\n  </Location>\n</VirtualHost>\n"))
	f.Add([]byte("<If \"-n env('A')\">\nRequestHeader unset X \\\n early\n</If>\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := strings.Count(string(src), "\n") + 1
		check := func(nodes []*ConfNode, err error) {
			if ce, ok := err.(*ConfError); ok && (ce.Line < 0 || ce.Line > lines+1) {
				t.Fatalf("error line %d outside 1..%d", ce.Line, lines)
			}
			var walk func([]*ConfNode, int)
			walk = func(ns []*ConfNode, depth int) {
				if depth > 70 {
					t.Fatal("tree deeper than the parsers allow")
				}
				for _, n := range ns {
					walk(n.Children, depth+1)
				}
			}
			walk(nodes, 0)
		}
		check(ParseApache(src))
		check(ParseNginx(src))
	})
}
