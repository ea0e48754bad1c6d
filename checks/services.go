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
and rstudio-launcher are active, for each product whose configuration exists. A
product whose config exists but whose service is down fails. Under another
--root it skips: there is no running system to ask.`,
	Rules: []Rule{
		{ID: "svc-connect-running", Level: "must", Text: "rstudio-connect is active.", Source: seed000 + `: "sudo systemctl status rstudio-connect"`},
		{ID: "svc-workbench-running", Level: "must", Text: "rstudio-server and rstudio-launcher are active.", Source: seed000 + `: "sudo systemctl status rstudio-launcher"`},
	},
	Docs:  []string{"https://docs.posit.co/ide/server-pro/server_management/core_administrative_tasks.html"},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedWorkbench, collectors.NeedServices},
	Run:   runServices,
}

func runServices(c *Check, s *collectors.Snapshot) []Finding {
	if !s.Live {
		return []Finding{c.skip("services are asked only on the live host (--root /); this run reads " + s.Root)}
	}
	if s.Services == nil {
		return []Finding{c.skip("systemctl is not available on this host")}
	}
	var units []string
	if s.Connect != nil {
		units = append(units, "rstudio-connect")
	}
	if s.Workbench != nil {
		units = append(units, "rstudio-server", "rstudio-launcher")
	}
	if len(units) == 0 {
		return []Finding{c.skip("neither Posit Connect nor Posit Workbench is installed")}
	}
	var issues []issue
	var up []string
	for _, u := range units {
		st := s.Services[u]
		rule := "svc-workbench-running"
		if u == "rstudio-connect" {
			rule = "svc-connect-running"
		}
		if st != "active" {
			issues = append(issues, issue{sev: Fail, rule: rule, title: fmt.Sprintf("%s is %s", u, st),
				detail: fmt.Sprintf("Its configuration exists, but systemctl is-active %s says %q.", u, st),
				fix:    fmt.Sprintf("sudo systemctl start %s; then read 'sudo journalctl -u %s -n 50' for why it stopped.", u, u)})
			continue
		}
		up = append(up, u)
	}
	return c.emit(issues, "services active: "+strings.Join(up, ", "), "systemctl reports every configured product's service as active.", "svc-connect-running", "svc-workbench-running")
}
