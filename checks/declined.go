package checks

// Declined lists the host-checkable rules of rules/seeds.md that no
// check enforces, each with the reason. Together with the rules the checks
// cite, it covers every row of the inventory (TestRulesInventory).
var Declined = []struct{ ID, Reason string }{
	{"log-group-ownership-warning", "no verbatim Connect log line was found (the project's real-log research); a signature would be invented"},
	{"log-ldap-dn-changed", "no verbatim Connect log line was found; a signature would be invented"},
	{"log-ldap-uniqueid-changed", "no verbatim Connect log line was found; a signature would be invented"},
	{"log-invalid-role-values", "logged only with debug logging, and no verbatim line was found"},
	{"connect-session-server-side", "the documents do not name the setting that stores sessions on the client"},
	{"ldap-single-bind-dn-username", "needs an LDAP search or bind as a user; posit-doctor never sends credentials"},
	{"ldap-anonymous-bind-permitted", "needs an anonymous LDAP search of the directory; out of a read-only host diagnostic's scope"},
	{"ldap-user-entries-complete", "needs LDAP searches of user entries with the bind credentials"},
	{"proxy-deny-anonymous", "needs the proxy's own config (nginx/Apache parsing): a future reverse-proxy check"},
	{"proxy-pass-deploy-headers", "needs the proxy's own config: a future reverse-proxy check"},
	{"proxy-rsconnect-min-version", "needs scanning R libraries for rsconnect's DESCRIPTION: out of scope for sign-in diagnosis"},
	{"proxy-duplicate-auth-headers", "Connect's message is a generic authentication failure with no verbatim text to match"},
	{"svc-restart-after-config-change", "needs the unit's start time from systemd; to come with the services check's live enrichment"},
	{"rproxy-websocket-upgrade", "needs nginx/Apache config parsing: a future reverse-proxy check"},
	{"rproxy-buffering-off", "needs nginx config parsing: a future reverse-proxy check"},
	{"rproxy-forward-headers", "needs nginx/Apache config parsing: a future reverse-proxy check"},
	{"proxy-no-groups", "superseded: current Connect takes groups from ProxyAuth.GroupsHeader (Proxied Authentication page, Configuration Example); connect-proxy-auth enforces proxy-groups-header instead"},
	{"connect-email-working", "SMTP reachability is not sign-in or provisioning; a future connect-email check"},
}
