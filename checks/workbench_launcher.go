package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

var workbenchLauncher = &Check{
	ID:    "workbench-launcher",
	Title: "rserver.conf and launcher.conf agree on the Launcher's address, port and cluster",
	Description: `With Launcher sessions, rserver talks to the Job Launcher at launcher-address and
launcher-port, and starts sessions on launcher-default-cluster. launcher.conf
must listen there ([server] address and port) and define that cluster ([cluster]
name). A mismatch shows up as "Connection refused" from ServerJobLauncher in
rserver.log and sessions that never start. The guide uses localhost.`,
	Rules: []Rule{
		{ID: "launcher-address-local", Level: "should", Text: "rserver.conf launcher-address=localhost matches launcher.conf [server] address=127.0.0.1.", Source: seed000 + `: "Use localhost as your launcher address"`},
		{ID: "launcher-address-remote", Level: "info", Text: "A launcher-address that is not localhost is supported when launcher.conf listens there (Launcher in another container, node or behind a load balancer).", Source: "Posit Workbench Admin Guide: Job Launcher configuration § Server configuration (launcher-address) (https://docs.posit.co/ide/server-pro/job_launcher/configuration.html)"},
		{ID: "launcher-port-match", Level: "must", Text: "launcher-port equals launcher.conf [server] port.", Source: seed000 + `: "launcher-port=5559"`},
		{ID: "launcher-cluster-match", Level: "must", Text: "launcher-default-cluster names a [cluster] in launcher.conf.", Source: seed000 + `: "launcher-default-cluster=Local"`},
		{ID: "launcher-use-ssl", Level: "should", Text: "rserver talks to a Launcher on another host over TLS (launcher-use-ssl=1).", Source: src(docHardeningSSL, "Use SSL for the Job Launcher", urlHardeningSSL)},
		{ID: "launcher-ssl-configured", Level: "must", Text: "launcher-use-ssl=1 needs launcher.conf [server] enable-ssl=1 with certificate-file and certificate-key-file.", Source: src(docHardeningSSL, "Use SSL for the Job Launcher", urlHardeningSSL)},
		{ID: "launcher-verify-ssl-certs", Level: "should", Text: "launcher-verify-ssl-certs=0 (no verification of the Launcher's certificate) is for testing only.", Source: src(docLauncherConfig, "Workbench configuration", urlLauncherConfig)},
		{ID: "launcher-cert-files", Level: "must", Text: "The Launcher's certificate-file parses and is in date (expired fails, under 30 days warns); its certificate-key-file exists with mode 0600 or stricter.", Source: src(docHardeningSSL, "Use SSL for the Job Launcher", urlHardeningSSL)},
		{ID: "launcher-callback-reachable", Level: "must", Text: "With a Kubernetes or Slurm cluster, launcher-sessions-callback-address is set to an address the sessions can reach: not localhost or 127.0.0.1.", Source: src(docLauncherConfig, "Workbench configuration", urlLauncherConfig)},
		{ID: "launcher-cluster-config", Level: "must", Text: "Each Kubernetes or Slurm cluster has its plugin config, /etc/rstudio/launcher.<type>.conf.", Source: src(docLauncherKube, "Configuration", urlLauncherKube)},
	},
	Docs:  []string{"https://docs.posit.co/job-launcher/"},
	Needs: []collectors.Need{collectors.NeedWorkbench},
	Run:   runWorkbenchLauncher,
}

// orLoopback names launcher.conf's listen address ("its default" when unset).
func orLoopback(la string) string {
	if la == "" {
		return "its default address"
	}
	return la
}

