package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
	"github.com/posit-doctor/posit-doctor/redact"
	"github.com/posit-doctor/posit-doctor/report"
)

// RunOptions are the flags of 'posit-doctor run'.
type RunOptions struct {
	Root         string
	Only         []string
	Skip         []string
	Format       string
	Since        string
	Timeout      time.Duration
	Bundle       string // "" = no bundle; bundleDefault = default name in the current directory
	URLs         []string
	CAFile       string
	Color        string
	BundleFormat string
	Pseudonymize bool
	Textfile     string
	Offline      bool
	args         []string // the command line, for the bundle manifest
}

// bundleDefault is what a bare --bundle means: the current directory, so
// the default name is written there. It is printed in the help text, so it
// must be plain text (an earlier sentinel put a NUL byte in 'run --help').
const bundleDefault = "."

// checkDeadline bounds the checks themselves (pure functions of the facts:
// milliseconds); it only turns a bug that hangs one into an error finding.
const checkDeadline = 10 * time.Second

func newRunCmd(env Env) *cobra.Command {
	opts := &RunOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Inspect the host and report findings",
		Long: `Run the checks against the host (or the tree given with --root) and print
the findings. Exit code: 0 nothing worse than info, 1 warn, 2 fail, 3 error.`,
		Example: `  sudo posit-doctor run
  posit-doctor run --root /mnt/snapshot --format json
  posit-doctor run --only nsswitch-pwb,nscd-cache`,
		// run takes no arguments, so a lone argument right after a bare
		// --bundle is its path: pflag reads "--bundle PATH" as the flag's
		// no-value default followed by an argument (cobra's NoOptDefVal trap).
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && opts.Bundle == bundleDefault && followsBareBundle(env.args, args[0]) {
				opts.Bundle = args[0]
				return nil
			}
			return cobra.NoArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.args = env.args
			return runRun(cmd.Context(), env, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Root, "root", "/", "read the host from this directory (a mounted disk, a chroot, a fixture)")
	f.StringSliceVar(&opts.Only, "only", nil, "run only these checks (comma-separated IDs; see 'posit-doctor list')")
	f.StringSliceVar(&opts.Skip, "skip", nil, "skip these checks (comma-separated IDs)")
	f.StringVar(&opts.Format, "format", "text", "output format: text, json, markdown, sarif, junit, nagios or prometheus")
	f.StringVar(&opts.Since, "since", "24h", "log window: a duration (24h), an RFC3339 time, or 'all'")
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Second, "deadline for each network probe (probes run concurrently; the probe collector gets twice this plus a second)")
	f.StringVar(&opts.Bundle, "bundle", "", "write a redacted support bundle: into the current directory, to PATH (a new or regular file, or a directory), or '-' for stdout")
	f.Lookup("bundle").NoOptDefVal = bundleDefault
	f.StringArrayVar(&opts.URLs, "url", nil, "an extra front-door URL to probe (repeatable)")
	f.StringVar(&opts.BundleFormat, "bundle-format", "tar.gz", "support bundle format: tar.gz or zip")
	f.BoolVar(&opts.Pseudonymize, "pseudonymize", false, "in the bundle, replace hostnames, IPs, e-mail addresses and usernames with stable tokens; the mapping is written beside the bundle (mode 0600)")
	f.StringVar(&opts.CAFile, "ca-file", "", "an extra PEM CA bundle to trust in the TLS probes (reported as such)")
	f.StringVar(&opts.Textfile, "textfile", "", "also write the metrics to DIR/"+report.TextfileName+" for node_exporter's textfile collector (atomically, mode 0644)")
	f.StringVar(&opts.Color, "color", "auto", "colour in text output: auto, always or never")
	f.BoolVar(&opts.Offline, "offline", false, "send nothing: no DNS query, no connection; the network checks judge only what needs no network and skip their probes")
	return cmd
}

// parseSince validates --since: a Go duration, an RFC3339 time, or "all".
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "all" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %q: a duration must be positive", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration such as 24h, an RFC3339 time such as 2026-11-01T00:00:00Z, or 'all'", s)
}

// useColor decides colour once: --color always/never win; otherwise NO_COLOR
// disables, CLICOLOR_FORCE enables, CLICOLOR=0 disables, and a terminal
// decides the rest.
func useColor(env Env, flag string, tty bool) (bool, error) {
	switch flag {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
	default:
		return false, fmt.Errorf("--color %q: want auto, always or never", flag)
	}
	switch {
	case env.Getenv("NO_COLOR") != "":
		return false, nil
	case env.Getenv("CLICOLOR_FORCE") != "" && env.Getenv("CLICOLOR_FORCE") != "0":
		return true, nil
	case env.Getenv("CLICOLOR") == "0":
		return false, nil
	}
	return tty, nil
}

