package checks_test

import "testing"

func TestWorkbenchLoadBalancingScenarios(t *testing.T) {
	scenarios(t, "workbench-load-balancing", map[string][]expect{
		"workbench-lb-healthy": {
			{"pass", "the load-balanced node has a shared key, PostgreSQL and shared storage", ""},
			{"info", "what this node must share with the others: secure-cookie-key CRC32", "/etc/rstudio/load-balancer"},
		},
		"workbench-lb-broken": {
			{"fail", "load balanced with only the per-node default /var/lib/rstudio-server/secure-cookie-key", "/etc/rstudio/load-balancer"},
			{"fail", "load balanced with provider=sqlite, not PostgreSQL", "/etc/rstudio/database.conf:1"},
			{"fail", "load balanced without server-shared-storage-path", "/etc/rstudio/load-balancer"},
			{"fail", "user provisioning on a load-balanced node without /etc/rstudio/workbench-nss.conf", "/etc/rstudio/workbench-nss.conf"},
			{"info", "what this node must share with the others", ""},
		},
	})
}
