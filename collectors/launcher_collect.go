package collectors

import (
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// launcherAndBalancer reads what workbench-launcher and
// workbench-load-balancing judge beyond rserver.conf and launcher.conf: the
// load-balancer file, the Launcher's TLS certificate (dated; its key only
// stat'ed), and the plugin configs of the clusters launcher.conf defines.
func (j *job) launcherAndBalancer(w *WorkbenchFacts) {
	w.LoadBalancer = j.kv(LoadBalancerPath) // nil when absent; the file fact says which
	lc := w.Launcher
	if lc == nil {
		return
	}
	if e, ok := lc.GetIn("server", "certificate-file"); ok && strings.HasPrefix(strings.TrimSpace(e.Value), "/") {
		w.LauncherCert = j.certFile(strings.TrimSpace(e.Value))
	}
	if e, ok := lc.GetIn("server", "certificate-key-file"); ok && strings.HasPrefix(strings.TrimSpace(e.Value), "/") {
		j.stat(strings.TrimSpace(e.Value))
	}
	seen := map[string]bool{}
	for _, e := range lc.Entries {
		if e.Section != "cluster" || e.Key != "type" {
			continue
		}
		t := strings.ToLower(strings.TrimSpace(e.Value))
		if t == "" || t == "local" || strings.ContainsAny(t, "/.") || seen[t] {
			continue
		}
		seen[t] = true
		p := "/etc/rstudio/launcher." + t + ".conf"
		j.stat(p)
		w.ClusterConfigs = append(w.ClusterConfigs, p)
	}
}

// certFile reads a PEM certificate file and describes its certificates.
func (j *job) certFile(p string) *CertFileFact {
	cf := &CertFileFact{Path: p}
	data, f, err := j.read(p)
	if err != nil {
		cf.Error = "cannot read it: " + fileErr(f, err)
		return cf
	}
	certs, problem := pemCertificates(data)
	cf.Error = problem
	for _, c := range certs {
		cf.Certs = append(cf.Certs, probe.Info(c))
	}
	if len(cf.Certs) == 0 && cf.Error == "" {
		cf.Error = "no PEM CERTIFICATE block in it"
	}
	return cf
}

// LauncherKeyFile is launcher.conf's certificate-key-file, or "".
func LauncherKeyFile(s *Snapshot) string {
	if w := s.Workbench; w != nil && w.Launcher != nil {
		if e, ok := w.Launcher.GetIn("server", "certificate-key-file"); ok && strings.HasPrefix(strings.TrimSpace(e.Value), "/") {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}
