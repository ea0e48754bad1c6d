// Package compare finds drift between the nodes of a cluster from their
// support bundles: what differs between nodes that must agree (a
// load-balanced Workbench's secure-cookie-key, OpenID client and auth
// settings; an HA Connect's database, storage, address and provider) and
// what should. It reads only what the bundles carry, and those are already
// redacted: a secret setting is a token that says plaintext or encrypted
// (and, for Workbench, with which key's CRC32), never its value, so compare
// can tell "node2 encrypted its client secret with another key" without
// anything that would let a reader learn a secret.
package compare

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/report"
)

// Schema is compare's JSON contract name.
const Schema = "posit-doctor/compare/v1"

// Severity of a drift item: fail for what must agree (exit 2), warn for
// what should (exit 1), info for a difference that is expected or already
// explained by another item (exit 0).
const (
	Fail = "fail"
	Warn = "warn"
	Info = "info"
)

// Node is one bundle compared.
type Node struct {
	Bundle string `json:"bundle"`
	Host   string `json:"host"`
	label  string
}

// Drift is one thing that differs between nodes (contract shape).
type Drift struct {
	Kind     string            `json:"kind"` // config, secret, file, presence, version, os, nsswitch, clock, finding
	Path     string            `json:"path"`
	Key      string            `json:"key"`
	Values   map[string]string `json:"values"` // node label -> value or fingerprint
	Severity string            `json:"severity"`
	Why      string            `json:"why"` // why it matters, and the rule's public source
}

// Result is the compare/v1 document.
type Result struct {
	Schema string  `json:"schema"`
	Nodes  []Node  `json:"nodes"`
	Drift  []Drift `json:"drift"`
}

// ExitCode: 2 when something that must agree differs, 1 when something
// that should agree differs, 0 otherwise (contract).
func (r *Result) ExitCode() int {
	code := report.ExitOK
	for _, d := range r.Drift {
		switch d.Severity {
		case Fail:
			return report.ExitFail
		case Warn:
			code = report.ExitWarn
		}
	}
	return code
}

// Counts is the number of drift items per severity.
func (r *Result) Counts() (fail, warn, info int) {
	for _, d := range r.Drift {
		switch d.Severity {
		case Fail:
			fail++
		case Warn:
			warn++
		default:
			info++
		}
	}
	return
}

// The public rules compare cites.
const (
	refWorkbenchLB = "Posit Workbench Admin Guide: Load Balancing § Configuration (requirements for nodes: same version, identical /etc/rstudio except each node's address, synchronized clocks), https://docs.posit.co/ide/server-pro/load_balancing/configuration.html"
	refCookieKey   = "Posit Workbench Admin Guide: Cookies § Secret key, and Load Balancing § Configuration (the cluster records the secure cookie key's hash; a node with another key will not come online), https://docs.posit.co/ide/server-pro/access_and_security/cookies.html"
	refWBOpenID    = "Posit Workbench Admin Guide: OpenID Connect Authentication, https://docs.posit.co/ide/server-pro/authenticating_users/openid_connect_authentication.html"
	refWBProvision = "Posit Workbench Admin Guide: User Provisioning § Configuration, https://docs.posit.co/ide/server-pro/admin/user_provisioning/configuration.html"
	refConnectHA   = "Posit Connect Admin Guide: High Availability & Load Balancing § HA Checklist (same version, same PostgreSQL database, Server.DataDir on the same shared location, synchronized clocks), https://docs.posit.co/connect/admin/load-balancing/"
)

// Label keys used when a node has nothing for a key.
const (
	notSet    = "(not set)"
	absent    = "(absent)"
	noProduct = "(not installed)"
)

