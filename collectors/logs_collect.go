package collectors

import (
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/logs"
)

// Default log locations (../shared/realworld/logs.md §1).
var (
	connectLogDefaults = []string{
		"/var/log/rstudio/rstudio-connect/rstudio-connect.log", // 2022.11 and later
		"/var/log/rstudio/rstudio-connect.log",                 // the field guide's path
		"/var/log/rstudio-connect.log",                         // before 2022.11
	}
	workbenchLogDir = "/var/log/rstudio/rstudio-server"
	launcherLog     = "/var/log/rstudio/launcher/rstudio-launcher.log"
)

// LogFacts is one product log as found and scanned.
type LogFacts struct {
	Name    string `json:"name"`    // rserver.log, rstudio-connect.log, rstudio-launcher.log
	Product string `json:"product"` // workbench, connect, launcher
	Path    string `json:"path,omitempty"`
	// Destination is "file", "journal" (the product logs to syslog,
	// stdout or stderr: see Note) or "missing" (no file where expected).
	Destination string       `json:"destination"`
	Note        string       `json:"note,omitempty"`
	Setting     string       `json:"setting,omitempty"` // the config line that chose the destination
	Since       time.Time    `json:"since,omitempty"`
	Scan        *logs.Result `json:"scan,omitempty"`
}

// locateLogs decides where each product logs, from its configuration first
// and the documented defaults second.
func locateLogs(s *Snapshot, exists func(string) bool) []*LogFacts {
	var out []*LogFacts
	if s.Connect != nil {
		lf := &LogFacts{Name: "rstudio-connect.log", Product: "connect"}
		dest := ""
		if e, ok := s.Connect.Config.Get("Logging", "ServiceLog"); ok {
			dest = strings.TrimSpace(e.Value)
			lf.Setting = e.Raw
		}
		switch {
		case strings.EqualFold(dest, "STDOUT") || strings.EqualFold(dest, "STDERR"):
			lf.Destination = "journal"
			lf.Note = "[Logging] ServiceLog = " + dest + ": the service log goes to the systemd journal; read it with 'journalctl -u rstudio-connect'"
		case strings.HasPrefix(dest, "/"):
			lf.Path, lf.Destination = dest, "file"
		default:
			for _, p := range connectLogDefaults {
				if exists(p) {
					lf.Path, lf.Destination = p, "file"
					break
				}
			}
			if lf.Path == "" {
				lf.Destination = "missing"
				lf.Note = "no Connect service log at " + strings.Join(connectLogDefaults, ", ")
			}
		}
		out = append(out, lf)
	}
	if w := s.Workbench; w != nil {
		lf := &LogFacts{Name: "rserver.log", Product: "workbench"}
		dir, logger := workbenchLogDir, ""
		for _, sec := range []string{"*", "@rserver"} {
			if e, ok := w.Logging.GetIn(sec, "log-dir"); ok && strings.HasPrefix(e.Value, "/") {
				dir = e.Value
			}
			if e, ok := w.Logging.GetIn(sec, "logger-type"); ok {
				logger, lf.Setting = strings.ToLower(e.Value), e.Raw
			}
		}
		switch logger {
		case "syslog", "stderr":
			lf.Destination = "journal"
			lf.Note = "logging.conf logger-type=" + logger + ": rserver logs to " + logger + ", not a file; read it with 'journalctl -u rstudio-server'"
		default:
			lf.Path = strings.TrimRight(dir, "/") + "/rserver.log"
			lf.Destination = "file"
			if !exists(lf.Path) {
				lf.Destination = "missing"
				lf.Note = "no rserver.log at " + lf.Path
			}
		}
		out = append(out, lf)
		if exists(launcherLog) {
			out = append(out, &LogFacts{Name: "rstudio-launcher.log", Product: "launcher", Path: launcherLog, Destination: "file"})
		}
	}
	return out
}

// collectLogs scans each log file (and its rotated siblings) in the window.
func (j *job) collectLogs() {
	ctx, since := j.ctx, j.opts.Since
	found := locateLogs(j.snap, func(p string) bool { return j.file(p).Exists || j.h.Exists(p) })
	for _, lf := range found {
		lf.Since = since
		if lf.Destination != "file" {
			continue
		}
		sc := logs.NewScanner(lf.Product, since, j.h.Now())
		for _, p := range logs.Siblings(j.h, lf.Path) {
			j.stat(p)
			sc.ScanFile(ctx, j.h, p)
		}
		r := sc.Result()
		lf.Scan = &r
	}
	j.set(func(s *Snapshot) { s.Logs = found })
}

// LogTargets says where each product in the snapshot logs (the same
// decision the log-errors collection makes: the product's configuration
// first, the documented defaults second), for 'watch' to follow. A log that
// does not exist yet has Destination "missing" and its expected Path when
// one is known.
func LogTargets(h *host.Host, s *Snapshot) []*LogFacts {
	found := locateLogs(s, func(p string) bool { return s.File(p).Exists || h.Exists(p) })
	for _, lf := range found {
		if lf.Destination == "missing" && lf.Path == "" && lf.Product == "connect" {
			lf.Path = connectLogDefaults[0] // the current default: where a new install writes
		}
	}
	if s.Workbench != nil {
		have := false
		for _, lf := range found {
			have = have || lf.Product == "launcher"
		}
		if !have {
			// Not there yet: the Launcher creates it when it starts.
			found = append(found, &LogFacts{Name: "rstudio-launcher.log", Product: "launcher", Path: launcherLog, Destination: "missing", Note: "no Launcher log at " + launcherLog + " yet"})
		}
	}
	return found
}
