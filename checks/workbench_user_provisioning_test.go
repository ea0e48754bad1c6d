package checks_test

import "testing"

func TestWorkbenchUserProvisioningScenarios(t *testing.T) {
	scenarios(t, "workbench-user-provisioning", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "Workbench user provisioning has what it needs", ""},
		},
		"rhel-authselect-broken": {
			{"fail", "authselect's with-mkhomedir is not enabled", ""},
			{"fail", "oddjob-mkhomedir is not installed", ""},
			{"fail", "oddjobd is not running", ""},
		},
		"workbench-provisioning-broken": {
			{"warn", "user-provisioning-register-on-first-login is not 1", ""},
			{"fail", "auth-pam-sessions-enabled is not 1", ""},
			{"fail", "/etc/pam.d/common-session has no pam_mkhomedir", ""},
			{"fail", "user-provisioning-start-uid=500 is below 1000", "/etc/rstudio/rserver.conf:4"},
			{"warn", "local accounts use UIDs in the provisioning range (from 500)", ""},
			{"warn", "/etc/rstudio/workbench-nss.conf is missing", ""},
			{"warn", "/srv/home does not exist", ""},
		},
		"workbench-lb-broken": {
			{"warn", "/etc/rstudio/workbench-nss.conf is missing", ""},
		},
	})
}
