package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

const (
	docWorkbenchLB = "Posit Workbench Admin Guide: Load Balancing, Configuration"
	urlWorkbenchLB = "https://docs.posit.co/ide/server-pro/load_balancing/configuration.html"
)

var workbenchLoadBalancing = &Check{
	ID:    "workbench-load-balancing",
	Title: "Load-balanced Workbench: a shared secure-cookie-key (0600), PostgreSQL, shared storage, workbench-nss.conf",
	Description: `With /etc/rstudio/load-balancer (or load-balancing-enabled=1), every node must sign
cookies with the same secure-cookie-key: the cluster stores the key's hash and
refuses a node whose key differs, and a cookie from one node is "unable to
decrypt" on another. The key must be an explicit file (not the per-node default
under /var/lib), mode 0600. The cluster needs PostgreSQL (database.conf
provider=postgresql) and server-shared-storage-path; with user provisioning,
workbench-nss.conf on every node. The facts nodes must share (the key's CRC32,
never the key) are in the bundle for 'posit-doctor compare'.`,
	Rules: []Rule{
		{ID: "wb-lb-secure-cookie-key", Level: "must", Text: "A load-balanced node reads an explicit secure-cookie-key (/etc/rstudio/secure-cookie-key or secure-cookie-key-file), the same on every node, mode 0600.", Source: src(docWorkbenchLB, "Defining the cluster", urlWorkbenchLB)},
		{ID: "wb-lb-postgres", Level: "must", Text: "Load balancing needs PostgreSQL: database.conf provider=postgresql.", Source: src(docWorkbenchLB, "Configuration (requirement 7)", urlWorkbenchLB)},
		{ID: "wb-lb-shared-storage", Level: "must", Text: "Load balancing needs an explicit server-wide shared storage path (server-shared-storage-path).", Source: src(docWorkbenchLB, "Configuration (requirement 6)", urlWorkbenchLB)},
		{ID: "wb-lb-nss-conf", Level: "must", Text: "With user provisioning, each load-balanced node has /etc/rstudio/workbench-nss.conf (the /etc/rstudio contents are identical on all nodes).", Source: src(docWorkbenchLB, "Configuration (requirement 2)", urlWorkbenchLB)},
		{ID: "wb-lb-node-facts", Level: "info", Text: "What the nodes must share is recorded as fingerprints for compare: the secure-cookie-key's CRC32, the database and storage settings.", Source: src(docWorkbenchLB, "Configuration (requirement 2)", urlWorkbenchLB)},
	},
	Docs:  []string{urlWorkbenchLB},
	Needs: []collectors.Need{collectors.NeedWorkbench},
	Run:   runWorkbenchLoadBalancing,
}