// Compare finds the drift between two or more bundles.
func Compare(bundles []*report.Bundle) *Result {
	res := &Result{Schema: Schema, Drift: []Drift{}}
	labels := nodeLabels(bundles)
	for i, b := range bundles {
		res.Nodes = append(res.Nodes, Node{Bundle: b.Name, Host: b.Facts.Hostname, label: labels[i]})
	}
	c := &comparer{res: res, bundles: bundles, labels: labels, keyed: map[string]bool{}}
	c.system()
	c.workbench()
	c.connect()
	c.secrets()
	c.nsswitch()
	c.files()
	c.clock()
	c.findings()
	sort.SliceStable(res.Drift, func(i, j int) bool {
		a, b := res.Drift[i], res.Drift[j]
		if ra, rb := sevRank(a.Severity), sevRank(b.Severity); ra != rb {
			return ra > rb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Key < b.Key
	})
	return res
}

func sevRank(s string) int {
	switch s {
	case Fail:
		return 2
	case Warn:
		return 1
	}
	return 0
}

// nodeLabels names each node by its host name, or by its bundle's file
// name when host names repeat (fixture roots, cloned machines): Ansible
// stores each as <inventory_hostname>.tar.gz, so that is the name people
// know the node by.
func nodeLabels(bundles []*report.Bundle) []string {
	out := make([]string, len(bundles))
	seen := map[string]int{}
	for _, b := range bundles {
		seen[b.Facts.Hostname]++
	}
	used := map[string]bool{}
	for i, b := range bundles {
		l := b.Facts.Hostname
		if l == "" || seen[l] > 1 {
			l = strings.TrimSuffix(strings.TrimSuffix(path.Base(b.Name), ".zip"), ".tar.gz")
		}
		for base, n := l, 2; used[l]; n++ {
			l = fmt.Sprintf("%s#%d", base, n)
		}
		used[l] = true
		out[i] = l
	}
	return out
}

type comparer struct {
	res     *Result
	bundles []*report.Bundle
	labels  []string
	keyed   map[string]bool // host paths compared key by key
}

// add records a drift item when the values are not all equal.
func (c *comparer) add(kind, p, key string, values []string, sev, why string) bool {
	same := true
	for _, v := range values[1:] {
		if v != values[0] {
			same = false
		}
	}
	if same {
		return false
	}
	m := map[string]string{}
	for i, v := range values {
		m[c.labels[i]] = v
	}
	c.res.Drift = append(c.res.Drift, Drift{Kind: kind, Path: p, Key: key, Values: m, Severity: sev, Why: why})
	return true
}

// each collects one value per node.
func (c *comparer) each(f func(b *report.Bundle) string) []string {
	out := make([]string, len(c.bundles))
	for i, b := range c.bundles {
		out[i] = f(b)
	}
	return out
}

func (c *comparer) system() {
	c.add("os", collectors.OSReleasePath, "PRETTY_NAME", c.each(func(b *report.Bundle) string {
		if o := b.Facts.OS; o != nil {
			if o.PrettyName != "" {
				return o.PrettyName
			}
			return strings.TrimSpace(o.ID + " " + o.VersionID)
		}
		return notSet
	}), Warn, "Nodes of one cluster should run the same OS release: packages, PAM, NSS and OpenSSL differ between releases, and a sign-in that works on one node can fail on another. "+refWorkbenchLB)
	c.add("version", "system/workbench-version", "rstudio-server version", c.each(func(b *report.Bundle) string {
		data, ok := b.Members["system/workbench-version"]
		if !ok {
			return "(not recorded: the bundle was made under --root or without the binary)"
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "$ ") {
				return l
			}
		}
		return "(empty)"
	}), Warn, "All nodes must run the same version of Posit Workbench. "+refWorkbenchLB)
	c.add("version", "manifest.json", "posit-doctor version", c.each(func(b *report.Bundle) string {
		return b.Manifest.Tool.Version
	}), Info, "The bundles were made by different posit-doctor versions; facts a newer version collects are missing from the older bundle, which can show as drift.")
}

