package parse

import (
	"strconv"
	"strings"
)

// NSSSource is one source on an nsswitch line, with the [STATUS=action]
// items that follow it.
type NSSSource struct {
	Name    string   `json:"name"`
	Actions []string `json:"actions,omitempty"`
}

// NSSLine is one database line of nsswitch.conf ("passwd: files sss pwb").
type NSSLine struct {
	Database string      `json:"database"`
	Sources  []NSSSource `json:"sources"`
	Line     int         `json:"line"`
	Raw      string      `json:"raw"`
}

// NSSwitch is a parsed nsswitch.conf.
type NSSwitch struct {
	Lines    []NSSLine   `json:"lines"`
	Header   string      `json:"header,omitempty"` // the first comment line (authselect signs its files there)
	Problems []KVProblem `json:"problems,omitempty"`
}

// ParseNSSwitch reads nsswitch.conf(5): "database: source [STATUS=action] ...".
// Comments start with '#'. A later line for the same database wins in glibc;
// Database returns that one.
func ParseNSSwitch(src []byte) *NSSwitch {
	n := &NSSwitch{}
	for i, raw := range splitLines(src) {
		line := i + 1
		t := strings.TrimSpace(raw)
		if strings.HasPrefix(t, "#") {
			if n.Header == "" {
				n.Header = t
			}
			continue
		}
		if c := strings.IndexByte(t, '#'); c >= 0 {
			t = strings.TrimSpace(t[:c])
		}
		if t == "" {
			continue
		}
		colon := strings.IndexByte(t, ':')
		if colon <= 0 {
			n.Problems = append(n.Problems, KVProblem{Line: line, Text: raw, Msg: "expected 'database: sources'"})
			continue
		}
		nl := NSSLine{Database: strings.TrimSpace(t[:colon]), Line: line, Raw: raw}
		rest := t[colon+1:]
		for len(rest) > 0 {
			rest = strings.TrimLeft(rest, " \t")
			if rest == "" {
				break
			}
			if rest[0] == '[' {
				end := strings.IndexByte(rest, ']')
				if end < 0 {
					end = len(rest) - 1
					n.Problems = append(n.Problems, KVProblem{Line: line, Text: raw, Msg: "unterminated [action] item"})
				}
				item := strings.TrimSpace(rest[:end+1])
				if len(nl.Sources) > 0 {
					s := &nl.Sources[len(nl.Sources)-1]
					s.Actions = append(s.Actions, item)
				} else {
					n.Problems = append(n.Problems, KVProblem{Line: line, Text: raw, Msg: "action item before any source"})
				}
				rest = rest[end+1:]
				continue
			}
			end := strings.IndexAny(rest, " \t[")
			if end < 0 {
				end = len(rest)
			}
			nl.Sources = append(nl.Sources, NSSSource{Name: rest[:end]})
			rest = rest[end:]
		}
		n.Lines = append(n.Lines, nl)
	}
	return n
}

// Database returns the effective line for a database.
func (n *NSSwitch) Database(db string) (NSSLine, bool) {
	if n == nil {
		return NSSLine{}, false
	}
	for i := len(n.Lines) - 1; i >= 0; i-- {
		if n.Lines[i].Database == db {
			return n.Lines[i], true
		}
	}
	return NSSLine{}, false
}

// NscdEntry is one setting of nscd.conf: "enable-cache passwd no" is
// Key "enable-cache", Service "passwd", Value "no".
type NscdEntry struct {
	Key     string `json:"key"`
	Service string `json:"service,omitempty"`
	Value   string `json:"value"`
	Line    int    `json:"line"`
	Raw     string `json:"raw"`
}

// Nscd is a parsed nscd.conf.
type Nscd struct {
	Entries []NscdEntry `json:"entries"`
}

// nscdGlobal are the nscd.conf(5) keys that take no service argument.
var nscdGlobal = map[string]bool{
	"logfile": true, "debug-level": true, "threads": true, "max-threads": true,
	"server-user": true, "stat-user": true, "reload-count": true, "paranoia": true,
	"restart-interval": true,
}

