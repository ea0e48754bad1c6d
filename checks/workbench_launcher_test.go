package checks_test

import (
	"testing"

	"github.com/posit-doctor/posit-doctor/report"
)

func TestWorkbenchLauncherScenarios(t *testing.T) {
	scenarios(t, "workbench-launcher", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "rserver and the Launcher agree", ""},
		},
		"workbench-container": {
			{"info", "rserver reaches the Launcher at rstudio-launcher.posit.svc.cluster.local, not on localhost", "/etc/rstudio/rserver.conf:6"},
			{"info", "rserver talks to the Launcher at rstudio-launcher.posit.svc.cluster.local without TLS", "/etc/rstudio/rserver.conf:6"},
		},
		"workbench-launcher-broken": {
			{"warn", "the Launcher listens on 10.1.2.3, but rserver connects to localhost", ""},
			{"fail", "launcher-port=5559 but launcher.conf has port 5560", "/etc/rstudio/rserver.conf:7"},
			{"fail", "launcher-default-cluster=Local is not a cluster in launcher.conf", "/etc/rstudio/rserver.conf:10"},
			{"fail", "a Kubernetes cluster but /etc/rstudio/launcher.kubernetes.conf is missing", "/etc/rstudio/launcher.conf:8"},
		},
		"workbench-launcher-tls-healthy": {
			{"info", "rserver reaches the Launcher at launcher.company.com, not on localhost", "/etc/rstudio/rserver.conf:5"},
			{"pass", "rserver and the Launcher agree", ""},
		},
		"workbench-launcher-tls-broken": {
			{"info", "rserver reaches the Launcher at launcher.company.com, not on localhost", "/etc/rstudio/rserver.conf:5"},
			{"fail", "launcher-use-ssl=1 but launcher.conf lacks enable-ssl=1", "/etc/rstudio/rserver.conf:7"},
			{"warn", "launcher-verify-ssl-certs=0: the Launcher's certificate is not verified", "/etc/rstudio/rserver.conf:8"},
			{"warn", `the Launcher's certificate-file: the server certificate "launcher.company.com" expires in 11 days (2026-12-05)`, "/etc/rstudio/launcher.conf:6"},
			{"fail", "the Launcher's key /etc/rstudio/certs/launcher.key is not protected: mode 0644", "/etc/rstudio/launcher.conf:7"},
			{"fail", "a Slurm cluster but /etc/rstudio/launcher.slurm.conf is missing", "/etc/rstudio/launcher.conf:11"},
			{"fail", "launcher-sessions-callback-address=http://localhost:8787 cannot be reached from Slurm sessions", "/etc/rstudio/rserver.conf:9"},
		},
	})
}

// TestWorkbenchLauncherCertExported: the Launcher's certificate-file is a
// certificate seen whether it is healthy or expiring, so the textfile's
// posit_doctor_cert_expiry_timestamp_seconds has it on both hosts (before,
// only once it was already within the warning window).
func TestWorkbenchLauncherCertExported(t *testing.T) {
	for _, host := range []string{"workbench-launcher-tls-healthy", "workbench-launcher-tls-broken"} {
		var got []report.CertExpiry
		for _, c := range report.Certificates(findingsOn(t, host)) {
			if c.Check == "workbench-launcher" && c.Target == "/etc/rstudio/certs/launcher.crt" {
				got = append(got, c)
			}
		}
		if len(got) != 1 || got[0].NotAfter.IsZero() {
			t.Errorf("%s: Launcher certificate expiries %v, want one for /etc/rstudio/certs/launcher.crt", host, got)
		}
	}
}
