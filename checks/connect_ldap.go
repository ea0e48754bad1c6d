package checks

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

var connectLDAP = &Check{
	ID:    "connect-ldap",
	Title: "each [LDAP \"name\"] section is complete, consistent and reachable",
	Description: `With Provider = ldap, every [LDAP "name"] section needs ServerAddress
(host:port), UserSearchBaseDN, UsernameAttribute, UserFirstNameAttribute,
UserLastNameAttribute, UserEmailAttribute and UserObjectClass or UserFilterBase.
TLS and StartTLS cannot both be true; ServerTLSInsecure invites a man in the
middle; UniqueIdAttribute should be a persistent attribute, not the DN; BindDN
and BindPassword go together. gcfg cuts an unquoted value at ';' or '#' and eats
single backslashes, so passwords and NT-style DNs must be quoted and escaped.
With network probes on, the server is reached on its port and, for TLS or
StartTLS, its certificate is verified against the system roots and
TLSCACertificate. No bind is attempted: posit-doctor never sends a credential.`,
	Rules: []Rule{
		{ID: "ldap-section-header", Level: "must", Text: "LDAP settings live in sections [LDAP \"effective name\"].", Source: seed004 + " § 10.6.1 Defining an LDAP or AD section"},
		{ID: "ldap-section-names-unique", Level: "should", Text: "Each LDAP section name is unique; same-named sections are merged.", Source: seed004 + " § 10.6.1 Defining an LDAP or AD section"},
		{ID: "ldap-serveraddress", Level: "must", Text: "ServerAddress is present and host:port.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (ServerAddress)"},
		{ID: "ldap-server-reachable", Level: "must", Text: "The host reaches ServerAddress and completes TLS/StartTLS when enabled.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (ServerAddress)"},
		{ID: "ldap-port-tls-consistency", Level: "should", Text: "Port 636 with TLS = false, or TLS = true on 389, is suspicious.", Source: seed003 + " § 10.4.3.1 ServerAddress"},
		{ID: "ldap-tls-starttls-exclusive", Level: "must", Text: "TLS and StartTLS cannot both be true.", Source: seed003 + " § 10.4.3.2 TLS"},
		{ID: "ldap-tlscacert-pem", Level: "must", Text: "TLSCACertificate is an existing, readable PEM CA file.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (TLSCACertificate)"},
		{ID: "ldap-servertlsinsecure-off", Level: "should", Text: "ServerTLSInsecure = true turns off chain and hostname checks.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (ServerTLSInsecure)"},
		{ID: "ldap-cert-verifiable", Level: "must", Text: "With TLS or StartTLS, the server certificate verifies.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (ServerTLSInsecure)"},
		{ID: "ldap-double-bind-recommended", Level: "should", Text: "Configure BindDN and BindPassword (double bind).", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (BindDN and BindPassword)"},
		{ID: "ldap-single-bind-no-groups", Level: "info", Text: "With single bind, groups are unavailable and user search finds only past users.", Source: seed004 + " § 10.6 LDAP and Active Directory"},
		{ID: "ldap-nt-bind-escape", Level: "must", Text: "An NT-style BindDN escapes its backslash (COMPANY\\\\admin).", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (BindDN and BindPassword)"},
		{ID: "ldap-quote-special-chars", Level: "must", Text: "Values containing \", ; or # must be quoted or they are cut.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (BindDN and BindPassword)"},
		{ID: "ldap-anonymous-bind-exclusive", Level: "should", Text: "AnonymousBind = true replaces BindDN/BindPassword; do not set both.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (AnonymousBind)"},
		{ID: "ldap-usersearchbasedn-required", Level: "must", Text: "UserSearchBaseDN is set.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (UserSearchBaseDN)"},
		{ID: "ldap-user-filter-defined", Level: "must", Text: "UserObjectClass or UserFilterBase is defined.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (UserObjectClass, UserFilterBase)"},
		{ID: "ldap-group-filter-both", Level: "should", Text: "With GroupObjectClass and GroupFilterBase both set, only GroupFilterBase is used.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (GroupObjectClass, GroupFilterBase)"},
		{ID: "ldap-filter-syntax", Level: "must", Text: "UserFilterBase and GroupFilterBase are well-formed LDAP filters.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (UserFilterBase, GroupFilterBase)"},
		{ID: "ldap-required-attributes", Level: "must", Text: "UsernameAttribute, UserFirstNameAttribute, UserLastNameAttribute and UserEmailAttribute are set.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (UsernameAttribute to UserEmailAttribute)"},
		{ID: "ldap-attribute-case", Level: "should", Text: "Attribute names are case-sensitive; well-known ones in non-canonical case are flagged.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (UsernameAttribute)"},
		{ID: "ldap-uniqueid-not-dn", Level: "should", Text: "UniqueIdAttribute is a persistent attribute (objectGUID, entryUUID), not DN.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (UniqueIdAttribute)"},
		{ID: "ldap-no-slash-in-dn", Level: "must", Text: "DNs containing '/' are not supported.", Source: seed004 + " § 10.6 LDAP and Active Directory"},
		{ID: "ldap-permitted-login-group-dn", Level: "must", Text: "PermittedLoginGroup (older: WhitelistedLoginGroup) values are group DNs, one per key.", Source: seed004 + " § 10.6.3 LDAP or AD Configuration Settings (PermittedLoginGroup)"},
		{ID: "ldap-encrypted", Level: "should", Text: "TLS or StartTLS is on, so bind passwords do not cross the network in clear text.", Source: "Posit Connect Admin Guide: Configuration appendix, LDAP § ServerTLS and StartTLS (https://docs.posit.co/connect/admin/appendix/configuration/#LDAP)"},
		{ID: "ldap-debug-log", Level: "info", Text: "[Debug] Log = ldap gives verbose LDAP logs.", Source: seed003 + " § 10.4 LDAP and Active Directory"},
	},
	Docs:   []string{"https://docs.posit.co/connect/admin/authentication/ldap-based/"},
	Needs:  []collectors.Need{collectors.NeedConnect, collectors.NeedProbes},
	Probes: []collectors.ProbeKind{collectors.ProbeLDAP},
	Run:    runConnectLDAP,
}

// canonicalAttrs are well-known attribute names in their canonical case.
var canonicalAttrs = map[string]string{"samaccountname": "sAMAccountName", "givenname": "givenName", "userprincipalname": "userPrincipalName",
	"objectguid": "objectGUID", "entryuuid": "entryUUID", "memberof": "memberOf", "displayname": "displayName"}

func runConnectLDAP(c *Check, s *collectors.Snapshot) []Finding {
	g, stop := c.connectProviderConfig(s, "ldap")
	if stop != nil {
		return []Finding{*stop}
	}
	var issues []issue
	// Section headers: a bare [LDAP] and repeated names.
	counts := map[string]int{}
	for _, sec := range g.Sections {
		if !strings.EqualFold(sec.Name, "LDAP") {
			continue
		}
		if sec.Subsection == "" {
			issues = append(issues, issue{sev: Fail, rule: "ldap-section-header", title: "an [LDAP] section has no name",
				detail: "LDAP settings are read from [LDAP \"effective name\"] sections; a bare [LDAP] is not one.", fix: `Rename it to [LDAP "Corporate AD"] (any name).`,
				ev: []Evidence{{Path: s.Connect.ConfigPath, Line: sec.Line}}})
			continue
		}
		counts[sec.Subsection]++
		if counts[sec.Subsection] == 2 {
			issues = append(issues, issue{sev: Warn, rule: "ldap-section-names-unique", title: fmt.Sprintf("[LDAP %q] appears more than once", sec.Subsection),
				detail: "Sections with the same name are merged, so their keys repeat and the last value wins.", fix: "Give each LDAP server its own name, or merge the sections by hand.",
				ev: []Evidence{{Path: s.Connect.ConfigPath, Line: sec.Line}}})
		}
	}
	names := g.Subsections("LDAP")
	if len(names) == 0 {
		issues = append(issues, issue{sev: Fail, rule: "ldap-section-header", title: "Provider is ldap but there is no [LDAP \"name\"] section",
			detail: "Connect has no LDAP server to use.", fix: `Add an [LDAP "name"] section with ServerAddress and the search settings.`})
	}
	probes := map[string]collectors.LDAPFact{}
	if s.Probes != nil {
		for _, l := range s.Probes.LDAP {
			probes[l.Section] = l
		}
	}
	for _, name := range names {
		issues = append(issues, ldapSection(c, s, g, name, probes)...)
	}
	if e, ok := g.Get("Debug", "Log"); ok && strings.Contains(strings.ToLower(e.Value), "ldap") {
		issues = append(issues, issue{sev: Info, rule: "ldap-debug-log", title: "[Debug] Log includes ldap (verbose)",
			detail: "Connect logs LDAP exchanges; needed for cryptic StartTLS errors, noisy otherwise.", fix: "Remove it when done.", ev: gcfgEv(s, e)})
	}
	verified, certs := "", []map[string]any(nil)
	if s.Probes != nil && s.Probes.Ran {
		verified, certs = ldapVerified(names, probes)
	} else {
		verified = " The servers were not probed (network checks off or --offline)."
	}
	out := c.emit(issues, fmt.Sprintf("%s complete and consistent", plural(len(names), "LDAP section is", "LDAP sections are")),
		"Required keys are set, TLS settings agree, bind settings go together, values are quoted where they must be."+verified,
		"ldap-required-attributes", "ldap-tls-starttls-exclusive", "ldap-serveraddress")
	if p := &out[len(out)-1]; p.Severity == Pass && len(certs) > 0 {
		p.Data = map[string]any{"certificates": certs}
	}
	return withLDAPCACerts(out, s)
}

// withLDAPCACerts puts the certificates of every TLSCACertificate bundle
// (data.certificates, the bundle's path as target) on the check's findings,
// so the textfile's posit_doctor_cert_expiry_timestamp_seconds has the CA
// an LDAPS connection depends on, offline too: on the pass when it carries
// the servers' chains, otherwise on the first finding without data.
func withLDAPCACerts(out []Finding, s *collectors.Snapshot) []Finding {
	paths := make([]string, 0, len(s.PEM))
	for p := range s.PEM {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var cas []map[string]any
	for _, p := range paths {
		if pf := s.PEM[p]; pf.Error == "" && len(pf.Info) > 0 {
			cas = append(cas, certificatesData(p, pf.Info)...)
		}
	}
	if len(cas) == 0 || len(out) == 0 {
		return out
	}
	if p := &out[len(out)-1]; p.Severity == Pass && p.Data != nil {
		if certs, ok := p.Data["certificates"].([]map[string]any); ok {
			p.Data["certificates"] = append(certs, cas...)
			return out
		}
	}
	for i := range out {
		if out[i].Data == nil {
			out[i].Data = map[string]any{"certificates": cas}
			return out
		}
	}
	return out
}

func ldapSection(c *Check, s *collectors.Snapshot, g *parse.Gcfg, name string, probes map[string]collectors.LDAPFact) []issue {
	var issues []issue
	last := func(k string) (parse.GcfgEntry, bool) {
		es := g.Lookup("LDAP", name, k)
		if len(es) == 0 {
			return parse.GcfgEntry{}, false
		}
		return es[len(es)-1], true
	}
	val := func(k string) string { e, _ := last(k); return strings.TrimSpace(e.Value) }
	on := func(k string) bool { e, ok := last(k); v, _ := e.Bool(); return ok && v }
	pre := fmt.Sprintf("[LDAP %q] ", name)
	add := func(sev Severity, rule, title, detail, fix string, e *parse.GcfgEntry) {
		is := issue{sev: sev, rule: rule, title: pre + title, detail: detail, fix: fix, data: map[string]any{"section": name}}
		if e != nil {
			is.ev = gcfgEv(s, *e)
		}
		issues = append(issues, is)
	}

	var missing []string
	for _, k := range []string{"ServerAddress", "UserSearchBaseDN", "UsernameAttribute", "UserFirstNameAttribute", "UserLastNameAttribute", "UserEmailAttribute"} {
		if val(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		rule := "ldap-required-attributes"
		if missing[0] == "ServerAddress" {
			rule = "ldap-serveraddress"
		} else if missing[0] == "UserSearchBaseDN" {
			rule = "ldap-usersearchbasedn-required"
		}
		add(Fail, rule, "lacks "+strings.Join(missing, ", "), "Connect needs these to find users and fill their profiles.", "Set "+strings.Join(missing, ", ")+" in the section.", nil)
	}
	if val("UserObjectClass") == "" && val("UserFilterBase") == "" {
		add(Fail, "ldap-user-filter-defined", "has neither UserObjectClass nor UserFilterBase", "One of them tells Connect which entries are users (older versions require UserObjectClass).", "Set UserObjectClass = user (AD) or person, or a UserFilterBase.", nil)
	}
	if val("GroupObjectClass") != "" && val("GroupFilterBase") != "" {
		e, _ := last("GroupObjectClass")
		add(Warn, "ldap-group-filter-both", "sets GroupObjectClass and GroupFilterBase", "Only GroupFilterBase is used.", "Remove GroupObjectClass.", &e)
	}
	for _, k := range []string{"UserFilterBase", "GroupFilterBase"} {
		if e, ok := last(k); ok && !balancedFilter(e.Value) {
			add(Fail, "ldap-filter-syntax", k+" is not a well-formed LDAP filter", fmt.Sprintf("%q has unbalanced parentheses.", e.Value), "Fix the filter, e.g. &(objectClass=user)(!(objectClass=computer)).", &e)
		}
	}
	addr := val("ServerAddress")
	port := ""
	if addr != "" {
		if _, p, err := net.SplitHostPort(addr); err != nil {
			e, _ := last("ServerAddress")
			add(Fail, "ldap-serveraddress", "ServerAddress has no port", fmt.Sprintf("%q must be host:port (389 for LDAP and StartTLS, 636 for LDAPS).", addr), "Add the port.", &e)
		} else {
			port = p
		}
	}
	tlsOn, startOn := on("TLS"), on("StartTLS")
	if tlsOn && startOn {
		e, _ := last("StartTLS")
		add(Fail, "ldap-tls-starttls-exclusive", "sets both TLS and StartTLS", "They are two ways to encrypt the connection and cannot both be true.", "Use TLS = true on port 636, or StartTLS = true on 389.", &e)
	}
	if (port == "636" && !tlsOn) || (port == "389" && tlsOn) {
		e, _ := last("ServerAddress")
		add(Warn, "ldap-port-tls-consistency", fmt.Sprintf("port %s with TLS = %v", port, tlsOn), "Port 636 is LDAPS (TLS = true); 389 is plain LDAP or StartTLS.", "Match TLS to the port.", &e)
	}
	if on("ServerTLSInsecure") {
		e, _ := last("ServerTLSInsecure")
		add(Warn, "ldap-servertlsinsecure-off", "ServerTLSInsecure = true", "Certificate chain and hostname checks are off, so anyone between Connect and the directory can read the bind password.", "Set ServerTLSInsecure = false and give TLSCACertificate your CA bundle.", &e)
	}
	if e, ok := last("TLSCACertificate"); ok {
		p := strings.TrimSpace(e.Value)
		if pf, ok := s.PEM[p]; !ok || pf.Error != "" {
			why := "it could not be read"
			if ok {
				why = pf.Error
			}
			add(Fail, "ldap-tlscacert-pem", "TLSCACertificate is not a usable PEM CA file", fmt.Sprintf("%s: %s.", p, why), "Point TLSCACertificate at a readable PEM file with your CA certificate(s).", &e)
		}
	}
	uid := val("UniqueIdAttribute")
	if uid == "" || strings.EqualFold(uid, "DN") {
		e, ok := last("UniqueIdAttribute")
		var ep *parse.GcfgEntry
		if ok {
			ep = &e
		}
		add(Warn, "ldap-uniqueid-not-dn", "UniqueIdAttribute is the DN", "A DN changes when a user moves in the directory, and Connect then treats them as a new user. Changing it later needs a usermanager migration.", "Set UniqueIdAttribute to a persistent attribute: objectGUID (Active Directory), entryUUID (OpenLDAP), nsUniqueId (389/RHDS), ipaUniqueID (FreeIPA).", ep)
	}
	bindDN, bindDNSet := last("BindDN")
	bindPW, bindPWSet := last("BindPassword")
	bindPWSet = bindPWSet && strings.TrimSpace(bindPW.Value) != ""
	bindDNSet = bindDNSet && strings.TrimSpace(bindDN.Value) != ""
	switch {
	case bindDNSet && !bindPWSet:
		add(Fail, "ldap-double-bind-recommended", "has BindDN but no BindPassword", "Double bind needs both.", "Add BindPassword (rscadmin-encrypted).", &bindDN)
	case bindPWSet && !bindDNSet:
		add(Fail, "ldap-double-bind-recommended", "has BindPassword but no BindDN", "Double bind needs both.", "Add BindDN.", &bindPW)
	case !bindDNSet && !bindPWSet && !on("AnonymousBind"):
		add(Info, "ldap-single-bind-no-groups", "uses single bind (no BindDN)", "Users bind as themselves: groups are unavailable, user search only finds people who signed in before, and user DNs must contain UsernameAttribute.", "Configure BindDN and BindPassword for double bind.", nil)
	}
	if on("AnonymousBind") && bindDNSet {
		e, _ := last("AnonymousBind")
		add(Warn, "ldap-anonymous-bind-exclusive", "sets AnonymousBind and BindDN", "AnonymousBind replaces BindDN/BindPassword.", "Keep one of them.", &e)
	}
	if bindDNSet && strings.ContainsAny(bindDN.Value, "\n\t\b") {
		add(Fail, "ldap-nt-bind-escape", "BindDN lost a backslash to gcfg escaping", "A single backslash in an unquoted NT-style BindDN (COMPANY\\name) is read as an escape, so Connect binds as a different name.", `Write it as BindDN = "COMPANY\\name" (the backslash doubled).`, &bindDN)
	}
	for _, e := range g.Entries {
		if !strings.EqualFold(e.Section, "LDAP") || e.Subsection != name {
			continue
		}
		ec := e
		if e.Comment && valueCut(e.Raw) {
			add(Warn, "ldap-quote-special-chars", e.Key+" is cut at an unquoted ; or #", fmt.Sprintf("gcfg reads %s only up to the comment character; the rest of the line (which may be the rest of a password or DN) is ignored.", e.Key), "Quote the whole value: "+e.Key+` = "..."`, &ec)
		}
		lk := strings.ToLower(e.Key)
		if strings.HasSuffix(lk, "attribute") {
			if canon, ok := canonicalAttrs[strings.ToLower(e.Value)]; ok && canon != e.Value {
				add(Warn, "ldap-attribute-case", fmt.Sprintf("%s = %s is not in canonical case", e.Key, e.Value), "Attribute names are matched case-sensitively.", "Write "+canon+".", &ec)
			}
		}
		if (strings.HasSuffix(lk, "dn") || lk == "permittedlogingroup" || lk == "whitelistedlogingroup") && strings.Contains(e.Value, "/") {
			add(Warn, "ldap-no-slash-in-dn", e.Key+" contains '/'", "DNs containing '/' are not supported.", "Move the objects to a container without '/' in its name.", &ec)
		}
		if lk == "whitelistedlogingroup" {
			add(Info, "ldap-permitted-login-group-dn", "uses WhitelistedLoginGroup", "Newer Connect reads PermittedLoginGroup; WhitelistedLoginGroup is the older name.", "Use the key your Connect version documents.", &ec)
		}
		if (lk == "permittedlogingroup" || lk == "whitelistedlogingroup") && !strings.Contains(strings.ToLower(e.Value), "=") {
			add(Fail, "ldap-permitted-login-group-dn", e.Key+" is not a group DN", fmt.Sprintf("%q should be a DN such as CN=posit-users,OU=Groups,DC=corp,DC=com, one per line.", e.Value), "Use the group's full DN.", &ec)
		}
	}
	if !tlsOn && !startOn {
		e, ok := last("ServerAddress")
		var ep *parse.GcfgEntry
		if ok {
			ep = &e
		}
		add(Warn, "ldap-encrypted", "uses neither TLS nor StartTLS: bind passwords cross the network in clear text",
			"With TLS and StartTLS both off, Connect sends the BindPassword and every user's password to the directory unencrypted, readable by anyone on the path.",
			"Set StartTLS = true (on port 389) or TLS = true with the LDAPS port 636, and TLSCACertificate when the directory's CA is not in the system trust store; restart Connect.", ep)
	}
	if l, ok := probes[name]; ok && l.Probe != nil && l.Probe.Failure != probe.OK {
		what, fix := diagnosis(l.Probe.Failure, l.Probe, l.Probe.Error, "ldap://"+l.ServerAddress)
		rule := "ldap-server-reachable"
		sev := Fail
		if strings.HasPrefix(string(l.Probe.Failure), "tls-") {
			rule = "ldap-cert-verifiable"
			if on("ServerTLSInsecure") {
				// Connect would not verify; the finding above covers it.
				return issues
			}
			fix += " Or give TLSCACertificate the CA that issued the directory's certificate."
		}
		switch l.Probe.Failure {
		case probe.FailLDAPStartTLS:
			what = l.Probe.Error
			fix = "Check that the server supports StartTLS on this port (use TLS = true on 636 for LDAPS instead); [Debug] Log = ldap shows Connect's side."
		case probe.FailTLSHandshake:
			if l.Mode == probe.LDAPTLS {
				fix = fmt.Sprintf("TLS = true makes Connect speak LDAPS (TLS from the first byte) to %s; check that this port is the directory's LDAPS port (usually 636). A plain LDAP port (389) needs TLS = false and StartTLS = true instead.", l.ServerAddress)
			}
		case probe.FailDNS:
			if !s.Live {
				// --root: the name was looked up from the machine running
				// posit-doctor, whose resolver is not the analysed host's.
				sev = Warn
				fix = fmt.Sprintf("Run posit-doctor on the Connect host itself, or check there with 'getent hosts %s'.", hostOnly(l.ServerAddress))
			}
		}
		e, _ := last("ServerAddress")
		add(sev, rule, fmt.Sprintf("%s (%s): %s", l.ServerAddress, l.Mode, l.Probe.Failure), "Probing from "+here(s)+": "+what+"."+probeNote(s), fix, &e)
	} else if ok && l.Probe != nil && l.Mode != probe.LDAPPlain {
		chain := chainOf(l.Probe)
		if sev, cert, what := certVerdict(chain, s.CollectedAt); sev != Pass && !on("ServerTLSInsecure") {
			e, _ := last("ServerAddress")
			title := fmt.Sprintf("%s (%s): the directory's %s expires in %d days", l.ServerAddress, l.Mode, certRole(chain, cert), daysLeft(cert.NotAfter, s.CollectedAt))
			if sev == Fail {
				title = fmt.Sprintf("%s (%s): the directory's %s expired", l.ServerAddress, l.Mode, certRole(chain, cert))
			}
			add(sev, "ldap-cert-verifiable", title,
				fmt.Sprintf("In the chain %s presents, %s. Every certificate in it: %s. When it lapses Connect's LDAP connections fail and nobody can sign in.", l.ServerAddress, what, chainSummary(chain)),
				certFix(chain, cert, "the directory server"), &e)
			issues[len(issues)-1].data["certificates"] = certificatesData(l.ServerAddress, chain)
		}
	}
	if l, ok := probes[name]; ok && l.Skipped != "" {
		e, _ := last("ServerAddress")
		add(Skip, "ldap-server-reachable", fmt.Sprintf("%s (%s): not probed (%s)", l.ServerAddress, l.Mode, l.Skipped),
			notProbed(l.Skipped)+" The section's settings above were judged from the file.", "", &e)
	}
	return issues
}

// hostOnly is the host of host:port.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// ldapVerified says, per section, what the probes verified, for the pass,
// and gathers the certificates seen.
func ldapVerified(names []string, probes map[string]collectors.LDAPFact) (string, []map[string]any) {
	var parts []string
	var certs []map[string]any
	for _, name := range names {
		l, ok := probes[name]
		switch {
		case !ok || l.Probe == nil:
			parts = append(parts, fmt.Sprintf("[LDAP %q] was not probed", name))
		case l.Probe.Failure != probe.OK:
			parts = append(parts, fmt.Sprintf("[LDAP %q] %s could not be verified (%s)", name, l.ServerAddress, l.Probe.Failure))
		case l.Mode == probe.LDAPPlain:
			parts = append(parts, fmt.Sprintf("[LDAP %q] %s accepts connections (plain LDAP, nothing encrypted)", name, l.ServerAddress))
		default:
			how := "LDAPS handshake"
			if l.Mode == probe.LDAPStartTLS {
				how = "StartTLS accepted and the TLS handshake"
			}
			chain := chainOf(l.Probe)
			parts = append(parts, fmt.Sprintf("[LDAP %q] %s: %s completed with a certificate verified for %s (%s)", name, l.ServerAddress, how, l.Probe.Host, chainSummary(chain)))
			certs = append(certs, certificatesData(l.ServerAddress, chain)...)
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	return " Probes, without a bind (no credentials are sent): " + strings.Join(parts, "; ") + ".", certs
}

// balancedFilter reports whether an LDAP filter's parentheses balance.
func balancedFilter(f string) bool {
	depth := 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// valueCut reports an unquoted value with a ';' or '#' glued to it
// ("abc;def"): gcfg reads "abc" and drops the rest. A comment after
// whitespace ("TEXT    ; TEXT or JSON") is an ordinary comment.
func valueCut(raw string) bool {
	_, v, ok := strings.Cut(raw, "=")
	if !ok || strings.Contains(v, `"`) {
		return false
	}
	v = strings.TrimLeft(v, " \t")
	i := strings.IndexAny(v, ";#")
	return i > 0 && v[i-1] != ' ' && v[i-1] != '\t'
}