// kvValue is a key's value in a Workbench file, or notSet. Repeated keys
// are joined as Workbench would see them all.
func kvValue(kv *parse.KV, section, key string) string {
	if kv == nil {
		return notSet
	}
	var vals []string
	for _, e := range kv.Entries {
		if e.Section == section && e.Key == key {
			vals = append(vals, e.RawValue)
		}
	}
	if len(vals) == 0 {
		return notSet
	}
	return strings.Join(vals, " | ")
}

// perNodeKeys are documented to differ between Workbench nodes.
var perNodeKeys = map[string]bool{
	"www-address": true, "www-port": true, "www-host-name": true,
}

func (c *comparer) workbench() {
	have := 0
	for _, b := range c.bundles {
		if b.Facts.Workbench != nil {
			have++
		}
	}
	if have == 0 {
		return
	}
	if have < len(c.bundles) {
		c.add("presence", collectors.RServerConfPath, "Posit Workbench", c.each(func(b *report.Bundle) string {
			if b.Facts.Workbench != nil {
				return "installed"
			}
			return noProduct
		}), Warn, "Workbench is configured on some nodes only; the Workbench settings are compared only when every node has them. "+refWorkbenchLB)
		return
	}
	wb := func(b *report.Bundle) *collectors.WorkbenchFacts { return b.Facts.Workbench }
	files := []struct {
		path string
		kv   func(*collectors.WorkbenchFacts) *parse.KV
		sev  func(key string) (string, string)
	}{
		{collectors.RServerConfPath, func(w *collectors.WorkbenchFacts) *parse.KV { return w.RServer }, rserverSeverity},
		{collectors.LauncherConfPath, func(w *collectors.WorkbenchFacts) *parse.KV { return w.Launcher }, shouldSeverity},
		{collectors.DatabaseConfPath, func(w *collectors.WorkbenchFacts) *parse.KV { return w.Database }, shouldSeverity},
		{collectors.LoggingConfPath, func(w *collectors.WorkbenchFacts) *parse.KV { return w.Logging }, shouldSeverity},
		{collectors.LoadBalancerPath, func(w *collectors.WorkbenchFacts) *parse.KV { return w.LoadBalancer }, shouldSeverity},
		{collectors.OpenIDSecretPath, func(w *collectors.WorkbenchFacts) *parse.KV { return w.OpenIDSecret }, func(key string) (string, string) {
			return Fail, "Every node must use the same OpenID client: the IdP issues the code for one client, and the node that redeems it must present the same client id and secret, or the sign-in fails on one node in N. " + refWBOpenID
		}},
	}
	for _, f := range files {
		c.keyed[f.path] = true
		type sk struct{ section, key string }
		var keys []sk
		seen := map[sk]bool{}
		for _, b := range c.bundles {
			if kv := f.kv(wb(b)); kv != nil {
				for _, e := range kv.Entries {
					k := sk{e.Section, e.Key}
					if !seen[k] {
						seen[k] = true
						keys = append(keys, k)
					}
				}
			}
		}
		for _, k := range keys {
			if perNodeKeys[k.key] {
				continue
			}
			name := k.key
			if k.section != "" {
				name = "[" + k.section + "] " + k.key
			}
			sev, why := f.sev(k.key)
			kind := "config"
			vals := c.each(func(b *report.Bundle) string { return kvValue(f.kv(wb(b)), k.section, k.key) })
			if secretValues(vals) {
				if c.secretFacts() {
					continue // compared as a secret fact (secrets())
				}
				kind = "secret"
			}
			c.add(kind, f.path, name, vals, sev, why)
		}
	}
	c.add("secret", collectors.SecureCookieKeyEtc, "secure-cookie-key CRC32", c.each(func(b *report.Bundle) string {
		w := wb(b)
		for _, sf := range b.Facts.Secrets {
			if sf.Product == "workbench" && sf.Setting == "secure-cookie-key" {
				switch {
				case sf.KeyCRC32 != "":
					return "crc32:" + sf.KeyCRC32 + " (" + sf.Path + ")"
				case sf.Set:
					return "(unreadable: " + sf.Path + ")"
				}
			}
		}
		switch {
		case w.SecureCookieKeyCRC32 != "":
			return "crc32:" + w.SecureCookieKeyCRC32 + " (" + w.SecureCookieKeyPath + ")"
		case w.SecureCookieKeyPath != "":
			return "(unreadable: " + w.SecureCookieKeyPath + ")"
		}
		return "(no key file: Workbench generates one per node)"
	}), Fail, "Load-balanced Workbench nodes must share one secure-cookie-key: a cookie or state signed on one node is rejected by another (\"attempt to use invalid state\", \"unable to decrypt\"), and the cluster refuses a node whose key hash differs. The value shown is the CRC32 that Workbench already prints in front of every encrypted value, not the key. "+refCookieKey)
	c.add("presence", collectors.WorkbenchNSSConfPath, "present", c.each(func(b *report.Bundle) string {
		return presence(b, collectors.WorkbenchNSSConfPath)
	}), Fail, "With user provisioning, every node must have the same workbench-nss.conf, or users resolve on some nodes only. "+refWBProvision)
	c.add("presence", loadBalancerPath, "present", c.each(func(b *report.Bundle) string {
		return presence(b, loadBalancerPath)
	}), Warn, "The load-balancer file defines the cluster; a node without it runs alone. "+refWorkbenchLB)
}