// ParseNscd reads nscd.conf(5).
func ParseNscd(src []byte) *Nscd {
	n := &Nscd{}
	for i, raw := range splitLines(src) {
		t := strings.TrimSpace(raw)
		if c := strings.IndexByte(t, '#'); c >= 0 {
			t = strings.TrimSpace(t[:c])
		}
		f := strings.Fields(t)
		if len(f) == 0 {
			continue
		}
		e := NscdEntry{Key: f[0], Line: i + 1, Raw: raw}
		switch {
		case nscdGlobal[f[0]] && len(f) >= 2:
			e.Value = strings.Join(f[1:], " ")
		case len(f) >= 3:
			e.Service, e.Value = f[1], strings.Join(f[2:], " ")
		case len(f) == 2:
			e.Service = f[1]
		}
		n.Entries = append(n.Entries, e)
	}
	return n
}

// Get returns the last entry for key and service.
func (n *Nscd) Get(key, service string) (NscdEntry, bool) {
	if n == nil {
		return NscdEntry{}, false
	}
	for i := len(n.Entries) - 1; i >= 0; i-- {
		e := n.Entries[i]
		if e.Key == key && e.Service == service {
			return e, true
		}
	}
	return NscdEntry{}, false
}

// PAMLine is one line of a PAM service file.
type PAMLine struct {
	Type    string   `json:"type,omitempty"` // auth, account, password, session (without a leading '-')
	Control string   `json:"control,omitempty"`
	Module  string   `json:"module,omitempty"`
	Args    []string `json:"args,omitempty"`
	Include string   `json:"include,omitempty"` // "@include common-auth"
	Line    int      `json:"line"`
	Raw     string   `json:"raw"`
}

// PAM is a parsed /etc/pam.d/<service>.
type PAM struct {
	Lines    []PAMLine   `json:"lines"`
	Problems []KVProblem `json:"problems,omitempty"`
}

// ParsePAM reads a PAM service file (pam.conf(5) without the service column):
// "type control module-path args", bracketed controls "[success=1 default=ignore]",
// Debian's "@include file", and line continuations with '\'.
func ParsePAM(src []byte) *PAM {
	p := &PAM{}
	lines := splitLines(src)
	for i := 0; i < len(lines); i++ {
		start := i + 1
		raw := lines[i]
		// Join continued lines.
		for strings.HasSuffix(raw, "\\") && i+1 < len(lines) {
			i++
			raw = strings.TrimSuffix(raw, "\\") + " " + lines[i]
		}
		t := raw
		if c := strings.IndexByte(t, '#'); c >= 0 {
			t = t[:c]
		}
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "@include") {
			f := strings.Fields(t)
			pl := PAMLine{Line: start, Raw: raw}
			if len(f) >= 2 {
				pl.Include = f[1]
			} else {
				p.Problems = append(p.Problems, KVProblem{Line: start, Text: raw, Msg: "@include without a file"})
				continue
			}
			p.Lines = append(p.Lines, pl)
			continue
		}
		f := pamFields(t)
		if len(f) < 3 {
			p.Problems = append(p.Problems, KVProblem{Line: start, Text: raw, Msg: "expected 'type control module [args]'"})
			continue
		}
		pl := PAMLine{Type: strings.TrimPrefix(f[0], "-"), Control: f[1], Line: start, Raw: raw}
		if strings.EqualFold(f[1], "include") || strings.EqualFold(f[1], "substack") {
			pl.Include = f[2]
		} else {
			pl.Module = f[2]
		}
		pl.Args = f[3:]
		p.Lines = append(p.Lines, pl)
	}
	return p
}

// pamFields splits on whitespace but keeps a bracketed control in one field.
func pamFields(s string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out
		}
		if s[0] == '[' {
			end := strings.IndexByte(s, ']')
			if end < 0 {
				end = len(s) - 1
			}
			out = append(out, s[:end+1])
			s = s[end+1:]
			continue
		}
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
}

// HasModule reports whether any line of type typ uses a module whose base
// name is module (e.g. "pam_mkhomedir.so").
func (p *PAM) HasModule(typ, module string) (PAMLine, bool) {
	if p == nil {
		return PAMLine{}, false
	}
	for _, l := range p.Lines {
		if l.Type == typ && (l.Module == module || strings.HasSuffix(l.Module, "/"+module)) {
			return l, true
		}
	}
	return PAMLine{}, false
}

