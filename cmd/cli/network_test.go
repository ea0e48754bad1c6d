package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// idp serves an OpenID discovery document and keys for issuer paths on a
// TLS server named idp.test (resolved to 127.0.0.1 by the test resolver).
func idp(t *testing.T, ca *probetest.CA, clock time.Time) string {
	return idpWith(t, ca, clock, probetest.LeafOpts{Hosts: []string{"idp.test"}})
}

// idpWith is idp with its certificate made from o.
func idpWith(t *testing.T, ca *probetest.CA, clock time.Time, o probetest.LeafOpts) string {
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", clock.UTC().Format(http.TimeFormat))
		switch {
		case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
			iss := base + strings.TrimSuffix(r.URL.Path, "/.well-known/openid-configuration")
			if strings.Contains(r.URL.Path, "/slash/") {
				iss += "/" // the classic trailing-slash mismatch
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "authorization_endpoint": base + "/auth",
				"token_endpoint": base + "/token", "jwks_uri": base + "/keys"})
		case r.URL.Path == "/keys":
			fmt.Fprint(w, `{"keys":[{"kty":"RSA","kid":"k1"}]}`)
		default:
			http.NotFound(w, r)
		}
	})
	s := probetest.Server(t, ca.Leaf(t, o), mux, 0, 0)
	base = "https://" + o.Hosts[0] + ":" + portOf(s.Listener.Addr().String())
	return base
}

func portOf(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// frontDoor starts a TLS server for host with the given leaf options.
func frontDoor(t *testing.T, ca *probetest.CA, o probetest.LeafOpts, clock time.Time) string {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", clock.UTC().Format(http.TimeFormat))
		http.Redirect(w, r, "/__login__", http.StatusFound)
	})
	s := probetest.Server(t, ca.Leaf(t, o), h, 0, 0)
	return "https://" + o.Hosts[0] + ":" + portOf(s.Listener.Addr().String())
}

// networkHost writes a minimal Connect + Workbench host whose URLs point at
// the given loopback peers.
func networkHost(t *testing.T, connectURL, connectIssuer, wbURL, wbIssuer string) string {
	root := t.TempDir()
	files := map[string]string{
		"etc/rstudio-connect/rstudio-connect.gcfg": fmt.Sprintf("[Server]\nAddress = %s\n[Authentication]\nProvider = oauth2\n[OAuth2]\nClientId = 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11\nOpenIDConnectIssuer = %s\n", connectURL, connectIssuer),
		"etc/rstudio/rserver.conf":                 fmt.Sprintf("auth-openid=1\nauth-openid-issuer=%s\nlauncher-sessions-callback-address=%s\n", wbIssuer, wbURL),
		"etc/hostname":                             "net-01\n",
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

type jsonReport struct {
	Findings []struct {
		Check, Severity, Title, Detail string
		Data                           map[string]any
	}
}

func findings(t *testing.T, out string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return r
}

func (r jsonReport) find(check, sev, title string) bool {
	for _, f := range r.Findings {
		if f.Check == check && f.Severity == sev && strings.Contains(f.Title, title) {
			return true
		}
	}
	return false
}

func TestNetworkChecksHealthy(t *testing.T) {
	ca := probetest.NewCA(t, "net")
	now := time.Now().UTC()
	issuer := idp(t, ca, now)
	connect := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"connect.test"}}, now)
	wb := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"workbench.test"}}, now)
	root := networkHost(t, connect, issuer+"/tenant/v2.0", wb, issuer+"/wb/v2.0")
	r := invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", networkChecks, "--format", "json", "--timeout", "3s")
	rep := findings(t, r.stdout)
	for _, w := range [][3]string{
		{"frontdoor-tls", "pass", "Server.Address (" + connect + ") serves a trusted certificate"},
		{"frontdoor-tls", "pass", "launcher-sessions-callback-address (" + wb + ")"},
		{"issuer-reachable", "pass", "OAuth2.OpenIDConnectIssuer: discovery and signing keys fetched"},
		{"issuer-reachable", "pass", "auth-openid-issuer: discovery and signing keys fetched"},
		{"clock-skew", "pass", "the clock agrees with 6 https peer(s)"},
	} {
		if !rep.find(w[0], w[1], w[2]) {
			t.Errorf("missing %v\n%s", w, r.stdout)
		}
	}
	// The IdP's token endpoint is public metadata, not a secret.
	if !strings.Contains(r.stdout, `"token_endpoint": "`+issuer+`/token"`) {
		t.Errorf("token_endpoint redacted or missing in the JSON:\n%s", r.stdout)
	}
	if r.code != 0 {
		t.Errorf("exit %d, want 0: %s", r.code, r.stderr)
	}
}

