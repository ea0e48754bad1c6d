package checks_test

import "testing"

func TestNsswitchPwbScenarios(t *testing.T) {
	scenarios(t, "nsswitch-pwb", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "/etc/nsswitch.conf", "/etc/nsswitch.conf:2"},
		},
		"rhel-authselect-healthy": {
			{"pass", "/etc/authselect/nsswitch.conf", "/etc/authselect/nsswitch.conf:6"},
			{"pass", "custom/pwb/nsswitch.conf", "/etc/authselect/custom/pwb/nsswitch.conf:2"},
			{"pass", "authselect selects custom/pwb", "/etc/authselect/authselect.conf:1"},
		},
		"nsswitch-broken": {
			{"fail", "pwb comes after sss on the passwd line", "/etc/nsswitch.conf:1"},
			{"fail", "pwb carries an action item on the group line", "/etc/nsswitch.conf:2"},
			{"fail", "pwb is missing from the shadow line", "/etc/nsswitch.conf:3"},
		},
		"rhel-authselect-broken": {
			{"fail", "custom/pwb profile is missing", "/etc/authselect/custom/pwb/nsswitch.conf"},
			{"fail", "does not select custom/pwb", "/etc/authselect/authselect.conf:1"},
		},
		"provisioning-off": {
			{"skip", "provisioning is off", ""},
		},
		"hostile": {
			{"error", "nsswitch.conf: symlink-loop", "/etc/nsswitch.conf"},
		},
	})
}
