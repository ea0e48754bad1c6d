package checks

import (
	"testing"

	"github.com/posit-doctor/posit-doctor/collectors"
)

func TestServices(t *testing.T) {
	live := &collectors.Snapshot{Live: true, Root: "/", Connect: &collectors.ConnectFacts{}, Workbench: &collectors.WorkbenchFacts{},
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
	if fs := runServices(services, &collectors.Snapshot{Live: true, Root: "/"}); fs[0].Severity != Skip {
		t.Errorf("no systemctl: %+v", fs)
	}
}
