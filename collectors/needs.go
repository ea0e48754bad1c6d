package collectors

import (
	"sort"
	"strings"
)

// Need names a collector whose facts a check reads. A run collects only
// what some selected check needs, so `--only nsswitch-pwb` opens no log
// and sends nothing.
//
// A check declares the Needs whose Snapshot fields its Run reads (see each
// constant for the fields). Needs that other needs require are added by
// NewPlan (Requires), so a check lists what it reads itself, nothing more.
// Identity (os-release, hostname, passwd, group) is always collected: every
// report names the host and every FileFact its owner.
//
// When a collector overruns its deadline, its Need is in
// Snapshot.Incomplete and every check that lists it gets an error finding
// instead of a verdict on half the facts (checks.Run does this).
type Need string

const (
	NeedConnect      Need = "connect"      // Snapshot.Connect (gcfg, backups), PEM (LDAP CA files), Files of secrets it names
	NeedWorkbench    Need = "workbench"    // Snapshot.Workbench: rserver.conf, launcher.conf, logging.conf, database.conf, openid-client-secret
	NeedNSS          Need = "nss"          // Snapshot.NSS: nsswitch.conf and authselect
	NeedNscd         Need = "nscd"         // Snapshot.Nscd: nscd binary, nscd.conf, running nscd
	NeedPAM          Need = "pam"          // Snapshot.PAM: /etc/pam.d, and the services Connect's [PAM] names
	NeedProvisioning Need = "provisioning" // Snapshot.Provisioning: mkhomedir, oddjob, home and skel
	NeedServices     Need = "services"     // Snapshot.Services: systemctl states, live root only
	NeedProcesses    Need = "processes"    // Snapshot.Processes: <root>/proc
	NeedLogs         Need = "logs"         // Snapshot.Logs: product log scans in the --since window
	NeedProbes       Need = "probes"       // Snapshot.Probes: targets, local TLS files, and probes of the kinds in Check.Probes
	NeedSAML         Need = "saml"         // Snapshot.SAML: IdP metadata files read, URLs fetched under ProbeSAMLMetadata; SP key file modes
	NeedWebServer    Need = "web-server"   // nginx and Apache configs in front of the products
)

// AllNeeds lists every collector, in collection order.
var AllNeeds = []Need{NeedProcesses, NeedConnect, NeedWorkbench, NeedNSS, NeedNscd, NeedPAM, NeedServices, NeedProvisioning, NeedLogs, NeedProbes, NeedSAML, NeedWebServer}

// Requires lists the needs whose facts this one's collector reads: logs are
// located from the product configs, probe targets come from them, and so on.
func (n Need) Requires() []Need {
	switch n {
	case NeedNscd:
		return []Need{NeedProcesses}
	case NeedProvisioning:
		return []Need{NeedWorkbench, NeedProcesses}
	case NeedPAM:
		return []Need{NeedConnect} // the services Connect's [PAM] section names
	case NeedLogs, NeedProbes, NeedSAML:
		return []Need{NeedConnect, NeedWorkbench}
	}
	return nil
}

// ProbeKind names a kind of network target. A target is contacted only when
// a selected check judges its kind, and never with --offline. A check that
// lists a ProbeKind in Check.Probes must also list NeedProbes in its Needs.
type ProbeKind string

const (
	ProbeFrontDoor    ProbeKind = "frontdoor"     // Connect Server.Address, Workbench launcher-sessions-callback-address, --url
	ProbeIssuer       ProbeKind = "issuer"        // OpenID discovery and JWKS
	ProbeLDAP         ProbeKind = "ldap"          // LDAP/LDAPS/StartTLS reachability (never a bind)
	ProbeSAMLMetadata ProbeKind = "saml-metadata" // IdP metadata URLs
)

// Plan is what one run collects and whom it may contact: the union of the
// selected checks' Needs (with what they require) and Probes. The zero Plan
// collects nothing but identity; FullPlan collects everything.
type Plan struct {
	Needs   map[Need]bool
	Probes  map[ProbeKind]bool
	Offline bool // --offline: no DNS query, no connection, whatever Probes says
}

// NewPlan builds the plan for the given needs and probe kinds, adding the
// needs they require.
func NewPlan(needs []Need, probes []ProbeKind, offline bool) *Plan {
	p := &Plan{Needs: map[Need]bool{}, Probes: map[ProbeKind]bool{}, Offline: offline}
	var add func(n Need)
	add = func(n Need) {
		if p.Needs[n] {
			return
		}
		p.Needs[n] = true
		for _, r := range n.Requires() {
			add(r)
		}
	}
	for _, n := range needs {
		add(n)
	}
	for _, k := range probes {
		p.Probes[k] = true
		add(NeedProbes)
	}
	return p
}

// FullPlan collects every fact and allows every probe kind (analysis
// tools and tests; the CLI always plans from the selected checks).
func FullPlan() *Plan {
	return NewPlan(AllNeeds, []ProbeKind{ProbeFrontDoor, ProbeIssuer, ProbeLDAP, ProbeSAMLMetadata}, false)
}

// Has reports whether the plan collects n. A nil plan collects everything.
func (p *Plan) Has(n Need) bool { return p == nil || p.Needs[n] }

// MayContact reports whether a target of kind k may be contacted: a
// selected check judges that kind, and the run is not --offline.
func (p *Plan) MayContact(k ProbeKind) bool {
	if p == nil {
		return true
	}
	return !p.Offline && p.Probes[k]
}

// NeedsList and ProbesList are the plan's sets, sorted, for the snapshot.
func (p *Plan) NeedsList() []Need {
	var out []Need
	for n := range p.Needs {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (p *Plan) ProbesList() []ProbeKind {
	var out []ProbeKind
	for k := range p.Probes {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// String is the plan in one line, for messages.
func (p *Plan) String() string {
	var ns, ks []string
	for _, n := range p.NeedsList() {
		ns = append(ns, string(n))
	}
	for _, k := range p.ProbesList() {
		ks = append(ks, string(k))
	}
	s := "collect " + strings.Join(ns, ",") + "; probe " + strings.Join(ks, ",")
	if p.Offline {
		s += " (offline: nothing contacted)"
	}
	return s
}