const loadBalancerPath = collectors.LoadBalancerPath

// presence says whether the bundle saw a file (from its facts, or a copy).
func presence(b *report.Bundle, p string) string {
	if f, ok := b.Facts.Files[p]; ok {
		if f.Exists {
			return "present"
		}
		return absent
	}
	if _, ok := b.Members["files"+p]; ok {
		return "present"
	}
	return "(not looked at)"
}

// secretValues: the values are redaction tokens (a secret setting).
func secretValues(vals []string) bool {
	for _, v := range vals {
		if strings.Contains(v, "[REDACTED") {
			return true
		}
	}
	return false
}

func rserverSeverity(key string) (string, string) {
	switch {
	case strings.HasPrefix(key, "auth-"):
		return Fail, "Authentication settings must be the same on every node: a sign-in started on one node finishes on another, so a different issuer, client or auth mode fails one sign-in in N. " + refWBOpenID + "; " + refWorkbenchLB
	case strings.HasPrefix(key, "user-provisioning-"):
		return Fail, "User provisioning must be configured alike on every node, or accounts exist on some nodes only. " + refWBProvision + "; " + refWorkbenchLB
	case key == "secure-cookie-key-file":
		return Fail, "Every node must read the same secure-cookie-key. " + refCookieKey
	}
	return shouldSeverity(key)
}

func shouldSeverity(string) (string, string) {
	return Warn, "The contents of /etc/rstudio must be identical on every node, except each node's own address (www-address, www-port; www-host-name in load-balancer). " + refWorkbenchLB
}

// gcfgKey names a Connect setting as people write it: Section.Key, or
// Section "Sub".Key. gcfg matches names without regard to case.
func gcfgKey(e parse.GcfgEntry) (id, name string) {
	name = e.Section
	if e.Subsection != "" {
		name += ` "` + e.Subsection + `"`
	}
	name += "." + e.Key
	return strings.ToLower(e.Section) + "\x00" + e.Subsection + "\x00" + strings.ToLower(e.Key), name
}

