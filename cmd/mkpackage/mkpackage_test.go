package main

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/posit-doctor/posit-doctor/cmd/cli"
	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

const repo = "../.."

func TestPackageVersion(t *testing.T) {
	cases := []struct {
		describe string
		commits  int
		want     string
	}{
		{"v1.2.3", 0, "1.2.3"},
		{"1.2.3", 0, "1.2.3"},
		{"v1.2.3-rc1", 0, "1.2.3~rc1"},
		{"v0.1-3-gabc1234", 0, "0.1+git3.abc1234"},
		{"v1.2.3-rc1-10-g0123456789ab", 0, "1.2.3~rc1+git10.0123456789ab"},
		{"dfa9d53", 21, "0.0.0~git21.dfa9d53"},
		{"dfa9d53", 0, "0.0.0~gitdfa9d53"},
		{"dfa9d53-dirty", 21, "0.0.0~git21.dfa9d53.dirty"},
		{"v0.1-3-gabc1234-dirty", 0, "0.1+git3.abc1234.dirty"},
		{"v2.0.0-dirty", 0, "2.0.0.dirty"},
	}
	for _, c := range cases {
		got, err := PackageVersion(c.describe, c.commits)
		if err != nil || got != c.want {
			t.Errorf("PackageVersion(%q, %d) = %q, %v; want %q", c.describe, c.commits, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "dev", "release candidate", "v1.0;rm -rf", "vX"} {
		if got, err := PackageVersion(bad, 0); err == nil {
			t.Errorf("PackageVersion(%q) = %q, want an error", bad, got)
		}
	}
	// dpkg orders them as the history goes.
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Log("SKIP (LOUD): dpkg not installed; version ordering not checked")
		return
	}
	order := []string{"0.0.0~git5.aaaaaaa", "0.0.0~git21.bbbbbbb", "0.1~rc1", "0.1", "0.1+git3.abc1234", "0.2"}
	for i := 1; i < len(order); i++ {
		if err := exec.Command("dpkg", "--compare-versions", order[i-1], "lt", order[i]).Run(); err != nil {
			t.Errorf("dpkg does not order %s before %s", order[i-1], order[i])
		}
	}
}

// commandPages lists the man page each available command should get.
func commandPages() []string {
	var pages []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				walk(sub)
			}
		}
		pages = append(pages, strings.ReplaceAll(c.CommandPath(), " ", "-")+".1.gz")
	}
	walk(cli.Command())
	sort.Strings(pages)
	return pages
}

// TestStage: one gzipped page per command that man renders, and the three
// completion scripts.
func TestStage(t *testing.T) {
	dir := t.TempDir()
	date := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if err := Stage(dir, date); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "man"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := commandPages()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("man pages %v, want one per command %v", got, want)
	}
	for _, name := range []string{"posit-doctor.1.gz", "posit-doctor-run.1.gz"} {
		f, err := os.Open(filepath.Join(dir, "man", name))
		if err != nil {
			t.Fatal(err)
		}
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: not gzip: %v", name, err)
		}
		b, _ := io.ReadAll(z)
		f.Close()
		if !strings.HasPrefix(string(b), ".nh\n.TH ") || !strings.Contains(string(b), "Nov 2026") {
			t.Errorf("%s: not a dated man page:\n%.200s", name, b)
		}
	}
	if man, err := exec.LookPath("man"); err == nil {
		out, err := exec.Command(man, "-l", filepath.Join(dir, "man", "posit-doctor-run.1.gz")).CombinedOutput()
		if err != nil {
			t.Fatalf("man -l: %v\n%s", err, out)
		}
		for _, s := range []string{"posit-doctor-run", "--textfile", "--format"} {
			if !strings.Contains(string(out), s) {
				t.Errorf("rendered page lacks %q:\n%s", s, out)
			}
		}
	} else {
		t.Log("SKIP (LOUD): man not installed (Debian's man-db); pages not rendered")
	}
	for name, marker := range map[string]string{
		"posit-doctor.bash": "complete -o default -F __start_posit-doctor posit-doctor",
		"_posit-doctor":     "#compdef posit-doctor",
		"posit-doctor.fish": "complete -c posit-doctor",
	} {
		b, err := os.ReadFile(filepath.Join(dir, "completions", name))
		if err != nil || !strings.Contains(string(b), marker) {
			t.Errorf("%s: %v, lacks %q", name, err, marker)
		}
	}
	if out, err := exec.Command("bash", "-n", filepath.Join(dir, "completions", "posit-doctor.bash")).CombinedOutput(); err != nil {
		t.Errorf("bash -n on the completion: %v\n%s", err, out)
	}
}

