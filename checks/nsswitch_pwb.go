package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

var nsswitchPwb = &Check{
	ID:    "nsswitch-pwb",
	Title: "pwb is in nsswitch.conf, before sss/sssd, with no action items",
	Description: `When Workbench user provisioning is on, users created by Workbench are
resolved through its NSS module "pwb". The passwd, group and shadow lines of the
effective /etc/nsswitch.conf must each list pwb: before sss/sssd when that source
is present, otherwise last, and as a bare token with no [STATUS=action] item. On
hosts managed by authselect (the RHEL family) /etc/nsswitch.conf is generated:
the pwb entries belong in the custom profile /etc/authselect/custom/pwb/nsswitch.conf,
and that profile must be selected with with-mkhomedir.`,
	Rules: []Rule{
		{ID: "nss-pwb-present", Level: "must", Text: "passwd, group and shadow each list pwb when Workbench user provisioning is on.", Source: seed000 + `: "Modify the passwd, group, and shadow lines to include pwb"`},
		{ID: "nss-pwb-order", Level: "must", Text: "pwb comes before sss/sssd when present, otherwise last.", Source: seed000 + `: "include pwb before sssd (if present) otherwise last in each row"`},
		{ID: "nss-pwb-no-params", Level: "must", Text: "Only the bare pwb token, with no action item or parameter.", Source: seed000 + `: "remember to only add pwb, no other parameters"`},
		{ID: "nss-authselect-custom-profile", Level: "must", Text: "Under authselect, /etc/authselect/custom/pwb/nsswitch.conf exists with the same pwb entries.", Source: seed000 + `: "sudo authselect create-profile pwb --base-on=minimal"`},
		{ID: "nss-authselect-selected-applied", Level: "must", Text: "The selected authselect profile is custom/pwb with with-mkhomedir, and it is applied.", Source: seed000 + `: "sudo authselect select custom/pwb with-mkhomedir"`},
	},
	Docs:  []string{"https://docs.posit.co/ide/server-pro/admin/quick-starts/entraid-openid.html"},
	Needs: []collectors.Need{collectors.NeedWorkbench, collectors.NeedNSS},
	Run:   runNsswitchPwb,
}

// nssDatabases are the lines the guide asks pwb to be added to.
var nssDatabases = []string{"passwd", "group", "shadow"}

func isSSS(source string) bool { return source == "sss" || source == "sssd" }

func runNsswitchPwb(c *Check, s *collectors.Snapshot) []Finding {
	if s.Workbench == nil {
		return []Finding{c.skip("Posit Workbench is not installed (no " + collectors.RServerConfPath + ")")}
	}
	if f, bad := c.unreadable(s.File(collectors.RServerConfPath)); bad {
		return []Finding{f}
	}
	if !s.Workbench.ProvisioningEnabled() {
		return []Finding{c.skip("Workbench user provisioning is off (user-provisioning-enabled is not 1 in " + collectors.RServerConfPath + ")")}
	}
	var out []Finding
	live := s.File(collectors.NSSwitchPath)
	if f, bad := c.unreadable(live); bad {
		out = append(out, f)
	} else if s.NSS == nil || s.NSS.Config == nil {
		f := c.finding(Fail, collectors.NSSwitchPath+" is missing", "nss-pwb-present")
		f.Detail = "Workbench user provisioning is on, but the host has no " + collectors.NSSwitchPath + ", so glibc falls back to its built-in defaults and never asks pwb."
		f.Remediation = "Create " + collectors.NSSwitchPath + " with pwb on the passwd, group and shadow lines."
		out = append(out, f)
	} else {
		path := collectors.NSSwitchPath
		if live.Resolved != "" {
			path = live.Resolved
		}
		out = append(out, pwbLines(c, path, s.NSS.Config)...)
	}
	if s.NSS != nil && s.NSS.AuthselectManaged {
		out = append(out, authselectFindings(c, s)...)
	}
	return out
}

// pwbLines judges the passwd, group and shadow lines of one nsswitch file.
func pwbLines(c *Check, path string, n *parse.NSSwitch) []Finding {
	var out []Finding
	var good []Evidence
	for _, db := range nssDatabases {
		line, ok := n.Database(db)
		if !ok {
			f := c.finding(Fail, fmt.Sprintf("%s has no %s line", path, db), "nss-pwb-present")
			f.Detail = fmt.Sprintf("There is no %q line, so %s lookups use glibc's default sources and never reach pwb.", db+":", db)
			f.Evidence = append(f.Evidence, Evidence{Path: path})
			f.Remediation = fmt.Sprintf("Add a line '%s: files pwb' (with pwb before sss if you use SSSD) to %s.", db, path)
			out = append(out, f)
			continue
		}
		if f, bad := judgePwb(c, path, line); bad {
			out = append(out, f)
			continue
		}
		good = append(good, Evidence{Path: path, Line: line.Line, Text: line.Raw})
	}
	if len(out) == 0 {
		f := c.finding(Pass, "pwb is placed correctly in "+path, "nss-pwb-present", "nss-pwb-order", "nss-pwb-no-params")
		f.Detail = "passwd, group and shadow each list pwb in the right place with no action items."
		f.Evidence = good
		out = append(out, f)
	}
	return out
}

