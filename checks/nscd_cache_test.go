package checks_test

import "testing"

func TestNscdCacheScenarios(t *testing.T) {
	scenarios(t, "nscd-cache", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "does not cache", "/etc/nscd.conf:6"},
		},
		"rhel-authselect-healthy": {
			{"pass", "not installed", ""},
		},
		"nscd-caching": {
			{"fail", "nscd caches passwd", "/etc/nscd.conf:2"},
			{"warn", "enable-cache group no", "/etc/nscd.conf"},
		},
		"nscd-stopped": {
			{"warn", "nscd caches group", "/etc/nscd.conf:2"},
		},
		"provisioning-off": {
			{"skip", "provisioning is off", ""},
		},
	})
}
