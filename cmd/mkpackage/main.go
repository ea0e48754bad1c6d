// Command mkpackage builds posit-doctor's .deb and .rpm (make package): the
// man pages (one per command, from the cobra tree, gzipped) and the bash,
// zsh and fish completions are generated into a staging directory, then
// nfpm packs them with the binary, the systemd units and
// /etc/default/posit-doctor (a conffile) as deploy/nfpm/nfpm.yaml says.
//
// nfpm runs as its own program at a pinned version (go run NFPM@version),
// not as a library: as a dependency of this module it would upgrade
// libraries the posit-doctor binary links (gcfg, the compressors, x/sys)
// through minimal version selection.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/posit-doctor/posit-doctor/cmd/cli"
)

func main() {
	var o Options
	flag.StringVar(&o.Describe, "version", "", "the binary's version, as 'git describe --tags --always --dirty' prints it")
	flag.IntVar(&o.Commits, "commits", 0, "commits in the history ('git rev-list --count HEAD'), to order untagged builds")
	flag.Int64Var(&o.Epoch, "mtime", 0, "file and man page dates, in Unix seconds (the commit time, for reproducible packages)")
	flag.StringVar(&o.Src, "src", ".", "the repository")
	flag.StringVar(&o.Binary, "binary", "bin/posit-doctor", "the posit-doctor binary to package (make build)")
	flag.StringVar(&o.Stage, "stage", "build/package", "where the man pages and completions are generated")
	flag.StringVar(&o.Out, "out", "dist", "where the packages are written")
	flag.StringVar(&o.Nfpm, "nfpm", DefaultNfpm, "the nfpm to run: a Go package at a version (run with 'go run') or a path to an nfpm binary")
	flag.Parse()
	if o.Describe == "" {
		fmt.Fprintln(os.Stderr, "mkpackage: -version is required (make package passes git describe)")
		os.Exit(2)
	}
	paths, err := Build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkpackage: "+err.Error())
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}

// Options for Build.
type Options struct {
	Describe string // git describe output
	Commits  int
	Epoch    int64
	Src      string
	Binary   string // the built posit-doctor
	Stage    string
	Out      string
	Nfpm     string // DefaultNfpm when empty
}

// DefaultNfpm is the nfpm release the packages are built with.
const DefaultNfpm = "github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2"

// Packagers are the formats built, in order.
var Packagers = []string{"deb", "rpm"}

// Build stages the generated files and writes one package per packager to
// Out as posit-doctor_<version>_amd64.<deb|rpm>; it returns their paths.
func Build(o Options) ([]string, error) {
	version, err := PackageVersion(o.Describe, o.Commits)
	if err != nil {
		return nil, err
	}
	mtime := time.Now().UTC()
	if o.Epoch > 0 {
		mtime = time.Unix(o.Epoch, 0).UTC()
	}
	src, err := filepath.Abs(o.Src)
	if err != nil {
		return nil, err
	}
	stage, err := filepath.Abs(o.Stage)
	if err != nil {
		return nil, err
	}
	binary, err := filepath.Abs(o.Binary)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("no binary to package (%v); run 'make build' first", err)
	}
	if err := Stage(stage, mtime); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for _, packager := range Packagers {
		target, err := filepath.Abs(filepath.Join(o.Out, fmt.Sprintf("posit-doctor_%s_amd64.%s", version, packager)))
		if err != nil {
			return nil, err
		}
		if err := runNfpm(o.Nfpm, src, packager, target, []string{
			"VERSION=" + version, "SRC=" + src, "STAGE=" + stage, "BINARY=" + binary,
			"SOURCE_DATE_EPOCH=" + strconv.FormatInt(mtime.Unix(), 10),
		}); err != nil {
			return nil, err
		}
		out = append(out, target)
	}
	return out, nil
}

// runNfpm packs one package. nfpm writes the target in place, so it writes
// a temporary name beside it that is renamed once complete: a failed build
// leaves no half package in dist/.
func runNfpm(nfpm, src, packager, target string, env []string) error {
	if nfpm == "" {
		nfpm = DefaultNfpm
	}
	tmp := filepath.Join(filepath.Dir(target), ".tmp-"+filepath.Base(target))
	args := []string{"package", "--config", filepath.Join(src, "deploy", "nfpm", "nfpm.yaml"), "--packager", packager, "--target", tmp}
	var cmd *exec.Cmd
	if strings.Contains(nfpm, "@") {
		cmd = exec.Command(goTool(), append([]string{"run", nfpm}, args...)...)
	} else {
		cmd = exec.Command(nfpm, args...)
	}
	cmd.Dir = src // the scripts' paths in nfpm.yaml are relative to it
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s package --packager %s: %v\n%s", nfpm, packager, err, out)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, target)
}

