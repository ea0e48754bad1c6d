package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

var services = &Check{
	ID:    "services",
	Title: "the product services are running",
	Description: `On the live host (root /), asks systemd whether rstudio-connect, rstudio-server
and (when Launcher sessions are on) rstudio-launcher are active, for each product
whose configuration exists. A product whose config exists but whose service is
down fails. Without a running systemd (most containers) it says so and reports
what /proc shows instead. Under another --root it skips: there is no running
system to ask.`,
	Rules: []Rule{
		{ID: "svc-connect-running", Level: "must", Text: "rstudio-connect is active.", Source: seed000 + `: "sudo systemctl status rstudio-connect"`},
		{ID: "svc-workbench-running", Level: "must", Text: "rstudio-server and rstudio-launcher are active.", Source: seed000 + `: "sudo systemctl status rstudio-launcher"`},
	},
	Docs:  []string{"https://docs.posit.co/ide/server-pro/server_management/core_administrative_tasks.html"},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedWorkbench, collectors.NeedServices, collectors.NeedProcesses},
	Run:   runServices,
}

func runServices(c *Check, s *collectors.Snapshot) []Finding {
	if !s.Live {
		return []Finding{c.skip("services are asked only on the live host (--root /); this run reads " + s.Root)}
	}
	type unit struct{ name, rule, proc string }
	var units []unit
	if s.Connect != nil {
		units = append(units, unit{"rstudio-connect", "svc-connect-running", "connect"})
	}
	if s.Workbench != nil {
		units = append(units, unit{"rstudio-server", "svc-workbench-running", "rserver"})
		// The Launcher runs only for Launcher sessions; without them
		// rserver starts sessions itself and no rstudio-launcher is needed.
		if s.Workbench.RServer != nil && s.Workbench.RServer.Enabled("launcher-sessions-enabled") {
			units = append(units, unit{"rstudio-launcher", "svc-workbench-running", "rstudio-launcher"})
		}
	}
	if len(units) == 0 {
		return []Finding{c.skip("neither Posit Connect nor Posit Workbench is installed")}
	}
	if s.NoSystemd != "" {
		// A container: no service manager to ask. Say what /proc shows.
		var seen []string
		for _, u := range units {
			state := "not running"
			for _, p := range s.Processes {
				if p.Comm == u.proc {
					state = "running"
					break
				}
			}
			seen = append(seen, u.proc+" "+state)
		}
		f := c.finding(Info, "systemd is not running here (a container?): service states were not asked", "svc-connect-running", "svc-workbench-running")
		f.Detail = "systemctl cannot answer: " + s.NoSystemd + ". From /proc: " + strings.Join(seen, ", ") + ". In a container the products are started by its entrypoint, or run in other containers."
		f.Remediation = "Check the container's entrypoint and logs (docker logs / kubectl logs) for the product that is not running."
		f.Data = map[string]any{"no_systemd": s.NoSystemd, "processes": seen}
		return []Finding{f}
	}
	if s.Services == nil {
		return []Finding{c.skip("systemctl is not available on this host")}
	}
	var issues []issue
	var up []string
	for _, u := range units {
		st := s.Services[u.name]
		if st != "active" {
			issues = append(issues, issue{sev: Fail, rule: u.rule, title: fmt.Sprintf("%s is %s", u.name, st),
				detail: fmt.Sprintf("Its configuration exists, but systemctl is-active %s says %q.", u.name, st),
				fix:    fmt.Sprintf("sudo systemctl start %s; then read 'sudo journalctl -u %s -n 50' for why it stopped.", u.name, u.name)})
			continue
		}
		up = append(up, u.name)
	}
	detail := "systemctl reports every configured product's service as active."
	if s.Workbench != nil && (s.Workbench.RServer == nil || !s.Workbench.RServer.Enabled("launcher-sessions-enabled")) {
		detail += " rstudio-launcher was not required: Launcher sessions are off (launcher-sessions-enabled is not 1)."
	}
	return c.emit(issues, "services active: "+strings.Join(up, ", "), detail, "svc-connect-running", "svc-workbench-running")
}
