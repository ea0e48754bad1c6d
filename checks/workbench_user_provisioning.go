package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

var workbenchUserProvisioning = &Check{
	ID:    "workbench-user-provisioning",
	Title: "Workbench user provisioning has PAM sessions, home-directory creation and a free UID range",
	Description: `With user-provisioning-enabled=1 Workbench creates Linux accounts for people
who sign in (JIT also needs user-provisioning-register-on-first-login=1). Their
home directories come from PAM sessions (auth-pam-sessions-enabled=1): on Debian
and Ubuntu pam_mkhomedir in /etc/pam.d/common-session; on the Red Hat family
oddjob-mkhomedir with oddjobd running and authselect's with-mkhomedir. The UIDs
it hands out start at user-provisioning-start-uid (>= 1000) and must not collide
with local accounts. /etc/rstudio/workbench-nss.conf must exist on every node
the NSS module runs on. nsswitch-pwb and nscd-cache check the name service.`,
	Rules: []Rule{
		{ID: "wb-jit-provisioning-enabled", Level: "must", Text: "For JIT, rserver.conf has user-provisioning-enabled=1.", Source: seed000 + `: "user-provisioning-enabled=1"`},
		{ID: "wb-jit-register-on-first-login", Level: "must", Text: "For JIT, user-provisioning-register-on-first-login=1.", Source: seed000 + `: "user-provisioning-register-on-first-login=1"`},
		{ID: "wb-pam-sessions-enabled", Level: "must", Text: "auth-pam-sessions-enabled=1 so PAM session modules run.", Source: seed000 + `: "Add the following line to enable PAM sessions"`},
		{ID: "wb-system-accounts-exist", Level: "must", Text: "Without JIT, users need local or directory accounts with home directories.", Source: seed000 + `: "Workbench requires users to have local or networked system accounts"`},
		{ID: "wb-debian-pam-mkhomedir", Level: "must", Text: "Debian/Ubuntu: common-session has pam_mkhomedir and the module is installed.", Source: seed000 + `: "session required pam_mkhomedir.so skel=/etc/skel/ umask=0022"`},
		{ID: "wb-rhel-oddjob-mkhomedir-installed", Level: "must", Text: "RHEL: oddjob-mkhomedir and authselect are installed.", Source: seed000 + `: "sudo dnf install -y oddjob-mkhomedir authselect"`},
		{ID: "wb-rhel-authselect-with-mkhomedir", Level: "must", Text: "RHEL: authselect's with-mkhomedir is enabled.", Source: seed000 + `: "authselect enable-feature with-mkhomedir"`},
		{ID: "wb-homedir-path-exists", Level: "should", Text: "user-homedir-path (default /home) and /etc/skel exist.", Source: seed000 + `: "Optional: Set custom home directory path (default is /home)"`},
		{ID: "svc-oddjobd-running", Level: "must", Text: "For RHEL JIT, oddjobd is running.", Source: seed000 + `: "sudo systemctl enable --now oddjobd.service"`},
	},
	Docs:  []string{"https://docs.posit.co/ide/server-pro/admin/user_provisioning/configuration.html"},
	Needs: []collectors.Need{collectors.NeedWorkbench, collectors.NeedNSS, collectors.NeedPAM, collectors.NeedProvisioning, collectors.NeedServices},
	Run:   runWorkbenchUserProvisioning,
}

