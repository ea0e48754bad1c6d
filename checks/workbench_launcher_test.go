package checks_test

import "testing"

func TestWorkbenchLauncherScenarios(t *testing.T) {
	scenarios(t, "workbench-launcher", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "rserver and the Launcher agree", ""},
		},
		"workbench-container": {
			{"info", "rserver reaches the Launcher at rstudio-launcher.posit.svc.cluster.local, not on localhost", "/etc/rstudio/rserver.conf:6"},
		},
		"workbench-launcher-broken": {
			{"warn", "the Launcher listens on 10.1.2.3, but rserver connects to localhost", ""},
			{"fail", "launcher-port=5559 but launcher.conf has port 5560", "/etc/rstudio/rserver.conf:7"},
			{"fail", "launcher-default-cluster=Local is not a cluster in launcher.conf", "/etc/rstudio/rserver.conf:10"},
		},
	})
}