// judgePwb returns a failing finding when the line breaks a pwb rule.
func judgePwb(c *Check, path string, line parse.NSSLine) (Finding, bool) {
	ev := Evidence{Path: path, Line: line.Line, Text: line.Raw}
	pwb, sss := -1, -1
	var names []string
	for i, src := range line.Sources {
		names = append(names, src.Name)
		if src.Name == "pwb" && pwb < 0 {
			pwb = i
		}
		if isSSS(src.Name) && sss < 0 {
			sss = i
		}
	}
	want := wantPwbOrder(names)
	fail := func(title, detail, rule string) (Finding, bool) {
		f := c.finding(Fail, title, rule)
		f.Detail = detail
		f.Evidence = append(f.Evidence, ev)
		f.Remediation = fmt.Sprintf("Change line %d of %s to: %s: %s", line.Line, path, line.Database, strings.Join(want, " "))
		f.Data = map[string]any{"database": line.Database, "sources": names, "want": want}
		return f, true
	}
	switch {
	case pwb < 0:
		return fail(fmt.Sprintf("pwb is missing from the %s line of %s", line.Database, path),
			fmt.Sprintf("Users created by Workbench provisioning cannot be resolved through %s lookups: the line lists %s.", line.Database, strings.Join(names, ", ")),
			"nss-pwb-present")
	case len(line.Sources[pwb].Actions) > 0:
		return fail(fmt.Sprintf("pwb carries an action item on the %s line of %s", line.Database, path),
			fmt.Sprintf("pwb is followed by %s. The guide says to add only the bare pwb token; an action item changes when later sources are consulted.", strings.Join(line.Sources[pwb].Actions, " ")),
			"nss-pwb-no-params")
	case sss >= 0 && pwb > sss:
		return fail(fmt.Sprintf("pwb comes after %s on the %s line of %s", line.Sources[sss].Name, line.Database, path),
			fmt.Sprintf("With pwb after %s, SSSD answers (or fails) first for provisioned users. pwb must come before sss/sssd.", line.Sources[sss].Name),
			"nss-pwb-order")
	case sss < 0 && pwb != len(line.Sources)-1:
		return fail(fmt.Sprintf("pwb is not last on the %s line of %s", line.Database, path),
			fmt.Sprintf("With no sss/sssd source, pwb must be the last source; here %s follow it.", strings.Join(names[pwb+1:], ", ")),
			"nss-pwb-order")
	}
	return Finding{}, false
}

// wantPwbOrder is the line as the guide wants it: pwb (once, bare) before
// the first sss/sssd, otherwise last.
func wantPwbOrder(names []string) []string {
	var out []string
	placed := false
	for _, n := range names {
		if n == "pwb" {
			continue
		}
		if isSSS(n) && !placed {
			out = append(out, "pwb")
			placed = true
		}
		out = append(out, n)
	}
	if !placed {
		out = append(out, "pwb")
	}
	return out
}

func authselectFindings(c *Check, s *collectors.Snapshot) []Finding {
	var out []Finding
	custom := s.File(collectors.AuthselectCustomPWB)
	switch {
	case custom.Problem != nil:
		f, _ := c.unreadable(custom)
		out = append(out, f)
	case s.NSS.CustomPWB == nil:
		f := c.finding(Fail, "authselect manages nsswitch.conf but the custom/pwb profile is missing", "nss-authselect-custom-profile")
		f.Detail = collectors.NSSwitchPath + " is generated by authselect, so edits to it are overwritten by the next 'authselect apply-changes'. The pwb entries belong in " + collectors.AuthselectCustomPWB + ", which does not exist."
		f.Evidence = append(f.Evidence, Evidence{Path: collectors.AuthselectCustomPWB})
		f.Remediation = "sudo authselect create-profile pwb --base-on=minimal; add pwb to the passwd, group and shadow lines of " + collectors.AuthselectCustomPWB + "; sudo authselect select custom/pwb with-mkhomedir; sudo authselect apply-changes"
		out = append(out, f)
	default:
		for _, f := range pwbLines(c, collectors.AuthselectCustomPWB, s.NSS.CustomPWB) {
			if f.Severity == Fail {
				f.References = append([]string{c.rule("nss-authselect-custom-profile").Reference()}, f.References...)
			}
			out = append(out, f)
		}
	}

	a := s.NSS.Authselect
	conf := s.File(collectors.AuthselectConfPath)
	if f, bad := c.unreadable(conf); bad {
		return append(out, f)
	}
	if a == nil {
		f := c.finding(Fail, "no authselect profile is selected", "nss-authselect-selected-applied")
		f.Detail = collectors.NSSwitchPath + " looks generated by authselect, but " + collectors.AuthselectConfPath + " is missing, so no profile is selected."
		f.Evidence = append(f.Evidence, Evidence{Path: collectors.AuthselectConfPath})
		f.Remediation = "sudo authselect select custom/pwb with-mkhomedir; sudo authselect apply-changes"
		return append(out, f)
	}
	ev := Evidence{Path: collectors.AuthselectConfPath, Line: a.ProfileLine, Text: a.Profile}
	var problems []string
	if a.Profile != "custom/pwb" {
		problems = append(problems, fmt.Sprintf("the selected profile is %q, not \"custom/pwb\"", a.Profile))
	}
	if !a.HasFeature("with-mkhomedir") {
		problems = append(problems, "the feature with-mkhomedir is not enabled, so provisioned users get no home directory")
	}
	if len(problems) > 0 {
		f := c.finding(Fail, "authselect does not select custom/pwb with with-mkhomedir", "nss-authselect-selected-applied")
		f.Detail = "In " + collectors.AuthselectConfPath + ": " + strings.Join(problems, "; ") + "."
		f.Evidence = append(f.Evidence, ev)
		f.Remediation = "sudo authselect select custom/pwb with-mkhomedir; sudo authselect apply-changes"
		f.Data = map[string]any{"profile": a.Profile, "features": a.Features}
		return append(out, f)
	}
	f := c.finding(Pass, "authselect selects custom/pwb with with-mkhomedir", "nss-authselect-selected-applied")
	f.Detail = "The selected profile is custom/pwb and with-mkhomedir is enabled."
	f.Evidence = append(f.Evidence, ev)
	return append(out, f)
}