func runWorkbenchUserProvisioning(c *Check, s *collectors.Snapshot) []Finding {
	w, stop := c.workbenchConfig(s)
	if stop != nil {
		return []Finding{*stop}
	}
	rs := collectors.RServerConfPath
	if !w.ProvisioningEnabled() {
		f := c.finding(Info, "Workbench user provisioning is off: accounts must exist already", "wb-system-accounts-exist", "wb-jit-provisioning-enabled")
		f.Detail = "Without user-provisioning-enabled=1, every person needs a local or directory (sssd/LDAP) account with a home directory, named as their username claim."
		f.Remediation = "For JIT provisioning set user-provisioning-enabled=1 and user-provisioning-register-on-first-login=1 in " + rs + "."
		return []Finding{f}
	}
	var issues []issue
	if !w.RServer.Enabled("user-provisioning-register-on-first-login") {
		issues = append(issues, issue{sev: Warn, rule: "wb-jit-register-on-first-login", title: "user-provisioning-register-on-first-login is not 1",
			detail: "Provisioning is on, but accounts are not created at first sign-in (JIT); only SCIM can create them.", fix: "Add user-provisioning-register-on-first-login=1 for JIT."})
	}
	if !w.RServer.Enabled("auth-pam-sessions-enabled") {
		issues = append(issues, issue{sev: Fail, rule: "wb-pam-sessions-enabled", title: "auth-pam-sessions-enabled is not 1",
			detail: "Without PAM sessions the home-directory module never runs, so provisioned users have no home directory.", fix: "Add auth-pam-sessions-enabled=1 to " + rs + "."})
	}
	pf := s.Provisioning
	switch s.OSFamily() {
	case "debian":
		if _, ok := s.PAM["common-session"].HasModule("session", "pam_mkhomedir.so"); !ok {
			issues = append(issues, issue{sev: Fail, rule: "wb-debian-pam-mkhomedir", title: "/etc/pam.d/common-session has no pam_mkhomedir",
				detail: "Nothing creates home directories for provisioned users.", fix: "echo 'session required pam_mkhomedir.so skel=/etc/skel/ umask=0022' | sudo tee -a /etc/pam.d/common-session"})
		} else if pf != nil && pf.MkhomedirModule == "" {
			issues = append(issues, issue{sev: Warn, rule: "wb-debian-pam-mkhomedir", title: "pam_mkhomedir.so is configured but not found on disk",
				detail: "The module file was not found in the usual security directories.", fix: "sudo apt install -y libpam-modules"})
		}
	case "rhel":
		if pf != nil && pf.OddjobMkhomedir == "" {
			issues = append(issues, issue{sev: Fail, rule: "wb-rhel-oddjob-mkhomedir-installed", title: "oddjob-mkhomedir is not installed",
				detail: "On the Red Hat family home directories are created by oddjob's mkhomedir helper.", fix: "sudo dnf install -y oddjob-mkhomedir authselect; sudo systemctl enable --now oddjobd.service"})
		}
		if pf != nil && !pf.OddjobdRunning && (s.Services == nil || s.Services["oddjobd"] != "active") {
			issues = append(issues, issue{sev: Fail, rule: "svc-oddjobd-running", title: "oddjobd is not running",
				detail: "No oddjobd process was found, so mkhomedir requests are not served.", fix: "sudo systemctl enable --now oddjobd.service"})
		}
		if s.NSS == nil || !s.NSS.Authselect.HasFeature("with-mkhomedir") {
			issues = append(issues, issue{sev: Fail, rule: "wb-rhel-authselect-with-mkhomedir", title: "authselect's with-mkhomedir is not enabled",
				detail: "Without it, PAM never asks oddjob to create home directories.", fix: "sudo authselect enable-feature with-mkhomedir; sudo authselect apply-changes"})
		}
	}
	start := 1000
	if e, ok := w.RServer.Get("user-provisioning-start-uid"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(e.Value)); err == nil {
			start = n
		}
		if start < 1000 {
			issues = append(issues, issue{sev: Fail, rule: "wb-jit-provisioning-enabled", title: fmt.Sprintf("user-provisioning-start-uid=%d is below 1000", start),
				detail: "The minimum is 1000; lower UIDs belong to system accounts.", fix: "Set user-provisioning-start-uid=1000 or higher.", ev: kvEv(collectors.RServerConfPath, e)})
		}
	}
	var clash []string
	for _, u := range s.Passwd {
		if u.UID >= start && u.UID < 65534 {
			clash = append(clash, fmt.Sprintf("%s (%d)", u.Name, u.UID))
		}
	}
	if len(clash) > 0 {
		issues = append(issues, issue{sev: Warn, rule: "wb-jit-provisioning-enabled", title: fmt.Sprintf("local accounts use UIDs in the provisioning range (from %d)", start),
			detail: "Provisioned users get UIDs from user-provisioning-start-uid up; local accounts there can collide: " + strings.Join(clash, ", ") + ".", fix: "Set user-provisioning-start-uid above the highest local UID."})
	}
	if f := s.File(collectors.WorkbenchNSSConfPath); !f.Exists {
		issues = append(issues, issue{sev: Warn, rule: "wb-jit-provisioning-enabled", title: collectors.WorkbenchNSSConfPath + " is missing",
			detail: "Workbench generates it; the pwb NSS module needs it on every node that resolves provisioned users.", fix: "Restart Workbench on this node (sudo rstudio-server restart) so it writes the file."})
	}
	if pf != nil && (!pf.HomeDirExists || !pf.SkelExists) {
		what := pf.HomeDir
		if pf.HomeDirExists {
			what = "/etc/skel"
		}
		issues = append(issues, issue{sev: Warn, rule: "wb-homedir-path-exists", title: what + " does not exist", detail: "Home directories are created under user-homedir-path (default /home) from /etc/skel.", fix: "Create " + what + "."})
	}
	return c.emit(issues, "Workbench user provisioning has what it needs", "PAM sessions are on, home directories can be created, and the UID range is free.",
		"wb-pam-sessions-enabled", "wb-jit-provisioning-enabled")
}
