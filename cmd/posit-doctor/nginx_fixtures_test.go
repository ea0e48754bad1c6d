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