func connectSeverity(section, key string) (string, string, bool) {
	s, k := strings.ToLower(section), strings.ToLower(key)
	switch {
	case s == "metrics" && k == "datapath":
		return "", "", false // documented to be unique per node
	case s == "database" || s == "postgres":
		return Fail, "All nodes of an HA Connect must use the same database (the same PostgreSQL database and settings). " + refConnectHA, true
	case s == "server" && (k == "datadir" || k == "landingdir"):
		return Fail, "Server.DataDir (and Server.LandingDir) must point to the same shared location on every node. " + refConnectHA, true
	case s == "server" && k == "address":
		return Fail, "Server.Address is the URL Connect builds redirect URIs and links from; nodes behind one load balancer must agree on it, or sign-in redirects go to a different place per node. " + refConnectHA, true
	case s == "authentication" && k == "provider":
		return Fail, "Every node must use the same authentication provider, or a user signs in differently depending on the node. " + refConnectHA, true
	case s == "oauth2" || s == "ldap" || s == "saml" || s == "proxyauth" || s == "authentication":
		return Fail, "Authentication settings must agree on every node: the sign-in started on one node may finish on another. " + refConnectHA, true
	}
	return Warn, "Most HA installs keep identical configurations on every node; a difference here makes nodes behave differently. " + refConnectHA, true
}

func (c *comparer) connect() {
	have := 0
	for _, b := range c.bundles {
		if b.Facts.Connect != nil {
			have++
		}
	}
	if have == 0 {
		return
	}
	if have < len(c.bundles) {
		c.add("presence", collectors.ConnectConfigPath, "Posit Connect", c.each(func(b *report.Bundle) string {
			if b.Facts.Connect != nil {
				return "installed"
			}
			return noProduct
		}), Warn, "Connect is configured on some nodes only; its settings are compared only when every node has them. "+refConnectHA)
		return
	}
	c.keyed[collectors.ConnectConfigPath] = true
	type entry struct{ id, name, section, key string }
	var keys []entry
	seen := map[string]bool{}
	values := make([]map[string][]string, len(c.bundles))
	for i, b := range c.bundles {
		values[i] = map[string][]string{}
		g := b.Facts.Connect.Config
		if g == nil {
			continue
		}
		for _, e := range g.Entries {
			id, name := gcfgKey(e)
			values[i][id] = append(values[i][id], e.Value)
			if !seen[id] {
				seen[id] = true
				keys = append(keys, entry{id, name, e.Section, e.Key})
			}
		}
	}
	for _, k := range keys {
		sev, why, ok := connectSeverity(k.section, k.key)
		if !ok {
			continue
		}
		vals := make([]string, len(c.bundles))
		for i := range c.bundles {
			if v := values[i][k.id]; len(v) > 0 {
				vals[i] = strings.Join(v, " | ")
			} else {
				vals[i] = notSet
			}
		}
		kind := "config"
		if secretValues(vals) {
			if c.secretFacts() {
				continue // compared as a secret fact (secrets())
			}
			kind = "secret"
		}
		c.add(kind, collectors.ConnectConfigPath, k.name, vals, sev, why)
	}
}

func (c *comparer) nsswitch() {
	c.keyed[collectors.NSSwitchPath] = false
	for _, db := range []string{"passwd", "group", "shadow"} {
		c.add("nsswitch", collectors.NSSwitchPath, db, c.each(func(b *report.Bundle) string {
			n := b.Facts.NSS
			if n == nil || n.Config == nil {
				return notSet
			}
			var line *parse.NSSLine
			for i := range n.Config.Lines {
				if n.Config.Lines[i].Database == db {
					line = &n.Config.Lines[i] // the last line wins, as in glibc
				}
			}
			if line == nil {
				return notSet
			}
			var parts []string
			for _, s := range line.Sources {
				parts = append(parts, s.Name+strings.Join(s.Actions, ""))
			}
			return strings.Join(parts, " ")
		}), Warn, "User and group lookups must give the same answers on every node (usernames and user ids identical on all nodes), so the name-service order should be the same. "+refWorkbenchLB)
	}
}

// expectedPerNode are files that differ between nodes by design.
var expectedPerNode = map[string]bool{
	"/etc/hostname": true, "/etc/hosts": true, "/etc/machine-id": true, loadBalancerPath: true,
	collectors.OSReleasePath: true,
}

