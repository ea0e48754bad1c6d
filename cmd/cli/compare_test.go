package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/posit-doctor/posit-doctor/report/compare"
)

// nodeBundles materialises scenario once per node, lets edit change each
// node's root, and writes one bundle per node (as 'run --bundle' on that
// node would), returning their paths.
func nodeBundles(t *testing.T, scenario string, n int, edit func(i int, root string)) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for i := 0; i < n; i++ {
		root := filepath.Join(dir, fmt.Sprintf("root%d", i+1))
		copyTree(t, fixture(t, scenario), root)
		if edit != nil {
			edit(i, root)
		}
		b := filepath.Join(dir, fmt.Sprintf("node%d.tar.gz", i+1))
		r := run(t, false, nil, "run", "--root", root, "--offline", "--since", "all", "--bundle="+b)
		if _, err := os.Stat(b); err != nil {
			t.Fatalf("node %d: no bundle (exit %d): %s", i+1, r.code, r.stderr)
		}
		out = append(out, b)
	}
	return out
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func replaceIn(t *testing.T, p, re, repl string) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	out := regexp.MustCompile(re).ReplaceAll(data, []byte(repl))
	if string(out) == string(data) {
		t.Fatalf("%s: %q matched nothing", p, re)
	}
	writeFile(t, p, string(out))
}

