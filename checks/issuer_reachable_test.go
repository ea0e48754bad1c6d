package checks_test

import "testing"

func TestIssuerReachableScenarios(t *testing.T) {
	// No fixture host gives it anything worse than pass, info or skip
	// (its network probes are tested against loopback peers in cmd/cli).
	scenarios(t, "issuer-reachable", nil)
}
