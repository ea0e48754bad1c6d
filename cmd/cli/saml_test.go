package cli

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// samlIdP serves IdP metadata on a loopback TLS peer named saml.test:
// /good (signing certificate valid 90 days), /expired, /soon (expires in
// 10 days), /missing (404) and /html (a sign-in page, not XML).
func samlIdP(t *testing.T, ca *probetest.CA, now time.Time) string {
	var base string
	cert := func(o probetest.LeafOpts) string {
		o.Hosts = []string{"idp signing"}
		return base64.StdEncoding.EncodeToString(ca.Leaf(t, o).Leaf.Raw)
	}
	good := cert(probetest.LeafOpts{})
	expired := cert(probetest.LeafOpts{NotBefore: now.Add(-400 * 24 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})
	soon := cert(probetest.LeafOpts{NotAfter: now.Add(10*24*time.Hour + time.Hour)})
	doc := func(c string) string {
		return fmt.Sprintf(`<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s/entity"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`, base, c, base)
	}
	mux := http.NewServeMux()
	for path, c := range map[string]*string{"/good": &good, "/expired": &expired, "/soon": &soon} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/samlmetadata+xml")
			fmt.Fprint(w, doc(*c))
		})
	}
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>Sign in to continue</body></html>")
	})
	s := probetest.Server(t, ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"saml.test"}}), mux, 0, 0)
	base = "https://saml.test:" + portOf(s.Listener.Addr().String())
	return base
}

// samlHost writes a Connect (Provider = saml) and Workbench (auth-saml=1)
// host whose metadata URLs are the given ones.
func samlHost(t *testing.T, connectMeta, wbMeta string) string {
	root := t.TempDir()
	files := map[string]string{
		"etc/rstudio-connect/rstudio-connect.gcfg": fmt.Sprintf("[Server]\nAddress = https://connect.company.com\n[Authentication]\nProvider = saml\n[SAML]\nIdPMetaDataURL = %s\nIdPAttributeProfile = default\n", connectMeta),
		"etc/rstudio/rserver.conf":                 fmt.Sprintf("auth-saml=1\nauth-saml-metadata-url=%s\nauth-saml-sp-name-id-format=persistent\n", wbMeta),
		"etc/hostname":                             "saml-01\n",
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

// TestSAMLMetadataProbes: the metadata each product names is fetched from
// a real TLS peer and judged: a good document passes, an expired signing
// certificate fails, one expiring in 10 days warns, http:// fails without a
// request, a 404 and an HTML page fail with their own diagnosis.
func TestSAMLMetadataProbes(t *testing.T) {
	ca := probetest.NewCA(t, "saml")
	now := time.Now().UTC()
	idp := samlIdP(t, ca, now)
	cases := []struct {
		name, connect, wb string
		want              [][3]string
		code              int
	}{
		{"good", idp + "/good", idp + "/good", [][3]string{
			{"connect-saml", "pass", "SAML.IdPMetaDataURL: IdP metadata for " + idp + "/entity is usable"},
			{"workbench-saml", "pass", "auth-saml-metadata-url: IdP metadata for " + idp + "/entity is usable"},
		}, 0},
		{"expired and soon", idp + "/expired", idp + "/soon", [][3]string{
			{"connect-saml", "fail", `the IdP signing certificate "idp signing" expired on`},
			{"workbench-saml", "warn", `the IdP signing certificate "idp signing" expires in 10 days`},
		}, 2},
		{"http and 404", "http://saml.test/good", idp + "/missing", [][3]string{
			{"connect-saml", "fail", "SAML.IdPMetaDataURL is not an https:// URL"},
			{"workbench-saml", "fail", "auth-saml-metadata-url: the IdP metadata could not be fetched (http-status)"},
		}, 2},
		{"not XML", idp + "/html", idp + "/html", [][3]string{
			{"connect-saml", "fail", "SAML.IdPMetaDataURL: " + idp + "/html is not IdP metadata (not-metadata)"},
			{"workbench-saml", "fail", "auth-saml-metadata-url: " + idp + "/html is not IdP metadata (not-metadata)"},
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := samlHost(t, tc.connect, tc.wb)
			r := invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", "connect-saml,workbench-saml", "--format", "json", "--timeout", "3s")
			rep := findings(t, r.stdout)
			for _, w := range tc.want {
				if !rep.find(w[0], w[1], w[2]) {
					t.Errorf("missing %v\n%s", w, r.stdout)
				}
			}
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tc.code, r.stdout)
			}
			// Every signing certificate seen is published for the expiry metric.
			if tc.name == "good" && !strings.Contains(r.stdout, `"target": "`+idp+`/good signing certificate"`) {
				t.Errorf("data.certificates lacks the signing certificate's target\n%s", r.stdout)
			}
		})
	}
}