func TestNetworkChecksBroken(t *testing.T) {
	ca := probetest.NewCA(t, "net")
	now := time.Now().UTC()
	issuer := idp(t, ca, now.Add(-10*time.Minute)) // the IdP's clock is 10 minutes behind ours
	selfSigned := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"connect.test"}, SelfSigned: true}, now)
	expiring := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"workbench.test"}, NotAfter: now.Add(10 * 24 * time.Hour)}, now)
	root := networkHost(t, selfSigned, issuer+"/slash/v2.0", expiring, "https://login.microsoftonline.com/{tenant-id}/v2.0")
	r := invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", networkChecks, "--format", "json", "--timeout", "3s",
		"--url", "http://plain.test/", "--url", "https://nowhere.invalid/")
	rep := findings(t, r.stdout)
	for _, w := range [][3]string{
		{"frontdoor-tls", "fail", "Server.Address (" + selfSigned + "): tls-self-signed"},
		{"frontdoor-tls", "warn", "certificate expires in 9 days"},
		{"frontdoor-tls", "fail", `--url is "http://plain.test/", not an https:// URL`},
		{"frontdoor-tls", "fail", "--url (https://nowhere.invalid/): dns"},
		{"issuer-reachable", "fail", "OAuth2.OpenIDConnectIssuer: the discovery document names a different issuer"},
		{"issuer-reachable", "fail", "auth-openid-issuer: the issuer still holds a placeholder"},
		{"clock-skew", "fail", "this machine's clock is 10m0s ahead of"},
	} {
		if !rep.find(w[0], w[1], w[2]) {
			t.Errorf("missing %v\n%s", w, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "differ only by a trailing slash") {
		t.Error("the trailing-slash hint is missing")
	}
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
}

// TestHungPeersOneTimeout: every peer accepts and never answers; the run
// still ends after about one --timeout, because probes run concurrently.
// The bound is a hang guard, not a measurement (see make bench).
func TestHungPeersOneTimeout(t *testing.T) {
	ca := probetest.NewCA(t, "net")
	hung := func() string {
		return "https://hung" + fmt.Sprint(time.Now().UnixNano()%1000) + ".test:" + portOf(probetest.Hung(t))
	}
	root := networkHost(t, hung(), hung()+"/tenant/v2.0", hung(), hung()+"/wb/v2.0")
	start := time.Now()
	r := invoke(t, false, nil, ca.Pool, time.Now(), "run", "--root", root, "--only", networkChecks, "--format", "json", "--timeout", "2s")
	el := time.Since(start)
	rep := findings(t, r.stdout)
	n := 0
	for _, f := range rep.Findings {
		if f.Data["failure"] == "timeout" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d timeout findings, want 4\n%s", n, r.stdout)
	}
	if el > 3*time.Second {
		t.Errorf("run with four hung peers and --timeout 2s took %v", el)
	}
}

// TestLocalCertFiles: the certificate and key files Connect is configured
// to serve ([HTTPS] Certificate/Key) are parsed, dated and matched.
func TestLocalCertFiles(t *testing.T) {
	ca := probetest.NewCA(t, "files")
	now := time.Now().UTC()
	good := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"connect.test"}})
	other := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"connect.test"}})
	expired := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"connect.test"}, NotBefore: now.Add(-90 * 24 * time.Hour), NotAfter: now.Add(-time.Hour)})
	leafOnly := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"connect.test"}, LeafOnly: true})
	cases := []struct {
		name      string
		certOf    func(dir string) (string, string)
		sev, text string
	}{
		{"good", func(d string) (string, string) { return probetest.WritePair(t, d, "c", good) }, "pass", "certificate and key files are usable"},
		{"mismatch", func(d string) (string, string) {
			c, _ := probetest.WritePair(t, d, "c", good)
			_, k := probetest.WritePair(t, d, "o", other)
			return c, k
		}, "fail", "the private key does not belong to the certificate"},
		{"expired", func(d string) (string, string) { return probetest.WritePair(t, d, "c", expired) }, "fail", "the server certificate \"connect.test\" expired"},
		{"leaf-only", func(d string) (string, string) { return probetest.WritePair(t, d, "c", leafOnly) }, "warn", "only the server certificate"},
		{"passphrase", func(d string) (string, string) {
			c, k := probetest.WritePair(t, d, "c", good)
			os.WriteFile(k, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600)
			return c, k
		}, "fail", "passphrase"},
		{"not-pem", func(d string) (string, string) {
			c, k := probetest.WritePair(t, d, "c", good)
			os.WriteFile(c, []byte("not a certificate"), 0o644)
			return c, k
		}, "fail", "no PEM CERTIFICATE block"},
	}
	for _, c := range cases {
		root := t.TempDir()
		dir := filepath.Join(root, "etc/rstudio-connect")
		os.MkdirAll(dir, 0o755)
		cert, key := c.certOf(dir)
		gcfg := fmt.Sprintf("[Server]\nAddress = http://connect.test\n[HTTPS]\nListen = :443\nCertificate = %s\nKey = %s\n",
			strings.TrimPrefix(cert, root), strings.TrimPrefix(key, root))
		os.WriteFile(filepath.Join(dir, "rstudio-connect.gcfg"), []byte(gcfg), 0o600)
		r := invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", "frontdoor-tls", "--format", "json")
		rep := findings(t, r.stdout)
		found := false
		for _, f := range rep.Findings {
			if strings.Contains(f.Title, "TLS files") || strings.Contains(f.Title, "certificate and key files") {
				found = f.Severity == c.sev && strings.Contains(f.Title+f.Detail, c.text)
			}
		}
		if !found {
			t.Errorf("%s: want %s mentioning %q\n%s", c.name, c.sev, c.text, r.stdout)
		}
		if strings.Contains(r.stdout, "PRIVATE KEY") {
			t.Errorf("%s: key material in the output", c.name)
		}
	}
}