// unitDirectives reads a unit file's Key=value lines (comments dropped).
func unitDirectives(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not Key=value", path, line)
		}
		d[k] = append(d[k], v)
	}
	return d
}

// TestSystemdUnits: the hardening the contract names, the textfile
// directory as the only writable path and the default file's value, the
// hourly randomised timer, and systemd-analyze verify clean.
func TestSystemdUnits(t *testing.T) {
	svc := unitDirectives(t, filepath.Join(repo, "deploy/systemd/posit-doctor.service"))
	timer := unitDirectives(t, filepath.Join(repo, "deploy/systemd/posit-doctor.timer"))
	def := unitDirectives(t, filepath.Join(repo, "deploy/systemd/posit-doctor.default"))
	textfileDir := def["POSIT_DOCTOR_TEXTFILE_DIR"]
	for k, want := range map[string]string{
		"Type": "oneshot", "ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
		"EnvironmentFile": "-/etc/default/posit-doctor",
		"ReadWritePaths":  "-" + strings.Join(textfileDir, ""),
	} {
		if got := svc[k]; len(got) != 1 || got[0] != want {
			t.Errorf("service %s = %q, want exactly %q", k, got, want)
		}
	}
	if len(textfileDir) != 1 || !strings.HasPrefix(textfileDir[0], "/") {
		t.Errorf("default POSIT_DOCTOR_TEXTFILE_DIR = %q", textfileDir)
	}
	if got := svc["Environment"]; len(got) != 1 || got[0] != "POSIT_DOCTOR_TEXTFILE_DIR="+textfileDir[0] {
		t.Errorf("service Environment = %q: the built-in default must match the default file", got)
	}
	exec0 := strings.Join(svc["ExecStart"], "")
	if !strings.HasPrefix(exec0, "/usr/bin/posit-doctor run ") || !strings.Contains(exec0, "--textfile ${POSIT_DOCTOR_TEXTFILE_DIR}") || !strings.Contains(exec0, "$POSIT_DOCTOR_OPTS") {
		t.Errorf("ExecStart = %q", exec0)
	}
	if fams := strings.Join(svc["RestrictAddressFamilies"], " "); !strings.Contains(fams, "AF_INET ") || !strings.Contains(fams, "AF_INET6") {
		t.Errorf("RestrictAddressFamilies = %q would stop the probes", fams)
	}
	for _, k := range []string{"IPAddressDeny", "PrivateNetwork"} {
		if _, ok := svc[k]; ok {
			t.Errorf("%s would stop the probes", k)
		}
	}
	if strings.Join(timer["OnCalendar"], "") != "hourly" || len(timer["RandomizedDelaySec"]) != 1 {
		t.Errorf("timer OnCalendar %q RandomizedDelaySec %q", timer["OnCalendar"], timer["RandomizedDelaySec"])
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("SKIP (LOUD): systemd-analyze not installed (Debian's systemd package); the units were not verified")
	}
	// verify wants ExecStart to exist and the Documentation= man page to be
	// found: point them at a real binary and the generated pages.
	dir := t.TempDir()
	bin := buildBinary(t)
	unit, _ := os.ReadFile(filepath.Join(repo, "deploy/systemd/posit-doctor.service"))
	os.WriteFile(filepath.Join(dir, "posit-doctor.service"), []byte(strings.ReplaceAll(string(unit), "/usr/bin/posit-doctor", bin.path)), 0o644)
	tm, _ := os.ReadFile(filepath.Join(repo, "deploy/systemd/posit-doctor.timer"))
	os.WriteFile(filepath.Join(dir, "posit-doctor.timer"), tm, 0o644)
	stage := filepath.Join(dir, "stage")
	if err := Stage(stage, time.Now()); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "man"), 0o755)
	os.Rename(filepath.Join(stage, "man"), filepath.Join(dir, "man", "man1"))
	cmd := exec.Command(analyze, "verify", filepath.Join(dir, "posit-doctor.service"), filepath.Join(dir, "posit-doctor.timer"))
	cmd.Env = append(os.Environ(), "MANPATH="+filepath.Join(dir, "man"))
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

