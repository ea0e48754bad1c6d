package checks

import (
	"strings"
	"testing"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

func TestServices(t *testing.T) {
	launcherOn := parse.ParseKV([]byte("launcher-sessions-enabled=1\n"))
	live := &collectors.Snapshot{Live: true, Root: "/", Connect: &collectors.ConnectFacts{}, Workbench: &collectors.WorkbenchFacts{RServer: launcherOn},
		Services: collectors.Services{"rstudio-connect": "active", "rstudio-server": "failed", "rstudio-launcher": "active"}}
	fs := runServices(services, live)
	if len(fs) != 1 || fs[0].Severity != Fail || fs[0].Title != "rstudio-server is failed" {
		t.Errorf("findings %+v", fs)
	}
	live.Services["rstudio-server"] = "active"
	if fs := runServices(services, live); len(fs) != 1 || fs[0].Severity != Pass {
		t.Errorf("all active: %+v", fs)
	}
	if fs := runServices(services, &collectors.Snapshot{Root: "/mnt/disk"}); fs[0].Severity != Skip {
		t.Errorf("other root: %+v", fs)
	}
	if fs := runServices(services, &collectors.Snapshot{Live: true, Root: "/", Connect: &collectors.ConnectFacts{}}); fs[0].Severity != Skip {
		t.Errorf("no systemctl: %+v", fs)
	}
	// Launcher sessions off: a stopped (or absent) rstudio-launcher is fine.
	live.Workbench.RServer = parse.ParseKV([]byte("www-port=8787\n"))
	live.Services["rstudio-launcher"] = "inactive"
	if fs := runServices(services, live); len(fs) != 1 || fs[0].Severity != Pass || !strings.Contains(fs[0].Detail, "rstudio-launcher was not required") {
		t.Errorf("launcher sessions off: %+v", fs)
	}
	// A container: systemd is not PID 1. Not "systemctl said unknown", no
	// "systemctl start": say so, and what /proc shows.
	box := &collectors.Snapshot{Live: true, Root: "/", Workbench: &collectors.WorkbenchFacts{RServer: launcherOn},
		Services: collectors.Services{}, NoSystemd: "/run/systemd/system does not exist, so systemd is not the init system (PID 1 is tini)",
		Processes: []host.Process{{PID: 1, Comm: "tini"}, {PID: 7, Comm: "rserver"}}}
	fs = runServices(services, box)
	if len(fs) != 1 || fs[0].Severity != Info || strings.Contains(fs[0].Detail+fs[0].Remediation, "systemctl start") ||
		!strings.Contains(fs[0].Detail, "rserver running, rstudio-launcher not running") || !strings.Contains(fs[0].Detail, "PID 1 is tini") {
		t.Errorf("container: %+v", fs)
	}
}