// TestLDAPThroughCLI: connect-ldap probes each section's server as Connect
// would (StartTLS here), with the section's TLSCACertificate.
func TestLDAPThroughCLI(t *testing.T) {
	ca := probetest.NewCA(t, "ldap-cli")
	good := probetest.LDAPServer(t, ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"dc1.test"}}), "starttls", 0)
	refusing := probetest.LDAPServer(t, ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"dc2.test"}}), "starttls", 52)
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/rstudio-connect"), 0o755)
	rootPEM := ca.RootPEM(t, filepath.Join(root, "etc/rstudio-connect"))
	section := func(name, host, addr string) string {
		return fmt.Sprintf("[LDAP %q]\nServerAddress = %s:%s\nStartTLS = true\nTLSCACertificate = %s\nBindDN = cn=svc\nBindPassword = S1Foho5A2uUARgvwXP7TrmVVgO6S6wx58BRH85RKnQd1EIgQ/42hgng2f8Wd6cqNFAdcdcNpNpi5z/d3\nUserSearchBaseDN = dc=test\nUserObjectClass = person\nUniqueIdAttribute = entryUUID\nUsernameAttribute = uid\nUserFirstNameAttribute = givenName\nUserLastNameAttribute = sn\nUserEmailAttribute = mail\n\n",
			name, host, portOf(addr), strings.TrimPrefix(rootPEM, root))
	}
	gcfg := "[Server]\nAddress = https://connect.test\n[Authentication]\nProvider = ldap\n\n" + section("Good", "dc1.test", good) + section("Refusing", "dc2.test", refusing) + section("Elsewhere", "dc9.corp.invalid", good)
	os.WriteFile(filepath.Join(root, "etc/rstudio-connect/rstudio-connect.gcfg"), []byte(gcfg), 0o600)
	// The CA is trusted only through TLSCACertificate, not the system roots.
	r := invoke(t, false, nil, probetest.NewCA(t, "unrelated").Pool, time.Now(), "run", "--root", root, "--only", "connect-ldap", "--format", "json", "--timeout", "3s")
	rep := findings(t, r.stdout)
	if !rep.find("connect-ldap", "fail", `[LDAP "Refusing"] dc2.test:`+portOf(refusing)+" (starttls): ldap-starttls") {
		t.Errorf("refused StartTLS not reported\n%s", r.stdout)
	}
	// Under --root the name is looked up from this machine, not the host:
	// a DNS failure is a warning that says so, not a failure.
	if !rep.find("connect-ldap", "warn", `[LDAP "Elsewhere"] dc9.corp.invalid:`+portOf(good)+" (starttls): dns") {
		t.Errorf("DNS failure under --root not a warning\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Probed from this machine, not from the host under --root") {
		t.Errorf("the DNS warning does not say where it was probed from\n%s", r.stdout)
	}
	for _, f := range rep.Findings {
		if strings.Contains(f.Title, `"Good"`) {
			t.Errorf("the good server was flagged: %s", f.Title)
		}
	}
	if strings.Contains(r.stdout, "S1Foho5A2uUARgvwXP7TrmVVg") {
		t.Error("bind password in the output")
	}
}