type builtBinary struct {
	path, version string
	err           error
}

var (
	binOnce sync.Once
	binary  builtBinary
)

// buildBinary builds posit-doctor once per test run, with the version
// make build stamps (git describe) when git can tell it.
func buildBinary(t *testing.T) builtBinary {
	t.Helper()
	binOnce.Do(func() {
		version := "v0.0.0-test"
		if out, err := exec.Command("git", "-C", repo, "describe", "--tags", "--always", "--dirty").Output(); err == nil {
			version = strings.TrimSpace(string(out))
		}
		dir, err := os.MkdirTemp("", "mkpackage-bin-")
		if err != nil {
			binary.err = err
			return
		}
		path := filepath.Join(dir, "posit-doctor")
		cmd := exec.Command(goTool(), "build", "-trimpath", "-ldflags", "-s -w -X github.com/posit-doctor/posit-doctor/cmd/cli.Version="+version, "-o", path, "../posit-doctor")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = err
			binary.path = string(out)
			return
		}
		binary = builtBinary{path: path, version: version}
	})
	if binary.err != nil {
		t.Fatalf("building posit-doctor: %v\n%s", binary.err, binary.path)
	}
	return binary
}

// listing runs a command that lists a package's paths, one per line.
func listing(t *testing.T, name string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

var debPath = regexp.MustCompile(`\./(\S+)$`)

// TestPackages builds both packages once, unpacks the .deb into a
// temporary root with dpkg -x, runs the binary from there, and checks that
// dpkg-deb and rpm list the binary, every man page, the completions, the
// units and the conffile.
func TestPackages(t *testing.T) {
	for _, tool := range []string{"dpkg-deb", "rpm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP (LOUD): %s not installed (make test-deps installs dpkg and rpm); the packages were not built", tool)
		}
	}
	if testing.Short() {
		t.Skip("SKIP (LOUD): -short; building packages runs nfpm")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	paths, err := Build(Options{Describe: bin.version, Commits: 21, Epoch: 1795000000, Src: repo, Binary: bin.path,
		Stage: filepath.Join(dir, "stage"), Out: filepath.Join(dir, "dist")})
	if err != nil {
		t.Fatal(err)
	}
	version, _ := PackageVersion(bin.version, 21)
	wantNames := []string{"posit-doctor_" + version + "_amd64.deb", "posit-doctor_" + version + "_amd64.rpm"}
	if len(paths) != 2 || filepath.Base(paths[0]) != wantNames[0] || filepath.Base(paths[1]) != wantNames[1] {
		t.Fatalf("built %v, want %v", paths, wantNames)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "dist"))
	if len(entries) != 2 {
		t.Errorf("dist holds %d files, want the two packages (no temporary left)", len(entries))
	}
	deb, rpm := paths[0], paths[1]

	want := []string{
		"/usr/bin/posit-doctor",
		"/usr/share/bash-completion/completions/posit-doctor",
		"/usr/share/fish/vendor_completions.d/posit-doctor.fish",
		"/usr/lib/systemd/system/posit-doctor.service",
		"/usr/lib/systemd/system/posit-doctor.timer",
		"/etc/default/posit-doctor",
	}
	for _, p := range commandPages() {
		want = append(want, "/usr/share/man/man1/"+p)
	}
	debFiles := map[string]bool{}
	for _, line := range listing(t, "dpkg-deb", "-c", deb) {
		if m := debPath.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "d") {
			debFiles["/"+m[1]] = true
		}
	}
	rpmFiles := map[string]bool{}
	for _, p := range listing(t, "rpm", "-qpl", rpm) {
		rpmFiles[p] = true
	}
	for _, p := range want {
		if !debFiles[p] {
			t.Errorf("the .deb lacks %s", p)
		}
		if !rpmFiles[p] {
			t.Errorf("the .rpm lacks %s", p)
		}
	}
	if !debFiles["/usr/share/zsh/vendor-completions/_posit-doctor"] || !rpmFiles["/usr/share/zsh/site-functions/_posit-doctor"] {
		t.Error("zsh completion missing from its distribution's fpath directory")
	}
	if len(debFiles) != len(want)+1 || len(rpmFiles) != len(want)+1 {
		t.Errorf("unexpected files: deb %d, rpm %d, want %d each", len(debFiles), len(rpmFiles), len(want)+1)
	}
	if got := listing(t, "rpm", "-qpc", rpm); strings.Join(got, ",") != "/etc/default/posit-doctor" {
		t.Errorf("rpm config files %q", got)
	}
	if got := listing(t, "dpkg-deb", "-I", deb, "conffiles"); strings.Join(got, ",") != "/etc/default/posit-doctor" {
		t.Errorf("deb conffiles %q", got)
	}
	if got := listing(t, "dpkg-deb", "-f", deb, "Version"); got[0] != version+"-1" {
		t.Errorf("deb Version %q, want %s-1", got, version)
	}

	checkRemoveScripts(t, deb, rpm, filepath.Join(dir, "control"))

	root := filepath.Join(dir, "root")
	if out, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -x: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(root, "usr/bin/posit-doctor"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "posit-doctor "+bin.version+" ") {
		t.Errorf("unpacked posit-doctor version: %v %q, want %q", err, out, bin.version)
	}
	fi, err := os.Stat(filepath.Join(root, "etc/default/posit-doctor"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("conffile: %v %v", err, fi)
	}
}

