package checks_test

import "testing"

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