// TestEveryCertificateDated: a private PKI on loopback whose intermediate
// expires in 19 days (the front door's leaf is good for 90), an IdP and an
// LDAPS directory with 10-day certificates. Each is dated and warned about,
// naming the certificate that expires; data.certificates and the textfile
// metric carry every certificate, the intermediate and the root included.
func TestEveryCertificateDated(t *testing.T) {
	now := time.Now().UTC()
	ca := probetest.NewCAWithIntermediate(t, "short", now.Add(19*24*time.Hour))
	tenDays := now.Add(10 * 24 * time.Hour)
	front := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"connect.test"}}, now)
	issuer := idpWith(t, ca, now, probetest.LeafOpts{Hosts: []string{"idp.test"}, NotAfter: tenDays})
	ldaps := probetest.LDAPServer(t, ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"dc1.test"}, NotAfter: tenDays}), "tls", 0)
	root := t.TempDir()
	files := map[string]string{
		"etc/rstudio-connect/rstudio-connect.gcfg": fmt.Sprintf("[Server]\nAddress = %s\n[Authentication]\nProvider = ldap\n\n[LDAP \"Corp\"]\nServerAddress = dc1.test:%s\nTLS = true\nBindDN = cn=svc\nBindPassword = x\nUserSearchBaseDN = dc=test\nUserObjectClass = person\nUniqueIdAttribute = entryUUID\nUsernameAttribute = uid\nUserFirstNameAttribute = givenName\nUserLastNameAttribute = sn\nUserEmailAttribute = mail\n", front, portOf(ldaps)),
		"etc/rstudio/rserver.conf":                 fmt.Sprintf("auth-openid=1\nauth-openid-issuer=%s/wb/v2.0\n", issuer),
	}
	for p, c := range files {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	r := invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", "frontdoor-tls,issuer-reachable,connect-ldap", "--format", "json", "--timeout", "3s", "--textfile", dir)
	rep := findings(t, r.stdout)
	for _, w := range []struct{ check, title string }{
		{"frontdoor-tls", "Server.Address (" + front + "): intermediate certificate expires in 1"},
		{"issuer-reachable", "the IdP's server certificate expires in "},
		{"connect-ldap", "(tls): the directory's server certificate expires in "},
	} {
		found := false
		for _, f := range rep.Findings {
			if f.Check == w.check && f.Severity == "warn" && strings.Contains(f.Title, w.title) {
				found = true
				certs, _ := f.Data["certificates"].([]any)
				if len(certs) < 2 {
					t.Errorf("%s: data.certificates has %d entries, want the whole chain: %v", w.check, len(certs), f.Data)
				}
				for _, c := range certs {
					m, _ := c.(map[string]any)
					for _, k := range []string{"subject", "issuer", "not_after", "where"} {
						if m[k] == nil || m[k] == "" {
							t.Errorf("%s: certificate entry lacks %s: %v", w.check, k, m)
						}
					}
				}
			}
		}
		if !found {
			t.Errorf("no %s warning %q in\n%s", w.check, w.title, r.stdout)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "posit_doctor.prom"))
	if err != nil {
		t.Fatal(err)
	}
	inter := ca.Inter.NotAfter.UTC().Unix()
	want := fmt.Sprintf(`posit_doctor_cert_expiry_timestamp_seconds{check="frontdoor-tls",target="%s (posit-doctor test intermediate short)"} %d`, front, inter)
	if !strings.Contains(string(b), want+"\n") {
		t.Errorf("the textfile lacks the intermediate's expiry %q:\n%s", want, b)
	}
	if _, err := exec.LookPath("promtool"); err == nil {
		checkMetrics(t, "textfile with every certificate", string(b))
	}
}

