package checks_test

import "testing"

func TestConnectPAMScenarios(t *testing.T) {
	scenarios(t, "connect-pam", map[string][]expect{
		"connect-pam-rhel": {
			{"fail", "/etc/pam.d/rstudio-connect is missing (Red Hat family)", ""},
			{"fail", "PAM.AuthenticatedSessionService su has no /etc/pam.d/su", "/etc/rstudio-connect/rstudio-connect.gcfg:8"},
			{"fail", "PAM.AuthenticatedSessionService lacks PAM.UseSession = true, PAM.ForwardPassword = true, Applications.RunAsCurrentUser = true", "/etc/rstudio-connect/rstudio-connect.gcfg:8"},
		},
		"connect-pam-service-missing": {
			{"fail", "PAM.AuthenticatedSessionService rstudio-connect-krb has no /etc/pam.d/rstudio-connect-krb", "/etc/rstudio-connect/rstudio-connect.gcfg:10"},
			{"info", "no /etc/pam.d/rstudio-connect: PAM uses the 'other' service", ""},
		},
		"connect-pam-debian": {
			{"info", "no /etc/pam.d/rstudio-connect: PAM uses the 'other' service", ""},
			{"pass", "Connect's PAM service rstudio-connect is in place", ""},
		},
	})
}