// goTool is the go command: the one on PATH, else the toolchain's own.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// Stage writes dir/man/*.1.gz (one page per command) and dir/completions/
// (posit-doctor.bash, _posit-doctor, posit-doctor.fish).
func Stage(dir string, date time.Time) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	man := filepath.Join(dir, "man")
	comp := filepath.Join(dir, "completions")
	for _, d := range []string{man, comp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	root := cli.Command()
	root.DisableAutoGenTag = true
	header := doc.GenManHeader{Section: "1", Date: &date, Source: "posit-doctor", Manual: "posit-doctor manual"}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
				continue
			}
			if err := walk(sub); err != nil {
				return err
			}
		}
		c.DisableAutoGenTag = true
		var page bytes.Buffer
		h := header
		if err := doc.GenMan(c, &h, &page); err != nil {
			return err
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1.gz"
		return writeGzip(filepath.Join(man, name), page.Bytes(), date)
	}
	if err := walk(root); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	var bash, zsh, fish bytes.Buffer
	err := errors.Join(
		root.GenBashCompletionV2(&bash, true),
		root.GenZshCompletion(&zsh),
		root.GenFishCompletion(&fish, true),
	)
	if err != nil {
		return fmt.Errorf("completions: %w", err)
	}
	for name, b := range map[string][]byte{"posit-doctor.bash": bash.Bytes(), "_posit-doctor": zsh.Bytes(), "posit-doctor.fish": fish.Bytes()} {
		if err := os.WriteFile(filepath.Join(comp, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeGzip(path string, b []byte, date time.Time) error {
	var z bytes.Buffer
	w, err := gzip.NewWriterLevel(&z, gzip.BestCompression)
	if err != nil {
		return err
	}
	w.ModTime = date // the gzip header's time, for reproducible pages
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, z.Bytes(), 0o644)
}

var (
	exactTag = regexp.MustCompile(`^v?([0-9][0-9A-Za-z.+~-]*?)(-dirty)?$`)
	afterTag = regexp.MustCompile(`^v?([0-9][0-9A-Za-z.+~-]*?)-([0-9]+)-g([0-9a-f]{4,40})(-dirty)?$`)
	bareHash = regexp.MustCompile(`^([0-9a-f]{4,40})(-dirty)?$`)
	validVer = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)
)

// PackageVersion makes a version both dpkg and rpm accept (a digit first,
// then letters, digits, '.', '+', '~'; no '-', which separates the release)
// from git describe, ordered as the history is:
//
//	v1.2.3                -> 1.2.3
//	v1.2.3-rc1            -> 1.2.3~rc1      (before 1.2.3)
//	v1.2.3-4-gabc1234     -> 1.2.3+git4.abc1234
//	abc1234 (no tag yet)  -> 0.0.0~git<commits>.abc1234
//	...-dirty             -> ....dirty
func PackageVersion(describe string, commits int) (string, error) {
	describe = strings.TrimSpace(describe)
	dirty := ""
	var v string
	switch {
	case bareHash.MatchString(describe):
		m := bareHash.FindStringSubmatch(describe)
		v = "0.0.0~git"
		if commits > 0 {
			v += strconv.Itoa(commits) + "."
		}
		v += m[1]
		dirty = m[2]
	case afterTag.MatchString(describe):
		m := afterTag.FindStringSubmatch(describe)
		v = strings.ReplaceAll(m[1], "-", "~") + "+git" + m[2] + "." + m[3]
		dirty = m[4]
	case exactTag.MatchString(describe):
		m := exactTag.FindStringSubmatch(describe)
		v = strings.ReplaceAll(m[1], "-", "~")
		dirty = m[2]
	default:
		return "", fmt.Errorf("version %q: want what git describe --tags --always --dirty prints (v1.2.3, v1.2.3-4-gabc1234 or abc1234)", describe)
	}
	if dirty != "" {
		v += ".dirty"
	}
	if !validVer.MatchString(v) {
		return "", fmt.Errorf("version %q maps to %q, which is not a valid deb/rpm version", describe, v)
	}
	return v, nil
}
