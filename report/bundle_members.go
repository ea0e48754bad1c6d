// Bundle members: reports, facts, redacted config copies, log excerpts and
// system facts, each redacted in memory before it is added.

package report

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/logs"
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

// logs adds, per product log, the error lines of the window with a little
// context and the last lines of the current file, redacted and capped.
func (b *bundleBuilder) logs(ctx context.Context) {
	if b.in.LogWindows != nil {
		b.windowLogs()
		return
	}
	for _, lf := range b.in.Snapshot.Logs {
		if lf.Destination != "file" || lf.Scan == nil {
			continue
		}
		var ex bytes.Buffer
		note := ""
		for _, fs := range lf.Scan.Files {
			if fs.Problem != "" || fs.Skipped != "" || fs.Compressed {
				continue
			}
			if n := b.errorContext(ctx, fs, &ex); n != "" {
				note = n
			}
		}
		tail := b.tail(lf.Path)
		if len(tail) > 0 {
			fmt.Fprintf(&ex, "==> last %d lines of %s <==\n", logTailLines, lf.Path)
			ex.Write(tail)
		}
		if ex.Len() > logExcerptCap {
			ex.Truncate(logExcerptCap)
			note = fmt.Sprintf("cut at %d bytes", logExcerptCap)
		}
		if b.logBytes+ex.Len() > logTotalCap {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lf.Path, fmt.Sprintf("the log excerpts reached the %d-byte total cap", logTotalCap)})
			continue
		}
		red := redact.New()
		var out bytes.Buffer
		if _, err := red.Copy(&out, &ex, logExcerptCap+1); err != nil {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lf.Path, "excerpt not redactable, so not copied: " + err.Error()})
			continue
		}
		b.logBytes += out.Len()
		b.add("logs/"+lf.Name, lf.Path, out.Bytes(), red.Counts(), note)
	}
}

// errorContext re-reads a log file's window and writes each error line with
// logContextLines lines before it, in bounded memory.
func (b *bundleBuilder) errorContext(ctx context.Context, fs logs.FileScan, w *bytes.Buffer) string {
	f, _, err := b.in.Host.Open(fs.Path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(fs.StartOffset, io.SeekStart); err != nil {
		return ""
	}
	fmt.Fprintf(w, "==> error lines of %s with %d lines of context <==\n", fs.Path, logContextLines)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var before []string
	n := 0
	// Every line of the window is redacted, in order, before any is kept:
	// a private-key block that begins above the context lines is still
	// known to be one inside them.
	lr := redact.New().Lines()
	for sc.Scan() {
		if n%4096 == 0 && ctx.Err() != nil {
			return "stopped at the deadline"
		}
		line := lr.Line(sc.Text())
		if logs.Classify([]byte(line)).Level == logs.LevelError {
			n++
			for _, l := range before {
				w.WriteString("  " + l + "\n")
			}
			w.WriteString("> " + line + "\n")
			before = before[:0]
			if n >= logMaxErrors || w.Len() > logExcerptCap {
				return fmt.Sprintf("error lines cut after %d", n)
			}
			continue
		}
		before = append(before, line)
		if len(before) > logContextLines {
			before = before[1:]
		}
	}
	if sc.Err() != nil {
		return "a line over 64 KiB ended the excerpt"
	}
	return ""
}

// tail returns the last logTailLines lines of a file (reading at most its
// last 256 KiB).
func (b *bundleBuilder) tail(p string) []byte {
	f, in, err := b.in.Host.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	off := in.Size - 256<<10
	if off < 0 {
		off = 0
	}
	buf := make([]byte, in.Size-off)
	n, _ := f.ReadAt(buf, off)
	buf = buf[:n]
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	lines := bytes.SplitAfter(buf, []byte("\n"))
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	// A line longer than a screenful is cut: what support needs is its
	// start, and a partial multi-megabyte line helps nobody.
	for i, l := range lines {
		if len(l) > logLineCap {
			lines[i] = append(append(l[:logLineCap:logLineCap], []byte(fmt.Sprintf(" …[%d bytes cut]", len(l)-logLineCap))...), '\n')
		}
	}
	return bytes.Join(lines, nil)
}

// system adds what support asks for first: OS, kernel, uptime, memory, disk,
// service states and product versions. Commands run only on a live root,
// each with a timeout; under another --root only the root's files are used.
func (b *bundleBuilder) system(ctx context.Context) {
	addFile := func(name, p string) {
		if data, _, err := b.in.Host.ReadFile(p); err == nil {
			red := redact.New()
			out := red.String(string(data))
			b.add("system/"+name, p, []byte(out), red.Counts(), "")
		}
	}
	addFile("os-release", collectors.OSReleasePath)
	if !b.in.Host.IsLive() {
		return
	}
	addFile("uptime", "/proc/uptime")
	addFile("meminfo", "/proc/meminfo")
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		s := func(a [65]int8) string {
			var sb strings.Builder
			for _, c := range a {
				if c == 0 {
					break
				}
				sb.WriteByte(byte(c))
			}
			return sb.String()
		}
		b.add("system/uname", "", []byte(fmt.Sprintf("%s %s %s %s\n", s(u.Sysname), s(u.Release), s(u.Version), s(u.Machine))), nil, "")
	}
	var st syscall.Statfs_t
	var disk strings.Builder
	for _, m := range []string{"/", "/var", "/home", "/tmp"} {
		if syscall.Statfs(m, &st) == nil {
			fmt.Fprintf(&disk, "%s total %d MiB free %d MiB\n", m, st.Blocks*uint64(st.Bsize)>>20, st.Bavail*uint64(st.Bsize)>>20)
		}
	}
	b.add("system/disk", "", []byte(disk.String()), nil, "")
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"services", []string{"systemctl", "is-active", "rstudio-connect", "rstudio-server", "rstudio-launcher", "nscd", "sssd", "oddjobd"}},
		{"workbench-version", []string{"/usr/lib/rstudio-server/bin/rstudio-server", "version"}},
	} {
		if _, err := exec.LookPath(c.argv[0]); err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		out, _ := exec.CommandContext(cctx, c.argv[0], c.argv[1:]...).CombinedOutput()
		cancel()
		if len(out) > 64<<10 {
			out = out[:64<<10]
		}
		red := redact.New()
		text := "$ " + strings.Join(c.argv, " ") + "\n" + red.String(string(out))
		b.add("system/"+c.name, "", []byte(text), red.Counts(), "")
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