// checkRemoveScripts: both packages carry deploy/nfpm/preremove.sh as the
// script run before removal (the .deb's prerm, the .rpm's %preun), and the
// script as packaged disables and stops the timer on removal only: run with
// a systemctl that records its arguments, once with a running systemd (a
// private mount namespace with /run/systemd/system, never the host's /run)
// and once without.
func checkRemoveScripts(t *testing.T, deb, rpm, control string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join(repo, "deploy/nfpm/preremove.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("dpkg-deb", "-e", deb, control).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -e: %v\n%s", err, out)
	}
	prerm := filepath.Join(control, "prerm")
	got, err := os.ReadFile(prerm)
	if err != nil || string(got) != string(want) {
		t.Errorf("the .deb's prerm is not deploy/nfpm/preremove.sh: %v\n%s", err, got)
	}
	if fi, err := os.Stat(prerm); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("prerm not executable: %v %v", err, fi)
	}
	out, err := exec.Command("rpm", "-qp", "--scripts", rpm).CombinedOutput()
	if err != nil {
		t.Fatalf("rpm -qp --scripts: %v\n%s", err, out)
	}
	_, preun, ok := strings.Cut(string(out), "preuninstall scriptlet (using /bin/sh):\n")
	if i := strings.Index(preun, "\npostuninstall scriptlet"); i >= 0 {
		preun = preun[:i+1]
	}
	if !ok || strings.TrimSpace(preun) != strings.TrimSpace(string(want)) {
		t.Errorf("the .rpm's %%preun is not deploy/nfpm/preremove.sh:\n%s", out)
	}
	rpmScript := filepath.Join(control, "rpm-preun")
	os.WriteFile(rpmScript, []byte(preun), 0o755)

	fakebin := filepath.Join(control, "fakebin")
	os.Mkdir(fakebin, 0o755)
	log := filepath.Join(control, "systemctl.log")
	os.WriteFile(filepath.Join(fakebin, "systemctl"), []byte("#!/bin/sh\necho \"$*\" >> \"$SYSTEMCTL_LOG\"\n"), 0o755)
	const disable = "--no-reload disable posit-doctor.timer\n"
	const stop = "stop posit-doctor.timer posit-doctor.service\n"
	unshare, uerr := exec.LookPath("unshare")
	for _, c := range []struct {
		script, arg string
		systemd     bool
		want        string
	}{
		{prerm, "remove", true, disable + stop},
		{prerm, "remove", false, disable},
		{prerm, "upgrade", true, ""},
		{prerm, "failed-upgrade", true, ""},
		{prerm, "deconfigure", true, ""},
		{rpmScript, "0", true, disable + stop},
		{rpmScript, "0", false, disable},
		{rpmScript, "1", true, ""},
	} {
		os.Remove(log)
		// A private mount namespace with a fresh /run: with or without
		// systemd's marker directory, whatever the host has.
		setup := "mount -t tmpfs tmpfs /run"
		if c.systemd {
			setup += " && mkdir -p /run/systemd/system"
		}
		if uerr != nil {
			t.Skipf("SKIP (LOUD): no unshare; the remove scripts were not run")
		}
		cmd := exec.Command(unshare, "-m", "sh", "-c", setup+` && exec sh "$0" "$1"`, c.script, c.arg)
		cmd.Env = []string{"PATH=" + fakebin + ":/usr/bin:/bin", "SYSTEMCTL_LOG=" + log}
		if out, err := cmd.CombinedOutput(); err != nil {
			if strings.Contains(string(out), "unshare failed") || strings.Contains(string(out), "mount:") {
				t.Skipf("SKIP (LOUD): cannot make a private mount namespace here (%s); the remove scripts were not run", out)
			}
			t.Errorf("%s %s: %v\n%s", filepath.Base(c.script), c.arg, err, out)
		}
		calls, _ := os.ReadFile(log)
		if string(calls) != c.want {
			t.Errorf("%s %s (systemd running %v): systemctl called with %q, want %q", filepath.Base(c.script), c.arg, c.systemd, calls, c.want)
		}
	}
}