func runWorkbenchLoadBalancing(c *Check, s *collectors.Snapshot) []Finding {
	w, stop := c.workbenchConfig(s)
	if stop != nil {
		return []Finding{*stop}
	}
	rs := collectors.RServerConfPath
	lbFile := s.File(collectors.LoadBalancerPath)
	if f, bad := c.unreadable(lbFile); bad {
		return []Finding{f}
	}
	on, onSet := w.RServer.Get("load-balancing-enabled")
	enabled := w.LoadBalancer != nil || (onSet && strings.TrimSpace(on.Value) == "1")
	if !enabled {
		return []Finding{c.skip("Workbench is not load balanced (no " + collectors.LoadBalancerPath + ")")}
	}
	lbEv := []Evidence{{Path: collectors.LoadBalancerPath}}
	if w.LoadBalancer == nil {
		lbEv = kvEv(rs, on)
	}
	var issues []issue
	key := w.SecureCookieKeyPath
	kf := s.File(key)
	switch {
	case key == "" || key == collectors.SecureCookieKeyVarLib:
		shown := "no secure-cookie-key file"
		if key != "" {
			shown = "only the per-node default " + key
		}
		issues = append(issues, issue{sev: Fail, rule: "wb-lb-secure-cookie-key", title: "load balanced with " + shown, ev: lbEv,
			detail: "Each node then signs with a key of its own: the cluster refuses nodes whose key hash differs, and users see \"unable to decrypt\" or invalid state when a request lands on another node.",
			fix:    "Generate one key (uuid > /etc/rstudio/secure-cookie-key), copy the same file to every node, chmod 0600, and restart each node."})
	case kf.Problem != nil:
		issues = append(issues, issue{sev: Error, rule: "wb-lb-secure-cookie-key", title: "could not look at " + key + ": " + string(kf.Problem.Kind), ev: []Evidence{{Path: key}}, detail: kf.Problem.Detail + ".", fix: kf.Problem.Hint})
	case kf.Perm&0o077 != 0:
		issues = append(issues, issue{sev: Fail, rule: "wb-lb-secure-cookie-key", title: fmt.Sprintf("the shared secure-cookie-key %s is not protected: mode %s", key, kf.Mode()), ev: []Evidence{{Path: key}},
			detail: "Anyone who reads it can forge any user's sign-in cookie on every node.", fix: "sudo chmod 0600 " + key + " on every node"})
	}
	prov := strings.ToLower(strings.TrimSpace(w.Database.Value("provider")))
	if prov != "postgresql" && prov != "postgres" {
		shown := "provider=" + prov
		ev := []Evidence{{Path: collectors.DatabaseConfPath}}
		if e, ok := w.Database.Get("provider"); ok {
			ev = kvEv(collectors.DatabaseConfPath, e)
		} else {
			shown = "the default SQLite database"
		}
		issues = append(issues, issue{sev: Fail, rule: "wb-lb-postgres", title: "load balanced with " + shown + ", not PostgreSQL", ev: ev,
			detail: "The cluster's state lives in the database; SQLite is per node and does not support load balancing.", fix: "Configure provider=postgresql (host, database, user) in " + collectors.DatabaseConfPath + " on every node."})
	}
	storage, sok := w.RServer.Get("server-shared-storage-path")
	if !sok || strings.TrimSpace(storage.Value) == "" {
		issues = append(issues, issue{sev: Fail, rule: "wb-lb-shared-storage", title: "load balanced without server-shared-storage-path", ev: lbEv,
			detail: "The documents require an explicit shared storage path that every node mounts (project sharing, session metadata).", fix: "Set server-shared-storage-path=/<shared mount>/shared-storage in " + rs + " on every node."})
	}
	nss := s.File(collectors.WorkbenchNSSConfPath)
	if w.ProvisioningEnabled() && !nss.Exists {
		issues = append(issues, issue{sev: Fail, rule: "wb-lb-nss-conf", title: "user provisioning on a load-balanced node without " + collectors.WorkbenchNSSConfPath, ev: []Evidence{{Path: collectors.WorkbenchNSSConfPath}},
			detail: "Provisioned users resolve only on the nodes that have it.", fix: "Copy workbench-nss.conf from a working node (the same on every node)."})
	}
	facts := map[string]any{"secure_cookie_key_path": key, "database_provider": prov, "workbench_nss_conf": nss.Exists}
	if w.SecureCookieKeyCRC32 != "" {
		facts["secure_cookie_key_crc32"] = w.SecureCookieKeyCRC32
	}
	if sok {
		facts["server_shared_storage_path"] = strings.TrimSpace(storage.Value)
	}
	if w.LoadBalancer != nil {
		facts["balancer"] = strings.TrimSpace(w.LoadBalancer.Value("balancer"))
	}
	issues = append(issues, issue{sev: Info, rule: "wb-lb-node-facts", title: "what this node must share with the others: secure-cookie-key CRC32 " + orNone(w.SecureCookieKeyCRC32) + ", database " + orNone(prov),
		detail: "Run 'posit-doctor compare' over every node's bundle: these values (the key's CRC32, which Workbench already prints in every encrypted value, never the key) must be identical.",
		fix:    "deploy/ansible/posit-doctor.yml collects the bundles and compares them.", data: facts, ev: lbEv})
	return c.emit(issues, "the load-balanced node has a shared key, PostgreSQL and shared storage",
		"secure-cookie-key, database.conf and server-shared-storage-path are what load balancing needs.",
		"wb-lb-secure-cookie-key", "wb-lb-postgres", "wb-lb-shared-storage")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