func compareJSON(t *testing.T, bundles ...string) (compare.Result, result) {
	t.Helper()
	r := run(t, false, nil, append([]string{"compare", "--format", "json"}, bundles...)...)
	var res compare.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("compare json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return res, r
}

func TestCompareIdenticalNodes(t *testing.T) {
	bundles := nodeBundles(t, "ubuntu-healthy", 3, nil)
	r := run(t, false, nil, append([]string{"compare"}, bundles...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "No drift") {
		t.Errorf("identical nodes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	res, jr := compareJSON(t, bundles...)
	if jr.code != 0 || res.Schema != compare.Schema || len(res.Nodes) != 3 || len(res.Drift) != 0 || res.Nodes[0].Bundle != bundles[0] {
		t.Errorf("json: exit %d %+v", jr.code, res)
	}
	// Host names repeat (the nodes are copies): the nodes are named by
	// their bundle files, as Ansible names them by inventory host.
	if !strings.Contains(r.stdout, "node2  host posit-01") {
		t.Errorf("labels:\n%s", r.stdout)
	}
}

// TestCompareMustAgree: one node with another secure-cookie-key, or
// another OpenID issuer, is drift in what must agree (exit 2), named.
func TestCompareMustAgree(t *testing.T) {
	cases := []struct {
		name, key string
		edit      func(root string)
	}{
		{"secure-cookie-key", "secure-cookie-key CRC32", func(root string) {
			writeFile(t, root+"/etc/rstudio/secure-cookie-key", "5a1c0f7e-another-key-on-node-2\n")
		}},
		{"issuer", "auth-openid-issuer", func(root string) {
			replaceIn(t, root+"/etc/rstudio/rserver.conf", `auth-openid-issuer=.*`, "auth-openid-issuer=https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0")
		}},
		{"connect address", "Server.Address", func(root string) {
			replaceIn(t, root+"/etc/rstudio-connect/rstudio-connect.gcfg", `(?m)^Address = .*`, `Address = "https://connect-node2.example.com"`)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bundles := nodeBundles(t, "ubuntu-healthy", 3, func(i int, root string) {
				if i == 1 {
					c.edit(root)
				}
			})
			res, r := compareJSON(t, bundles...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\n%s", r.code, r.stdout)
			}
			found := false
			for _, d := range res.Drift {
				if d.Key == c.key && d.Severity == compare.Fail {
					found = true
					if d.Values["node1"] != d.Values["node3"] || d.Values["node1"] == d.Values["node2"] {
						t.Errorf("values %v", d.Values)
					}
					if !strings.Contains(d.Why, "https://docs.posit.co/") {
						t.Errorf("why cites no public document: %s", d.Why)
					}
				}
			}
			if !found {
				t.Errorf("no must-agree drift on %q:\n%s", c.key, r.stdout)
			}
			text := run(t, false, nil, append([]string{"compare"}, bundles...)...)
			if text.code != 2 || !strings.Contains(text.stdout, "[FAIL] ") || !strings.Contains(text.stdout, c.key) {
				t.Errorf("text: exit %d\n%s", text.code, text.stdout)
			}
		})
	}
}

// TestCompareShouldAgree: a setting outside the must-agree list is exit 1.
func TestCompareShouldAgree(t *testing.T) {
	bundles := nodeBundles(t, "ubuntu-healthy", 2, func(i int, root string) {
		if i == 1 {
			replaceIn(t, root+"/etc/rstudio/rserver.conf", `launcher-default-cluster=Local`, "launcher-default-cluster=Kubernetes")
			replaceIn(t, root+"/etc/rstudio/rserver.conf", `www-port=8787`, "www-port=8788") // per node by design
		}
	})
	res, r := compareJSON(t, bundles...)
	if r.code != 1 {
		t.Errorf("exit %d, want 1\n%s", r.code, r.stdout)
	}
	for _, d := range res.Drift {
		if d.Key == "www-port" {
			t.Errorf("www-port is documented to differ per node: %+v", d)
		}
	}
}

// TestCompareNoSecretLeaks: every node carries planted secrets, different
// per node; none appears in any format of compare's output, though the
// nodes' secrets differ.
func TestCompareNoSecretLeaks(t *testing.T) {
	secrets := plantedSecrets(t, "secrets-everywhere")
	bundles := nodeBundles(t, "secrets-everywhere", 3, func(i int, root string) {
		s := fmt.Sprintf("PlantedNode%dSecret%d%d%d", i+1, i, i, i)
		secrets = append(secrets, s, "PlantedCookieKey-"+s)
		replaceIn(t, root+"/etc/rstudio/openid-client-secret", `client-secret=.*`, `client-secret="`+s+`"`)
		writeFile(t, root+"/etc/rstudio/secure-cookie-key", "PlantedCookieKey-"+s+"\n")
		replaceIn(t, root+"/etc/rstudio-connect/rstudio-connect.gcfg", `ClientSecret = .*`, `ClientSecret = "`+s+`"`)
	})
	for _, format := range []string{"text", "json", "markdown"} {
		r := run(t, false, nil, append([]string{"compare", "--format", format}, bundles...)...)
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2 (the keys differ)", format, r.code)
		}
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("%s: planted secret %q leaked", format, s)
			}
		}
		if !strings.Contains(r.stdout, "crc32:") {
			t.Errorf("%s: the key fingerprint is missing:\n%s", format, r.stdout)
		}
	}
}

// TestCompareBadBundles: exit 3 with the reason for each bad bundle.
func TestCompareBadBundles(t *testing.T) {
	good := nodeBundles(t, "ubuntu-healthy", 1, nil)[0]
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.tar.gz")
	writeFile(t, garbage, "not an archive\n")
	data, _ := os.ReadFile(good)
	cut := filepath.Join(dir, "cut.tar.gz")
	writeFile(t, cut, string(data[:len(data)/2]))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{good}, "two or more bundles"},
		{[]string{good, garbage}, "garbage.tar.gz: not a tar.gz or zip archive"},
		{[]string{good, cut}, "cut.tar.gz: corrupt"},
		{[]string{good, filepath.Join(dir, "missing.tar.gz")}, "missing.tar.gz: no such file"},
		{[]string{good, dir}, "not a regular file"},
		{[]string{"--format", "yaml", good, good}, "unknown --format"},
	} {
		r := run(t, false, nil, append([]string{"compare"}, c.args...)...)
		if r.code != 3 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%v: exit %d stderr %q, want 3 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
