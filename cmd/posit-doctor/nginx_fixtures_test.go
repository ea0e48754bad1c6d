package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// hostPath matches the absolute host paths an nginx config names.
var hostPath = regexp.MustCompile(`(^|[\s"'])(/(?:etc|run|var)/)`)

// TestNginxFixturesPassNginxT: every fixture host's nginx configuration is
// one Debian's real nginx accepts. The fixture is built, its absolute paths
// (/etc, /run, /var) are pointed into the built root, the certificate and
// key it names are made, and 'nginx -t -p ROOT -c ROOT/etc/nginx/nginx.conf'
// must say the syntax is ok and the test successful. The checks then read
// exactly the files nginx accepted (checks/reverse_proxy_test.go).
func TestNginxFixturesPassNginxT(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr == nil {
			nginx = "/usr/sbin/nginx"
		} else {
			t.Skip("SKIPPED: nginx is not installed; 'make test' installs Debian's nginx when run as root")
		}
	}
	const hosts = "../../testdata/hosts"
	entries, err := os.ReadDir(hosts)
	if err != nil {
		t.Fatal(err)
	}
	ca := probetest.NewCA(t, "nginx-t")
	pair := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"posit.example.com"}})
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(hosts, e.Name(), "etc/nginx/nginx.conf")); err != nil {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "root")
			if _, err := hostfixture.Build(hosts, e.Name(), root); err != nil {
				t.Fatal(err)
			}
			filepath.WalkDir(filepath.Join(root, "etc/nginx"), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, _ := os.ReadFile(p)
				os.WriteFile(p, []byte(hostPath.ReplaceAllString(string(data), "${1}"+root+"${2}")), 0o644)
				return nil
			})
			for _, d := range []string{"run", "var/log/nginx", "var/lib/nginx", "etc/ssl/certs", "etc/ssl/private"} {
				os.MkdirAll(filepath.Join(root, d), 0o755)
			}
			cert, key := probetest.WritePair(t, t.TempDir(), "proxy", pair)
			for from, to := range map[string]string{cert: "etc/ssl/certs/proxy.pem", key: "etc/ssl/private/proxy.key"} {
				data, _ := os.ReadFile(from)
				os.WriteFile(filepath.Join(root, to), data, 0o600)
			}
			os.WriteFile(filepath.Join(root, "etc/nginx/htpasswd"), []byte("alice:$apr1$x$y\n"), 0o644)
			out, err := exec.Command(nginx, "-t", "-p", root+"/", "-c", filepath.Join(root, "etc/nginx/nginx.conf"), "-g", "error_log "+root+"/var/log/nginx/t.log;").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "syntax is ok") || !strings.Contains(string(out), "test is successful") {
				t.Errorf("nginx -t rejects the fixture %s: %v\n%s", e.Name(), err, out)
			}
		})
	}
	if n < 4 {
		t.Errorf("only %d fixture hosts with an nginx.conf: the fixtures were not found", n)
	}
}

// TestApacheFixturesPassConfigtest: every fixture host's Apache httpd
// configuration (Debian layout) is one Debian's apache2 accepts: built, its
// /etc paths pointed into the root, a certificate and key made, then
// 'apache2 -t -d ROOT/etc/apache2 -f ROOT/etc/apache2/apache2.conf' must say
// Syntax OK.
func TestApacheFixturesPassConfigtest(t *testing.T) {
	apache, err := exec.LookPath("apache2")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/apache2"); serr == nil {
			apache = "/usr/sbin/apache2"
		} else {
			t.Skip("SKIPPED: apache2 is not installed; 'make test' installs Debian's apache2 when run as root")
		}
	}
	const hosts = "../../testdata/hosts"
	entries, err := os.ReadDir(hosts)
	if err != nil {
		t.Fatal(err)
	}
	ca := probetest.NewCA(t, "apache-t")
	pair := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"posit.example.com"}})
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(hosts, e.Name(), "etc/apache2/apache2.conf")); err != nil {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "root")
			if _, err := hostfixture.Build(hosts, e.Name(), root); err != nil {
				t.Fatal(err)
			}
			etcPath := regexp.MustCompile(`(^|[\s"'])(/etc/)`)
			filepath.WalkDir(filepath.Join(root, "etc/apache2"), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, _ := os.ReadFile(p)
				os.WriteFile(p, []byte(etcPath.ReplaceAllString(string(data), "${1}"+root+"${2}")), 0o644)
				return nil
			})
			for _, d := range []string{"run", "log", "etc/ssl/certs", "etc/ssl/private"} {
				os.MkdirAll(filepath.Join(root, d), 0o755)
			}
			cert, key := probetest.WritePair(t, t.TempDir(), "proxy", pair)
			for from, to := range map[string]string{cert: "etc/ssl/certs/proxy.pem", key: "etc/ssl/private/proxy.key"} {
				data, _ := os.ReadFile(from)
				os.WriteFile(filepath.Join(root, to), data, 0o600)
			}
			cmd := exec.Command(apache, "-t", "-d", filepath.Join(root, "etc/apache2"), "-f", filepath.Join(root, "etc/apache2/apache2.conf"))
			cmd.Env = append(os.Environ(), "APACHE_RUN_DIR="+root+"/run", "APACHE_PID_FILE="+root+"/run/apache2.pid",
				"APACHE_RUN_USER=www-data", "APACHE_RUN_GROUP=www-data", "APACHE_LOG_DIR="+root+"/log")
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Syntax OK") {
				t.Errorf("apache2 -t rejects the fixture %s: %v\n%s", e.Name(), err, out)
			}
		})
	}
	if n < 2 {
		t.Errorf("only %d fixture hosts with an apache2.conf: the fixtures were not found", n)
	}
}
