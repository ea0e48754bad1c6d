package checks_test

import "testing"

func TestClockSkewScenarios(t *testing.T) {
	// No fixture host gives it anything worse than pass, info or skip
	// (its network probes are tested against loopback peers in cmd/cli).
	scenarios(t, "clock-skew", nil)
}
