// Bundle members: reports, facts, redacted config copies, log excerpts and
// system facts, each redacted in memory before it is added.

package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/redact"
)

func (b *bundleBuilder) reports() error {
	for _, f := range []struct {
		name   string
		format Format
	}{{"findings.json", FormatJSON}, {"report.txt", FormatText}, {"report.md", FormatMarkdown}} {
		red := redact.New()
		var buf bytes.Buffer
		if err := Write(&buf, b.in.Report, f.format, Options{}, red); err != nil {
			return err
		}
		b.add(f.name, "", buf.Bytes(), red.Counts(), "")
	}
	return nil
}

func (b *bundleBuilder) facts() error {
	red := redact.New()
	data, err := collectors.RedactedJSON(b.in.Snapshot, red)
	if err != nil {
		return err
	}
	b.add("facts.json", "", append(data, '\n'), red.Counts(), "")
	return nil
}

// keyMaterial names files whose whole content is a key: never copied.
func keyMaterial(s *collectors.Snapshot) map[string]string {
	m := map[string]string{
		collectors.SecureCookieKeyEtc:    "key material (secure-cookie-key)",
		collectors.SecureCookieKeyVarLib: "key material (secure-cookie-key)",
	}
	if w := s.Workbench; w != nil && w.SecureCookieKeyPath != "" {
		m[w.SecureCookieKeyPath] = "key material (secure-cookie-key)"
	}
	if p := s.Probes; p != nil {
		for _, lc := range p.LocalCerts {
			if lc.KeyPath != "" {
				m[lc.KeyPath] = "key material (TLS private key)"
			}
		}
	}
	if c := s.Connect; c != nil && c.Config != nil {
		for _, k := range [][2]string{{"OAuth2", "ClientSecretFile"}, {"Server", "EncryptionKeyFile"}, {"HTTPS", "Key"}} {
			if v := strings.TrimSpace(c.Config.Value(k[0], k[1])); v != "" {
				m[v] = "key material (" + k[0] + "." + k[1] + ")"
			}
		}
	}
	if w := s.Workbench; w != nil {
		if v := strings.TrimSpace(w.RServer.Value("ssl-certificate-key")); v != "" {
			m[v] = "key material (ssl-certificate-key)"
		}
	}
	if k := collectors.LauncherKeyFile(s); k != "" {
		m[k] = "key material (launcher.conf certificate-key-file)"
	}
	for _, k := range collectors.SAMLSPKeys(s) {
		m[k.Raw] = "key material (" + k.Name + ")"
	}
	return m
}

// files copies, redacted, every regular file the collectors read, except
// key material, account databases, /proc and the logs (see logs()).
func (b *bundleBuilder) files() {
	s := b.in.Snapshot
	keys := keyMaterial(s)
	for _, p := range s.FilePaths() {
		f := s.Files[p]
		switch {
		case !f.Exists:
			continue
		case strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/var/log/") || strings.HasPrefix(p, "/usr/") || strings.HasPrefix(p, "/sbin/"):
			continue
		case keys[p] != "":
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, keys[p]})
			continue
		case p == collectors.PasswdPath || p == collectors.GroupPath:
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, "account database (names of people); the checks' facts about it are in facts.json"})
			continue
		case f.Problem != nil:
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, f.Problem.Detail})
			continue
		case f.Type != "file":
			continue
		}
		// Collected once: the bytes the collectors read and the checks
		// judged, not a second read of the host.
		data, ok := s.Content(p)
		if !ok {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, fmt.Sprintf("not kept from the collection (over %d bytes, or not read), so not copied", 4<<20)})
			continue
		}
		red := redact.New()
		var out bytes.Buffer
		if _, err := red.Copy(&out, bytes.NewReader(data), 64<<10); err != nil {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, "not redactable, so not copied: " + err.Error()})
			continue
		}
		b.add("files"+p, p, out.Bytes(), red.Counts(), "")
	}
}

// logs adds the log excerpts collected with the snapshot (collectors
// artifacts.go: error lines with context, last lines), redacted and within
// the total cap. Nothing here reads the host.
func (b *bundleBuilder) logs() {
	if b.in.LogWindows != nil {
		b.windowLogs()
		return
	}
	a := b.in.Snapshot.Artifacts
	if a == nil {
		return
	}
	for _, lx := range a.Logs {
		if b.logBytes+len(lx.Data) > logTotalCap {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lx.Path, fmt.Sprintf("the log excerpts reached the %d-byte total cap", logTotalCap)})
			continue
		}
		red := redact.New()
		var out bytes.Buffer
		if _, err := red.Copy(&out, bytes.NewReader(lx.Data), logExcerptCap+1); err != nil {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lx.Path, "excerpt not redactable, so not copied: " + err.Error()})
			continue
		}
		b.logBytes += out.Len()
		b.add("logs/"+lx.Name, lx.Path, out.Bytes(), red.Counts(), lx.Note)
	}
}

// system adds what support asks for first (OS, kernel, uptime, memory,
// disk, service states, product versions), as collected with the snapshot:
// the commands ran in the collectors, on a live root only. Every member is
// redacted here.
func (b *bundleBuilder) system() {
	a := b.in.Snapshot.Artifacts
	if a == nil {
		return
	}
	for _, m := range a.System {
		red := redact.New()
		text := red.String(string(m.Data))
		if m.Command != nil {
			text = "$ " + strings.Join(m.Command, " ") + "\n" + text
		}
		b.add("system/"+m.Name, m.Source, []byte(text), red.Counts(), "")
	}
}

// redactArgs keeps the command line readable without leaking a secret
// that was passed on it (a --url with a password, say).
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redact.String(a)
	}
	return out
}