// TestWorkbenchInAContainer: Posit's container layout (Launcher in its own
// container, sessions calling back on http://127.0.0.1:8787) raises no
// warning, and the redirect URI printed for Workbench is not the callback
// address. Judged offline: nothing here needs the network.
func TestWorkbenchInAContainer(t *testing.T) {
	root := fixture(t, "workbench-container")
	r := run(t, false, nil, "run", "--root", root, "--offline", "--only", "frontdoor-tls,redirect-uri-whitespace,workbench-launcher", "--format", "json")
	rep := findings(t, r.stdout)
	for _, f := range rep.Findings {
		// (The base host's Connect uses example.com, a placeholder domain.)
		if (f.Severity == "warn" || f.Severity == "fail") && !strings.HasPrefix(f.Title, "Server.Address") {
			t.Errorf("%s %s: %s", f.Check, f.Severity, f.Title)
		}
		if strings.Contains(f.Detail, "127.0.0.1:8787/openid/callback") {
			t.Errorf("%s tells the admin to register the loopback callback: %s", f.Check, f.Detail)
		}
	}
	if !rep.find("frontdoor-tls", "info", "launcher-sessions-callback-address is a loopback address (http://127.0.0.1:8787): not a front door") {
		t.Errorf("no loopback-callback note\n%s", r.stdout)
	}
	if !rep.find("redirect-uri-whitespace", "info", "redirect URIs the IdP must have registered") || !strings.Contains(r.stdout, "is an internal address for sessions, not the one to register") {
		t.Errorf("the Workbench redirect URI note is missing\n%s", r.stdout)
	}
}