func runRun(ctx context.Context, env Env, opts *RunOptions) error {
	format, err := report.ParseFormat(opts.Format)
	if err != nil {
		return usageError("%v", err)
	}
	started := env.Now()
	since, err := parseSince(opts.Since, started)
	if err != nil {
		return usageError("%v", err)
	}
	if opts.Timeout <= 0 {
		return usageError("--timeout %v: want a positive duration such as 5s", opts.Timeout)
	}
	selected, err := checks.Select(opts.Only, opts.Skip)
	if err != nil {
		return usageError("%v", err)
	}
	out := env.Stdout
	if opts.BundleFormat != "tar.gz" && opts.BundleFormat != "zip" {
		return usageError("--bundle-format %q: want tar.gz or zip", opts.BundleFormat)
	}
	if opts.Pseudonymize && opts.Bundle == "" {
		return usageError("--pseudonymize applies to the support bundle; add --bundle")
	}
	if opts.Bundle != "" && opts.Bundle != "-" {
		// Before any work: a link, device, FIFO or socket is refused, and
		// left as it is (exit 3, no report).
		if err := report.CheckTarget(opts.Bundle); err != nil {
			return usageError("--bundle %v", err)
		}
	}
	if opts.Bundle == "-" {
		if env.IsTerminal(env.Stdout) {
			return usageError("--bundle=-: refusing to write an archive to a terminal; redirect standard output to a file (> bundle%s)", report.Extension(opts.BundleFormat))
		}
		out = env.Stderr // stdout carries the archive; the report goes to stderr
	}
	color, err := useColor(env, opts.Color, env.IsTerminal(out))
	if err != nil {
		return usageError("%v", err)
	}
	for _, u := range opts.URLs {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return usageError("--url %q: want an absolute http:// or https:// URL", u)
		}
	}
	var textfile *report.TextfileDir
	if opts.Textfile != "" {
		// Opened once, now: refused before any work, and written later
		// through this handle whatever happens to the name meanwhile.
		if textfile, err = report.OpenTextfileDir(opts.Textfile); err != nil {
			return usageError("%v", err)
		}
		defer textfile.Close()
	}
	h, err := host.New(opts.Root)
	if err != nil {
		return usageError("%v", err)
	}
	h.Now = env.Now

	// Collect only what the selected checks read, and contact only the
	// kinds of target they judge (nothing at all with --offline).
	plan := checks.PlanFor(selected, opts.Offline)
	// Bundle: the bundle's log excerpts, system facts and command output
	// are gathered now, with everything else, and only when asked for.
	copts := collectors.Options{Since: since, URLs: opts.URLs, CAFile: opts.CAFile, Plan: plan, Bundle: opts.Bundle != "", BeforeCollector: env.BeforeCollector,
		Deadlines: map[collectors.Need]time.Duration{
			// An issuer costs at most two probes (discovery, then keys),
			// each with its own --timeout, all concurrent.
			collectors.NeedProbes: 2*opts.Timeout + time.Second,
			// One metadata fetch per source, concurrent.
			collectors.NeedSAML: opts.Timeout + time.Second,
		}}
	if len(plan.Probes) > 0 && !plan.Offline {
		pc := probe.Config{Timeout: opts.Timeout, CAFile: opts.CAFile, Now: env.Now,
			HTTPSProxyEnv: firstSet(env.Getenv("HTTPS_PROXY"), env.Getenv("https_proxy")),
			NoProxyEnv:    firstSet(env.Getenv("NO_PROXY"), env.Getenv("no_proxy"))}
		if env.ProbeConfig != nil {
			env.ProbeConfig(&pc)
		}
		p, err := probe.New(pc)
		if err != nil {
			return usageError("%v", err)
		}
		copts.Prober = p
	}
	// Each collector has its own deadline (Options.Deadlines): one that
	// overruns fails only the checks that read its facts. ctx is the
	// interrupt; the checks, pure functions, get a deadline of their own.
	snap := collectors.Collect(ctx, h, copts)
	checkCtx, cancel := context.WithTimeout(ctx, checkDeadline)
	defer cancel()
	findings := checks.Run(checkCtx, snap, selected)
	if ctx.Err() != nil {
		fmt.Fprintln(env.Stderr, "posit-doctor: interrupted; no report written")
		return exitCode(report.ExitInterrupted)
	}
	for _, e := range snap.Errors {
		fmt.Fprintln(env.Stderr, "posit-doctor: warning: "+report.EscapeLine(redact.String(e)))
	}

	osName := snap.OS.Display()
	hostname := snap.Hostname
	if hostname == "" {
		hostname = "unknown"
	}
	rep := report.New(
		report.Tool{Name: "posit-doctor", Version: Version},
		report.Host{Hostname: hostname, OS: osName, Root: opts.Root},
		started, env.Now().Sub(started), findings)
	if err := report.Write(out, rep, format, report.Options{Color: color}, redact.New()); err != nil {
		return &exitError{code: report.ExitError, err: fmt.Errorf("writing the report: %w", err)}
	}
	if textfile != nil {
		if err := textfile.Write(rep, redact.New()); err != nil {
			return &exitError{code: report.ExitError, err: err}
		}
	}
	if opts.Bundle != "" {
		in := report.BundleInput{Snapshot: snap, Report: rep, Args: opts.args, Started: started, Ended: env.Now(), Format: opts.BundleFormat}
		if err := writeBundle(ctx, env, opts, in); err != nil {
			return err
		}
	}
	if code := rep.ExitCode(); code != 0 {
		return exitCode(code)
	}
	return nil
}

