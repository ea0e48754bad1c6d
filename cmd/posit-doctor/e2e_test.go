package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// buildBinary compiles posit-doctor once for the end-to-end tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "posit-doctor")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// startNginx runs nginx in the foreground on 127.0.0.1 with one TLS server
// per (port, cert, key) and stops it when the test ends.
func startNginx(t *testing.T, servers [][3]string) {
	t.Helper()
	nginx := debianServer(t, "nginx")
	prefix := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "daemon off;\nmaster_process off;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents { worker_connections 64; }\nhttp {\n access_log off;\n", prefix, prefix)
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, " %s_temp_path %s/%s;\n", d, prefix, d)
	}
	for _, s := range servers {
		fmt.Fprintf(&b, " server {\n  listen 127.0.0.1:%s ssl;\n  server_name localhost;\n  ssl_certificate %s;\n  ssl_certificate_key %s;\n  ssl_protocols TLSv1.2 TLSv1.3;\n  location / { return 302 /__login__; }\n }\n", s[0], s[1], s[2])
	}
	b.WriteString("}\n")
	conf := filepath.Join(prefix, "nginx.conf")
	os.WriteFile(conf, []byte(b.String()), 0o644)
	cmd := exec.Command(nginx, "-p", prefix, "-c", conf)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for _, s := range servers {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+s[0], time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
				t.Fatalf("nginx did not listen on %s: %s", s[0], log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestFrontDoorAgainstNginx runs the built binary against real nginx as
// the front door: a full chain passes; a leaf whose issuer URL (AIA) names
// an intermediate the server leaves out fails as a missing intermediate; a
// leaf signed straight by a private root this host does not trust, and a
// chain sent whole up to such a root, fail as an untrusted private CA
// (adding intermediates would not help); openssl s_client agrees on each.
func TestFrontDoorAgainstNginx(t *testing.T) {
	ca := probetest.NewCA(t, "nginx")
	dir := t.TempDir()
	rootPEM := ca.RootPEM(t, dir)
	goodCert, goodKey := probetest.WritePair(t, dir, "good", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"localhost", "127.0.0.1"}}))
	leafCert, leafKey := probetest.WritePair(t, dir, "leaf", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"localhost", "127.0.0.1"}, LeafOnly: true, AIA: []string{"http://ca.test/intermediate.crt"}}))
	private := probetest.NewCA(t, "private") // not in --ca-file
	privCert, privKey := probetest.WritePair(t, dir, "private", private.Leaf(t, probetest.LeafOpts{Hosts: []string{"localhost", "127.0.0.1"}, FromRoot: true}))
	fullCert, fullKey := probetest.WritePair(t, dir, "privatefull", private.Leaf(t, probetest.LeafOpts{Hosts: []string{"localhost", "127.0.0.1"}, SendRoot: true}))
	good, leafOnly, privRoot, privFull := freePort(t), freePort(t), freePort(t), freePort(t)
	startNginx(t, [][3]string{{good, goodCert, goodKey}, {leafOnly, leafCert, leafKey}, {privRoot, privCert, privKey}, {privFull, fullCert, fullKey}})
	bin := buildBinary(t)
	emptyRoot := t.TempDir()

	for _, c := range []struct {
		port, wantSev, wantFailure string
		wantExit                   int
		// what openssl s_client says (its verify error), and what our
		// finding must say
		opensslSays, detailSays string
	}{
		{good, "pass", "", 0, "", "posit-doctor test root nginx\" until"},
		{leafOnly, "fail", "tls-missing-intermediate", 2, "unable to get local issuer certificate", "http://ca.test/intermediate.crt"},
		{privRoot, "fail", "tls-untrusted-private-ca", 2, "unable to get local issuer certificate", `"posit-doctor test root private", a CA this host does not trust`},
		{privFull, "fail", "tls-untrusted-private-ca", 2, "certificate in certificate chain", "sends the whole chain up to that root"},
	} {
		u := "https://localhost:" + c.port + "/"
		cmd := exec.Command(bin, "run", "--root", emptyRoot, "--only", "frontdoor-tls", "--url", u, "--ca-file", rootPEM, "--format", "json", "--timeout", "3s")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NO_PROXY=*"} // no proxy from the environment
		out, _ := cmd.Output()
		code := cmd.ProcessState.ExitCode()
		var rep struct {
			Findings []struct {
				Severity, Title, Detail, Remediation string
				Data                                 map[string]any
			}
		}
		if err := json.Unmarshal(out, &rep); err != nil || len(rep.Findings) != 1 {
			t.Fatalf("%s: %v\n%s", u, err, out)
		}
		f := rep.Findings[0]
		got, _ := f.Data["failure"].(string)
		if f.Severity != c.wantSev || got != c.wantFailure || code != c.wantExit {
			t.Errorf("%s: %s %q failure %q exit %d; want %s %q exit %d", u, f.Severity, f.Title, got, code, c.wantSev, c.wantFailure, c.wantExit)
		}
		if c.wantSev == "pass" && !strings.Contains(f.Detail, "--ca-file") {
			t.Errorf("%s: the pass does not say an extra CA was used: %q", u, f.Detail)
		}
		if !strings.Contains(f.Detail, c.detailSays) {
			t.Errorf("%s: detail %q does not say %q", u, f.Detail, c.detailSays)
		}
		if c.wantFailure == "tls-untrusted-private-ca" && strings.Contains(strings.ToLower(f.Remediation), "add the intermediate") {
			t.Errorf("%s: a private root's fix tells the admin to add intermediates: %q", u, f.Remediation)
		}
		if _, err := exec.LookPath("openssl"); err == nil {
			s := exec.Command("openssl", "s_client", "-connect", "127.0.0.1:"+c.port, "-servername", "localhost",
				"-verify_hostname", "localhost", "-verify_return_error", "-CAfile", rootPEM, "-brief")
			s.Stdin = strings.NewReader("")
			sout, err := s.CombinedOutput()
			if (err == nil) != (c.wantSev == "pass") {
				t.Errorf("%s: openssl s_client verdict (ok=%v) disagrees with posit-doctor (%s)", u, err == nil, f.Severity)
			}
			if c.opensslSays != "" && !strings.Contains(string(sout), c.opensslSays) {
				t.Errorf("%s: openssl s_client does not say %q:\n%s", u, c.opensslSays, sout)
			}
		} else {
			t.Log("LOUD: openssl is not installed; the s_client comparison did not run")
		}
	}
}