// Authselect is /etc/authselect/authselect.conf: the selected profile and
// its enabled features.
type Authselect struct {
	Profile     string   `json:"profile"`
	ProfileLine int      `json:"profile_line,omitempty"`
	Features    []string `json:"features,omitempty"`
}

// ParseAuthselect reads authselect.conf: first non-comment line is the
// profile ID ("custom/pwb", "sssd"), each further line a feature.
func ParseAuthselect(src []byte) *Authselect {
	a := &Authselect{}
	for i, raw := range splitLines(src) {
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if a.Profile == "" {
			a.Profile, a.ProfileLine = t, i+1
			continue
		}
		a.Features = append(a.Features, t)
	}
	return a
}

// HasFeature reports whether feature is enabled.
func (a *Authselect) HasFeature(f string) bool {
	if a == nil {
		return false
	}
	for _, x := range a.Features {
		if x == f {
			return true
		}
	}
	return false
}

// OSRelease is the part of os-release(5) posit-doctor uses.
type OSRelease struct {
	ID         string   `json:"id"`
	IDLike     []string `json:"id_like,omitempty"`
	Name       string   `json:"name,omitempty"`
	PrettyName string   `json:"pretty_name,omitempty"`
	VersionID  string   `json:"version_id,omitempty"`
}

// ParseOSRelease reads KEY=value lines with optional shell quoting.
func ParseOSRelease(src []byte) *OSRelease {
	o := &OSRelease{}
	for _, raw := range splitLines(src) {
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			o.ID = v
		case "ID_LIKE":
			o.IDLike = strings.Fields(v)
		case "NAME":
			o.Name = v
		case "PRETTY_NAME":
			o.PrettyName = v
		case "VERSION_ID":
			o.VersionID = v
		}
	}
	return o
}

// osNames are the distributions' own names for their os-release IDs, for
// files that carry ID and VERSION_ID but neither PRETTY_NAME nor NAME
// (minimal container images).
var osNames = map[string]string{
	"ubuntu": "Ubuntu", "debian": "Debian GNU/Linux", "rhel": "Red Hat Enterprise Linux",
	"centos": "CentOS Linux", "rocky": "Rocky Linux", "almalinux": "AlmaLinux", "ol": "Oracle Linux Server",
	"amzn": "Amazon Linux", "fedora": "Fedora Linux", "sles": "SUSE Linux Enterprise Server",
	"opensuse-leap": "openSUSE Leap",
}

// Display names the OS for a report: PRETTY_NAME, else NAME and
// VERSION_ID, else the distribution's name for ID with VERSION_ID
// ("Ubuntu 22.04"), else ID; "" when the file says nothing.
func (o *OSRelease) Display() string {
	if o == nil {
		return ""
	}
	if o.PrettyName != "" {
		return o.PrettyName
	}
	name := o.Name
	if name == "" {
		name = osNames[strings.ToLower(o.ID)]
	}
	if name == "" {
		name = o.ID
	}
	return strings.TrimSpace(name + " " + o.VersionID)
}

// Family is "debian", "rhel" or "" (unknown), from ID and ID_LIKE.
func (o *OSRelease) Family() string {
	if o == nil {
		return ""
	}
	for _, id := range append([]string{o.ID}, o.IDLike...) {
		switch id {
		case "debian", "ubuntu":
			return "debian"
		case "rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn":
			return "rhel"
		case "suse", "sles", "opensuse":
			return "suse"
		}
	}
	return ""
}

// PasswdEntry is one line of /etc/passwd.
type PasswdEntry struct {
	Name string `json:"name"`
	UID  int    `json:"uid"`
	GID  int    `json:"gid"`
	Home string `json:"home,omitempty"`
	Line int    `json:"line"`
}

// ParsePasswd reads /etc/passwd; malformed lines are skipped.
func ParsePasswd(src []byte) []PasswdEntry {
	var out []PasswdEntry
	for i, raw := range splitLines(src) {
		f := strings.Split(raw, ":")
		if len(f) < 7 || f[0] == "" {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, PasswdEntry{Name: f[0], UID: uid, GID: gid, Home: f[5], Line: i + 1})
	}
	return out
}