func runWorkbenchLauncher(c *Check, s *collectors.Snapshot) []Finding {
	w, stop := c.workbenchFeature(s, "launcher-sessions-enabled", "Launcher sessions are off")
	if stop != nil {
		return []Finding{*stop}
	}
	if f, bad := c.unreadable(s.File(collectors.LauncherConfPath)); bad {
		return []Finding{f}
	}
	if w.Launcher == nil {
		f := c.finding(Fail, collectors.LauncherConfPath+" is missing", "launcher-port-match")
		f.Detail = "Launcher sessions are on, but there is no launcher.conf to start the Launcher with."
		f.Remediation = "Create " + collectors.LauncherConfPath + " with [server] address, port and a [cluster]."
		return []Finding{f}
	}
	var issues []issue
	rs, lc := collectors.RServerConfPath, collectors.LauncherConfPath
	if e, ok := w.RServer.Get("launcher-address"); ok {
		a := strings.TrimSpace(e.Value)
		la := strings.TrimSpace(w.Launcher.Value("address"))
		if l, ok := w.Launcher.GetIn("server", "address"); ok {
			la = strings.TrimSpace(l.Value)
		}
		local := func(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }
		anyAddr := func(h string) bool { return h == "0.0.0.0" || h == "::" || h == "[::]" }
		switch {
		case !local(a) && (la == a || anyAddr(la)):
			// Both files agree on a Launcher reached over the network: its
			// own container, another node, or behind a load balancer. The
			// Launcher configuration page allows it ("localhost, assuming
			// you run the launcher side-by-side").
			listens := "listens on " + la
			if anyAddr(la) {
				listens = "listens on every interface (" + la + ")"
			}
			issues = append(issues, issue{sev: Info, rule: "launcher-address-remote", title: "rserver reaches the Launcher at " + a + ", not on localhost",
				detail: "launcher-address=" + a + " and launcher.conf " + listens + ": the Launcher runs in another container or host, or behind a load balancer, which Workbench supports. The address must resolve and be reachable from this host, and the port open between them.",
				fix:    "Nothing to change if that is the design; if the Launcher runs on this host, use launcher-address=localhost and address=127.0.0.1 as the guide does.", ev: kvEv(rs, e)})
		case !local(a):
			issues = append(issues, issue{sev: Warn, rule: "launcher-address-local", title: "launcher-address is " + a + ", but launcher.conf listens on " + orLoopback(la),
				detail: "rserver connects to " + a + ", while this host's launcher.conf has the Launcher listen on " + orLoopback(la) + ". If the Launcher runs here, rserver cannot reach it by that address; if it runs elsewhere, this launcher.conf is not its configuration.",
				fix:    "Use launcher-address=localhost for a Launcher on this host (the guide's setup), or make launcher.conf's [server] address the address rserver connects to.", ev: kvEv(rs, e)})
		case la != "" && !local(la) && !anyAddr(la):
			issues = append(issues, issue{sev: Warn, rule: "launcher-address-local", title: "the Launcher listens on " + la + ", but rserver connects to " + a,
				detail: "launcher.conf [server] address must be where rserver connects.", fix: "Set address=127.0.0.1 in launcher.conf's [server] section."})
		}
	}
	if e, ok := w.RServer.Get("launcher-port"); ok {
		if l, ok := w.Launcher.GetIn("server", "port"); !ok || strings.TrimSpace(l.Value) != strings.TrimSpace(e.Value) {
			got := "no port"
			if ok {
				got = "port " + strings.TrimSpace(l.Value)
			}
			issues = append(issues, issue{sev: Fail, rule: "launcher-port-match", title: fmt.Sprintf("launcher-port=%s but launcher.conf has %s", strings.TrimSpace(e.Value), got),
				detail: "rserver connects to a port the Launcher does not listen on: sessions fail with Connection refused.", fix: "Make launcher.conf's [server] port equal rserver.conf's launcher-port.", ev: kvEv(rs, e)})
		}
	}
	if e, ok := w.RServer.Get("launcher-default-cluster"); ok {
		want := strings.TrimSpace(e.Value)
		var names []string
		found := false
		for _, x := range w.Launcher.Entries {
			if x.Section == "cluster" && x.Key == "name" {
				names = append(names, x.Value)
				found = found || strings.TrimSpace(x.Value) == want
			}
		}
		if !found {
			issues = append(issues, issue{sev: Fail, rule: "launcher-cluster-match", title: "launcher-default-cluster=" + want + " is not a cluster in launcher.conf",
				detail: fmt.Sprintf("launcher.conf defines %s.", strings.Join(append([]string{"clusters:"}, names...), " ")), fix: "Name an existing [cluster] or add one named " + want + " in " + lc + ".", ev: kvEv(rs, e)})
		}
	}
	issues = append(issues, launcherTLSAndClusters(s, w)...)
	out := c.emit(issues, "rserver and the Launcher agree on address, port and cluster", "launcher-address, launcher-port and launcher-default-cluster match launcher.conf.",
		"launcher-port-match", "launcher-cluster-match", "launcher-address-local")
	return withLauncherCerts(out, w)
}

// withLauncherCerts puts a healthy Launcher certificate-file's certificates
// (data.certificates) on the check's first finding that carries none: a
// certificate that is fine today is still one seen, and the textfile's
// posit_doctor_cert_expiry_timestamp_seconds must have it so an alert can
// fire 30 days before it expires. (An unusable or expiring one already has
// its own finding with them.)
func withLauncherCerts(out []Finding, w *collectors.WorkbenchFacts) []Finding {
	cf := w.LauncherCert
	if cf == nil || cf.Error != "" || len(cf.Certs) == 0 {
		return out
	}
	for _, f := range out {
		if f.Data != nil && f.Data["certificates"] != nil {
			return out
		}
	}
	for i := range out {
		if out[i].Data == nil {
			out[i].Data = map[string]any{"certificates": certificatesData(cf.Path, cf.Certs)}
			return out
		}
	}
	return out
}