// files compares the redacted copies of every config file by their
// sha256 (as the manifest records it, checked when the bundle was read).
// A redacted copy's hash says nothing about a secret: secrets were
// replaced before it was hashed.
func (c *comparer) files() {
	var paths []string
	seen := map[string]bool{}
	for _, b := range c.bundles {
		for _, f := range b.Manifest.Files {
			if strings.HasPrefix(f.Name, "files/") && !seen[f.Name] {
				seen[f.Name] = true
				paths = append(paths, f.Name)
			}
		}
	}
	sort.Strings(paths)
	for _, m := range paths {
		hostPath := strings.TrimPrefix(m, "files")
		sev, why := Warn, "The redacted copies of this file differ (comments, order or settings compare does not parse); nodes of one cluster should carry the same configuration. "+refWorkbenchLB
		switch {
		case expectedPerNode[hostPath]:
			sev, why = Info, "This file differs between nodes by design (each node's own name or address)."
		case c.keyed[hostPath]:
			sev, why = Info, "The redacted copies differ; the settings that differ are listed key by key above (this item also catches comments, order and the per-node address keys)."
		case strings.HasPrefix(hostPath, "/etc/rstudio-connect/"):
			why = "The redacted copies of this file differ; HA Connect nodes usually share one configuration. " + refConnectHA
		}
		c.add("file", hostPath, "sha256 (redacted copy)", c.each(func(b *report.Bundle) string {
			if s := b.MemberSHA256(m); s != "" {
				return "sha256:" + s[:16]
			}
			return absent
		}), sev, why)
	}
}

