package checks_test

import (
	"testing"

	"github.com/posit-doctor/posit-doctor/report"
)

func TestConnectLDAPScenarios(t *testing.T) {
	scenarios(t, "connect-ldap", map[string][]expect{
		"connect-ldap-healthy": {
			{"pass", "1 LDAP section is complete and consistent", ""},
		},
		"connect-ldap-broken": {
			{"fail", "an [LDAP] section has no name", "/etc/rstudio-connect/rstudio-connect.gcfg:7"},
			{"warn", "[LDAP \"Corp AD\"] appears more than once", "/etc/rstudio-connect/rstudio-connect.gcfg:24"},
			{"fail", "[LDAP \"Corp AD\"] UserFilterBase is not a well-formed LDAP filter", "/etc/rstudio-connect/rstudio-connect.gcfg:21"},
			{"fail", "[LDAP \"Corp AD\"] ServerAddress has no port", "/etc/rstudio-connect/rstudio-connect.gcfg:11"},
			{"fail", "[LDAP \"Corp AD\"] sets both TLS and StartTLS", "/etc/rstudio-connect/rstudio-connect.gcfg:13"},
			{"warn", "[LDAP \"Corp AD\"] ServerTLSInsecure = true", "/etc/rstudio-connect/rstudio-connect.gcfg:14"},
			{"fail", "[LDAP \"Corp AD\"] TLSCACertificate is not a usable PEM CA file", "/etc/rstudio-connect/rstudio-connect.gcfg:15"},
			{"warn", "[LDAP \"Corp AD\"] UniqueIdAttribute is the DN", ""},
			{"fail", "[LDAP \"Corp AD\"] has BindDN but no BindPassword", "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"fail", "[LDAP \"Corp AD\"] BindDN lost a backslash to gcfg escaping", "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"warn", "[LDAP \"Corp AD\"] UsernameAttribute = samaccountname is not in canonical case", "/etc/rstudio-connect/rstudio-connect.gcfg:18"},
			{"fail", "[LDAP \"Corp AD\"] WhitelistedLoginGroup is not a group DN", "/etc/rstudio-connect/rstudio-connect.gcfg:22"},
			{"warn", "[LDAP \"Open\"] port 636 with TLS = false", "/etc/rstudio-connect/rstudio-connect.gcfg:28"},
			{"warn", "[LDAP \"Open\"] uses neither TLS nor StartTLS: bind passwords cross the network in clear text", "/etc/rstudio-connect/rstudio-connect.gcfg:28"},
			{"warn", "[LDAP \"Open\"] UniqueIdAttribute is the DN", "/etc/rstudio-connect/rstudio-connect.gcfg:33"},
			{"warn", "[LDAP \"Open\"] BindPassword is cut at an unquoted ; or #", "/etc/rstudio-connect/rstudio-connect.gcfg:30"},
			{"warn", "[LDAP \"Open\"] UserSearchBaseDN contains '/'", "/etc/rstudio-connect/rstudio-connect.gcfg:31"},
		},
	})
}

// TestConnectLDAPCACertExported: the TLSCACertificate bundle's CA is a
// certificate seen, offline too, so the textfile's
// posit_doctor_cert_expiry_timestamp_seconds has it (before, only the
// servers' chains from a live probe were exported).
func TestConnectLDAPCACertExported(t *testing.T) {
	var got []report.CertExpiry
	for _, c := range report.Certificates(findingsOn(t, "connect-ldap-healthy")) {
		if c.Check == "connect-ldap" && c.Target == "/etc/rstudio-connect/corp-ca.pem" {
			got = append(got, c)
		}
	}
	if len(got) != 1 || got[0].NotAfter.IsZero() {
		t.Errorf("LDAP CA expiries %v, want one for /etc/rstudio-connect/corp-ca.pem", got)
	}
}
