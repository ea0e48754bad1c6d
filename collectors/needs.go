package collectors

// Need names a collector whose facts a check reads. A run collects only
// what some selected check needs, so `--only nsswitch-pwb` opens no log
// and sends nothing.
type Need string

const (
	NeedConnect      Need = "connect"      // Connect's gcfg, its backups, PAM/LDAP CA facts it names
	NeedWorkbench    Need = "workbench"    // rserver.conf, launcher.conf, logging.conf, database.conf, openid-client-secret
	NeedNSS          Need = "nss"          // nsswitch.conf and authselect
	NeedNscd         Need = "nscd"         // nscd binary, nscd.conf, running nscd
	NeedPAM          Need = "pam"          // /etc/pam.d
	NeedProvisioning Need = "provisioning" // mkhomedir, oddjob, home and skel
	NeedServices     Need = "services"     // systemctl states on a live root
	NeedProcesses    Need = "processes"    // the few processes checks read (nscd, oddjobd, product daemons)
	NeedLogs         Need = "logs"         // product log scans in the --since window
	NeedProbes       Need = "probes"       // network probes (only of the kinds in Check.Probes)
	NeedSAML         Need = "saml"         // SAML IdP metadata (files read; URLs only under ProbeSAMLMetadata), SP key file modes
	NeedWebServer    Need = "web-server"   // nginx and Apache configs in front of the products
)

// ProbeKind names a kind of network target. A target is contacted only when
// a selected check judges its kind, and never with --offline.
type ProbeKind string

const (
	ProbeFrontDoor    ProbeKind = "frontdoor"     // Connect Server.Address, Workbench external URL, --url
	ProbeIssuer       ProbeKind = "issuer"        // OpenID discovery and JWKS
	ProbeLDAP         ProbeKind = "ldap"          // LDAP/LDAPS/StartTLS reachability (never a bind)
	ProbeSAMLMetadata ProbeKind = "saml-metadata" // IdP metadata URLs
)
