package checks_test

import "testing"

func TestIssuerReachableScenarios(t *testing.T) {
	// Collected offline as `make run` does; the probes are tested against
	// loopback peers in cmd/cli.
	scenarios(t, "issuer-reachable", map[string][]expect{
		"hostile": {
			{"error", "could not read /etc/rstudio-connect/rstudio-connect.gcfg: too-large", "/etc/rstudio-connect/rstudio-connect.gcfg"},
		},
	})
}