// TestOfflineJudgesAddresses: with --offline (nothing sent), what needs no
// network is still judged: the field guide's sample config (a Server.Address
// under its "Placeholder value. Please replace." comment, the
// example-example client ID, the {tenant-id} issuer), a loopback
// Server.Address, and http:// addresses and issuers.
func TestOfflineJudgesAddresses(t *testing.T) {
	write := func(gcfg, rserver string) string {
		root := t.TempDir()
		for p, c := range map[string]string{"etc/rstudio-connect/rstudio-connect.gcfg": gcfg, "etc/rstudio/rserver.conf": rserver} {
			if c == "" {
				continue
			}
			full := filepath.Join(root, p)
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, []byte(c), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	guide := write("[Authentication]\nProvider = \"oauth2\"\n\n[OAuth2]\nClientId = \"example-example-example-example-example\"\nClientSecret = \"example\"\nOpenIDConnectIssuer = \"https://login.microsoftonline.com/{tenant-id}/v2.0\"\nRequireUsernameClaim = true\n\n[Server]\n; Placeholder value. Please replace. \nAddress = https://localhost\n", "")
	loopback := write("[Server]\nAddress = https://127.0.0.1:3939\n[Authentication]\nProvider = oauth2\n[OAuth2]\nClientId = 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11\nOpenIDConnectIssuer = https://login.microsoftonline.com/0b9f5f3c-6e1e-4b1a-8d3f-6c2b7a9e1d42/v2.0\n", "")
	plain := write("[Server]\nAddress = http://connect.corp.lan\n[Authentication]\nProvider = oauth2\n[OAuth2]\nClientId = 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11\nOpenIDConnectIssuer = http://idp.corp.lan/realms/posit\n", "auth-openid=1\nauth-openid-issuer=http://idp.corp.lan/realms/wb\n")
	for _, c := range []struct {
		root  string
		wants [][3]string
	}{
		{guide, [][3]string{
			{"frontdoor-tls", "fail", "Server.Address is still a placeholder (https://localhost)"},
			{"issuer-reachable", "fail", "OAuth2.OpenIDConnectIssuer: the issuer still holds a placeholder"},
			{"connect-oauth2", "fail", "OAuth2.ClientId is still a documentation placeholder"},
		}},
		{loopback, [][3]string{{"frontdoor-tls", "fail", "Server.Address is https://127.0.0.1:3939: a loopback address, not the URL users reach"}}},
		{plain, [][3]string{
			{"frontdoor-tls", "fail", `Server.Address is "http://connect.corp.lan", not an https:// URL`},
			{"issuer-reachable", "fail", "OAuth2.OpenIDConnectIssuer: the issuer is not an https:// URL"},
			{"issuer-reachable", "fail", "auth-openid-issuer: the issuer is not an https:// URL"},
		}},
	} {
		r := run(t, false, nil, "run", "--root", c.root, "--offline", "--only", "frontdoor-tls,issuer-reachable,connect-oauth2", "--format", "json")
		rep := findings(t, r.stdout)
		for _, w := range c.wants {
			if !rep.find(w[0], w[1], w[2]) {
				t.Errorf("missing %v\n%s", w, r.stdout)
			}
		}
	}
	if r := run(t, false, nil, "run", "--root", guide, "--offline", "--only", "frontdoor-tls", "--format", "json"); !strings.Contains(r.stdout, "sits under a comment that calls it a placeholder") {
		t.Errorf("the placeholder finding does not say the config's comment marks it:\n%s", r.stdout)
	}
}

// TestDirectDespiteProxyThroughCLI: HTTPS_PROXY is set and NO_PROXY
// excludes the front door: the pass says it was reached directly.
func TestDirectDespiteProxyThroughCLI(t *testing.T) {
	ca := probetest.NewCA(t, "direct")
	now := time.Now().UTC()
	connect := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"connect.test"}}, now)
	root := networkHost(t, connect, "", "", "")
	env := map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "localhost,connect.test"}
	r := invoke(t, false, env, ca.Pool, now, "run", "--root", root, "--only", "frontdoor-tls", "--format", "json", "--timeout", "3s")
	want := `HTTPS_PROXY is set (proxy.corp:3128), but NO_PROXY entry \"connect.test\" excludes connect.test, so it was reached directly`
	if !strings.Contains(r.stdout, want) {
		t.Errorf("the finding does not say the front door was reached directly:\n%s", r.stdout)
	}
}

// TestPositShippedCallbackAddresses: the callback addresses Posit's own
// Helm chart and images ship (a Kubernetes service over http, 0.0.0.0) are
// session addresses, not front doors: info, never a warning. The configs
// are the real ones the project carries.
func TestPositShippedCallbackAddresses(t *testing.T) {
	for _, name := range []string{
		"rstudio__helm__charts_rstudio-workbench_snapshot_default__rendered_rserver.conf",
		"rstudio__rstudio-docker-products__workbench-for-google-cloud-workstations_conf_rserver.conf",
	} {
		data, err := os.ReadFile(filepath.Join("../../testdata/realworld/configs", name))
		if err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "etc/rstudio"), 0o755)
		os.WriteFile(filepath.Join(root, "etc/rstudio/rserver.conf"), data, 0o644)
		r := run(t, false, nil, "run", "--root", root, "--offline", "--only", "frontdoor-tls", "--format", "json")
		rep := findings(t, r.stdout)
		if !rep.find("frontdoor-tls", "info", "launcher-sessions-callback-address is an internal address") {
			t.Errorf("%s: no internal-address note\n%s", name, r.stdout)
		}
		for _, f := range rep.Findings {
			if f.Severity == "warn" || f.Severity == "fail" {
				t.Errorf("%s: %s %s", name, f.Severity, f.Title)
			}
		}
	}
}