// TestMonitoringExamples: the alert rules README shows are the shipped
// file, promtool accepts them, and their unit tests (an OK check turning
// not OK, a certificate 20 days from expiry, a host that stopped
// reporting) pass.
func TestMonitoringExamples(t *testing.T) {
	rules, err := os.ReadFile(filepath.Join(repo, "deploy/prometheus/posit-doctor-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(rules)+"```") {
		t.Error("README's alert rules differ from deploy/prometheus/posit-doctor-alerts.yml")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("SKIP (LOUD): promtool not installed (Debian's prometheus package); alert rules not checked")
	}
	for _, args := range [][]string{
		{"check", "rules", "posit-doctor-alerts.yml"},
		{"test", "rules", "posit-doctor-alerts.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = filepath.Join(repo, "deploy/prometheus")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// TestDefaultOptionsRun: the command line the service runs, with the
// options the default file ships, is accepted by posit-doctor and writes
// the textfile (on a fixture host, the network checks skipped).
// TestServiceSyscalls: the service's seccomp filter does not kill a run.
// strace records every system call the binary makes with the service's
// command line on a fixture host; each one outside SystemCallFilter
// (expanded by systemd-analyze syscall-filter) would end the run with
// SIGSYS unless SystemCallErrorNumber= turns it into an error, and then the
// run is repeated with strace injecting that error into exactly those calls
// and must give the same exit code and findings. (fsopen, fsconfig,
// fsmount and open_tree, for a private procfs, were outside
// @system-service with no SystemCallErrorNumber: the shipped unit died on
// its first open under --root.)
func TestServiceSyscalls(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("SKIP (LOUD): systemd-analyze not installed (Debian's systemd package); the seccomp filter was not checked")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("SKIP (LOUD): strace not installed (make test-deps installs it); the seccomp filter was not checked")
	}
	svc := unitDirectives(t, filepath.Join(repo, "deploy/systemd/posit-doctor.service"))
	out, err := exec.Command(analyze, "syscall-filter").Output()
	if err != nil {
		t.Fatalf("systemd-analyze syscall-filter: %v", err)
	}
	groups := map[string][]string{}
	var cur string
	for _, line := range strings.Split(string(out), "\n") {
		l := strings.TrimSpace(line)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(line, "@"):
			cur = l
		case cur != "":
			groups[cur] = append(groups[cur], l)
		}
	}
	allowed := map[string]bool{}
	var expand func(string)
	expand = func(name string) {
		if !strings.HasPrefix(name, "@") {
			allowed[name] = true
			return
		}
		for _, m := range groups[name] {
			expand(m)
		}
	}
	for _, f := range svc["SystemCallFilter"] {
		for _, name := range strings.Fields(f) {
			if strings.HasPrefix(name, "~") {
				t.Fatalf("SystemCallFilter %q: a deny list; this test expects an allow list", f)
			}
			expand(name)
		}
	}
	if len(allowed) < 100 {
		t.Fatalf("SystemCallFilter expands to %d calls; systemd-analyze's groups were not read", len(allowed))
	}

	def := unitDirectives(t, filepath.Join(repo, "deploy/systemd/posit-doctor.default"))
	opts := strings.Fields(strings.Trim(strings.Join(def["POSIT_DOCTOR_OPTS"], ""), `"`))
	root := filepath.Join(t.TempDir(), "host")
	if _, err := hostfixture.Build(filepath.Join(repo, "testdata/hosts"), "logs-errors", root); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t).path
	runTraced := func(extra ...string) (int, string, string) {
		dir := t.TempDir()
		trace := filepath.Join(t.TempDir(), "trace")
		args := append([]string{"-f", "-qq", "-o", trace}, extra...)
		args = append(args, bin, "run", "--textfile", dir)
		args = append(args, opts...)
		// --offline: the probes' own calls (socket, connect) are in
		// @network-io; in a test nothing may leave the host.
		args = append(args, "--root", root, "--since", "all", "--offline", "--format", "json")
		cmd := exec.Command(strace, args...)
		var stdout strings.Builder
		cmd.Stdout = &stdout
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		tr, _ := os.ReadFile(trace)
		return code, stdout.String(), string(tr)
	}
	code, report, trace := runTraced()
	if code != 2 {
		t.Fatalf("exit %d on logs-errors, want 2", code)
	}
	call := regexp.MustCompile(`(?m)^\d+ +(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>)`)
	used := map[string]bool{}
	for _, m := range call.FindAllStringSubmatch(trace, -1) {
		used[m[1]] = true
	}
	var outside []string
	for c := range used {
		if !allowed[c] {
			outside = append(outside, c)
		}
	}
	sort.Strings(outside)
	if len(used) < 20 {
		t.Fatalf("strace saw only %d distinct calls", len(used))
	}
	if len(outside) == 0 {
		return
	}
	errno := strings.Join(svc["SystemCallErrorNumber"], "")
	if errno == "" || errno == "kill" {
		t.Fatalf("the run makes %v, outside SystemCallFilter, and the unit has no SystemCallErrorNumber=: systemd would kill it with SIGSYS", outside)
	}
	code2, report2, _ := runTraced("-e", "inject="+strings.Join(outside, ",")+":error="+errno)
	if code2 != code || stripTimes(report2) != stripTimes(report) {
		t.Errorf("with %v failing with %s (as the filter makes them): exit %d (was %d), findings differ: %v", outside, errno, code2, code, stripTimes(report2) != stripTimes(report))
	}
}

var reportTimes = regexp.MustCompile(`"(started_at|duration_ms)": [^,\n]+`)

func stripTimes(s string) string { return reportTimes.ReplaceAllString(s, "") }

func TestDefaultOptionsRun(t *testing.T) {
	def := unitDirectives(t, filepath.Join(repo, "deploy/systemd/posit-doctor.default"))
	opts := strings.Fields(strings.Trim(strings.Join(def["POSIT_DOCTOR_OPTS"], ""), `"`))
	root := filepath.Join(t.TempDir(), "host")
	if _, err := hostfixture.Build(filepath.Join(repo, "testdata/hosts"), "ubuntu-healthy", root); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args := append([]string{"run", "--textfile", dir}, opts...)
	args = append(args, "--root", root, "--skip", "frontdoor-tls,issuer-reachable,clock-skew")
	out, err := exec.Command(buildBinary(t).path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("posit-doctor %v: %v\n%s", args, err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "posit_doctor.prom")); err != nil {
		t.Errorf("no textfile: %v", err)
	}
}
