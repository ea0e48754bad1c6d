package collectors

import (
	"path"
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
	// stdout or stderr: see Note), "missing" (no file where expected) or
	// "unreadable" (it may be there, but a directory on the way or the file
	// refused us: see Note; never reported as missing).
	Destination string       `json:"destination"`
	Note        string       `json:"note,omitempty"`
	Setting     string       `json:"setting,omitempty"` // the config line that chose the destination
	Since       time.Time    `json:"since,omitempty"`
	Scan        *logs.Result `json:"scan,omitempty"`
}

// locateLogs decides where each product logs, from its configuration first
// and the documented defaults second. look says whether a path exists and,
// when it cannot tell (permission denied), why.
func locateLogs(s *Snapshot, look func(string) (bool, string)) []*LogFacts {
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
				if ok, why := look(p); why != "" {
					lf.Path, lf.Destination, lf.Note = p, "unreadable", why
					break
				} else if ok {
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
			if ok, why := look(lf.Path); why != "" {
				lf.Destination, lf.Note = "unreadable", why
			} else if !ok {
				lf.Destination = "missing"
				lf.Note = "no rserver.log at " + lf.Path
			}
		}
		out = append(out, lf)
		if ok, why := look(launcherLog); why != "" {
			out = append(out, &LogFacts{Name: "rstudio-launcher.log", Product: "launcher", Path: launcherLog, Destination: "unreadable", Note: why})
		} else if ok {
			out = append(out, &LogFacts{Name: "rstudio-launcher.log", Product: "launcher", Path: launcherLog, Destination: "file"})
		}
	}
	return out
}

// collectLogs scans each log file (and its rotated siblings) in the window.
func (j *job) collectLogs() {
	ctx, since := j.ctx, j.opts.Since
	found := locateLogs(j.snap, j.look)
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

// look says whether p exists under the root and, when the answer is
// "cannot tell" (permission denied on p or on a directory on its way),
// which path refused and what to do.
func (j *job) look(p string) (bool, string) { return lookPath(j.h, j.file(p), p) }

// lookPath is look for a host and what is already known of p.
func lookPath(h *host.Host, known *FileFact, p string) (bool, string) {
	if known != nil && known.Exists && known.Problem == nil {
		return true, ""
	}
	_, err := h.Stat(p)
	if err == nil {
		return true, ""
	}
	if !host.IsPermission(err) {
		return false, ""
	}
	// The deepest directory we can still stat is the one whose search
	// permission we lack: stat needs search permission on the parents only.
	refused := p
	for d := path.Dir(p); ; d = path.Dir(d) {
		if _, err := h.Stat(d); err == nil {
			refused = d
			break
		}
		if d == "/" || d == "." {
			break
		}
	}
	return true, "cannot read " + refused + ": permission denied; run with sudo"
}

// LogTargets says where each product in the snapshot logs (the same
// decision the log-errors collection makes: the product's configuration
// first, the documented defaults second), for 'watch' to follow. A log that
// does not exist yet has Destination "missing" and its expected Path when
// one is known.
func LogTargets(h *host.Host, s *Snapshot) []*LogFacts {
	found := locateLogs(s, func(p string) (bool, string) { return lookPath(h, s.File(p), p) })
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
