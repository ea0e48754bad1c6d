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
	nginx := debianServer(t, "nginx")
	eachServerFixture(t, serverFixture{
		ca:      "nginx-t",
		conf:    "etc/nginx/nginx.conf",
		paths:   hostPath,
		dirs:    []string{"run", "var/log/nginx", "var/lib/nginx", "etc/ssl/certs", "etc/ssl/private"},
		atLeast: 4,
	}, func(t *testing.T, name, root string) {
		os.WriteFile(filepath.Join(root, "etc/nginx/htpasswd"), []byte("alice:$apr1$x$y\n"), 0o644)
		out, err := exec.Command(nginx, "-t", "-p", root+"/", "-c", filepath.Join(root, "etc/nginx/nginx.conf"), "-g", "error_log "+root+"/var/log/nginx/t.log;").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "syntax is ok") || !strings.Contains(string(out), "test is successful") {
			t.Errorf("nginx -t rejects the fixture %s: %v\n%s", name, err, out)
		}
	})
}

// TestApacheFixturesPassConfigtest: every fixture host's Apache httpd
// configuration (Debian layout) is one Debian's apache2 accepts: built, its
// /etc paths pointed into the root, a certificate and key made, then
// 'apache2 -t -d ROOT/etc/apache2 -f ROOT/etc/apache2/apache2.conf' must say
// Syntax OK.
func TestApacheFixturesPassConfigtest(t *testing.T) {
	apache := debianServer(t, "apache2")
	eachServerFixture(t, serverFixture{
		ca:      "apache-t",
		conf:    "etc/apache2/apache2.conf",
		paths:   regexp.MustCompile(`(^|[\s"'])(/etc/)`),
		dirs:    []string{"run", "log", "etc/ssl/certs", "etc/ssl/private"},
		atLeast: 2,
	}, func(t *testing.T, name, root string) {
		cmd := exec.Command(apache, "-t", "-d", filepath.Join(root, "etc/apache2"), "-f", filepath.Join(root, "etc/apache2/apache2.conf"))
		cmd.Env = append(os.Environ(), "APACHE_RUN_DIR="+root+"/run", "APACHE_PID_FILE="+root+"/run/apache2.pid",
			"APACHE_RUN_USER=www-data", "APACHE_RUN_GROUP=www-data", "APACHE_LOG_DIR="+root+"/log")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Syntax OK") {
			t.Errorf("apache2 -t rejects the fixture %s: %v\n%s", name, err, out)
		}
	})
}

// debianServer is the path of Debian's web server binary name (on PATH or
// in /usr/sbin); the test is skipped, saying so, when it is not installed.
func debianServer(t *testing.T, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/" + name); serr == nil {
			bin = "/usr/sbin/" + name
		} else {
			t.Skip("SKIPPED: " + name + " is not installed; 'make test' installs Debian's " + name + " when run as root")
		}
	}
	return bin
}

// serverFixture says which fixture hosts a web server's config test takes
// and how their built roots are prepared for it.
type serverFixture struct {
	ca      string         // name of the test CA the proxy certificate comes from
	conf    string         // the server's main config, relative to the root; hosts without it are not this server's
	paths   *regexp.Regexp // absolute host paths in the config directory, pointed into the built root
	dirs    []string       // directories the server needs in the root
	atLeast int            // fewer such hosts means the fixtures were not found
}

// eachServerFixture builds, in a subtest, every fixture host that has
// sf.conf: the config directory's absolute paths pointed into the root, the
// directories made, the proxy certificate and key written where the
// fixtures name them; then runs test on the root.
func eachServerFixture(t *testing.T, sf serverFixture, test func(t *testing.T, name, root string)) {
	t.Helper()
	const hosts = "../../testdata/hosts"
	entries, err := os.ReadDir(hosts)
	if err != nil {
		t.Fatal(err)
	}
	ca := probetest.NewCA(t, sf.ca)
	pair := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"posit.example.com"}})
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(hosts, e.Name(), sf.conf)); err != nil {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "root")
			if _, err := hostfixture.Build(hosts, e.Name(), root); err != nil {
				t.Fatal(err)
			}
			filepath.WalkDir(filepath.Join(root, filepath.Dir(sf.conf)), func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, _ := os.ReadFile(p)
				os.WriteFile(p, []byte(sf.paths.ReplaceAllString(string(data), "${1}"+root+"${2}")), 0o644)
				return nil
			})
			for _, d := range sf.dirs {
				os.MkdirAll(filepath.Join(root, d), 0o755)
			}
			cert, key := probetest.WritePair(t, t.TempDir(), "proxy", pair)
			for from, to := range map[string]string{cert: "etc/ssl/certs/proxy.pem", key: "etc/ssl/private/proxy.key"} {
				data, _ := os.ReadFile(from)
				os.WriteFile(filepath.Join(root, to), data, 0o600)
			}
			test(t, e.Name(), root)
		})
	}
	if n < sf.atLeast {
		t.Errorf("only %d fixture hosts with an %s: the fixtures were not found", n, filepath.Base(sf.conf))
	}
}
