package checks

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

// The Launcher's TLS and its cluster plugins: part of workbench-launcher.

const (
	docHardeningSSL   = "Posit Workbench Admin Guide: Set Up SSL"
	urlHardeningSSL   = "https://docs.posit.co/ide/server-pro/hardening/set_up_ssl.html"
	docLauncherConfig = "Posit Workbench Admin Guide: Job Launcher configuration"
	urlLauncherConfig = "https://docs.posit.co/ide/server-pro/job_launcher/configuration.html"
	docLauncherKube   = "Posit Job Launcher Guide: Kubernetes Plugin"
	urlLauncherKube   = "https://docs.posit.co/job-launcher/latest/kube.html"
)

func isLoopbackHost(h string) bool {
	h = strings.Trim(strings.ToLower(h), "[]")
	return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
}

func launcherTLSAndClusters(s *collectors.Snapshot, w *collectors.WorkbenchFacts) []issue {
	rs, lc := collectors.RServerConfPath, collectors.LauncherConfPath
	var out []issue
	useSSL := w.RServer.Enabled("launcher-use-ssl")
	addr := strings.TrimSpace(w.RServer.Value("launcher-address"))
	if !useSSL && addr != "" && !isLoopbackHost(addr) {
		var ev []Evidence
		if e, ok := w.RServer.Get("launcher-address"); ok {
			ev = kvEv(rs, e)
		}
		// A Kubernetes service name keeps the traffic on the cluster's own
		// network (Posit's Helm layout): a recommendation, not a fault.
		sev := Warn
		if strings.HasSuffix(addr, ".svc.cluster.local") || strings.HasSuffix(addr, ".svc") {
			sev = Info
		}
		out = append(out, issue{sev: sev, rule: "launcher-use-ssl", title: "rserver talks to the Launcher at " + addr + " without TLS (launcher-use-ssl is not 1)",
			detail: "Job requests, including users' environment, cross the network in clear text.", fix: "Set launcher-use-ssl=1 in " + rs + " and enable-ssl=1 with certificate-file and certificate-key-file in " + lc + "'s [server] section.", ev: ev})
	}
	if useSSL {
		e, _ := w.RServer.Get("launcher-use-ssl")
		var missing []string
		if !w.Launcher.Enabled("enable-ssl") {
			if l, ok := w.Launcher.GetIn("server", "enable-ssl"); !ok || strings.TrimSpace(l.Value) != "1" {
				missing = append(missing, "enable-ssl=1")
			}
		}
		for _, k := range []string{"certificate-file", "certificate-key-file"} {
			if l, ok := w.Launcher.GetIn("server", k); !ok || strings.TrimSpace(l.Value) == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			out = append(out, issue{sev: Fail, rule: "launcher-ssl-configured", title: "launcher-use-ssl=1 but launcher.conf lacks " + strings.Join(missing, ", "),
				detail: "rserver speaks TLS to a Launcher that does not: sessions fail to start.", fix: "Add " + strings.Join(missing, ", ") + " to " + lc + "'s [server] section and restart rstudio-launcher.", ev: kvEv(rs, e)})
		}
	}
	if e, ok := w.RServer.Get("launcher-verify-ssl-certs"); ok && strings.TrimSpace(e.Value) == "0" {
		out = append(out, issue{sev: Warn, rule: "launcher-verify-ssl-certs", title: "launcher-verify-ssl-certs=0: the Launcher's certificate is not verified",
			detail: "rserver accepts any certificate from whatever answers at the Launcher's address.", fix: "Give the Launcher a certificate this host trusts and remove launcher-verify-ssl-certs=0.", ev: kvEv(rs, e)})
	}
	if cf := w.LauncherCert; cf != nil {
		ce, _ := w.Launcher.GetIn("server", "certificate-file")
		ev := kvEv(lc, ce)
		data := map[string]any{"certificates": certificatesData(cf.Path, cf.Certs)}
		if cf.Error != "" {
			out = append(out, issue{sev: Fail, rule: "launcher-cert-files", title: "the Launcher's certificate-file " + cf.Path + " is not usable", ev: ev,
				detail: cf.Path + ": " + cf.Error + ".", fix: "Put the Launcher's PEM certificate (with its chain) at " + cf.Path + "."})
		} else if sev, c, what := certVerdict(cf.Certs, s.CollectedAt); sev != Pass {
			out = append(out, issue{sev: sev, rule: "launcher-cert-files", title: "the Launcher's certificate-file: " + what, ev: ev, data: data,
				detail: cf.Path + ": " + what + ". rserver cannot reach an expired Launcher.", fix: certFix(cf.Certs, c, "rstudio-launcher")})
		}
	}
	if k := collectors.LauncherKeyFile(s); k != "" {
		ke, _ := w.Launcher.GetIn("server", "certificate-key-file")
		f := s.File(k)
		switch {
		case !f.Exists:
			out = append(out, issue{sev: Fail, rule: "launcher-cert-files", title: "the Launcher's certificate-key-file " + k + " does not exist", ev: kvEv(lc, ke),
				detail: "The Launcher cannot serve TLS without it.", fix: "Put the key at " + k + " (mode 0600) or correct certificate-key-file."})
		case f.Problem == nil && f.Perm&0o077 != 0:
			out = append(out, issue{sev: Fail, rule: "launcher-cert-files", title: fmt.Sprintf("the Launcher's key %s is not protected: mode %s", k, f.Mode()), ev: append(kvEv(lc, ke), Evidence{Path: k}),
				detail: "Other accounts can read the Launcher's private key.", fix: "sudo chmod 0600 " + k})
		}
	}
	// Clusters whose sessions run elsewhere.
	for _, x := range w.Launcher.Entries {
		if x.Section != "cluster" || x.Key != "type" {
			continue
		}
		t := strings.ToLower(strings.TrimSpace(x.Value))
		if t != "kubernetes" && t != "slurm" {
			continue
		}
		p := "/etc/rstudio/launcher." + t + ".conf"
		if f := s.File(p); !f.Exists {
			out = append(out, issue{sev: Fail, rule: "launcher-cluster-config", title: fmt.Sprintf("a %s cluster but %s is missing", strings.TrimSpace(x.Value), p), ev: kvEv(lc, x),
				detail: "The " + strings.TrimSpace(x.Value) + " plugin reads its settings (the cluster's API or commands) from " + p + "; without it the Launcher cannot start sessions there.",
				fix:    "Create " + p + " as the Job Launcher guide describes and restart rstudio-launcher."})
		}
		cb, ok := w.RServer.Get("launcher-sessions-callback-address")
		v := strings.TrimSpace(cb.Value)
		u, err := url.Parse(v)
		switch {
		case !ok || v == "":
			out = append(out, issue{sev: Fail, rule: "launcher-callback-reachable", title: "a " + strings.TrimSpace(x.Value) + " cluster but launcher-sessions-callback-address is not set", ev: kvEv(lc, x),
				detail: "Sessions on the cluster call Workbench back at this address; without it they cannot.", fix: "Set launcher-sessions-callback-address to Workbench's address as the cluster's nodes or pods reach it (for Kubernetes, the service's cluster DNS name)."})
		case err == nil && isLoopbackHost(u.Hostname()):
			out = append(out, issue{sev: Fail, rule: "launcher-callback-reachable", title: "launcher-sessions-callback-address=" + v + " cannot be reached from " + strings.TrimSpace(x.Value) + " sessions", ev: kvEv(rs, cb),
				detail: "Sessions run in pods or on cluster nodes, where " + u.Hostname() + " is the session's own machine, not Workbench: the session starts and never connects back.",
				fix:    "Use an address of Workbench that the sessions can reach (for Kubernetes, e.g. http://<service>.<namespace>.svc.cluster.local:<port>)."})
		}
	}
	return out
}
