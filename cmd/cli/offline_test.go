package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe"
	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// counter is a loopback listener that counts the connections it accepts
// and closes each at once.
type counter struct {
	addr string
	n    atomic.Int64
}

func countingListener(t *testing.T) *counter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.n.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return c
}

// everyTargetHost is a Connect (OAuth2 and LDAP) and Workbench host whose
// every URL and LDAP server points at the counters: front doors and issuers
// at web, LDAP servers at ldap, all through names that need DNS.
func everyTargetHost(t *testing.T, web, ldap *counter) string {
	t.Helper()
	wp, lp := portOf(web.addr), portOf(ldap.addr)
	root := t.TempDir()
	files := map[string]string{
		"etc/rstudio-connect/rstudio-connect.gcfg": fmt.Sprintf(`[Server]
Address = https://connect.test:%[1]s
[Authentication]
Provider = ldap
[OAuth2]
ClientId = 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11
OpenIDConnectIssuer = https://idp.test:%[1]s/tenant/v2.0
[LDAP "Corp"]
ServerAddress = dc1.test:%[2]s
StartTLS = true
UserSearchBaseDN = dc=test
UserObjectClass = person
UniqueIdAttribute = entryUUID
UsernameAttribute = uid
UserFirstNameAttribute = givenName
UserLastNameAttribute = sn
UserEmailAttribute = mail
[LDAP "Plain"]
ServerAddress = dc2.test:%[2]s
UserSearchBaseDN = dc=test
UserObjectClass = person
UniqueIdAttribute = entryUUID
UsernameAttribute = uid
UserFirstNameAttribute = givenName
UserLastNameAttribute = sn
UserEmailAttribute = mail
`, wp, lp),
		"etc/rstudio/rserver.conf": fmt.Sprintf("auth-openid=1\nauth-openid-issuer=https://idp.test:%[1]s/wb/v2.0\nlauncher-sessions-callback-address=https://workbench.test:%[1]s\n", wp),
		"etc/nsswitch.conf":        "passwd: files pwb\ngroup: files pwb\nshadow: files pwb\n",
		"etc/hostname":             "net-01\n",
	}
	for p, c := range files {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// invokeCounting is invoke with a resolver that counts lookups.
func invokeCounting(t *testing.T, lookups *atomic.Int64, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		IsTerminal: func(io.Writer) bool { return false },
		Getenv:     func(string) string { return "" },
		Now:        time.Now,
		Signals:    context.Background(),
		ProbeConfig: func(c *probe.Config) {
			c.LookupHost = func(ctx context.Context, host string) ([]string, error) {
				lookups.Add(1)
				return probetest.Resolver(ctx, host)
			}
			c.Proxy = func(*url.URL) (*url.URL, error) { return nil, nil }
		},
	}
	code := Main(e, args)
	return result{code, out.String(), errb.String()}
}

// TestNothingSentUnlessSelected: with every URL and LDAP server of the host
// pointing at counting loopback listeners, a target is contacted only when
// a selected check judges it, and nothing at all with --offline.
func TestNothingSentUnlessSelected(t *testing.T) {
	cases := []struct {
		name              string
		args              []string
		web, ldap, lookup bool // whether contact is expected
	}{
		{"offline", []string{"--offline"}, false, false, false},
		{"offline-only-network", []string{"--offline", "--only", "frontdoor-tls,issuer-reachable,clock-skew,connect-ldap"}, false, false, false},
		{"skip-web-checks", []string{"--skip", "frontdoor-tls,issuer-reachable,clock-skew"}, false, true, true},
		{"only-nsswitch", []string{"--only", "nsswitch-pwb"}, false, false, false},
		{"only-connect-ldap", []string{"--only", "connect-ldap"}, false, true, true},
		// Positive controls: the listeners do count what is selected.
		{"only-frontdoor", []string{"--only", "frontdoor-tls"}, true, false, true},
		{"everything", nil, true, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			web, ldap := countingListener(t), countingListener(t)
			root := everyTargetHost(t, web, ldap)
			var lookups atomic.Int64
			args := append([]string{"run", "--root", root, "--format", "json", "--timeout", "2s"}, c.args...)
			r := invokeCounting(t, &lookups, args...)
			if r.code == 3 && strings.Contains(r.stderr, "Usage") {
				t.Fatalf("usage error: %s", r.stderr)
			}
			for _, k := range []struct {
				what string
				got  int64
				want bool
			}{{"front door/issuer connections", web.n.Load(), c.web}, {"LDAP connections", ldap.n.Load(), c.ldap}, {"DNS lookups", lookups.Load(), c.lookup}} {
				if (k.got > 0) != k.want {
					t.Errorf("%s: %d %s, want %s", c.name, k.got, k.what, map[bool]string{true: "some", false: "none"}[k.want])
				}
			}
		})
	}
}