// writeBundle writes the support bundle where --bundle says: stdout for
// "-", a directory (the default name inside it), or a file path.
func writeBundle(ctx context.Context, env Env, opts *RunOptions, in report.BundleInput) error {
	if opts.Pseudonymize {
		in.Pseudonymizer = report.PseudonymsFor(in.Snapshot)
	}
	if opts.Bundle == "-" {
		if _, err := report.WriteBundle(ctx, env.Stdout, in); err != nil {
			if ctx.Err() != nil {
				fmt.Fprintln(env.Stderr, "posit-doctor: interrupted while streaming the bundle; the output is incomplete")
				return exitCode(report.ExitInterrupted)
			}
			return &exitError{code: report.ExitError, err: fmt.Errorf("writing the bundle to stdout: %w", err)}
		}
		return writeMapping(env, opts, in)
	}
	name := report.BundleName(in.Pseudonymizer.String(in.Report.Host.Hostname), in.Started) + report.Extension(opts.BundleFormat)
	target, _, err := report.ResolveTarget(opts.Bundle, name)
	if err != nil {
		return usageError("--bundle %v", err)
	}
	m, err := report.WriteBundleFile(ctx, target, in)
	var te *report.TargetError
	if errors.As(err, &te) {
		return usageError("--bundle %v", err) // planted during the run: still refused
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(env.Stderr, "posit-doctor: interrupted; no bundle written")
			return exitCode(report.ExitInterrupted)
		}
		return &exitError{code: report.ExitError, err: fmt.Errorf("--bundle %s: %w", target, err)}
	}
	fmt.Fprintf(env.Stderr, "posit-doctor: support bundle written to %s (%d files, %d left out; mode 0600)\n", target, len(m.Files)+1, len(m.LeftOut))
	return writeMapping(env, opts, in)
}

// writeMapping writes the pseudonym mapping beside the bundle (in the
// current directory for --bundle=-), once every member was written: a new
// file only, mode 0600; a file or a planted link at its name is left alone
// and the run exits 3, since the bundle cannot be read back without it.
func writeMapping(env Env, opts *RunOptions, in report.BundleInput) error {
	if in.Pseudonymizer == nil {
		return nil
	}
	out := report.BundleName(in.Pseudonymizer.String(in.Report.Host.Hostname), in.Started) + ".pseudonyms.json"
	if opts.Bundle != "-" {
		dir := filepath.Dir(opts.Bundle)
		if fi, err := os.Lstat(opts.Bundle); err == nil && fi.IsDir() {
			dir = opts.Bundle
		}
		out = filepath.Join(dir, out)
	}
	if err := report.WritePseudonyms(out, in.Pseudonymizer); err != nil {
		return &exitError{code: report.ExitError, err: fmt.Errorf("the bundle was written, but not the pseudonym mapping: %w", err)}
	}
	fmt.Fprintf(env.Stderr, "posit-doctor: pseudonym mapping written to %s (mode 0600; keep it, do not send it)\n", out)
	return nil
}

// followsBareBundle reports whether arg comes right after a bare --bundle
// on the command line.
func followsBareBundle(cmdline []string, arg string) bool {
	for i := 0; i+1 < len(cmdline); i++ {
		if cmdline[i] == "--bundle" && cmdline[i+1] == arg {
			return true
		}
	}
	return false
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
