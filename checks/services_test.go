package checks_test

import "testing"

func TestServicesScenarios(t *testing.T) {
	scenarios(t, "services", map[string][]expect{
		"ubuntu-healthy": {
			{"skip", "only on the live host", ""},
		},
	})
}