// TestOfflineJudgesWhatNeedsNoNetwork: --offline still fails an http://
// address, a placeholder issuer and a .well-known issuer, and skips the
// probes themselves with the reason "offline".
func TestOfflineJudgesWhatNeedsNoNetwork(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"etc/rstudio-connect/rstudio-connect.gcfg": "[Server]\nAddress = http://connect.company.test\n[Authentication]\nProvider = oauth2\n[OAuth2]\nClientId = 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11\nOpenIDConnectIssuer = https://login.microsoftonline.com/{tenant-id}/v2.0\n",
		"etc/rstudio/rserver.conf":                 "auth-openid=1\nauth-openid-issuer=https://idp.company.test/.well-known/openid-configuration\nlauncher-sessions-callback-address=https://workbench.company.test\n",
	}
	for p, c := range files {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte(c), 0o600)
	}
	var lookups atomic.Int64
	r := invokeCounting(t, &lookups, "run", "--root", root, "--offline", "--only", "frontdoor-tls,issuer-reachable,clock-skew", "--format", "json")
	rep := findings(t, r.stdout)
	for _, w := range [][3]string{
		{"frontdoor-tls", "fail", `Server.Address is "http://connect.company.test", not an https:// URL`},
		{"frontdoor-tls", "skip", "launcher-sessions-callback-address (https://workbench.company.test): not probed (offline)"},
		{"issuer-reachable", "fail", "OAuth2.OpenIDConnectIssuer: the issuer still holds a placeholder"},
		{"issuer-reachable", "fail", "auth-openid-issuer: the issuer is the discovery document's URL"},
		{"clock-skew", "skip", "offline"},
	} {
		if !rep.find(w[0], w[1], w[2]) {
			t.Errorf("missing %v\n%s", w, r.stdout)
		}
	}
	if lookups.Load() != 0 {
		t.Errorf("--offline made %d DNS lookups", lookups.Load())
	}
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (fail)", r.code)
	}
}

// TestProbedFromThisMachine: under --root other than "/", a finding that
// rests on a probe says it was probed from this machine.
func TestProbedFromThisMachine(t *testing.T) {
	ca := probetest.NewCA(t, "here")
	now := time.Now().UTC()
	connect := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"connect.test"}}, now)
	root := networkHost(t, connect, "https://idp.invalid/x", connect, "https://idp.invalid/y")
	r := invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", "frontdoor-tls", "--format", "json", "--timeout", "2s")
	rep := findings(t, r.stdout)
	n := 0
	for _, f := range rep.Findings {
		if f.Check == "frontdoor-tls" && strings.Contains(f.Title, connect) {
			n++
			if !strings.Contains(f.Detail, "Probed from this machine") {
				t.Errorf("%q: detail does not say where it was probed from: %s", f.Title, f.Detail)
			}
		}
	}
	if n == 0 {
		t.Fatalf("no front-door finding\n%s", r.stdout)
	}
}