// clock compares each node's offset to the https peers it probed.
func (c *comparer) clock() {
	vals := make([]string, len(c.bundles))
	var offsets []time.Duration
	for i, b := range c.bundles {
		vals[i] = "(not measured)"
		p := b.Facts.Probes
		if p == nil || !p.Ran || p.Offline {
			continue
		}
		var worst time.Duration
		n := 0
		for _, is := range p.Issuers {
			if is.Probe != nil && is.Probe.Discovery != nil && !is.Probe.Discovery.Date.IsZero() && !is.Probe.Discovery.ReceivedAt.IsZero() {
				d := is.Probe.Discovery.ReceivedAt.Truncate(time.Second).Sub(is.Probe.Discovery.Date)
				if n == 0 || abs(d) > abs(worst) {
					worst = d
				}
				n++
			}
		}
		if n > 0 {
			offsets = append(offsets, worst)
			vals[i] = fmt.Sprintf("%+ds to the IdP", int(worst.Seconds()))
		}
	}
	if len(offsets) < 2 {
		return
	}
	lo, hi := offsets[0], offsets[0]
	for _, o := range offsets {
		lo, hi = min(lo, o), max(hi, o)
	}
	if hi-lo <= time.Minute {
		return // within the skew a token tolerates: not drift
	}
	c.add("clock", "", "offset to the IdP", vals, Warn, "The clocks of all nodes must be synchronized: tokens carry issued-at and expiry times, and a node whose clock is off rejects tokens the others accept. "+refConnectHA+"; "+refWorkbenchLB)
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// findings reports checks whose verdict is a problem on some nodes only:
// the node-specific failure is what makes sign-in fail one time in N.
func (c *comparer) findings() {
	var ids []string
	seen := map[string]bool{}
	worst := make([]map[string]checks.Finding, len(c.bundles))
	for i, b := range c.bundles {
		worst[i] = map[string]checks.Finding{}
		if b.Report == nil {
			continue
		}
		for _, f := range b.Report.Findings {
			if !seen[f.Check] {
				seen[f.Check] = true
				ids = append(ids, f.Check)
			}
			if w, ok := worst[i][f.Check]; !ok || rank(f.Severity) > rank(w.Severity) {
				worst[i][f.Check] = f
			}
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		problem, clean := false, false
		vals := make([]string, len(c.bundles))
		for i, b := range c.bundles {
			f, ok := worst[i][id]
			switch {
			case b.Report == nil:
				vals[i] = "(no findings.json)"
			case !ok:
				vals[i] = "(not run)"
			default:
				vals[i] = f.Severity.String() + ": " + f.Title
				if rank(f.Severity) >= rank(checks.Warn) {
					problem = true
				} else if f.Severity == checks.Pass || f.Severity == checks.Info {
					clean = true
				}
			}
		}
		if problem && clean {
			c.add("finding", "", id, vals, Warn, "This check finds a problem on some nodes only; with a load balancer in front, users meet it on those nodes only (one sign-in in N fails). Run 'posit-doctor explain "+id+"' for the rule and its source.")
		}
	}
}

// rank orders severities by how bad they are (fail > error > warn).
func rank(s checks.Severity) int {
	switch s {
	case checks.Fail:
		return 5
	case checks.Error:
		return 4
	case checks.Warn:
		return 3
	case checks.Info:
		return 2
	case checks.Pass:
		return 1
	}
	return 0
}

// secretFacts: every bundle carries the derived secret facts
// (Snapshot.Secrets); older bundles have only the redaction tokens.
func (c *comparer) secretFacts() bool {
	for _, b := range c.bundles {
		if len(b.Facts.Secrets) == 0 {
			return false
		}
	}
	return true
}

// secretValue describes a secret without revealing anything new: whether
// it is set, its form, and for a Workbench-encrypted value the CRC32 of the
// key that encrypted it (printed in the value itself).
func secretValue(sf *collectors.SecretFact) string {
	if sf == nil || !sf.Set {
		return notSet
	}
	v := sf.Form
	if sf.KeyCRC32 != "" {
		v += ", key crc32:" + sf.KeyCRC32
	}
	if sf.Placeholder {
		v += ", a documentation placeholder"
	}
	return v
}

// secrets compares the derived facts of every secret setting and file:
// set or not, plaintext or encrypted, with which key. Two nodes with
// different plaintext values look alike here; nothing in a bundle can tell
// them apart, by design.
func (c *comparer) secrets() {
	if !c.secretFacts() {
		return
	}
	type key struct{ product, setting string }
	var keys []key
	seen := map[key]bool{}
	per := make([]map[key]*collectors.SecretFact, len(c.bundles))
	for i, b := range c.bundles {
		per[i] = map[key]*collectors.SecretFact{}
		for j := range b.Facts.Secrets {
			sf := &b.Facts.Secrets[j]
			k := key{sf.Product, sf.Setting}
			if k.setting == "secure-cookie-key" {
				continue // its own item, above
			}
			per[i][k] = sf
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	for _, k := range keys {
		vals := make([]string, len(c.bundles))
		p := ""
		for i := range c.bundles {
			vals[i] = secretValue(per[i][k])
			if sf := per[i][k]; sf != nil && p == "" {
				p = sf.Path
			}
		}
		sev, why := Warn, "A secret setting differs in form between nodes (set or not, plaintext or encrypted, or encrypted with another key); the nodes should be configured alike. "+refWorkbenchLB
		switch {
		case k.product == "workbench" && (k.setting == "client-secret" || k.setting == "client-id"):
			sev, why = Fail, "Every node must use the same OpenID client secret; a value encrypted with another node's secure-cookie-key cannot be decrypted here. "+refWBOpenID+"; "+refCookieKey
		case k.product == "connect":
			section, _, _ := strings.Cut(k.setting, ".")
			section, _, _ = strings.Cut(section, " ") // LDAP "Corp"
			if s, w, ok := connectSeverity(section, ""); ok && s == Fail {
				sev, why = Fail, "This Connect secret must be configured alike on every node. "+w
			}
		}
		c.add("secret", p, k.setting, vals, sev, why)
	}
}
