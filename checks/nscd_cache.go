package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

var nscdCache = &Check{
	ID:    "nscd-cache",
	Title: "nscd does not cache passwd and group",
	Description: `Workbench user provisioning keeps its own cache of the users and groups it
creates. When nscd also caches passwd and group, a freshly provisioned user can
stay unknown to the system until nscd's entry expires, and sign-in fails. If nscd
is installed, /etc/nscd.conf must say "enable-cache passwd no" and
"enable-cache group no". nscd running with either cache on fails; installed but
stopped with a cache on warns (it starts on the next boot).`,
	Rules: []Rule{
		{ID: "nscd-passwd-cache-off", Level: "must", Text: "If nscd is installed or running, /etc/nscd.conf has 'enable-cache passwd no'.", Source: seed000 + `: "NSCD Caching can cause issues with Workbench's user provisioning process"`},
		{ID: "nscd-group-cache-off", Level: "must", Text: "Same for 'enable-cache group no'.", Source: seed000 + `: "enable-cache group no"`},
	},
	Docs:  []string{"https://docs.posit.co/ide/server-pro/admin/quick-starts/entraid-openid.html"},
	Needs: []collectors.Need{collectors.NeedWorkbench, collectors.NeedNscd},
	Run:   runNscdCache,
}

func runNscdCache(c *Check, s *collectors.Snapshot) []Finding {
	if s.Workbench == nil {
		return []Finding{c.skip("Posit Workbench is not installed (no " + collectors.RServerConfPath + ")")}
	}
	if f, bad := c.unreadable(s.File(collectors.RServerConfPath)); bad {
		return []Finding{f}
	}
	if !s.Workbench.ProvisioningEnabled() {
		return []Finding{c.skip("Workbench user provisioning is off, so nscd's caches do not affect it")}
	}
	n := s.Nscd
	running := n != nil && len(n.Running) > 0
	if n == nil || (!n.Installed() && !running) {
		if f, bad := c.unreadable(s.File(collectors.NscdConfPath)); bad {
			return []Finding{f}
		}
		f := c.finding(Pass, "nscd is not installed", "nscd-passwd-cache-off")
		f.Detail = "Neither an nscd binary nor " + collectors.NscdConfPath + " was found, and no nscd process is running."
		return []Finding{f}
	}
	state := "installed but not running"
	if running {
		state = fmt.Sprintf("running (pid %s)", joinInts(n.Running))
	}
	if f, bad := c.unreadable(s.File(collectors.NscdConfPath)); bad {
		return []Finding{f}
	}
	if n.Config == nil {
		sev := Warn
		if running {
			sev = Fail
		}
		f := c.finding(sev, "nscd is "+state+" without "+collectors.NscdConfPath, "nscd-passwd-cache-off", "nscd-group-cache-off")
		f.Detail = "nscd is " + state + " and there is no " + collectors.NscdConfPath + " saying 'enable-cache passwd no' and 'enable-cache group no'."
		f.Evidence = append(f.Evidence, Evidence{Path: collectors.NscdConfPath})
		f.Remediation = "Create " + collectors.NscdConfPath + " with the lines 'enable-cache passwd no' and 'enable-cache group no', then restart nscd (or remove nscd)."
		return []Finding{f}
	}

	var out []Finding
	var good []Evidence
	for _, svc := range []string{"passwd", "group"} {
		rule := "nscd-" + svc + "-cache-off"
		e, ok := n.Config.Get("enable-cache", svc)
		switch {
		case !ok:
			// glibc's nscd starts with every cache disabled, so a missing
			// line is off in effect; the guide still asks for the explicit
			// line, which survives a package update's new default config.
			f := c.finding(Warn, fmt.Sprintf("%s does not say 'enable-cache %s no'", collectors.NscdConfPath, svc), rule)
			f.Detail = fmt.Sprintf("nscd is %s and %s has no enable-cache line for %s. nscd's built-in default is off, but the guide asks for the explicit line.", state, collectors.NscdConfPath, svc)
			f.Evidence = append(f.Evidence, Evidence{Path: collectors.NscdConfPath})
			f.Remediation = fmt.Sprintf("Add 'enable-cache %s no' to %s and restart nscd.", svc, collectors.NscdConfPath)
			out = append(out, f)
		case strings.EqualFold(e.Value, "no"):
			good = append(good, Evidence{Path: collectors.NscdConfPath, Line: e.Line, Text: e.Raw})
		default:
			sev, why := Warn, "it is not running now, but will cache "+svc+" entries as soon as it starts"
			if running {
				sev, why = Fail, "it is caching "+svc+" entries now, so newly provisioned users can stay unknown until the cache entry expires"
			}
			f := c.finding(sev, fmt.Sprintf("nscd caches %s (enable-cache %s %s)", svc, svc, e.Value), rule)
			f.Detail = fmt.Sprintf("nscd is %s with the %s cache enabled: %s.", state, svc, why)
			f.Evidence = append(f.Evidence, Evidence{Path: collectors.NscdConfPath, Line: e.Line, Text: e.Raw})
			f.Remediation = fmt.Sprintf("Change line %d of %s to 'enable-cache %s no' and run 'sudo systemctl restart nscd' (or remove nscd: Workbench provisioning caches by itself).", e.Line, collectors.NscdConfPath, svc)
			f.Data = map[string]any{"service": svc, "value": e.Value, "running": running}
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		f := c.finding(Pass, "nscd does not cache passwd or group", "nscd-passwd-cache-off", "nscd-group-cache-off")
		f.Detail = "nscd is " + state + " with the passwd and group caches disabled."
		f.Evidence = good
		out = append(out, f)
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