// TestSAMLProbeOnlyWhenSelected: a run that selects no SAML check sends
// nothing to the metadata URL (and --only connect-saml sends nothing to the
// front door).
func TestSAMLProbeOnlyWhenSelected(t *testing.T) {
	ca := probetest.NewCA(t, "saml")
	now := time.Now().UTC()
	var n atomic.Int64
	hits := func() int { return int(n.Load()) }
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { n.Add(1); http.NotFound(w, r) })
	s := probetest.Server(t, ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"saml.test", "connect.test"}}), mux, 0, 0)
	base := "https://saml.test:" + portOf(s.Listener.Addr().String())
	root := samlHost(t, base+"/metadata", base+"/metadata")
	gcfg := filepath.Join(root, "etc/rstudio-connect/rstudio-connect.gcfg")
	data, _ := os.ReadFile(gcfg)
	os.WriteFile(gcfg, []byte(strings.Replace(string(data), "https://connect.company.com", "https://connect.test:"+portOf(s.Listener.Addr().String()), 1)), 0o600)
	invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", "frontdoor-tls", "--format", "json", "--timeout", "3s")
	front := hits()
	if front == 0 {
		t.Fatal("frontdoor-tls made no request: the test peer is not reached")
	}
	invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--skip", "connect-saml,workbench-saml,frontdoor-tls,issuer-reachable,clock-skew", "--format", "json", "--timeout", "3s")
	if hits() != front {
		t.Errorf("%d requests with no SAML or front-door check selected, want none", hits()-front)
	}
	invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", "connect-saml", "--format", "json", "--timeout", "3s")
	if got := hits() - front; got != 2 {
		t.Errorf("--only connect-saml made %d requests, want 2 (the two metadata URLs, not the front door)", got)
	}
}

// TestKeyFilesNeverCopied: the SAML SP key files and the Launcher's TLS key
// are judged by their mode only; the bundle lists them as left out, never
// as members.
func TestKeyFilesNeverCopied(t *testing.T) {
	for scenario, key := range map[string]string{"connect-saml-healthy": "saml-sp.key", "workbench-saml-broken": "saml-sp.key", "workbench-launcher-tls-broken": "launcher.key"} {
		root := fixture(t, scenario)
		dir := t.TempDir()
		r := run(t, false, nil, "run", "--root", root, "--bundle="+dir)
		matches, _ := filepath.Glob(filepath.Join(dir, "posit-doctor-*.tar.gz"))
		if len(matches) != 1 {
			t.Fatalf("%s: bundle files %v\n%s", scenario, matches, r.stderr)
		}
		data, _ := os.ReadFile(matches[0])
		ms := members(t, data)
		manifest := ""
		for name, content := range ms {
			if strings.HasSuffix(name, key) || strings.Contains(content, "posit-doctor only looks at this file's mode") {
				t.Errorf("%s: the key reached the bundle as %s", scenario, name)
			}
			if strings.HasSuffix(name, "/manifest.json") {
				manifest = content
			}
		}
		if !strings.Contains(manifest, key) || !strings.Contains(manifest, "key material") {
			t.Errorf("%s: the manifest does not list %s as left out:\n%s", scenario, key, manifest)
		}
	}
}
